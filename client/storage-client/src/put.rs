//! `storage put FILE`: code, pay, declare, upload, wait until stored.
//!
//! 1. **Roots.** The file is read a segment at a time (never whole), each segment coded into
//!    `k + m` fragments and each fragment's Merkle root computed, on every core.
//! 2. **Space.** The declaration needs `fragments × FragmentSize` bytes of lease. Without a
//!    lease the client buys one (`buy_space(ceil(bytes / GiB), days)`); with too little free
//!    space it expands it (`expand_space`), after showing the price and asking (unless
//!    `--yes`).
//! 3. **Declaration.** `fileBank.declare_coded_file(size, roots, coding)`; the chain names the
//!    file `file_hash(owner, size, roots)` (checked against the client's own computation) and
//!    places the fragments `PlacementDelay` blocks later, each segment's on distinct miners.
//! 4. **Upload.** Once placed, the segments are coded again and every fragment is `PUT`, signed
//!    by the owner, to its assigned miner, from several threads; a failed upload is retried
//!    with the placement re-read (a slot may have moved to another miner).
//! 5. **Stored.** The client waits until every fragment is confirmed (`FileStored`) and
//!    prints the hash.
//!
//! Re-running `put` on the same file by the same owner resumes: the hash is the same, so the
//! declaration is skipped and only the fragments not yet confirmed are uploaded.

use crate::{
	coding::{encode_segment, Layout},
	fmt_cess, http, proof_params, Session, GIB,
};
use cess_miner_agent::store::{hash_hex, FragmentKey};
use cess_runtime::{Hash, RuntimeCall, RuntimeEvent};
use cess_storage_proof::{fragment_root, Hash as Root, Params};
use indicatif::{ProgressBar, ProgressStyle};
use pallet_file_bank::{Coding, FileState};
use std::{
	fs::File,
	io::{BufRead, Write},
	os::unix::fs::FileExt,
	path::Path,
	sync::{
		atomic::{AtomicU32, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant},
};

/// How `put` runs.
#[derive(Clone, Debug)]
pub struct PutOptions {
	/// The erasure code (default 4 + 2).
	pub coding: Coding,
	/// Lease days to buy when there is no lease.
	pub days: u32,
	/// Do not ask before paying.
	pub yes: bool,
	/// Parallel upload threads.
	pub threads: usize,
	/// Attempts per fragment upload.
	pub attempts: u32,
	/// Seconds to wait for `FileStored` after the uploads.
	pub store_timeout: u64,
}

impl Default for PutOptions {
	fn default() -> Self {
		Self {
			coding: crate::DEFAULT_CODING,
			days: 30,
			yes: false,
			threads: 6,
			attempts: 8,
			store_timeout: 900,
		}
	}
}

fn bar(len: u64, what: &str) -> ProgressBar {
	let bar = ProgressBar::new(len);
	if let Ok(style) = ProgressStyle::with_template(
		"{msg:10} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
	) {
		bar.set_style(style.progress_chars("=> "));
	}
	bar.set_message(what.to_string());
	bar
}

/// Where `put` reports its progress: bars drawn on the terminal by [`put`], or hidden and read
/// by another thread (the web page's server, [`crate::web`]), and the step it is at.
#[derive(Clone)]
pub struct PutProgress {
	/// File bytes coded and hashed (step 1).
	pub encode: ProgressBar,
	/// Fragment bytes uploaded to the miners (step 4).
	pub upload: ProgressBar,
	/// Fragments confirmed on chain (step 5).
	pub confirmed: ProgressBar,
	step: Arc<Mutex<&'static str>>,
}

impl PutProgress {
	/// Bars on the terminal (stderr), as `storage put` shows them.
	pub fn terminal() -> Self {
		Self {
			encode: bar(0, "encode"),
			upload: bar(0, "upload"),
			confirmed: ProgressBar::hidden(),
			step: Arc::new(Mutex::new("start")),
		}
	}

	/// Nothing drawn: the positions are read with [`ProgressBar::position`].
	pub fn hidden() -> Self {
		Self {
			encode: ProgressBar::hidden(),
			upload: ProgressBar::hidden(),
			confirmed: ProgressBar::hidden(),
			step: Arc::new(Mutex::new("start")),
		}
	}

	/// The step `put` is at: `start`, `encode`, `lease`, `declare`, `place`, `upload`,
	/// `confirm`, `stored`.
	pub fn step(&self) -> &'static str {
		self.step.lock().map(|s| *s).unwrap_or("start")
	}

	fn set_step(&self, step: &'static str) {
		if let Ok(mut s) = self.step.lock() {
			*s = step;
		}
	}
}

/// Reads segment `s` of the file.
pub(crate) fn read_segment(file: &File, layout: &Layout, s: u32) -> Result<Vec<u8>, String> {
	let (offset, len) = layout.segment_range(s);
	let mut buf = vec![0u8; len as usize];
	file.read_exact_at(&mut buf, offset).map_err(|e| format!("reading segment {s}: {e}"))?;
	Ok(buf)
}

/// The fragments of segment `s`.
pub(crate) fn segment_fragments(
	file: &File,
	layout: &Layout,
	s: u32,
) -> Result<Vec<Vec<u8>>, String> {
	let data = read_segment(file, layout, s)?;
	encode_segment(layout.coding, &data, layout.shard_len(s) as usize).map_err(|e| e.to_string())
}

/// Every fragment root of the file, in fragment order, computed on `threads` threads.
pub fn compute_roots(
	file: &File,
	layout: &Layout,
	params: &Params,
	threads: usize,
	progress: &ProgressBar,
) -> Result<Vec<Root>, String> {
	let segments = layout.segments();
	let width = layout.width() as usize;
	let roots: Mutex<Vec<Root>> = Mutex::new(vec![[0u8; 32]; layout.fragments() as usize]);
	let next = AtomicU32::new(0);
	let failure: Mutex<Option<String>> = Mutex::new(None);
	std::thread::scope(|scope| {
		for _ in 0..threads.max(1) {
			scope.spawn(|| loop {
				let s = next.fetch_add(1, Ordering::Relaxed);
				if s >= segments {
					return;
				}
				let result = segment_fragments(file, layout, s).and_then(|frags| {
					frags
						.iter()
						.map(|f| fragment_root(params, f).map_err(|e| format!("{e:?}")))
						.collect::<Result<Vec<_>, _>>()
				});
				match result {
					Ok(seg_roots) => {
						if let Ok(mut all) = roots.lock() {
							for (j, r) in seg_roots.into_iter().enumerate() {
								if let Some(slot) = all.get_mut(s as usize * width + j) {
									*slot = r;
								}
							}
						}
						progress.inc(layout.segment_range(s).1);
					}
					Err(e) => {
						if let Ok(mut f) = failure.lock() {
							*f = Some(e);
						}
						return;
					}
				}
			});
		}
	});
	if let Some(e) = failure.into_inner().ok().flatten() {
		return Err(e);
	}
	roots.into_inner().map_err(|_| "roots: a thread panicked".to_string())
}

fn confirm(question: &str) -> Result<bool, String> {
	print!("{question} [y/N] ");
	std::io::stdout().flush().map_err(|e| e.to_string())?;
	let mut line = String::new();
	std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
	Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

/// Makes sure the lease has `bytes` free bytes: buys or expands it, after asking.
fn ensure_space(session: &mut Session, bytes: u64, opts: &PutOptions) -> Result<(), String> {
	let who = session.account().clone();
	let price = session.space_price()?;
	let now = session.best()?;
	let lease = session.lease(&who)?.filter(|l| !l.expiring && l.expires_at > now);
	let (call, question) = match lease {
		None => {
			let gib = bytes.div_ceil(GIB).max(1) as u32;
			let cost = price.saturating_mul(u128::from(gib)).saturating_mul(u128::from(opts.days));
			(
				RuntimeCall::FileBank(pallet_file_bank::Call::buy_space { gib, days: opts.days }),
				format!(
					"No lease: buy {gib} GiB for {} days for {} CESS?",
					opts.days,
					fmt_cess(cost)
				),
			)
		}
		Some(l) => {
			let free = (u64::from(l.space_gib) * GIB).saturating_sub(l.used);
			if free >= bytes {
				return Ok(());
			}
			let gib = (bytes - free).div_ceil(GIB) as u32;
			let per_day = u64::from(crate::blocks_per_day(session).unwrap_or(1).max(1));
			let days_left = u64::from(l.expires_at.saturating_sub(now)).div_ceil(per_day);
			let cost = price.saturating_mul(u128::from(gib)).saturating_mul(u128::from(days_left));
			(
				RuntimeCall::FileBank(pallet_file_bank::Call::expand_space { gib }),
				format!(
					"The lease has {free} bytes free, the file needs {bytes}: add {gib} GiB until \
					 block {} ({days_left} days) for {} CESS?",
					l.expires_at,
					fmt_cess(cost)
				),
			)
		}
	};
	if !opts.yes && !confirm(&question)? {
		return Err("not paid: nothing declared".into());
	}
	if opts.yes {
		println!("{question} yes (--yes)");
	}
	session.submit(call, "lease")?;
	Ok(())
}

/// Waits until every fragment has an assigned miner (the placement block has passed).
fn wait_placed(session: &Session, file: Hash) -> Result<(), String> {
	let started = Instant::now();
	loop {
		match session.placement(file)? {
			None => return Err("the declaration was undone (too few eligible miners)".into()),
			Some(p) if p.place_at.is_none() => return Ok(()),
			Some(_) => {}
		}
		if started.elapsed() > Duration::from_secs(300) {
			return Err("the file was not placed within 300 s".into());
		}
		std::thread::sleep(Duration::from_millis(1_000));
	}
}

/// Uploads every fragment not yet confirmed; returns the number uploaded.
fn upload(
	session: &Session,
	file_hash: Hash,
	file: &File,
	layout: &Layout,
	opts: &PutOptions,
	progress: &ProgressBar,
) -> Result<u32, String> {
	let segments = layout.segments();
	let width = layout.width();
	let next = AtomicU32::new(0);
	let uploaded = AtomicU32::new(0);
	let failure: Mutex<Option<String>> = Mutex::new(None);
	let total: u64 = (0..segments).map(|s| layout.shard_len(s) * u64::from(width)).sum();
	progress.set_length(total);
	let placement = Mutex::new(session.placement(file_hash)?.ok_or("the file is gone")?);
	std::thread::scope(|scope| {
		for _ in 0..opts.threads.max(1) {
			scope.spawn(|| loop {
				if failure.lock().map(|f| f.is_some()).unwrap_or(true) {
					return;
				}
				let s = next.fetch_add(1, Ordering::Relaxed);
				if s >= segments {
					return;
				}
				let result = segment_fragments(file, layout, s).and_then(|frags| {
					for (j, body) in frags.iter().enumerate() {
						let fragment = s * width + j as u32;
						if upload_one(session, file_hash, fragment, body, &placement, opts)? {
							uploaded.fetch_add(1, Ordering::Relaxed);
						}
						progress.inc(body.len() as u64);
					}
					Ok(())
				});
				if let Err(e) = result {
					if let Ok(mut f) = failure.lock() {
						f.get_or_insert(e);
					}
				}
			});
		}
	});
	progress.finish();
	match failure.into_inner().ok().flatten() {
		Some(e) => Err(e),
		None => Ok(uploaded.into_inner()),
	}
}

/// Uploads one fragment (replica 0: coded files are stored once) with retries; `false` if it
/// was already confirmed.
fn upload_one(
	session: &Session,
	file: Hash,
	fragment: u32,
	body: &[u8],
	placement: &Mutex<cess_miner_agent::chain::FilePlacement>,
	opts: &PutOptions,
) -> Result<bool, String> {
	let mut last = String::new();
	for attempt in 0..opts.attempts.max(1) {
		if attempt > 0 {
			std::thread::sleep(Duration::from_secs(u64::from(attempt.min(5)) * 2));
			// The slot may have moved (timeout, miner gone): read the placement again.
			if let Ok(Some(p)) = session.placement(file) {
				if let Ok(mut cached) = placement.lock() {
					*cached = p;
				}
			}
		}
		let slot = placement.lock().ok().and_then(|p| {
			p.fragments
				.iter()
				.find(|f| f.fragment == fragment)
				.and_then(|f| f.replicas.first().cloned())
		});
		let Some(slot) = slot else {
			return Err(format!("fragment {fragment} is not in the placement"));
		};
		if slot.confirmed {
			return Ok(false);
		}
		let Some(miner) = slot.miner else {
			last = format!("fragment {fragment}: no miner assigned right now");
			continue;
		};
		let endpoint = match session.endpoint(&miner) {
			Ok(Some(e)) => e,
			Ok(None) => {
				last =
					format!("fragment {fragment}: miner {} is not registered", crate::ss58(&miner));
				continue;
			}
			Err(e) => {
				last = e;
				continue;
			}
		};
		let key = FragmentKey { file, fragment, replica: 0 };
		let block = match session.best() {
			Ok(b) => b,
			Err(e) => {
				last = e;
				continue;
			}
		};
		match http::put(&endpoint, &key, body, session.signer.pair(), block) {
			Ok(()) => return Ok(true),
			Err(e) => last = e,
		}
	}
	Err(format!("fragment {fragment}: gave up after {} attempts: {last}", opts.attempts))
}

/// Waits until the file is `Stored`.
fn wait_stored(
	session: &Session,
	file: Hash,
	timeout: u64,
	progress: &ProgressBar,
) -> Result<(), String> {
	let started = Instant::now();
	let mut shown = u32::MAX;
	loop {
		let p = session.placement(file)?.ok_or("the file is gone")?;
		let confirmed = p
			.fragments
			.iter()
			.map(|f| f.replicas.iter().filter(|r| r.confirmed).count() as u32)
			.sum::<u32>();
		progress.set_length(p.fragments.iter().map(|f| f.replicas.len() as u64).sum());
		progress.set_position(u64::from(confirmed));
		if p.state == FileState::Stored {
			return Ok(());
		}
		if confirmed != shown {
			eprintln!("confirmed {confirmed}/{} fragments", p.fragments.len());
			shown = confirmed;
		}
		if started.elapsed() > Duration::from_secs(timeout) {
			return Err(format!("not stored after {timeout} s ({confirmed} fragments confirmed)"));
		}
		std::thread::sleep(Duration::from_millis(1_000));
	}
}

/// What `put` did.
#[derive(Debug)]
pub struct PutReport {
	/// The file's hash on chain.
	pub file: Hash,
	/// Its layout.
	pub layout: Layout,
	/// Fragments uploaded by this run.
	pub uploaded: u32,
	/// Seconds spent on the roots, the chain (lease, declaration, placement), the uploads and
	/// waiting for the confirmations.
	pub seconds: [f64; 4],
}

/// Stores `path` on the network, with progress bars on the terminal.
pub fn put(session: &mut Session, path: &Path, opts: &PutOptions) -> Result<PutReport, String> {
	put_with_progress(session, path, opts, &PutProgress::terminal())
}

/// Stores `path` on the network, reporting to `bars`.
pub fn put_with_progress(
	session: &mut Session,
	path: &Path,
	opts: &PutOptions,
	bars: &PutProgress,
) -> Result<PutReport, String> {
	let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
	let size = file.metadata().map_err(|e| e.to_string())?.len();
	if size == 0 {
		return Err("the file is empty: nothing to store".into());
	}
	let params = proof_params();
	let layout = Layout::new(size, opts.coding, params.fragment_size);
	let max = crate::max_fragments();
	if layout.fragments() > max {
		return Err(format!(
			"{size} bytes at {}+{} are {} fragments; the chain takes at most {max} per file \
			 ({} bytes at this coding)",
			opts.coding.data,
			opts.coding.parity,
			layout.fragments(),
			u64::from(max / layout.width()) * layout.segment_bytes()
		));
	}
	let t0 = Instant::now();
	let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
	bars.set_step("encode");
	bars.encode.set_length(size);
	let roots = compute_roots(&file, &layout, &params, threads, &bars.encode)?;
	bars.encode.finish();
	let file_hash = pallet_file_bank::file_hash(session.account(), size, &roots);
	eprintln!(
		"{}: {size} bytes, {} segments × ({}+{}) = {} fragments, file {}",
		path.display(),
		layout.segments(),
		opts.coding.data,
		opts.coding.parity,
		layout.fragments(),
		hash_hex(file_hash.as_bytes())
	);
	let t1 = Instant::now();
	match session.placement(file_hash)? {
		Some(p) if p.state == FileState::Stored => {
			eprintln!("already stored");
			bars.set_step("stored");
			let s = [(t1 - t0).as_secs_f64(), 0.0, 0.0, 0.0];
			return Ok(PutReport { file: file_hash, layout, uploaded: 0, seconds: s });
		}
		Some(p) if p.state == FileState::Deleting => {
			return Err("this file is being deleted; wait until it is gone".into())
		}
		Some(_) => eprintln!("already declared: resuming the upload"),
		None => {
			bars.set_step("lease");
			ensure_space(session, layout.lease_bytes(), opts)?;
			bars.set_step("declare");
			let roots = roots.clone().try_into().map_err(|_| "too many fragments".to_string())?;
			let call = RuntimeCall::FileBank(pallet_file_bank::Call::declare_coded_file {
				size,
				fragment_roots: roots,
				coding: opts.coding,
			});
			let events = session.submit(call, "declare")?;
			let declared = events.iter().find_map(|e| match e {
				RuntimeEvent::FileBank(pallet_file_bank::Event::FileDeclared {
					file,
					place_at,
					..
				}) => Some((*file, *place_at)),
				_ => None,
			});
			match declared {
				Some((f, at)) if f == file_hash => eprintln!("declared; placed at block {at}"),
				Some((f, _)) => {
					return Err(format!("the chain named the file {f:?}, expected {file_hash:?}"))
				}
				None => return Err("declared, but no FileDeclared event".into()),
			}
		}
	}
	bars.set_step("place");
	wait_placed(session, file_hash)?;
	let t2 = Instant::now();
	bars.set_step("upload");
	let uploaded = upload(session, file_hash, &file, &layout, opts, &bars.upload)?;
	let t3 = Instant::now();
	bars.set_step("confirm");
	wait_stored(session, file_hash, opts.store_timeout, &bars.confirmed)?;
	bars.set_step("stored");
	let t4 = Instant::now();
	Ok(PutReport {
		file: file_hash,
		layout,
		uploaded,
		seconds: [
			(t1 - t0).as_secs_f64(),
			(t2 - t1).as_secs_f64(),
			(t3 - t2).as_secs_f64(),
			(t4 - t3).as_secs_f64(),
		],
	})
}
