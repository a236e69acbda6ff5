//! Storage power per cycle: running sums, so closing a cycle is O(1), and the
//! [`StoragePowerInspect`] the reward orders (`storageMiner`) read them through (SPEC §7:
//! `Reward_k = TotalReward_N × StoragePower_k / TotalStoragePower_N`; a miner's share of a
//! cycle is the sum of its passed challenges' power). The runtime wires `type Power = Audit;`
//! into the storage-miner pallet directly: no adapter.

use crate::*;
use cess_traits::{MinerMutate, StoragePowerInspect};
use frame_support::traits::Get;

impl<T: Config> Pallet<T> {
	/// Adds `power` to the miner's and the cycle's running sums.
	pub(crate) fn credit_power(who: &T::AccountId, cycle: CycleIndex, power: Power) {
		MinerPower::<T>::mutate(cycle, who, |p| *p = p.saturating_add(power));
		CyclePower::<T>::mutate(cycle, |p| *p = p.saturating_add(power));
		// The reward orders keep their own copy, so this history's pruning loses nothing.
		T::Miners::note_power(who, cycle, power);
	}

	/// Called when `round` is fully settled: finishes its cycle if it was the cycle's last
	/// round (O(1)) and schedules the pruning of the cycle that fell out of the history.
	pub(crate) fn on_round_settled(round: RoundIndex) {
		LastSettledRound::<T>::put(round);
		Self::deposit_event(Event::RoundSettled { round });
		let per_cycle = T::RoundsPerCycle::get().max(1);
		if !round.saturating_add(1).is_multiple_of(per_cycle) {
			return;
		}
		let cycle = Self::cycle_of(round);
		FinishedCycle::<T>::put(cycle);
		Self::deposit_event(Event::CycleFinished {
			cycle,
			total_power: CyclePower::<T>::get(cycle),
		});
		if let Some(old) = cycle.checked_sub(T::PowerHistory::get()) {
			if PruningCycle::<T>::get().is_none() {
				PruningCycle::<T>::put(old);
			}
		}
	}

	/// Removes at most `limit` power records of the cycle being pruned; returns how many.
	pub(crate) fn prune_step(limit: u32) -> u32 {
		let Some(cycle) = PruningCycle::<T>::get() else {
			return 0;
		};
		let result = MinerPower::<T>::clear_prefix(cycle, limit, None);
		if result.maybe_cursor.is_none() {
			CyclePower::<T>::remove(cycle);
			PruningCycle::<T>::kill();
			Self::deposit_event(Event::CyclePruned { cycle });
		}
		result.unique
	}
}

impl<T: Config> StoragePowerInspect<T::AccountId> for Pallet<T> {
	fn cycle_power(cycle: CycleIndex) -> Power {
		CyclePower::<T>::get(cycle)
	}

	fn miner_power(cycle: CycleIndex, miner: &T::AccountId) -> Power {
		MinerPower::<T>::get(cycle, miner)
	}

	fn finished_cycle() -> Option<CycleIndex> {
		FinishedCycle::<T>::get()
	}

	fn oldest_retained_cycle() -> CycleIndex {
		FinishedCycle::<T>::get()
			.map(|c| c.saturating_sub(T::PowerHistory::get()).saturating_add(1))
			.unwrap_or(0)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_credit(cycle: CycleIndex, miner: &T::AccountId, power: Power) {
		MinerPower::<T>::mutate(cycle, miner, |p| *p = p.saturating_add(power));
		CyclePower::<T>::mutate(cycle, |p| *p = p.saturating_add(power));
		FinishedCycle::<T>::put(cycle);
	}
}
