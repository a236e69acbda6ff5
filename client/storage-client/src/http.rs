//! Signed fragment requests to miners' HTTP endpoints (`PUT`/`GET
//! /fragments/<0xfile>/<fragment>/<replica>`, headers from `cess_miner_agent::auth::sign`).

use cess_miner_agent::{
	auth::{self, Method},
	store::{hash_hex, FragmentKey},
};
use sp_core::sr25519;
use std::{io::Read, time::Duration};

/// Timeout of one fragment request (an 8 MiB body on a slow link).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The URL of `key` at a miner whose endpoint is `endpoint`.
pub fn url(endpoint: &str, key: &FragmentKey) -> String {
	format!(
		"{}/fragments/{}/{}/{}",
		endpoint.trim_end_matches('/'),
		hash_hex(key.file.as_bytes()),
		key.fragment,
		key.replica
	)
}

/// Uploads `body` as `key` to `endpoint`, signed by `pair` at block `block`.
pub fn put(
	endpoint: &str,
	key: &FragmentKey,
	body: &[u8],
	pair: &sr25519::Pair,
	block: u32,
) -> Result<(), String> {
	let url = url(endpoint, key);
	let mut request = attohttpc::put(&url).timeout(REQUEST_TIMEOUT);
	for (name, value) in auth::sign(pair, Method::Put, key, block) {
		request = request.header(name, value);
	}
	let response = request.bytes(body).send().map_err(|e| format!("PUT {url}: {e}"))?;
	if response.is_success() {
		return Ok(());
	}
	let status = response.status();
	let text = response.text().unwrap_or_default();
	Err(format!("PUT {url}: HTTP {status} {text}"))
}

/// Downloads `key` from `endpoint` (at most `limit` bytes), signed by `pair` at `block`.
pub fn get(
	endpoint: &str,
	key: &FragmentKey,
	pair: &sr25519::Pair,
	block: u32,
	limit: u64,
) -> Result<Vec<u8>, String> {
	let url = url(endpoint, key);
	let mut request = attohttpc::get(&url).timeout(REQUEST_TIMEOUT);
	for (name, value) in auth::sign(pair, Method::Get, key, block) {
		request = request.header(name, value);
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
