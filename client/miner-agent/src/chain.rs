//! Typed access to the chain: JSON-RPC calls whose SCALE payloads are encoded and decoded
//! with the runtime's own types.
//!
//! The agent links the same runtime crates the node runs, so runtime-API results, storage
//! values and events decode without metadata. A runtime upgrade does not stop it as long as
//! the calls, APIs and events it uses keep their layout: [`crate::runtime`] follows the live
//! version and checks that against live metadata.

use crate::rpc::{RpcClient, RpcError};
use cess_runtime::{AccountId, Balance, BlockNumber, Hash, RuntimeEvent};
use codec::{Decode, Encode};
use frame_metadata::v15::RuntimeMetadataV15;
use serde_json::{json, Value};
use sp_core::bytes::{from_hex, to_hex};
use std::fmt;

/// A storage-miner report as the runtime API returns it.
pub type MinerReport = pallet_storage_miner::MinerReport<AccountId, Balance, BlockNumber>;
/// A reward report as the runtime API returns it.
pub type RewardReport = pallet_storage_miner::RewardReport<Balance, BlockNumber>;
/// The open round's challenge for one miner.
pub type ChallengeReport = pallet_audit::MinerChallengeReport<BlockNumber>;
/// Where a file's fragments are placed.
pub type FilePlacement = pallet_file_bank::FilePlacement<AccountId, BlockNumber>;
/// One event record of a block.
pub type EventRecord = frame_system::EventRecord<RuntimeEvent, Hash>;

/// Why a chain query failed.
#[derive(Debug)]
pub enum ChainError {
	/// The RPC call itself failed.
	Rpc(RpcError),
	/// The returned bytes did not decode as the expected type.
	Decode(&'static str, String),
	/// The chain runs a runtime this agent cannot serve (another chain, or a call it uses
	/// changed); the agent stops.
	RuntimeMismatch(String),
}

impl fmt::Display for ChainError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			ChainError::Rpc(e) => write!(f, "{e}"),
			ChainError::Decode(what, e) => write!(f, "cannot decode {what}: {e}"),
			ChainError::RuntimeMismatch(e) => write!(f, "runtime mismatch: {e}"),
		}
	}
}

impl std::error::Error for ChainError {}

impl From<RpcError> for ChainError {
	fn from(e: RpcError) -> Self {
		ChainError::Rpc(e)
	}
}

/// The transaction-relevant facts of the running runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuntimeFacts {
	/// `spec_version`, signed into every transaction.
	pub spec_version: u32,
	/// `transaction_version`, signed into every transaction.
	pub transaction_version: u32,
}

/// The chain, as seen through one node's JSON-RPC.
pub struct Chain {
	rpc: RpcClient,
}

fn hex_bytes(what: &'static str, value: &str) -> Result<Vec<u8>, ChainError> {
	from_hex(value).map_err(|e| ChainError::Decode(what, e.to_string()))
}

fn decode<T: Decode>(what: &'static str, bytes: &[u8]) -> Result<T, ChainError> {
	T::decode(&mut &bytes[..]).map_err(|e| ChainError::Decode(what, e.to_string()))
}

impl Chain {
	/// A chain reached at `url` (see [`RpcClient::new`]).
	pub fn new(url: &str) -> Result<Self, ChainError> {
		Ok(Self { rpc: RpcClient::new(url)? })
	}

	/// The RPC endpoint, for log lines.
	pub fn endpoint(&self) -> String {
		self.rpc.endpoint()
	}

	/// The genesis hash, signed into every transaction.
	pub fn genesis_hash(&self) -> Result<Hash, ChainError> {
		self.block_hash(0)?.ok_or(ChainError::Decode("genesis hash", "none".into()))
	}

	/// `spec_name` and the versions to sign with, of the best block or of block `at`.
	pub fn runtime_version(&self, at: Option<Hash>) -> Result<(String, RuntimeFacts), ChainError> {
		let v: Value = self.rpc.call("state_getRuntimeVersion", json!([at]))?;
		let field = |name: &str| v.get(name).and_then(Value::as_u64).unwrap_or_default() as u32;
		let spec_name = v.get("specName").and_then(Value::as_str).unwrap_or_default();
		let facts = RuntimeFacts {
			spec_version: field("specVersion"),
			transaction_version: field("transactionVersion"),
		};
		Ok((spec_name.into(), facts))
	}

	/// The V15 metadata of the runtime at block `at`.
	pub fn metadata(&self, at: Hash) -> Result<RuntimeMetadataV15, ChainError> {
		let arg = to_hex(&crate::metadata::METADATA_VERSION.encode(), false);
		let result: String =
			self.rpc.call("state_call", json!(["Metadata_metadata_at_version", arg, at]))?;
		let opaque: Option<Vec<u8>> = decode("metadata", &hex_bytes("metadata", &result)?)?;
		let bytes = opaque.ok_or(ChainError::Decode("metadata", "no V15 metadata".into()))?;
		crate::metadata::decode_v15(&bytes).map_err(|e| ChainError::Decode("metadata", e))
	}

	/// The hash of the best block.
	pub fn best_hash(&self) -> Result<Hash, ChainError> {
		let hash: String = self.rpc.call("chain_getBlockHash", json!([]))?;
		decode("block hash", &hex_bytes("block hash", &hash)?)
	}

	/// The number of the best block.
	pub fn best_number(&self) -> Result<BlockNumber, ChainError> {
		let header: Value = self.rpc.call("chain_getHeader", json!([]))?;
		let number = header.get("number").and_then(Value::as_str).unwrap_or_default();
		u32::from_str_radix(number.trim_start_matches("0x"), 16)
			.map_err(|e| ChainError::Decode("block number", e.to_string()))
	}

	/// The hash of block `number` on the best chain, if it exists.
	pub fn block_hash(&self, number: BlockNumber) -> Result<Option<Hash>, ChainError> {
		let hash: Option<String> = self.rpc.call("chain_getBlockHash", json!([number]))?;
		hash.map(|h| decode("block hash", &hex_bytes("block hash", &h)?)).transpose()
	}

	/// The encoded extrinsics of block `hash`.
	pub fn block_extrinsics(&self, hash: Hash) -> Result<Vec<Vec<u8>>, ChainError> {
		let block: Value = self.rpc.call("chain_getBlock", json!([hash]))?;
		let list = block
			.pointer("/block/extrinsics")
			.and_then(Value::as_array)
			.ok_or(ChainError::Decode("block", "no extrinsics".into()))?;
		list.iter().map(|x| hex_bytes("extrinsic", x.as_str().unwrap_or_default())).collect()
	}

	/// The encoded `System.Events` of block `hash` (decoded by [`crate::runtime`], which
	/// knows the live layout).
	pub fn events_raw(&self, hash: Hash) -> Result<Option<Vec<u8>>, ChainError> {
		// `System::Events`: twox128("System") ++ twox128("Events").
		let key = [sp_crypto_hashing::twox_128(b"System"), sp_crypto_hashing::twox_128(b"Events")]
			.concat();
		let value: Option<String> =
			self.rpc.call("state_getStorage", json!([to_hex(&key, false), hash]))?;
		value.map(|v| hex_bytes("events", &v)).transpose()
	}

	/// The raw value of storage key `key` at the best block (or at `at`).
	pub fn storage(&self, key: &[u8], at: Option<Hash>) -> Result<Option<Vec<u8>>, ChainError> {
		let value: Option<String> =
			self.rpc.call("state_getStorage", json!([to_hex(key, false), at]))?;
		value.map(|v| hex_bytes("storage", &v)).transpose()
	}

	/// `FileBankApi::lease`.
	pub fn lease(
		&self,
		who: &AccountId,
	) -> Result<Option<pallet_file_bank::Lease<BlockNumber>>, ChainError> {
		self.runtime_call("lease", "FileBankApi_lease", who)
	}

	/// Calls runtime API function `method` (e.g. `AuditApi_miner_challenge`) on the best
	/// block with SCALE-encoded `args`.
	pub fn runtime_call<R: Decode>(
		&self,
		what: &'static str,
		method: &str,
		args: impl Encode,
	) -> Result<R, ChainError> {
		let data = to_hex(&args.encode(), false);
		let result: String = self.rpc.call("state_call", json!([method, data]))?;
		decode(what, &hex_bytes(what, &result)?)
	}

	/// `StorageMinerApi::miner_info`.
	pub fn miner_info(&self, who: &AccountId) -> Result<Option<MinerReport>, ChainError> {
		self.runtime_call("miner info", "StorageMinerApi_miner_info", who)
	}

	/// `StorageMinerApi::collateral_requirement`.
	pub fn collateral_requirement(&self, declared_tib: u32) -> Result<Balance, ChainError> {
		self.runtime_call("requirement", "StorageMinerApi_collateral_requirement", declared_tib)
	}

	/// `StorageMinerRewardsApi::rewards`.
	pub fn rewards(&self, who: &AccountId) -> Result<RewardReport, ChainError> {
		self.runtime_call("rewards", "StorageMinerRewardsApi_rewards", who)
	}

	/// `AuditApi::miner_challenge`.
	pub fn challenge(&self, who: &AccountId) -> Result<Option<ChallengeReport>, ChainError> {
		self.runtime_call("challenge", "AuditApi_miner_challenge", who)
	}

	/// `FileBankApi::file_placement`.
	pub fn file_placement(&self, file: Hash) -> Result<Option<FilePlacement>, ChainError> {
		self.runtime_call("placement", "FileBankApi_file_placement", file)
	}

	/// All of `who`'s confirmed fragments, in miner-index order (the order challenges use).
	pub fn miner_fragments(
		&self,
		who: &AccountId,
		count: u64,
	) -> Result<Vec<pallet_file_bank::FragmentRef>, ChainError> {
		const PAGE: u32 = 1_000;
		let count = u32::try_from(count).unwrap_or(u32::MAX);
		let mut all = Vec::new();
		let mut start = 0u32;
		while start < count {
			let page: Vec<pallet_file_bank::FragmentRef> = self.runtime_call(
				"miner fragments",
				"FileBankApi_miner_fragments",
				(who, start, PAGE),
			)?;
			if page.is_empty() {
				break;
			}
			start = start.saturating_add(page.len() as u32);
			all.extend(page);
		}
		Ok(all)
	}

	/// The next nonce of `who`, counting transactions already in the node's pool.
	pub fn next_nonce(&self, who: &AccountId) -> Result<u32, ChainError> {
		let ss58 = crate::ss58(who);
		Ok(self.rpc.call("system_accountNextIndex", json!([ss58]))?)
	}

	/// Submits an encoded extrinsic; returns its hash.
	pub fn submit(&self, extrinsic: &[u8]) -> Result<Hash, ChainError> {
		let hash: String =
			self.rpc.call("author_submitExtrinsic", json!([to_hex(extrinsic, false)]))?;
		decode("tx hash", &hex_bytes("tx hash", &hash)?)
	}

	/// The encoded extrinsics waiting in the node's pool.
	pub fn pending_extrinsics(&self) -> Result<Vec<Vec<u8>>, ChainError> {
		let list: Vec<String> = self.rpc.call("author_pendingExtrinsics", json!([]))?;
		list.iter().map(|x| hex_bytes("pending extrinsic", x)).collect()
	}
}
