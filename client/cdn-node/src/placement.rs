//! Content placement on cache nodes and the CachedBytes attestations the pallet pays on
//! (SPEC §9, design `cdn-v2.md` §2, `docs/cdn.md` "Placement and attestations").
//!
//! **Placement** (retrieval node R → cache node C). R counts how often it serves each file;
//! once a file was served `--place-after` times (default 2) and is in R's cache, R sends it to
//! every `--place-to` cache node with a signed `PUT /place/<0xfile>`:
//!
//! ```text
//! X-CESS-Retrieval: 0x<R>   X-CESS-Place-Block: <b>   X-CESS-Place-Size: <n>
//! X-CESS-Place-Signature: sr25519_R("cess/cdn-place/v1" ‖ file ‖ C ‖ u32_le(b) ‖ u64_le(n))
//! body: the n bytes of the decoded file
//! ```
//!
//! C accepts it ([`check_place`]) only if the signature is R's over C's own account, R is a
//! registered *retrieval* node, the block is within [`PLACE_WINDOW`] blocks of C's best block
//! (at most [`PLACE_AHEAD`] ahead), the file is on chain with exactly `n` bytes, the body has
//! exactly `n` bytes and, re-encoded, matches every on-chain data-fragment root (the user
//! client's own check, [`crate::client::verify`]). Otherwise 403 (signature, registration,
//! stale, unknown file) or 422 (size or content mismatch). A replay inside the window stores
//! the same verified content again: harmless. `GET /held/<R>` lists what C holds for R.
//!
//! **Attestations.** Each round R asks every target what it still holds for it, and signs
//! `CacheAttestation { genesis, R, C, cycle, level, version }` (the pallet's format, signed
//! over `tickets::attestation_payload`, form `Raw`) with `level` = bytes it placed on C and C
//! still holds, never more in total than the pallet's budget `ρ·A_R/p` ([`budget`],
//! [`allocate`]). A lower level (C dropped content) R submits itself with `attest_cached`
//! before anything else; a higher one it sends to C (`POST /attestation`, SCALE
//! `(CacheAttestation, Signature)`), which checks it and submits it from its settlement loop.
//! Levels expire with the cycle, so R re-attests in each cycle in which it is paid.
//!
//! **Journal** (`<data-dir>/placement/`): `placed.scale` (R: what it placed where; C: what it
//! holds for whom) and `attestations.scale` (R: the latest it signed per cache and cycle; C:
//! those to submit), each rewritten atomically (write, fsync, rename, fsync dir).

// Handlers return the error response itself (axum's idiom).
#![allow(clippy::result_large_err)]

use crate::{
	chain as cdn_chain,
	server::{blocking, error},
	Node, LOG_TARGET,
};
use axum::{
	body::Body,
	extract::{Path, State},
	http::{HeaderMap, StatusCode},
	response::{IntoResponse, Response},
	Json,
};
use cess_miner_agent::store::hash_hex;
use cess_runtime::{AccountId, Balance, BlockNumber, Hash, RuntimeCall};
use cess_storage_client::Session;
use codec::{Decode, Encode};
use pallet_cdn::{tickets, CacheAttestation, CycleIndex, NodeKind, SigForm};
use serde_json::json;
use sp_core::{crypto::Pair as _, sr25519};
use std::{
	collections::{HashMap, HashSet},
	fs,
	path::{Path as FsPath, PathBuf},
	sync::{
		atomic::{AtomicU64, Ordering::Relaxed},
		Arc, Mutex,
	},
	time::Duration,
};

/// Domain separation prefix of a placement signature (17 ASCII bytes, no length).
pub const PLACE_CONTEXT: &[u8; 17] = b"cess/cdn-place/v1";
/// A placement is accepted while the cache's best block is at most this many blocks past the
/// signed one.
pub const PLACE_WINDOW: BlockNumber = 20;
/// ... and the signed block at most this many blocks ahead of the cache's best (the two
/// nodes may follow different chain nodes).
pub const PLACE_AHEAD: BlockNumber = 2;
/// Default of `--place-after`.
pub const DEFAULT_PLACE_AFTER: u32 = 2;
/// `X-CESS-Retrieval`: the placing retrieval node.
pub const H_RETRIEVAL: &str = "x-cess-retrieval";
/// `X-CESS-Place-Block`.
pub const H_BLOCK: &str = "x-cess-place-block";
/// `X-CESS-Place-Size`.
pub const H_SIZE: &str = "x-cess-place-size";
/// `X-CESS-Place-Signature`.
pub const H_SIGNATURE: &str = "x-cess-place-signature";
/// Timeout of one placement upload.
pub const PLACE_TIMEOUT: Duration = Duration::from_secs(120);

/// The pallet's attestation with the runtime's types.
pub type Attestation = CacheAttestation<AccountId, Hash>;

/// What a retrieval node is told about placement.
#[derive(Clone, Debug, Default)]
pub struct Settings {
	/// `--place-to`: cache accounts (ss58 or 0x) or URLs.
	pub targets: Vec<String>,
	/// `--place-after`.
	pub after: u32,
}

/// The bytes a retrieval node signs to place `size` bytes of `file` on `cache` at `block`:
/// `"cess/cdn-place/v1" ‖ file ‖ cache ‖ u32_le(block) ‖ u64_le(size)` (93 bytes).
pub fn place_message(file: &Hash, cache: &AccountId, block: BlockNumber, size: u64) -> Vec<u8> {
	let mut m = Vec::with_capacity(PLACE_CONTEXT.len() + 32 + 32 + 4 + 8);
	m.extend_from_slice(PLACE_CONTEXT);
	m.extend_from_slice(file.as_bytes());
	m.extend_from_slice(AsRef::<[u8]>::as_ref(cache));
	m.extend_from_slice(&block.to_le_bytes());
	m.extend_from_slice(&size.to_le_bytes());
	m
}

/// R's placement signature.
pub fn sign_place(
	pair: &sr25519::Pair,
	file: &Hash,
	cache: &AccountId,
	block: BlockNumber,
	size: u64,
) -> sr25519::Signature {
	pair.sign(&place_message(file, cache, block, size))
}

/// Whether a placement signed at `block` is fresh at the cache's best block `best`.
pub fn fresh(block: BlockNumber, best: BlockNumber) -> bool {
	best <= block.saturating_add(PLACE_WINDOW) && block <= best.saturating_add(PLACE_AHEAD)
}

/// `ρ × paid / p` rounded down: the bytes a retrieval node paid `paid` in the open cycle may
/// attest over all cache nodes (the pallet's `attestation_budget`).
pub fn budget(paid: Balance, replicas: u32, price: Balance) -> u128 {
	if price == 0 {
		return 0;
	}
	let rho = u128::from(replicas);
	// ⌊paid·ρ/p⌋ = ⌊paid/p⌋·ρ + ⌊(paid mod p)·ρ/p⌋, exact without overflowing paid·ρ.
	(paid / price).saturating_mul(rho).saturating_add((paid % price).saturating_mul(rho) / price)
}

/// Levels for caches that hold `held[i]` bytes, in order, within `budget` in total.
pub fn allocate(held: &[u64], budget: u128) -> Vec<u64> {
	let mut left = budget;
	held.iter()
		.map(|&h| {
			let level = u128::from(h).min(left);
			left -= level;
			level as u64
		})
		.collect()
}

/// One placement: on a retrieval node, `peer` is the cache it placed on; on a cache node, the
/// retrieval node it holds the file for.
#[derive(Clone, Debug, Encode, Decode, PartialEq, Eq)]
pub struct Placed {
	/// The other node.
	pub peer: AccountId,
	/// The file.
	pub file: Hash,
	/// Its size.
	pub size: u64,
	/// The signed block.
	pub block: BlockNumber,
}

/// A signed attestation and whether it reached the chain.
#[derive(Clone, Debug, Encode, Decode, PartialEq, Eq)]
pub struct Attested {
	/// The pallet's attestation.
	pub attestation: Attestation,
	/// The retrieval node's signature (`Raw` form).
	pub signature: sr25519::Signature,
	/// Included on chain (or superseded there); a cache node's pending ones are `false`.
	pub submitted: bool,
}

/// The placement journal.
pub struct Journal {
	dir: PathBuf,
	/// `placed.scale`.
	pub placed: Vec<Placed>,
	/// `attestations.scale`: the latest per `(cycle, cache, retrieval)`.
	pub attestations: Vec<Attested>,
}

fn read_vec<T: Decode>(path: &FsPath) -> Result<Vec<T>, String> {
	match fs::read(path) {
		Ok(bytes) => {
			Vec::<T>::decode(&mut &bytes[..]).map_err(|e| format!("{}: {e}", path.display()))
		}
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
		Err(e) => Err(format!("{}: {e}", path.display())),
	}
}

fn write_durably(path: &FsPath, bytes: &[u8]) -> Result<(), String> {
	cess_miner_agent::store::write_atomic(path, bytes)
		.and_then(|()| fs::File::open(path.parent().unwrap_or(FsPath::new(".")))?.sync_all())
		.map_err(|e| format!("{}: {e}", path.display()))
}

impl Journal {
	/// Opens (creating) the journal in `dir` and reads it back.
	pub fn open(dir: &FsPath) -> Result<Self, String> {
		fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
		Ok(Journal {
			dir: dir.to_path_buf(),
			placed: read_vec(&dir.join("placed.scale"))?,
			attestations: read_vec(&dir.join("attestations.scale"))?,
		})
	}

	fn save_placed(&self) -> Result<(), String> {
		write_durably(&self.dir.join("placed.scale"), &self.placed.encode())
	}

	fn save_attestations(&self) -> Result<(), String> {
		write_durably(&self.dir.join("attestations.scale"), &self.attestations.encode())
	}

	/// Whether `file` is placed with `peer`.
	pub fn has(&self, peer: &AccountId, file: &Hash) -> bool {
		self.placed.iter().any(|p| p.peer == *peer && p.file == *file)
	}

	/// Records a placement (replacing one of the same peer and file), durably.
	pub fn add(&mut self, p: Placed) -> Result<(), String> {
		self.placed.retain(|q| !(q.peer == p.peer && q.file == p.file));
		self.placed.push(p);
		self.save_placed()
	}

	/// Keeps only the placements `keep` accepts, durably if any went.
	pub fn retain(&mut self, keep: impl FnMut(&Placed) -> bool) -> Result<(), String> {
		let before = self.placed.len();
		self.placed.retain(keep);
		if self.placed.len() != before {
			self.save_placed()?;
		}
		Ok(())
	}

	/// Placements with `peer`.
	pub fn with(&self, peer: &AccountId) -> Vec<Placed> {
		self.placed.iter().filter(|p| p.peer == *peer).cloned().collect()
	}

	/// The latest attestation of `(cycle, cache, retrieval)`.
	pub fn latest(
		&self,
		cycle: CycleIndex,
		cache: &AccountId,
		retrieval: &AccountId,
	) -> Option<&Attested> {
		self.attestations.iter().find(|a| {
			let t = &a.attestation;
			t.cycle == cycle && t.cache == *cache && t.retrieval == *retrieval
		})
	}

	/// Records `a` unless a version at least as high is recorded; forgets earlier cycles.
	/// Returns whether it was recorded.
	pub fn note(&mut self, a: Attested) -> Result<bool, String> {
		let t = &a.attestation;
		if self
			.latest(t.cycle, &t.cache, &t.retrieval)
			.is_some_and(|o| o.attestation.version >= t.version)
		{
			return Ok(false);
		}
		let (cycle, cache, retrieval) = (t.cycle, t.cache.clone(), t.retrieval.clone());
		self.attestations.retain(|o| {
			let u = &o.attestation;
			u.cycle >= cycle && !(u.cycle == cycle && u.cache == cache && u.retrieval == retrieval)
		});
		self.attestations.push(a);
		self.save_attestations()?;
		Ok(true)
	}

	/// Marks the attestation of `(cycle, cache, retrieval)` with `version` submitted.
	pub fn mark_submitted(
		&mut self,
		cycle: CycleIndex,
		cache: &AccountId,
		retrieval: &AccountId,
		version: u32,
	) -> Result<(), String> {
		for a in &mut self.attestations {
			let t = &a.attestation;
			if t.cycle == cycle
				&& t.cache == *cache
				&& t.retrieval == *retrieval
				&& t.version == version
			{
				a.submitted = true;
			}
		}
		self.save_attestations()
	}
}

/// The placement counters (`GET /metrics`, `GET /status`).
#[derive(Default)]
pub struct Counters {
	/// Retrieval: placements a cache accepted.
	pub sent: AtomicU64,
	/// Cache: placements accepted.
	pub received: AtomicU64,
	/// Refused placements (cache: it refused; retrieval: a cache refused it).
	pub rejected: AtomicU64,
	/// Bytes of placements sent (retrieval) or received (cache).
	pub bytes: AtomicU64,
	/// Retrieval: attestations signed.
	pub signed: AtomicU64,
	/// Attestations this node submitted that were included (retrieval: lowerings).
	pub submitted: AtomicU64,
	/// Attestations refused (cache: at `POST /attestation` or by the chain).
	pub refused: AtomicU64,
	/// Σ of the node's levels on chain in the open cycle at the last look.
	pub level: AtomicU64,
	/// Bytes placed and still held (retrieval: confirmed by the caches; cache: held).
	pub held: AtomicU64,
}

impl Counters {
	/// JSON for `/status`.
	pub fn json(&self) -> serde_json::Value {
		json!({
			"placements": { "sent": self.sent.load(Relaxed), "received": self.received.load(Relaxed),
				"rejected": self.rejected.load(Relaxed) },
			"bytes_placed": self.bytes.load(Relaxed),
			"held_bytes": self.held.load(Relaxed),
			"attestations": { "signed": self.signed.load(Relaxed), "submitted": self.submitted.load(Relaxed),
				"refused": self.refused.load(Relaxed) },
			"attested_level": self.level.load(Relaxed),
		})
	}

	/// Prometheus text.
	pub fn prometheus(&self) -> String {
		let mut out = String::new();
		let mut line = |name: &str, kind: &str, help: &str, samples: &[(&str, u64)]| {
			out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
			for (labels, v) in samples {
				out.push_str(&format!("{name}{labels} {v}\n"));
			}
		};
		line(
			"cdn_placements_total",
			"counter",
			"Placements sent (accepted by a cache), received, rejected.",
			&[
				("{result=\"sent\"}", self.sent.load(Relaxed)),
				("{result=\"received\"}", self.received.load(Relaxed)),
				("{result=\"rejected\"}", self.rejected.load(Relaxed)),
			],
		);
		line(
			"cdn_placed_bytes_total",
			"counter",
			"Bytes placed (sent or received).",
			&[("", self.bytes.load(Relaxed))],
		);
		line(
			"cdn_placed_held_bytes",
			"gauge",
			"Bytes placed and still held.",
			&[("", self.held.load(Relaxed))],
		);
		line(
			"cdn_attestations_total",
			"counter",
			"Attestations signed, submitted by this node, refused.",
			&[
				("{result=\"signed\"}", self.signed.load(Relaxed)),
				("{result=\"submitted\"}", self.submitted.load(Relaxed)),
				("{result=\"refused\"}", self.refused.load(Relaxed)),
			],
		);
		line(
			"cdn_attested_level_bytes",
			"gauge",
			"Sum of this node's attested levels on chain in the open cycle.",
			&[("", self.level.load(Relaxed))],
		);
		out
	}
}

/// What a placement request declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaceRequest {
	/// The placing retrieval node.
	pub retrieval: AccountId,
	/// The signed block.
	pub block: BlockNumber,
	/// The declared size.
	pub size: u64,
	/// The signature.
	pub signature: sr25519::Signature,
}

/// Why a placement is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlaceRefusal {
	/// Headers missing or malformed (400).
	Malformed(&'static str),
	/// Not R's signature over this file, this cache, block and size (403).
	BadSignature,
	/// Outside the window (403).
	Stale {
		/// Signed block.
		block: BlockNumber,
		/// The cache's best block.
		best: BlockNumber,
	},
	/// The signer is not a registered retrieval node (403).
	NotRetrievalNode,
	/// No such file on chain (403).
	UnknownFile,
	/// Declared or sent size differs from the file's (422).
	SizeMismatch {
		/// Expected bytes.
		expected: u64,
		/// Declared or sent bytes.
		got: u64,
	},
	/// The content does not match the on-chain roots (422).
	ContentMismatch(String),
}

impl PlaceRefusal {
	/// The HTTP status.
	pub fn status(&self) -> StatusCode {
		match self {
			PlaceRefusal::Malformed(_) => StatusCode::BAD_REQUEST,
			PlaceRefusal::SizeMismatch { .. } | PlaceRefusal::ContentMismatch(_) => {
				StatusCode::UNPROCESSABLE_ENTITY
			}
			_ => StatusCode::FORBIDDEN,
		}
	}
}

impl std::fmt::Display for PlaceRefusal {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			PlaceRefusal::Malformed(h) => write!(f, "missing or malformed {h}"),
			PlaceRefusal::BadSignature => write!(f, "bad placement signature"),
			PlaceRefusal::Stale { block, best } => {
				write!(
					f,
					"stale placement: signed at #{block}, best #{best} (window {PLACE_WINDOW})"
				)
			}
			PlaceRefusal::NotRetrievalNode => {
				write!(f, "the signer is not a registered retrieval node")
			}
			PlaceRefusal::UnknownFile => write!(f, "unknown file"),
			PlaceRefusal::SizeMismatch { expected, got } => {
				write!(f, "size mismatch: the file has {expected} bytes, got {got}")
			}
			PlaceRefusal::ContentMismatch(e) => write!(f, "content mismatch: {e}"),
		}
	}
}

/// Parses the placement headers.
pub fn parse_place_headers(headers: &HeaderMap) -> Result<PlaceRequest, PlaceRefusal> {
	let get = |name: &'static str| {
		headers.get(name).and_then(|v| v.to_str().ok()).ok_or(PlaceRefusal::Malformed(name))
	};
	let retrieval = crate::server::parse_account(get(H_RETRIEVAL)?)
		.ok_or(PlaceRefusal::Malformed(H_RETRIEVAL))?;
	let block = get(H_BLOCK)?.trim().parse().map_err(|_| PlaceRefusal::Malformed(H_BLOCK))?;
	let size = get(H_SIZE)?.trim().parse().map_err(|_| PlaceRefusal::Malformed(H_SIZE))?;
	let signature = sp_core::bytes::from_hex(get(H_SIGNATURE)?)
		.ok()
		.and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
		.map(sr25519::Signature::from_raw)
		.ok_or(PlaceRefusal::Malformed(H_SIGNATURE))?;
	Ok(PlaceRequest { retrieval, block, size, signature })
}

/// The checks a cache node (`cache`, at best block `best`) makes before reading the body:
/// freshness and the signature. Registration and the file are checked against the chain
/// after, the content last.
pub fn check_place(
	req: &PlaceRequest,
	file: &Hash,
	cache: &AccountId,
	best: BlockNumber,
) -> Result<(), PlaceRefusal> {
	if !fresh(req.block, best) {
		return Err(PlaceRefusal::Stale { block: req.block, best });
	}
	let public = sr25519::Public::from_raw(*AsRef::<[u8; 32]>::as_ref(&req.retrieval));
	let message = place_message(file, cache, req.block, req.size);
	if !sr25519::Pair::verify(&req.signature, message, &public) {
		return Err(PlaceRefusal::BadSignature);
	}
	Ok(())
}

/// Whether `signature` is `att.retrieval`'s `Raw` signature of `att`.
pub fn attestation_valid(att: &Attestation, signature: &sr25519::Signature) -> bool {
	let public = sr25519::Public::from_raw(*AsRef::<[u8; 32]>::as_ref(&att.retrieval));
	sr25519::Pair::verify(signature, tickets::attestation_payload(att), &public)
}

fn refuse(node: &Node, r: PlaceRefusal) -> Response {
	node.metrics.placement.rejected.fetch_add(1, Relaxed);
	log::warn!(target: LOG_TARGET, "placement refused: {r}");
	error(r.status(), r.to_string())
}

/// Bytes the cache holds for `retrieval` (placed and still in the cache).
fn held_for(node: &Node, retrieval: &AccountId) -> Vec<Placed> {
	let placed = node.placement.lock().map(|j| j.with(retrieval)).unwrap_or_default();
	let Ok(cache) = node.cache.lock() else { return Vec::new() };
	placed.into_iter().filter(|p| cache.contains(&p.file)).collect()
}

/// `PUT /place/<file>` (cache nodes).
pub async fn place(
	State(node): State<Arc<Node>>,
	Path(file): Path<String>,
	headers: HeaderMap,
	body: Body,
) -> Response {
	if node.kind != NodeKind::Cache {
		return error(StatusCode::NOT_FOUND, "not a cache node");
	}
	let Some(file) = cess_miner_agent::store::parse_hash(&file).map(Hash::from) else {
		return error(StatusCode::BAD_REQUEST, "not a 0x-prefixed 32-byte file hash");
	};
	let req = match parse_place_headers(&headers) {
		Ok(r) => r,
		Err(r) => return refuse(&node, r),
	};
	let n = node.clone();
	let retrieval = req.retrieval.clone();
	let (best, signer, placement) = match blocking(move || {
		let best = n.chain.best_number().map_err(|e| e.to_string())?;
		let signer = cdn_chain::node(&n.chain, &retrieval)?.map(|i| i.kind);
		let p = n.chain.file_placement(file).map_err(|e| e.to_string())?;
		Ok((best, signer, p.map(|p| p.size)))
	})
	.await
	{
		Ok(v) => v,
		Err(r) => return r,
	};
	if let Err(r) = check_place(&req, &file, &node.account, best) {
		return refuse(&node, r);
	}
	if signer != Some(NodeKind::Retrieval) {
		return refuse(&node, PlaceRefusal::NotRetrievalNode);
	}
	let Some(expected) = placement else { return refuse(&node, PlaceRefusal::UnknownFile) };
	if req.size != expected {
		return refuse(&node, PlaceRefusal::SizeMismatch { expected, got: req.size });
	}
	let limit = node.cache.lock().map(|c| c.limit()).unwrap_or(0);
	if expected > limit {
		return error(
			StatusCode::INSUFFICIENT_STORAGE,
			format!("larger than this cache ({limit} bytes)"),
		);
	}
	let bytes = match axum::body::to_bytes(body, expected.saturating_add(1) as usize).await {
		Ok(b) => b,
		Err(_) => {
			return refuse(
				&node,
				PlaceRefusal::SizeMismatch { expected, got: expected.saturating_add(1) },
			)
		}
	};
	if bytes.len() as u64 != expected {
		return refuse(&node, PlaceRefusal::SizeMismatch { expected, got: bytes.len() as u64 });
	}
	let n = node.clone();
	let checked = tokio::task::spawn_blocking(move || {
		crate::client::verify(&n.session, file, &bytes)?;
		let tmp = n.cache.lock().map_err(|_| "cache lock".to_string())?.tmp_path(&file);
		fs::write(&tmp, &bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
		Ok::<_, String>(tmp)
	})
	.await;
	let tmp = match checked {
		Ok(Ok(t)) => t,
		Ok(Err(e)) => return refuse(&node, PlaceRefusal::ContentMismatch(e)),
		Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
	};
	{
		let Ok(mut c) = node.cache.lock() else {
			return error(StatusCode::INTERNAL_SERVER_ERROR, "cache lock");
		};
		match c.insert(file, &tmp, expected) {
			Ok(true) => {}
			Ok(false) => {
				let _ = fs::remove_file(&tmp);
				return error(StatusCode::INSUFFICIENT_STORAGE, "larger than this cache");
			}
			Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e),
		}
	}
	let placed = Placed { peer: req.retrieval.clone(), file, size: expected, block: req.block };
	if let Err(e) = node
		.placement
		.lock()
		.map_err(|_| "journal lock".to_string())
		.and_then(|mut j| j.add(placed))
	{
		log::error!(target: LOG_TARGET, "placement journal: {e}");
		return error(StatusCode::INTERNAL_SERVER_ERROR, "cannot journal the placement");
	}
	node.metrics.placement.received.fetch_add(1, Relaxed);
	node.metrics.placement.bytes.fetch_add(expected, Relaxed);
	let held: u64 = held_for(&node, &req.retrieval).iter().map(|p| p.size).sum();
	log::info!(
		target: LOG_TARGET,
		"placed {file:?} ({expected} bytes) for {}: {held} bytes held for it",
		cess_miner_agent::ss58(&req.retrieval)
	);
	(
		StatusCode::CREATED,
		Json(json!({ "file": hash_hex(file.as_bytes()), "size": expected, "held_bytes": held })),
	)
		.into_response()
}

/// `GET /held/<retrieval>`: what this cache node holds for a retrieval node.
pub async fn held(State(node): State<Arc<Node>>, Path(who): Path<String>) -> Response {
	let Some(retrieval) = crate::server::parse_account(&who) else {
		return error(StatusCode::BAD_REQUEST, "not an account");
	};
	let held = held_for(&node, &retrieval);
	let files: Vec<_> = held
		.iter()
		.map(|p| json!({ "file": hash_hex(p.file.as_bytes()), "size": p.size, "block": p.block }))
		.collect();
	Json(json!({
		"retrieval": cess_miner_agent::ss58(&retrieval),
		"files": files,
		"bytes": held.iter().map(|p| p.size).sum::<u64>(),
	}))
	.into_response()
}

/// `POST /attestation` (cache nodes): SCALE `(CacheAttestation, Signature)` from a retrieval
/// node; checked, journaled and submitted by the settlement loop. 202 accepted, 403 not for
/// this node or not the retrieval node's signature, 422 a level above what this node holds.
pub async fn attestation(State(node): State<Arc<Node>>, body: Body) -> Response {
	if node.kind != NodeKind::Cache {
		return error(StatusCode::NOT_FOUND, "not a cache node");
	}
	let refused = |code: StatusCode, m: String| {
		node.metrics.placement.refused.fetch_add(1, Relaxed);
		error(code, m)
	};
	let Ok(bytes) = axum::body::to_bytes(body, 4096).await else {
		return error(StatusCode::PAYLOAD_TOO_LARGE, "too long");
	};
	let Ok((att, signature)) = <(Attestation, sr25519::Signature)>::decode(&mut &bytes[..]) else {
		return error(StatusCode::BAD_REQUEST, "not SCALE (CacheAttestation, Signature)");
	};
	if att.cache != node.account || att.genesis != node.genesis {
		return refused(StatusCode::FORBIDDEN, "not an attestation for this node and chain".into());
	}
	if !attestation_valid(&att, &signature) {
		return refused(StatusCode::FORBIDDEN, "bad attestation signature".into());
	}
	let holds: u64 = held_for(&node, &att.retrieval).iter().map(|p| p.size).sum();
	if att.level > holds {
		return refused(
			StatusCode::UNPROCESSABLE_ENTITY,
			format!("level {} above the {holds} bytes this node holds for the signer", att.level),
		);
	}
	let level = att.level;
	let recorded = node
		.placement
		.lock()
		.map_err(|_| "journal lock".to_string())
		.and_then(|mut j| j.note(Attested { attestation: att, signature, submitted: false }));
	match recorded {
		Ok(fresh) => {
			(StatusCode::ACCEPTED, Json(json!({ "level": level, "new": fresh }))).into_response()
		}
		Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
	}
}

/// The placement part of a settlement round.
pub fn round(node: &Node, session: &mut Session) -> Result<(), String> {
	match node.kind {
		NodeKind::Cache => submit_pending(node, session),
		NodeKind::Retrieval if !node.place.targets.is_empty() => retrieval_round(node, session),
		NodeKind::Retrieval => Ok(()),
	}
}

/// Cache node: submits journaled attestations not on chain yet.
fn submit_pending(node: &Node, session: &mut Session) -> Result<(), String> {
	let cycle = cdn_chain::current_cycle(&node.chain)?;
	let pending: Vec<Attested> = node
		.placement
		.lock()
		.map_err(|_| "journal lock")?
		.attestations
		.iter()
		.filter(|a| !a.submitted && a.attestation.cycle == cycle)
		.cloned()
		.collect();
	for a in pending {
		let t = &a.attestation;
		let (_, version) = cdn_chain::cached_level(&node.chain, cycle, &t.cache, &t.retrieval)?;
		if version < t.version {
			let call = RuntimeCall::Cdn(pallet_cdn::Call::attest_cached {
				attestation: t.clone(),
				signature: a.signature,
				form: SigForm::Raw,
			});
			match session.submit(call, "attest_cached") {
				Ok(_) => {
					node.metrics.placement.submitted.fetch_add(1, Relaxed);
					log::info!(target: LOG_TARGET, "attested level {} (version {}) from {} in cycle {cycle}",
						t.level, t.version, cess_miner_agent::ss58(&t.retrieval));
				}
				Err(e) if e.contains("failed in block") => {
					node.metrics.placement.refused.fetch_add(1, Relaxed);
					log::warn!(target: LOG_TARGET, "attestation refused: {e}");
				}
				Err(e) => return Err(e),
			}
		}
		node.placement.lock().map_err(|_| "journal lock")?.mark_submitted(
			cycle,
			&t.cache,
			&t.retrieval,
			t.version,
		)?;
	}
	let peers: HashSet<AccountId> = node
		.placement
		.lock()
		.map_err(|_| "journal lock")?
		.placed
		.iter()
		.map(|p| p.peer.clone())
		.collect();
	let mut level = 0u64;
	let mut held = 0u64;
	for r in peers {
		level =
			level.saturating_add(cdn_chain::cached_level(&node.chain, cycle, &node.account, &r)?.0);
		held = held.saturating_add(held_for(node, &r).iter().map(|p| p.size).sum());
	}
	node.metrics.placement.level.store(level, Relaxed);
	node.metrics.placement.held.store(held, Relaxed);
	Ok(())
}

/// A resolved `--place-to`: the cache's account and endpoint.
#[derive(Clone, Debug)]
pub struct Target {
	/// The cache node's account.
	pub account: AccountId,
	/// Its HTTP endpoint (no trailing `/`).
	pub url: String,
}

/// Resolves a `--place-to` value: an account is looked up in `Cdn::Nodes` (its registered
/// endpoint), a URL is asked for its account (`GET /status`); either way it must be a
/// registered cache node.
pub fn resolve(chain: &cess_miner_agent::chain::Chain, target: &str) -> Result<Target, String> {
	let (account, url) = match crate::server::parse_account(target) {
		Some(account) => (account, None),
		None => {
			let url = target.trim_end_matches('/').to_string();
			let status = attohttpc::get(format!("{url}/status"))
				.timeout(Duration::from_secs(10))
				.send()
				.and_then(|r| r.bytes())
				.map_err(|e| format!("{url}/status: {e}"))?;
			let v: serde_json::Value =
				serde_json::from_slice(&status).map_err(|e| format!("{url}/status: {e}"))?;
			let account = v["account"]
				.as_str()
				.and_then(crate::server::parse_account)
				.ok_or_else(|| format!("{url}/status: no account"))?;
			(account, Some(url))
		}
	};
	let info = cdn_chain::node(chain, &account)?
		.ok_or_else(|| format!("{target}: not a registered CD²N node"))?;
	if info.kind != NodeKind::Cache {
		return Err(format!("{target}: registered as a {:?} node, not a cache node", info.kind));
	}
	let url = url.unwrap_or_else(|| {
		String::from_utf8_lossy(&info.endpoint).trim_end_matches('/').to_string()
	});
	Ok(Target { account, url })
}

/// Counts a served request of `file` (placement triggers on the count).
pub fn note_served(node: &Node, file: Hash) {
	if node.kind == NodeKind::Retrieval && !node.place.targets.is_empty() {
		if let Ok(mut c) = node.served.lock() {
			*c.entry(file).or_default() += 1;
		}
	}
}

/// Sends `file` (in this node's cache) to `target`.
fn place_one(node: &Node, target: &Target, file: Hash, best: BlockNumber) -> Result<u16, String> {
	let path = node.cache.lock().map_err(|_| "cache lock")?.path(&file);
	let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
	let size = bytes.len() as u64;
	let pair = node.session.signer.pair();
	let signature = sign_place(pair, &file, &target.account, best, size);
	let response = attohttpc::put(format!("{}/place/{}", target.url, hash_hex(file.as_bytes())))
		.header(H_RETRIEVAL, hash_hex(AsRef::<[u8]>::as_ref(&node.account)))
		.header(H_BLOCK, best.to_string())
		.header(H_SIZE, size.to_string())
		.header(H_SIGNATURE, sp_core::bytes::to_hex(&signature.0, false))
		.timeout(PLACE_TIMEOUT)
		.bytes(bytes)
		.send()
		.map_err(|e| format!("{}: {e}", target.url))?;
	let status = response.status().as_u16();
	let text =
		response.bytes().map(|b| String::from_utf8_lossy(&b).to_string()).unwrap_or_default();
	if status == 201 || status == 200 {
		node.placement.lock().map_err(|_| "journal lock")?.add(Placed {
			peer: target.account.clone(),
			file,
			size,
			block: best,
		})?;
		node.metrics.placement.sent.fetch_add(1, Relaxed);
		node.metrics.placement.bytes.fetch_add(size, Relaxed);
		log::info!(target: LOG_TARGET, "placed {file:?} ({size} bytes) on {}", target.url);
	} else {
		node.metrics.placement.rejected.fetch_add(1, Relaxed);
		log::warn!(target: LOG_TARGET, "{} refused the placement of {file:?}: HTTP {status} {text}", target.url);
	}
	Ok(status)
}

/// What `target` says it holds for this node (`None`: unreachable).
fn confirmed(node: &Node, target: &Target) -> Option<HashSet<Hash>> {
	let me = hash_hex(AsRef::<[u8]>::as_ref(&node.account));
	let body = attohttpc::get(format!("{}/held/{me}", target.url))
		.timeout(Duration::from_secs(10))
		.send()
		.ok()
		.filter(|r| r.is_success())?
		.bytes()
		.ok()?;
	let v: serde_json::Value = serde_json::from_slice(&body).ok()?;
	Some(
		v["files"]
			.as_array()?
			.iter()
			.filter_map(|f| f["file"].as_str().and_then(cess_miner_agent::store::parse_hash))
			.map(Hash::from)
			.collect(),
	)
}

/// Signs R's attestation for `cache`.
fn sign_attestation(
	node: &Node,
	cache: &AccountId,
	cycle: CycleIndex,
	level: u64,
	version: u32,
) -> Attested {
	let attestation = Attestation {
		genesis: node.genesis,
		retrieval: node.account.clone(),
		cache: cache.clone(),
		cycle,
		level,
		version,
	};
	let signature = node.session.signer.pair().sign(&tickets::attestation_payload(&attestation));
	node.metrics.placement.signed.fetch_add(1, Relaxed);
	Attested { attestation, signature, submitted: false }
}

/// The attestation of `level` for `t` in `cycle`: the journaled one if it says the same and is
/// still ahead of the chain (resent, not re-signed), else a new one with the next version.
fn next_attestation(
	node: &Node,
	t: &Target,
	cycle: CycleIndex,
	level: u64,
	chain_version: u32,
) -> Result<Attested, String> {
	let latest = node
		.placement
		.lock()
		.map_err(|_| "journal lock")?
		.latest(cycle, &t.account, &node.account)
		.cloned();
	if let Some(a) = latest.as_ref().filter(|a| {
		a.attestation.level == level && a.attestation.version > chain_version && !a.submitted
	}) {
		return Ok(a.clone());
	}
	let version =
		latest.map(|a| a.attestation.version).unwrap_or(0).max(chain_version).saturating_add(1);
	let a = sign_attestation(node, &t.account, cycle, level, version);
	node.placement.lock().map_err(|_| "journal lock")?.note(a.clone())?;
	Ok(a)
}

/// Retrieval node: place due files, reconcile what the caches hold, attest within budget.
fn retrieval_round(node: &Node, session: &mut Session) -> Result<(), String> {
	let mut targets: Vec<Target> = Vec::new();
	for t in &node.place.targets {
		match resolve(&node.chain, t) {
			Ok(r) if targets.iter().all(|o| o.account != r.account) => targets.push(r),
			Ok(_) => {}
			Err(e) => log::warn!(target: LOG_TARGET, "--place-to {t}: {e}"),
		}
	}
	// 1. Place the files served `--place-after` times on every cache that lacks them.
	let due: Vec<Hash> = node
		.served
		.lock()
		.map_err(|_| "served lock")?
		.iter()
		.filter(|(_, n)| **n >= node.place.after)
		.map(|(f, _)| *f)
		.collect();
	let best = node.chain.best_number().map_err(|e| e.to_string())?;
	for t in &targets {
		for f in &due {
			let placed = node.placement.lock().map_err(|_| "journal lock")?.has(&t.account, f);
			let refused =
				node.place_refused.lock().map_err(|_| "lock")?.contains(&(t.account.clone(), *f));
			let cached = node.cache.lock().map_err(|_| "cache lock")?.contains(f);
			if placed || refused || !cached {
				continue;
			}
			match place_one(node, t, *f, best) {
				// The content does not match the chain: never retried (until restart). Other
				// refusals (403 stale or not registered yet, 507 cache too small) are retried
				// next round.
				Ok(422) => {
					let _ =
						node.place_refused.lock().map(|mut s| s.insert((t.account.clone(), *f)));
				}
				Ok(_) => {}
				Err(e) => log::warn!(target: LOG_TARGET, "placing {f:?} on {}: {e}", t.url),
			}
		}
	}
	// 2. What each cache still holds of what this node placed (None: unreachable).
	let mut held: HashMap<AccountId, Option<u64>> = HashMap::new();
	for t in &targets {
		let bytes = match confirmed(node, t) {
			Some(files) => {
				let mut j = node.placement.lock().map_err(|_| "journal lock")?;
				let dropped: Vec<Hash> = j
					.with(&t.account)
					.iter()
					.filter(|p| !files.contains(&p.file))
					.map(|p| p.file)
					.collect();
				if !dropped.is_empty() {
					log::warn!(target: LOG_TARGET, "{} no longer holds {dropped:?}", t.url);
					j.retain(|p| !(p.peer == t.account && dropped.contains(&p.file)))?;
				}
				Some(j.with(&t.account).iter().map(|p| p.size).sum::<u64>())
			}
			None => None,
		};
		held.insert(t.account.clone(), bytes);
	}
	// 3. Levels within the budget ρ·A_R/p of the open cycle.
	let cycle = cdn_chain::current_cycle(&node.chain)?;
	let report = cdn_chain::cycle_report(&node.chain, &node.account, cycle)?;
	let (paid, attested) = report.work.map(|w| (w.paid, w.attested)).unwrap_or((0, 0));
	let budget = budget(paid, cdn_chain::max_replicas(), cdn_chain::reference_price());
	let mut on_chain = Vec::new();
	for t in &targets {
		on_chain.push(cdn_chain::cached_level(&node.chain, cycle, &t.account, &node.account)?);
	}
	let ours: u128 = on_chain.iter().map(|(l, _)| u128::from(*l)).sum();
	// Levels at caches no longer in --place-to stay as they are and count against the budget.
	let others = attested.saturating_sub(ours);
	let wanted: Vec<u64> = targets
		.iter()
		.zip(&on_chain)
		.map(|(t, (l, _))| held.get(&t.account).copied().flatten().unwrap_or(*l))
		.collect();
	let levels = allocate(&wanted, budget.saturating_sub(others));
	node.metrics.placement.held.store(held.values().map(|h| h.unwrap_or(0)).sum(), Relaxed);
	let mut total = 0u64;
	// Lowerings first (this node submits them), so that every raise then fits the budget.
	for ((t, &(chain_level, chain_version)), &level) in targets.iter().zip(&on_chain).zip(&levels) {
		if level >= chain_level {
			continue;
		}
		let a = next_attestation(node, t, cycle, level, chain_version)?;
		let call = RuntimeCall::Cdn(pallet_cdn::Call::attest_cached {
			attestation: a.attestation.clone(),
			signature: a.signature,
			form: SigForm::Raw,
		});
		session.submit(call, "attest_cached (lowering)")?;
		node.placement.lock().map_err(|_| "journal lock")?.mark_submitted(
			cycle,
			&t.account,
			&node.account,
			a.attestation.version,
		)?;
		node.metrics.placement.submitted.fetch_add(1, Relaxed);
		log::info!(target: LOG_TARGET, "lowered the level at {} to {level} (version {})", t.url, a.attestation.version);
		total = total.saturating_add(level);
	}
	// Raises: the cache node submits them.
	for ((t, &(chain_level, chain_version)), &level) in targets.iter().zip(&on_chain).zip(&levels) {
		if level <= chain_level {
			// Equal: nothing to do; lower: submitted above.
			total = total.saturating_add(if level == chain_level { level } else { 0 });
			continue;
		}
		total = total.saturating_add(chain_level);
		let a = next_attestation(node, t, cycle, level, chain_version)?;
		let sent = attohttpc::post(format!("{}/attestation", t.url))
			.timeout(Duration::from_secs(10))
			.bytes((&a.attestation, &a.signature).encode())
			.send();
		match sent {
			Ok(r) if r.is_success() => log::info!(target: LOG_TARGET,
				"sent level {level} (version {}) to {} for cycle {cycle} (budget {budget})",
				a.attestation.version, t.url),
			Ok(r) => {
				log::warn!(target: LOG_TARGET, "{} refused the attestation: HTTP {}", t.url, r.status())
			}
			Err(e) => log::warn!(target: LOG_TARGET, "sending the attestation to {}: {e}", t.url),
		}
	}
	node.metrics.placement.level.store(total, Relaxed);
	Ok(())
}

/// The `placement` section of `GET /status`.
pub fn status(node: &Node) -> serde_json::Value {
	let mut v = node.metrics.placement.json();
	let (placed, attestations) = node
		.placement
		.lock()
		.map(|j| {
			let placed: Vec<_> = j
				.placed
				.iter()
				.map(|p| json!({ "peer": cess_miner_agent::ss58(&p.peer), "file": hash_hex(p.file.as_bytes()), "size": p.size }))
				.collect();
			let atts: Vec<_> = j
				.attestations
				.iter()
				.map(|a| {
					let t = &a.attestation;
					json!({ "cycle": t.cycle, "cache": cess_miner_agent::ss58(&t.cache),
						"retrieval": cess_miner_agent::ss58(&t.retrieval), "level": t.level,
						"version": t.version, "submitted": a.submitted })
				})
				.collect();
			(placed, atts)
		})
		.unwrap_or_default();
	v["place_to"] = json!(node.place.targets);
	v["place_after"] = json!(node.place.after);
	v["placed"] = json!(placed);
	v["attestation_journal"] = json!(attestations);
	v
}

/// Placements a cache refused for good (422: the content does not match the chain): not
/// retried until restart.
pub type Refused = Mutex<HashSet<(AccountId, Hash)>>;

#[cfg(test)]
mod tests {
	use super::*;

	fn tmpdir(name: &str) -> PathBuf {
		let d = std::env::temp_dir().join(format!("cdn-place-{name}-{}", rand::random::<u64>()));
		fs::create_dir_all(&d).unwrap();
		d
	}

	#[test]
	fn the_placement_message_is_93_bytes_in_order() {
		let file = Hash::repeat_byte(0x11);
		let cache = AccountId::from([0x22; 32]);
		let m = place_message(&file, &cache, 0x0102_0304, 0x0506_0708_090a_0b0c);
		assert_eq!(m.len(), 93);
		assert_eq!(&m[..17], b"cess/cdn-place/v1");
		assert_eq!(&m[17..49], &[0x11; 32]);
		assert_eq!(&m[49..81], &[0x22; 32]);
		assert_eq!(&m[81..85], &[0x04, 0x03, 0x02, 0x01]);
		assert_eq!(&m[85..93], &[0x0c, 0x0b, 0x0a, 0x09, 0x08, 0x07, 0x06, 0x05]);
	}

	#[test]
	fn the_window_is_20_blocks_back_and_2_ahead() {
		// Signed at #100.
		assert!(fresh(100, 100));
		assert!(fresh(100, 120), "20 blocks later: the last accepted");
		assert!(!fresh(100, 121), "21 blocks later: stale");
		assert!(fresh(100, 98), "2 blocks ahead of the cache's view");
		assert!(!fresh(100, 97), "3 blocks ahead");
		assert!(fresh(2, 0) && !fresh(3, 0), "at genesis: at most 2 ahead");
		assert!(fresh(0, 20) && !fresh(0, 21));
		assert!(fresh(u32::MAX, u32::MAX));
	}

	#[test]
	fn a_placement_binds_signer_file_cache_block_and_size() {
		let r = sr25519::Pair::from_string("//CdnRetrieval", None).unwrap();
		let other = sr25519::Pair::from_string("//CdnStranger", None).unwrap();
		let file = Hash::repeat_byte(7);
		let cache = AccountId::from([9; 32]);
		let req = |pair: &sr25519::Pair, block, size| PlaceRequest {
			retrieval: AccountId::from(r.public().0),
			block,
			size,
			signature: sign_place(pair, &file, &cache, block, size),
		};
		assert_eq!(check_place(&req(&r, 100, 1 << 20), &file, &cache, 110), Ok(()));
		// Another key claiming to be R.
		assert_eq!(
			check_place(&req(&other, 100, 1 << 20), &file, &cache, 110),
			Err(PlaceRefusal::BadSignature)
		);
		// Signed for another cache, file, size or block.
		assert_eq!(
			check_place(&req(&r, 100, 1 << 20), &file, &AccountId::from([8; 32]), 110),
			Err(PlaceRefusal::BadSignature)
		);
		assert_eq!(
			check_place(&req(&r, 100, 1 << 20), &Hash::repeat_byte(6), &cache, 110),
			Err(PlaceRefusal::BadSignature)
		);
		let mut bigger = req(&r, 100, 1 << 20);
		bigger.size += 1;
		assert_eq!(check_place(&bigger, &file, &cache, 110), Err(PlaceRefusal::BadSignature));
		let mut later = req(&r, 100, 1 << 20);
		later.block = 101;
		assert_eq!(check_place(&later, &file, &cache, 110), Err(PlaceRefusal::BadSignature));
		// Replayed 21 blocks later.
		assert_eq!(
			check_place(&req(&r, 100, 1 << 20), &file, &cache, 121),
			Err(PlaceRefusal::Stale { block: 100, best: 121 })
		);
		assert_eq!(PlaceRefusal::Stale { block: 0, best: 0 }.status(), StatusCode::FORBIDDEN);
		assert_eq!(PlaceRefusal::NotRetrievalNode.status(), StatusCode::FORBIDDEN);
		assert_eq!(
			PlaceRefusal::ContentMismatch(String::new()).status(),
			StatusCode::UNPROCESSABLE_ENTITY
		);
		assert_eq!(
			PlaceRefusal::SizeMismatch { expected: 1, got: 2 }.status(),
			StatusCode::UNPROCESSABLE_ENTITY
		);
	}

	#[test]
	fn the_headers_round_trip() {
		let r = sr25519::Pair::from_string("//CdnRetrieval", None).unwrap();
		let file = Hash::repeat_byte(7);
		let cache = AccountId::from([9; 32]);
		let sig = sign_place(&r, &file, &cache, 42, 1000);
		let mut h = HeaderMap::new();
		h.insert(H_RETRIEVAL, hash_hex(&r.public().0).parse().unwrap());
		h.insert(H_BLOCK, "42".parse().unwrap());
		h.insert(H_SIZE, "1000".parse().unwrap());
		assert_eq!(parse_place_headers(&h), Err(PlaceRefusal::Malformed(H_SIGNATURE)));
		h.insert(H_SIGNATURE, sp_core::bytes::to_hex(&sig.0, false).parse().unwrap());
		let req = parse_place_headers(&h).unwrap();
		assert_eq!((req.block, req.size), (42, 1000));
		assert_eq!(check_place(&req, &file, &cache, 50), Ok(()));
	}

	#[test]
	fn the_budget_is_rho_times_paid_over_the_reference_price() {
		let p = cdn_chain::reference_price();
		assert_eq!(p, 9_313_225, "0.01 CESS per GiB, rounded down");
		assert_eq!(cdn_chain::max_replicas(), 4);
		// The e2e's retrieval node is paid two 1 MiB downloads at 2·10¹² planck/byte:
		// A = 4 194 304 000 000 000 000; 4·A/p = 16 777 216·10¹² / 9 313 225 = 1 801 439 995 275.
		let paid: Balance = 2 * 2_000_000_000_000 * (1 << 20);
		assert_eq!(paid, 4_194_304_000_000_000_000);
		assert_eq!(budget(paid, 4, p), 1_801_439_995_275);
		// 1 CESS (one minimum winner): 4·10¹⁸ / 9 313 225 = 429 496 764 010 bytes = 400 GiB.
		assert_eq!(budget(1_000_000_000_000_000_000, 4, p), 429_496_764_010);
		// Below one byte's worth: nothing; exactly p/4: one byte.
		assert_eq!(budget(2_328_306, 4, p), 0);
		assert_eq!(budget(2_328_307, 4, p), 1);
		assert_eq!(budget(123, 4, 0), 0);
		// No overflow where paid·ρ exceeds u128.
		assert_eq!(budget(u128::MAX, 4, 8), u128::MAX / 2);
		// The same as the pallet's, for the runtime's constants.
		for paid in [0, 1, 2_328_307, 9_313_225, paid, 10u128.pow(30), u128::MAX / 8] {
			assert_eq!(
				budget(paid, 4, p),
				pallet_cdn::Pallet::<cess_runtime::Runtime>::attestation_budget(paid),
				"paid {paid}"
			);
		}
	}

	#[test]
	fn levels_never_exceed_the_budget() {
		assert_eq!(allocate(&[600, 500, 300], 1_000), vec![600, 400, 0]);
		assert_eq!(allocate(&[600, 500, 300], 10_000), vec![600, 500, 300]);
		assert_eq!(allocate(&[1 << 20], 0), vec![0]);
		assert_eq!(allocate(&[u64::MAX, u64::MAX], u128::MAX), vec![u64::MAX, u64::MAX]);
		for budget in [0u128, 1, 999, 1_400, 1_401, 5_000] {
			let l = allocate(&[600, 500, 300], budget);
			assert!(l.iter().map(|&x| u128::from(x)).sum::<u128>() <= budget);
			assert!(l.iter().zip([600, 500, 300]).all(|(a, h)| *a <= h));
		}
	}

	fn att(cycle: u32, cache: u8, level: u64, version: u32) -> Attested {
		let r = sr25519::Pair::from_string("//CdnRetrieval", None).unwrap();
		let attestation = Attestation {
			genesis: Hash::repeat_byte(1),
			retrieval: AccountId::from(r.public().0),
			cache: AccountId::from([cache; 32]),
			cycle,
			level,
			version,
		};
		let signature = r.sign(&tickets::attestation_payload(&attestation));
		Attested { attestation, signature, submitted: false }
	}

	#[test]
	fn the_attestation_is_the_pallets_payload_signed_raw() {
		let a = att(3, 0x22, 1 << 20, 1);
		let p = tickets::attestation_payload(&a.attestation);
		// "cess-cdn-attest:" ‖ genesis ‖ R ‖ C ‖ u32 cycle ‖ u64 level ‖ u32 version.
		assert_eq!(p.len(), 16 + 32 + 32 + 32 + 4 + 8 + 4);
		assert_eq!(&p[..16], b"cess-cdn-attest:");
		assert_eq!(&p[16..48], &[1; 32]);
		assert_eq!(&p[80..112], &[0x22; 32]);
		assert_eq!(&p[112..116], &[3, 0, 0, 0]);
		assert_eq!(&p[116..124], &[0, 0, 0x10, 0, 0, 0, 0, 0]);
		assert_eq!(&p[124..128], &[1, 0, 0, 0]);
		assert!(attestation_valid(&a.attestation, &a.signature));
		let mut higher = a.attestation.clone();
		higher.level += 1;
		assert!(!attestation_valid(&higher, &a.signature), "the level is signed");
		// Not the polkadot.js `<Bytes>` form: that one is `SigForm::Bytes`.
		let public =
			sr25519::Public::from_raw(*AsRef::<[u8; 32]>::as_ref(&a.attestation.retrieval));
		assert!(!sr25519::Pair::verify(&a.signature, tickets::wrapped_payload(&p), &public));
	}

	#[test]
	fn a_reopened_journal_keeps_placements_and_the_latest_attestations() {
		let d = tmpdir("journal");
		let mut j = Journal::open(&d).unwrap();
		let c = AccountId::from([0x22; 32]);
		j.add(Placed { peer: c.clone(), file: Hash::repeat_byte(1), size: 100, block: 5 }).unwrap();
		j.add(Placed { peer: c.clone(), file: Hash::repeat_byte(2), size: 50, block: 6 }).unwrap();
		// The same file again replaces.
		j.add(Placed { peer: c.clone(), file: Hash::repeat_byte(1), size: 100, block: 9 }).unwrap();
		assert!(j.note(att(3, 0x22, 150, 1)).unwrap());
		assert!(j.note(att(3, 0x22, 100, 2)).unwrap());
		assert!(!j.note(att(3, 0x22, 999, 2)).unwrap(), "not a higher version");
		assert!(j.note(att(3, 0x33, 10, 1)).unwrap());
		j.mark_submitted(3, &c, &att(3, 0x22, 0, 0).attestation.retrieval, 2).unwrap();
		drop(j);
		let mut j = Journal::open(&d).unwrap();
		assert_eq!(
			j.with(&c).iter().map(|p| (p.size, p.block)).collect::<Vec<_>>(),
			vec![(50, 6), (100, 9)]
		);
		let r = att(3, 0x22, 0, 0).attestation.retrieval;
		let latest = j.latest(3, &c, &r).unwrap();
		assert_eq!(
			(latest.attestation.level, latest.attestation.version, latest.submitted),
			(100, 2, true)
		);
		assert_eq!(j.attestations.len(), 2);
		// A new cycle forgets the old one's.
		assert!(j.note(att(4, 0x22, 100, 1)).unwrap());
		assert_eq!(j.attestations.len(), 1);
		j.retain(|p| p.size > 60).unwrap();
		drop(j);
		let j = Journal::open(&d).unwrap();
		assert_eq!(j.placed.len(), 1);
		assert!(j.has(&c, &Hash::repeat_byte(1)) && !j.has(&c, &Hash::repeat_byte(2)));
		fs::remove_dir_all(d).unwrap();
	}
}
