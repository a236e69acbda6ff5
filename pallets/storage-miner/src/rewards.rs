//! Reward orders (SPEC §8): the per-cycle reward snapshot, the miners' own copy of their
//! power, `claim_rewards`, and the view the runtime API reports.
//!
//! **Power.** Every passed challenge's power reaches this pallet through
//! [`MinerMutate::note_power`]: it is added to the miner's `pending` entry for the
//! cycle, and the cycle's record counts the miner as a `holder`. Before that, the miner's
//! pending power of cycles already snapshot is turned into `banked` shares (O(1): at most
//! [`MAX_PENDING_CYCLES`] entries). So nothing here depends on the audit's power history.
//!
//! **Snapshot.** `on_initialize` asks the audit (through [`StoragePowerInspect`]) for the last
//! finished cycle; when a new one finished, the *unreserved* content of the reward pool
//! (`reducible balance − RewardsReserved`) becomes `TotalReward_N` and is added to
//! [`RewardsReserved`]: O(1), one cycle per block, and later cycles only ever see what came into
//! the pool afterwards, so no unit is promised twice. A cycle in which nobody earned power gets
//! nothing and the pool rolls over. `claim_rewards` runs the same step first, so the order of
//! the two pallets' hooks in a block does not matter.
//!
//! **Orders.** A claim turns every snapshot cycle the miner holds power in, and its banked
//! shares, into `⌊TotalReward_N × power / TotalStoragePower_N⌋` each (`multiply_by_rational`,
//! rounded down, so the shares of a cycle never exceed its total). All cycles claimed in one
//! block day form one order (see [`RewardOrder`] for the release rule and why merging is exact).
//!
//! **No expiry.** A cycle record is removed when its last holder takes its share; only then does
//! the rounding remainder (`total − allocated`) return to the unreserved pool. A miner that
//! never claims keeps at most `MAX_PENDING_CYCLES` records alive, and claims them exactly
//! whenever it comes back.
//!
//! **Who may claim.** A registered miner only while it has no debt and its collateral covers
//! the requirement — whatever its state label (an `Exiting` or `Banned` miner is judged the same
//! way as a `Frozen` one); its orders keep vesting meanwhile. A withdrawn account may always
//! claim; if it left debt behind ([`Debts`]), what its claims release pays that debt first.

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
	DispatchResult, Rounding,
};

/// A cycle record after some of its holders took their share.
pub(crate) type CycleUpdate<T> = (CycleIndex, CycleReward<BalanceOf<T>>);

/// What a claim would do, computed without writing (shared by the call and the runtime API).
pub(crate) struct ClaimPlan<T: Config> {
	/// The miner's record after the claim (orders paid, completed ones removed, new order
	/// merged, pending power folded), before the transfers' outcome is known.
	pub rewards: MinerRewards<BalanceOf<T>>,
	/// Cycle records whose holders took their share (with their new `allocated`, `holders`).
	pub cycles: Vec<CycleUpdate<T>>,
	/// First and last cycle the new order comes from.
	pub range: Option<(CycleIndex, CycleIndex)>,
	/// Amount of the new order (shares of the folded cycles and the banked ones).
	pub amount: BalanceOf<T>,
	/// Its half paid at once.
	pub immediate: BalanceOf<T>,
	/// Everything to pay now: unpaid amounts, steps vested since the last claim, `immediate`.
	pub due: BalanceOf<T>,
	/// Orders fully paid by this claim (deleted).
	pub completed: u32,
	/// Snapshot cycles whose pending power this claim turns into shares.
	pub folded: u32,
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

	/// `on_initialize`: at most one snapshot (bounded, whatever the number of miners or
	/// orders). Charged in full when a snapshot happened, otherwise only the two reads of the
	/// idle path (`finished_cycle`, `NextRewardCycle`).
	pub(crate) fn rewards_hook() -> Weight {
		if Self::snapshot_step() {
			T::WeightInfo::rewards_hook()
		} else {
			T::DbWeight::get().reads(2)
		}
	}

	/// Snapshots the reward of the next finished cycle, if any; returns whether it did.
	pub(crate) fn snapshot_step() -> bool {
		let Some(finished) = T::Power::finished_cycle() else {
			return false;
		};
		let next = NextRewardCycle::<T>::get();
		if next > finished {
			return false;
		}
		let power = T::Power::cycle_power(next);
		let mut total = Zero::zero();
		// The record exists exactly when some miner holds power in the cycle; otherwise the
		// pool rolls over to the next cycle.
		if let Some(mut record) = RewardCycles::<T>::get(next) {
			if power > 0 {
				total = Self::unreserved_pool();
			}
			record.total = total;
			record.power = power;
			RewardCycles::<T>::insert(next, record);
			RewardsReserved::<T>::mutate(|r| *r = r.saturating_add(total));
			RewardTotals::<T>::mutate(|l| l.snapshotted = l.snapshotted.saturating_add(total));
		}
		NextRewardCycle::<T>::put(next.saturating_add(1));
		Self::deposit_event(Event::CycleRewardSnapshot { cycle: next, total, power });
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

	/// Turns the pending power of every snapshot cycle into a share added to `banked`, without
	/// writing; returns the updated cycle records.
	pub(crate) fn fold(rewards: &mut MinerRewards<BalanceOf<T>>) -> Vec<CycleUpdate<T>> {
		let next = NextRewardCycle::<T>::get();
		let mut updates = Vec::new();
		for p in rewards.pending.iter().filter(|p| p.cycle < next) {
			let Some(mut record) = RewardCycles::<T>::get(p.cycle) else {
				continue;
			};
			let share = Self::share(&record, p.power);
			record.allocated = record.allocated.saturating_add(share);
			record.holders = record.holders.saturating_sub(1);
			rewards.banked = rewards.banked.saturating_add(share);
			if !share.is_zero() {
				rewards.banked_cycles =
					Some(rewards.banked_cycles.map_or((p.cycle, p.cycle), |(f, _)| (f, p.cycle)));
			}
			updates.push((p.cycle, record));
		}
		rewards.pending.retain(|p| p.cycle >= next);
		updates
	}

	/// Writes folded cycle records; a record whose last holder took its share is removed and
	/// its rounding remainder returns to the unreserved pool.
	pub(crate) fn apply_cycles(updates: Vec<CycleUpdate<T>>) {
		if updates.is_empty() {
			return;
		}
		let mut totals = RewardTotals::<T>::get();
		for (cycle, record) in updates {
			totals.shares = totals.shares.saturating_add(1);
			if record.holders == 0 {
				RewardCycles::<T>::remove(cycle);
				let released = record.total.saturating_sub(record.allocated);
				RewardsReserved::<T>::mutate(|r| *r = r.saturating_sub(released));
				totals.returned = totals.returned.saturating_add(released);
				totals.closed = totals.closed.saturating_add(1);
				Self::deposit_event(Event::CycleRewardClosed { cycle, released });
			} else {
				RewardCycles::<T>::insert(cycle, record);
			}
		}
		RewardTotals::<T>::put(totals);
	}

	fn empty_rewards(today: u32) -> MinerRewards<BalanceOf<T>> {
		MinerRewards {
			pending: Default::default(),
			banked: Zero::zero(),
			banked_cycles: None,
			last_day: today,
			unpaid: Zero::zero(),
			orders: Default::default(),
		}
	}

	/// [`MinerMutate::note_power`]: folds what is snapshot, then records the new
	/// power. O(1): at most `MAX_PENDING_CYCLES` cycle records read and written.
	pub(crate) fn do_note_power(who: &T::AccountId, cycle: CycleIndex, power: Power) {
		if power == 0 {
			return;
		}
		let now = frame_system::Pallet::<T>::block_number();
		Miners::<T>::mutate(who, |m| {
			if let Some(m) = m {
				m.active_at = now;
			}
		});
		let mut rewards =
			Rewards::<T>::get(who).unwrap_or_else(|| Self::empty_rewards(Self::block_day(now)));
		let updates = Self::fold(&mut rewards);
		Self::apply_cycles(updates);
		let recorded = if cycle < NextRewardCycle::<T>::get() {
			// The audit only credits a cycle that has not finished: unreachable.
			false
		} else if let Some(p) = rewards.pending.iter_mut().find(|p| p.cycle == cycle) {
			p.power = p.power.saturating_add(power);
			true
		} else if rewards.pending.try_push(PendingPower { cycle, power }).is_ok() {
			RewardCycles::<T>::mutate(cycle, |r| {
				let r = r.get_or_insert_with(Default::default);
				r.holders = r.holders.saturating_add(1);
			});
			true
		} else {
			false
		};
		if !recorded {
			Self::deposit_event(Event::PowerNotRecorded { miner: who.clone(), cycle, power });
		}
		Rewards::<T>::insert(who, rewards);
	}

	/// Computes a claim of `who` on block day `today` without writing (`None`: no record).
	pub(crate) fn plan_claim(who: &T::AccountId, today: u32) -> Option<ClaimPlan<T>> {
		let mut rewards = Rewards::<T>::get(who)?;
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

		// 2. Pending power of snapshot cycles becomes shares; with the banked ones, the order.
		let pending = rewards.pending.len();
		let cycles = Self::fold(&mut rewards);
		let folded = u32::try_from(pending.saturating_sub(rewards.pending.len())).unwrap_or(0);
		let amount = core::mem::replace(&mut rewards.banked, Zero::zero());
		let range = rewards.banked_cycles.take();

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
		Some(ClaimPlan { rewards, cycles, range, amount, immediate, due, completed, folded, today })
	}

	/// Pays `amount` from the pool to `to`; `false` (nothing moved) if the transfer is refused.
	fn pay_from_pool(to: &T::AccountId, amount: BalanceOf<T>) -> bool {
		if amount.is_zero() {
			return true;
		}
		let pool = T::RewardPool::get();
		let sent = frame_support::storage::with_storage_layer(|| {
			T::Currency::transfer(&pool, to, amount, Preservation::Preserve)
		});
		if sent.is_ok() {
			RewardsReserved::<T>::mutate(|r| *r = r.saturating_sub(amount));
			RewardsPaid::<T>::mutate(|p| *p = p.saturating_add(amount));
		}
		sent.is_ok()
	}

	/// `claim_rewards` (see the call).
	pub(crate) fn do_claim_rewards(who: T::AccountId) -> DispatchResult {
		let info = Miners::<T>::get(&who);
		ensure!(
			!info.as_ref().is_some_and(Self::under_collateralised),
			Error::<T>::FrozenCannotClaim
		);
		Self::snapshot_step();
		let today = Self::block_day(frame_system::Pallet::<T>::block_number());
		let plan = Self::plan_claim(&who, today).ok_or(Error::<T>::NothingToClaim)?;
		ensure!(
			plan.folded > 0 || !plan.due.is_zero() || plan.completed > 0,
			Error::<T>::NothingToClaim
		);
		let ClaimPlan { mut rewards, cycles, range, amount, immediate, due, completed, .. } = plan;
		Self::apply_cycles(cycles);
		// A withdrawn account's recorded debt is paid first from what is released.
		let debt = if info.is_none() {
			Debts::<T>::get(&who).unwrap_or_else(Zero::zero)
		} else {
			Zero::zero()
		};
		let to_debt = due.min(debt);
		let mut unpaid: BalanceOf<T> = Zero::zero();
		if !to_debt.is_zero() {
			if Self::pay_from_pool(&T::Treasury::get(), to_debt) {
				let left = debt.saturating_sub(to_debt);
				if left.is_zero() {
					Debts::<T>::remove(&who);
				} else {
					Debts::<T>::insert(&who, left);
				}
				Self::deposit_event(Event::DebtRepaid {
					miner: who.clone(),
					amount: to_debt,
					debt: left,
				});
			} else {
				unpaid = unpaid.saturating_add(to_debt);
			}
		}
		let beneficiary = info.map(|m| m.beneficiary).unwrap_or_else(|| who.clone());
		let to_beneficiary = due.saturating_sub(to_debt);
		let paid = if Self::pay_from_pool(&beneficiary, to_beneficiary) {
			to_beneficiary
		} else {
			unpaid = unpaid.saturating_add(to_beneficiary);
			Zero::zero()
		};
		rewards.unpaid = unpaid;
		if rewards.is_empty() {
			Rewards::<T>::remove(&who);
		} else {
			Rewards::<T>::insert(&who, rewards);
		}
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
		Ok(())
	}

	/// The runtime API's view: what a claim now would pay, what would still vest, when the next
	/// step is released.
	pub fn reward_report(who: &T::AccountId) -> RewardReportOf<T> {
		let now = frame_system::Pallet::<T>::block_number();
		let today = Self::block_day(now);
		let frozen = Miners::<T>::get(who).is_some_and(|m| Self::under_collateralised(&m));
		let debt = Debts::<T>::get(who).unwrap_or_else(Zero::zero);
		let Some(plan) = Self::plan_claim(who, today) else {
			return RewardReport { frozen, debt, ..Default::default() };
		};
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
			unclaimed_cycles: plan.folded,
			frozen,
			debt,
		}
	}
}
