//! The user's connection to the chain: queries, and transactions signed with the user's key
//! and followed to inclusion. Built on the miner agent's JSON-RPC client, transaction signer
//! and runtime follower (`cess-miner-agent`), so both sign and decode the same way.

use cess_miner_agent::{
	chain::{Chain, FilePlacement},
	runtime::Follower,
	tx::{extrinsic_hash, find_in_block, mortal_era, InFlight, Outcome, Signer},
};
use cess_runtime::{AccountId, Balance, BlockNumber, Hash, RuntimeCall, RuntimeEvent};
use codec::{Decode, Encode};
use frame_support::traits::Get;
use std::time::{Duration, Instant};

/// Blocks a transaction may take to be included before `submit` gives up (its mortal era
/// is 64 blocks; an honest node includes it in the next one or two).
pub const INCLUSION_BLOCKS: u32 = 20;

/// A connection to a node with the user's key.
pub struct Session {
	/// The chain through one node's JSON-RPC.
	pub chain: Chain,
	/// The user's key.
	pub signer: Signer,
	runtime: Follower,
	genesis: Hash,
}

/// Storage key of a `FileBank` map entry hashed with `Blake2_128Concat`.
fn blake2_128_concat_key(item: &[u8], key: &[u8]) -> Vec<u8> {
	let mut k = sp_crypto_hashing::twox_128(b"FileBank").to_vec();
	k.extend_from_slice(&sp_crypto_hashing::twox_128(item));
	k.extend_from_slice(&sp_crypto_hashing::blake2_128(key));
	k.extend_from_slice(key);
	k
}

impl Session {
	/// Connects to `rpc` with the key of `suri`.
	pub fn connect(rpc: &str, suri: &str) -> Result<Self, String> {
		let chain = Chain::new(rpc).map_err(|e| e.to_string())?;
		let signer = Signer::from_suri(suri)?;
		let runtime = Follower::start(&chain).map_err(|e| format!("{rpc}: {e}"))?;
		let genesis = chain.genesis_hash().map_err(|e| e.to_string())?;
		Ok(Self { chain, signer, runtime, genesis })
	}

	/// The user's account.
	pub fn account(&self) -> &AccountId {
		self.signer.account()
	}

	/// The best block number.
	pub fn best(&self) -> Result<BlockNumber, String> {
		self.chain.best_number().map_err(|e| e.to_string())
	}

	/// Where a file's fragments are (`None`: no such file).
	pub fn placement(&self, file: Hash) -> Result<Option<FilePlacement>, String> {
		self.chain.file_placement(file).map_err(|e| e.to_string())
	}

	/// The user's lease.
	pub fn lease(
		&self,
		who: &AccountId,
	) -> Result<Option<pallet_file_bank::Lease<BlockNumber>>, String> {
		self.chain.lease(who).map_err(|e| e.to_string())
	}

	/// `FileBank::SpacePrice`: the price of 1 GiB for 1 day.
	pub fn space_price(&self) -> Result<Balance, String> {
		let mut key = sp_crypto_hashing::twox_128(b"FileBank").to_vec();
		key.extend_from_slice(&sp_crypto_hashing::twox_128(b"SpacePrice"));
		match self.chain.storage(&key, None).map_err(|e| e.to_string())? {
			Some(raw) => Balance::decode(&mut &raw[..]).map_err(|e| format!("SpacePrice: {e}")),
			// The default (no value stored) is the runtime's configured price.
			None => Ok(<<cess_runtime::Runtime as pallet_file_bank::Config>::DefaultPricePerGibDay
				as Get<Balance>>::get()),
		}
	}

	/// `FileBank::UserFiles` of `who`: the hashes of its live files.
	pub fn user_files(&self, who: &AccountId) -> Result<Vec<Hash>, String> {
		let key = blake2_128_concat_key(b"UserFiles", &who.encode());
		match self.chain.storage(&key, None).map_err(|e| e.to_string())? {
			Some(raw) => Vec::<Hash>::decode(&mut &raw[..]).map_err(|e| format!("UserFiles: {e}")),
			None => Ok(Vec::new()),
		}
	}

	/// The registered endpoint of miner `who` (e.g. `http://127.0.0.1:15001`).
	pub fn endpoint(&self, who: &AccountId) -> Result<Option<String>, String> {
		let info = self.chain.miner_info(who).map_err(|e| e.to_string())?;
		Ok(info.map(|i| String::from_utf8_lossy(&i.endpoint).trim_end_matches('/').to_string()))
	}

	/// Signs `call` (next nonce, live versions, mortal era from the best block), submits it
	/// and waits for its block: the events it emitted, or the dispatch error.
	pub fn submit(&mut self, call: RuntimeCall, label: &str) -> Result<Vec<RuntimeEvent>, String> {
		let best = self.best()?;
		let nonce = self.chain.next_nonce(self.signer.account()).map_err(|e| e.to_string())?;
		let era = mortal_era(best);
		let birth = era.birth(u64::from(best)) as BlockNumber;
		let checkpoint = self
			.chain
			.block_hash(birth)
			.map_err(|e| e.to_string())?
			.ok_or_else(|| format!("no block #{birth}"))?;
		let xt =
			self.signer.sign(call, nonce, self.genesis, self.runtime.live.facts, era, checkpoint);
		self.chain.submit(&xt.encode()).map_err(|e| format!("{label}: {e}"))?;
		let tx = InFlight { label: label.into(), hash: extrinsic_hash(&xt), sent_at: best };
		let mut next = best.saturating_add(1);
		let started = Instant::now();
		loop {
			let head = self.best()?;
			while next <= head {
				let hash = self
					.chain
					.block_hash(next)
					.map_err(|e| e.to_string())?
					.ok_or_else(|| format!("no block #{next}"))?;
				let events = self.runtime.events(&self.chain, hash).map_err(|e| e.to_string())?;
				match find_in_block(&self.chain, hash, &tx, &events).map_err(|e| e.to_string())? {
					Some(Outcome::Success(emitted)) => return Ok(emitted),
					Some(Outcome::Failed(reason)) => {
						return Err(format!("{label} failed in block #{next}: {reason}"))
					}
					None => {}
				}
				next = next.saturating_add(1);
			}
			if head > best.saturating_add(INCLUSION_BLOCKS)
				|| started.elapsed() > Duration::from_secs(600)
			{
				return Err(format!("{label}: not included within {INCLUSION_BLOCKS} blocks"));
			}
			std::thread::sleep(Duration::from_millis(500));
		}
	}
}
