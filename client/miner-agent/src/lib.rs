//! The storage-miner agent: what a CESS storage-miner operator runs next to the chain.
//!
//! Given a data directory, a node's JSON-RPC endpoint and the miner's key, the agent
//!
//! 1. registers the miner if needed (collateral = the runtime's requirement by default);
//! 2. seals idle fillers on a background thread, resumably, and commits them
//!    (`storageMiner.commit_idle`);
//! 3. accepts fragment uploads from file owners over HTTP, checks each against the root
//!    declared on chain and confirms it (`fileBank.confirm_fragment`); replicas moved to it
//!    from another miner (exit, ban, repair) it fetches from a holder itself ([`fetch`]);
//! 4. answers every audit challenge before its deadline (`audit.submit_proof`) with proofs
//!    built by `cess-storage-proof`, the library the runtime verifies with;
//! 5. claims rewards whenever something is claimable (`storageMiner.claim_rewards`);
//!
//! and logs each step. It keeps one transaction in flight at a time and treats the chain as
//! the source of truth, so restarts and node reconnects neither lose data nor submit a duty
//! twice. It follows runtime upgrades without a restart as long as what it uses is unchanged
//! ([`runtime`]). Operator guide: `docs/operators/storage-miner.md`.
//!
//! The agent is a library so `cess-node storage-miner run` can embed it and its parts can be
//! tested without a node.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![warn(missing_docs)]

mod agent;
pub mod auth;
pub mod chain;
pub mod fetch;
pub mod metadata;
pub mod proving;
pub mod rpc;
pub mod runtime;
pub mod scale_walk;
pub mod sealing;
pub mod server;
pub mod store;
pub mod tx;

pub use agent::run;

use cess_runtime::{AccountId, Balance};
use cess_storage_proof::{fragment_root, Params};
use sp_core::crypto::{Ss58AddressFormat, Ss58Codec};
use std::{path::PathBuf, time::Duration};

/// The `X-CESS-*` headers of a fragment request (`GET`/`PUT` on
/// `/fragments/<0xfile>/<fragment>/<replica>`) signed by the key of `suri` at `block`.
pub fn sign_request(
	suri: &str,
	method: &str,
	path: &str,
	block: u32,
) -> Result<[(&'static str, String); 3], String> {
	let method = match method.to_ascii_uppercase().as_str() {
		"GET" => auth::Method::Get,
		"PUT" => auth::Method::Put,
		other => return Err(format!("method {other}: GET or PUT")),
	};
	let key = server::fragment_key(path)
		.ok_or_else(|| format!("{path}: not /fragments/<0xfile>/<fragment>/<replica>"))?;
	let signer = tx::Signer::from_suri(suri)?;
	Ok(auth::sign(signer.pair(), method, &key, block))
}

/// Log target of every agent line.
pub const LOG_TARGET: &str = "miner-agent";

/// The chain's SS58 prefix (SPEC §10).
pub const SS58_PREFIX: u16 = 11330;

/// How the agent runs.
#[derive(Clone, Debug)]
pub struct AgentConfig {
	/// Data directory (fillers, fragments, state).
	pub data_dir: PathBuf,
	/// The node's JSON-RPC endpoint.
	pub rpc: String,
	/// Secret URI of the miner's sr25519 key.
	pub suri: String,
	/// Declared space in TiB, used when registering.
	pub declared_tib: u32,
	/// Fillers to seal and commit; `None`: three quarters of the declared space (the rest
	/// stays free for service fragments).
	pub idle_fillers: Option<u64>,
	/// Collateral to hold when registering; `None`: the runtime's requirement.
	pub collateral: Option<Balance>,
	/// Address the HTTP endpoint listens on.
	pub listen: String,
	/// Endpoint advertised on chain; `None`: `http://<listen>`.
	pub endpoint: Option<String>,
	/// Reward beneficiary when registering; `None`: the miner account.
	pub beneficiary: Option<AccountId>,
	/// Threads sealing fillers in parallel (each filler is sequential inside).
	pub seal_threads: usize,
	/// Whether to claim rewards.
	pub claim: bool,
	/// How often to poll the node for a new best block.
	pub poll: Duration,
}

/// The miner's account in the chain's SS58 format.
pub fn ss58(who: &AccountId) -> String {
	who.to_ss58check_with_version(Ss58AddressFormat::custom(SS58_PREFIX))
}

/// The proof parameters the runtime challenges with (fragment and filler size, ...).
pub fn proof_params() -> Params {
	<<cess_runtime::Runtime as pallet_audit::Config>::ProofParams as frame_support::traits::Get<
		Params,
	>>::get()
}

/// What a user needs to declare a file: its size and the Merkle root of every fragment, and —
/// given the declaring `owner` — the hash the chain will give it
/// ([`pallet_file_bank::file_hash`], the same function the runtime calls), as one JSON object
/// (the output of `cess-node storage-miner fragment-roots`). `content_hash` is blake2-256 of
/// the bytes, for the user's own reference; the chain does not use it.
pub fn fragment_roots(data: &[u8], owner: Option<&AccountId>) -> Result<serde_json::Value, String> {
	let params = proof_params();
	let size = params.fragment_size as usize;
	let mut roots = Vec::new();
	let fragments = data
		.chunks(size.max(1))
		.enumerate()
		.map(|(index, chunk)| {
			let root = fragment_root(&params, chunk).map_err(|e| format!("{e:?}"))?;
			roots.push(root);
			Ok(serde_json::json!({
				"index": index,
				"offset": index * size,
				"len": chunk.len(),
				"root": store::hash_hex(&root),
			}))
		})
		.collect::<Result<Vec<_>, String>>()?;
	let file_hash = owner.map(|o| {
		store::hash_hex(pallet_file_bank::file_hash(o, data.len() as u64, &roots).as_bytes())
	});
	Ok(serde_json::json!({
		"file_hash": file_hash,
		"owner": owner.map(ss58),
		"content_hash": store::hash_hex(&sp_crypto_hashing::blake2_256(data)),
		"size": data.len(),
		"fragment_size": params.fragment_size,
		"fragments": fragments,
	}))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn fragment_roots_split_and_pad() {
		let params = proof_params();
		let size = params.fragment_size as usize;
		let data: Vec<u8> = (0..size + 100).map(|i| (i % 251) as u8).collect();
		let owner = AccountId::from([1u8; 32]);
		let out = fragment_roots(&data, Some(&owner)).unwrap();
		assert_eq!(out["size"], size + 100);
		let frags = out["fragments"].as_array().unwrap();
		assert_eq!(frags.len(), 2);
		assert_eq!(frags[1]["offset"], size);
		assert_eq!(frags[1]["len"], 100);
		// The short tail's root is the root of the tail zero-padded to a full fragment.
		let mut padded = data[size..].to_vec();
		padded.resize(size, 0);
		assert_eq!(
			frags[1]["root"],
			store::hash_hex(&fragment_root(&params, &padded).unwrap()).as_str()
		);
		assert_eq!(
			out["content_hash"],
			store::hash_hex(&sp_crypto_hashing::blake2_256(&data)).as_str()
		);
		// The chain's hash of this declaration: file_hash(owner, size, roots).
		let roots = [
			fragment_root(&params, &data[..size]).unwrap(),
			fragment_root(&params, &padded).unwrap(),
		];
		let expected = pallet_file_bank::file_hash(&owner, (size + 100) as u64, &roots);
		assert_eq!(out["file_hash"], store::hash_hex(expected.as_bytes()).as_str());
		assert!(fragment_roots(&data, None).unwrap()["file_hash"].is_null());
		assert_eq!(fragment_roots(&[], None).unwrap()["fragments"].as_array().unwrap().len(), 0);
	}

	/// Golden vector of the file hash (the same as the pallet's and the e2e tests'): owner 32
	/// bytes `0x01`, size 9 MiB, roots `[0x11; 32]` and `[0x22; 32]` — so the agent, the
	/// runtime and the JS tools cannot drift apart.
	#[test]
	fn file_hash_golden_vector() {
		let h = pallet_file_bank::file_hash(
			&AccountId::from([1u8; 32]),
			9 << 20,
			&[[0x11u8; 32], [0x22u8; 32]],
		);
		assert_eq!(
			store::hash_hex(h.as_bytes()),
			"0x02e8e9a7acbf93d0aea767ed21f17f3d9380d8fc508545137e8019852437812a"
		);
	}

	#[test]
	fn ss58_uses_the_chain_prefix() {
		use sp_core::crypto::Pair as _;
		let alice = sp_core::sr25519::Pair::from_string("//Alice", None).unwrap();
		let who = AccountId::from(alice.public());
		let text = ss58(&who);
		let (back, format) = AccountId::from_ss58check_with_version(&text).unwrap();
		assert_eq!((back, u16::from(format)), (who, SS58_PREFIX));
	}
}
