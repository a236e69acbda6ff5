//! `try_state` invariants: holds and the pallet account add up to what the pallet records.

use crate::{pallet::*, BalanceOf, HoldReason};
use frame_support::{
	ensure,
	traits::fungible::{Inspect, InspectHold},
};
use sp_runtime::{traits::Saturating, TryRuntimeError};

impl<T: Config> Pallet<T> {
	/// Checks, by iterating all records (never called from runtime logic):
	///
	/// - every escrow's `balance` is exactly the account's `Escrow` hold;
	/// - every node's `deposit` is exactly its `NodeDeposit` hold;
	/// - the pallet account holds at least everything owed: reward balances, unsettled income
	///   and the undistributed part of every open snapshot;
	/// - each snapshot's `unsettled` and the open cycle's `participants` equal the number of
	///   ledgers pending on that cycle, and no ledger is pending on a future cycle.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		for (who, escrow) in Escrows::<T>::iter() {
			let held = T::Currency::balance_on_hold(&HoldReason::Escrow.into(), &who);
			ensure!(held == escrow.balance, "cdn: escrow record differs from escrow hold");
		}
		for (who, node) in Nodes::<T>::iter() {
			let held = T::Currency::balance_on_hold(&HoldReason::NodeDeposit.into(), &who);
			ensure!(held == node.deposit, "cdn: node deposit differs from deposit hold");
		}

		let current = CurrentCycle::<T>::get();
		let mut owed = BalanceOf::<T>::default();
		let mut pending_current: u32 = 0;
		for (who, ledger) in Rewards::<T>::iter() {
			owed = owed.saturating_add(ledger.balance);
			if let Some(pending) = ledger.pending_cycle {
				ensure!(pending <= current, "cdn: ledger pending on a future cycle");
				if pending == current {
					pending_current = pending_current.saturating_add(1);
				}
				let record = NodeWork::<T>::get(&who, pending).unwrap_or_default();
				ensure!(record.reward.is_none(), "cdn: pending cycle already rewarded");
				owed = owed.saturating_add(record.work.income);
			}
		}
		ensure!(
			CurrentTotals::<T>::get().participants == pending_current,
			"cdn: participants differ from pending ledgers"
		);
		for (cycle, snapshot) in Snapshots::<T>::iter() {
			ensure!(cycle < current, "cdn: snapshot of an open cycle");
			let pending =
				Rewards::<T>::iter_values().filter(|l| l.pending_cycle == Some(cycle)).count();
			ensure!(snapshot.unsettled as usize == pending, "cdn: snapshot unsettled count");
			ensure!(snapshot.unsettled > 0, "cdn: settled snapshot not removed");
			owed = owed.saturating_add(snapshot.unpaid);
		}
		ensure!(
			T::Currency::balance(&Self::account_id()) >= owed,
			"cdn: pallet account holds less than it owes"
		);
		Ok(())
	}
}
