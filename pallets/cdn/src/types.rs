//! Plain data types stored or passed by the CD²N pallet.
//!
//! Everything here is `MaxEncodedLen` so that every storage item of the pallet has a known
//! worst-case size (no `without_storage_info`), and every type that appears in a call argument
//! also derives `DecodeWithMemTracking`, which this release requires for extrinsic decoding.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::BoundedVec;
use scale_info::TypeInfo;
use sp_core::{sr25519, Get};

/// Index of a service cycle (SPEC §3: one cycle is four eras). Cycle 0 starts at genesis.
pub type CycleIndex = u32;

/// The two roles a CD²N node can register for.
///
/// A retrieval node serves content to users and is paid per order; a cache node holds copies
/// placed by retrieval nodes and is paid in points. One account holds one role.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum NodeKind {
	/// Serves retrievals to users; paid `Income × 95 % + power share of the retrieval pool`.
	#[codec(index = 0)]
	Retrieval,
	/// Holds cached content; paid from the cache pool in proportion to its points.
	#[codec(index = 1)]
	Cache,
}

/// What a ticket pays for. The kind is part of the signed payload so a signature for one kind
/// can never be replayed as another. (`CachedBytes` is no longer a ticket kind: cached content
/// is attested with [`CacheAttestation`] through `attest_cached`.)
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum TicketKind {
	/// A user received content from a retrieval node. The paid amount is the node's retrieval
	/// power; the node keeps 95 % as income, 5 % goes to the treasury.
	#[codec(index = 0)]
	Retrieval,
	/// A user had content served from a cache node. The paid amount counts as
	/// `amount / ReferenceBytePrice` order bytes; 95 % to the node, 5 % to the treasury.
	#[codec(index = 1)]
	CacheOrder,
}

/// Which message an sr25519 signature covers: the raw payload, or the payload wrapped in
/// `<Bytes>…</Bytes>` as polkadot.js `signRaw` wraps it. The submitter names the form, so each
/// ticket costs exactly one verification.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum SigForm {
	/// `signature` covers the payload itself.
	#[codec(index = 0)]
	Raw,
	/// `signature` covers `<Bytes>` ‖ payload ‖ `</Bytes>`.
	#[codec(index = 1)]
	Bytes,
}

/// A probabilistic ticket (Livepeer/Orchid lineage): worth `face_value` with probability
/// `win_prob / 2⁶⁴`, so its expected value is `face_value × win_prob / 2⁶⁴`.
///
/// The signed message is [`crate::tickets::TICKET_CONTEXT`] ‖ genesis ‖ node ‖ SCALE(ticket)
/// (integers little-endian, not compact). The node is the submitter, so it is not a field.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct LotteryTicket<AccountId, Balance, BlockNumber> {
	/// The account that signs and pays from its allowance to the node.
	pub payer: AccountId,
	/// `opened_at` of the allowance the ticket draws on: a closed and reopened allowance
	/// never honours old tickets.
	pub allowance_opened_at: BlockNumber,
	/// Sparse nonce (see [`Allowance`]): replay protection.
	pub nonce: u64,
	/// What a winning ticket pays (at least `MinFaceValue`).
	pub face_value: Balance,
	/// Winning probability × 2⁶⁴; `u64::MAX` means the ticket always wins.
	pub win_prob: u64,
	/// Bytes served (information only: power and points follow the paid amount).
	pub bytes: u64,
	/// What the ticket pays for.
	pub kind: TicketKind,
	/// `blake2_256(recipient_rand)`: the node's commitment, given to the payer before signing.
	pub recipient_rand_hash: sp_core::H256,
	/// Last block at which the ticket can be redeemed.
	pub expires_at: BlockNumber,
}

/// A lottery ticket, the payer's signature, the form it was made in and the node's reveal of
/// its committed random value.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct SignedLotteryTicket<AccountId, Balance, BlockNumber> {
	/// The signed content.
	pub ticket: LotteryTicket<AccountId, Balance, BlockNumber>,
	/// sr25519 signature by `ticket.payer`.
	pub signature: sr25519::Signature,
	/// What the signature covers.
	pub form: SigForm,
	/// Preimage of `ticket.recipient_rand_hash`.
	pub recipient_rand: sp_core::H256,
}

/// A retrieval node's statement that `cache` holds `level` bytes it placed there in `cycle`.
/// Signed message: [`crate::tickets::ATTEST_CONTEXT`] ‖ SCALE(attestation). A higher
/// `version` replaces the level; levels are budgeted by what the retrieval node was paid.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct CacheAttestation<AccountId, Hash> {
	/// Genesis hash of the chain.
	pub genesis: Hash,
	/// The attesting retrieval node (signer).
	pub retrieval: AccountId,
	/// The cache node (submitter).
	pub cache: AccountId,
	/// The open cycle the level is for.
	pub cycle: CycleIndex,
	/// Bytes held.
	pub level: u64,
	/// Strictly increasing per `(cycle, cache, retrieval)`.
	pub version: u32,
}

/// Why a ticket of a batch was skipped (reported in `TicketRejected`; the first reason is the
/// call's error when no ticket of the batch settles).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum RejectReason {
	/// The ticket kind does not match the node's kind.
	KindMismatch,
	/// The payer is the node itself.
	SelfTicket,
	/// `face_value` is below `MinFaceValue`.
	FaceBelowMinimum,
	/// The ticket expired.
	Expired,
	/// `expires_at` is more than `MaxTicketLifetime` ahead.
	LifetimeTooLong,
	/// `recipient_rand` does not hash to `recipient_rand_hash`.
	BadReveal,
	/// The ticket lost its draw.
	NotAWinner,
	/// The payer has no allowance for this node.
	NoAllowance,
	/// The ticket names another opening of the allowance.
	WrongAllowance,
	/// The nonce is at or below the window floor, or already settled.
	StaleNonce,
	/// The nonce jumps more than `MaxNonceJump` above the highest seen.
	NonceJump,
	/// The signature is not the payer's.
	BadSignature,
	/// The allowance is empty.
	AllowanceExhausted,
}

/// A pending decrease of an allowance.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct AllowanceDecrease<Balance, BlockNumber> {
	/// Balance the allowance keeps after `release_allowance` (zero closes it).
	pub to: Balance,
	/// First block at which `release_allowance` succeeds.
	pub unlock_at: BlockNumber,
}

/// Escrow committed by one payer to one node, held by the pallet account, with the sparse nonce
/// window of the tickets drawing on it. A nonce is fresh iff it is above `floor`, not in
/// `recent`, and at most `MaxNonceJump` above the highest seen. When `recent` is full the
/// smallest entry is evicted and becomes the floor.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
#[scale_info(skip_type_params(Window))]
pub struct Allowance<Balance, BlockNumber, Window: Get<u32>> {
	/// Funds tickets can still draw (held by the pallet account).
	pub balance: Balance,
	/// Block the allowance was opened; tickets sign it.
	pub opened_at: BlockNumber,
	/// Every nonce `<= floor` is spent.
	pub floor: u64,
	/// Settled nonces above `floor`.
	pub recent: BoundedVec<u64, Window>,
	/// Pending decrease.
	pub decrease: Option<AllowanceDecrease<Balance, BlockNumber>>,
	/// Storage deposit held from the payer while the allowance exists.
	pub deposit: Balance,
}

/// Whether a nonce would be accepted (runtime API).
#[derive(Encode, Decode, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub enum TicketStatus {
	/// The nonce was settled or is below the window floor.
	Settled,
	/// The nonce jumps too far, or there is no allowance.
	Stale,
	/// A winning ticket with this nonce would be accepted.
	Open,
}

/// Governance-set caps of the pool payouts (SPEC §12): each a fraction of the treasury share
/// of the paid volume behind it; `retrieval + cached ≤ 100 %`, so no coalition gets back more
/// than it paid.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
pub struct Caps {
	/// `k_r`: retrieval pool payout ≤ k_r × τ × paid retrieval volume.
	pub retrieval: sp_runtime::Perbill,
	/// `k_c`: cached-bytes payout ≤ k_c × τ × p × level / ρ.
	pub cached: sp_runtime::Perbill,
	/// `k_o`: cache-order payout ≤ k_o × τ × paid cache-order volume.
	pub cache_order: sp_runtime::Perbill,
}

/// A registered node. The deposit is recorded so the exact amount held is released even if
/// the runtime's deposit constant changes later.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
#[scale_info(skip_type_params(MaxEndpointLen))]
pub struct NodeInfo<Balance, MaxEndpointLen: Get<u32>> {
	/// Role of the node.
	pub kind: NodeKind,
	/// Where users reach the node (e.g. a multiaddr or URL), opaque to the chain.
	pub endpoint: BoundedVec<u8, MaxEndpointLen>,
	/// Amount held under `HoldReason::NodeDeposit`.
	pub deposit: Balance,
}

/// A pending escrow withdrawal: funds stay usable by tickets until `unlock_at`, so tickets
/// signed before the request can still settle.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Withdrawal<Balance, BlockNumber> {
	/// Amount requested; at withdrawal at most the escrow left is paid.
	pub amount: Balance,
	/// First block at which `withdraw` succeeds.
	pub unlock_at: BlockNumber,
}

/// A user's escrow. `balance` always equals the amount held under `HoldReason::Escrow`.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct Escrow<Balance, BlockNumber> {
	/// Funds available to pay tickets.
	pub balance: Balance,
	/// Pending withdrawal request, if any.
	pub withdrawal: Option<Withdrawal<Balance, BlockNumber>>,
}

/// Work a node did in one cycle, accumulated as its tickets settle.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct CycleWork<Balance> {
	/// Retrieval node: gross amount paid by winning tickets (`RetrievalPower = A_R`).
	pub paid: Balance,
	/// The node's 95 % of everything it was paid (retrieval or cache orders).
	pub income: Balance,
	/// Winning tickets settled.
	pub winners: u32,
	/// Cache node: gross amount paid by cache-order tickets (`A^ord_C`).
	pub order_paid: Balance,
	/// Cache node: Σ over retrieval nodes of the latest attested level (`CachedBytes_C`).
	pub cached_bytes: u128,
	/// Retrieval node: Σ over cache nodes of the levels it attested (`L_R ≤ ρ·A_R/p`).
	pub attested: u128,
}

/// How a node's reward for a closed cycle was computed (kept for receipts and the API).
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct RewardBreakdown<Balance> {
	/// 95 % of what the node was paid.
	pub income: Balance,
	/// Retrieval: `power / total power × D_R`; cache: `points / total points × P_C`.
	pub pro_rata: Balance,
	/// The cap of the pool payout (`k_r·τ·A_R` or `Cap_C`).
	pub cap: Balance,
	/// `min(pro_rata, cap)`: what the pool paid.
	pub pool_share: Balance,
	/// `pro_rata − pool_share`: what the cap kept in the pool.
	pub surplus: Balance,
	/// Retrieval power (paid amount) or cache points, whichever applies to the node's kind.
	pub units: u128,
	/// `income + pool_share`: what was added to the node's reward balance.
	pub total: Balance,
}

/// A node's record for one cycle: the work, and once the cycle is settled for this node, the
/// reward it produced.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct NodeCycleRecord<Balance> {
	/// Accumulated work.
	pub work: CycleWork<Balance>,
	/// `Some` once the node's reward for this (closed) cycle was credited.
	pub reward: Option<RewardBreakdown<Balance>>,
}

/// Network-wide totals of the open cycle; frozen into a [`CycleSnapshot`] at close.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct CycleTotals<Balance> {
	/// `TotalRetrievalPower`: Σ paid retrieval amounts.
	pub retrieval_power: Balance,
	/// Σ paid cache-order amounts.
	pub order_paid: Balance,
	/// `TotalCachedBytes`: Σ attested levels.
	pub cached_bytes: u128,
	/// Nodes with work in the cycle: each must settle once before the snapshot is dropped.
	pub participants: u32,
}

/// What a closed cycle distributes. Kept until every participant has settled, then the
/// rounding and cap remainder (`unpaid`) goes back to the reward pool and the snapshot is
/// removed.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct CycleSnapshot<Balance> {
	/// Totals of the cycle.
	pub totals: CycleTotals<Balance>,
	/// `P_R = RetrievalShare × Pool` (not all of it is moved).
	pub retrieval_pool: Balance,
	/// `P_C = Pool − P_R`.
	pub cache_pool: Balance,
	/// `D_R = min(P_R, k_r·τ·TotalRetrievalPower)`, moved to the pallet account.
	pub d_r: Balance,
	/// `D_C = min(P_C, k_o·τ·ΣA^ord + k_c·τ·p·TotalCachedBytes/ρ)`, moved likewise.
	pub d_c: Balance,
	/// `TotalPoints = ΣA^ord/p × PointBase + PointsPerCycle` (second term only if anything
	/// was cached).
	pub total_points: u128,
	/// `PointBase` in force at close.
	pub point_base: u128,
	/// `PointsPerCycle` in force at close.
	pub points_per_cycle: u128,
	/// Caps in force at close.
	pub caps: Caps,
	/// `p`, planck per byte, in force at close.
	pub byte_price: Balance,
	/// `ρ` in force at close.
	pub replicas: u32,
	/// Moved funds not yet credited to a node.
	pub unpaid: Balance,
	/// Participants that have not settled yet.
	pub unsettled: u32,
}

/// A node's reward account, separate from its registration so an unregistered node can
/// still claim what it earned.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct RewardLedger<Balance> {
	/// Credited and not yet claimed.
	pub balance: Balance,
	/// Cycle of the last `claim` (at most one per cycle).
	pub last_claim: Option<CycleIndex>,
	/// The one cycle whose work has not been settled into `balance` yet.
	pub pending_cycle: Option<CycleIndex>,
}

/// Receipt of the winning tickets a node settled for one payer in one cycle.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
pub struct Receipt<Balance> {
	/// Winning tickets settled.
	pub won: u32,
	/// Amount paid from the payer's allowance.
	pub paid: Balance,
	/// `Σ 2⁶⁴ / win_prob`: tickets the winners represent (information only).
	pub expected_tickets: u128,
	/// `Σ bytes × 2⁶⁴ / win_prob` (information only).
	pub expected_bytes: u128,
	/// Nonce of the last winner settled.
	pub last_nonce: u64,
}

/// Answer of the runtime API for one node and one cycle.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct NodeCycleReport<Balance> {
	/// The cycle asked about.
	pub cycle: CycleIndex,
	/// The cycle currently open.
	pub current_cycle: CycleIndex,
	/// Work recorded (if any, and not pruned yet).
	pub work: Option<CycleWork<Balance>>,
	/// The cycle's reward: as credited, or computed now for a closed cycle the node has not
	/// settled yet; `None` while the cycle is open.
	pub reward: Option<RewardBreakdown<Balance>>,
	/// Receipts of the node in the cycle (see `node_receipts` for the list).
	pub receipt_count: u32,
	/// The node's reward balance including any unsettled closed cycle.
	pub reward_balance: Balance,
	/// What `claim` would pay now (zero if already claimed this cycle).
	pub claimable_now: Balance,
}

/// An allowance as the runtime API shows it.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct AllowanceView<Balance, BlockNumber> {
	/// Funds tickets can still draw.
	pub balance: Balance,
	/// Block the allowance was opened; tickets sign it.
	pub opened_at: BlockNumber,
	/// Every nonce `<= floor` is spent.
	pub floor: u64,
	/// Settled nonces above `floor`.
	pub recent: alloc::vec::Vec<u64>,
	/// Pending decrease.
	pub decrease: Option<AllowanceDecrease<Balance, BlockNumber>>,
}
