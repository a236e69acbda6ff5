//! The agent's HTTP endpoint: users upload fragment bytes, anyone retrieves them, operators
//! read the status.
//!
//! * `PUT /fragments/<0xfile>/<fragment>/<replica>`: the body is the fragment, signed by the
//!   file owner ([`crate::auth`]). It is kept only if that replica is assigned to this miner on
//!   chain and the bytes' Merkle root is the declared root; the agent then confirms it on
//!   chain. 200 `{"stored":true,...}`; 401 unsigned or bad signature, 403 not the owner, 404
//!   not assigned here, 422 root mismatch, 413 larger than a fragment.
//! * `GET /fragments/<0xfile>/<fragment>/<replica>`: the stored bytes, for a signed request
//!   of the file owner or of a miner the fragment is moving to (401 / 403 otherwise).
//! * `GET /status`: the agent's progress as JSON (see [`Status`]).
//!
//! Served by `axum` (hyper, HTTP/1.1) on a small runtime of its own, with three limits:
//! a body is read only after its request is authenticated, and never beyond one fragment
//! ([`Params::fragment_size`], else 413); at most [`MAX_IN_FLIGHT`] requests are handled at
//! once (more wait, within their timeout); a request gets [`REQUEST_TIMEOUT`] in all and
//! [`BODY_IDLE_TIMEOUT`] between two pieces of its body (408 after either).

use crate::{
	auth::{self, Headers, Method},
	chain::{Chain, FilePlacement},
	store::{hash_hex, parse_hash, DataDir, FragmentKey},
};
use axum::{
	body::Body,
	extract::{Request, State},
	http::{header, HeaderMap, StatusCode},
	response::IntoResponse,
	Router,
};
use cess_runtime::AccountId;
use cess_storage_proof::{fragment_root, Params};
use futures::StreamExt;
use serde::Serialize;
use serde_json::json;
use sp_core::H256;
use std::{
	collections::BTreeSet,
	net::TcpListener,
	sync::{Arc, Mutex},
	time::Duration,
};
use tokio::sync::Semaphore;

/// Requests handled at once; more wait for a slot (within their [`REQUEST_TIMEOUT`]).
pub const MAX_IN_FLIGHT: usize = 16;
/// The longest a request may take, from its headers to its answer (an 8 MiB body on a slow
/// link included).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest a client may pause while sending a body.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a refused upload's body is still read and discarded (see [`refuse`]).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// What `GET /status` reports.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Status {
	/// The miner account (SS58).
	pub account: String,
	/// On-chain state (`Positive`, `Frozen`, ...), `null` before registration.
	pub state: Option<String>,
	/// Fillers sealed on disk.
	pub sealed_fillers: u64,
	/// Fillers committed on chain.
	pub committed_fillers: u64,
	/// Fragment replicas stored on disk.
	pub fragments: u64,
	/// The last round whose proof was included.
	pub last_proved_round: Option<u32>,
	/// The best block the agent has seen.
	pub best_block: u32,
	/// The transaction in flight, if any.
	pub in_flight: Option<String>,
}

/// State shared by the main loop and the HTTP server.
pub struct Shared {
	/// The chain connection (one short HTTP request per call, safe to share).
	pub chain: Chain,
	/// The data directory.
	pub dir: DataDir,
	/// The miner account.
	pub account: AccountId,
	/// Proof parameters (fragment size, ...).
	pub params: Params,
	/// The status page.
	pub status: Mutex<Status>,
	/// Stored replicas the main loop still has to confirm.
	pub unconfirmed: Mutex<BTreeSet<FragmentKey>>,
	/// The miner's key, to sign its own fragment requests to other miners.
	pub key: sp_core::sr25519::Pair,
}

struct Server {
	shared: Arc<Shared>,
	slots: Arc<Semaphore>,
}

/// Serves HTTP on `listener` in a background thread (with its own two-thread runtime).
pub fn serve(listener: TcpListener, shared: Arc<Shared>) {
	std::thread::spawn(move || {
		let runtime = match tokio::runtime::Builder::new_multi_thread()
			.worker_threads(2)
			.thread_name("miner-http")
			.enable_all()
			.build()
		{
			Ok(r) => r,
			Err(e) => {
				log::error!(target: crate::LOG_TARGET, "HTTP server: {e}");
				return;
			}
		};
		let result = runtime.block_on(async move {
			listener.set_nonblocking(true)?;
			let listener = tokio::net::TcpListener::from_std(listener)?;
			axum::serve(listener, router(shared)).await
		});
		if let Err(e) = result {
			log::error!(target: crate::LOG_TARGET, "HTTP server stopped: {e}");
		}
	});
}

/// Every request goes to [`handle`], which routes it itself ([`route`]).
fn router(shared: Arc<Shared>) -> Router {
	let server = Arc::new(Server { shared, slots: Arc::new(Semaphore::new(MAX_IN_FLIGHT)) });
	Router::new().fallback(handle).with_state(server)
}

struct Response {
	code: u16,
	content_type: &'static str,
	body: Vec<u8>,
}

impl Response {
	fn json(code: u16, value: serde_json::Value) -> Self {
		Self { code, content_type: "application/json", body: value.to_string().into_bytes() }
	}

	fn error(code: u16, message: impl Into<String>) -> Self {
		Self::json(code, json!({ "error": message.into() }))
	}
}

impl IntoResponse for Response {
	fn into_response(self) -> axum::response::Response {
		let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
		(code, [(header::CONTENT_TYPE, self.content_type)], self.body).into_response()
	}
}

async fn handle(State(server): State<Arc<Server>>, request: Request) -> Response {
	let work = async {
		let Ok(_slot) = server.slots.clone().acquire_owned().await else {
			return Response::error(503, "shutting down");
		};
		answer(server.shared.clone(), request).await
	};
	match tokio::time::timeout(REQUEST_TIMEOUT, work).await {
		Ok(response) => response,
		Err(_) => Response::error(408, format!("not done within {} s", REQUEST_TIMEOUT.as_secs())),
	}
}

/// Runs blocking chain and disk work off the runtime's threads.
async fn blocking(f: impl FnOnce() -> Response + Send + 'static) -> Response {
	tokio::task::spawn_blocking(f)
		.await
		.unwrap_or_else(|e| Response::error(500, format!("handler failed: {e}")))
}

fn signed_headers(headers: &HeaderMap) -> Headers {
	let mut signed = Headers::default();
	for (name, value) in headers {
		if let Ok(value) = value.to_str() {
			signed.note(name.as_str(), value);
		}
	}
	signed
}

async fn answer(shared: Arc<Shared>, request: Request) -> Response {
	let (parts, body) = request.into_parts();
	let signed = signed_headers(&parts.headers);
	match (parts.method.as_str(), route(parts.uri.path())) {
		("GET", Route::Status) => status(&shared),
		("GET", Route::Fragment(key)) => blocking(move || download(&shared, key, &signed)).await,
		("PUT", Route::Fragment(key)) => put(shared, key, signed, &parts.headers, body).await,
		(_, Route::Unknown) => Response::error(404, "no such resource"),
		_ => Response::error(405, "method not allowed"),
	}
}

/// `PUT /fragments/…`: refused before the body is read unless the owner signed it and it
/// fits in a fragment; then read (at most a fragment) and checked against the declared root.
async fn put(
	shared: Arc<Shared>,
	key: FragmentKey,
	signed: Headers,
	headers: &HeaderMap,
	body: Body,
) -> Response {
	let limit = shared.params.fragment_size;
	let length = headers
		.get(header::CONTENT_LENGTH)
		.and_then(|v| v.to_str().ok())
		.map(|v| v.trim().parse::<u64>().unwrap_or(u64::MAX));
	let expect_continue = headers
		.get(header::EXPECT)
		.and_then(|v| v.to_str().ok())
		.is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"));
	let s = shared.clone();
	let found = tokio::task::spawn_blocking(move || authenticate(&s, key, &signed, Method::Put))
		.await
		.unwrap_or_else(|e| Err(Response::error(500, format!("handler failed: {e}"))));
	let placement = match found {
		Ok((placement, signer)) if signer == placement.owner => placement,
		Ok(_) => {
			let refusal = Response::error(403, "only the file owner may upload its fragments");
			return refuse(refusal, body, expect_continue, limit).await;
		}
		Err(refusal) => return refuse(refusal, body, expect_continue, limit).await,
	};
	let too_large = || Response::error(413, format!("a fragment is at most {limit} bytes"));
	if length.is_some_and(|l| l > limit) {
		return refuse(too_large(), body, expect_continue, limit).await;
	}
	// Reading the body is what sends `100 Continue` to a client that asked for it.
	let mut bytes = Vec::with_capacity(length.unwrap_or(0).min(limit) as usize);
	let mut stream = body.into_data_stream();
	loop {
		match tokio::time::timeout(BODY_IDLE_TIMEOUT, stream.next()).await {
			Err(_) => return Response::error(408, "the body stalled"),
			Ok(None) => break,
			Ok(Some(Err(e))) => return Response::error(400, format!("body cut short: {e}")),
			Ok(Some(Ok(chunk))) => {
				if bytes.len() as u64 + chunk.len() as u64 > limit {
					return too_large();
				}
				bytes.extend_from_slice(&chunk);
			}
		}
	}
	if length.is_some_and(|l| l != bytes.len() as u64) {
		return Response::error(400, "body cut short");
	}
	blocking(move || upload(&shared, key, &bytes, placement)).await
}

enum Route {
	Status,
	Fragment(FragmentKey),
	Unknown,
}

/// The replica a `/fragments/<0xfile>/<fragment>/<replica>` path names.
pub fn fragment_key(path: &str) -> Option<FragmentKey> {
	match route(path) {
		Route::Fragment(key) => Some(key),
		_ => None,
	}
}

fn route(path: &str) -> Route {
	if path == "/status" {
		return Route::Status;
	}
	let mut parts = path.trim_start_matches('/').split('/');
	match (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()) {
		(Some("fragments"), Some(file), Some(fragment), Some(replica), None) => {
			match (parse_hash(file), fragment.parse(), replica.parse()) {
				(Some(file), Ok(fragment), Ok(replica)) => {
					Route::Fragment(FragmentKey { file: H256::from(file), fragment, replica })
				}
				_ => Route::Unknown,
			}
		}
		_ => Route::Unknown,
	}
}

fn status(shared: &Shared) -> Response {
	let status = shared.status.lock().map(|s| s.clone()).unwrap_or_default();
	match serde_json::to_value(status) {
		Ok(v) => Response::json(200, v),
		Err(e) => Response::error(500, e.to_string()),
	}
}

/// Checks a request's signature and reads the file's placement: the placement and the signer,
/// or the error response (401 bad signature, 404 unknown file, 503 no chain).
fn authenticate(
	shared: &Shared,
	key: FragmentKey,
	signed: &Headers,
	method: Method,
) -> Result<(FilePlacement, AccountId), Response> {
	let best = shared
		.chain
		.best_number()
		.map_err(|e| Response::error(503, format!("chain unavailable: {e}")))?;
	let signer = auth::verify(signed, method, &key, best)
		.map_err(|e| Response::error(401, e.to_string()))?;
	match shared.chain.file_placement(key.file) {
		Ok(Some(p)) => Ok((p, signer)),
		Ok(None) => Err(Response::error(404, "unknown file")),
		Err(e) => Err(Response::error(503, format!("chain unavailable: {e}"))),
	}
}

/// Whether `who` may download a replica of `key.fragment`: the file owner, or a miner a
/// replica of that fragment is assigned to and not yet confirmed (it is moving there).
pub fn may_download(placement: &FilePlacement, key: &FragmentKey, who: &AccountId) -> bool {
	*who == placement.owner
		|| placement
			.fragments
			.iter()
			.filter(|f| f.fragment == key.fragment)
			.any(|f| f.replicas.iter().any(|r| r.miner.as_ref() == Some(who) && !r.confirmed))
}

fn download(shared: &Shared, key: FragmentKey, signed: &Headers) -> Response {
	let (placement, signer) = match authenticate(shared, key, signed, Method::Get) {
		Ok(found) => found,
		Err(response) => return response,
	};
	if !may_download(&placement, &key, &signer)
		&& !auth::cdn_grant_allows(
			&shared.chain,
			signed,
			key.file.as_fixed_bytes(),
			&placement.owner,
			&signer,
		) {
		return Response::error(
			403,
			"only the file owner, a miner the fragment is moving to, or a CD²N node the owner granted the file may download it",
		);
	}
	match shared.dir.read_fragment(&key) {
		Some(body) => Response { code: 200, content_type: "application/octet-stream", body },
		None => Response::error(404, "fragment not stored here"),
	}
}

fn upload(shared: &Shared, key: FragmentKey, body: &[u8], placement: FilePlacement) -> Response {
	// Declared but not placed yet: no replica has a miner before block `place_at`.
	if let Some(at) = placement.place_at {
		return Response::error(
			409,
			format!("not placed yet: replicas are assigned at block {at}"),
		);
	}
	let Some(fragment) = placement.fragments.iter().find(|f| f.fragment == key.fragment) else {
		return Response::error(404, "the file has no such fragment");
	};
	let Some(replica) = fragment
		.replicas
		.iter()
		.find(|r| r.replica == key.replica && r.miner.as_ref() == Some(&shared.account))
	else {
		return Response::error(404, "this replica is not assigned to this miner");
	};
	let root = match fragment_root(&shared.params, body) {
		Ok(root) => root,
		Err(e) => return Response::error(413, format!("{e:?}")),
	};
	if root != fragment.root {
		return Response::error(
			422,
			format!(
				"Merkle root {} does not match the declared root {}",
				hash_hex(&root),
				hash_hex(&fragment.root)
			),
		);
	}
	if let Err(e) = shared.dir.write_fragment(&key, body) {
		return Response::error(500, format!("storing: {e}"));
	}
	log::info!(
		target: crate::LOG_TARGET,
		"stored fragment {} #{} replica {} ({} bytes)",
		hash_hex(key.file.as_bytes()),
		key.fragment,
		key.replica,
		body.len()
	);
	if !replica.confirmed {
		if let Ok(mut set) = shared.unconfirmed.lock() {
			set.insert(key);
		}
	}
	Response::json(
		200,
		json!({ "stored": true, "root": hash_hex(&root), "confirmed": replica.confirmed }),
	)
}

/// Reads and discards what the client of a refused upload is still sending (at most `limit`
/// bytes, [`DRAIN_TIMEOUT`]) before answering: closing a socket with unread bytes makes the
/// kernel reset the connection, and a client still uploading would see the reset instead of
/// the answer (seen with 8 MiB uploads refused with 401 on a loaded machine). A client that
/// asked `Expect: 100-continue` has sent nothing yet and is answered at once.
async fn refuse(response: Response, body: Body, expect_continue: bool, limit: u64) -> Response {
	if !expect_continue {
		let drain = async {
			let mut seen: u64 = 0;
			let mut stream = body.into_data_stream();
			while let Some(Ok(chunk)) = stream.next().await {
				seen = seen.saturating_add(chunk.len() as u64);
				if seen > limit {
					break;
				}
			}
		};
		let _ = tokio::time::timeout(DRAIN_TIMEOUT, drain).await;
	}
	response
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_the_owner_and_a_miner_the_fragment_moves_to_may_download() {
		use pallet_file_bank::{FileState, FragmentPlacement, ReplicaPlacement};
		let acc = |b: u8| AccountId::new([b; 32]);
		let slot = |replica: u8, miner: u8, confirmed: bool| ReplicaPlacement {
			replica,
			miner: Some(acc(miner)),
			confirmed,
			miner_index: None,
			deadline: None,
		};
		// Owner 9; replica 0 confirmed on 3, replica 1 moving to 4.
		let placement = FilePlacement {
			owner: acc(9),
			size: 1,
			redundancy: 2,
			coding: pallet_file_bank::Coding::REPLICATED,
			state: FileState::Pending,
			stored_space: 1,
			place_at: None,
			fragments: vec![FragmentPlacement {
				fragment: 0,
				root: [0; 32],
				replicas: vec![slot(0, 3, true), slot(1, 4, false)],
			}],
		};
		let key = FragmentKey { file: H256::repeat_byte(1), fragment: 0, replica: 0 };
		assert!(may_download(&placement, &key, &acc(9)), "the owner");
		assert!(may_download(&placement, &key, &acc(4)), "the miner replica 1 moves to");
		assert!(!may_download(&placement, &key, &acc(3)), "a co-holder with its own copy");
		assert!(!may_download(&placement, &key, &acc(5)), "a stranger");
		let other = FragmentKey { fragment: 1, ..key };
		assert!(!may_download(&placement, &other, &acc(4)), "not for another fragment");
	}

	/// The real server on a loopback port, its chain unreachable: routing, and a refused
	/// 8 MiB upload answered (its body drained), not reset.
	#[test]
	fn the_server_routes_and_answers_refused_uploads() {
		let dir = std::env::temp_dir().join(format!("cess-agent-server-{}", std::process::id()));
		let shared = Arc::new(Shared {
			// Port 1 on loopback: nothing listens.
			chain: Chain::new("http://127.0.0.1:1").unwrap(),
			dir: DataDir::open(&dir).unwrap(),
			account: AccountId::new([1; 32]),
			params: crate::proof_params(),
			status: Mutex::new(Status { account: "miner".into(), ..Default::default() }),
			unconfirmed: Default::default(),
			key: <sp_core::sr25519::Pair as sp_core::Pair>::from_string("//Eve", None).unwrap(),
		});
		let listener = TcpListener::bind("127.0.0.1:0").unwrap();
		let base = format!("http://{}", listener.local_addr().unwrap());
		serve(listener, shared);
		let status = attohttpc::get(format!("{base}/status")).send().unwrap();
		assert_eq!(status.status().as_u16(), 200);
		assert_eq!(status.headers()["content-type"], "application/json");
		let v: serde_json::Value = serde_json::from_str(&status.text().unwrap()).unwrap();
		assert_eq!(v["account"], "miner");
		assert_eq!(
			attohttpc::get(format!("{base}/nothing")).send().unwrap().status().as_u16(),
			404
		);
		assert_eq!(
			attohttpc::delete(format!("{base}/status")).send().unwrap().status().as_u16(),
			405
		);
		let path = format!("{base}/fragments/{}/0/0", hash_hex(&[3u8; 32]));
		// The chain is down: 503 before the body is read; the 8 MiB are still taken.
		let put = attohttpc::put(&path).bytes(vec![7u8; 8 << 20]).send().unwrap();
		assert_eq!(put.status().as_u16(), 503);
		assert!(put.text().unwrap().contains("chain unavailable"));
		let get = attohttpc::get(&path).send().unwrap();
		assert_eq!(get.status().as_u16(), 503);
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn routes() {
		assert!(matches!(route("/status"), Route::Status));
		let file = hash_hex(&[3u8; 32]);
		match route(&format!("/fragments/{file}/7/2")) {
			Route::Fragment(k) => {
				assert_eq!(k, FragmentKey { file: H256::repeat_byte(3), fragment: 7, replica: 2 })
			}
			_ => panic!("not a fragment route"),
		}
		assert!(matches!(route(&format!("/fragments/{file}/7")), Route::Unknown));
		assert!(matches!(route(&format!("/fragments/{file}/7/300")), Route::Unknown));
		assert!(matches!(route("/fragments/0x12/0/0"), Route::Unknown));
		assert!(matches!(route("/"), Route::Unknown));
	}
}
