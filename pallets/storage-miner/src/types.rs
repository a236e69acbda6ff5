//! Plain data types stored or returned by the storage-miner pallet.
//!
//! Every stored type is `MaxEncodedLen`, so every storage item has a known worst-case size
//! (no `without_storage_info`).

use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::BoundedVec;
use scale_info::TypeInfo;
use sp_core::Get;

/// The shared value types, defined in `cess-traits` (see its docs) and re-exported here so
/// `pallet_storage_miner::MinerState` etc. keep working.
pub use cess_traits::types::*;

/// A registered miner. `collateral` always equals the amount held under
/// `HoldReason::Collateral`; `debt > 0` implies `collateral == 0` (punishments take the
/// collateral first, top-ups repay the debt first).
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
#[scale_info(skip_type_params(MaxEndpointLen))]
pub struct MinerInfo<AccountId, Balance, BlockNumber, MaxEndpointLen: Get<u32>> {
	/// Receives the miner's rewards (may differ from the operating account).
	pub beneficiary: AccountId,
	/// How users and other miners reach the miner (multiaddr, URL), opaque to the chain.
	pub endpoint: BoundedVec<u8, MaxEndpointLen>,
	/// Current state.
	pub state: MinerState,
	/// Declared space in TiB: idle + service space never exceed it.
	pub declared_tib: u32,
	/// Collateral held under `HoldReason::Collateral`.
	pub collateral: Balance,
	/// Punishments that exceeded the collateral; repaid first from top-ups.
	pub debt: Balance,
	/// Commitment over the miner's sealed idle fillers and their count.
	pub filler_commitment: Commitment,
	/// Number of idle fillers committed; idle space = `filler_count × FillerSize`.
	pub filler_count: u64,
	/// Bytes of confirmed service fragments (maintained by the file market).
	pub service_space: u64,
	/// Sectors pre-committed, proven or terminating but not yet removed: each reserves a
	/// sector of declared space (`SealParams::sector_bytes`).
	pub sectors_reserved: u32,
	/// Sectors in the active list: each counts a sector of idle space.
	pub sectors_active: u32,
	/// Whether the miner ever committed idle space (leaves `Registered` for good).
	pub activated: bool,
	/// Block of registration.
	pub registered_at: BlockNumber,
	/// Last block the miner earned storage power (registration block until it does): a miner
	/// that earns none for `ProveWithin` blocks and holds no service space may be evicted.
	pub active_at: BlockNumber,
	/// For `Exiting` and `Banned` miners: first block at which `withdraw` succeeds.
	pub exit_at: Option<BlockNumber>,
	/// Position in the list of `Positive` miners (fragment assignment draws from it).
	pub candidate_index: Option<u32>,
}

/// Everything a wallet or the miner agent wants to know about a miner (runtime API).
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct MinerReport<AccountId, Balance, BlockNumber> {
	/// Current state (`Banned` also for a banned account whose record was removed).
	pub state: MinerState,
	/// Reward recipient.
	pub beneficiary: Option<AccountId>,
	/// Endpoint bytes.
	pub endpoint: alloc::vec::Vec<u8>,
	/// Declared space in TiB.
	pub declared_tib: u32,
	/// Declared, idle and service space in bytes.
	pub declared_space: u64,
	/// Committed idle space in bytes.
	pub idle_space: u64,
	/// Confirmed service space in bytes.
	pub service_space: u64,
	/// Declared space not used by idle or service space, in bytes.
	pub free_space: u64,
	/// Committed fillers.
	pub filler_count: u64,
	/// The idle commitment.
	pub filler_commitment: Commitment,
	/// Held collateral.
	pub collateral: Balance,
	/// Outstanding debt.
	pub debt: Balance,
	/// Collateral required for the declared space: `CollateralPerTiB × ceil(declared TiB)`.
	pub requirement: Balance,
	/// What a top-up must bring to leave `Frozen`: debt plus missing collateral.
	pub shortfall: Balance,
	/// For exiting or banned miners, when `withdraw` becomes possible.
	pub exit_at: Option<BlockNumber>,
}

/// Number of block-day steps over which the second half of a reward order is released
/// (SPEC §8). It is also the bound of a miner's order list (see [`RewardOrder`]).
pub const RELEASE_STEPS: u32 = 90;

/// Most cycles a miner can have power in that are not yet snapshot (see [`MinerRewards`]).
pub const MAX_PENDING_CYCLES: u32 = 4;

/// The reward record of one cycle: created when the first miner earns power in it, given its
/// reward at the snapshot, removed once every miner that earned power in it has turned that
/// power into a share (SPEC §7, §8). No expiry: a record lives exactly as long as someone can
/// still claim from it.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct CycleReward<Balance> {
	/// `TotalReward_N`: the unreserved content of the storage pool when the cycle finished
	/// (0 before the snapshot).
	pub total: Balance,
	/// `TotalStoragePower_N`, copied from the audit at the snapshot (0 before it).
	pub power: Power,
	/// Sum of the shares taken from this cycle so far (`≤ total`).
	pub allocated: Balance,
	/// Miners that earned power in this cycle and have not taken their share yet.
	pub holders: u32,
}

/// Running totals of the reward flow, for `try_state` only (see `invariants.rs`): with
/// [`crate::RewardsPaid`] and [`crate::RewardsReserved`] they give the exact identity
/// `snapshotted = paid + reserved + returned`, and `returned + closed ≤ shares` bounds the
/// rounding dust (proof in `invariants.rs`).
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct RewardLedger<Balance> {
	/// Sum of every snapshot's `TotalReward_N` (what was ever reserved for a cycle).
	pub snapshotted: Balance,
	/// Sum of the rounding remainders (`total − allocated`) returned to the unreserved pool
	/// when a cycle record closed.
	pub returned: Balance,
	/// Shares taken from snapshot cycle records: one per miner and cycle, zero shares included.
	pub shares: u64,
	/// Cycle records closed (every one after its snapshot, when its last holder took its share).
	pub closed: u64,
}

/// Power a miner earned in a cycle that was not snapshot yet when it was credited.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub struct PendingPower {
	/// The cycle.
	pub cycle: CycleIndex,
	/// The miner's power in it so far (sum of its passed challenges).
	pub power: Power,
}

/// The still-vesting half of one or more reward orders created in the same block day.
///
/// An order of `A` pays `A − ⌊A/2⌋` at creation (not stored) and keeps
/// `vesting = ⌊A/2⌋`, released in [`RELEASE_STEPS`] steps of `step = ⌊vesting / 90⌋` at the
/// start of each of the 90 block days after the day of creation; the 90th step pays
/// `vesting − 89 × step`, the exact remainder. After `e` elapsed block days the released amount
/// is `step × e` for `e < 90` and `vesting` from `e = 90` on — linear in `(vesting, step)`, so
/// orders of the same day are stored as one record holding the sums: the merged record
/// releases, at every block, exactly the sum of what the separate orders would release.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub struct RewardOrder<Balance> {
	/// Block day of creation (`block number / BlockDay`).
	pub day: u32,
	/// The vesting half (sum over the merged orders).
	pub vesting: Balance,
	/// One daily step (sum over the merged orders).
	pub step: Balance,
}

/// A miner's reward orders and the power it earned but has not turned into an order yet.
///
/// **Nothing expires.** Every credit of power (from the audit, through
/// [`crate::MinerMutate::note_power`]) first turns the miner's pending power of
/// already snapshot cycles into `banked` shares, then adds the new power to `pending`. So
/// `pending` only holds cycles that were not snapshot when credited: the credited cycle and
/// the one before it, whose last round may still be settling (the audit settles a round within
/// the next one) — at most 2, bounded by [`MAX_PENDING_CYCLES`] = 4. A miner that stops
/// earning (frozen, exited, or just never claiming) keeps at most those entries, and each keeps
/// its cycle record alive until the miner claims: no time limit, bounded storage.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct MinerRewards<Balance> {
	/// Power in cycles not snapshot when it was credited, oldest first, one entry per cycle.
	pub pending: BoundedVec<PendingPower, frame_support::traits::ConstU32<MAX_PENDING_CYCLES>>,
	/// Shares of snapshot cycles taken from their records, not yet turned into an order (the
	/// next claim does).
	pub banked: Balance,
	/// First and last cycle whose share is in `banked` (reported by `RewardOrderCreated`).
	pub banked_cycles: Option<(CycleIndex, CycleIndex)>,
	/// Block day of the last claim: every order has paid what had vested by then.
	pub last_day: u32,
	/// Vested amounts the transfer to the beneficiary could not take (e.g. below its
	/// existential deposit); paid with the next claim.
	pub unpaid: Balance,
	/// Live orders, oldest first, at most one per block day. After a claim on day `d` every
	/// order of a day `≤ d − 90` is fully paid and deleted, so the days left lie in
	/// `d − 89 ..= d`: at most 90 orders — the bound can never be hit.
	pub orders: BoundedVec<RewardOrder<Balance>, frame_support::traits::ConstU32<RELEASE_STEPS>>,
}

impl<Balance: sp_runtime::traits::Zero> MinerRewards<Balance> {
	/// Nothing pending, banked, unpaid or vesting: the record can be deleted.
	pub fn is_empty(&self) -> bool {
		self.pending.is_empty()
			&& self.banked.is_zero()
			&& self.unpaid.is_zero()
			&& self.orders.is_empty()
	}
}

/// A miner's rewards as the runtime API reports them.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct RewardReport<Balance, BlockNumber> {
	/// What `claim_rewards` would pay now (vested amounts, plus the immediate half of the
	/// finished, unclaimed cycles it would turn into an order).
	pub claimable: Balance,
	/// What is still vesting after such a claim.
	pub vesting: Balance,
	/// The block of the next release step, if anything is still vesting.
	pub next_release: Option<BlockNumber>,
	/// Cycles with power not yet turned into an order that the next claim would take.
	pub unclaimed_cycles: u32,
	/// The miner has debt or its collateral is below the requirement (whatever its state
	/// label): it cannot claim until that is cleared.
	pub frozen: bool,
	/// Debt left by a withdrawn miner, paid first from what its claims release.
	pub debt: Balance,
}
