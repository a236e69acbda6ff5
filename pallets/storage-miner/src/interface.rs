//! The interface other pallets use to read and act on storage miners.
//!
//! The audit pallet (challenges, punishments) and the file market (service space) depend on
//! this trait, not on the storage-miner pallet itself, so each can be tested with its own mock
//! and the miner pallet never needs to know about files or proofs. The runtime wires
//! `type Miners = StorageMiner;` into both.

use crate::types::{IdleCommitment, MinerSpaces, MinerState, Punishment, ServiceSpaceError};
use sp_runtime::{DispatchError, DispatchResult};

/// Read and write access to storage miners for the audit and the file market.
pub trait StorageMinerInterface<AccountId> {
	/// The currency's balance type (collateral, punishments).
	type Balance;

	/// State of a registered miner (`None` if not registered; a banned account whose record
	/// was removed reports `Some(Banned)`).
	fn state(who: &AccountId) -> Option<MinerState>;

	/// Declared, idle and service space of a registered miner, in bytes.
	fn spaces(who: &AccountId) -> Option<MinerSpaces>;

	/// The idle-filler commitment and count the audit checks idle proofs against.
	fn idle_commitment(who: &AccountId) -> Option<IdleCommitment>;

	/// Whether the miner may be rewarded now (`Positive`: not frozen, not exiting, not banned).
	fn can_earn_rewards(who: &AccountId) -> bool;

	/// Held collateral and debt of a registered miner.
	fn collateral_and_debt(who: &AccountId) -> Option<(Self::Balance, Self::Balance)>;

	/// Number of `Positive` miners, the population fragments are assigned from.
	fn candidate_count() -> u32;

	/// The `index`-th `Positive` miner (`index < candidate_count()`); the order is arbitrary
	/// but stable between changes, so a random index picks a random miner in O(1).
	fn candidate(index: u32) -> Option<AccountId>;

	/// Adds `bytes` of confirmed service space. Only a `Positive` miner accepts it, and only
	/// if idle + service + `bytes` fits the declared space.
	fn add_service_space(who: &AccountId, bytes: u64) -> Result<(), ServiceSpaceError>;

	/// Removes `bytes` of service space (a deleted or moved fragment). Saturates at zero and
	/// works in every state, so freeing space can never fail.
	fn remove_service_space(who: &AccountId, bytes: u64);

	/// Punishes a miner by `amount`: the held collateral pays first (moved to the treasury),
	/// the rest becomes debt. The miner becomes `Frozen` if it was `Positive` or `Registered`.
	fn punish(
		who: &AccountId,
		amount: Self::Balance,
	) -> Result<Punishment<Self::Balance>, DispatchError>;

	/// The audit credited `power` (> 0) to `who` in `cycle` for a passed challenge. The reward
	/// orders keep their own copy of every miner's power, so no earned power depends on how
	/// long the audit keeps its history (see [`crate::MinerRewards`]). O(1): at most
	/// `MAX_PENDING_CYCLES` small records.
	fn note_power(who: &AccountId, cycle: crate::CycleIndex, power: crate::Power);

	/// Bans a miner for good: its fragments move to other miners, it may withdraw what is left
	/// of its collateral after the exit cooldown, and the account can never register again.
	fn ban(who: &AccountId) -> DispatchResult;

	/// Benchmarks only: registers `who` (funding it) with `declared_tib` of declared space,
	/// enough collateral and one committed filler, so it is `Positive`.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_positive_miner(who: &AccountId, declared_tib: u32) -> DispatchResult;
}

/// Told when a miner stops serving (exit or ban), so the file market can move its fragments to
/// other miners (`withdraw` waits until the miner's service space is back to zero), and when
/// its record is removed (withdraw or eviction), so the audit drops its record, counters and
/// snapshot: a later registration of the same account starts clean.
pub trait OnMinerLeave<AccountId> {
	/// `who` entered `Exiting` or `Banned`.
	fn on_miner_leave(who: &AccountId);
	/// `who`'s miner record was removed.
	fn on_miner_withdrawn(_who: &AccountId) {}
	/// Whether `who` still has a challenge that is neither proved nor settled as a miss.
	/// `withdraw` and `evict` wait for it: leaving never excuses a challenge (issue 15).
	fn challenge_open(_who: &AccountId) -> bool {
		false
	}
}

/// No file market, no audit: nothing to do.
impl<AccountId> OnMinerLeave<AccountId> for () {
	fn on_miner_leave(_who: &AccountId) {}
}

/// Both are told, `A` first (the runtime: the file market, then the audit).
impl<AccountId, A: OnMinerLeave<AccountId>, B: OnMinerLeave<AccountId>> OnMinerLeave<AccountId>
	for (A, B)
{
	fn on_miner_leave(who: &AccountId) {
		A::on_miner_leave(who);
		B::on_miner_leave(who);
	}
	fn on_miner_withdrawn(who: &AccountId) {
		A::on_miner_withdrawn(who);
		B::on_miner_withdrawn(who);
	}
	fn challenge_open(who: &AccountId) -> bool {
		A::challenge_open(who) || B::challenge_open(who)
	}
}

/// A miner's confirmed service fragments, as the audit needs them to challenge "fragment `k` of
/// miner `m`" and verify the answer against the fragment's Merkle root. Implemented by the file
/// market; defined here so the audit depends only on this crate.
///
/// Fragments are numbered densely `0..fragment_count(m)`. A released fragment (its file was
/// deleted, or it was moved off a leaving miner) keeps its number, root and space until the
/// audit calls [`apply_removals`](Self::apply_removals) at the miner's next checkpoint (after
/// its proof or settled miss); only then is it swap-removed. So a number never changes while
/// a challenge that counts it is open.
pub trait ServiceFragments<AccountId> {
	/// Number of confirmed service fragments of `miner`.
	fn fragment_count(miner: &AccountId) -> u64;

	/// Merkle root (`cess_storage_proof::fragment_root`) of fragment `index` of `miner`.
	fn fragment_root(miner: &AccountId, index: u64) -> Option<cess_storage_proof::Hash>;

	/// Bytes of user data in fragment `index` of `miner` (the rest of the fragment is zero
	/// padding), if known. The audit challenges only leaves inside the data.
	fn fragment_data_len(_miner: &AccountId, _index: u64) -> Option<u64> {
		None
	}

	/// Removes up to `limit` of `miner`'s released fragments (renumbering the list) and frees
	/// their service space; returns how many. The audit calls it only when no open challenge
	/// of `miner` counts them.
	fn apply_removals(_miner: &AccountId, _limit: u32) -> u32 {
		0
	}

	/// Credited service space of `miner`'s released fragments (deleted files, evacuated
	/// replicas) whose removal is still deferred. They stay challengeable, but earn no power:
	/// the audit's snapshot counts `service − released_space`.
	fn released_space(_miner: &AccountId) -> u64 {
		0
	}

	/// Weight of one [`apply_removals`](Self::apply_removals) step.
	fn removal_weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::zero()
	}

	// ---- issue 15, repair (added by the `repair` branch; mutate half) ----

	/// The audit found `miner` failing or missing its service proofs for `RepairAfterFailures`
	/// consecutive rounds, or `Frozen` for `RepairAfterFrozenRounds` rounds: the file market
	/// starts moving its replicas to other miners ("migrate, release on confirm": each stays on
	/// `miner`, challengeable but earning no power, until its new holder confirms). Returns
	/// whether a repair was started now (`false`: one is running, nothing is left to move, or
	/// the miner is leaving and its evacuation does the same). O(1); the moves run in the file
	/// market's hook with their own budget.
	fn start_repair(_miner: &AccountId) -> bool {
		false
	}
}

/// No file market: no service fragments.
impl<AccountId> ServiceFragments<AccountId> for () {
	fn fragment_count(_miner: &AccountId) -> u64 {
		0
	}
	fn fragment_root(_miner: &AccountId, _index: u64) -> Option<cess_storage_proof::Hash> {
		None
	}
}

/// Cycle totals of storage power, as the reward orders read them at the snapshot (SPEC §7,
/// §8). Implemented by the runtime with a small adapter over `pallet_audit::StoragePowerInfo`
/// (see `docs/storage-miners.md`, "Reward orders"); defined here because the audit depends on
/// this crate, not the other way round. Per-miner power comes through
/// [`StorageMinerInterface::note_power`] instead, so the audit's pruning of its own history
/// cannot lose a reward.
pub trait StoragePowerSource<AccountId> {
	/// `TotalStoragePower_N`: the power of every passed challenge in `cycle`.
	fn cycle_power(cycle: crate::CycleIndex) -> crate::Power;
	/// The latest cycle whose totals are final, if any.
	fn finished_cycle() -> Option<crate::CycleIndex>;

	/// Benchmarks only: adds `power` to the total of `cycle` and marks every cycle up to
	/// `cycle` as finished.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_credit(cycle: crate::CycleIndex, miner: &AccountId, power: crate::Power);
}

/// No audit: nobody ever earns power (mocks of other pallets).
impl<AccountId> StoragePowerSource<AccountId> for () {
	fn cycle_power(_cycle: crate::CycleIndex) -> crate::Power {
		0
	}
	fn finished_cycle() -> Option<crate::CycleIndex> {
		None
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_credit(_cycle: crate::CycleIndex, _miner: &AccountId, _power: crate::Power) {}
}
