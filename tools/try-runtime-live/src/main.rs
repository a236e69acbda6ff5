//! `cess-try-runtime-live`: the `try-runtime on-runtime-upgrade live` dry run for this chain.
//!
//! Downloads the whole state of a running node at its finalised head over JSON-RPC
//! (`state_getKeysPaged`, `state_queryStorageAt`), puts the given runtime wasm in `:code` and
//! executes `TryRuntime_on_runtime_upgrade(checks)` on that state in the wasm executor: every
//! migration in `Migrations` runs with its `pre_upgrade`/`post_upgrade` checks, then every
//! pallet's `try_state`. Nothing is written back to the node.
//!
//! Why our own tool: the maintained try-runtime CLI is not on crates.io (the crates.io
//! `try-runtime-cli` is 0.42, for polkadot v1.10, older than this runtime's `TryRuntime` API,
//! whose `execute_block` takes a `LazyBlock`), and crates.io's newest
//! `frame-remote-externalities` (0.63) is built on an older `sp-runtime` than this line. The
//! wasm must be built with `--features try-runtime`; `scripts/try-runtime.sh` does both.

use clap::Parser;
use codec::{Decode, Encode};
use sc_executor::WasmExecutor;
use serde_json::{json, Value};
use sp_core::{storage::well_known_keys, traits::ReadRuntimeVersionExt};
use sp_runtime::traits::BlakeTwo256;
use sp_state_machine::{
	backend::{BackendRuntimeCode, TryPendingCode},
	OverlayedChanges, StateMachine,
};
use sp_weights::Weight;
use std::{path::PathBuf, time::Instant};

type HostFunctions = sp_io::SubstrateHostFunctions;

#[derive(Parser)]
#[command(
	about = "Dry-runs the runtime upgrade (every migration and try_state check) on a node's live state"
)]
struct Args {
	/// The node to read state from.
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	uri: String,
	/// The runtime to upgrade to, built with `--features try-runtime`.
	#[arg(long)]
	runtime: PathBuf,
	/// Which checks to run: none, all, pre-and-post, try-state.
	#[arg(long, default_value = "all")]
	checks: String,
	/// Before the upgrade, set a pallet's stored storage version, e.g. `Issuance=0`, to
	/// rehearse a migration on a chain that already has it (repeatable).
	#[arg(long = "pallet-version", value_name = "PALLET=VERSION")]
	pallet_versions: Vec<String>,
}

/// The storage key of a pallet's storage version (`twox128(pallet) ++
/// twox128(":__STORAGE_VERSION__:")`) and its SCALE `u16` value.
fn pallet_version_override(arg: &str) -> Result<KeyValue, String> {
	let (pallet, version) =
		arg.split_once('=').ok_or_else(|| format!("--pallet-version {arg}: expected PALLET=N"))?;
	let version: u16 =
		version.parse().map_err(|e| format!("--pallet-version {arg}: version: {e}"))?;
	let mut key = sp_crypto_hashing::twox_128(pallet.as_bytes()).to_vec();
	key.extend_from_slice(&sp_crypto_hashing::twox_128(b":__STORAGE_VERSION__:"));
	Ok((key, version.encode()))
}

/// `frame_support::traits::UpgradeCheckSelect`, which that crate defines only under its
/// `try-runtime` feature; enabling it here would turn it on for the whole workspace build.
/// Same variants, same SCALE encoding (the variant index).
#[derive(Clone, Copy, Debug, Encode)]
enum UpgradeCheckSelect {
	None,
	All,
	PreAndPost,
	TryState,
}

fn parse_checks(s: &str) -> Result<UpgradeCheckSelect, String> {
	match s {
		"none" => Ok(UpgradeCheckSelect::None),
		"all" => Ok(UpgradeCheckSelect::All),
		"pre-and-post" => Ok(UpgradeCheckSelect::PreAndPost),
		"try-state" => Ok(UpgradeCheckSelect::TryState),
		other => Err(format!("unknown checks `{other}`: none, all, pre-and-post, try-state")),
	}
}

/// One JSON-RPC call over HTTP (the node's RPC port serves HTTP and WebSocket).
fn rpc(url: &str, method: &str, params: Value) -> Result<Value, String> {
	let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
	let text = attohttpc::post(url)
		.header("content-type", "application/json")
		.text(body.to_string())
		.send()
		.map_err(|e| format!("{method}: {e}"))?
		.text()
		.map_err(|e| format!("{method}: {e}"))?;
	let response: Value =
		serde_json::from_str(&text).map_err(|e| format!("{method}: {e}: {text}"))?;
	if let Some(error) = response.get("error") {
		return Err(format!("{method}: {error}"));
	}
	Ok(response["result"].clone())
}

fn hex_bytes(v: &Value) -> Result<Vec<u8>, String> {
	let s = v.as_str().ok_or("expected a hex string")?;
	sp_core::bytes::from_hex(s).map_err(|e| format!("bad hex {s}: {e:?}"))
}

/// A storage key and its value.
type KeyValue = (Vec<u8>, Vec<u8>);

/// Every key and value of the state at `at`, 1 000 keys per request.
fn download_state(url: &str, at: &str) -> Result<Vec<KeyValue>, String> {
	let mut pairs = Vec::new();
	let mut start: Option<String> = None;
	loop {
		let keys = rpc(url, "state_getKeysPaged", json!(["0x", 1000, start, at]))?;
		let keys: Vec<String> = keys
			.as_array()
			.ok_or("state_getKeysPaged: not a list")?
			.iter()
			.filter_map(|k| k.as_str().map(str::to_owned))
			.collect();
		if keys.is_empty() {
			return Ok(pairs);
		}
		let sets = rpc(url, "state_queryStorageAt", json!([keys, at]))?;
		for change in sets[0]["changes"].as_array().ok_or("state_queryStorageAt: no changes")? {
			if change[1].is_null() {
				continue;
			}
			pairs.push((hex_bytes(&change[0])?, hex_bytes(&change[1])?));
		}
		start = keys.last().cloned();
	}
}

fn main() -> Result<(), String> {
	let args = Args::parse();
	let checks = parse_checks(&args.checks)?;
	let wasm = std::fs::read(&args.runtime)
		.map_err(|e| format!("reading {}: {e}", args.runtime.display()))?;
	let url = args.uri.replacen("ws://", "http://", 1).replacen("wss://", "https://", 1);

	let started = Instant::now();
	let at = rpc(&url, "chain_getFinalizedHead", json!([]))?;
	let at = at.as_str().ok_or("chain_getFinalizedHead: not a hash")?.to_owned();
	let header = rpc(&url, "chain_getHeader", json!([at]))?;
	let pairs = download_state(&url, &at)?;
	println!(
		"state of {} at finalised block {} ({at}): {} keys in {:.1} s",
		args.uri,
		header["number"],
		pairs.len(),
		started.elapsed().as_secs_f64()
	);
	let mut ext = sp_state_machine::TestExternalities::<BlakeTwo256>::new_empty();
	for (k, v) in pairs {
		ext.insert(k, v);
	}

	for arg in &args.pallet_versions {
		let (key, value) = pallet_version_override(arg)?;
		println!(
			"storage version override {arg}: 0x{}",
			sp_core::hexdisplay::HexDisplay::from(&key)
		);
		ext.insert(key, value);
	}
	ext.insert(well_known_keys::CODE.to_vec(), wasm);
	let backend = ext.as_backend();
	let code = BackendRuntimeCode::new(&backend, TryPendingCode::No);
	let runtime_code = code.runtime_code().map_err(|e| format!("runtime code: {e}"))?;

	let executor = WasmExecutor::<HostFunctions>::builder().build();
	let mut extensions = sp_externalities::Extensions::default();
	extensions.register(ReadRuntimeVersionExt::new(executor.clone()));
	let mut overlay = OverlayedChanges::default();
	let call_data = checks.encode();
	let started = Instant::now();
	let result = StateMachine::new(
		&backend,
		&mut overlay,
		&executor,
		"TryRuntime_on_runtime_upgrade",
		&call_data,
		&mut extensions,
		&runtime_code,
		sp_core::traits::CallContext::Offchain,
	)
	.execute()
	.map_err(|e| format!("TryRuntime_on_runtime_upgrade failed: {e}"))?;
	let (weight, max_block) = <(Weight, Weight)>::decode(&mut &result[..])
		.map_err(|e| format!("decoding the result: {e}"))?;
	let percent = weight.ref_time().saturating_mul(100) / max_block.ref_time().max(1);
	println!(
		"on_runtime_upgrade with checks {:?}: OK in {:.2} s; weight {} ref_time, {} proof \
		 ({percent} % of a block's {} ref_time)",
		args.checks,
		started.elapsed().as_secs_f64(),
		weight.ref_time(),
		weight.proof_size(),
		max_block.ref_time()
	);
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn pallet_version_key_is_the_frame_storage_version_key() {
		let (key, value) = pallet_version_override("Issuance=0").unwrap();
		// twox128(":__STORAGE_VERSION__:") is the suffix every FRAME chain uses.
		assert_eq!(
			&key[16..],
			&sp_core::bytes::from_hex("0x4e7b9012096b41c4eb3aaf947f6ea429").unwrap()[..]
		);
		assert_eq!(&key[..16], &sp_crypto_hashing::twox_128(b"Issuance")[..]);
		assert_eq!(value, vec![0, 0]);
		assert_eq!(pallet_version_override("Audit=258").unwrap().1, vec![2, 1]);
		assert!(pallet_version_override("Issuance").is_err());
	}

	#[test]
	fn checks_encode_as_frame_support_does() {
		assert_eq!(parse_checks("none").unwrap().encode(), vec![0]);
		assert_eq!(parse_checks("all").unwrap().encode(), vec![1]);
		assert_eq!(parse_checks("pre-and-post").unwrap().encode(), vec![2]);
		assert_eq!(parse_checks("try-state").unwrap().encode(), vec![3]);
		assert!(parse_checks("some").is_err());
	}
}
