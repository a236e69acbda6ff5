//! Background work, a bounded number of steps per block: lease expiries, assignment
//! deadlines, slot releases of deleted files, moving a leaving miner's fragments. Also the two
//! traits the storage-miner crate defines and this pallet implements.

use crate::*;
use cess_traits::{
	MinerInspect, MinerState, OnMinerLeave, ServiceFragmentsInspect, ServiceFragmentsMutate,
};
use frame_support::{traits::Get, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;

impl<T: Config> Pallet<T> {
	/// `on_initialize`: folds this block's randomness into the placement seed, ends the leases
	/// due at `now` (at most `MaxExpiriesPerBlock`), places due declarations (at most
	/// `MaxPlacementWork` replicas), then runs at most `MaxHookWork` due deadlines, with a
	/// budget of its own at most `MaxHookWork` tasks in FIFO order, and with a third budget at
	/// most `MaxRepairWork` repair steps. Separate budgets: a backlog of due deadlines
	/// (never-uploaded slots), of declarations or of repairs can starve neither the other
	/// queues nor deletions, evacuations and lease expiries.
	pub(crate) fn run_hook(now: BlockNumberFor<T>) -> Weight {
		Self::fold_seed(now);
		let expired = Self::expire_leases(now);
		let placed = Self::run_placements(now);
		let max = T::MaxHookWork::get();
		let mut random = None;
		let mut deadlines: u32 = 0;
		while deadlines < max && Self::step_pending(now, &mut random) {
			deadlines = deadlines.saturating_add(1);
		}
		let mut tasks: u32 = 0;
		while tasks < max && Self::step_task(&mut random) {
			tasks = tasks.saturating_add(1);
		}
		// Repairs have their own budget: a failing miner's moves neither wait behind nor delay
		// deletions, evacuations and expiries.
		let repairs = Self::run_repairs(&mut random);
		let steps = deadlines.saturating_add(tasks);
		let probes = T::MaxSelectionAttempts::get();
		T::WeightInfo::on_initialize_expiries(expired)
			.saturating_add(T::WeightInfo::on_initialize_placements(placed, probes))
			.saturating_add(T::WeightInfo::on_initialize_steps(steps, probes))
			.saturating_add(T::WeightInfo::on_initialize_repairs(repairs, probes))
	}

	/// Marks the leases ending at `now` as expiring and queues the deletion of their files.
	pub(crate) fn expire_leases(now: BlockNumberFor<T>) -> u32 {
		let list = LeaseExpiries::<T>::take(now);
		for owner in list.iter() {
			let started = Leases::<T>::mutate(owner, |lease| match lease {
				Some(l) if !l.expiring && l.expires_at <= now => {
					l.expiring = true;
					true
				}
				_ => false,
			});
			if started {
				Self::push_task(Job::ExpireLease { owner: owner.clone() });
				Self::deposit_event(Event::LeaseExpired { who: owner.clone() });
			}
		}
		list.len() as u32
	}

	fn pop_pending(head: u64) {
		PendingQueue::<T>::remove(head);
		PendingHead::<T>::put(head.saturating_add(1));
	}

	/// One step of the deadline queue; `false` if there is nothing due.
	fn step_pending(now: BlockNumberFor<T>, random: &mut Option<[u8; 32]>) -> bool {
		let head = PendingHead::<T>::get();
		if head >= PendingTail::<T>::get() {
			return false;
		}
		let Some(slot_ref) = PendingQueue::<T>::get(head) else {
			Self::pop_pending(head);
			return true;
		};
		let key = (slot_ref.fragment, slot_ref.replica);
		let live = Slots::<T>::get(slot_ref.file, key).and_then(|slot| match slot.status {
			SlotStatus::Pending { deadline, seq, reassigned } if seq == head => {
				Some((slot, deadline, reassigned))
			}
			_ => None,
		});
		let Some((slot, deadline, reassigned)) = live else {
			// Confirmed, deleted or re-queued meanwhile: a stale entry.
			Self::pop_pending(head);
			return true;
		};
		if deadline > now {
			return false;
		}
		Self::pop_pending(head);
		match Files::<T>::get(slot_ref.file) {
			Some(info) if info.state != FileState::Deleting => {
				if let Some(m) = &slot.miner {
					Self::dec_pending(m);
				}
				// A migrating replica still has its old holder: it is offered to up to
				// `MaxMigrationAttempts` new holders, then the migration ends (migrate.rs).
				let migration = Migrations::<T>::get(slot_ref.file, key);
				let limit = if migration.is_some() {
					T::MaxMigrationAttempts::get()
				} else {
					T::MaxReassignments::get()
				};
				if reassigned >= limit {
					match migration {
						Some(m) => Self::end_migration(&slot_ref, m, info),
						None => Self::lose_slot(&slot_ref, info),
					}
					return true;
				}
				let random = random.get_or_insert_with(Self::random_seed);
				Self::reassign(
					random,
					&slot_ref,
					(info.coding.width(), info.redundancy),
					slot.miner,
					reassigned.saturating_add(1),
				);
			}
			// A deleting file's slots are released by its deletion task.
			_ => {}
		}
		true
	}

	fn pop_task(head: u64) {
		Tasks::<T>::remove(head);
		TaskHead::<T>::put(head.saturating_add(1));
	}

	/// One step of the task queue; `false` if it is empty.
	fn step_task(random: &mut Option<[u8; 32]>) -> bool {
		let head = TaskHead::<T>::get();
		if head >= TaskTail::<T>::get() {
			return false;
		}
		let Some(task) = Tasks::<T>::get(head) else {
			Self::pop_task(head);
			return true;
		};
		match task {
			Job::DeleteFile { file, next } => Self::step_delete(head, file, next),
			Job::Evacuate { miner, next } => Self::step_evacuate(head, miner, next, random),
			Job::ExpireLease { owner } => Self::step_expire(head, owner),
		}
		true
	}

	/// Releases slot `next` of a deleted file, or removes the file once all are released.
	fn step_delete(head: u64, file: FileHash, next: u32) {
		let Some(info) = Files::<T>::get(file) else {
			Self::pop_task(head);
			return;
		};
		if next >= Self::slot_span(&info) {
			Files::<T>::remove(file);
			Self::pop_task(head);
			Self::deposit_event(Event::FileDeleted { file });
			return;
		}
		let redundancy = u32::from(info.redundancy.max(1));
		let key = (next / redundancy, (next % redundancy) as u8);
		if let Some(slot) = Slots::<T>::take(file, key) {
			Self::release_slot(&slot);
		}
		// The fragment's root goes with its last replica.
		if next % redundancy == redundancy.saturating_sub(1) {
			FragmentRoots::<T>::remove(file, key.0);
		}
		// A replica moving off another miner: that miner's copy goes too.
		Self::drop_migration(file, key);
		Tasks::<T>::insert(head, Job::DeleteFile { file, next: next.saturating_add(1) });
	}

	/// Starts moving fragment `next − 1` of a leaving miner to another miner (skipping a
	/// released or already moving one), or finishes. The leaving miner keeps the copy until the
	/// new holder confirms (migrate.rs).
	fn step_evacuate(head: u64, miner: T::AccountId, next: u32, random: &mut Option<[u8; 32]>) {
		// A stale task (the miner withdrew and registered again before the task ran) must not
		// move the fragments of an active miner.
		let leaving =
			matches!(T::Miners::state(&miner), Some(MinerState::Exiting | MinerState::Banned));
		// A banned miner is never audited again: fragments it had released before the ban are
		// removed here, one per step, instead of at a checkpoint that will not come.
		if T::Miners::state(&miner) == Some(MinerState::Banned)
			&& ReleasedCount::<T>::get(&miner) > 0
		{
			Self::apply_released(&miner, 1);
			return;
		}
		let next = next.min(MinerFragmentCount::<T>::get(&miner));
		if !leaving || next == 0 {
			Self::pop_task(head);
			if leaving {
				Self::deposit_event(Event::MinerEvacuated { miner });
			}
			return;
		}
		let index = next.saturating_sub(1);
		Tasks::<T>::insert(head, Job::Evacuate { miner: miner.clone(), next: index });
		Self::start_migration(&miner, index, random);
	}

	/// Starts deleting one more file of an expired lease, or removes the lease when none is
	/// left.
	fn step_expire(head: u64, owner: T::AccountId) {
		let mut files = UserFiles::<T>::get(&owner);
		match files.pop() {
			Some(file) => {
				if files.is_empty() {
					UserFiles::<T>::remove(&owner);
				} else {
					UserFiles::<T>::insert(&owner, files);
				}
				if let Some(info) = Files::<T>::get(file) {
					if info.state != FileState::Deleting {
						Self::start_deletion(file, info);
					}
				}
			}
			None => {
				Leases::<T>::remove(&owner);
				Self::pop_task(head);
				Self::deposit_event(Event::LeaseRemoved { who: owner });
			}
		}
	}
}

/// A miner that exits or is banned has its fragments moved to other miners in the background.
impl<T: Config> OnMinerLeave<T::AccountId> for Pallet<T> {
	fn on_miner_leave(who: &T::AccountId) {
		let next = MinerFragmentCount::<T>::get(who);
		Self::push_task(Job::Evacuate { miner: who.clone(), next });
	}
}

/// The audit reads each miner's confirmed fragments here.
impl<T: Config> ServiceFragmentsInspect<T::AccountId> for Pallet<T> {
	fn fragment_count(miner: &T::AccountId) -> u64 {
		u64::from(MinerFragmentCount::<T>::get(miner))
	}

	fn fragment_root(miner: &T::AccountId, index: u64) -> Option<cess_storage_proof::Hash> {
		let index = u32::try_from(index).ok()?;
		MinerFragments::<T>::get(miner, index).map(|f| f.root)
	}

	fn fragment_data_len(miner: &T::AccountId, index: u64) -> Option<u64> {
		let index = u32::try_from(index).ok()?;
		MinerFragments::<T>::get(miner, index).map(|f| u64::from(f.data_len))
	}

	/// Released and migrating replicas: both still challengeable, neither earns power.
	fn released_space(miner: &T::AccountId) -> u64 {
		ReleasedSpace::<T>::get(miner).saturating_add(MigratingSpace::<T>::get(miner))
	}
}

/// The audit applies the deferred removals of released fragments at a miner's checkpoint.
impl<T: Config> ServiceFragmentsMutate<T::AccountId> for Pallet<T> {
	fn start_repair(miner: &T::AccountId) -> bool {
		Self::request_repair(miner)
	}

	fn apply_removals(miner: &T::AccountId, limit: u32) -> u32 {
		Self::apply_released(miner, limit)
	}

	fn removal_weight() -> Weight {
		T::WeightInfo::apply_removal()
	}
}
