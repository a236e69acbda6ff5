//! Declaration deposits and lost replicas: what makes declaring files that are never uploaded
//! cost the declarer, and what bounds the background work such a file can cause.
//!
//! - `declare_file` holds `DeclarationDeposit` (`HoldReason::Declaration`) per file.
//! - The hold is released to the owner when the file becomes `Stored`.
//! - A replica still unconfirmed at its deadline after `MaxReassignments` reassignments is
//!   lost: its slot is removed, the file's `stored_space` and the lease's `used` drop by one
//!   `FragmentSize` (the lease was prepaid per GiB and day, so the refund is the lease space,
//!   not balance), and the deposit, if still held, goes to the storage-miner reward pool
//!   (`RewardPool`, where space payments go). Deleting a file before it is `Stored` forfeits
//!   it too, so deleting just before the loss does not dodge it.

use crate::*;
use frame_support::traits::{
	fungible::MutateHold,
	tokens::{Fortitude, Precision, Restriction},
	Get,
};
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchResult,
};

impl<T: Config> Pallet<T> {
	/// Holds the declaration deposit of `file` from `who`.
	pub(crate) fn hold_deposit(who: &T::AccountId, file: FileHash) -> DispatchResult {
		let amount = T::DeclarationDeposit::get();
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::hold(&HoldReason::Declaration.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientDeposit)?;
		Deposits::<T>::insert(file, amount);
		Self::deposit_event(Event::DepositHeld { file, owner: who.clone(), amount });
		Ok(())
	}

	/// Returns the deposit of `file` (if still held) to its owner.
	pub(crate) fn return_deposit(owner: &T::AccountId, file: FileHash) {
		let Some(amount) = Deposits::<T>::take(file) else {
			return;
		};
		let released = T::Currency::release(
			&HoldReason::Declaration.into(),
			owner,
			amount,
			Precision::BestEffort,
		)
		.unwrap_or_default();
		Self::deposit_event(Event::DepositReturned {
			file,
			owner: owner.clone(),
			amount: released,
		});
	}

	/// Moves the deposit of `file` (if still held) to the reward pool.
	pub(crate) fn forfeit_deposit(owner: &T::AccountId, file: FileHash) {
		let Some(amount) = Deposits::<T>::take(file) else {
			return;
		};
		let moved = T::Currency::transfer_on_hold(
			&HoldReason::Declaration.into(),
			owner,
			&T::RewardPool::get(),
			amount,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or_default();
		RewardPoolPaid::<T>::mutate(|p| *p = p.saturating_add(moved));
		Self::deposit_event(Event::DepositForfeited { file, owner: owner.clone(), amount: moved });
	}

	/// Drops a replica that was never confirmed (its miner's pending count is already
	/// released): removes the slot, frees one `FragmentSize` of the owner's lease, forfeits the
	/// deposit. A file left with only confirmed replicas becomes `Stored`; one left with no
	/// replica at all is deleted.
	pub(crate) fn lose_slot(slot_ref: &SlotRef, mut info: FileInfoOf<T>) {
		let file = slot_ref.file;
		Slots::<T>::remove(file, (slot_ref.fragment, slot_ref.replica));
		let released = T::FragmentSize::get().min(info.stored_space);
		info.stored_space = info.stored_space.saturating_sub(released);
		info.lost = info.lost.saturating_add(1);
		Leases::<T>::mutate(&info.owner, |lease| {
			if let Some(l) = lease {
				l.used = l.used.saturating_sub(released);
			}
		});
		Self::deposit_event(Event::SlotLost {
			file,
			fragment: slot_ref.fragment,
			replica: slot_ref.replica,
			released,
		});
		let owner = info.owner.clone();
		Self::forfeit_deposit(&owner, file);
		let total = Self::slot_total(&info);
		if total == 0 {
			UserFiles::<T>::mutate_exists(&owner, |files| {
				if let Some(f) = files {
					f.retain(|h| *h != file);
					if f.is_empty() {
						*files = None;
					}
				}
			});
			Self::start_deletion(file, info);
			return;
		}
		let stored = info.confirmed >= total;
		if stored {
			info.state = FileState::Stored;
		}
		Files::<T>::insert(file, info);
		if stored {
			Self::deposit_event(Event::FileStored { file });
		}
	}
}
