//! `try_state` invariants: holds and the pallet account add up to what the pallet records, and
//! no record outlives its cycle's retention.

use crate::{pallet::*, BalanceOf, HoldReason};
use alloc::collections::btree_map::BTreeMap;
use frame_support::{
	ensure,
	traits::fungible::{Inspect, InspectHold},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	TryRuntimeError,
};

impl<T: Config> Pallet<T> {
	/// Checks, by iterating all records (never called from runtime logic):
	///
	/// - every escrow's `balance` is exactly the account's `Escrow` hold, and every payer's
	///   `AllowanceDeposit` hold is the sum of its allowances' deposits;
	/// - every node's `deposit` is exactly its `NodeDeposit` hold;
	/// - the pallet account holds at least everything owed: allowances, reward balances,
	///   unsettled income and the undistributed part of every open snapshot;
	/// - each snapshot's `unsettled`, the open cycle's `participants` and the `Unsettled`
	///   markers equal the number of ledgers pending on that cycle;
	/// - the open cycle's `cached_bytes` is the sum of its levels, and no retrieval node's
	///   attested levels exceed its budget;
	/// - no work record, receipt or level is older than the prune cursor;
	/// - no reward ledger is kept empty (zero balance, nothing pending) for an unregistered
	///   node.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		for (who, escrow) in Escrows::<T>::iter() {
			let held = T::Currency::balance_on_hold(&HoldReason::Escrow.into(), &who);
			ensure!(held == escrow.balance, "cdn: escrow record differs from escrow hold");
		}
		for (who, node) in Nodes::<T>::iter() {
			let held = T::Currency::balance_on_hold(&HoldReason::NodeDeposit.into(), &who);
			ensure!(held == node.deposit, "cdn: node deposit differs from deposit hold");
		}
		let mut owed = BalanceOf::<T>::default();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (payer, _node, allowance) in Allowances::<T>::iter() {
			owed = owed.saturating_add(allowance.balance);
			let d = deposits.entry(payer).or_default();
			*d = d.saturating_add(allowance.deposit);
		}
		for (payer, total) in deposits {
			let held = T::Currency::balance_on_hold(&HoldReason::AllowanceDeposit.into(), &payer);
			ensure!(held == total, "cdn: allowance deposits differ from their hold");
		}

		let current = CurrentCycle::<T>::get();
		let mut pending_current: u32 = 0;
		for (who, ledger) in Rewards::<T>::iter() {
			ensure!(
				Nodes::<T>::contains_key(&who)
					|| !ledger.balance.is_zero()
					|| ledger.pending_cycle.is_some(),
				"cdn: empty ledger of an unregistered node not removed"
			);
			owed = owed.saturating_add(ledger.balance);
			if let Some(pending) = ledger.pending_cycle {
				ensure!(pending <= current, "cdn: ledger pending on a future cycle");
				if pending == current {
					pending_current = pending_current.saturating_add(1);
				}
				ensure!(Unsettled::<T>::contains_key(pending, &who), "cdn: pending without marker");
				let record = NodeWork::<T>::get(pending, &who).unwrap_or_default();
				ensure!(record.reward.is_none(), "cdn: pending cycle already rewarded");
				owed = owed.saturating_add(record.work.income);
			}
		}
		for (cycle, who, ()) in Unsettled::<T>::iter() {
			ensure!(
				Rewards::<T>::get(&who).pending_cycle == Some(cycle),
				"cdn: marker without pending ledger"
			);
		}
		let totals = CurrentTotals::<T>::get();
		ensure!(totals.participants == pending_current, "cdn: participants differ from ledgers");
		for (cycle, snapshot) in Snapshots::<T>::iter() {
			ensure!(cycle < current, "cdn: snapshot of an open cycle");
			let pending = Unsettled::<T>::iter_key_prefix(cycle).count();
			ensure!(snapshot.unsettled as usize == pending, "cdn: snapshot unsettled count");
			ensure!(snapshot.unsettled > 0, "cdn: settled snapshot not removed");
			owed = owed.saturating_add(snapshot.unpaid);
		}
		ensure!(
			T::Currency::balance(&Self::account_id()) >= owed,
			"cdn: pallet account holds less than it owes"
		);

		let mut levels: u128 = 0;
		let mut attested: BTreeMap<T::AccountId, u128> = BTreeMap::new();
		for ((cycle, _cache, retrieval), (level, _)) in CachedLevels::<T>::iter() {
			ensure!(cycle >= PruneCursor::<T>::get(), "cdn: level of a pruned cycle");
			if cycle == current {
				levels = levels.saturating_add(u128::from(level));
				let a = attested.entry(retrieval).or_default();
				*a = a.saturating_add(u128::from(level));
			}
		}
		ensure!(levels == totals.cached_bytes, "cdn: cached bytes differ from levels");
		for (retrieval, sum) in attested {
			let work = NodeWork::<T>::get(current, &retrieval).unwrap_or_default().work;
			ensure!(work.attested == sum, "cdn: attested differs from levels");
			ensure!(sum <= Self::attestation_budget(work.paid), "cdn: attestation over budget");
		}
		let floor = PruneCursor::<T>::get();
		for (cycle, _) in NodeWork::<T>::iter_keys() {
			ensure!(cycle >= floor, "cdn: work record of a pruned cycle");
		}
		for (cycle, _, _) in Receipts::<T>::iter_keys() {
			ensure!(cycle >= floor, "cdn: receipt of a pruned cycle");
		}
		Ok(())
	}
}
