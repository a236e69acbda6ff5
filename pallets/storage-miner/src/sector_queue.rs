//! The bounded background work of the commit protocol:
//!
//! * **Expiry** (`on_initialize`): pre-commits are queued by deadline block (at most
//!   `MaxExpiriesPerBlock` per block — a pre-commit into a full block is refused, as
//!   pallet-referenda bounds its queues), so each block forfeits at most that many batches'
//!   deposits, whatever the number of miners. A batch proven in time is simply gone when its
//!   entry comes up.
//! * **Sector changes**: activations (after a prove-commit) and terminations are queued per
//!   miner and applied at the miner's checkpoints by the audit (only between its proofs, so
//!   the list an open challenge was drawn from never changes under it), or at once for a
//!   miner the audit has not enrolled (nothing of it is open).
//! * **Genesis capture**: the genesis hash of replica ids, read once from
//!   `frame_system::BlockHash(0)` before it is pruned.

use crate::*;
use frame_support::{
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
		Get,
	},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{One, Zero},
	DispatchResult,
};

impl<T: Config> Pallet<T> {
	/// Stores the genesis hash once `BlockHash(0)` holds the real one (from block 1 on).
	pub(crate) fn capture_genesis() -> Weight {
		if ChainGenesis::<T>::exists() {
			return T::DbWeight::get().reads(1);
		}
		let now = frame_system::Pallet::<T>::block_number();
		if now >= One::one() {
			let h = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
			if let Ok(bytes) = <[u8; 32]>::try_from(h.as_ref()) {
				ChainGenesis::<T>::put(bytes);
			}
		}
		T::DbWeight::get().reads_writes(2, 1)
	}

	/// Forfeits the deposits of the pre-commits whose deadline is `now` and that were not
	/// proven (at most `MaxExpiriesPerBlock`).
	pub(crate) fn expire_precommits(now: BlockNumberFor<T>) -> Weight {
		let queue = PreCommitExpiries::<T>::take(now);
		let mut weight = T::DbWeight::get().reads_writes(1, 1);
		for (who, batch) in queue {
			weight = weight.saturating_add(T::WeightInfo::expire_precommit());
			let Some(pc) = PreCommits::<T>::take(&who, batch) else { continue };
			let forfeited = if pc.deposit.is_zero() {
				Zero::zero()
			} else {
				T::Currency::transfer_on_hold(
					&HoldReason::PreCommitDeposit.into(),
					&who,
					&T::Treasury::get(),
					pc.deposit,
					Precision::BestEffort,
					Restriction::Free,
					Fortitude::Force,
				)
				.unwrap_or_default()
			};
			OpenPreCommits::<T>::mutate(&who, |n| *n = n.saturating_sub(1));
			let count = pc.sectors.len() as u32;
			Miners::<T>::mutate(&who, |m| {
				if let Some(info) = m {
					info.sectors_reserved = info.sectors_reserved.saturating_sub(count);
				}
			});
			Self::deposit_event(Event::PreCommitExpired { miner: who, batch, count, forfeited });
		}
		weight
	}

	/// Appends changes to `who`'s queue (room checked by the caller), then applies them at
	/// once if the audit has not enrolled `who`.
	pub(crate) fn queue_changes(
		who: &T::AccountId,
		changes: impl Iterator<Item = SectorChange>,
	) -> DispatchResult {
		SectorChanges::<T>::try_mutate(who, |q| -> DispatchResult {
			for c in changes {
				q.try_push(c).map_err(|_| Error::<T>::SectorChangesFull)?;
			}
			Ok(())
		})?;
		if !T::SealAudit::enrolled(who) {
			Self::apply_changes(who, T::MaxSectorChanges::get());
		}
		Ok(())
	}

	/// Applies at most `limit` of `who`'s queued changes, oldest first; returns how many.
	pub(crate) fn apply_changes(who: &T::AccountId, limit: u32) -> u32 {
		let mut queue = SectorChanges::<T>::get(who);
		if queue.is_empty() || limit == 0 {
			return 0;
		}
		let Some(mut info) = Miners::<T>::get(who) else { return 0 };
		let take = (limit as usize).min(queue.len());
		let applied: alloc::vec::Vec<SectorChange> = queue.drain(..take).collect();
		for change in &applied {
			match *change {
				SectorChange::Activate(no) => Self::activate(who, &mut info, no),
				SectorChange::Terminate(no) => Self::terminate(who, &mut info, no),
			}
		}
		if queue.is_empty() {
			SectorChanges::<T>::remove(who);
		} else {
			SectorChanges::<T>::insert(who, queue);
		}
		if info.sectors_active > 0 {
			info.activated = true;
		}
		Self::refresh_state(who, &mut info);
		Miners::<T>::insert(who, info);
		applied.len() as u32
	}

	fn activate(who: &T::AccountId, info: &mut MinerInfoOf<T>, no: u64) {
		let index = ActiveSectorCount::<T>::get(who);
		let done = Sectors::<T>::mutate(who, no, |s| match s {
			Some(sector) if sector.state == SectorState::PendingActivation => {
				sector.state = SectorState::Active { index };
				true
			}
			_ => false,
		});
		if !done {
			return;
		}
		ActiveSectors::<T>::insert(who, index, no);
		ActiveSectorCount::<T>::insert(who, index.saturating_add(1));
		info.sectors_active = info.sectors_active.saturating_add(1);
		Self::deposit_event(Event::SectorActivated { miner: who.clone(), sector: no, index });
	}

	/// Swap-remove from the active list (the last entry takes the hole), then the record.
	fn terminate(who: &T::AccountId, info: &mut MinerInfoOf<T>, no: u64) {
		let Some(sector) = Sectors::<T>::get(who, no) else { return };
		let SectorState::Terminating { index } = sector.state else { return };
		let last = ActiveSectorCount::<T>::get(who).saturating_sub(1);
		if index != last {
			if let Some(moved) = ActiveSectors::<T>::get(who, last) {
				ActiveSectors::<T>::insert(who, index, moved);
				Sectors::<T>::mutate(who, moved, |s| {
					if let Some(s) = s {
						s.state = match s.state {
							SectorState::Active { .. } => SectorState::Active { index },
							SectorState::Terminating { .. } => SectorState::Terminating { index },
							other => other,
						};
					}
				});
			}
		}
		ActiveSectors::<T>::remove(who, last);
		ActiveSectorCount::<T>::insert(who, last);
		Sectors::<T>::remove(who, no);
		info.sectors_active = info.sectors_active.saturating_sub(1);
		info.sectors_reserved = info.sectors_reserved.saturating_sub(1);
		Self::deposit_event(Event::SectorTerminated { miner: who.clone(), sector: no });
	}
}
