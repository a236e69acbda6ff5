//! Sealing idle fillers, resumably.
//!
//! Filler `i` is a pure function of (params, account, i), so sealing can stop at any point
//! and continue later: fillers already on disk with the right size are reused (their roots
//! come from the state file or are recomputed from the bytes), missing ones are sealed.
//! Each filler is sequential inside by design (see docs/storage-proofs.md), but fillers are
//! independent, so `threads` of them are sealed at once. The agent runs sealing on a
//! background thread so challenges keep being answered meanwhile.

use crate::store::DataDir;
use cess_storage_proof::{AccountBytes, Hash, Params, SealedFiller};
use std::time::Instant;

/// What a sealing run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SealReport {
	/// Roots of fillers `0..target`, in order.
	pub roots: Vec<Hash>,
	/// How many were sealed in this run.
	pub sealed: u64,
	/// How many were found on disk and reused.
	pub reused: u64,
	/// Bytes sealed per second in this run (0 if nothing was sealed).
	pub bytes_per_second: u64,
}

/// Makes sure fillers `0..target` exist under `dir`, sealing the missing ones.
///
/// `known_roots[i]`, when present, is trusted for a filler already on disk (it was computed
/// when that filler was sealed); `progress(i, root)` is called after every filler so the
/// caller can persist the root right away.
pub fn seal_fillers(
	dir: &DataDir,
	params: &Params,
	account: &AccountBytes,
	known_roots: &[Hash],
	target: u64,
	threads: usize,
	mut progress: impl FnMut(u64, Hash),
) -> Result<SealReport, String> {
	params.validate().map_err(|e| format!("invalid proof parameters: {e:?}"))?;
	let threads = threads.max(1) as u64;
	let mut report = SealReport::default();
	let started = Instant::now();
	let mut batch_start = 0u64;
	while batch_start < target {
		let batch_end = batch_start.saturating_add(threads).min(target);
		// Fillers missing on disk are sealed in parallel, one thread each; the batch is then
		// reported in index order so the caller can persist roots as a prefix.
		let missing: Vec<u64> =
			(batch_start..batch_end).filter(|i| !dir.has_filler(*i, params.filler_size)).collect();
		let t = Instant::now();
		let sealed: Vec<(u64, Result<Hash, String>)> = std::thread::scope(|scope| {
			let handles: Vec<_> = missing
				.iter()
				.map(|&index| {
					scope.spawn(move || {
						let filler = SealedFiller::seal(params, account, index)
							.map_err(|e| format!("sealing filler {index}: {e:?}"))?;
						dir.write_filler(index, &filler.to_bytes())
							.map_err(|e| format!("writing filler {index}: {e}"))?;
						Ok(filler.root())
					})
				})
				.collect();
			missing
				.iter()
				.zip(handles)
				.map(|(&i, h)| {
					(i, h.join().unwrap_or_else(|_| Err(format!("filler {i}: thread panicked"))))
				})
				.collect()
		});
		let batch_ms = t.elapsed().as_millis().max(1) as u64;
		for index in batch_start..batch_end {
			let root = match sealed.iter().find(|(i, _)| *i == index) {
				Some((_, result)) => {
					let root = result.clone()?;
					report.sealed += 1;
					log::info!(
						target: crate::LOG_TARGET,
						"sealed filler {}/{} ({} in parallel, {} ms, {:.2} MiB/s together)",
						index + 1,
						target,
						sealed.len(),
						batch_ms,
						mib_per_s(params.filler_size.saturating_mul(sealed.len() as u64), batch_ms),
					);
					root
				}
				None => {
					report.reused += 1;
					match known_roots.get(index as usize) {
						Some(root) => *root,
						None => {
							let bytes = dir
								.read_filler(index, params.filler_size)
								.ok_or_else(|| format!("filler {index} vanished while reading"))?;
							SealedFiller::from_bytes(index, &bytes).root()
						}
					}
				}
			};
			report.roots.push(root);
			progress(index, root);
		}
		batch_start = batch_end;
	}
	let ms = started.elapsed().as_millis().max(1) as u64;
	if report.sealed > 0 {
		report.bytes_per_second = report.sealed * params.filler_size * 1000 / ms;
	}
	Ok(report)
}

/// MiB per second, for log lines only (never in consensus code).
fn mib_per_s(bytes: u64, ms: u64) -> f64 {
	bytes as f64 / (1u64 << 20) as f64 / (ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::path::PathBuf;

	fn small() -> Params {
		Params { fragment_size: 256, filler_size: 256, hash_iterations: 4, ..Params::default() }
	}

	fn temp_dir(name: &str) -> PathBuf {
		let dir = std::env::temp_dir().join(format!("cess-seal-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		dir
	}

	#[test]
	fn resumes_where_it_stopped_and_matches_fresh_sealing() {
		let params = small();
		let account = [5u8; 32];
		let dir = DataDir::open(&temp_dir("resume")).unwrap();
		let first = seal_fillers(&dir, &params, &account, &[], 2, 2, |_, _| {}).unwrap();
		assert_eq!((first.sealed, first.reused), (2, 0));
		// A later run with a bigger target reuses both (one root known, one recomputed).
		let mut seen = Vec::new();
		let second =
			seal_fillers(&dir, &params, &account, &first.roots[..1], 3, 1, |i, _| seen.push(i))
				.unwrap();
		assert_eq!((second.sealed, second.reused), (1, 2));
		assert_eq!(seen, vec![0, 1, 2]);
		assert_eq!(&second.roots[..2], &first.roots[..]);
		for (i, root) in second.roots.iter().enumerate() {
			assert_eq!(*root, SealedFiller::seal(&params, &account, i as u64).unwrap().root());
		}
	}

	#[test]
	fn a_truncated_filler_is_sealed_again() {
		let params = small();
		let account = [6u8; 32];
		let dir = DataDir::open(&temp_dir("torn")).unwrap();
		dir.write_filler(0, &[0u8; 100]).unwrap();
		let report = seal_fillers(&dir, &params, &account, &[], 1, 3, |_, _| {}).unwrap();
		assert_eq!((report.sealed, report.reused), (1, 0));
		assert_eq!(report.roots[0], SealedFiller::seal(&params, &account, 0).unwrap().root());
	}
}
