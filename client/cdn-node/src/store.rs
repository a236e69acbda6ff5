//! The node's disk: the ticket journal and the content cache.
//!
//! **Tickets** (`<data-dir>/tickets/`). Every accepted ticket is written to
//! `pending/<ticket hash>` (winners) or `lost/<ticket hash>` (losers, kept as evidence) and
//! `fsync`ed, file and directory, *before* the first byte of content is sent; a settled winner
//! moves to `settled/`, one the chain refused (or would refuse) to `refused/`. On start the
//! node reads `pending/` back, so a restart loses no unsubmitted ticket, and rebuilds each
//! payer's highest seen nonce and unsubmitted face values from all four directories.
//!
//! **Content** (`<data-dir>/cache/`). Decoded files by hash, bounded by `--cache-bytes`:
//! least recently used files are evicted first; a file larger than the bound is served once
//! and not kept. The index is rebuilt from the directory on start (oldest modification
//! first).

use crate::ticket::Signed;
use cess_runtime::{AccountId, Balance, Hash};
use codec::{Decode, Encode};
use std::{
	collections::{BTreeMap, HashMap},
	fs,
	io::Write,
	path::{Path, PathBuf},
};

/// One journal entry.
#[derive(Clone, Debug, Encode, Decode, PartialEq, Eq)]
pub struct Stored {
	/// The ticket as it is submitted.
	pub signed: Signed,
	/// Its hash (the file name).
	pub hash: sp_core::H256,
	/// Whether it wins (the node knows its random value).
	pub wins: bool,
	/// The file it paid for.
	pub file: Hash,
	/// Bytes served against it.
	pub served: u64,
	/// Unix milliseconds at acceptance.
	pub at_ms: u64,
}

/// Where a ticket is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
	/// Winner, not yet settled.
	Pending,
	/// Settled on chain.
	Settled,
	/// Refused by the chain (or a pre-check).
	Refused,
	/// A losing lottery ticket.
	Lost,
}

impl Stage {
	fn dir(self) -> &'static str {
		match self {
			Stage::Pending => "pending",
			Stage::Settled => "settled",
			Stage::Refused => "refused",
			Stage::Lost => "lost",
		}
	}
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
	fs::File::open(dir)?.sync_all()
}

/// The ticket journal.
pub struct Journal {
	root: PathBuf,
	pending: BTreeMap<sp_core::H256, Stored>,
	/// Per payer: highest nonce seen in any stage.
	seen: HashMap<AccountId, u64>,
	/// Counts per stage since start (settled, refused) and lost in total.
	pub settled_total: u64,
	/// See `settled_total`.
	pub refused_total: u64,
}

impl Journal {
	/// Opens (creating) the journal under `root` and reads it back.
	pub fn open(root: &Path) -> Result<Self, String> {
		let mut j = Journal {
			root: root.to_path_buf(),
			pending: BTreeMap::new(),
			seen: HashMap::new(),
			settled_total: 0,
			refused_total: 0,
		};
		for stage in [Stage::Pending, Stage::Settled, Stage::Refused, Stage::Lost] {
			let dir = root.join(stage.dir());
			fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
			for entry in fs::read_dir(&dir).map_err(|e| e.to_string())?.flatten() {
				let path = entry.path();
				if path.extension().is_some_and(|e| e == "tmp") {
					let _ = fs::remove_file(&path);
					continue;
				}
				let Ok(bytes) = fs::read(&path) else { continue };
				let Ok(t) = Stored::decode(&mut &bytes[..]) else {
					log::warn!(target: crate::LOG_TARGET, "{}: not a ticket, skipped", path.display());
					continue;
				};
				j.note_seen(&t);
				match stage {
					Stage::Pending => {
						j.pending.insert(t.hash, t);
					}
					Stage::Settled => j.settled_total += 1,
					Stage::Refused => j.refused_total += 1,
					Stage::Lost => {}
				}
			}
		}
		Ok(j)
	}

	fn note_seen(&mut self, t: &Stored) {
		let e = self.seen.entry(t.signed.ticket.payer.clone()).or_default();
		*e = (*e).max(t.signed.ticket.nonce);
	}

	fn path(&self, stage: Stage, hash: &sp_core::H256) -> PathBuf {
		self.root.join(stage.dir()).join(format!("{hash:?}"))
	}

	/// Writes `t` durably (write, fsync, rename, fsync the directory) before it returns.
	pub fn record(&mut self, t: Stored) -> Result<(), String> {
		let stage = if t.wins { Stage::Pending } else { Stage::Lost };
		let path = self.path(stage, &t.hash);
		let tmp = path.with_extension("tmp");
		let write = || -> std::io::Result<()> {
			let mut f = fs::File::create(&tmp)?;
			f.write_all(&t.encode())?;
			f.sync_all()?;
			fs::rename(&tmp, &path)?;
			sync_dir(path.parent().unwrap_or(Path::new(".")))
		};
		write().map_err(|e| format!("{}: {e}", path.display()))?;
		self.note_seen(&t);
		if t.wins {
			self.pending.insert(t.hash, t);
		}
		Ok(())
	}

	/// Moves a pending ticket to `stage` (settled or refused).
	pub fn finish(&mut self, hash: &sp_core::H256, stage: Stage) -> Result<(), String> {
		if self.pending.remove(hash).is_none() {
			return Ok(());
		}
		let from = self.path(Stage::Pending, hash);
		let to = self.path(stage, hash);
		fs::rename(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
		let _ = sync_dir(to.parent().unwrap_or(Path::new(".")));
		match stage {
			Stage::Settled => self.settled_total += 1,
			Stage::Refused => self.refused_total += 1,
			_ => {}
		}
		Ok(())
	}

	/// The unsubmitted winners, by payer then nonce (the order to submit them in).
	pub fn pending(&self) -> Vec<Stored> {
		let mut v: Vec<Stored> = self.pending.values().cloned().collect();
		v.sort_by(|a, b| {
			(a.signed.ticket.payer.clone(), a.signed.ticket.nonce)
				.cmp(&(b.signed.ticket.payer.clone(), b.signed.ticket.nonce))
		});
		v
	}

	/// Number of unsubmitted winners.
	pub fn pending_count(&self) -> usize {
		self.pending.len()
	}

	/// Face values of `payer`'s unsubmitted winners.
	pub fn pending_face(&self, payer: &AccountId) -> Balance {
		self.pending
			.values()
			.filter(|t| t.signed.ticket.payer == *payer)
			.fold(0, |a, t| a.saturating_add(t.signed.ticket.face_value))
	}

	/// Face values of all unsubmitted winners.
	pub fn pending_total(&self) -> Balance {
		self.pending.values().fold(0, |a, t| a.saturating_add(t.signed.ticket.face_value))
	}

	/// Highest nonce of `payer` this node has accepted (0: none).
	pub fn seen_nonce(&self, payer: &AccountId) -> u64 {
		self.seen.get(payer).copied().unwrap_or(0)
	}
}

/// The size-bounded LRU cache of decoded files.
pub struct Cache {
	dir: PathBuf,
	limit: u64,
	used: u64,
	clock: u64,
	/// hash → (size, last use)
	entries: HashMap<Hash, (u64, u64)>,
}

impl Cache {
	/// Opens (creating) the cache in `dir` with `limit` bytes.
	pub fn open(dir: &Path, limit: u64) -> Result<Self, String> {
		fs::create_dir_all(dir.join("tmp")).map_err(|e| format!("{}: {e}", dir.display()))?;
		let mut files = Vec::new();
		for entry in fs::read_dir(dir).map_err(|e| e.to_string())?.flatten() {
			let Ok(meta) = entry.metadata() else { continue };
			if !meta.is_file() {
				continue;
			}
			let name = entry.file_name().to_string_lossy().to_string();
			let Some(hash) = cess_miner_agent::store::parse_hash(&name) else { continue };
			let mtime = meta.modified().ok();
			files.push((mtime, Hash::from(hash), meta.len()));
		}
		for stale in fs::read_dir(dir.join("tmp")).map_err(|e| e.to_string())?.flatten() {
			let _ = fs::remove_file(stale.path());
		}
		files.sort();
		let mut c =
			Cache { dir: dir.to_path_buf(), limit, used: 0, clock: 0, entries: HashMap::new() };
		for (_, hash, size) in files {
			c.clock += 1;
			c.entries.insert(hash, (size, c.clock));
			c.used += size;
		}
		c.evict(0);
		Ok(c)
	}

	/// The path of a cached file.
	pub fn path(&self, hash: &Hash) -> PathBuf {
		self.dir.join(format!("{hash:?}"))
	}

	/// A fresh temporary path to download into.
	pub fn tmp_path(&self, hash: &Hash) -> PathBuf {
		self.dir.join("tmp").join(format!("{hash:?}.{}", rand::random::<u64>()))
	}

	/// Whether `hash` is cached; marks it used.
	pub fn touch(&mut self, hash: &Hash) -> bool {
		self.clock += 1;
		match self.entries.get_mut(hash) {
			Some(e) => {
				e.1 = self.clock;
				true
			}
			None => false,
		}
	}

	/// Whether `hash` is cached (without marking it used).
	pub fn contains(&self, hash: &Hash) -> bool {
		self.entries.contains_key(hash)
	}

	fn evict(&mut self, room: u64) {
		while self.used.saturating_add(room) > self.limit && !self.entries.is_empty() {
			let Some((&victim, &(size, _))) =
				self.entries.iter().min_by_key(|(_, (_, used))| *used)
			else {
				break;
			};
			let _ = fs::remove_file(self.path(&victim));
			self.entries.remove(&victim);
			self.used = self.used.saturating_sub(size);
			log::info!(target: crate::LOG_TARGET, "cache: evicted {victim:?} ({size} bytes)");
		}
	}

	/// Takes the downloaded file at `tmp` in as `hash`, evicting as needed. Returns `false`
	/// (and leaves `tmp`) when the file alone exceeds the limit.
	pub fn insert(&mut self, hash: Hash, tmp: &Path, size: u64) -> Result<bool, String> {
		if size > self.limit {
			return Ok(false);
		}
		if let Some((old, _)) = self.entries.remove(&hash) {
			self.used = self.used.saturating_sub(old);
		}
		self.evict(size);
		fs::rename(tmp, self.path(&hash)).map_err(|e| e.to_string())?;
		self.clock += 1;
		self.entries.insert(hash, (size, self.clock));
		self.used += size;
		Ok(true)
	}

	/// Bytes held.
	pub fn used(&self) -> u64 {
		self.used
	}

	/// Files held.
	pub fn files(&self) -> usize {
		self.entries.len()
	}

	/// The limit.
	pub fn limit(&self) -> u64 {
		self.limit
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use pallet_cdn::{LotteryTicket, SigForm, SignedLotteryTicket, TicketKind};
	use sp_core::H256;

	fn tmpdir(name: &str) -> PathBuf {
		let d = std::env::temp_dir().join(format!("cdn-node-{name}-{}", rand::random::<u64>()));
		fs::create_dir_all(&d).unwrap();
		d
	}

	fn stored(payer: u8, nonce: u64, face: Balance, wins: bool) -> Stored {
		let ticket = LotteryTicket {
			payer: AccountId::from([payer; 32]),
			allowance_opened_at: 1,
			nonce,
			face_value: face,
			win_prob: u64::MAX,
			bytes: 10,
			kind: TicketKind::Retrieval,
			recipient_rand_hash: H256::zero(),
			expires_at: 100,
		};
		Stored {
			hash: H256::from_low_u64_be(u64::from(payer) << 32 | nonce),
			signed: SignedLotteryTicket {
				ticket,
				signature: sp_core::sr25519::Signature::from_raw([0; 64]),
				form: SigForm::Raw,
				recipient_rand: H256::zero(),
			},
			wins,
			file: Hash::zero(),
			served: 10,
			at_ms: 0,
		}
	}

	#[test]
	fn a_reopened_journal_has_every_unsubmitted_ticket() {
		let d = tmpdir("journal");
		let mut j = Journal::open(&d).unwrap();
		j.record(stored(1, 5, 100, true)).unwrap();
		j.record(stored(1, 2, 30, true)).unwrap();
		j.record(stored(2, 9, 7, true)).unwrap();
		j.record(stored(1, 6, 1_000, false)).unwrap();
		j.finish(&stored(2, 9, 7, true).hash, Stage::Settled).unwrap();
		assert_eq!(j.pending_face(&AccountId::from([1; 32])), 130);
		drop(j);
		let j = Journal::open(&d).unwrap();
		assert_eq!(j.pending_count(), 2);
		assert_eq!(j.pending_face(&AccountId::from([1; 32])), 130);
		assert_eq!(j.pending_face(&AccountId::from([2; 32])), 0);
		assert_eq!(j.pending_total(), 130);
		// Highest nonce seen counts the loser (6) and the settled ticket (9).
		assert_eq!(j.seen_nonce(&AccountId::from([1; 32])), 6);
		assert_eq!(j.seen_nonce(&AccountId::from([2; 32])), 9);
		assert_eq!(j.settled_total, 1);
		// Submission order: payer, then nonce.
		let order: Vec<u64> = j.pending().iter().map(|t| t.signed.ticket.nonce).collect();
		assert_eq!(order, vec![2, 5]);
		fs::remove_dir_all(d).unwrap();
	}

	/// `cargo test --release -p cess-cdn-node -- --ignored measure_journal --nocapture`:
	/// µs per durable journal write (write, fsync, rename, fsync dir) on this disk.
	#[test]
	#[ignore]
	fn measure_journal() {
		let d = tmpdir("measure");
		let mut j = Journal::open(&d).unwrap();
		let n = 200u64;
		let started = std::time::Instant::now();
		for i in 0..n {
			j.record(stored(1, i + 1, 1, true)).unwrap();
		}
		let us = started.elapsed().as_micros() as u64 / n;
		let bytes = stored(1, 1, 1, true).encode().len();
		println!("journal: {us} µs per ticket, {bytes} bytes per entry");
		fs::remove_dir_all(d).unwrap();
	}

	#[test]
	fn the_cache_evicts_the_least_recently_used() {
		let d = tmpdir("cache");
		let mut c = Cache::open(&d, 100).unwrap();
		let put = |c: &mut Cache, n: u8, size: usize| {
			let t = c.tmp_path(&Hash::repeat_byte(n));
			fs::write(&t, vec![n; size]).unwrap();
			c.insert(Hash::repeat_byte(n), &t, size as u64).unwrap()
		};
		assert!(put(&mut c, 1, 40));
		assert!(put(&mut c, 2, 40));
		assert!(c.touch(&Hash::repeat_byte(1)));
		// 40 + 40 + 30 > 100: file 2 (least recently used) goes.
		assert!(put(&mut c, 3, 30));
		assert!(!c.touch(&Hash::repeat_byte(2)));
		assert!(!c.path(&Hash::repeat_byte(2)).exists());
		assert_eq!((c.used(), c.files()), (70, 2));
		// Larger than the whole cache: not kept.
		assert!(!put(&mut c, 4, 101));
		drop(c);
		// Reopened with a smaller bound: the oldest file goes.
		let c = Cache::open(&d, 50).unwrap();
		assert_eq!(c.files(), 1);
		assert!(c.used() <= 50);
		fs::remove_dir_all(d).unwrap();
	}
}
