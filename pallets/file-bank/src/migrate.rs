//! "Migrate, release on confirm": moving a replica off a miner (exit, ban, repair) without
//! ever dropping the only copy the network has.
//!
//! - Starting a move ([`Pallet::start_migration`]) makes the slot pending on a newly drawn
//!   miner (the existing `reassign`) and records a [`Migration`]: the old holder keeps the
//!   fragment in its list — same number, still challengeable, its service space held — but the
//!   space earns no power ([`MigratingSpace`] is reported with the released space).
//! - The new holder's confirmation ([`Pallet::finish_migration`]) releases the old copy
//!   (`ReleasedFragments`, removed at the old holder's next audit checkpoint). Only then can a
//!   leaving miner's service space reach zero, so `withdraw` cannot come before the data is
//!   safe.
//! - A new holder that does not confirm in `AssignmentTimeout` is replaced as for any pending
//!   slot, up to `MaxMigrationAttempts` new holders. Then ([`Pallet::end_migration`]): if the
//!   old holder is leaving, the slot is lost with the usual refund and the old copy released
//!   (a leaving miner is never held hostage by others for longer than that bound); if it is
//!   still active (repair), the replica simply stays confirmed on it.
//! - Repair ([`Pallet::request_repair`], from the audit) queues the miner in a FIFO of its own
//!   and moves its fragments `MaxRepairWork` per block.

use crate::*;
use cess_traits::{MinerInspect, MinerState};
use frame_support::traits::Get;

impl<T: Config> Pallet<T> {
	fn add_migrating(miner: &T::AccountId, space: u64) {
		MigratingSpace::<T>::mutate(miner, |s| *s = s.saturating_add(space));
	}

	fn sub_migrating(miner: &T::AccountId, space: u64) {
		MigratingSpace::<T>::mutate_exists(miner, |s| {
			let left = s.unwrap_or_default().saturating_sub(space);
			*s = (left > 0).then_some(left);
		});
	}

	/// Credited space of fragment `index` of `miner` (0 if there is none).
	fn listed_space(miner: &T::AccountId, index: u32) -> u64 {
		MinerFragments::<T>::get(miner, index)
			.map(|f| Self::credited_space(f.data_len))
			.unwrap_or_default()
	}

	/// Starts moving fragment `index` of `miner` to a newly drawn miner (one background step).
	/// Released fragments and replicas already moving are skipped; a fragment of a file being
	/// deleted is just released (there is nothing to keep).
	pub(crate) fn start_migration(miner: &T::AccountId, index: u32, random: &mut Option<[u8; 32]>) {
		if ReleasedFragments::<T>::contains_key(miner, Self::released_key(index)) {
			return;
		}
		let Some(fragment) = MinerFragments::<T>::get(miner, index) else {
			return;
		};
		let key = (fragment.fragment, fragment.replica);
		if Migrations::<T>::contains_key(fragment.file, key) {
			return;
		}
		let Some(mut info) = Files::<T>::get(fragment.file) else {
			Self::remove_miner_fragment(miner, index);
			return;
		};
		if info.state == FileState::Deleting {
			// Released here; the deletion task will find nothing to do.
			Self::remove_miner_fragment(miner, index);
			Slots::<T>::remove(fragment.file, key);
			return;
		}
		let holds = Slots::<T>::get(fragment.file, key).is_some_and(|s| {
			s.miner.as_ref() == Some(miner) && s.status == SlotStatus::Confirmed { index }
		});
		if !holds {
			return;
		}
		info.confirmed = info.confirmed.saturating_sub(1);
		// A file still being placed (segment by segment) stays `Declared` until the rest is.
		if info.state == FileState::Stored {
			info.state = FileState::Pending;
		}
		let shape = (info.coding.width(), info.redundancy);
		Files::<T>::insert(fragment.file, info);
		Self::add_migrating(miner, Self::credited_space(fragment.data_len));
		Migrations::<T>::insert(fragment.file, key, Migration { from: miner.clone(), index });
		let slot_ref =
			SlotRef { file: fragment.file, fragment: fragment.fragment, replica: fragment.replica };
		let random = random.get_or_insert_with(Self::random_seed);
		// The first of at most `MaxMigrationAttempts` new holders (the count starts at 1).
		Self::reassign(random, &slot_ref, shape, Some(miner.clone()), 1);
	}

	/// The new holder `to` confirmed replica `key` of `file`: if it was migrating, the old
	/// holder's copy is released now (it stays challengeable until its next checkpoint).
	pub(crate) fn finish_migration(file: FileHash, key: (u32, u8), to: &T::AccountId) {
		let Some(migration) = Migrations::<T>::take(file, key) else {
			return;
		};
		Self::sub_migrating(&migration.from, Self::listed_space(&migration.from, migration.index));
		Self::remove_miner_fragment(&migration.from, migration.index);
		Self::deposit_event(Event::ReplicaMigrated {
			file,
			fragment: key.0,
			replica: key.1,
			from: migration.from,
			to: to.clone(),
		});
	}

	/// The slot `key` of `file` is released (its file is being deleted): a migration of it ends
	/// and the old holder's copy is released too.
	pub(crate) fn drop_migration(file: FileHash, key: (u32, u8)) {
		let Some(migration) = Migrations::<T>::take(file, key) else {
			return;
		};
		Self::sub_migrating(&migration.from, Self::listed_space(&migration.from, migration.index));
		Self::remove_miner_fragment(&migration.from, migration.index);
	}

	/// `MaxMigrationAttempts` new holders did not confirm (called from the deadline queue, the
	/// timed-out holder's reservation already dropped). A leaving old holder (`Exiting`,
	/// `Banned`) is let go: the slot is lost with the usual refund and its copy released. An
	/// active one keeps the replica, confirmed at its current number, as before the move.
	pub(crate) fn end_migration(
		slot_ref: &SlotRef,
		migration: Migration<T::AccountId>,
		mut info: FileInfoOf<T>,
	) {
		let key = (slot_ref.fragment, slot_ref.replica);
		Migrations::<T>::remove(slot_ref.file, key);
		let from = migration.from;
		Self::sub_migrating(&from, Self::listed_space(&from, migration.index));
		let active =
			matches!(T::Miners::state(&from), Some(MinerState::Positive | MinerState::Frozen));
		if !active {
			Self::remove_miner_fragment(&from, migration.index);
			Self::deposit_event(Event::MigrationAbandoned {
				file: slot_ref.file,
				fragment: slot_ref.fragment,
				replica: slot_ref.replica,
				from,
			});
			Self::lose_slot(slot_ref, info);
			return;
		}
		Slots::<T>::insert(
			slot_ref.file,
			key,
			Slot {
				miner: Some(from.clone()),
				status: SlotStatus::Confirmed { index: migration.index },
			},
		);
		info.confirmed = info.confirmed.saturating_add(1);
		let stored = info.confirmed >= Self::slot_total(&info);
		if stored {
			info.state = FileState::Stored;
		}
		Files::<T>::insert(slot_ref.file, info);
		Self::deposit_event(Event::MigrationCancelled {
			file: slot_ref.file,
			fragment: slot_ref.fragment,
			replica: slot_ref.replica,
			miner: from,
		});
		if stored {
			Self::deposit_event(Event::FileStored { file: slot_ref.file });
		}
	}

	/// Fragment `from_index` of `miner` is renumbered `to_index` (a swap-remove): if it is
	/// migrating, its [`Migration`] follows. Returns whether it was.
	pub(crate) fn renumber_migration(
		miner: &T::AccountId,
		fragment: &FragmentRef,
		to_index: u32,
	) -> bool {
		Migrations::<T>::mutate(fragment.file, (fragment.fragment, fragment.replica), |m| match m {
			Some(m) if m.from == *miner => {
				m.index = to_index;
				true
			}
			_ => false,
		})
	}

	/// The miner that still holds a migrating replica of `slot`, if any.
	pub(crate) fn migrating_from(slot: &SlotRef) -> Option<T::AccountId> {
		Migrations::<T>::get(slot.file, (slot.fragment, slot.replica)).map(|m| m.from)
	}

	/// The audit asks for a repair of `miner` (see `ServiceFragments::start_repair`). Starts
	/// one if the miner is active (`Positive` or `Frozen`: a leaving miner is evacuated anyway),
	/// no repair of it is running and some listed fragment is neither released nor moving.
	pub(crate) fn request_repair(miner: &T::AccountId) -> bool {
		let Some(spaces) = T::Miners::spaces(miner) else {
			return false;
		};
		if !matches!(spaces.state, MinerState::Positive | MinerState::Frozen)
			|| Repairs::<T>::contains_key(miner)
		{
			return false;
		}
		let count = MinerFragmentCount::<T>::get(miner);
		let moving = ReleasedSpace::<T>::get(miner).saturating_add(MigratingSpace::<T>::get(miner));
		if count == 0 || moving >= spaces.service {
			return false;
		}
		Repairs::<T>::insert(miner, count);
		let seq = RepairTail::<T>::get();
		RepairQueue::<T>::insert(seq, miner);
		RepairTail::<T>::put(seq.saturating_add(1));
		Self::deposit_event(Event::RepairStarted { miner: miner.clone(), fragments: count });
		true
	}

	/// One repair step: starts moving the next fragment (from the end of the list down) of the
	/// miner at the head of the repair queue, or finishes it. `false` if the queue is empty.
	pub(crate) fn step_repair(random: &mut Option<[u8; 32]>) -> bool {
		let head = RepairHead::<T>::get();
		if head >= RepairTail::<T>::get() {
			return false;
		}
		let pop = || {
			RepairQueue::<T>::remove(head);
			RepairHead::<T>::put(head.saturating_add(1));
		};
		let Some(miner) = RepairQueue::<T>::get(head) else {
			pop();
			return true;
		};
		let next =
			Repairs::<T>::get(&miner).unwrap_or_default().min(MinerFragmentCount::<T>::get(&miner));
		// A miner that started leaving meanwhile is evacuated instead (same moves).
		let active =
			matches!(T::Miners::state(&miner), Some(MinerState::Positive | MinerState::Frozen));
		if !active || next == 0 {
			Repairs::<T>::remove(&miner);
			pop();
			Self::deposit_event(Event::RepairFinished { miner });
			return true;
		}
		let index = next.saturating_sub(1);
		Repairs::<T>::insert(&miner, index);
		Self::start_migration(&miner, index, random);
		true
	}

	/// Runs at most `MaxRepairWork` repair steps; returns how many.
	pub(crate) fn run_repairs(random: &mut Option<[u8; 32]>) -> u32 {
		let max = T::MaxRepairWork::get();
		let mut steps: u32 = 0;
		while steps < max && Self::step_repair(random) {
			steps = steps.saturating_add(1);
		}
		steps
	}
}
