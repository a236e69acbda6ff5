//! Assignment of replicas to miners and the bookkeeping of slots, miner fragment lists and the
//! two FIFO queues (deadlines, tasks).

use crate::*;
use cess_traits::{MinerInspect, MinerMutate, MinerState};
use codec::Encode;
use frame_support::traits::{Contains, Get};
use sp_runtime::traits::Saturating;

/// Domain of the assignment randomness.
const RANDOM_SUBJECT: &[u8] = b"cess/file-bank/assign";

impl<T: Config> Pallet<T> {
	/// The randomness reassignments of this block derive from: the running
	/// [`PlacementSeed`] (which this block's hook has already folded its VRF randomness into),
	/// so a timed-out or moved replica is not drawn from anything known an epoch ahead.
	pub(crate) fn random_seed() -> [u8; 32] {
		(RANDOM_SUBJECT, PlacementSeed::<T>::get()).using_encoded(sp_io::hashing::blake2_256)
	}

	/// Total replica slots of a file.
	pub(crate) fn slot_total(info: &FileInfoOf<T>) -> u32 {
		Self::slot_span(info).saturating_sub(info.lost)
	}

	/// Linear slot numbers of a file, lost ones included: `fragments × redundancy`.
	pub(crate) fn slot_span(info: &FileInfoOf<T>) -> u32 {
		info.fragments.saturating_mul(u32::from(info.redundancy))
	}

	/// Segments of a file: `fragments / width`.
	pub(crate) fn segment_count(info: &FileInfoOf<T>) -> u32 {
		info.fragments / info.coding.width().max(1)
	}

	/// Replica slots of one segment (the distinct miners it needs): `width × redundancy`.
	pub(crate) fn segment_slots(info: &FileInfoOf<T>) -> u32 {
		info.coding.width().saturating_mul(u32::from(info.redundancy))
	}

	/// Whether `miner` can take one more replica: `Positive`, audited (see
	/// [`Config::Audited`]), below `MaxFragmentsPerMiner`
	/// (confirmed + pending), and `service + (pending + 1) × FragmentSize ≤ declared`. Idle
	/// space does not count against it: fillers give way to service fragments (the miner
	/// releases fillers before confirming if needed).
	pub(crate) fn can_take_fragment(miner: &T::AccountId) -> bool {
		let Some(spaces) = T::Miners::spaces(miner) else {
			return false;
		};
		// A miner under repair gets nothing new while its fragments move away; only audited
		// miners take fragments (the unaudited-holder gap).
		if spaces.state != MinerState::Positive
			|| !T::Audited::contains(miner)
			|| Repairs::<T>::contains_key(miner)
		{
			return false;
		}
		let pending = MinerPending::<T>::get(miner);
		let count = MinerFragmentCount::<T>::get(miner);
		if count.saturating_add(pending) >= T::MaxFragmentsPerMiner::get() {
			return false;
		}
		let reserved = u64::from(pending.saturating_add(1)).saturating_mul(T::FragmentSize::get());
		spaces.service.saturating_add(reserved) <= spaces.declared
	}

	/// Draws an eligible miner for `slot`, not in `exclude`: probes up to
	/// `MaxSelectionAttempts` candidates in list order from a random start derived from
	/// `random` and the slot (and the pending-queue position, so a retry draws anew).
	pub(crate) fn select_miner(
		random: &[u8; 32],
		slot: &SlotRef,
		exclude: &[T::AccountId],
	) -> Option<T::AccountId> {
		let n = T::Miners::candidate_count();
		if n == 0 {
			return None;
		}
		let pick = sp_io::hashing::blake2_256(&(random, slot, PendingTail::<T>::get()).encode());
		let mut start_bytes = [0u8; 8];
		start_bytes.copy_from_slice(pick.get(..8)?);
		let start = u64::from_le_bytes(start_bytes) % u64::from(n);
		let tries = n.min(T::MaxSelectionAttempts::get());
		for i in 0..u64::from(tries) {
			let index = (start.saturating_add(i) % u64::from(n)) as u32;
			let Some(miner) = T::Miners::candidate(index) else {
				continue;
			};
			if exclude.contains(&miner) {
				continue;
			}
			if Self::can_take_fragment(&miner) {
				return Some(miner);
			}
		}
		None
	}

	/// Makes `slot` pending on `miner` (or on nobody) with a fresh deadline, watched by a new
	/// deadline-queue entry. Returns the deadline.
	pub(crate) fn assign(
		slot: &SlotRef,
		miner: Option<T::AccountId>,
		reassigned: u8,
	) -> frame_system::pallet_prelude::BlockNumberFor<T> {
		let deadline =
			frame_system::Pallet::<T>::block_number().saturating_add(T::AssignmentTimeout::get());
		let seq = PendingTail::<T>::get();
		PendingQueue::<T>::insert(seq, slot);
		PendingTail::<T>::put(seq.saturating_add(1));
		if let Some(m) = &miner {
			MinerPending::<T>::mutate(m, |p| *p = p.saturating_add(1));
		}
		Slots::<T>::insert(
			slot.file,
			(slot.fragment, slot.replica),
			Slot { miner, status: SlotStatus::Pending { deadline, seq, reassigned } },
		);
		deadline
	}

	/// One pending replica less for `miner`.
	pub(crate) fn dec_pending(miner: &T::AccountId) {
		MinerPending::<T>::mutate_exists(miner, |p| {
			let left = p.unwrap_or_default().saturating_sub(1);
			*p = (left > 0).then_some(left);
		});
	}

	/// Miners holding (or assigned) the other slots of `slot`'s segment — every replica of
	/// every fragment of it, `width × redundancy` slots — and the miners still holding a
	/// migrating copy of any of them (`slot`'s own included): a segment's fragments must stay
	/// on distinct miners, or one miner's loss could take more than `parity` of them.
	pub(crate) fn replica_holders(
		slot: &SlotRef,
		width: u32,
		redundancy: u8,
	) -> alloc::vec::Vec<T::AccountId> {
		let width = width.max(1);
		let first = slot.fragment / width * width;
		let mut holders: alloc::vec::Vec<T::AccountId> = alloc::vec::Vec::new();
		for fragment in first..first.saturating_add(width) {
			for replica in 0..redundancy {
				let other = SlotRef { file: slot.file, fragment, replica };
				if (fragment, replica) != (slot.fragment, slot.replica) {
					if let Some(m) =
						Slots::<T>::get(slot.file, (fragment, replica)).and_then(|s| s.miner)
					{
						holders.push(m);
					}
				}
				if let Some(m) = Self::migrating_from(&other) {
					holders.push(m);
				}
			}
		}
		holders
	}

	/// Moves `slot` (whose current miner is `from`, already released) to a newly drawn miner
	/// other than `from` and the holders of the other slots of its segment (`width`
	/// fragments × `redundancy`); `None` if nobody is eligible now (retried at the next
	/// deadline). Emits `FragmentReassigned`.
	pub(crate) fn reassign(
		random: &[u8; 32],
		slot: &SlotRef,
		(width, redundancy): (u32, u8),
		from: Option<T::AccountId>,
		reassigned: u8,
	) {
		let mut exclude = Self::replica_holders(slot, width, redundancy);
		if let Some(f) = &from {
			exclude.push(f.clone());
		}
		let to = Self::select_miner(random, slot, &exclude);
		Self::assign(slot, to.clone(), reassigned);
		Self::deposit_event(Event::FragmentReassigned {
			file: slot.file,
			fragment: slot.fragment,
			replica: slot.replica,
			from,
			to,
		});
	}

	/// Service space a fragment of `data_len` bytes is credited with: its data rounded up to
	/// the 32-byte leaf (the padding is public and never challenged, so it earns nothing).
	pub fn credited_space(data_len: u32) -> u64 {
		u64::from(data_len)
			.div_ceil(cess_storage_proof::LEAF_SIZE)
			.saturating_mul(cess_storage_proof::LEAF_SIZE)
	}

	/// Key of a released fragment: `u32::MAX − index`, big-endian, so that iterating a miner's
	/// released fragments (identity-hashed keys) visits the highest number first.
	pub(crate) fn released_key(index: u32) -> [u8; 4] {
		(u32::MAX - index).to_be_bytes()
	}

	/// Releases fragment `index` of `miner` (its file was deleted, or it was moved to another
	/// miner). It keeps its number, root and service space — the audit may still challenge it —
	/// until the audit applies the removal at the miner's next checkpoint
	/// ([`ServiceFragments::apply_removals`](cess_traits::ServiceFragmentsMutate)). A banned
	/// miner is never audited again: its removals apply at once.
	pub(crate) fn remove_miner_fragment(miner: &T::AccountId, index: u32) {
		if ReleasedFragments::<T>::contains_key(miner, Self::released_key(index)) {
			return;
		}
		ReleasedFragments::<T>::insert(miner, Self::released_key(index), ());
		if let Some(fragment) = MinerFragments::<T>::get(miner, index) {
			let space = Self::credited_space(fragment.data_len);
			ReleasedSpace::<T>::mutate(miner, |s| *s = s.saturating_add(space));
		}
		ReleasedCount::<T>::mutate(miner, |c| *c = c.saturating_add(1));
		Self::deposit_event(Event::FragmentReleased { miner: miner.clone(), index });
		if T::Miners::state(miner) == Some(MinerState::Banned) {
			Self::apply_released(miner, 1);
		}
	}

	/// Removes up to `limit` released fragments of `miner`, highest number first: each is
	/// swap-removed (the last fragment, which is then never a released one, takes its number
	/// and its slot is updated) and its credited service space is freed. Returns how many.
	pub(crate) fn apply_released(miner: &T::AccountId, limit: u32) -> u32 {
		let keys: alloc::vec::Vec<[u8; 4]> =
			ReleasedFragments::<T>::iter_key_prefix(miner).take(limit as usize).collect();
		let mut applied: u32 = 0;
		for key in keys {
			ReleasedFragments::<T>::remove(miner, key);
			let index = u32::MAX - u32::from_be_bytes(key);
			if let Some(fragment) = MinerFragments::<T>::get(miner, index) {
				let space = Self::credited_space(fragment.data_len);
				ReleasedSpace::<T>::mutate_exists(miner, |s| {
					let left = s.unwrap_or_default().saturating_sub(space);
					*s = (left > 0).then_some(left);
				});
			}
			Self::swap_remove_fragment(miner, index);
			applied = applied.saturating_add(1);
		}
		if applied > 0 {
			ReleasedCount::<T>::mutate_exists(miner, |c| {
				let left = c.unwrap_or_default().saturating_sub(applied);
				*c = (left > 0).then_some(left);
			});
			Self::deposit_event(Event::FragmentsRemoved { miner: miner.clone(), count: applied });
		}
		applied
	}

	/// Removes fragment `index` from `miner`'s list, moving the last fragment into its place
	/// (and updating that fragment's slot), and frees its credited service space.
	fn swap_remove_fragment(miner: &T::AccountId, index: u32) {
		let count = MinerFragmentCount::<T>::get(miner);
		let last = count.saturating_sub(1);
		let removed = MinerFragments::<T>::take(miner, index);
		if index != last {
			if let Some(moved) = MinerFragments::<T>::take(miner, last) {
				// A migrating copy's slot is pending on its new holder: only the migration
				// record knows this number.
				if !Self::renumber_migration(miner, &moved, index) {
					Slots::<T>::mutate(moved.file, (moved.fragment, moved.replica), |s| {
						if let Some(s) = s {
							s.status = SlotStatus::Confirmed { index };
						}
					});
				}
				MinerFragments::<T>::insert(miner, index, moved);
			}
		}
		if last == 0 {
			MinerFragmentCount::<T>::remove(miner);
		} else {
			MinerFragmentCount::<T>::insert(miner, last);
		}
		if let Some(r) = removed {
			T::Miners::remove_service_space(miner, Self::credited_space(r.data_len));
		}
	}

	/// Releases whatever a slot holds on its miner (a confirmed fragment or a pending
	/// reservation).
	pub(crate) fn release_slot(slot: &SlotOf<T>) {
		let Some(miner) = &slot.miner else {
			return;
		};
		match slot.status {
			SlotStatus::Confirmed { index } => Self::remove_miner_fragment(miner, index),
			SlotStatus::Pending { .. } => Self::dec_pending(miner),
		}
	}

	/// Appends a background task.
	pub(crate) fn push_task(task: Job<T::AccountId>) {
		let seq = TaskTail::<T>::get();
		Tasks::<T>::insert(seq, task);
		TaskTail::<T>::put(seq.saturating_add(1));
	}
}
