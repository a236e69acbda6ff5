//! Service cycles and reward math.
//!
//! Per closed cycle `N` (SPEC §9):
//!
//! ```text
//! RetrievalPool_N = RetrievalShare × Pool_N         CachePool_N = Pool_N − RetrievalPool_N
//! retrieval node:  Reward = Income × 95 % + RetrievalPower / TotalRetrievalPower × RetrievalPool_N
//! cache node:      Points = CacheOrderBytes × PointBase + CachedBytes / TotalCachedBytes × PointsPerCycle
//!                  Reward = Points / TotalPoints × CachePool_N
//! TotalPoints = TotalCacheOrderBytes × PointBase + PointsPerCycle (second term only if anything was cached)
//! ```
//!
//! `Pool_N` is the reward pool's balance above its existential deposit when the cycle closes.
//! A sub-pool with nobody to pay (no retrieval power, or no points) stays in the pool for the
//! next cycle. Every pro-rata share is rounded down; the sum of the rounding remainders goes
//! back to the pool when the last participant of the cycle has settled. No unit is lost.
//!
//! Closing a cycle is O(1): totals are frozen into a [`CycleSnapshot`], the pools are moved
//! to the pallet account, and each node's reward is computed when it next interacts
//! ([`Pallet::settle_node`]), which each node needs at most once per cycle.

use crate::{
	pallet::*, BalanceOf, CycleIndex, CycleSnapshot, CycleWork, NodeCycleRecord, NodeCycleReport,
	RewardBreakdown, RewardLedger,
};
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	tokens::{Fortitude, Preservation},
	Get,
};
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{One, Saturating, Zero},
	DispatchError, Perbill, Rounding, SaturatedConversion,
};

/// `amount × part / total`, rounded down; zero when `total` is zero.
pub fn pro_rata<B: sp_runtime::traits::AtLeast32BitUnsigned + Copy>(
	amount: B,
	part: u128,
	total: u128,
) -> B {
	if total == 0 || part == 0 {
		return B::zero();
	}
	let amount: u128 = amount.saturated_into();
	// `part <= total` in every use, so the result fits `amount`'s type.
	multiply_by_rational_with_rounding(amount, part, total, Rounding::Down)
		.map(|v| v.saturated_into())
		.unwrap_or_else(B::zero)
}

/// Splits a cycle's pool into `(retrieval pool, cache pool)`; the retrieval part is rounded
/// down, so the two add up to `pool` exactly.
pub fn split_pool<B: sp_runtime::traits::AtLeast32BitUnsigned + Copy>(
	pool: B,
	retrieval_share: Perbill,
) -> (B, B) {
	let retrieval = retrieval_share.mul_floor(pool);
	(retrieval, pool.saturating_sub(retrieval))
}

/// A cache node's points: `CacheOrderBytes × PointBase + CachedBytes / TotalCachedBytes ×
/// PointsPerCycle` (the second term rounded down).
pub fn cache_points(
	cache_order_bytes: u128,
	cached_bytes: u128,
	total_cached_bytes: u128,
	point_base: u128,
	points_per_cycle: u128,
) -> u128 {
	cache_order_bytes.saturating_mul(point_base).saturating_add(pro_rata(
		points_per_cycle,
		cached_bytes,
		total_cached_bytes,
	))
}

/// Total points of a cycle. It is an upper bound of the sum of every node's points (their
/// cached-bytes terms are rounded down), so the cache pool is never over-distributed.
pub fn total_points(
	total_cache_order_bytes: u128,
	total_cached_bytes: u128,
	point_base: u128,
	points_per_cycle: u128,
) -> u128 {
	let cached_term = if total_cached_bytes > 0 { points_per_cycle } else { 0 };
	total_cache_order_bytes.saturating_mul(point_base).saturating_add(cached_term)
}

/// A node's reward for one closed cycle, from its work and the cycle's snapshot.
pub fn compute_reward<B: sp_runtime::traits::AtLeast32BitUnsigned + Copy>(
	work: &CycleWork<B>,
	snapshot: &CycleSnapshot<B>,
) -> RewardBreakdown<B> {
	let power = u128::from(work.orders);
	let power_share =
		pro_rata(snapshot.retrieval_pool, power, u128::from(snapshot.totals.retrieval_power));
	let points = cache_points(
		work.cache_order_bytes,
		work.cached_bytes,
		snapshot.totals.cached_bytes,
		snapshot.point_base,
		snapshot.points_per_cycle,
	);
	let cache_share = pro_rata(snapshot.cache_pool, points, snapshot.total_points);
	let pool_share = power_share.saturating_add(cache_share);
	RewardBreakdown {
		income: work.income,
		pool_share,
		units: power.saturating_add(points),
		total: work.income.saturating_add(pool_share),
	}
}

impl<T: Config> Pallet<T> {
	/// Whether the open cycle has run `CycleLength` blocks at `now`.
	pub(crate) fn cycle_due(now: frame_system::pallet_prelude::BlockNumberFor<T>) -> bool {
		let length = T::CycleLength::get().max(One::one());
		now >= CycleStart::<T>::get().saturating_add(length)
	}

	/// Closes the open cycle: snapshot totals, move the cycle's pools from the reward pool to
	/// the pallet account, open the next cycle. Constant work.
	pub(crate) fn close_cycle(now: frame_system::pallet_prelude::BlockNumberFor<T>) {
		let cycle = CurrentCycle::<T>::get();
		let totals = CurrentTotals::<T>::take();
		let pool = T::RewardPool::get();
		let available =
			T::Currency::reducible_balance(&pool, Preservation::Preserve, Fortitude::Polite);
		let (retrieval, cache) = split_pool(available, RetrievalShare::<T>::get());
		let point_base = T::PointBase::get();
		let points_per_cycle = T::PointsPerCycle::get();
		let total_points = total_points(
			totals.cache_order_bytes,
			totals.cached_bytes,
			point_base,
			points_per_cycle,
		);
		// A sub-pool nobody earned stays in the reward pool for the next cycle.
		let mut retrieval_pool =
			if totals.retrieval_power > 0 { retrieval } else { BalanceOf::<T>::zero() };
		let mut cache_pool = if total_points > 0 { cache } else { BalanceOf::<T>::zero() };
		let distributed = retrieval_pool.saturating_add(cache_pool);
		if !distributed.is_zero() {
			if let Err(e) = T::Currency::transfer(
				&pool,
				&Self::account_id(),
				distributed,
				Preservation::Preserve,
			) {
				// Cannot happen (`distributed <= reducible balance`); if it did, distribute
				// nothing this cycle rather than credit funds that were not moved.
				log::error!(target: "runtime::cdn", "cycle {cycle}: pool transfer failed: {e:?}");
				retrieval_pool = Zero::zero();
				cache_pool = Zero::zero();
			}
		}
		if totals.participants > 0 {
			Snapshots::<T>::insert(
				cycle,
				CycleSnapshot {
					totals: totals.clone(),
					retrieval_pool,
					cache_pool,
					total_points,
					point_base,
					points_per_cycle,
					unpaid: retrieval_pool.saturating_add(cache_pool),
					unsettled: totals.participants,
				},
			);
		}
		CurrentCycle::<T>::put(cycle.saturating_add(1));
		CycleStart::<T>::put(now);
		Self::deposit_event(Event::CycleClosed {
			cycle,
			retrieval_pool,
			cache_pool,
			retrieval_power: totals.retrieval_power,
			cached_bytes: totals.cached_bytes,
			total_points,
			participants: totals.participants,
		});
	}

	/// Credits `who`'s reward for its pending cycle if that cycle has closed, and returns the
	/// (stored) ledger. O(1): a node has at most one unsettled cycle, because it settles the
	/// previous one before recording work in a new one.
	pub fn settle_node(who: &T::AccountId) -> Result<RewardLedger<BalanceOf<T>>, DispatchError> {
		let mut ledger = Rewards::<T>::get(who);
		let Some(pending) = ledger.pending_cycle else {
			return Ok(ledger);
		};
		if pending >= CurrentCycle::<T>::get() {
			return Ok(ledger);
		}
		let mut record = NodeWork::<T>::get(who, pending).unwrap_or_default();
		let snapshot = Snapshots::<T>::get(pending);
		let breakdown = Self::reward_of(&record, snapshot.as_ref());
		ledger.balance = ledger.balance.saturating_add(breakdown.total);
		ledger.pending_cycle = None;
		record.reward = Some(breakdown.clone());
		NodeWork::<T>::insert(who, pending, record);
		Rewards::<T>::insert(who, &ledger);

		if let Some(mut snapshot) = snapshot {
			snapshot.unpaid = snapshot.unpaid.saturating_sub(breakdown.pool_share);
			snapshot.unsettled = snapshot.unsettled.saturating_sub(1);
			if snapshot.unsettled == 0 {
				let mut remainder = snapshot.unpaid;
				if !remainder.is_zero() {
					if let Err(e) = T::Currency::transfer(
						&Self::account_id(),
						&T::RewardPool::get(),
						remainder,
						Preservation::Preserve,
					) {
						// Never blocks the node: the remainder then stays in the pallet account.
						log::error!(target: "runtime::cdn", "cycle {pending}: remainder not returned: {e:?}");
						remainder = Zero::zero();
					}
				}
				Snapshots::<T>::remove(pending);
				Self::deposit_event(Event::CycleFinalized { cycle: pending, remainder });
			} else {
				Snapshots::<T>::insert(pending, snapshot);
			}
		}
		Self::deposit_event(Event::NodeRewarded {
			cycle: pending,
			node: who.clone(),
			units: breakdown.units,
			income: breakdown.income,
			pool_share: breakdown.pool_share,
			amount: breakdown.total,
		});
		Ok(ledger)
	}

	/// A node's reward for a closed cycle; with no snapshot (nothing was distributed) only
	/// its income.
	fn reward_of(
		record: &NodeCycleRecord<BalanceOf<T>>,
		snapshot: Option<&CycleSnapshot<BalanceOf<T>>>,
	) -> RewardBreakdown<BalanceOf<T>> {
		match snapshot {
			Some(s) => compute_reward(&record.work, s),
			None => RewardBreakdown {
				income: record.work.income,
				pool_share: Zero::zero(),
				units: 0,
				total: record.work.income,
			},
		}
	}

	/// Runtime API: a node's receipts, work and reward for `cycle`, and its reward balance
	/// (including a closed cycle it has not settled yet). Read-only.
	pub fn node_cycle_report(
		node: T::AccountId,
		cycle: CycleIndex,
	) -> NodeCycleReport<T::AccountId, BalanceOf<T>> {
		let current = CurrentCycle::<T>::get();
		let record = NodeWork::<T>::get(&node, cycle);
		let reward = record.as_ref().and_then(|r| {
			r.reward.clone().or_else(|| {
				(cycle < current).then(|| Self::reward_of(r, Snapshots::<T>::get(cycle).as_ref()))
			})
		});
		let ledger = Rewards::<T>::get(&node);
		let mut reward_balance = ledger.balance;
		if let Some(pending) = ledger.pending_cycle.filter(|p| *p < current) {
			let pending_record = NodeWork::<T>::get(&node, pending).unwrap_or_default();
			let unsettled = Self::reward_of(&pending_record, Snapshots::<T>::get(pending).as_ref());
			reward_balance = reward_balance.saturating_add(unsettled.total);
		}
		let claimable_now = if ledger.last_claim == Some(current) {
			Zero::zero()
		} else {
			Self::claimable(reward_balance)
		};
		NodeCycleReport {
			cycle,
			current_cycle: current,
			receipts: Receipts::<T>::get(&node, cycle).into_inner(),
			work: record.map(|r| r.work),
			reward,
			reward_balance,
			claimable_now,
		}
	}
}
