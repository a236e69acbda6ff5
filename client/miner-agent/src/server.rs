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
//! Plain HTTP/1.1, one thread per connection, `Connection: close`: uploads are rare and
//! large, and a miner serves a handful of users at a time.

use crate::{
	auth::{self, Headers, Method},
	chain::{Chain, FilePlacement},
	rpc::find,
	store::{hash_hex, parse_hash, DataDir, FragmentKey},
};
use cess_runtime::AccountId;
use cess_storage_proof::{fragment_root, Params};
use serde::Serialize;
use serde_json::json;
use sp_core::H256;
use std::{
	collections::BTreeSet,
	io::{self, Read, Write},
	net::{TcpListener, TcpStream},
	sync::{Arc, Mutex},
	time::Duration,
};

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

/// State shared by the main loop and the HTTP threads.
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

/// Serves HTTP on `listener` in a background thread.
pub fn serve(listener: TcpListener, shared: Arc<Shared>) {
	std::thread::spawn(move || {
		for stream in listener.incoming() {
			let Ok(stream) = stream else { continue };
			let shared = shared.clone();
			std::thread::spawn(move || {
				if let Err(e) = handle(stream, &shared) {
					log::debug!(target: crate::LOG_TARGET, "HTTP connection: {e}");
				}
			});
		}
	});
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

const MAX_HEADER: usize = 16 * 1024;

fn handle(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
	stream.set_read_timeout(Some(Duration::from_secs(60)))?;
	let mut buf = Vec::new();
	let mut chunk = [0u8; 8192];
	let header_end = loop {
		if let Some(i) = find(&buf, b"\r\n\r\n") {
			break i;
		}
		if buf.len() > MAX_HEADER {
			return respond(&mut stream, Response::error(431, "headers too large"));
		}
		let n = stream.read(&mut chunk)?;
		if n == 0 {
			return Ok(());
		}
		buf.extend_from_slice(&chunk[..n]);
	};
	let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
	let mut lines = head.split("\r\n");
	let mut request_line = lines.next().unwrap_or_default().split_whitespace();
	let method = request_line.next().unwrap_or_default().to_string();
	let path = request_line.next().unwrap_or_default().to_string();
	let mut length = 0usize;
	let mut expect_continue = false;
	let mut signed = Headers::default();
	for line in lines {
		if let Some((name, value)) = line.split_once(':') {
			signed.note(name, value);
			match name.trim().to_ascii_lowercase().as_str() {
				"content-length" => length = value.trim().parse().unwrap_or(usize::MAX),
				"expect" => expect_continue = value.trim().eq_ignore_ascii_case("100-continue"),
				_ => {}
			}
		}
	}
	let response = match (method.as_str(), route(&path)) {
		("GET", Route::Status) => status(shared),
		("GET", Route::Fragment(key)) => download(shared, key, &signed),
		("PUT", Route::Fragment(key)) => {
			// Refuse before reading the body: only the owner may upload.
			let already = buf.len().saturating_sub(header_end + 4);
			let limit = shared.params.fragment_size;
			let (placement, signer) = match authenticate(shared, key, &signed, Method::Put) {
				Ok(found) => found,
				Err(response) => return refuse(&mut stream, response, already, length, limit),
			};
			if signer != placement.owner {
				return refuse(
					&mut stream,
					Response::error(403, "only the file owner may upload its fragments"),
					already,
					length,
					limit,
				);
			}
			if length as u64 > shared.params.fragment_size {
				return refuse(
					&mut stream,
					Response::error(
						413,
						format!("a fragment is at most {} bytes", shared.params.fragment_size),
					),
					already,
					length,
					limit,
				);
			}
			if expect_continue {
				stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
			}
			let mut body = buf[header_end + 4..].to_vec();
			body.truncate(length);
			while body.len() < length {
				let n = stream.read(&mut chunk)?;
				if n == 0 {
					return respond(&mut stream, Response::error(400, "body cut short"));
				}
				let take = n.min(length - body.len());
				body.extend_from_slice(&chunk[..take]);
			}
			upload(shared, key, &body, placement)
		}
		(_, Route::Unknown) => Response::error(404, "no such resource"),
		_ => Response::error(405, "method not allowed"),
	};
	respond(&mut stream, response)
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

/// Answers a request whose body is refused unread, then reads and discards what the client is
/// still sending (at most `limit` bytes, 10 s): closing a socket with unread bytes makes the
/// kernel reset the connection, and a client still uploading would see the reset instead of
/// the answer (seen with 8 MiB uploads refused with 401 on a loaded machine).
fn refuse(
	stream: &mut TcpStream,
	response: Response,
	already: usize,
	length: usize,
	limit: u64,
) -> io::Result<()> {
	respond(stream, response)?;
	let mut left = length.saturating_sub(already).min(usize::try_from(limit).unwrap_or(usize::MAX));
	stream.set_read_timeout(Some(Duration::from_secs(10)))?;
	let mut chunk = [0u8; 8192];
	while left > 0 {
		match stream.read(&mut chunk) {
			Ok(0) | Err(_) => break,
			Ok(n) => left = left.saturating_sub(n),
		}
	}
	Ok(())
}

fn respond(stream: &mut TcpStream, response: Response) -> io::Result<()> {
	let reason = match response.code {
		200 => "OK",
		400 => "Bad Request",
		401 => "Unauthorized",
		403 => "Forbidden",
		404 => "Not Found",
		405 => "Method Not Allowed",
		413 => "Payload Too Large",
		422 => "Unprocessable Entity",
		431 => "Request Header Fields Too Large",
		503 => "Service Unavailable",
		_ => "Internal Server Error",
	};
	let head = format!(
		"HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
		response.code,
		response.content_type,
		response.body.len()
	);
	stream.write_all(head.as_bytes())?;
	stream.write_all(&response.body)?;
	stream.flush()
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
