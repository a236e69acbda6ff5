//! The node's HTTP API (axum).
//!
//! * `GET /quote/<0xfile>?payer=<0xkey|ss58>[&offset=N&length=N]`: the terms of one request
//!   ([`crate::ticket::Quote`]). 404 unknown file, 416 bad range.
//! * `GET /file/<0xfile>` with `X-CESS-Ticket` (and the owner's `X-CESS-Grant`,
//!   `X-CESS-Grant-Expires` when the file is not cached yet), optionally `Range: bytes=a-b`:
//!   the bytes (200, or 206 with `Content-Range`); `X-CESS-Cache: hit|miss`. 402 without a
//!   ticket the node accepts (the JSON says why), 403 no owner grant for a fetch, 502 the
//!   miners did not give the file, 503 the chain is unreachable.
//! * `GET /status`: JSON; `GET /metrics`: Prometheus text.
//! * Cache nodes: `PUT /place/<0xfile>`, `GET /held/<retrieval>`, `POST /attestation`
//!   ([`crate::placement`]).
//!
//! A ticket is checked and journaled (fsync) before the fetch and before any byte is sent; if
//! the fetch fails the ticket is moved to `refused/` and never submitted.

// Handlers return the error response itself (axum's idiom).
#![allow(clippy::result_large_err)]

use crate::{
	chain as cdn_chain,
	metrics::Metrics,
	store::{Stage, Stored},
	ticket::{self, Context, Issued, Quote},
	Node, LOG_TARGET,
};
use axum::{
	body::Body,
	extract::{Path, Query, State},
	http::{header, HeaderMap, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post, put},
	Json, Router,
};
use cess_miner_agent::{
	auth::{self, Method},
	store::{hash_hex, FragmentKey},
};
use cess_runtime::{AccountId, Hash};
use serde::Deserialize;
use serde_json::json;
use sp_core::{crypto::Ss58Codec, H256};
use std::{
	io::{Read, Seek, SeekFrom},
	sync::{atomic::Ordering::Relaxed, Arc},
	time::{Duration, Instant},
};

/// Quotes older than this are forgotten (the ticket they priced must arrive before).
pub const QUOTE_TTL: Duration = Duration::from_secs(300);
/// Most open quotes (older ones are pruned first; then new quotes are refused with 503).
pub const MAX_QUOTES: usize = 100_000;

/// The router.
pub fn router(node: Arc<Node>) -> Router {
	Router::new()
		.route("/quote/{file}", get(quote))
		.route("/file/{file}", get(file))
		.route("/status", get(status))
		.route("/metrics", get(metrics))
		.route("/place/{file}", put(crate::placement::place))
		.route("/held/{retrieval}", get(crate::placement::held))
		.route("/attestation", post(crate::placement::attestation))
		.with_state(node)
}

/// A JSON `{"error": …}` response (also used by the placement endpoints).
pub(crate) fn error(code: StatusCode, message: impl Into<String>) -> Response {
	(code, Json(json!({ "error": message.into() }))).into_response()
}

pub(crate) fn parse_account(text: &str) -> Option<AccountId> {
	if text.starts_with("0x") {
		let b = sp_core::bytes::from_hex(text).ok()?;
		return <[u8; 32]>::try_from(b.as_slice()).ok().map(AccountId::from);
	}
	AccountId::from_ss58check_with_version(text).ok().map(|(a, _)| a)
}

fn parse_file(text: &str) -> Result<Hash, Response> {
	cess_miner_agent::store::parse_hash(text)
		.map(Hash::from)
		.ok_or_else(|| error(StatusCode::BAD_REQUEST, "not a 0x-prefixed 32-byte file hash"))
}

/// A `Range` header this node does not satisfy (416).
#[derive(Debug, PartialEq, Eq)]
pub struct BadRange;

/// `(offset, length)` of `Range: bytes=…` within `size`, `None` for no header.
pub fn parse_range(value: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, BadRange> {
	let Some(v) = value else { return Ok(None) };
	let spec = v.trim().strip_prefix("bytes=").ok_or(BadRange)?;
	if spec.contains(',') {
		return Err(BadRange);
	}
	let (a, b) = spec.split_once('-').ok_or(BadRange)?;
	let (start, end) = match (a.trim(), b.trim()) {
		("", n) => {
			let n: u64 = n.parse().map_err(|_| BadRange)?;
			if n == 0 || size == 0 {
				return Err(BadRange);
			}
			(size.saturating_sub(n), size - 1)
		}
		(a, "") => (a.parse().map_err(|_| BadRange)?, size.saturating_sub(1)),
		(a, b) => {
			let (a, b): (u64, u64) =
				(a.parse().map_err(|_| BadRange)?, b.parse().map_err(|_| BadRange)?);
			(a, b.min(size.saturating_sub(1)))
		}
	};
	if start >= size || end < start {
		return Err(BadRange);
	}
	Ok(Some((start, end - start + 1)))
}

/// Runs chain I/O off the async workers; a chain error is 503.
pub(crate) async fn blocking<T: Send + 'static>(
	f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, Response> {
	match tokio::task::spawn_blocking(f).await {
		Ok(Ok(v)) => Ok(v),
		Ok(Err(e)) => {
			Err(error(StatusCode::SERVICE_UNAVAILABLE, format!("chain unavailable: {e}")))
		}
		Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
	}
}

/// Owner and size of `file` (404 if unknown).
async fn file_info(node: &Arc<Node>, file: Hash) -> Result<(AccountId, u64, u32), Response> {
	let n = node.clone();
	let found = blocking(move || {
		let best = n.chain.best_number().map_err(|e| e.to_string())?;
		let p = n.chain.file_placement(file).map_err(|e| e.to_string())?;
		Ok((p.map(|p| (p.owner, p.size)), best))
	})
	.await?;
	node.best.store(found.1, Relaxed);
	match found.0 {
		Some((owner, size)) => Ok((owner, size, found.1)),
		None => Err(error(StatusCode::NOT_FOUND, "unknown file")),
	}
}

#[derive(Deserialize)]
struct QuoteQuery {
	payer: String,
	offset: Option<u64>,
	length: Option<u64>,
}

async fn quote(
	State(node): State<Arc<Node>>,
	Path(file): Path<String>,
	Query(q): Query<QuoteQuery>,
) -> Response {
	let file = match parse_file(&file) {
		Ok(f) => f,
		Err(r) => return r,
	};
	let Some(payer) = parse_account(&q.payer) else {
		return error(StatusCode::BAD_REQUEST, "payer: not an account");
	};
	let (_, size, best) = match file_info(&node, file).await {
		Ok(i) => i,
		Err(r) => return r,
	};
	let offset = q.offset.unwrap_or(0);
	let length = q.length.unwrap_or(size.saturating_sub(offset));
	if size == 0 || length == 0 || offset.checked_add(length).is_none_or(|end| end > size) {
		return error(StatusCode::RANGE_NOT_SATISFIABLE, format!("the file has {size} bytes"));
	}
	let n = node.clone();
	let p = payer.clone();
	let allowance = match blocking(move || cdn_chain::allowance(&n.chain, &p, &n.account)).await {
		Ok(a) => a,
		Err(r) => return r,
	};
	let amount = node.price.saturating_mul(u128::from(length));
	let (face_value, win_prob) = ticket::terms(amount, cdn_chain::min_face());
	let rand = H256(rand::random());
	let commitment = pallet_cdn::tickets::commitment(&rand);
	// Most of the lifetime (the node submits every few seconds), a margin for the clock of
	// the block that includes the batch.
	let lifetime = node.ticket_lifetime;
	let expires_at = best.saturating_add(lifetime.saturating_sub(lifetime / 8));
	let (seen, pending) = match node.journal.lock() {
		Ok(j) => (j.seen_nonce(&payer), j.pending_face(&payer)),
		Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "journal lock"),
	};
	let chain_highest = allowance.as_ref().map(ticket::chain_highest).unwrap_or(0);
	{
		let Ok(mut quotes) = node.quotes.lock() else {
			return error(StatusCode::INTERNAL_SERVER_ERROR, "quotes lock");
		};
		if quotes.len() >= MAX_QUOTES {
			quotes.retain(|_, i| i.at.elapsed() < QUOTE_TTL);
		}
		if quotes.len() >= MAX_QUOTES {
			return error(StatusCode::SERVICE_UNAVAILABLE, "too many open quotes");
		}
		quotes.insert(
			commitment,
			Issued {
				rand,
				file,
				offset,
				length,
				face_value,
				win_prob,
				kind: node.ticket_kind(),
				expires_at,
				at: Instant::now(),
			},
		);
	}
	node.metrics.quotes.fetch_add(1, Relaxed);
	Json(Quote {
		node: hash_hex(node.account.as_ref()),
		genesis: hash_hex(node.genesis.as_bytes()),
		file: hash_hex(file.as_bytes()),
		offset,
		length,
		price: node.price.to_string(),
		amount: amount.to_string(),
		face_value: face_value.to_string(),
		win_prob: win_prob.to_string(),
		kind: format!("{:?}", node.ticket_kind()),
		recipient_rand_hash: hash_hex(commitment.as_bytes()),
		allowance_opened_at: allowance.as_ref().map(|a| a.opened_at),
		allowance_free: allowance
			.map(|a| a.balance.saturating_sub(pending))
			.unwrap_or(0)
			.to_string(),
		nonce: chain_highest.max(seen).saturating_add(1),
		expires_at,
	})
	.into_response()
}

fn refuse(m: &Metrics, code: StatusCode, message: String) -> Response {
	m.refused.fetch_add(1, Relaxed);
	error(code, message)
}

async fn file(
	State(node): State<Arc<Node>>,
	Path(file): Path<String>,
	headers: HeaderMap,
) -> Response {
	let file = match parse_file(&file) {
		Ok(f) => f,
		Err(r) => return r,
	};
	let range_header = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).map(str::to_string);
	if node.bench_unmetered {
		return bench_serve(&node, file, range_header.as_deref()).await;
	}
	let Some(text) = headers.get(ticket::TICKET_HEADER).and_then(|v| v.to_str().ok()) else {
		return refuse(
			&node.metrics,
			StatusCode::PAYMENT_REQUIRED,
			"payment required: GET /quote/<file>?payer=… and send the signed ticket in X-CESS-Ticket".into(),
		);
	};
	let wire = match ticket::decode_header(text) {
		Ok(w) => w,
		Err(e) => return refuse(&node.metrics, StatusCode::PAYMENT_REQUIRED, e),
	};
	// One quote pays one request: take it out before anything else.
	let issued = node.quotes.lock().ok().and_then(|mut q| q.remove(&wire.0.recipient_rand_hash));
	let Some(issued) = issued else {
		return refuse(
			&node.metrics,
			StatusCode::PAYMENT_REQUIRED,
			ticket::Refusal::UnknownQuote.to_string(),
		);
	};
	let (owner, size, best) = match file_info(&node, file).await {
		Ok(i) => i,
		Err(r) => return r,
	};
	let (offset, length) = match parse_range(range_header.as_deref(), size) {
		Ok(Some(r)) => r,
		Ok(None) => (0, size),
		Err(BadRange) => {
			return error(StatusCode::RANGE_NOT_SATISFIABLE, format!("the file has {size} bytes"))
		}
	};
	let n = node.clone();
	let payer = wire.0.payer.clone();
	let allowance = match blocking(move || cdn_chain::allowance(&n.chain, &payer, &n.account)).await
	{
		Ok(a) => a,
		Err(r) => return r,
	};
	// Check and journal under one lock, so two requests cannot spend the same allowance.
	let started = Instant::now();
	let accepted = {
		let Ok(mut journal) = node.journal.lock() else {
			return error(StatusCode::INTERNAL_SERVER_ERROR, "journal lock");
		};
		let cx = Context {
			node: &node.account,
			genesis: &node.genesis,
			best,
			owner: &owner,
			allowance: allowance.as_ref(),
			pending: journal.pending_face(&wire.0.payer),
			seen_nonce: journal.seen_nonce(&wire.0.payer),
			max_jump: cdn_chain::max_jump(),
		};
		match ticket::check(&wire, &issued, file, offset, length, &cx) {
			Ok((signed, wins)) => {
				let hash = ticket::ticket_hash(&node.genesis, &node.account, &signed.ticket);
				let stored = Stored {
					signed,
					hash,
					wins,
					file,
					served: length,
					at_ms: std::time::SystemTime::now()
						.duration_since(std::time::UNIX_EPOCH)
						.map(|d| d.as_millis() as u64)
						.unwrap_or(0),
				};
				if let Err(e) = journal.record(stored) {
					log::error!(target: LOG_TARGET, "journal: {e}");
					return error(StatusCode::INTERNAL_SERVER_ERROR, "cannot journal the ticket");
				}
				(hash, wins)
			}
			Err(refusal) => {
				let code = match refusal {
					ticket::Refusal::NotOwner => StatusCode::FORBIDDEN,
					_ => StatusCode::PAYMENT_REQUIRED,
				};
				return refuse(&node.metrics, code, refusal.to_string());
			}
		}
	};
	node.metrics.ticket_us.fetch_add(started.elapsed().as_micros() as u64, Relaxed);
	node.metrics.tickets_accepted.fetch_add(1, Relaxed);
	if accepted.1 {
		node.metrics.tickets_won.fetch_add(1, Relaxed);
	}
	let (path, hit) = match ensure_cached(&node, file, &headers).await {
		Ok(found) => found,
		Err(r) => {
			// Not served: never submit the ticket.
			if let Ok(mut j) = node.journal.lock() {
				let _ = j.finish(&accepted.0, Stage::Refused);
			}
			node.metrics.failed.fetch_add(1, Relaxed);
			return r;
		}
	};
	let response = respond(&node, path, hit, offset, length, size, range_header.is_some()).await;
	if response.status().is_success() {
		crate::placement::note_served(&node, file);
	}
	response
}

async fn respond(
	node: &Arc<Node>,
	path: std::path::PathBuf,
	hit: bool,
	offset: u64,
	length: u64,
	size: u64,
	partial: bool,
) -> Response {
	let read = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
		let mut f = std::fs::File::open(&path)?;
		f.seek(SeekFrom::Start(offset))?;
		let mut buf = vec![0u8; length as usize];
		f.read_exact(&mut buf)?;
		Ok(buf)
	})
	.await;
	let body = match read {
		Ok(Ok(b)) => b,
		_ => {
			node.metrics.failed.fetch_add(1, Relaxed);
			return error(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the cached file");
		}
	};
	node.metrics.served.fetch_add(1, Relaxed);
	node.metrics.bytes.fetch_add(length, Relaxed);
	if hit {
		node.metrics.hits.fetch_add(1, Relaxed);
	} else {
		node.metrics.misses.fetch_add(1, Relaxed);
	}
	let mut builder = Response::builder()
		.status(if partial { StatusCode::PARTIAL_CONTENT } else { StatusCode::OK })
		.header(header::CONTENT_TYPE, "application/octet-stream")
		.header(header::ACCEPT_RANGES, "bytes")
		.header(header::CONTENT_LENGTH, length)
		.header("x-cess-cache", if hit { "hit" } else { "miss" });
	if partial {
		builder = builder.header(
			header::CONTENT_RANGE,
			format!("bytes {offset}-{}/{size}", offset + length - 1),
		);
	}
	builder
		.body(Body::from(body))
		.unwrap_or_else(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// `--bench-unmetered`: cached files only, no tickets.
async fn bench_serve(node: &Arc<Node>, file: Hash, range: Option<&str>) -> Response {
	let cached = node.cache.lock().map(|mut c| (c.touch(&file), c.path(&file))).ok();
	let Some((true, path)) = cached else {
		return error(StatusCode::NOT_FOUND, "not cached");
	};
	let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
	let (offset, length) = match parse_range(range, size) {
		Ok(Some(r)) => r,
		Ok(None) => (0, size),
		Err(BadRange) => return error(StatusCode::RANGE_NOT_SATISFIABLE, "bad range"),
	};
	respond(node, path, true, offset, length, size, range.is_some()).await
}

/// The cached path of `file` (fetching it from the miners first on a miss) and whether it
/// was a hit.
async fn ensure_cached(
	node: &Arc<Node>,
	file: Hash,
	headers: &HeaderMap,
) -> Result<(std::path::PathBuf, bool), Response> {
	let lock = {
		let Ok(mut f) = node.fetching.lock() else {
			return Err(error(StatusCode::INTERNAL_SERVER_ERROR, "lock"));
		};
		f.entry(file).or_default().clone()
	};
	let _guard = lock.lock().await;
	if let Ok(mut c) = node.cache.lock() {
		if c.touch(&file) {
			return Ok((c.path(&file), true));
		}
	}
	let mut grant = auth::Headers::default();
	for name in ["x-cess-grant", "x-cess-grant-expires"] {
		if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
			grant.note(name, v);
		}
	}
	let (Some(g), Some(e)) = (grant.grant.clone(), grant.grant_expires.clone()) else {
		return Err(error(
			StatusCode::FORBIDDEN,
			"not cached: send the owner's X-CESS-Grant and X-CESS-Grant-Expires so the node may fetch it",
		));
	};
	let tmp = node
		.cache
		.lock()
		.map(|c| c.tmp_path(&file))
		.map_err(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "lock"))?;
	let n = node.clone();
	let out = tmp.clone();
	let fetched = tokio::task::spawn_blocking(move || {
		let pair = n.session.signer.pair().clone();
		cess_storage_client::get::get_with(
			&n.session,
			file,
			&out,
			4,
			&|endpoint, key, block, limit| {
				fetch_fragment(endpoint, key, &pair, block, limit, &g, &e)
			},
		)
	})
	.await;
	match fetched {
		Ok(Ok(report)) => {
			let size = report.size;
			let Ok(mut c) = node.cache.lock() else {
				return Err(error(StatusCode::INTERNAL_SERVER_ERROR, "lock"));
			};
			match c.insert(file, &tmp, size) {
				Ok(true) => Ok((c.path(&file), false)),
				// Larger than the whole cache: served from the temporary file this once.
				Ok(false) => Ok((tmp, false)),
				Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e)),
			}
		}
		Ok(Err(e)) => {
			let _ = std::fs::remove_file(&tmp);
			log::warn!(target: LOG_TARGET, "fetching {file:?}: {e}");
			Err(error(StatusCode::BAD_GATEWAY, format!("the miners did not give the file: {e}")))
		}
		Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
	}
}

/// One fragment request signed by the node, with the owner's grant.
fn fetch_fragment(
	endpoint: &str,
	key: &FragmentKey,
	pair: &sp_core::sr25519::Pair,
	block: u32,
	limit: u64,
	grant: &str,
	expires: &str,
) -> Result<Vec<u8>, String> {
	let url = cess_storage_client::http::url(endpoint, key);
	let mut request = attohttpc::get(&url).timeout(cess_storage_client::http::REQUEST_TIMEOUT);
	for (name, value) in auth::sign(pair, Method::Get, key, block) {
		request = request.header(name, value);
	}
	request = request.header("X-CESS-Grant", grant).header("X-CESS-Grant-Expires", expires);
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
		return Err(format!("GET {url}: more than a fragment"));
	}
	Ok(body)
}

async fn status(State(node): State<Arc<Node>>) -> Response {
	let (pending, settled, refused, pending_face) = node
		.journal
		.lock()
		.map(|j| (j.pending_count(), j.settled_total, j.refused_total, j.pending_total()))
		.unwrap_or_default();
	let (used, files, limit) =
		node.cache.lock().map(|c| (c.used(), c.files(), c.limit())).unwrap_or_default();
	let mut v = node.metrics.json(pending, settled, refused);
	v["account"] = json!(cess_miner_agent::ss58(&node.account));
	v["kind"] = json!(format!("{:?}", node.kind));
	v["price"] = json!(node.price.to_string());
	v["best_block"] = json!(node.best.load(Relaxed));
	v["pending_face"] = json!(pending_face.to_string());
	v["cache_store"] = json!({ "bytes": used, "files": files, "limit": limit });
	v["placement"] = crate::placement::status(&node);
	Json(v).into_response()
}

async fn metrics(State(node): State<Arc<Node>>) -> Response {
	let (pending, settled, refused) = node
		.journal
		.lock()
		.map(|j| (j.pending_count(), j.settled_total, j.refused_total))
		.unwrap_or_default();
	let used = node.cache.lock().map(|c| c.used()).unwrap_or_default();
	let mut text = node.metrics.prometheus(pending, settled, refused, used);
	text.push_str(&node.metrics.placement.prometheus());
	([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

#[cfg(test)]
mod tests {
	use super::{parse_range, BadRange};

	#[test]
	fn ranges() {
		assert_eq!(parse_range(None, 100), Ok(None));
		assert_eq!(parse_range(Some("bytes=0-9"), 100), Ok(Some((0, 10))));
		assert_eq!(parse_range(Some("bytes=90-"), 100), Ok(Some((90, 10))));
		assert_eq!(parse_range(Some("bytes=-5"), 100), Ok(Some((95, 5))));
		// The end is clamped to the file.
		assert_eq!(parse_range(Some("bytes=50-500"), 100), Ok(Some((50, 50))));
		assert_eq!(parse_range(Some("bytes=100-"), 100), Err(BadRange));
		assert_eq!(parse_range(Some("bytes=9-3"), 100), Err(BadRange));
		assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Err(BadRange));
		assert_eq!(parse_range(Some("items=0-1"), 100), Err(BadRange));
	}
}
