//! Ticket payloads and signature verification.
//!
//! A ticket is signed with sr25519 over `TICKET_CONTEXT ++ SCALE(Ticket)`. Two forms of the
//! signature are accepted, because users sign from different tools:
//!
//! - the raw payload (e.g. `sp_core::sr25519::Pair::sign`, `@polkadot/keyring`'s
//!   `pair.sign(payload)`);
//! - the payload wrapped in `<Bytes>` … `</Bytes>`, which is what a browser wallet's
//!   polkadot.js `signRaw({ type: 'bytes', data })` actually signs.
//!
//! The context prefix keeps a ticket signature from ever being valid as a signature of
//! anything else (a transaction, another protocol's message), and vice versa.

use crate::types::Ticket;
use alloc::vec::Vec;
use codec::Encode;
use sp_core::sr25519;

/// Domain separation prefix of every ticket payload (16 ASCII bytes, no length prefix).
pub const TICKET_CONTEXT: [u8; 16] = *b"cess-cdn-ticket:";

/// Opening tag polkadot.js `signRaw` puts around `bytes` data.
pub const BYTES_PREFIX: &[u8] = b"<Bytes>";

/// Closing tag polkadot.js `signRaw` puts around `bytes` data.
pub const BYTES_SUFFIX: &[u8] = b"</Bytes>";

/// The exact bytes a signer signs for `ticket`.
pub fn payload<AccountId: Encode, Balance: Encode, Hash: Encode>(
	ticket: &Ticket<AccountId, Balance, Hash>,
) -> Vec<u8> {
	let mut out = Vec::with_capacity(TICKET_CONTEXT.len().saturating_add(ticket.size_hint()));
	out.extend_from_slice(&TICKET_CONTEXT);
	ticket.encode_to(&mut out);
	out
}

/// `payload` wrapped as polkadot.js `signRaw` wraps byte data.
pub fn wrapped_payload(payload: &[u8]) -> Vec<u8> {
	let len = BYTES_PREFIX.len().saturating_add(payload.len()).saturating_add(BYTES_SUFFIX.len());
	let mut out = Vec::with_capacity(len);
	out.extend_from_slice(BYTES_PREFIX);
	out.extend_from_slice(payload);
	out.extend_from_slice(BYTES_SUFFIX);
	out
}

/// Whether `signature` is `signer`'s signature of the ticket, raw or `<Bytes>`-wrapped.
///
/// The raw form is tried first: it is what node software and tests produce, so the common
/// case costs one verification.
pub fn verify<AccountId: Encode + AsRef<[u8; 32]>, Balance: Encode, Hash: Encode>(
	ticket: &Ticket<AccountId, Balance, Hash>,
	signature: &sr25519::Signature,
) -> bool {
	let public = sr25519::Public::from_raw(*ticket.signer.as_ref());
	let message = payload(ticket);
	sp_io::crypto::sr25519_verify(signature, &message, &public)
		|| sp_io::crypto::sr25519_verify(signature, &wrapped_payload(&message), &public)
}
