//! The calls' logic: leases (buy, expand, renew), file declaration, confirmation, deletion.

use crate::*;
use cess_traits::{MinerInspect, MinerMutate, ServiceSpaceError};
use frame_support::{
	ensure,
	traits::{fungible::Mutate, tokens::Preservation, Contains, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{CheckedAdd, CheckedDiv, CheckedMul, One, Saturating, Zero},
	DispatchResult,
};

/// How many blocks past its end a lease may be scheduled if the end block's expiry list is
/// full.
pub(crate) const EXPIRY_SLACK: u32 = 16;

impl<T: Config> Pallet<T> {
	/// Blocks per lease day (at least 1).
	pub(crate) fn blocks_per_day() -> BlockNumberFor<T> {
		T::BlocksPerDay::get().max(One::one())
	}

	/// `price × gib × days`, checked.
	fn cost(gib: u32, days: BlockNumberFor<T>) -> Result<BalanceOf<T>, Error<T>> {
		let days: u32 = days.try_into().map_err(|_| Error::<T>::Overflow)?;
		SpacePrice::<T>::get()
			.checked_mul(&BalanceOf::<T>::from(gib))
			.and_then(|c| c.checked_mul(&BalanceOf::<T>::from(days)))
			.ok_or(Error::<T>::Overflow)
	}

	/// Moves `amount` from the payer to the storage-miner reward pool.
	fn pay(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if !amount.is_zero() {
			T::Currency::transfer(who, &T::RewardPool::get(), amount, Preservation::Preserve)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			RewardPoolPaid::<T>::mutate(|p| *p = p.saturating_add(amount));
		}
		Ok(())
	}

	/// The caller's lease, if it has not ended.
	pub(crate) fn active_lease(who: &T::AccountId) -> Result<LeaseOf<T>, Error<T>> {
		let lease = Leases::<T>::get(who).ok_or(Error::<T>::NoLease)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(!lease.expiring && lease.expires_at > now, Error::<T>::LeaseExpired);
		Ok(lease)
	}

	/// Puts `who` in the expiry list of `at`, or of the first of the next `EXPIRY_SLACK`
	/// blocks with room; returns the block chosen (the lease's real end).
	fn schedule_expiry(
		who: &T::AccountId,
		at: BlockNumberFor<T>,
	) -> Result<BlockNumberFor<T>, Error<T>> {
		let mut block = at;
		for _ in 0..EXPIRY_SLACK {
			let mut list = LeaseExpiries::<T>::get(block);
			if list.try_push(who.clone()).is_ok() {
				LeaseExpiries::<T>::insert(block, list);
				return Ok(block);
			}
			block = block.saturating_add(One::one());
		}
		Err(Error::<T>::ExpiryQueueFull)
	}

	fn unschedule_expiry(who: &T::AccountId, at: BlockNumberFor<T>) {
		LeaseExpiries::<T>::mutate_exists(at, |list| {
			if let Some(l) = list {
				l.retain(|a| a != who);
				if l.is_empty() {
					*list = None;
				}
			}
		});
	}

	pub(crate) fn do_buy_space(who: T::AccountId, gib: u32, days: u32) -> DispatchResult {
		ensure!(gib > 0, Error::<T>::ZeroSpace);
		ensure!(days > 0, Error::<T>::ZeroDays);
		ensure!(!Leases::<T>::contains_key(&who), Error::<T>::LeaseExists);
		let days_bn = BlockNumberFor::<T>::from(days);
		let paid = Self::cost(gib, days_bn)?;
		let now = frame_system::Pallet::<T>::block_number();
		let end = Self::blocks_per_day()
			.checked_mul(&days_bn)
			.and_then(|d| now.checked_add(&d))
			.ok_or(Error::<T>::Overflow)?;
		Self::pay(&who, paid)?;
		let expires_at = Self::schedule_expiry(&who, end)?;
		Leases::<T>::insert(&who, Lease { space_gib: gib, used: 0, expires_at, expiring: false });
		Self::deposit_event(Event::SpaceBought { who, gib, days, expires_at, paid });
		Ok(())
	}

	pub(crate) fn do_expand_space(who: T::AccountId, gib: u32) -> DispatchResult {
		ensure!(gib > 0, Error::<T>::ZeroSpace);
		let mut lease = Self::active_lease(&who)?;
		let now = frame_system::Pallet::<T>::block_number();
		let per_day = Self::blocks_per_day();
		let left = lease.expires_at.saturating_sub(now);
		// A started day counts as a whole day.
		let days_left = left
			.saturating_add(per_day.saturating_sub(One::one()))
			.checked_div(&per_day)
			.unwrap_or_default();
		let paid = Self::cost(gib, days_left)?;
		let space_gib = lease.space_gib.checked_add(gib).ok_or(Error::<T>::Overflow)?;
		Self::pay(&who, paid)?;
		lease.space_gib = space_gib;
		Leases::<T>::insert(&who, lease);
		Self::deposit_event(Event::SpaceExpanded { who, added_gib: gib, space_gib, paid });
		Ok(())
	}

	pub(crate) fn do_renew_space(who: T::AccountId, days: u32) -> DispatchResult {
		ensure!(days > 0, Error::<T>::ZeroDays);
		let mut lease = Self::active_lease(&who)?;
		let days_bn = BlockNumberFor::<T>::from(days);
		let paid = Self::cost(lease.space_gib, days_bn)?;
		let end = Self::blocks_per_day()
			.checked_mul(&days_bn)
			.and_then(|d| lease.expires_at.checked_add(&d))
			.ok_or(Error::<T>::Overflow)?;
		Self::pay(&who, paid)?;
		Self::unschedule_expiry(&who, lease.expires_at);
		let expires_at = Self::schedule_expiry(&who, end)?;
		lease.expires_at = expires_at;
		Leases::<T>::insert(&who, lease);
		Self::deposit_event(Event::SpaceRenewed { who, days, expires_at, paid });
		Ok(())
	}

	/// Records a declaration (lease space, deposit, a `Declared` file) and queues its
	/// placement; nothing is assigned here (see [`crate::placement`]). Returns the file hash.
	pub(crate) fn do_declare_file(
		who: T::AccountId,
		size: u64,
		roots: RootsOf<T>,
		redundancy: u8,
		coding: Coding,
	) -> Result<FileHash, sp_runtime::DispatchError> {
		let mut lease = Self::active_lease(&who)?;
		ensure!(size > 0, Error::<T>::EmptyFile);
		let file = file_hash(&who, size, &roots);
		ensure!(!Files::<T>::contains_key(file), Error::<T>::FileExists);
		let fragment_size = T::FragmentSize::get();
		ensure!(
			redundancy > 0 && u32::from(redundancy) <= T::MaxRedundancy::get(),
			Error::<T>::BadRedundancy
		);
		let width = coding.width();
		// Distinct miners one segment needs: every replica of every fragment of it.
		let per_segment = width.saturating_mul(u32::from(redundancy));
		ensure!(
			coding.data > 0 && width <= T::MaxSegmentWidth::get() && per_segment <= 255,
			Error::<T>::BadCoding
		);
		ensure!(
			roots.len() as u64
				== coding.segments(size, fragment_size).saturating_mul(u64::from(width)),
			Error::<T>::FragmentCountMismatch
		);
		// Cheap precheck: fewer `Positive` miners than slots of a segment can never work.
		// Whether enough are eligible (audited, with room) is decided at placement.
		ensure!(T::Miners::candidate_count() >= per_segment, Error::<T>::NotEnoughMiners);
		let fragments = roots.len() as u32;
		let stored_space = u64::from(fragments)
			.checked_mul(fragment_size)
			.and_then(|s| s.checked_mul(u64::from(redundancy)))
			.ok_or(Error::<T>::Overflow)?;
		let used = lease.used.checked_add(stored_space).ok_or(Error::<T>::Overflow)?;
		ensure!(
			used <= u64::from(lease.space_gib).saturating_mul(GIB),
			Error::<T>::InsufficientLeaseSpace
		);
		let replicas = fragments.saturating_mul(u32::from(redundancy));
		ensure!(Self::placement_fits(replicas), Error::<T>::PlacementQueueFull);
		UserFiles::<T>::try_mutate(&who, |files| files.try_push(file))
			.map_err(|_| Error::<T>::TooManyFiles)?;
		Self::hold_deposit(&who, file)?;

		lease.used = used;
		Leases::<T>::insert(&who, lease);
		let now = frame_system::Pallet::<T>::block_number();
		for (i, root) in roots.iter().enumerate() {
			FragmentRoots::<T>::insert(file, i as u32, root);
		}
		Files::<T>::insert(
			file,
			FileInfo {
				owner: who.clone(),
				size,
				redundancy,
				coding,
				fragments,
				placed: 0,
				stored_space,
				confirmed: 0,
				lost: 0,
				state: FileState::Declared,
				declared_at: now,
			},
		);
		Self::queue_placement(file, replicas);
		Self::deposit_event(Event::FileDeclared {
			file,
			owner: who,
			size,
			fragments,
			redundancy,
			coding,
			place_at: Self::place_at(now),
		});
		Ok(file)
	}

	/// Bytes of data in fragment `fragment` of a file: a full `FragmentSize`, except in the
	/// last segment, whose fragments are all [`Coding::shard_len`] of the segment's remainder
	/// (for a plain file: the last fragment holds the remainder of the file size).
	pub(crate) fn fragment_data_len_of(info: &FileInfoOf<T>, fragment: u32) -> u32 {
		let fragment_size = T::FragmentSize::get();
		let segment = u64::from(fragment / info.coding.width().max(1));
		let segment_bytes = info.coding.segment_bytes(fragment_size);
		let before = segment.saturating_mul(segment_bytes);
		let in_segment = info.size.saturating_sub(before).min(segment_bytes);
		u32::try_from(info.coding.shard_len(in_segment, fragment_size)).unwrap_or(u32::MAX)
	}

	pub(crate) fn do_confirm_fragment(
		who: T::AccountId,
		file: FileHash,
		fragment: u32,
		replica: u8,
	) -> DispatchResult {
		let mut info = Files::<T>::get(file).ok_or(Error::<T>::FileNotFound)?;
		ensure!(info.state != FileState::Deleting, Error::<T>::FileBeingDeleted);
		ensure!(T::Audited::contains(&who), Error::<T>::MinerNotAudited);
		let mut slot =
			Slots::<T>::get(file, (fragment, replica)).ok_or(Error::<T>::SlotNotFound)?;
		let root = FragmentRoots::<T>::get(file, fragment).ok_or(Error::<T>::SlotNotFound)?;
		ensure!(slot.miner.as_ref() == Some(&who), Error::<T>::NotAssignedToCaller);
		let SlotStatus::Pending { seq, .. } = slot.status else {
			return Err(Error::<T>::AlreadyConfirmed.into());
		};
		let index = MinerFragmentCount::<T>::get(&who);
		ensure!(index < T::MaxFragmentsPerMiner::get(), Error::<T>::MinerFragmentsFull);
		let data_len = Self::fragment_data_len_of(&info, fragment);
		T::Miners::add_service_space(&who, Self::credited_space(data_len)).map_err(
			|e| match e {
				ServiceSpaceError::NotRegistered => Error::<T>::MinerNotRegistered,
				ServiceSpaceError::NotPositive => Error::<T>::MinerNotPositive,
				ServiceSpaceError::Frozen => Error::<T>::MinerFrozen,
				ServiceSpaceError::ReleaseFillersFirst => Error::<T>::ReleaseFillersFirst,
				ServiceSpaceError::ExceedsDeclaredSpace => Error::<T>::ExceedsDeclaredSpace,
				ServiceSpaceError::Overflow => Error::<T>::Overflow,
			},
		)?;
		MinerFragments::<T>::insert(
			&who,
			index,
			FragmentRef { file, fragment, replica, root, data_len },
		);
		MinerFragmentCount::<T>::insert(&who, index.saturating_add(1));
		Self::dec_pending(&who);
		// Its deadline entry goes now, not when the queue head reaches it.
		PendingQueue::<T>::remove(seq);
		slot.status = SlotStatus::Confirmed { index };
		Slots::<T>::insert(file, (fragment, replica), slot);
		info.confirmed = info.confirmed.saturating_add(1);
		let stored = info.confirmed >= Self::slot_total(&info);
		if stored {
			info.state = FileState::Stored;
		}
		let who_owner = info.owner.clone();
		Files::<T>::insert(file, info);
		Self::deposit_event(Event::FragmentConfirmed {
			file,
			fragment,
			replica,
			miner: who.clone(),
			index,
		});
		// A replica moving off another miner: that miner's copy is released now (issue 15).
		Self::finish_migration(file, (fragment, replica), &who);
		if stored {
			Self::deposit_event(Event::FileStored { file });
			Self::return_deposit(&who_owner, file);
		}
		Ok(())
	}

	pub(crate) fn do_delete_file(who: T::AccountId, file: FileHash) -> DispatchResult {
		let info = Files::<T>::get(file).ok_or(Error::<T>::FileNotFound)?;
		ensure!(info.owner == who, Error::<T>::NotFileOwner);
		ensure!(info.state != FileState::Deleting, Error::<T>::FileBeingDeleted);
		UserFiles::<T>::mutate_exists(&who, |files| {
			if let Some(f) = files {
				f.retain(|h| *h != file);
				if f.is_empty() {
					*files = None;
				}
			}
		});
		Self::start_deletion(file, info);
		Ok(())
	}

	/// Frees the file's lease space, marks it `Deleting` and queues the release of its slots.
	pub(crate) fn start_deletion(file: FileHash, mut info: FileInfoOf<T>) {
		Leases::<T>::mutate(&info.owner, |lease| {
			if let Some(l) = lease {
				l.used = l.used.saturating_sub(info.stored_space);
			}
		});
		// Deleted before it was ever `Stored`: the upload did not happen (or not in full).
		Self::forfeit_deposit(&info.owner, file);
		info.state = FileState::Deleting;
		let owner = info.owner.clone();
		Files::<T>::insert(file, info);
		Self::push_task(Job::DeleteFile { file, next: 0 });
		Self::deposit_event(Event::FileDeletionStarted { file, owner });
	}
}
