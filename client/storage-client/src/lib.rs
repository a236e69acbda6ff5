//! The CESS user client: store files on the network and get them back
//! (`cess-node storage put|get|ls|rm|status`).
//!
//! A file is cut into segments, each Reed–Solomon coded into `k` data + `m` parity fragments
//! ([`coding`], default [`DEFAULT_CODING`] = 4 + 2) whose Merkle roots are declared on chain
//! (`fileBank.declare_coded_file`); the chain places every fragment of a segment on a distinct
//! miner, the client uploads each fragment to its miner signed by the owner ([`put`]), and any
//! `k` fragments of each segment, each checked against its on-chain root, give the file back
//! ([`get`]). User guide: `docs/users/storing-files.md`.
//!
//! The client shares the miner agent's JSON-RPC client, transaction signing and request
//! signing (`cess-miner-agent`), so there is one implementation of each.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![warn(missing_docs)]

pub mod coding;
pub mod get;
pub mod http;
pub mod put;
pub mod session;
pub mod web;

pub use session::Session;

use cess_miner_agent::store::hash_hex;
use cess_runtime::{AccountId, Balance, BlockNumber, Hash, RuntimeCall, RuntimeEvent};
use codec::Decode;
use frame_support::traits::Get;
use pallet_file_bank::{Coding, FileState};
use serde_json::json;
use std::collections::BTreeMap;

/// One GiB: space is bought in GiB.
pub const GIB: u64 = 1 << 30;

/// The default erasure code: 4 data + 2 parity fragments per segment. Stores 1.5× the file;
/// any 2 of the 6 miners holding a segment may be lost; 6 distinct miners needed.
pub const DEFAULT_CODING: Coding = Coding { data: 4, parity: 2 };

/// The proof parameters (fragment size) of the runtime this client was built with.
pub fn proof_params() -> cess_storage_proof::Params {
	cess_miner_agent::proof_params()
}

/// The runtime's `MaxFragmentsPerFile`.
pub fn max_fragments() -> u32 {
	<cess_runtime::Runtime as pallet_file_bank::Config>::MaxFragmentsPerFile::get()
}

/// An account in the chain's SS58 format.
pub fn ss58(who: &AccountId) -> String {
	cess_miner_agent::ss58(who)
}

/// `amount` base units as CESS with up to 4 decimals (`1.5`, `0.0100`).
pub fn fmt_cess(amount: Balance) -> String {
	let unit: Balance = 1_000_000_000_000_000_000;
	let whole = amount / unit;
	let frac = (amount % unit) / (unit / 10_000);
	if frac == 0 {
		format!("{whole}")
	} else {
		format!("{whole}.{frac:04}")
	}
}

/// `Timings::BlockDay`: blocks per lease day.
pub fn blocks_per_day(session: &Session) -> Result<u32, String> {
	let mut key = sp_crypto_hashing::twox_128(b"Timings").to_vec();
	key.extend_from_slice(&sp_crypto_hashing::twox_128(b"BlockDay"));
	match session.chain.storage(&key, None).map_err(|e| e.to_string())? {
		Some(raw) => u32::decode(&mut &raw[..]).map_err(|e| format!("BlockDay: {e}")),
		None => Ok(14_400),
	}
}

/// Parses a `0x…` file hash.
pub fn parse_file_hash(text: &str) -> Result<Hash, String> {
	cess_miner_agent::store::parse_hash(text)
		.map(Hash::from)
		.ok_or_else(|| format!("{text}: not a 0x-prefixed 32-byte hash"))
}

/// Health of one file: per segment the confirmed fragments, and how many more holders could
/// be lost before a segment becomes unreadable.
pub fn health(placement: &cess_miner_agent::chain::FilePlacement) -> serde_json::Value {
	let width = placement.coding.width().max(1) as usize;
	let k = usize::from(placement.coding.data);
	let per_segment: Vec<usize> = placement
		.fragments
		.chunks(width)
		.map(|seg| seg.iter().filter(|f| f.replicas.iter().any(|r| r.confirmed)).count())
		.collect();
	let confirmed: usize =
		placement.fragments.iter().map(|f| f.replicas.iter().filter(|r| r.confirmed).count()).sum();
	let slots: usize = placement.fragments.iter().map(|f| f.replicas.len()).sum();
	let weakest = per_segment.iter().copied().min().unwrap_or(0);
	json!({
		"confirmed": confirmed,
		"slots": slots,
		"segments": per_segment.len(),
		"readable": per_segment.iter().all(|c| *c >= k),
		// Losing this many more holders of the weakest segment is still survivable.
		"spare": weakest as i64 - k as i64,
	})
}

/// `Audit::Audits[who].last_proved`: the last round miner `who` submitted a proof for
/// (`None`: never, or not enrolled).
pub fn miner_last_proved(session: &Session, who: &AccountId) -> Result<Option<u32>, String> {
	let encoded = codec::Encode::encode(who);
	let mut key = sp_crypto_hashing::twox_128(b"Audit").to_vec();
	key.extend_from_slice(&sp_crypto_hashing::twox_128(b"Audits"));
	key.extend_from_slice(&sp_crypto_hashing::blake2_128(&encoded));
	key.extend_from_slice(&encoded);
	match session.chain.storage(&key, None).map_err(|e| e.to_string())? {
		Some(raw) => pallet_audit::MinerAudit::decode(&mut &raw[..])
			.map(|a| a.last_proved)
			.map_err(|e| format!("Audits: {e}")),
		None => Ok(None),
	}
}

/// The file's last proven round: the last round for which every miner holding a confirmed
/// fragment of it has submitted a storage proof (the lowest `last_proved` of its holders);
/// `None` while a holder has never proved or nothing is confirmed yet. `cache` keeps each
/// miner's value across files.
pub fn last_proven_round(
	session: &Session,
	placement: &cess_miner_agent::chain::FilePlacement,
	cache: &mut BTreeMap<AccountId, Option<u32>>,
) -> Result<Option<u32>, String> {
	let mut lowest: Option<u32> = None;
	let mut any = false;
	for r in placement.fragments.iter().flat_map(|f| f.replicas.iter()) {
		let (Some(miner), true) = (r.miner.as_ref(), r.confirmed) else { continue };
		let proved = match cache.get(miner) {
			Some(p) => *p,
			None => {
				let p = miner_last_proved(session, miner)?;
				cache.insert(miner.clone(), p);
				p
			}
		};
		let Some(round) = proved else { return Ok(None) };
		any = true;
		lowest = Some(lowest.map_or(round, |l| l.min(round)));
	}
	Ok(if any { lowest } else { None })
}

/// What [`buy_space`] would cost: `(call, price in base units)` for a lease of `gib` GiB and
/// `days` days. Without a live lease it buys one (`buy_space`, both needed); with one, `gib`
/// GiB are added until its end (`expand_space`) and then `days` days added (`renew_space`) —
/// either may be 0.
pub fn space_calls(
	session: &Session,
	who: &AccountId,
	gib: u32,
	days: u32,
) -> Result<(Vec<RuntimeCall>, Balance), String> {
	let price = session.space_price()?;
	let now = session.best()?;
	let lease = session.lease(who)?;
	match lease {
		Some(l) if l.expiring => {
			Err("the lease has ended and its files are being deleted; buy again afterwards".into())
		}
		Some(l) if l.expires_at > now => {
			let per_day = blocks_per_day(session)?.max(1);
			let days_left = u128::from(l.expires_at.saturating_sub(now).div_ceil(per_day));
			let mut calls = Vec::new();
			let mut cost: Balance = 0;
			if gib > 0 {
				calls.push(RuntimeCall::FileBank(pallet_file_bank::Call::expand_space { gib }));
				cost = cost.saturating_add(
					price.saturating_mul(u128::from(gib)).saturating_mul(days_left),
				);
			}
			if days > 0 {
				calls.push(RuntimeCall::FileBank(pallet_file_bank::Call::renew_space { days }));
				let space = u128::from(l.space_gib.saturating_add(gib));
				cost = cost
					.saturating_add(price.saturating_mul(space).saturating_mul(u128::from(days)));
			}
			if calls.is_empty() {
				return Err("nothing to buy: give GiB to add or days to extend".into());
			}
			Ok((calls, cost))
		}
		_ => {
			if gib == 0 || days == 0 {
				return Err("a new lease needs at least 1 GiB and 1 day".into());
			}
			let cost = price.saturating_mul(u128::from(gib)).saturating_mul(u128::from(days));
			Ok((vec![RuntimeCall::FileBank(pallet_file_bank::Call::buy_space { gib, days })], cost))
		}
	}
}

/// Buys a lease, or adds space and days to the live one (see [`space_calls`]); returns the
/// lease afterwards.
pub fn buy_space(
	session: &mut Session,
	gib: u32,
	days: u32,
) -> Result<pallet_file_bank::Lease<BlockNumber>, String> {
	let who = session.account().clone();
	let (calls, _) = space_calls(session, &who, gib, days)?;
	for call in calls {
		session.submit(call, "lease")?;
	}
	session.lease(&who)?.ok_or_else(|| "paid, but no lease on chain".to_string())
}

fn state_name(state: FileState) -> &'static str {
	match state {
		FileState::Declared => "declared",
		FileState::Pending => "pending",
		FileState::Stored => "stored",
		FileState::Deleting => "deleting",
	}
}

/// `storage status HASH`: the file, its coding, each fragment's holder and the health.
pub fn status(session: &Session, file: Hash) -> Result<serde_json::Value, String> {
	let p = session.placement(file)?.ok_or("no such file on chain")?;
	let fragments: Vec<serde_json::Value> = p
		.fragments
		.iter()
		.map(|f| {
			json!({
				"fragment": f.fragment,
				"segment": f.fragment / p.coding.width().max(1),
				"root": hash_hex(&f.root),
				"replicas": f.replicas.iter().map(|r| json!({
					"replica": r.replica,
					"miner": r.miner.as_ref().map(ss58),
					"confirmed": r.confirmed,
					"deadline": r.deadline,
				})).collect::<Vec<_>>(),
			})
		})
		.collect();
	Ok(json!({
		"file": hash_hex(file.as_bytes()),
		"owner": ss58(&p.owner),
		"size": p.size,
		"coding": { "data": p.coding.data, "parity": p.coding.parity },
		"redundancy": p.redundancy,
		"state": state_name(p.state),
		"stored_space": p.stored_space,
		"place_at": p.place_at,
		"health": health(&p),
		"last_proven_round": last_proven_round(session, &p, &mut BTreeMap::new())?,
		"fragments": fragments,
	}))
}

/// `storage ls`: the account's files with size, state, health and the lease's end.
pub fn list(session: &Session, who: &AccountId) -> Result<serde_json::Value, String> {
	let lease = session.lease(who)?;
	let mut files = Vec::new();
	let mut proved = BTreeMap::new();
	for file in session.user_files(who)? {
		let Some(p) = session.placement(file)? else { continue };
		files.push(json!({
			"file": hash_hex(file.as_bytes()),
			"size": p.size,
			"coding": format!("{}+{}", p.coding.data, p.coding.parity),
			"state": state_name(p.state),
			"health": health(&p),
			"last_proven_round": last_proven_round(session, &p, &mut proved)?,
		}));
	}
	Ok(json!({
		"account": ss58(who),
		"lease": lease.map(|l| json!({
			"space_gib": l.space_gib,
			"used": l.used,
			"expires_at": l.expires_at,
			"expiring": l.expiring,
		})),
		"files": files,
	}))
}

/// Renders [`list`] as a table.
pub fn list_table(v: &serde_json::Value) -> String {
	let mut out = String::new();
	if let Some(l) = v.get("lease").filter(|l| !l.is_null()) {
		out.push_str(&format!(
			"lease: {} GiB, {} bytes used, ends at block {}\n",
			l["space_gib"], l["used"], l["expires_at"]
		));
	} else {
		out.push_str("no lease\n");
	}
	for f in v["files"].as_array().into_iter().flatten() {
		let proven = match f["last_proven_round"].as_u64() {
			Some(round) => format!("proven through round {round}"),
			None => "not proven yet".to_string(),
		};
		out.push_str(&format!(
			"{}  {:>14} B  {:4}  {:9}  {}/{} fragments confirmed  {proven}\n",
			f["file"].as_str().unwrap_or_default(),
			f["size"],
			f["coding"].as_str().unwrap_or_default(),
			f["state"].as_str().unwrap_or_default(),
			f["health"]["confirmed"],
			f["health"]["slots"],
		));
	}
	out
}

/// `storage rm HASH`: deletes the file (its lease space is free at once; the miners release
/// their fragments in the background).
pub fn remove(session: &mut Session, file: Hash) -> Result<BlockNumber, String> {
	let call = RuntimeCall::FileBank(pallet_file_bank::Call::delete_file { file });
	let events = session.submit(call, "delete")?;
	if !events.iter().any(|e| {
		matches!(e, RuntimeEvent::FileBank(pallet_file_bank::Event::FileDeletionStarted { .. }))
	}) {
		return Err("deleted, but no FileDeletionStarted event".into());
	}
	session.best()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn cess_amounts_print_with_four_decimals() {
		let cess: Balance = 1_000_000_000_000_000_000;
		assert_eq!(fmt_cess(0), "0");
		assert_eq!(fmt_cess(3 * cess), "3");
		assert_eq!(fmt_cess(cess / 100), "0.0100");
		assert_eq!(fmt_cess(cess + cess / 2), "1.5000");
	}

	#[test]
	fn the_runtime_takes_64_gib_at_4_plus_2() {
		let params = proof_params();
		let l = coding::Layout::new(64 << 30, DEFAULT_CODING, params.fragment_size);
		assert_eq!(params.fragment_size, 8 << 20);
		assert!(l.fragments() <= max_fragments());
		assert_eq!(max_fragments(), 12_288);
	}
}
