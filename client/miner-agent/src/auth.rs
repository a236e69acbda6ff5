//! Signed fragment requests: who may upload or download a replica at a miner's endpoint.
//!
//! Without this anyone could download any fragment from any miner — which also let a miner that
//! deleted its copy fetch it from a co-holder when challenged — and anyone could fill a miner's
//! upload slot. Every `PUT` and `GET /fragments/…` therefore carries three headers:
//!
//! ```text
//! X-CESS-Account:   the signer's sr25519 public key (0x + 64 hex) or SS58 address
//! X-CESS-Block:     a recent block number (the signer's view of the best block)
//! X-CESS-Signature: 0x + 128 hex, sr25519 over
//!                   "cess/fragment-request/v1" ‖ method (0 GET, 1 PUT) ‖ file (32 bytes)
//!                   ‖ fragment (u32 LE) ‖ replica (u8) ‖ block (u32 LE)
//! ```
//!
//! The block bounds replays to [`MAX_AGE`] blocks; a replayed request can only repeat what its
//! signer allowed (an upload is checked against the declared root anyway). Who may do what is
//! decided from the chain (see the server): the file owner uploads and downloads; a miner to
//! which a replica of the fragment is assigned and not yet confirmed (a replica moving to it)
//! downloads. Missing or bad headers: 401; a valid signer without the right: 403.
//!
//! **CD²N nodes** ([`cdn_grant_allows`]). A registered CD²N node (`Cdn::Nodes` on chain, which
//! costs its deposit) may download the fragments of a file whose owner granted it that file.
//! A lottery ticket cannot be the authority: it names no file, and a user may pay a node for
//! any content, so the owner's consent is a separate signature that the user client sends to
//! the node with its request and the node forwards to the miners:
//!
//! ```text
//! X-CESS-Grant:         0x + 128 hex, sr25519 by the FILE OWNER over
//!                       "cess/cdn-grant/v1" ‖ file (32 bytes) ‖ node (32 bytes) ‖ expires (u32 LE)
//! X-CESS-Grant-Expires: the last block (inclusive) at which the grant is valid
//! ```
//!
//! The request itself is signed by the node (the three headers above, `X-CESS-Account` = the
//! node), so a grant is useless to anyone but the node it names; it is accepted only for
//! `GET`, only while `expires ≥` the best block and `expires ≤ best +` [`MAX_GRANT_BLOCKS`], and
//! only if the node is registered. Anything else falls back to the owner/miner rule (403).

use crate::store::FragmentKey;
use cess_runtime::AccountId;
use sp_core::{
	crypto::{Pair as _, Ss58Codec},
	sr25519,
};

/// Domain separator of the signed message.
pub const DOMAIN: &[u8] = b"cess/fragment-request/v1";
/// Oldest accepted `X-CESS-Block`, in blocks behind the best block.
pub const MAX_AGE: u32 = 100;
/// How far ahead of the server's best block a client's block may be (it may follow a node
/// that is a few blocks ahead).
pub const MAX_AHEAD: u32 = 10;

/// Domain separator of a file owner's grant to a CD²N node.
pub const GRANT_DOMAIN: &[u8] = b"cess/cdn-grant/v1";
/// Longest accepted grant, in blocks after the best block (one dev CD²N cycle).
pub const MAX_GRANT_BLOCKS: u32 = 1_000;

/// The request method a signature covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
	/// Download.
	Get,
	/// Upload.
	Put,
}

/// The bytes a request signature covers.
pub fn message(method: Method, key: &FragmentKey, block: u32) -> Vec<u8> {
	let mut m = Vec::with_capacity(DOMAIN.len() + 1 + 32 + 4 + 1 + 4);
	m.extend_from_slice(DOMAIN);
	m.push(match method {
		Method::Get => 0,
		Method::Put => 1,
	});
	m.extend_from_slice(key.file.as_bytes());
	m.extend_from_slice(&key.fragment.to_le_bytes());
	m.push(key.replica);
	m.extend_from_slice(&block.to_le_bytes());
	m
}

/// The three headers of a request signed by `pair` at `block`.
pub fn sign(
	pair: &sr25519::Pair,
	method: Method,
	key: &FragmentKey,
	block: u32,
) -> [(&'static str, String); 3] {
	let signature = pair.sign(&message(method, key, block));
	[
		("X-CESS-Account", sp_core::bytes::to_hex(&pair.public().0, false)),
		("X-CESS-Block", block.to_string()),
		("X-CESS-Signature", sp_core::bytes::to_hex(&signature.0, false)),
	]
}

/// Why a request is not authenticated (HTTP 401).
#[derive(Debug, PartialEq, Eq)]
pub enum AuthError {
	/// A header is missing.
	Missing(&'static str),
	/// A header does not parse.
	Malformed(&'static str),
	/// The block is older than [`MAX_AGE`] or too far ahead.
	Stale {
		/// The request's block.
		block: u32,
		/// The server's best block.
		best: u32,
	},
	/// The signature does not verify.
	BadSignature,
}

impl std::fmt::Display for AuthError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			AuthError::Missing(h) => write!(f, "missing header {h} (see docs: signed fragment requests)"),
			AuthError::Malformed(h) => write!(f, "malformed header {h}"),
			AuthError::Stale { block, best } => write!(
				f,
				"X-CESS-Block {block} is not within {MAX_AGE} blocks before / {MAX_AHEAD} after the best block {best}"
			),
			AuthError::BadSignature => write!(f, "the signature does not verify"),
		}
	}
}

/// The signed headers of a request, as received.
#[derive(Clone, Debug, Default)]
pub struct Headers {
	/// `X-CESS-Account`.
	pub account: Option<String>,
	/// `X-CESS-Block`.
	pub block: Option<String>,
	/// `X-CESS-Signature`.
	pub signature: Option<String>,
	/// `X-CESS-Grant` (a file owner's grant to a CD²N node).
	pub grant: Option<String>,
	/// `X-CESS-Grant-Expires`.
	pub grant_expires: Option<String>,
}

impl Headers {
	/// Takes note of one header line (names are case-insensitive).
	pub fn note(&mut self, name: &str, value: &str) {
		let value = Some(value.trim().to_string());
		match name.trim().to_ascii_lowercase().as_str() {
			"x-cess-account" => self.account = value,
			"x-cess-block" => self.block = value,
			"x-cess-signature" => self.signature = value,
			"x-cess-grant" => self.grant = value,
			"x-cess-grant-expires" => self.grant_expires = value,
			_ => {}
		}
	}
}

fn parse_account(text: &str) -> Option<sr25519::Public> {
	if text.starts_with("0x") {
		let bytes = sp_core::bytes::from_hex(text).ok()?;
		return <[u8; 32]>::try_from(bytes.as_slice()).ok().map(sr25519::Public::from_raw);
	}
	AccountId::from_ss58check_with_version(text)
		.ok()
		.map(|(a, _)| sr25519::Public::from_raw(*a.as_ref()))
}

/// Checks the headers of a `method` request for `key` against the best block `best`; returns
/// the signer.
pub fn verify(
	headers: &Headers,
	method: Method,
	key: &FragmentKey,
	best: u32,
) -> Result<AccountId, AuthError> {
	let account = headers.account.as_deref().ok_or(AuthError::Missing("X-CESS-Account"))?;
	let block = headers.block.as_deref().ok_or(AuthError::Missing("X-CESS-Block"))?;
	let signature = headers.signature.as_deref().ok_or(AuthError::Missing("X-CESS-Signature"))?;
	let public = parse_account(account).ok_or(AuthError::Malformed("X-CESS-Account"))?;
	let block: u32 = block.parse().map_err(|_| AuthError::Malformed("X-CESS-Block"))?;
	let signature = sp_core::bytes::from_hex(signature)
		.ok()
		.and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
		.map(sr25519::Signature::from_raw)
		.ok_or(AuthError::Malformed("X-CESS-Signature"))?;
	if block.saturating_add(MAX_AGE) < best || block > best.saturating_add(MAX_AHEAD) {
		return Err(AuthError::Stale { block, best });
	}
	if !sr25519::Pair::verify(&signature, message(method, key, block), &public) {
		return Err(AuthError::BadSignature);
	}
	Ok(AccountId::from(public.0))
}

/// The bytes a file owner signs to let CD²N node `node` fetch `file` until block `expires`.
pub fn grant_message(file: &[u8; 32], node: &AccountId, expires: u32) -> Vec<u8> {
	let mut m = Vec::with_capacity(GRANT_DOMAIN.len() + 32 + 32 + 4);
	m.extend_from_slice(GRANT_DOMAIN);
	m.extend_from_slice(file);
	m.extend_from_slice(AsRef::<[u8; 32]>::as_ref(node));
	m.extend_from_slice(&expires.to_le_bytes());
	m
}

/// The two grant headers of `owner` for `node` and `file`, valid until block `expires`.
pub fn sign_grant(
	owner: &sr25519::Pair,
	file: &[u8; 32],
	node: &AccountId,
	expires: u32,
) -> [(&'static str, String); 2] {
	let signature = owner.sign(&grant_message(file, node, expires));
	[
		("X-CESS-Grant", sp_core::bytes::to_hex(&signature.0, false)),
		("X-CESS-Grant-Expires", expires.to_string()),
	]
}

/// Whether the grant headers carry `owner`'s valid grant of `file` to `node` at best block
/// `best` (signature, not expired, not longer than [`MAX_GRANT_BLOCKS`]).
pub fn grant_valid(
	headers: &Headers,
	file: &[u8; 32],
	owner: &AccountId,
	node: &AccountId,
	best: u32,
) -> bool {
	let (Some(signature), Some(expires)) = (&headers.grant, &headers.grant_expires) else {
		return false;
	};
	let Ok(expires) = expires.parse::<u32>() else { return false };
	if expires < best || expires > best.saturating_add(MAX_GRANT_BLOCKS) {
		return false;
	}
	let Some(signature) = sp_core::bytes::from_hex(signature)
		.ok()
		.and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
		.map(sr25519::Signature::from_raw)
	else {
		return false;
	};
	let public = sr25519::Public::from_raw(*AsRef::<[u8; 32]>::as_ref(owner));
	sr25519::Pair::verify(&signature, grant_message(file, node, expires), &public)
}

/// Storage key of `Cdn::Nodes(who)` (`Blake2_128Concat`).
pub fn cdn_node_key(who: &AccountId) -> Vec<u8> {
	let raw: &[u8; 32] = who.as_ref();
	let mut k = sp_crypto_hashing::twox_128(b"Cdn").to_vec();
	k.extend_from_slice(&sp_crypto_hashing::twox_128(b"Nodes"));
	k.extend_from_slice(&sp_crypto_hashing::blake2_128(raw));
	k.extend_from_slice(raw);
	k
}

/// The CD²N rule of a `GET` by `signer` (already verified) of a fragment of a file owned by
/// `owner`: the signer is a registered CD²N node and presents the owner's valid grant of the
/// file to it. Reads the best block and `Cdn::Nodes(signer)` from `chain`; a chain error
/// refuses.
pub fn cdn_grant_allows(
	chain: &crate::chain::Chain,
	headers: &Headers,
	file: &[u8; 32],
	owner: &AccountId,
	signer: &AccountId,
) -> bool {
	if headers.grant.is_none() {
		return false;
	}
	let Ok(best) = chain.best_number() else { return false };
	grant_valid(headers, file, owner, signer, best)
		&& matches!(chain.storage(&cdn_node_key(signer), None), Ok(Some(_)))
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::H256;

	const KEY: FragmentKey = FragmentKey { file: H256::repeat_byte(0xab), fragment: 7, replica: 2 };

	fn headers(h: [(&'static str, String); 3]) -> Headers {
		let mut out = Headers::default();
		for (n, v) in h {
			out.note(n, &v);
		}
		out
	}

	#[test]
	fn the_message_layout_is_fixed() {
		// Golden bytes, shared with scripts/e2e/lib/storage.mjs `fragmentRequestMessage`.
		let m = message(Method::Put, &KEY, 0x0102_0304);
		assert_eq!(m.len(), 24 + 1 + 32 + 4 + 1 + 4);
		assert_eq!(&m[..24], DOMAIN);
		assert_eq!(m[24], 1);
		assert_eq!(&m[25..57], &[0xab; 32]);
		assert_eq!(&m[57..61], &[7, 0, 0, 0]);
		assert_eq!(m[61], 2);
		assert_eq!(&m[62..], &[4, 3, 2, 1]);
		assert_eq!(
			sp_core::bytes::to_hex(&sp_crypto_hashing::blake2_256(&m), false),
			"0x8ad9d98b8ea9cf9b652684868027d3c603d55dee17b8d91691386e7fae197d30"
		);
	}

	#[test]
	fn a_signed_request_verifies_and_names_its_signer() {
		let pair = sr25519::Pair::from_string("//Charlie", None).unwrap();
		let h = headers(sign(&pair, Method::Get, &KEY, 500));
		assert_eq!(verify(&h, Method::Get, &KEY, 550), Ok(AccountId::from(pair.public().0)));
		// SS58 works as the account too.
		let mut ss58 = h.clone();
		ss58.account = Some(AccountId::from(pair.public().0).to_ss58check());
		assert!(verify(&ss58, Method::Get, &KEY, 550).is_ok());
	}

	#[test]
	fn anything_else_is_refused() {
		let pair = sr25519::Pair::from_string("//Charlie", None).unwrap();
		let h = headers(sign(&pair, Method::Get, &KEY, 500));
		// Another method, replica or file: the signature does not cover it.
		assert_eq!(verify(&h, Method::Put, &KEY, 500), Err(AuthError::BadSignature));
		let other = FragmentKey { replica: 3, ..KEY };
		assert_eq!(verify(&h, Method::Get, &other, 500), Err(AuthError::BadSignature));
		// Too old, too far ahead.
		assert_eq!(
			verify(&h, Method::Get, &KEY, 601),
			Err(AuthError::Stale { block: 500, best: 601 })
		);
		assert!(verify(&h, Method::Get, &KEY, 600).is_ok());
		assert_eq!(
			verify(&h, Method::Get, &KEY, 489),
			Err(AuthError::Stale { block: 500, best: 489 })
		);
		// Someone else's key in the account header.
		let mut forged = h.clone();
		forged.account = Some(sp_core::bytes::to_hex(
			&sr25519::Pair::from_string("//Eve", None).unwrap().public().0,
			false,
		));
		assert_eq!(verify(&forged, Method::Get, &KEY, 500), Err(AuthError::BadSignature));
		// Missing and malformed headers.
		assert_eq!(
			verify(&Headers::default(), Method::Get, &KEY, 500),
			Err(AuthError::Missing("X-CESS-Account"))
		);
		let mut bad = h.clone();
		bad.signature = Some("0x1234".into());
		assert_eq!(
			verify(&bad, Method::Get, &KEY, 500),
			Err(AuthError::Malformed("X-CESS-Signature"))
		);
		let mut bad = h;
		bad.block = Some("soon".into());
		assert_eq!(verify(&bad, Method::Get, &KEY, 500), Err(AuthError::Malformed("X-CESS-Block")));
	}

	#[test]
	fn a_grant_binds_owner_file_node_and_expiry() {
		let owner = sr25519::Pair::from_string("//Charlie", None).unwrap();
		let node =
			AccountId::from(sr25519::Pair::from_string("//Ferdie", None).unwrap().public().0);
		let eve = AccountId::from(sr25519::Pair::from_string("//Eve", None).unwrap().public().0);
		let owner_id = AccountId::from(owner.public().0);
		let file = [0xab; 32];
		let m = grant_message(&file, &node, 0x0102_0304);
		assert_eq!(m.len(), 17 + 32 + 32 + 4);
		assert_eq!(&m[..17], GRANT_DOMAIN);
		assert_eq!(&m[81..], &[4, 3, 2, 1]);
		let mut h = Headers::default();
		for (n, v) in sign_grant(&owner, &file, &node, 2_000) {
			h.note(n, &v);
		}
		assert!(grant_valid(&h, &file, &owner_id, &node, 2_000));
		assert!(grant_valid(&h, &file, &owner_id, &node, 1_000));
		// Expired, too long, another node, another file, another owner: refused.
		assert!(!grant_valid(&h, &file, &owner_id, &node, 2_001));
		assert!(!grant_valid(&h, &file, &owner_id, &node, 999));
		assert!(!grant_valid(&h, &file, &owner_id, &eve, 1_500));
		assert!(!grant_valid(&h, &[0xac; 32], &owner_id, &node, 1_500));
		assert!(!grant_valid(&h, &file, &eve, &node, 1_500));
		// A grant signed by the node itself is not the owner's.
		let mut forged = Headers::default();
		let node_pair = sr25519::Pair::from_string("//Ferdie", None).unwrap();
		for (n, v) in sign_grant(&node_pair, &file, &node, 2_000) {
			forged.note(n, &v);
		}
		assert!(!grant_valid(&forged, &file, &owner_id, &node, 1_500));
		assert!(!grant_valid(&Headers::default(), &file, &owner_id, &node, 1_500));
		// The storage key of Cdn::Nodes.
		assert_eq!(cdn_node_key(&node).len(), 16 + 16 + 16 + 32);
	}
}
