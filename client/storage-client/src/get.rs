//! `storage get HASH -o OUT`: any `k` verified fragments per segment, decoded, written in place.
//!
//! For each segment the client asks the miners holding its fragments — data fragments first
//! (with all `k` of them no decoding is needed), then parity — one `GET` each, signed by the
//! file owner. Every fragment must have exactly the Merkle root the chain recorded at
//! declaration (over the bytes zero-padded to `FragmentSize`); a miner that is down, refuses,
//! or serves other bytes is skipped. With `k` good fragments the segment is decoded and written
//! at its offset; with fewer the whole `get` fails and the partial output is removed. So up to
//! `m` holders of each segment may be down, and no miner can make the client write wrong bytes.

use crate::{
	coding::{decode_segment, Layout},
	http, proof_params, Session,
};
use cess_miner_agent::store::FragmentKey;
use cess_runtime::Hash;
use cess_storage_proof::fragment_root;
use indicatif::{ProgressBar, ProgressStyle};
use std::{
	collections::BTreeMap,
	fs::OpenOptions,
	os::unix::fs::FileExt,
	path::Path,
	sync::{
		atomic::{AtomicU32, Ordering},
		Mutex,
	},
};

/// What `get` did.
#[derive(Debug, Default)]
pub struct GetReport {
	/// Bytes written.
	pub size: u64,
	/// Fragments downloaded and verified.
	pub fetched: u32,
	/// Segments rebuilt from parity (a data fragment was missing).
	pub decoded: u32,
	/// Requests that failed (holder down, refused, or wrong bytes).
	pub failures: Vec<String>,
}

/// One fragment request: `(endpoint, key, best block, size limit)` → the body. [`get`] signs
/// it with the owner's key; a CD²N node signs with its own and adds the owner's grant.
pub type Request<'a> = dyn Fn(&str, &FragmentKey, u32, u64) -> Result<Vec<u8>, String> + Sync + 'a;

/// Downloads file `file` into `out`, using `threads` segments in parallel.
pub fn get(session: &Session, file: Hash, out: &Path, threads: usize) -> Result<GetReport, String> {
	let pair = session.signer.pair();
	get_with(session, file, out, threads, &|endpoint, key, block, limit| {
		http::get(endpoint, key, pair, block, limit)
	})
}

/// [`get`] with fragment requests made by `request`.
pub fn get_with(
	session: &Session,
	file: Hash,
	out: &Path,
	threads: usize,
	request: &Request<'_>,
) -> Result<GetReport, String> {
	let placement = session.placement(file)?.ok_or("no such file on chain")?;
	let params = proof_params();
	let layout = Layout::new(placement.size, placement.coding, params.fragment_size);
	if placement.fragments.len() as u32 != layout.fragments() {
		return Err(format!(
			"the chain lists {} fragments, the layout {}",
			placement.fragments.len(),
			layout.fragments()
		));
	}
	let part = out.with_extension("part");
	let output = OpenOptions::new()
		.write(true)
		.create(true)
		.truncate(true)
		.open(&part)
		.map_err(|e| format!("{}: {e}", part.display()))?;
	output.set_len(layout.size).map_err(|e| e.to_string())?;
	let report = Mutex::new(GetReport { size: layout.size, ..Default::default() });
	let failure: Mutex<Option<String>> = Mutex::new(None);
	let next = AtomicU32::new(0);
	let progress = ProgressBar::new(layout.size);
	if let Ok(style) = ProgressStyle::with_template(
		"{msg:10} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
	) {
		progress.set_style(style.progress_chars("=> "));
	}
	progress.set_message("download");
	// Endpoints are looked up once per miner.
	let endpoints: Mutex<BTreeMap<cess_runtime::AccountId, Option<String>>> =
		Mutex::new(BTreeMap::new());
	std::thread::scope(|scope| {
		for _ in 0..threads.max(1) {
			scope.spawn(|| loop {
				if failure.lock().map(|f| f.is_some()).unwrap_or(true) {
					return;
				}
				let s = next.fetch_add(1, Ordering::Relaxed);
				if s >= layout.segments() {
					return;
				}
				match fetch_segment(
					session, file, &placement, &layout, s, &endpoints, &params, request,
				) {
					Ok((bytes, fetched, decoded, problems)) => {
						let (offset, _) = layout.segment_range(s);
						if let Err(e) = output.write_all_at(&bytes, offset) {
							if let Ok(mut f) = failure.lock() {
								f.get_or_insert(format!("writing: {e}"));
							}
							return;
						}
						progress.inc(bytes.len() as u64);
						if let Ok(mut r) = report.lock() {
							r.fetched += fetched;
							r.decoded += u32::from(decoded);
							r.failures.extend(problems);
						}
					}
					Err(e) => {
						if let Ok(mut f) = failure.lock() {
							f.get_or_insert(e);
						}
						return;
					}
				}
			});
		}
	});
	progress.finish();
	if let Some(e) = failure.into_inner().ok().flatten() {
		let _ = std::fs::remove_file(&part);
		return Err(e);
	}
	output.sync_all().map_err(|e| e.to_string())?;
	drop(output);
	std::fs::rename(&part, out).map_err(|e| format!("{}: {e}", out.display()))?;
	report.into_inner().map_err(|_| "a thread panicked".to_string())
}

type Fetched = (Vec<u8>, u32, bool, Vec<String>);

/// Any `k` verified fragments of segment `s`, decoded: the bytes, the fragments fetched,
/// whether parity was used, and the failed requests.
#[allow(clippy::too_many_arguments)]
fn fetch_segment(
	session: &Session,
	file: Hash,
	placement: &cess_miner_agent::chain::FilePlacement,
	layout: &Layout,
	s: u32,
	endpoints: &Mutex<BTreeMap<cess_runtime::AccountId, Option<String>>>,
	params: &cess_storage_proof::Params,
	request: &Request<'_>,
) -> Result<Fetched, String> {
	let k = usize::from(layout.coding.data);
	let width = layout.width();
	let shard_len = layout.shard_len(s) as usize;
	let mut available: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
	let mut problems = Vec::new();
	for j in 0..width {
		if available.len() >= k {
			break;
		}
		let fragment = s * width + j;
		let Some(frag) = placement.fragments.iter().find(|f| f.fragment == fragment) else {
			continue;
		};
		// Confirmed holders first; an unconfirmed assignee may not have the bytes yet.
		let mut replicas = frag.replicas.clone();
		replicas.sort_by_key(|r| !r.confirmed);
		for r in replicas {
			let Some(miner) = r.miner else { continue };
			let endpoint = {
				let cached = endpoints.lock().ok().and_then(|m| m.get(&miner).cloned());
				match cached {
					Some(e) => e,
					None => {
						let e = session.endpoint(&miner)?;
						if let Ok(mut m) = endpoints.lock() {
							m.insert(miner.clone(), e.clone());
						}
						e
					}
				}
			};
			let Some(endpoint) = endpoint else { continue };
			let key = FragmentKey { file, fragment, replica: r.replica };
			let block = session.best()?;
			match request(&endpoint, &key, block, params.fragment_size) {
				Ok(mut body) => match fragment_root(params, &body) {
					Ok(root) if root == frag.root => {
						// Equal roots mean equal bytes up to the zero padding: normalise the
						// length to the fragment's.
						body.resize(shard_len, 0);
						available.insert(j as usize, body);
						break;
					}
					_ => problems.push(format!(
						"{endpoint}: fragment {fragment} does not match its on-chain root"
					)),
				},
				Err(e) => problems.push(e),
			}
		}
	}
	let fetched = available.len() as u32;
	let decoded = (0..k).any(|j| !available.contains_key(&j));
	let (_, segment_len) = layout.segment_range(s);
	let bytes = decode_segment(layout.coding, s, &available, shard_len, segment_len as usize)
		.map_err(|e| {
			if problems.is_empty() {
				e.to_string()
			} else {
				format!("{e} ({})", problems.join("; "))
			}
		})?;
	Ok((bytes, fetched, decoded, problems))
}
