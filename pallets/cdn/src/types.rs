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

/// What a ticket attests. The kind is part of the signed payload so a signature for one kind
/// can never be replayed as another.
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
	/// A user received `bytes` from a retrieval node and pays `amount` for it. The node keeps
	/// 95 % as income; the order counts as one unit of retrieval power.
	#[codec(index = 0)]
	Retrieval,
	/// A user had `bytes` served from a cache node and pays `amount` for it. The amount goes
	/// to the CD²N reward pool; the bytes count as `CacheOrderBytes` (points).
	#[codec(index = 1)]
	CacheOrder,
	/// A registered retrieval node (the signer) attests that the cache node holds `bytes` of
	/// content it placed there. Counts as `CachedBytes`; carries no payment.
	#[codec(index = 2)]
	CachedBytes,
}

/// The content a user (or, for [`TicketKind::CachedBytes`], a retrieval node) signs.
///
/// The signed message is [`crate::tickets::TICKET_CONTEXT`] followed by the SCALE encoding
/// of this struct (fields in declaration order, integers little-endian, not compact).
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct Ticket<AccountId, Balance, Hash> {
	/// Genesis hash of the chain: a ticket for a test network can never be paid on another.
	pub genesis: Hash,
	/// The account that signs and (for paid kinds) pays from its escrow.
	pub signer: AccountId,
	/// The node that served the order and alone may submit the ticket.
	pub node: AccountId,
	/// Strictly increasing per `(signer, node)`: makes replay impossible with O(1) storage.
	pub nonce: u64,
	/// Bytes served (orders) or held (attestations).
	pub bytes: u64,
	/// Amount taken from the signer's escrow (zero for attestations).
	pub amount: Balance,
	/// What the ticket attests.
	pub kind: TicketKind,
}

/// A ticket together with the signer's sr25519 signature over its payload (either the raw
/// payload or the payload wrapped in `<Bytes>…</Bytes>`, as polkadot.js `signRaw` does).
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct SignedTicket<AccountId, Balance, Hash> {
	/// The signed content.
	pub ticket: Ticket<AccountId, Balance, Hash>,
	/// sr25519 signature by `ticket.signer`.
	pub signature: sr25519::Signature,
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

/// Work a node did in one cycle, accumulated as its ticket batches settle.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct CycleWork<Balance> {
	/// Retrieval orders settled (`RetrievalPower`).
	pub orders: u32,
	/// The node's part (95 %) of the settled retrieval amounts (`Income × 95 %`).
	pub income: Balance,
	/// Bytes of settled cache orders (`CacheOrderBytes`).
	pub cache_order_bytes: u128,
	/// Bytes attested by retrieval nodes (`CachedBytes`).
	pub cached_bytes: u128,
}

/// How a node's reward for a closed cycle was computed (kept for receipts and the API).
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct RewardBreakdown<Balance> {
	/// `Income × 95 %` (retrieval nodes).
	pub income: Balance,
	/// Retrieval: `power / total power × RetrievalPool`; cache: `points / total points ×
	/// CachePool`.
	pub pool_share: Balance,
	/// Retrieval power (orders) or cache points, whichever applies to the node's kind.
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
pub struct CycleTotals {
	/// `TotalRetrievalPower`: retrieval orders settled by all nodes.
	pub retrieval_power: u64,
	/// Sum of all nodes' `CacheOrderBytes`.
	pub cache_order_bytes: u128,
	/// `TotalCachedBytes`.
	pub cached_bytes: u128,
	/// Nodes with work in the cycle: each must settle once before the snapshot is dropped.
	pub participants: u32,
}

/// What a closed cycle distributes. Kept until every participant has settled, then the
/// rounding remainder (`unpaid`) goes back to the reward pool and the snapshot is removed.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct CycleSnapshot<Balance> {
	/// Totals of the cycle.
	pub totals: CycleTotals,
	/// `RetrievalPool_N`, moved from the reward pool to the pallet account at close (zero if
	/// nobody had retrieval power: then it stayed in the pool).
	pub retrieval_pool: Balance,
	/// The cycle's cache pool, likewise.
	pub cache_pool: Balance,
	/// `TotalPoints = TotalCacheOrderBytes × PointBase + PointsPerCycle` (the second term only
	/// if anything was cached).
	pub total_points: u128,
	/// `PointBase` in force when the cycle closed.
	pub point_base: u128,
	/// `PointsPerCycle` in force when the cycle closed.
	pub points_per_cycle: u128,
	/// Pool funds of this cycle not yet credited to a node.
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

/// Receipt of the tickets a node settled for one signer and kind in one cycle. Aggregated per
/// `(signer, kind)` so the per-cycle list is bounded by the number of counterparties.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct Receipt<AccountId, Balance> {
	/// Who signed the tickets.
	pub signer: AccountId,
	/// Kind of the tickets.
	pub kind: TicketKind,
	/// Number of tickets.
	pub tickets: u32,
	/// Bytes (units) they attest.
	pub units: u128,
	/// Amount taken from the signer's escrow.
	pub amount: Balance,
	/// Highest nonce settled.
	pub last_nonce: u64,
}

/// Answer of the runtime API for one node and one cycle.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct NodeCycleReport<AccountId, Balance> {
	/// The cycle asked about.
	pub cycle: CycleIndex,
	/// The cycle currently open.
	pub current_cycle: CycleIndex,
	/// Receipts of the settled tickets.
	pub receipts: alloc::vec::Vec<Receipt<AccountId, Balance>>,
	/// Work recorded (if any, and not pruned yet).
	pub work: Option<CycleWork<Balance>>,
	/// The cycle's reward: as credited, or computed now for a closed cycle the node has not
	/// settled yet; `None` while the cycle is open.
	pub reward: Option<RewardBreakdown<Balance>>,
	/// The node's reward balance including any unsettled closed cycle.
	pub reward_balance: Balance,
	/// What `claim` would pay now (zero if already claimed this cycle).
	pub claimable_now: Balance,
}
