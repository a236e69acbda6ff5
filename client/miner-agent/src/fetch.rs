//! Replicas that move to this miner without an upload: fetched from a current holder.
//!
//! When a replica is moved off another miner — it exits, is banned, or is repaired because it
//! stopped proving (`fileBank.FragmentReassigned { to: this miner }`) — nobody uploads it: the
//! file owner may be offline, and the chain releases the old copy only once the new holder
//! confirms (issue 15, "migrate, release on confirm"). So the agent fetches the bytes itself,
//! in a background thread per replica:
//!
//! 1. sources, in order: the old holder (`from`, same replica number), then every miner holding
//!    a confirmed replica of the same fragment (replicas are identical copies);
//! 2. `GET <endpoint>/fragments/<0xfile>/<fragment>/<replica>` on each source's registered
//!    `http://` endpoint, signed with the miner's key ([`crate::auth`]: the source serves it
//!    because the replica is assigned to this miner and unconfirmed), at most one fragment of
//!    bytes read;
//! 3. the bytes' Merkle root must be the root declared on chain — a source cannot make this
//!    miner store wrong data; then they are stored and queued for `confirm_fragment` like an
//!    upload.
//!
//! It retries every [`RETRY_EVERY`] while the replica is still assigned here and unconfirmed
//! (the chain gives up on this miner after `AssignmentTimeout` anyway), and stops as soon as
//! the bytes are on disk (an upload by the owner counts too).

use crate::{
	chain::FilePlacement,
	server::Shared,
	store::{hash_hex, FragmentKey},
	LOG_TARGET,
};
use cess_runtime::AccountId;
use cess_storage_proof::fragment_root;
use log::{info, warn};
use std::{io::Read, sync::Arc, thread, time::Duration};

/// Pause between two rounds over all sources.
pub const RETRY_EVERY: Duration = Duration::from_secs(6);
/// Rounds over all sources before the agent gives up (≈ 100 dev blocks, one
/// `AssignmentTimeout`; the chain then reassigns the replica anyway).
pub const MAX_ROUNDS: u32 = 100;
/// Timeout of one HTTP request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The miners to ask for replica `key`, with the replica number each holds: `from` first (its
/// copy has the same number), then the confirmed holders of the fragment's other replicas.
pub fn sources(
	placement: &FilePlacement,
	key: &FragmentKey,
	from: Option<&AccountId>,
	me: &AccountId,
) -> Vec<(AccountId, u8)> {
	let mut out: Vec<(AccountId, u8)> = Vec::new();
	if let Some(from) = from.filter(|f| *f != me) {
		out.push((from.clone(), key.replica));
	}
	if let Some(fragment) = placement.fragments.iter().find(|f| f.fragment == key.fragment) {
		for r in &fragment.replicas {
			let Some(holder) = r.miner.as_ref() else { continue };
			if r.confirmed
				&& holder != me
				&& !out.iter().any(|(m, n)| m == holder && *n == r.replica)
			{
				out.push((holder.clone(), r.replica));
			}
		}
	}
	out
}

/// The URL of a replica on a miner whose registered endpoint is `endpoint`; `None` unless the
/// endpoint is an `http://` URL (other forms are not fetchable by this agent).
pub fn fragment_url(endpoint: &[u8], key: &FragmentKey, replica: u8) -> Option<String> {
	let endpoint = core::str::from_utf8(endpoint).ok()?.trim_end_matches('/');
	let rest = endpoint.strip_prefix("http://")?;
	if rest.is_empty() || rest.contains(char::is_whitespace) {
		return None;
	}
	Some(format!(
		"{endpoint}/fragments/{}/{}/{replica}",
		hash_hex(key.file.as_bytes()),
		key.fragment
	))
}

/// Whether replica `key` is still assigned to `me` and waiting for its confirmation.
fn still_wanted(placement: &FilePlacement, key: &FragmentKey, me: &AccountId) -> bool {
	placement.fragments.iter().filter(|f| f.fragment == key.fragment).any(|f| {
		f.replicas
			.iter()
			.any(|r| r.replica == key.replica && r.miner.as_ref() == Some(me) && !r.confirmed)
	})
}

/// GETs at most `limit` bytes from `url`, signed with `headers`.
fn download(url: &str, headers: &[(&'static str, String)], limit: u64) -> Result<Vec<u8>, String> {
	let mut request = attohttpc::get(url).timeout(REQUEST_TIMEOUT);
	for (name, value) in headers {
		request = request.header(*name, value.as_str());
	}
	let response = request.send().map_err(|e| format!("GET {url}: {e}"))?;
	if !response.is_success() {
		return Err(format!("GET {url}: HTTP {}", response.status()));
	}
	let (_, _, reader) = response.split();
	let mut body = Vec::new();
	reader
		.take(limit.saturating_add(1))
		.read_to_end(&mut body)
		.map_err(|e| format!("GET {url}: {e}"))?;
	if body.len() as u64 > limit {
		return Err(format!("GET {url}: more than a fragment ({limit} bytes)"));
	}
	Ok(body)
}

/// One pass over the sources: `Ok(true)` once the bytes are stored (or already were).
fn try_once(shared: &Shared, key: &FragmentKey, from: Option<&AccountId>) -> Result<bool, String> {
	if shared.dir.read_fragment(key).is_some() {
		return Ok(true);
	}
	let chain = &shared.chain;
	let placement = chain
		.file_placement(key.file)
		.map_err(|e| format!("chain: {e}"))?
		.ok_or_else(|| "the file is gone".to_string())?;
	if !still_wanted(&placement, key, &shared.account) {
		return Err("no longer assigned here".into());
	}
	let root = placement
		.fragments
		.iter()
		.find(|f| f.fragment == key.fragment)
		.map(|f| f.root)
		.ok_or_else(|| "no such fragment".to_string())?;
	let mut problems = Vec::new();
	for (holder, replica) in sources(&placement, key, from, &shared.account) {
		let endpoint = match chain.miner_info(&holder) {
			Ok(Some(info)) => info.endpoint,
			Ok(None) => continue,
			Err(e) => return Err(format!("chain: {e}")),
		};
		let Some(url) = fragment_url(&endpoint, key, replica) else {
			problems.push(format!("{holder}: endpoint is not http://"));
			continue;
		};
		// Signed as the miner the replica is moving to (the holder checks that on chain).
		let best = chain.best_number().map_err(|e| format!("chain: {e}"))?;
		let source_key = FragmentKey { replica, ..*key };
		let headers = crate::auth::sign(&shared.key, crate::auth::Method::Get, &source_key, best);
		let body = match download(&url, &headers, shared.params.fragment_size) {
			Ok(body) => body,
			Err(e) => {
				problems.push(e);
				continue;
			}
		};
		match fragment_root(&shared.params, &body) {
			Ok(got) if got == root => {}
			_ => {
				problems.push(format!("{url}: the bytes do not have the declared root"));
				continue;
			}
		}
		shared.dir.write_fragment(key, &body).map_err(|e| format!("storing: {e}"))?;
		info!(target: LOG_TARGET, "fetched {key} from {url} ({} bytes)", body.len());
		if let Ok(mut set) = shared.unconfirmed.lock() {
			set.insert(*key);
		}
		return Ok(true);
	}
	Err(if problems.is_empty() { "no holder to fetch from".into() } else { problems.join("; ") })
}

/// Fetches replica `key` (moved here from `from`) in a background thread.
pub fn spawn(shared: Arc<Shared>, key: FragmentKey, from: Option<AccountId>) {
	thread::spawn(move || {
		for attempt in 1..=MAX_ROUNDS {
			match try_once(&shared, &key, from.as_ref()) {
				Ok(_) => return,
				Err(e) if e == "no longer assigned here" || e == "the file is gone" => {
					info!(target: LOG_TARGET, "not fetching {key}: {e}");
					return;
				}
				Err(e) => {
					if attempt == 1 || attempt % 10 == 0 {
						warn!(target: LOG_TARGET, "fetching {key} (attempt {attempt}): {e}");
					}
				}
			}
			thread::sleep(RETRY_EVERY);
		}
		warn!(target: LOG_TARGET, "gave up fetching {key} after {MAX_ROUNDS} attempts");
	});
}

#[cfg(test)]
mod tests {
	use super::*;
	use pallet_file_bank::{FileState, FragmentPlacement, ReplicaPlacement};
	use sp_core::H256;

	fn acc(b: u8) -> AccountId {
		AccountId::new([b; 32])
	}

	fn replica(n: u8, miner: Option<u8>, confirmed: bool) -> ReplicaPlacement<AccountId, u32> {
		ReplicaPlacement {
			replica: n,
			miner: miner.map(acc),
			confirmed,
			miner_index: None,
			deadline: None,
		}
	}

	fn placement(replicas: Vec<ReplicaPlacement<AccountId, u32>>) -> FilePlacement {
		FilePlacement {
			owner: acc(9),
			size: 1,
			redundancy: replicas.len() as u8,
			coding: pallet_file_bank::Coding::REPLICATED,
			state: FileState::Stored,
			stored_space: 1,
			place_at: None,
			fragments: vec![FragmentPlacement { fragment: 0, root: [7; 32], replicas }],
		}
	}

	const KEY: FragmentKey = FragmentKey { file: H256::repeat_byte(1), fragment: 0, replica: 1 };

	#[test]
	fn the_old_holder_first_then_confirmed_co_holders() {
		// Replica 1 moved from miner 5 to me (miner 2); replicas 0 and 2 are on 3 (confirmed)
		// and 4 (not yet confirmed: no copy to ask for).
		let p = placement(vec![
			replica(0, Some(3), true),
			replica(1, Some(2), false),
			replica(2, Some(4), false),
		]);
		assert_eq!(sources(&p, &KEY, Some(&acc(5)), &acc(2)), vec![(acc(5), 1), (acc(3), 0)]);
		// A timed-out upload has no old copy worth asking first if it is me.
		assert_eq!(sources(&p, &KEY, Some(&acc(2)), &acc(2)), vec![(acc(3), 0)]);
		assert_eq!(sources(&p, &KEY, None, &acc(2)), vec![(acc(3), 0)]);
		assert!(still_wanted(&p, &KEY, &acc(2)));
		assert!(!still_wanted(&p, &KEY, &acc(3)));
		let done = placement(vec![replica(0, Some(3), true), replica(1, Some(2), true)]);
		assert!(!still_wanted(&done, &KEY, &acc(2)), "confirmed: nothing to fetch");
	}

	#[test]
	fn only_http_endpoints_are_fetched() {
		let file = hash_hex(KEY.file.as_bytes());
		assert_eq!(
			fragment_url(b"http://127.0.0.1:15001/", &KEY, 0).as_deref(),
			Some(format!("http://127.0.0.1:15001/fragments/{file}/0/0").as_str())
		);
		assert_eq!(fragment_url(b"/ip4/127.0.0.1/tcp/15009", &KEY, 0), None);
		assert_eq!(fragment_url(b"https://miner.example", &KEY, 0), None);
		assert_eq!(fragment_url(b"http://", &KEY, 0), None);
		assert_eq!(fragment_url(&[0xff, 0xfe], &KEY, 0), None);
	}
}
