//! `try_state` invariants: slots, miner fragment lists, pending reservations, service space
//! and leases add up.

use crate::*;
use alloc::collections::btree_map::BTreeMap;
use cess_traits::MinerInspect;
use frame_support::{ensure, traits::Get};
use sp_runtime::TryRuntimeError;

impl<T: Config> Pallet<T> {
	/// Checks, by iterating all records (never called from runtime logic):
	///
	/// - a live file has exactly its `fragments × redundancy` slots, `confirmed` counts its
	///   confirmed slots, and it is `Stored` exactly when all are confirmed;
	/// - a confirmed slot is the entry its index names in its miner's fragment list, and
	///   every miner's list is dense (`0..count`) and names confirmed slots;
	/// - each miner's service space (in the storage-miner pallet) is the sum of its listed
	///   fragments' data lengths rounded up to 32 B (released ones included until removed),
	///   its released fragments are listed and counted, and its pending count is its number
	///   of pending slots;
	/// - a lease's `used` is the stored space of its owner's live files and fits its space; a
	///   running lease is in the expiry list of its end block;
	/// - a live file has one root per fragment; a `Declared` file has the slots of its placed
	///   segments only and is in the placement queue;
	/// - queue heads never pass their tails.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let mut pending: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut used: BTreeMap<T::AccountId, u64> = BTreeMap::new();
		let mut declared: u32 = 0;
		for (file, info) in Files::<T>::iter() {
			let mut slots: u32 = 0;
			let mut confirmed: u32 = 0;
			for (_, slot) in Slots::<T>::iter_prefix(file) {
				slots = slots.saturating_add(1);
				match (&slot.status, &slot.miner) {
					(SlotStatus::Confirmed { .. }, _) => confirmed = confirmed.saturating_add(1),
					(SlotStatus::Pending { .. }, Some(m)) => {
						let p = pending.entry(m.clone()).or_default();
						*p = p.saturating_add(1);
					}
					_ => {}
				}
			}
			if info.state == FileState::Deleting {
				continue;
			}
			let u = used.entry(info.owner.clone()).or_default();
			*u = u.saturating_add(info.stored_space);
			ensure!(
				UserFiles::<T>::get(&info.owner).contains(&file),
				"file-bank: live file not in its owner's list"
			);
			ensure!(
				FragmentRoots::<T>::iter_prefix(file).count() as u32 == info.fragments,
				"file-bank: a live file's roots differ from its fragment count"
			);
			if info.state == FileState::Declared {
				// Placed a segment at a time: exactly the slots of the placed segments exist
				// (less the lost ones).
				let placed = info.placed.saturating_mul(Self::segment_slots(&info));
				ensure!(
					slots.saturating_add(info.lost) == placed && confirmed == info.confirmed,
					"file-bank: a file being placed has other slots than its placed segments'"
				);
				declared = declared.saturating_add(1);
				continue;
			}
			let total = Self::slot_total(&info);
			ensure!(slots == total, "file-bank: live file lacks slots");
			ensure!(confirmed == info.confirmed, "file-bank: confirmed count");
			ensure!(
				(info.state == FileState::Stored) == (confirmed == total),
				"file-bank: Stored state differs from confirmations"
			);
		}
		// Every unplaced file is waiting in the placement queue (exactly once).
		let entries: alloc::vec::Vec<(FileHash, u32)> = (PlacementHead::<T>::get()
			..PlacementTail::<T>::get())
			.filter_map(PlacementQueue::<T>::get)
			.collect();
		let queued = entries
			.iter()
			.filter(|(f, _)| Files::<T>::get(f).is_some_and(|i| i.state == FileState::Declared))
			.count() as u32;
		ensure!(queued == declared, "file-bank: unplaced files differ from the placement queue");
		let backlog: u32 = entries.iter().map(|(_, r)| *r).sum();
		ensure!(
			backlog == PlacementBacklog::<T>::get() && backlog <= T::MaxPlacementBacklog::get(),
			"file-bank: placement backlog differs from the queue or exceeds its bound"
		);
		for (file, (fragment, replica), slot) in Slots::<T>::iter() {
			ensure!(Files::<T>::contains_key(file), "file-bank: slot of unknown file");
			if let SlotStatus::Confirmed { index } = slot.status {
				let miner = slot.miner.ok_or("file-bank: confirmed slot without miner")?;
				let entry = MinerFragments::<T>::get(&miner, index)
					.ok_or("file-bank: confirmed slot missing from miner list")?;
				ensure!(
					entry.file == file && entry.fragment == fragment && entry.replica == replica,
					"file-bank: miner list entry names another slot"
				);
			}
		}
		for (miner, count) in MinerFragmentCount::<T>::iter() {
			ensure!(count > 0, "file-bank: zero count stored");
			ensure!(
				count <= T::MaxFragmentsPerMiner::get(),
				"file-bank: miner list above MaxFragmentsPerMiner"
			);
			let entries = MinerFragments::<T>::iter_prefix(&miner).count() as u32;
			ensure!(entries == count, "file-bank: miner list not dense");
			ensure!(
				MinerFragments::<T>::iter_key_prefix(&miner).all(|i| i < count),
				"file-bank: miner list index out of range"
			);
			let service = T::Miners::spaces(&miner).map(|s| s.service).unwrap_or_default();
			let credited: u64 = MinerFragments::<T>::iter_prefix_values(&miner)
				.map(|f| Self::credited_space(f.data_len))
				.sum();
			ensure!(service == credited, "file-bank: service space differs from fragment data");
			let released = ReleasedFragments::<T>::iter_key_prefix(&miner)
				.map(|k| u32::MAX - u32::from_be_bytes(k))
				.collect::<alloc::vec::Vec<_>>();
			ensure!(
				released.len() as u32 == ReleasedCount::<T>::get(&miner)
					&& released.iter().all(|i| *i < count),
				"file-bank: released fragments differ from their count or list"
			);
			let released_space: u64 = released
				.iter()
				.filter_map(|i| MinerFragments::<T>::get(&miner, i))
				.map(|f| Self::credited_space(f.data_len))
				.sum();
			ensure!(
				released_space == ReleasedSpace::<T>::get(&miner),
				"file-bank: released space differs from the released fragments"
			);
		}
		ensure!(
			MinerFragments::<T>::iter_keys()
				.all(|(m, _)| MinerFragmentCount::<T>::contains_key(&m)),
			"file-bank: fragments of a miner without count"
		);
		// A migration: its slot is pending (on the new holder), and the old holder still lists
		// the replica, unreleased, at the recorded number; its space is in `MigratingSpace`.
		let mut migrating: BTreeMap<T::AccountId, u64> = BTreeMap::new();
		for (file, (fragment, replica), m) in Migrations::<T>::iter() {
			let slot = Slots::<T>::get(file, (fragment, replica))
				.ok_or("file-bank: migration of a missing slot")?;
			ensure!(
				matches!(slot.status, SlotStatus::Pending { .. })
					&& slot.miner.as_ref() != Some(&m.from),
				"file-bank: migrating slot not pending on another miner"
			);
			let entry = MinerFragments::<T>::get(&m.from, m.index)
				.ok_or("file-bank: migrating copy missing from the old holder")?;
			ensure!(
				entry.file == file && entry.fragment == fragment && entry.replica == replica,
				"file-bank: migration names another fragment of the old holder"
			);
			ensure!(
				!ReleasedFragments::<T>::contains_key(&m.from, Self::released_key(m.index)),
				"file-bank: migrating copy already released"
			);
			let s = migrating.entry(m.from.clone()).or_default();
			*s = s.saturating_add(Self::credited_space(entry.data_len));
		}
		for (miner, space) in MigratingSpace::<T>::iter() {
			ensure!(
				migrating.remove(&miner) == Some(space),
				"file-bank: migrating space differs from the migrations"
			);
		}
		ensure!(migrating.is_empty(), "file-bank: migrations not counted in MigratingSpace");
		ensure!(
			RepairQueue::<T>::iter_values().count() == Repairs::<T>::iter_keys().count()
				&& RepairHead::<T>::get() <= RepairTail::<T>::get(),
			"file-bank: repair queue differs from the repairs"
		);
		for (miner, count) in MinerPending::<T>::iter() {
			ensure!(
				pending.remove(&miner) == Some(count),
				"file-bank: pending count differs from pending slots"
			);
		}
		ensure!(pending.is_empty(), "file-bank: pending slots not counted");
		for (who, lease) in Leases::<T>::iter() {
			ensure!(
				lease.used == used.remove(&who).unwrap_or_default(),
				"file-bank: lease used differs from its files"
			);
			ensure!(
				lease.used <= u64::from(lease.space_gib).saturating_mul(GIB),
				"file-bank: lease over its space"
			);
			if !lease.expiring {
				ensure!(
					LeaseExpiries::<T>::get(lease.expires_at).contains(&who),
					"file-bank: running lease not scheduled"
				);
			}
		}
		ensure!(used.values().all(|u| *u == 0), "file-bank: files without a lease");
		for (file, _) in Deposits::<T>::iter() {
			ensure!(
				Files::<T>::get(file)
					.is_some_and(|f| matches!(f.state, FileState::Pending | FileState::Declared)),
				"file-bank: deposit held for a file that is not pending"
			);
		}
		ensure!(
			PendingHead::<T>::get() <= PendingTail::<T>::get()
				&& TaskHead::<T>::get() <= TaskTail::<T>::get()
				&& PlacementHead::<T>::get() <= PlacementTail::<T>::get(),
			"file-bank: queue head past tail"
		);
		Ok(())
	}
}

/// The storage-miner's reward-pool accounting (`try_state` only): what the file market put in.
impl<T: Config> cess_traits::RewardPoolFunding<BalanceOf<T>> for Pallet<T> {
	fn funded() -> Option<BalanceOf<T>> {
		Some(RewardPoolPaid::<T>::get())
	}
}
