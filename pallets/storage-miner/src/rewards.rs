//! Reward orders (SPEC §8): the per-cycle reward snapshot, `claim_rewards`, and the view the
//! runtime API reports.
//!
//! **Snapshot.** `on_initialize` asks the audit (through [`StoragePowerSource`]) for the last
//! finished cycle; when a new one finished, the *unreserved* content of the reward pool
//! (`reducible balance − RewardsReserved`) becomes `TotalReward_N` and is added to
//! [`RewardsReserved`]: O(1), one cycle per block, and later cycles only ever see what came into
//! the pool afterwards, so no unit is promised twice. A cycle in which nobody earned power gets
//! nothing and the pool rolls over. `claim_rewards` runs the same step first, so the order of
//! the two pallets' hooks in a block does not matter.
//!
//! **Orders.** A claim turns every finished, unclaimed cycle `N` into
//! `⌊TotalReward_N × power / TotalStoragePower_N⌋` (`multiply_by_rational`, rounded down, so the
//! orders of a cycle never exceed its total). All cycles claimed in one block day form one order
//! (see [`RewardOrder`] for the release rule and why merging is exact).
//!
//! **Remainders.** Rounding dust and the shares of miners that never claim stay reserved until
//! the cycle leaves the audit's power history; then the hook releases `total − allocated` back
//! to the unreserved pool, i.e. into the next snapshot.

use crate::*;
use alloc::vec::Vec;
use frame_support::{
	ensure,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::{Fortitude, Preservation},
		Get,
	},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{One, Saturating, UniqueSaturatedFrom, UniqueSaturatedInto, Zero},
	DispatchError, Rounding,
};

/// What a claim would do, computed without writing (shared by the call and the runtime API).
pub(crate) struct ClaimPlan<T: Config> {
	/// The miner's record after the claim (orders paid, completed ones removed, new order
	/// merged, cursor moved), before the transfer's outcome is known.
	pub rewards: MinerRewards<BalanceOf<T>>,
	/// Cycle records with their new `allocated`.
	pub cycles: Vec<(CycleIndex, CycleReward<BalanceOf<T>>)>,
	/// Number of finished cycles the cursor moved over (the weight's `c`).
	pub scanned: u32,
	/// First and last cycle the new order comes from.
	pub range: Option<(CycleIndex, CycleIndex)>,
	/// Amount of the new order.
	pub amount: BalanceOf<T>,
	/// Its half paid at once.
	pub immediate: BalanceOf<T>,
	/// Everything to pay now: unpaid amounts, steps vested since the last claim, `immediate`.
	pub due: BalanceOf<T>,
	/// Orders fully paid by this claim (deleted).
	pub completed: u32,
	/// Block day of the claim.
	pub today: u32,
}

impl<T: Config> Pallet<T> {
	/// The current block day: `block number / BlockDay`.
	pub(crate) fn block_day(now: BlockNumberFor<T>) -> u32 {
		let day = T::BlockDay::get().max(One::one());
		(now / day).unique_saturated_into()
	}

	/// What an order has released `elapsed` block days after its creation day.
	pub(crate) fn released(order: &RewardOrder<BalanceOf<T>>, elapsed: u32) -> BalanceOf<T> {
		if elapsed >= RELEASE_STEPS {
			order.vesting
		} else {
			order.step.saturating_mul(BalanceOf::<T>::from(elapsed)).min(order.vesting)
		}
	}

	/// The pool's content not yet promised to anybody (the pool account keeps its existential
	/// deposit).
	pub fn unreserved_pool() -> BalanceOf<T> {
		T::Currency::reducible_balance(
			&T::RewardPool::get(),
			Preservation::Preserve,
			Fortitude::Polite,
		)
		.saturating_sub(RewardsReserved::<T>::get())
	}

	/// `on_initialize`: at most one snapshot and one expiry (bounded, whatever the number of
	/// miners or orders).
	/// Charged in full when a snapshot or an expiry happened, otherwise only the three reads
	/// of the idle path (`finished_cycle`, `NextRewardCycle`, `OldestRewardCycle`).
	pub(crate) fn rewards_hook() -> Weight {
		let snapshot = Self::snapshot_step();
		let expired = Self::expire_step();
		if snapshot || expired {
			T::WeightInfo::rewards_hook()
		} else {
			T::DbWeight::get().reads(3)
		}
	}

	/// Snapshots the reward of the next finished cycle, if any; returns whether it did.
	pub(crate) fn snapshot_step() -> bool {
		let Some(finished) = T::Power::finished_cycle() else {
			return false;
		};
		let retained = T::Power::oldest_retained_cycle();
		let next = match NextRewardCycle::<T>::get() {
			Some(next) => next,
			None => {
				// First snapshot (genesis: cycle 0; added to a running chain: the oldest cycle
				// that can still be claimed).
				let start = retained.min(finished);
				OldestRewardCycle::<T>::put(start);
				start
			}
		};
		if next > finished {
			return false;
		}
		let power = T::Power::cycle_power(next);
		// A cycle nobody earned power in (or one already out of the history, only possible
		// when catching up) gets nothing: the pool rolls over to the next cycle.
		let total =
			if power == 0 || next < retained { Zero::zero() } else { Self::unreserved_pool() };
		if !total.is_zero() {
			RewardCycles::<T>::insert(next, CycleReward { total, power, allocated: Zero::zero() });
			RewardsReserved::<T>::mutate(|r| *r = r.saturating_add(total));
		}
		NextRewardCycle::<T>::put(next.saturating_add(1));
		Self::deposit_event(Event::CycleRewardSnapshot { cycle: next, total, power });
		true
	}

	/// Releases what nobody claimed of the oldest cycle once it left the audit's history;
	/// returns whether a cycle expired.
	pub(crate) fn expire_step() -> bool {
		let Some(next) = NextRewardCycle::<T>::get() else {
			return false;
		};
		let oldest = OldestRewardCycle::<T>::get();
		if oldest >= next || oldest >= T::Power::oldest_retained_cycle() {
			return false;
		}
		let released = RewardCycles::<T>::take(oldest)
			.map(|r| r.total.saturating_sub(r.allocated))
			.unwrap_or_else(Zero::zero);
		if !released.is_zero() {
			RewardsReserved::<T>::mutate(|r| *r = r.saturating_sub(released));
		}
		OldestRewardCycle::<T>::put(oldest.saturating_add(1));
		Self::deposit_event(Event::CycleRewardExpired { cycle: oldest, released });
		true
	}

	/// `TotalReward_N × power / TotalStoragePower_N`, rounded down, capped by what is left of
	/// the cycle.
	fn share(cycle: &CycleReward<BalanceOf<T>>, power: Power) -> BalanceOf<T> {
		if cycle.power == 0 {
			return Zero::zero();
		}
		let total: u128 = cycle.total.unique_saturated_into();
		let share = multiply_by_rational_with_rounding(
			total,
			power.min(cycle.power),
			cycle.power,
			Rounding::Down,
		)
		.unwrap_or(0);
		BalanceOf::<T>::unique_saturated_from(share)
			.min(cycle.total.saturating_sub(cycle.allocated))
	}

	/// Computes a claim of `who` on block day `today` without writing.
	pub(crate) fn plan_claim(who: &T::AccountId, today: u32) -> ClaimPlan<T> {
		let mut rewards = Rewards::<T>::get(who).unwrap_or_else(|| MinerRewards {
			next_cycle: 0,
			last_day: today,
			unpaid: Zero::zero(),
			orders: Default::default(),
		});
		let last_day = rewards.last_day.min(today);
		// 1. Steps vested since the last claim; fully paid orders are deleted.
		let mut due = rewards.unpaid;
		for order in rewards.orders.iter() {
			let now = Self::released(order, today.saturating_sub(order.day));
			let before = Self::released(order, last_day.saturating_sub(order.day));
			due = due.saturating_add(now.saturating_sub(before));
		}
		let live = rewards.orders.len();
		rewards.orders.retain(|o| today.saturating_sub(o.day) < RELEASE_STEPS);
		let completed = u32::try_from(live.saturating_sub(rewards.orders.len())).unwrap_or(0);

		// 2. Finished, unclaimed cycles, oldest first.
		let from = rewards
			.next_cycle
			.max(T::Power::oldest_retained_cycle())
			.max(OldestRewardCycle::<T>::get());
		let end = NextRewardCycle::<T>::get().unwrap_or(0);
		let to = end.min(from.saturating_add(T::MaxCyclesPerClaim::get()));
		let mut cycles = Vec::new();
		let mut amount: BalanceOf<T> = Zero::zero();
		let mut range: Option<(CycleIndex, CycleIndex)> = None;
		for c in from..to {
			let Some(mut record) = RewardCycles::<T>::get(c) else {
				continue;
			};
			let power = T::Power::miner_power(c, who);
			if power == 0 {
				continue;
			}
			let share = Self::share(&record, power);
			if share.is_zero() {
				continue;
			}
			record.allocated = record.allocated.saturating_add(share);
			cycles.push((c, record));
			amount = amount.saturating_add(share);
			range = Some((range.map_or(c, |(first, _)| first), c));
		}
		let scanned = to.saturating_sub(from);
		if scanned > 0 {
			rewards.next_cycle = to;
		}

		// 3. The new order: half at once, half over 90 block days, merged with today's order.
		let vesting = amount / BalanceOf::<T>::from(2u32);
		let immediate = amount.saturating_sub(vesting);
		if !vesting.is_zero() {
			let step = vesting / BalanceOf::<T>::from(RELEASE_STEPS);
			let order = RewardOrder { day: today, vesting, step };
			match rewards.orders.last_mut() {
				Some(last) if last.day == today => {
					last.vesting = last.vesting.saturating_add(vesting);
					last.step = last.step.saturating_add(step);
				}
				_ => {
					if let Err(order) = rewards.orders.try_push(order) {
						// Unreachable: after step 1 the orders' days lie in `today − 89 ..
						// today − 1`, at most 89 of them. Should it ever happen, the newest
						// order absorbs this one (paid earlier, never lost).
						if let Some(last) = rewards.orders.last_mut() {
							last.vesting = last.vesting.saturating_add(order.vesting);
							last.step = last.step.saturating_add(order.step);
						}
					}
				}
			}
		}
		due = due.saturating_add(immediate);
		rewards.unpaid = Zero::zero();
		rewards.last_day = today;
		ClaimPlan { rewards, cycles, scanned, range, amount, immediate, due, completed, today }
	}

	/// `claim_rewards` (see the call). Returns the number of cycles looked at (the weight's
	/// `c`).
	pub(crate) fn do_claim_rewards(who: T::AccountId) -> Result<u32, DispatchError> {
		let info = Miners::<T>::get(&who);
		ensure!(
			!info.as_ref().is_some_and(|m| m.state == MinerState::Frozen),
			Error::<T>::FrozenCannotClaim
		);
		Self::snapshot_step();
		let today = Self::block_day(frame_system::Pallet::<T>::block_number());
		let plan = Self::plan_claim(&who, today);
		ensure!(
			plan.scanned > 0 || !plan.due.is_zero() || plan.completed > 0,
			Error::<T>::NothingToClaim
		);
		let ClaimPlan {
			mut rewards,
			cycles,
			scanned,
			range,
			amount,
			immediate,
			due,
			completed,
			..
		} = plan;
		for (c, record) in cycles {
			RewardCycles::<T>::insert(c, record);
		}
		let beneficiary = info.map(|m| m.beneficiary).unwrap_or_else(|| who.clone());
		let mut paid: BalanceOf<T> = Zero::zero();
		if !due.is_zero() {
			let pool = T::RewardPool::get();
			let sent = frame_support::storage::with_storage_layer(|| {
				T::Currency::transfer(&pool, &beneficiary, due, Preservation::Preserve)
			});
			if sent.is_ok() {
				paid = due;
				RewardsReserved::<T>::mutate(|r| *r = r.saturating_sub(paid));
			} else {
				rewards.unpaid = due;
			}
		}
		let unpaid = rewards.unpaid;
		Rewards::<T>::insert(&who, rewards);
		if let Some((first_cycle, last_cycle)) = range {
			Self::deposit_event(Event::RewardOrderCreated {
				miner: who.clone(),
				first_cycle,
				last_cycle,
				amount,
				immediate,
			});
		}
		Self::deposit_event(Event::RewardsClaimed {
			miner: who,
			beneficiary,
			paid,
			unpaid,
			orders_completed: completed,
		});
		Ok(scanned)
	}

	/// The runtime API's view: what a claim now would pay, what would still vest, when the next
	/// step is released.
	pub fn reward_report(who: &T::AccountId) -> RewardReportOf<T> {
		let now = frame_system::Pallet::<T>::block_number();
		let today = Self::block_day(now);
		let plan = Self::plan_claim(who, today);
		let vesting = plan.rewards.orders.iter().fold(BalanceOf::<T>::zero(), |acc, o| {
			acc.saturating_add(
				o.vesting.saturating_sub(Self::released(o, today.saturating_sub(o.day))),
			)
		});
		let next_release = (!vesting.is_zero()).then(|| {
			BlockNumberFor::<T>::from(plan.today.saturating_add(1))
				.saturating_mul(T::BlockDay::get())
		});
		RewardReport {
			claimable: plan.due,
			vesting,
			next_release,
			unclaimed_cycles: plan.scanned,
			frozen: Miners::<T>::get(who).is_some_and(|m| m.state == MinerState::Frozen),
		}
	}
}
