//! Ticket and attestation payloads, signature verification and the lottery draw.
//!
//! A lottery ticket is signed with sr25519 over
//! `TICKET_CONTEXT ‖ genesis ‖ node ‖ SCALE(LotteryTicket)`; a cache attestation over
//! `ATTEST_CONTEXT ‖ SCALE(CacheAttestation)`. Two forms of signature exist because users
//! sign from different tools, and the submitter names the form ([`SigForm`]), so each
//! signature costs exactly one verification:
//!
//! - `Raw`: the payload itself (`sp_core::sr25519::Pair::sign`, `@polkadot/keyring`'s
//!   `pair.sign(payload)`);
//! - `Bytes`: `<Bytes>` ‖ payload ‖ `</Bytes>`, which a browser wallet's polkadot.js
//!   `signRaw({ type: 'bytes', data })` signs.
//!
//! The context prefixes keep these signatures from ever being valid as a signature of
//! anything else (a transaction, the old v1 tickets, another protocol's message).
//!
//! **The draw.** `wins ⇔ u64_le(blake2_256(ticket_hash ‖ recipient_rand)[0..8]) < win_prob`
//! (or `win_prob == u64::MAX`), with `ticket_hash = blake2_256(payload)`. The node commits to
//! `recipient_rand` (by its hash, which the payer signs) before the payer signs, so neither
//! side can grind. The draw uses the ticket hash, not the signature: sr25519 signatures are
//! randomized, so re-signing one ticket would otherwise be a second draw.

use crate::types::{CacheAttestation, LotteryTicket, SigForm};
use alloc::vec::Vec;
use codec::Encode;
use sp_core::{sr25519, H256};

/// Domain separation prefix of every lottery ticket payload (17 ASCII bytes, no length).
pub const TICKET_CONTEXT: [u8; 17] = *b"cess-cdn-ticket2:";

/// Domain separation prefix of every cache attestation payload (16 ASCII bytes, no length).
pub const ATTEST_CONTEXT: [u8; 16] = *b"cess-cdn-attest:";

/// Opening tag polkadot.js `signRaw` puts around `bytes` data.
pub const BYTES_PREFIX: &[u8] = b"<Bytes>";

/// Closing tag polkadot.js `signRaw` puts around `bytes` data.
pub const BYTES_SUFFIX: &[u8] = b"</Bytes>";

/// The exact bytes a payer signs for `ticket` on the chain `genesis`, to `node`.
pub fn payload<AccountId: Encode, Balance: Encode, BlockNumber: Encode, Hash: Encode>(
	genesis: &Hash,
	node: &AccountId,
	ticket: &LotteryTicket<AccountId, Balance, BlockNumber>,
) -> Vec<u8> {
	let len = TICKET_CONTEXT
		.len()
		.saturating_add(genesis.size_hint())
		.saturating_add(node.size_hint())
		.saturating_add(ticket.size_hint());
	let mut out = Vec::with_capacity(len);
	out.extend_from_slice(&TICKET_CONTEXT);
	genesis.encode_to(&mut out);
	node.encode_to(&mut out);
	ticket.encode_to(&mut out);
	out
}

/// The exact bytes a retrieval node signs for `attestation`.
pub fn attestation_payload<AccountId: Encode, Hash: Encode>(
	attestation: &CacheAttestation<AccountId, Hash>,
) -> Vec<u8> {
	let mut out = Vec::with_capacity(ATTEST_CONTEXT.len().saturating_add(attestation.size_hint()));
	out.extend_from_slice(&ATTEST_CONTEXT);
	attestation.encode_to(&mut out);
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

/// Whether `signature` is `signer`'s signature of `message` in `form`: one verification.
pub fn verify(
	signer: &[u8; 32],
	message: &[u8],
	signature: &sr25519::Signature,
	form: SigForm,
) -> bool {
	let public = sr25519::Public::from_raw(*signer);
	match form {
		SigForm::Raw => sp_io::crypto::sr25519_verify(signature, message, &public),
		SigForm::Bytes => {
			sp_io::crypto::sr25519_verify(signature, &wrapped_payload(message), &public)
		}
	}
}

/// `blake2_256(payload)`: the ticket's identity in events and the draw.
pub fn ticket_hash(payload: &[u8]) -> H256 {
	H256(sp_io::hashing::blake2_256(payload))
}

/// The node's commitment to its random value.
pub fn commitment(recipient_rand: &H256) -> H256 {
	H256(sp_io::hashing::blake2_256(recipient_rand.as_bytes()))
}

/// The lottery draw: a uniform `u64` from the ticket hash and the revealed random value.
pub fn draw(ticket_hash: &H256, recipient_rand: &H256) -> u64 {
	let mut input = [0u8; 64];
	input[..32].copy_from_slice(ticket_hash.as_bytes());
	input[32..].copy_from_slice(recipient_rand.as_bytes());
	let h = sp_io::hashing::blake2_256(&input);
	let mut first = [0u8; 8];
	first.copy_from_slice(&h[..8]);
	u64::from_le_bytes(first)
}

/// Whether a ticket with `win_prob` wins with `draw`.
pub fn wins(draw: u64, win_prob: u64) -> bool {
	win_prob == u64::MAX || draw < win_prob
}

/// `2⁶⁴ / win_prob`: how many tickets one winner stands for (information only).
pub fn represented(win_prob: u64) -> u128 {
	if win_prob == u64::MAX {
		return 1;
	}
	(1u128 << 64) / u128::from(win_prob.max(1))
}
