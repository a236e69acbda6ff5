//! Background upkeep in `on_idle`, bounded by the block's leftover weight (design §5).
//!
//! 1. **Stragglers.** Once a cycle is `SettleGrace` cycles old, every participant that has not
//!    settled it is settled (its reward credited to its ledger), one node per step, so a node
//!    that never comes back cannot pin a snapshot and the remainder returns to the pool.
//! 2. **Pruning.** A cycle older than `ReceiptHistoryDepth`, fully settled, has its receipts,
//!    work records and cached levels removed, a bounded chunk per step.
//!
//! Two cursors (`SettleCursor`, `PruneCursor`) walk the cycles in order, so empty cycles cost
//! one step each. `settle` and `prune` are the permissionless fallbacks.

use crate::{pallet::*, weights::WeightInfo, CycleIndex};
use frame_support::{traits::Get, weights::Weight};

/// Records removed per pruning step of `on_idle`.
pub const PRUNE_CHUNK: u32 = 64;

/// Steps per `on_idle` call at most (an extra bound besides the weight).
const MAX_STEPS: u32 = 256;

impl<T: Config> Pallet<T> {
	/// Whether `cycle` may be pruned: older than `ReceiptHistoryDepth` and fully settled.
	pub fn prunable(cycle: CycleIndex) -> bool {
		let current = CurrentCycle::<T>::get();
		cycle.saturating_add(T::ReceiptHistoryDepth::get()) < current
			&& !Snapshots::<T>::contains_key(cycle)
			&& Unsettled::<T>::iter_key_prefix(cycle).next().is_none()
	}

	/// Removes up to `limit` records of `cycle` (receipts, then cached levels, then work);
	/// returns how many. Emits `CyclePruned`.
	pub(crate) fn prune_cycle(cycle: CycleIndex, limit: u32) -> u32 {
		let limit = limit as usize;
		let mut removed = Receipts::<T>::drain_prefix((cycle,)).take(limit).count();
		if removed < limit {
			removed = removed.saturating_add(
				CachedLevels::<T>::drain_prefix((cycle,))
					.take(limit.saturating_sub(removed))
					.count(),
			);
		}
		if removed < limit {
			removed = removed.saturating_add(
				NodeWork::<T>::drain_prefix(cycle).take(limit.saturating_sub(removed)).count(),
			);
		}
		let done = removed < limit;
		let removed = removed as u32;
		if removed > 0 {
			Self::deposit_event(Event::CyclePruned { cycle, removed, done });
		}
		removed
	}

	/// The `on_idle` work; returns the weight used (at most `remaining`).
	pub(crate) fn idle_work(remaining: Weight) -> Weight {
		let step = T::WeightInfo::on_idle_step();
		let settle = T::WeightInfo::on_idle_settle();
		let prune = T::WeightInfo::on_idle_prune(PRUNE_CHUNK);
		let mut used = step;
		if !remaining.all_gte(used) {
			return Weight::zero();
		}
		let current = CurrentCycle::<T>::get();
		let grace = T::SettleGrace::get();
		let depth = T::ReceiptHistoryDepth::get();
		for _ in 0..MAX_STEPS {
			let s = SettleCursor::<T>::get();
			if s.saturating_add(grace) < current {
				match Unsettled::<T>::iter_key_prefix(s).next() {
					Some(node) => {
						if !remaining.all_gte(used.saturating_add(settle)) {
							break;
						}
						used = used.saturating_add(settle);
						if let Err(e) = Self::settle_node(&node) {
							log::error!(target: "runtime::cdn", "on_idle settle of cycle {s}: {e:?}");
							// Never retry forever: drop the marker (the ledger keeps its
							// pending cycle and the node settles it on its next call).
							Unsettled::<T>::remove(s, &node);
						}
					}
					None => {
						if !remaining.all_gte(used.saturating_add(step)) {
							break;
						}
						used = used.saturating_add(step);
						SettleCursor::<T>::put(s.saturating_add(1));
					}
				}
				continue;
			}
			let p = PruneCursor::<T>::get();
			if p < s && p.saturating_add(depth) < current && !Snapshots::<T>::contains_key(p) {
				if !remaining.all_gte(used.saturating_add(prune)) {
					break;
				}
				used = used.saturating_add(prune);
				let removed = Self::prune_cycle(p, PRUNE_CHUNK);
				if removed < PRUNE_CHUNK {
					PruneCursor::<T>::put(p.saturating_add(1));
				}
				continue;
			}
			break;
		}
		used
	}
}
