//! Service cycles and reward math (SPEC §9, §12; design §1).
//!
//! Per closed cycle `N`, with `τ` the treasury share and `k_r, k_c, k_o` the caps:
//!
//! ```text
//! P_R = RetrievalShare × Pool            P_C = Pool − P_R
//! D_R = min(P_R, k_r·τ·TotalRetrievalPower)                      (TotalRetrievalPower = Σ A_R)
//! retrieval node:  Reward = A_R × 95 % + A_R / ΣA_R × D_R
//! cache node:      Cap_C  = k_o·τ·A^ord + k_c·τ·p·CachedBytes/ρ
//!                  Reward = A^ord × 95 % + Cap_C / ΣCap_C × D_C
//! D_C = min(P_C, ΣCap_C)    ΣCap_C = k_o·τ·ΣA^ord + k_c·τ·p·TotalCachedBytes/ρ
//! (Points = A^ord/p × PointBase + CachedBytes/TotalCachedBytes × PointsPerCycle are only
//!  reported, as `units`: paying by points let one big self-paid order dilute every honest
//!  cache node's share for free.)
//! ```
//!
//! Soundness: a coalition's pool payout is at most `(k_r + k_c)·τ·A^ret + k_o·τ·A^ord`, at
//! most the `τ·A` it paid to the treasury, so self-dealing never pays.
//!
//! `Pool` is the reward pool's balance above its existential deposit at close. Only
//! `D_R + D_C` is moved to the pallet account; the rest stays in the pool up to `CarryCap`
//! and the excess goes to the treasury. Every share is rounded down; what the caps and the
//! rounding leave of `D_R + D_C` goes back to the pool when the last participant settles.

use crate::{
	pallet::*, BalanceOf, Caps, CycleIndex, CycleSnapshot, CycleWork, NodeCycleRecord,
	NodeCycleReport, RewardBreakdown, RewardLedger,
};
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	tokens::{Fortitude, Preservation},
	Get,
};
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{AtLeast32BitUnsigned, One, Saturating, Zero},
	DispatchError, Perbill, Rounding, SaturatedConversion,
};

/// `amount × part / total`, rounded down; zero when `total` is zero.
pub fn pro_rata<B: AtLeast32BitUnsigned + Copy>(amount: B, part: u128, total: u128) -> B {
	if total == 0 || part == 0 {
		return B::zero();
	}
	let amount: u128 = amount.saturated_into();
	multiply_by_rational_with_rounding(amount, part, total, Rounding::Down)
		.map(|v| v.saturated_into())
		.unwrap_or_else(B::zero)
}

/// Splits a cycle's pool into `(retrieval pool, cache pool)`; the retrieval part is rounded
/// down, so the two add up to `pool` exactly.
pub fn split_pool<B: AtLeast32BitUnsigned + Copy>(pool: B, retrieval_share: Perbill) -> (B, B) {
	let retrieval = retrieval_share.mul_floor(pool);
	(retrieval, pool.saturating_sub(retrieval))
}

/// `k × τ × amount`, each product rounded down (monotone and superadditive over sums, so the
/// cap of a total is at least the sum of the caps of its parts).
pub fn capped<B: AtLeast32BitUnsigned + Copy>(k: Perbill, tau: Perbill, amount: B) -> B {
	k.mul_floor(tau.mul_floor(amount))
}

/// `p × bytes / ρ` in planck, rounded down (saturating).
pub fn bytes_value<B: AtLeast32BitUnsigned + Copy>(price: B, bytes: u128, replicas: u32) -> B {
	let price: u128 = price.saturated_into();
	multiply_by_rational_with_rounding(price, bytes, u128::from(replicas.max(1)), Rounding::Down)
		.map(|v| v.saturated_into())
		.unwrap_or_else(B::max_value)
}

/// `amount / p`: the bytes a paid cache-order amount stands for.
pub fn order_bytes<B: AtLeast32BitUnsigned + Copy>(amount: B, price: B) -> u128 {
	let amount: u128 = amount.saturated_into();
	let price: u128 = price.saturated_into();
	amount.checked_div(price).unwrap_or(0)
}

/// A cache node's points: `A^ord/p × PointBase + CachedBytes / TotalCachedBytes ×
/// PointsPerCycle` (the second term rounded down).
pub fn cache_points(
	order_bytes: u128,
	cached_bytes: u128,
	total_cached_bytes: u128,
	point_base: u128,
	points_per_cycle: u128,
) -> u128 {
	order_bytes.saturating_mul(point_base).saturating_add(pro_rata(
		points_per_cycle,
		cached_bytes,
		total_cached_bytes,
	))
}

/// Total points of a cycle: an upper bound of the sum of every node's points.
pub fn total_points(
	total_order_bytes: u128,
	total_cached_bytes: u128,
	point_base: u128,
	points_per_cycle: u128,
) -> u128 {
	let cached_term = if total_cached_bytes > 0 { points_per_cycle } else { 0 };
	total_order_bytes.saturating_mul(point_base).saturating_add(cached_term)
}

/// `Cap_C = k_o·τ·A^ord + k_c·τ·p·CachedBytes/ρ`.
pub fn cache_cap<B: AtLeast32BitUnsigned + Copy>(
	caps: &Caps,
	tau: Perbill,
	order_paid: B,
	cached_bytes: u128,
	price: B,
	replicas: u32,
) -> B {
	capped(caps.cache_order, tau, order_paid).saturating_add(capped(
		caps.cached,
		tau,
		bytes_value(price, cached_bytes, replicas),
	))
}

/// A node's reward for one closed cycle, from its work and the cycle's snapshot.
pub fn compute_reward<B: AtLeast32BitUnsigned + Copy>(
	work: &CycleWork<B>,
	snapshot: &CycleSnapshot<B>,
	tau: Perbill,
) -> RewardBreakdown<B> {
	let power: u128 = work.paid.saturated_into();
	let total_power: u128 = snapshot.totals.retrieval_power.saturated_into();
	// `D_R ≤ k_r·τ·ΣA_R`, so the pro-rata share is already within `k_r·τ·A_R`.
	let r_share = pro_rata(snapshot.d_r, power, total_power);
	let r_cap = capped(snapshot.caps.retrieval, tau, work.paid);

	// Points are reported (`units`) but do not decide the payout: cache nodes are paid
	// like retrieval nodes, `D_C × Cap_C / ΣCap_C`, so a node can only take a bigger part of
	// the cache pool by raising its own cap, i.e. by paying `τ` on the orders behind it.
	let points = cache_points(
		order_bytes(work.order_paid, snapshot.byte_price),
		work.cached_bytes,
		snapshot.totals.cached_bytes,
		snapshot.point_base,
		snapshot.points_per_cycle,
	);
	let c_cap = cache_cap(
		&snapshot.caps,
		tau,
		work.order_paid,
		work.cached_bytes,
		snapshot.byte_price,
		snapshot.replicas,
	);
	let total_cap = cache_cap(
		&snapshot.caps,
		tau,
		snapshot.totals.order_paid,
		snapshot.totals.cached_bytes,
		snapshot.byte_price,
		snapshot.replicas,
	);
	// `ΣCap_C` of the totals is at least the sum of the nodes' caps (`cache_cap` is
	// superadditive), so the shares add up to at most `D_C` and each is at most `Cap_C`.
	let c_pro = pro_rata(snapshot.d_c, c_cap.saturated_into(), total_cap.saturated_into());
	let c_share = c_pro.min(c_cap);

	let pro = r_share.saturating_add(c_pro);
	let pool_share = r_share.saturating_add(c_share);
	RewardBreakdown {
		income: work.income,
		pro_rata: pro,
		cap: r_cap.saturating_add(c_cap),
		pool_share,
		surplus: pro.saturating_sub(pool_share),
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

	/// Closes the open cycle: snapshot totals, move `D_R + D_C` from the reward pool to the
	/// pallet account, send what the pool holds above `CarryCap` to the treasury, open the
	/// next cycle. Constant work.
	pub(crate) fn close_cycle(now: frame_system::pallet_prelude::BlockNumberFor<T>) {
		let cycle = CurrentCycle::<T>::get();
		let totals = CurrentTotals::<T>::take();
		let pool = T::RewardPool::get();
		let tau = T::TreasuryShare::get();
		let caps = PoolCaps::<T>::get();
		let price = T::ReferenceBytePrice::get();
		let replicas = T::MaxReplicas::get();
		let available =
			T::Currency::reducible_balance(&pool, Preservation::Preserve, Fortitude::Polite);
		let (retrieval_pool, cache_pool) = split_pool(available, RetrievalShare::<T>::get());
		let point_base = T::PointBase::get();
		let points_per_cycle = T::PointsPerCycle::get();
		let total_points = total_points(
			order_bytes(totals.order_paid, price),
			totals.cached_bytes,
			point_base,
			points_per_cycle,
		);
		let mut d_r = retrieval_pool.min(capped(caps.retrieval, tau, totals.retrieval_power));
		let mut d_c = cache_pool.min(cache_cap(
			&caps,
			tau,
			totals.order_paid,
			totals.cached_bytes,
			price,
			replicas,
		));
		let vault = Self::account_id();
		let distributed = d_r.saturating_add(d_c);
		if !distributed.is_zero() {
			if let Err(e) =
				T::Currency::transfer(&pool, &vault, distributed, Preservation::Preserve)
			{
				// Cannot happen (`distributed <= reducible balance`); if it did, distribute
				// nothing this cycle rather than credit funds that were not moved.
				log::error!(target: "runtime::cdn", "cycle {cycle}: pool transfer failed: {e:?}");
				d_r = Zero::zero();
				d_c = Zero::zero();
			}
		}
		let left = available.saturating_sub(d_r.saturating_add(d_c));
		let mut to_treasury = left.saturating_sub(T::CarryCap::get());
		if !to_treasury.is_zero() {
			if let Err(e) = T::Currency::transfer(
				&pool,
				&T::Treasury::get(),
				to_treasury,
				Preservation::Preserve,
			) {
				log::error!(target: "runtime::cdn", "cycle {cycle}: surplus not sent: {e:?}");
				to_treasury = Zero::zero();
			}
		}
		let carried = left.saturating_sub(to_treasury);
		if totals.participants > 0 {
			Snapshots::<T>::insert(
				cycle,
				CycleSnapshot {
					totals: totals.clone(),
					retrieval_pool,
					cache_pool,
					d_r,
					d_c,
					total_points,
					point_base,
					points_per_cycle,
					caps,
					byte_price: price,
					replicas,
					unpaid: d_r.saturating_add(d_c),
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
			d_r,
			d_c,
			carried,
			to_treasury,
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
		let mut record = NodeWork::<T>::get(pending, who).unwrap_or_default();
		let snapshot = Snapshots::<T>::get(pending);
		let breakdown = Self::reward_of(&record, snapshot.as_ref());
		ledger.balance = ledger.balance.saturating_add(breakdown.total);
		ledger.pending_cycle = None;
		record.reward = Some(breakdown.clone());
		NodeWork::<T>::insert(pending, who, record);
		Rewards::<T>::insert(who, &ledger);
		Unsettled::<T>::remove(pending, who);

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
			pro_rata: breakdown.pro_rata,
			cap: breakdown.cap,
			pool_share: breakdown.pool_share,
			surplus: breakdown.surplus,
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
			Some(s) => compute_reward(&record.work, s, T::TreasuryShare::get()),
			None => RewardBreakdown {
				income: record.work.income,
				total: record.work.income,
				..Default::default()
			},
		}
	}

	/// Runtime API: a node's work and reward for `cycle`, its receipt count, and its reward
	/// balance (including a closed cycle it has not settled yet). Read-only.
	pub fn node_cycle_report(
		node: T::AccountId,
		cycle: CycleIndex,
	) -> NodeCycleReport<BalanceOf<T>> {
		let current = CurrentCycle::<T>::get();
		let record = NodeWork::<T>::get(cycle, &node);
		let reward = record.as_ref().and_then(|r| {
			r.reward.clone().or_else(|| {
				(cycle < current).then(|| Self::reward_of(r, Snapshots::<T>::get(cycle).as_ref()))
			})
		});
		let ledger = Rewards::<T>::get(&node);
		let mut reward_balance = ledger.balance;
		if let Some(pending) = ledger.pending_cycle.filter(|p| *p < current) {
			let pending_record = NodeWork::<T>::get(pending, &node).unwrap_or_default();
			let unsettled = Self::reward_of(&pending_record, Snapshots::<T>::get(pending).as_ref());
			reward_balance = reward_balance.saturating_add(unsettled.total);
		}
		let claimable_now = if ledger.last_claim == Some(current) {
			Zero::zero()
		} else {
			Self::claimable(reward_balance)
		};
		let receipt_count =
			Receipts::<T>::iter_prefix((cycle, &node)).take(1_000_000).count() as u32;
		NodeCycleReport {
			cycle,
			current_cycle: current,
			work: record.map(|r| r.work),
			reward,
			receipt_count,
			reward_balance,
			claimable_now,
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Runtime API: a page of `node`'s receipts of `cycle` (see `CdnApi::node_receipts`).
	#[allow(clippy::type_complexity)]
	pub fn node_receipts(
		node: T::AccountId,
		cycle: CycleIndex,
		start_after: Option<T::AccountId>,
		limit: u32,
	) -> (alloc::vec::Vec<(T::AccountId, crate::ReceiptOf<T>)>, Option<T::AccountId>) {
		let limit = limit.min(crate::runtime_api::MAX_RECEIPTS_PAGE) as usize;
		let iter = match start_after {
			Some(after) => Receipts::<T>::iter_prefix_from(
				(cycle, node.clone()),
				Receipts::<T>::hashed_key_for((cycle, node, after)),
			),
			None => Receipts::<T>::iter_prefix((cycle, node)),
		};
		let page: alloc::vec::Vec<_> = iter.take(limit.saturating_add(1)).collect();
		if page.len() > limit {
			let mut page = page;
			page.truncate(limit);
			let next = page.last().map(|(payer, _)| payer.clone());
			(page, next)
		} else {
			(page, None)
		}
	}

	/// Runtime API: the payer's allowance for the node.
	pub fn allowance_view(
		payer: T::AccountId,
		node: T::AccountId,
	) -> Option<crate::AllowanceView<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>>
	{
		Allowances::<T>::get(payer, node).map(|a| crate::AllowanceView {
			balance: a.balance,
			opened_at: a.opened_at,
			floor: a.floor,
			recent: a.recent.into_inner(),
			decrease: a.decrease,
		})
	}

	/// Runtime API: whether a winning ticket with `nonce` would be accepted now.
	pub fn ticket_status(
		payer: T::AccountId,
		node: T::AccountId,
		nonce: u64,
	) -> crate::TicketStatus {
		match Allowances::<T>::get(payer, node) {
			None => crate::TicketStatus::Stale,
			Some(a) => match Self::nonce_check(&a, nonce) {
				Ok(()) => crate::TicketStatus::Open,
				Err(crate::RejectReason::StaleNonce) => crate::TicketStatus::Settled,
				Err(_) => crate::TicketStatus::Stale,
			},
		}
	}
}
