//! `try_state` invariants: holds add up, spaces fit, states follow the rules.

use crate::{pallet::*, HoldReason, MinerState};
use frame_support::{ensure, traits::fungible::InspectHold};
use sp_runtime::{traits::Zero, TryRuntimeError};

impl<T: Config> Pallet<T> {
	/// Checks, by iterating all records (never called from runtime logic):
	///
	/// - every miner's `collateral` is exactly its `Collateral` hold;
	/// - debt only exists once the collateral is gone (`debt > 0 ⇒ collateral = 0`);
	/// - idle + service space never exceeds declared space;
	/// - `Registered`/`Positive`/`Frozen` is what the collateral, debt and commitment give;
	///   exiting and banned miners have an `exit_at`, banned ones are in `BannedAccounts`;
	/// - the candidate list is exactly the `Positive` miners, densely indexed;
	/// - `MinerCount` counts the records.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let mut count: u32 = 0;
		let mut positive: u32 = 0;
		for (who, info) in Miners::<T>::iter() {
			count = count.saturating_add(1);
			let held = T::Currency::balance_on_hold(&HoldReason::Collateral.into(), &who);
			ensure!(held == info.collateral, "storage-miner: collateral differs from hold");
			ensure!(
				info.debt.is_zero() || info.collateral.is_zero(),
				"storage-miner: debt while collateral remains"
			);
			let used = Self::idle_bytes(&info).saturating_add(info.service_space);
			ensure!(
				used <= Self::declared_bytes(&info),
				"storage-miner: idle + service exceeds declared space"
			);
			match info.state {
				MinerState::Exiting | MinerState::Banned => {
					ensure!(info.exit_at.is_some(), "storage-miner: leaving without exit_at");
					ensure!(
						info.candidate_index.is_none(),
						"storage-miner: leaving miner is a candidate"
					);
					if info.state == MinerState::Banned {
						ensure!(
							BannedAccounts::<T>::contains_key(&who),
							"storage-miner: banned miner not recorded"
						);
					}
				}
				state => {
					let covered = info.debt.is_zero()
						&& info.collateral >= Self::collateral_requirement(info.declared_gib);
					let expected = if !covered {
						MinerState::Frozen
					} else if info.activated {
						MinerState::Positive
					} else {
						MinerState::Registered
					};
					ensure!(state == expected, "storage-miner: state differs from rules");
				}
			}
			if info.state == MinerState::Positive {
				positive = positive.saturating_add(1);
				let index =
					info.candidate_index.ok_or("storage-miner: positive miner not a candidate")?;
				ensure!(
					Candidates::<T>::get(index).as_ref() == Some(&who),
					"storage-miner: candidate index mismatch"
				);
			} else {
				ensure!(
					info.candidate_index.is_none(),
					"storage-miner: non-positive miner is a candidate"
				);
			}
		}
		ensure!(MinerCount::<T>::get() == count, "storage-miner: MinerCount differs from records");
		ensure!(
			CandidateCount::<T>::get() == positive,
			"storage-miner: CandidateCount differs from positive miners"
		);
		ensure!(
			Candidates::<T>::iter_keys().all(|i| i < positive),
			"storage-miner: candidate index out of range"
		);
		Ok(())
	}
}
