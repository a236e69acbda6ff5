//! Storage power per cycle (SPEC §7: `Reward_k = TotalReward_N × StoragePower_k /
//! TotalStoragePower_N`; a miner's share of a cycle is the sum of its passed challenges'
//! power).
//!
//! Implemented by `pallet-audit` directly; consumed by `pallet-storage-miner`, whose reward
//! snapshot reads the cycle totals (and by the runtime APIs). Per-miner power also reaches the
//! reward orders through [`MinerMutate::note_power`](crate::MinerMutate::note_power), called by
//! the audit at each credit, so the audit's pruning of its own history cannot lose a reward.
//! There is no mutate half: only the audit's own settlement changes power.

use crate::types::{CycleIndex, Power};

/// Read-only view of the audit's storage power.
pub trait StoragePowerInspect<AccountId> {
	/// `TotalStoragePower_N`: the power of every passed challenge in `cycle`.
	fn cycle_power(cycle: CycleIndex) -> Power;
	/// Storage power `miner` earned in `cycle` (0 once the cycle is pruned).
	fn miner_power(cycle: CycleIndex, miner: &AccountId) -> Power;
	/// The latest cycle whose totals are final (all its rounds settled), if any.
	fn finished_cycle() -> Option<CycleIndex>;
	/// The oldest finished cycle whose power is still stored (older ones are pruned).
	fn oldest_retained_cycle() -> CycleIndex;

	/// Benchmarks only: adds `power` to `miner`'s and `cycle`'s totals and marks every cycle
	/// up to `cycle` as finished (the one write in this trait, so the consumer's benchmarks
	/// can stage a finished cycle).
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_credit(cycle: CycleIndex, miner: &AccountId, power: Power);
}

/// No audit: nobody ever earns power (mocks of other pallets).
impl<AccountId> StoragePowerInspect<AccountId> for () {
	fn cycle_power(_cycle: CycleIndex) -> Power {
		0
	}
	fn miner_power(_cycle: CycleIndex, _miner: &AccountId) -> Power {
		0
	}
	fn finished_cycle() -> Option<CycleIndex> {
		None
	}
	fn oldest_retained_cycle() -> CycleIndex {
		0
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_credit(_cycle: CycleIndex, _miner: &AccountId, _power: Power) {}
}
