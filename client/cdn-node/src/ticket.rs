//! Quotes and tickets: the terms a node offers, the ticket a payer signs for them (exactly the
//! pallet's `LotteryTicket`, signed as `submit_tickets` verifies it), and the node's checks
//! before it serves a byte.
//!
//! **The exchange.** `GET /quote/<file>?payer=…[&offset=…&length=…]` returns a [`Quote`]: the
//! price, the face value and win probability, a fresh commitment `recipient_rand_hash` to a
//! random value only the node knows, the allowance the ticket must name, the next nonce and
//! the expiry. The payer signs the ticket for those terms ([`sign`]) and sends it with the
//! content request in `X-CESS-Ticket` (hex of SCALE `(LotteryTicket, signature, SigForm)`,
//! [`encode_header`]). The node accepts it ([`check`]) only if it is for a quote it issued
//! and has not used (one quote, one ticket: a replayed ticket finds no quote), for the same
//! file and range, signed by the file's owner, with a fresh nonce, and covered by the
//! allowance on chain minus the node's own unsubmitted winners.
//!
//! **Pricing.** `amount = price × length`. With `amount ≥ MinFaceValue` the ticket is a
//! certain winner (`win_prob = u64::MAX`) of face `amount`; below it, a lottery ticket of face
//! `MinFaceValue` and `win_prob = ⌊amount × 2⁶⁴ / MinFaceValue⌋`, whose expected value is the
//! amount (rounded down). The node knows at once whether a ticket wins (it knows the random
//! value), so it keeps only winners to submit.

use cess_runtime::{AccountId, Balance, BlockNumber, Hash};
use codec::{Decode, Encode};
use pallet_cdn::{tickets, AllowanceView, LotteryTicket, SigForm, SignedLotteryTicket, TicketKind};
use serde::{Deserialize, Serialize};
use sp_core::{crypto::Pair as _, sr25519, H256};

/// The pallet's ticket with the runtime's types.
pub type Ticket = LotteryTicket<AccountId, Balance, BlockNumber>;
/// A ticket as submitted (with the node's revealed random value).
pub type Signed = SignedLotteryTicket<AccountId, Balance, BlockNumber>;
/// What `X-CESS-Ticket` carries.
pub type Wire = (Ticket, sr25519::Signature, SigForm);

/// The name of the ticket header.
pub const TICKET_HEADER: &str = "x-cess-ticket";

/// The node's terms for one request (JSON of `GET /quote`). Amounts are decimal strings
/// (planck), accounts 0x-hex public keys.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Quote {
	/// The node's account (the ticket's submitter).
	pub node: String,
	/// The genesis hash the ticket is signed for.
	pub genesis: String,
	/// The file.
	pub file: String,
	/// First byte of the range.
	pub offset: u64,
	/// Bytes in the range.
	pub length: u64,
	/// Planck per byte.
	pub price: String,
	/// `price × length`.
	pub amount: String,
	/// The ticket's face value.
	pub face_value: String,
	/// The ticket's win probability × 2⁻⁶⁴.
	pub win_prob: String,
	/// `Retrieval` or `CacheOrder`.
	pub kind: String,
	/// The node's commitment.
	pub recipient_rand_hash: String,
	/// The allowance the ticket must name (`opened_at`); `null`: the payer has none.
	pub allowance_opened_at: Option<BlockNumber>,
	/// What the allowance still covers after the node's unsubmitted winners.
	pub allowance_free: String,
	/// The nonce to sign.
	pub nonce: u64,
	/// Last block the ticket is valid at.
	pub expires_at: BlockNumber,
}

/// The node's record of a quote it issued (kept in memory until used or stale).
#[derive(Clone, Debug)]
pub struct Issued {
	/// The secret behind `recipient_rand_hash`.
	pub rand: H256,
	/// The file.
	pub file: Hash,
	/// The range.
	pub offset: u64,
	/// The range.
	pub length: u64,
	/// The terms.
	pub face_value: Balance,
	/// The terms.
	pub win_prob: u64,
	/// The terms.
	pub kind: TicketKind,
	/// The terms.
	pub expires_at: BlockNumber,
	/// When it was issued.
	pub at: std::time::Instant,
}

/// Face value and win probability of a ticket worth `amount` (see the module docs).
pub fn terms(amount: Balance, min_face: Balance) -> (Balance, u64) {
	if amount >= min_face {
		return (amount, u64::MAX);
	}
	let p = amount.saturating_mul(1u128 << 64) / min_face.max(1);
	(min_face, u64::try_from(p).unwrap_or(u64::MAX - 1))
}

/// The bytes a payer signs (the pallet's own payload function).
pub fn payload(genesis: &Hash, node: &AccountId, ticket: &Ticket) -> Vec<u8> {
	tickets::payload(genesis, node, ticket)
}

/// The ticket hash (`blake2_256(payload)`, as in the pallet's events).
pub fn ticket_hash(genesis: &Hash, node: &AccountId, ticket: &Ticket) -> H256 {
	H256(sp_crypto_hashing::blake2_256(&payload(genesis, node, ticket)))
}

/// Whether the ticket wins with the node's `rand` (the pallet's draw).
pub fn wins(hash: &H256, rand: &H256, win_prob: u64) -> bool {
	tickets::wins(tickets::draw(hash, rand), win_prob)
}

/// Signs `ticket` for `node` on `genesis` (form `Raw`).
pub fn sign(pair: &sr25519::Pair, genesis: &Hash, node: &AccountId, ticket: &Ticket) -> Wire {
	(ticket.clone(), pair.sign(&payload(genesis, node, ticket)), SigForm::Raw)
}

/// `X-CESS-Ticket` of `wire`.
pub fn encode_header(wire: &Wire) -> String {
	sp_core::bytes::to_hex(&wire.encode(), false)
}

/// Parses `X-CESS-Ticket`.
pub fn decode_header(text: &str) -> Result<Wire, String> {
	let bytes = sp_core::bytes::from_hex(text.trim()).map_err(|_| "X-CESS-Ticket: not hex")?;
	Wire::decode(&mut &bytes[..])
		.map_err(|_| "X-CESS-Ticket: not a SCALE (ticket, signature, form)".into())
}

/// Why a ticket is refused (HTTP 402: pay properly and retry).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
	/// No quote with this commitment is open (never issued, stale, or already used).
	UnknownQuote,
	/// The ticket's terms are not the quote's.
	TermsMismatch(&'static str),
	/// Past `expires_at`.
	Expired,
	/// Only the file's owner may be served (the rule miners apply).
	NotOwner,
	/// The signature does not verify.
	BadSignature,
	/// The payer has no allowance for this node.
	NoAllowance,
	/// The ticket names another allowance (closed and reopened).
	WrongAllowance,
	/// The nonce was used (on chain or at this node) or jumps too far.
	StaleNonce,
	/// The allowance minus the node's unsubmitted winners does not cover the face value.
	NotCovered {
		/// What is left.
		free: Balance,
		/// The face value.
		face: Balance,
	},
}

impl std::fmt::Display for Refusal {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Refusal::UnknownQuote => write!(f, "no open quote for this ticket: GET /quote first (a quote pays one request)"),
			Refusal::TermsMismatch(what) => write!(f, "the ticket's {what} is not the quote's"),
			Refusal::Expired => write!(f, "the ticket expired"),
			Refusal::NotOwner => write!(f, "only the file's owner may be served"),
			Refusal::BadSignature => write!(f, "the ticket's signature does not verify"),
			Refusal::NoAllowance => write!(f, "no allowance for this node: cdn.setAllowance(node, amount) first"),
			Refusal::WrongAllowance => write!(f, "the ticket names another allowance"),
			Refusal::StaleNonce => write!(f, "the nonce was used already"),
			Refusal::NotCovered { free, face } => write!(
				f,
				"the allowance covers {free} planck after this node's unsubmitted tickets, the ticket is for {face}: raise the allowance"
			),
		}
	}
}

/// What a node knows when a ticket arrives.
pub struct Context<'a> {
	/// The node.
	pub node: &'a AccountId,
	/// The chain.
	pub genesis: &'a Hash,
	/// The best block.
	pub best: BlockNumber,
	/// The file's owner.
	pub owner: &'a AccountId,
	/// `CdnApi::allowance(payer, node)`.
	pub allowance: Option<&'a AllowanceView<Balance, BlockNumber>>,
	/// Face values of the payer's winners this node holds unsubmitted.
	pub pending: Balance,
	/// Highest nonce of the payer this node has seen (0: none).
	pub seen_nonce: u64,
	/// `MaxNonceJump`.
	pub max_jump: u64,
}

/// The highest nonce the chain knows for an allowance.
pub fn chain_highest(a: &AllowanceView<Balance, BlockNumber>) -> u64 {
	a.recent.iter().copied().max().unwrap_or(0).max(a.floor)
}

/// Checks `wire` against the quote it names (`issued`, looked up by its commitment): the
/// ticket as it will be submitted and whether it wins, or why it is refused. Cheapest checks
/// first; the signature before anything that reads the allowance.
pub fn check(
	wire: &Wire,
	issued: &Issued,
	file: Hash,
	offset: u64,
	length: u64,
	cx: &Context<'_>,
) -> Result<(Signed, bool), Refusal> {
	let (ticket, signature, form) = wire;
	if tickets::commitment(&issued.rand) != ticket.recipient_rand_hash {
		return Err(Refusal::UnknownQuote);
	}
	if issued.file != file {
		return Err(Refusal::TermsMismatch("file"));
	}
	if issued.offset != offset || issued.length != length {
		return Err(Refusal::TermsMismatch("range"));
	}
	if ticket.bytes < length {
		return Err(Refusal::TermsMismatch("bytes"));
	}
	if ticket.face_value != issued.face_value {
		return Err(Refusal::TermsMismatch("face value"));
	}
	if ticket.win_prob != issued.win_prob {
		return Err(Refusal::TermsMismatch("win probability"));
	}
	if ticket.kind != issued.kind {
		return Err(Refusal::TermsMismatch("kind"));
	}
	if ticket.expires_at != issued.expires_at {
		return Err(Refusal::TermsMismatch("expiry"));
	}
	if cx.best > ticket.expires_at {
		return Err(Refusal::Expired);
	}
	if ticket.payer != *cx.owner {
		return Err(Refusal::NotOwner);
	}
	let message = payload(cx.genesis, cx.node, ticket);
	let public = sr25519::Public::from_raw(*AsRef::<[u8; 32]>::as_ref(&ticket.payer));
	let ok = match form {
		SigForm::Raw => sr25519::Pair::verify(signature, &message, &public),
		SigForm::Bytes => {
			sr25519::Pair::verify(signature, tickets::wrapped_payload(&message), &public)
		}
	};
	if !ok {
		return Err(Refusal::BadSignature);
	}
	let allowance = cx.allowance.ok_or(Refusal::NoAllowance)?;
	if allowance.opened_at != ticket.allowance_opened_at {
		return Err(Refusal::WrongAllowance);
	}
	let highest = chain_highest(allowance);
	if ticket.nonce <= highest.max(cx.seen_nonce)
		|| allowance.recent.contains(&ticket.nonce)
		|| ticket.nonce > highest.saturating_add(cx.max_jump)
	{
		return Err(Refusal::StaleNonce);
	}
	let free = allowance.balance.saturating_sub(cx.pending);
	if free < ticket.face_value {
		return Err(Refusal::NotCovered { free, face: ticket.face_value });
	}
	let hash = H256(sp_crypto_hashing::blake2_256(&message));
	let won = wins(&hash, &issued.rand, ticket.win_prob);
	Ok((
		Signed {
			ticket: ticket.clone(),
			signature: *signature,
			form: *form,
			recipient_rand: issued.rand,
		},
		won,
	))
}

#[cfg(test)]
mod tests {
	use super::*;

	const CESS: Balance = 1_000_000_000_000_000_000;

	fn pair(s: &str) -> sr25519::Pair {
		sr25519::Pair::from_string(s, None).unwrap()
	}
	fn id(p: &sr25519::Pair) -> AccountId {
		AccountId::from(p.public().0)
	}

	struct Fixture {
		user: sr25519::Pair,
		node: AccountId,
		genesis: Hash,
		issued: Issued,
		allowance: AllowanceView<Balance, BlockNumber>,
	}

	fn fixture() -> Fixture {
		let rand = H256::repeat_byte(7);
		Fixture {
			user: pair("//Charlie"),
			node: id(&pair("//Ferdie")),
			genesis: Hash::repeat_byte(1),
			issued: Issued {
				rand,
				file: Hash::repeat_byte(0xab),
				offset: 0,
				length: 1_000,
				face_value: 2 * CESS,
				win_prob: u64::MAX,
				kind: TicketKind::Retrieval,
				expires_at: 140,
				at: std::time::Instant::now(),
			},
			allowance: AllowanceView {
				balance: 5 * CESS,
				opened_at: 12,
				floor: 0,
				recent: vec![3],
				decrease: None,
			},
		}
	}

	fn ticket(f: &Fixture, nonce: u64) -> Ticket {
		Ticket {
			payer: id(&f.user),
			allowance_opened_at: 12,
			nonce,
			face_value: f.issued.face_value,
			win_prob: f.issued.win_prob,
			bytes: 1_000,
			kind: TicketKind::Retrieval,
			recipient_rand_hash: tickets::commitment(&f.issued.rand),
			expires_at: 140,
		}
	}

	fn cx<'a>(f: &'a Fixture, owner: &'a AccountId, pending: Balance, seen: u64) -> Context<'a> {
		Context {
			node: &f.node,
			genesis: &f.genesis,
			best: 100,
			owner,
			allowance: Some(&f.allowance),
			pending,
			seen_nonce: seen,
			max_jump: 1 << 32,
		}
	}

	#[test]
	fn terms_are_certain_above_the_minimum_and_a_fair_lottery_below() {
		assert_eq!(terms(3 * CESS, CESS), (3 * CESS, u64::MAX));
		assert_eq!(terms(CESS, CESS), (CESS, u64::MAX));
		// A quarter of the minimum: a 1-in-4 lottery of face MinFaceValue.
		assert_eq!(terms(CESS / 4, CESS), (CESS, 1u64 << 62));
		// Expected value = face × p / 2⁶⁴ = the amount.
		let (face, p) = terms(CESS / 4, CESS);
		assert_eq!((face * u128::from(p)) >> 64, CESS / 4);
	}

	#[test]
	fn the_header_round_trips_and_an_honest_ticket_passes() {
		let f = fixture();
		let wire = sign(&f.user, &f.genesis, &f.node, &ticket(&f, 4));
		let back = decode_header(&encode_header(&wire)).unwrap();
		assert_eq!(back.0, wire.0);
		// 113-byte ticket + 64-byte signature + 1-byte form, hex: 2 + 2 × 178.
		assert_eq!(encode_header(&wire).len(), 2 + 2 * 178);
		let owner = id(&f.user);
		let (signed, won) =
			check(&back, &f.issued, f.issued.file, 0, 1_000, &cx(&f, &owner, 0, 0)).unwrap();
		assert!(won);
		assert_eq!(signed.recipient_rand, f.issued.rand);
		// The pallet verifies the same payload: its verify accepts the signature.
		let msg = payload(&f.genesis, &f.node, &signed.ticket);
		assert!(tickets::verify(owner.as_ref(), &msg, &signed.signature, SigForm::Raw));
	}

	/// `cargo test --release -p cess-cdn-node -- --ignored measure_check --nocapture`: µs per
	/// ticket check (decode the header, all checks, one sr25519 verification, the draw).
	#[test]
	#[ignore]
	fn measure_check() {
		let f = fixture();
		let owner = id(&f.user);
		let header = encode_header(&sign(&f.user, &f.genesis, &f.node, &ticket(&f, 4)));
		let n = 2_000u32;
		let started = std::time::Instant::now();
		for _ in 0..n {
			let wire = decode_header(&header).unwrap();
			check(&wire, &f.issued, f.issued.file, 0, 1_000, &cx(&f, &owner, 0, 0)).unwrap();
		}
		let us = started.elapsed().as_secs_f64() * 1e6 / f64::from(n);
		println!("ticket check: {us:.1} µs, header {} bytes", header.len());
	}

	#[test]
	fn every_deviation_is_refused() {
		let f = fixture();
		let owner = id(&f.user);
		let ok = |w: &Wire, cx: &Context<'_>| check(w, &f.issued, f.issued.file, 0, 1_000, cx);
		let good = sign(&f.user, &f.genesis, &f.node, &ticket(&f, 4));
		// Replaying a used quote: another commitment finds no quote.
		let mut t = ticket(&f, 4);
		t.recipient_rand_hash = H256::repeat_byte(9);
		assert_eq!(
			ok(&sign(&f.user, &f.genesis, &f.node, &t), &cx(&f, &owner, 0, 0)).unwrap_err(),
			Refusal::UnknownQuote
		);
		// Another range or file than quoted.
		assert_eq!(
			check(&good, &f.issued, f.issued.file, 0, 2_000, &cx(&f, &owner, 0, 0)).unwrap_err(),
			Refusal::TermsMismatch("range")
		);
		assert_eq!(
			check(&good, &f.issued, Hash::zero(), 0, 1_000, &cx(&f, &owner, 0, 0)).unwrap_err(),
			Refusal::TermsMismatch("file")
		);
		// A cheaper face value, fewer bytes, a worse lottery.
		let mut t = ticket(&f, 4);
		t.face_value = CESS;
		assert_eq!(
			ok(&sign(&f.user, &f.genesis, &f.node, &t), &cx(&f, &owner, 0, 0)).unwrap_err(),
			Refusal::TermsMismatch("face value")
		);
		let mut t = ticket(&f, 4);
		t.bytes = 999;
		assert_eq!(
			ok(&sign(&f.user, &f.genesis, &f.node, &t), &cx(&f, &owner, 0, 0)).unwrap_err(),
			Refusal::TermsMismatch("bytes")
		);
		let mut t = ticket(&f, 4);
		t.win_prob = 1;
		assert_eq!(
			ok(&sign(&f.user, &f.genesis, &f.node, &t), &cx(&f, &owner, 0, 0)).unwrap_err(),
			Refusal::TermsMismatch("win probability")
		);
		// Expired.
		let mut late = cx(&f, &owner, 0, 0);
		late.best = 141;
		assert_eq!(ok(&good, &late).unwrap_err(), Refusal::Expired);
		// Not the owner: Eve pays for Charlie's file.
		let eve = pair("//Eve");
		let mut t = ticket(&f, 4);
		t.payer = id(&eve);
		assert_eq!(
			ok(&sign(&eve, &f.genesis, &f.node, &t), &cx(&f, &owner, 0, 0)).unwrap_err(),
			Refusal::NotOwner
		);
		// Signed by someone else, for another node, for another chain.
		let forged =
			(good.0.clone(), eve.sign(&payload(&f.genesis, &f.node, &good.0)), SigForm::Raw);
		assert_eq!(ok(&forged, &cx(&f, &owner, 0, 0)).unwrap_err(), Refusal::BadSignature);
		let other_node = sign(&f.user, &f.genesis, &id(&eve), &ticket(&f, 4));
		assert_eq!(ok(&other_node, &cx(&f, &owner, 0, 0)).unwrap_err(), Refusal::BadSignature);
		let other_chain = sign(&f.user, &Hash::repeat_byte(2), &f.node, &ticket(&f, 4));
		assert_eq!(ok(&other_chain, &cx(&f, &owner, 0, 0)).unwrap_err(), Refusal::BadSignature);
		// No allowance, another allowance.
		let mut none = cx(&f, &owner, 0, 0);
		none.allowance = None;
		assert_eq!(ok(&good, &none).unwrap_err(), Refusal::NoAllowance);
		let mut t = ticket(&f, 4);
		t.allowance_opened_at = 11;
		assert_eq!(
			ok(&sign(&f.user, &f.genesis, &f.node, &t), &cx(&f, &owner, 0, 0)).unwrap_err(),
			Refusal::WrongAllowance
		);
		// Nonces: settled on chain (3), seen here (≤ 4), jumping past 2³².
		let three = sign(&f.user, &f.genesis, &f.node, &ticket(&f, 3));
		assert_eq!(ok(&three, &cx(&f, &owner, 0, 0)).unwrap_err(), Refusal::StaleNonce);
		assert_eq!(ok(&good, &cx(&f, &owner, 0, 4)).unwrap_err(), Refusal::StaleNonce);
		let jump = sign(&f.user, &f.genesis, &f.node, &ticket(&f, 3 + (1 << 32) + 1));
		assert_eq!(ok(&jump, &cx(&f, &owner, 0, 0)).unwrap_err(), Refusal::StaleNonce);
		// 5 CESS allowance, 3.5 pending: 1.5 free < 2.
		assert_eq!(
			ok(&good, &cx(&f, &owner, 3 * CESS + CESS / 2, 0)).unwrap_err(),
			Refusal::NotCovered { free: CESS + CESS / 2, face: 2 * CESS }
		);
		assert!(ok(&good, &cx(&f, &owner, 3 * CESS, 0)).is_ok());
	}
}
