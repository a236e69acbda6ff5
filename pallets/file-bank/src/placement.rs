//! Delayed placement: replicas are assigned from randomness that did not exist when the
//! declaration was included, so an uploader cannot grind its file until a replica lands on a
//! miner it controls.
//!
//! - Every block's `on_initialize` folds the runtime randomness (BABE: epoch randomness mixed
//!   with the parent block's VRF output) into [`PlacementSeed`]:
//!   `S_n = blake2_256("cess/file-bank/seed" ‖ S_{n−1} ‖ R_n ‖ n)`. One read and one write per
//!   block; no ring to prune. `S_n` depends on the VRF output of every block before `n`.
//! - A declaration included in block `b` is queued and placed in block
//!   `b + PlacementDelay` (later only under a backlog), from
//!   `blake2_256("cess/file-bank/place" ‖ S_now ‖ file)`. `S_now` contains the VRF outputs of
//!   blocks `b + 1 … now − 1`: `PlacementDelay − 1` of them were produced after the inclusion.
//!   The file hash and everything else the uploader knows at declaration only select *which*
//!   draw of `S_now` a file gets, not the draw.
//! - The work is bounded by its own budget, `MaxPlacementWork` replicas per block, separate
//!   from the deadline and task budgets, so a flood of declarations delays only later
//!   placements (FIFO) and never evacuations, deletions or lease expiries. A file is placed
//!   a **segment** at a time (all `width × redundancy` slots of a segment on distinct miners,
//!   in one storage transaction; a large file spans several blocks, each segment drawn from its
//!   block's seed, all of them produced after the declaration): if a slot finds no eligible
//!   miner the segment is rolled back and the declaration refunded (lease space, deposit) with
//!   `PlacementFailed`, earlier segments released by a deletion task. The queue holds at most `MaxPlacementBacklog` replicas
//!   (`PlacementQueueFull` beyond), so a flood delays a placement by at most
//!   `MaxPlacementBacklog / MaxPlacementWork` blocks.
//!
//! Residual bias: the author of block `b + PlacementDelay − 1` knows `R` of every earlier block
//! and its own VRF output before publishing; it can withhold its block (another author fills the
//! height, with another VRF output), a choice between 2 draws per trailing block it controls.
//! See `docs/storage-miners.md`, "Placement".

use crate::*;
use codec::Encode;
use frame_support::{
	storage::{with_transaction, TransactionOutcome},
	traits::{Get, Randomness},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Saturating, DispatchError};

/// Domain of the randomness read folded into [`PlacementSeed`].
const SEED_SUBJECT: &[u8] = b"cess/file-bank/seed";
/// Domain of a file's placement draw.
const PLACE_CONTEXT: &[u8] = b"cess/file-bank/place";

impl<T: Config> Pallet<T> {
	/// Folds this block's randomness into [`PlacementSeed`] (once per block, first thing in
	/// the hook).
	pub(crate) fn fold_seed(now: BlockNumberFor<T>) {
		let (random, _) = T::Randomness::random(SEED_SUBJECT);
		let seed = (SEED_SUBJECT, PlacementSeed::<T>::get(), random, now)
			.using_encoded(sp_io::hashing::blake2_256);
		PlacementSeed::<T>::put(seed);
	}

	/// The block a declaration made at `declared_at` is placed in.
	pub fn place_at(declared_at: BlockNumberFor<T>) -> BlockNumberFor<T> {
		declared_at.saturating_add(T::PlacementDelay::get())
	}

	/// Whether `replicas` more placements fit the queue's `MaxPlacementBacklog`.
	pub(crate) fn placement_fits(replicas: u32) -> bool {
		PlacementBacklog::<T>::get().saturating_add(replicas) <= T::MaxPlacementBacklog::get()
	}

	/// Queues `file` (of `replicas` replicas) for placement.
	pub(crate) fn queue_placement(file: FileHash, replicas: u32) {
		let seq = PlacementTail::<T>::get();
		PlacementQueue::<T>::insert(seq, (file, replicas));
		PlacementTail::<T>::put(seq.saturating_add(1));
		PlacementBacklog::<T>::mutate(|b| *b = b.saturating_add(replicas));
	}

	fn pop_placement(head: u64) {
		if let Some((_, replicas)) = PlacementQueue::<T>::take(head) {
			PlacementBacklog::<T>::mutate(|b| *b = b.saturating_sub(replicas));
		}
		PlacementHead::<T>::put(head.saturating_add(1));
	}

	/// Places due declarations in FIFO order, **a segment at a time**, with at most
	/// `MaxPlacementWork` replica placements per block (a stale entry — a file deleted before
	/// placement — costs 1), except that the first segment of a block is always placed whatever
	/// its size, so a segment wider than the budget is not stuck: at most
	/// `max(MaxPlacementWork, MaxSegmentWidth × MaxRedundancy)` replicas per block. A large
	/// file is placed over `segments / (MaxPlacementWork / segment slots)` blocks, each block's
	/// segments from that block's seed. Returns the work units spent.
	pub(crate) fn run_placements(now: BlockNumberFor<T>) -> u32 {
		let budget = T::MaxPlacementWork::get();
		let mut used: u32 = 0;
		while used < budget {
			let head = PlacementHead::<T>::get();
			if head >= PlacementTail::<T>::get() {
				break;
			}
			let live = PlacementQueue::<T>::get(head)
				.and_then(|(file, _)| Files::<T>::get(file).map(|info| (file, info)))
				.filter(|(_, info)| info.state == FileState::Declared);
			let Some((file, info)) = live else {
				Self::pop_placement(head);
				used = used.saturating_add(1);
				continue;
			};
			if Self::place_at(info.declared_at) > now {
				break;
			}
			let cost = Self::segment_slots(&info).max(1);
			if used > 0 && used.saturating_add(cost) > budget {
				break;
			}
			if Self::place_segment(file, info) {
				Self::pop_placement(head);
			}
			used = used.saturating_add(cost);
		}
		used
	}

	/// Places every remaining segment of a declared file now (benchmarks and tests; the hook
	/// places segment by segment within its budget).
	#[cfg(any(test, feature = "runtime-benchmarks"))]
	pub(crate) fn place_file(file: FileHash, info: FileInfoOf<T>) {
		let mut info = info;
		loop {
			if Self::place_segment(file, info) {
				return;
			}
			match Files::<T>::get(file) {
				Some(next) if next.state == FileState::Declared => info = next,
				_ => return,
			}
		}
	}

	/// The draw `file` is placed from, in the current block.
	pub(crate) fn placement_random(file: &FileHash) -> [u8; 32] {
		(PLACE_CONTEXT, PlacementSeed::<T>::get(), file).using_encoded(sp_io::hashing::blake2_256)
	}

	/// Assigns every replica of every fragment of the file's next segment, all on distinct
	/// miners, in one storage transaction; after the last segment the file is `Pending`
	/// (`FilePlaced`). If some slot finds no eligible miner the segment is rolled back and the
	/// whole declaration undone and refunded. Returns whether the file is done with (placed or
	/// refunded), i.e. whether its queue entry goes.
	pub(crate) fn place_segment(file: FileHash, mut info: FileInfoOf<T>) -> bool {
		let random = Self::placement_random(&file);
		let width = info.coding.width().max(1);
		let segment = info.placed;
		let first = segment.saturating_mul(width);
		let redundancy = info.redundancy;
		let placed = with_transaction(|| {
			let mut chosen: alloc::vec::Vec<T::AccountId> = alloc::vec::Vec::new();
			for fragment in first..first.saturating_add(width).min(info.fragments) {
				for replica in 0..redundancy {
					let slot = SlotRef { file, fragment, replica };
					let Some(miner) = Self::select_miner(&random, &slot, &chosen) else {
						return TransactionOutcome::Rollback(Err(DispatchError::Other(
							"no eligible miner",
						)));
					};
					let deadline = Self::assign(&slot, Some(miner.clone()), 0);
					chosen.push(miner.clone());
					Self::deposit_event(Event::FragmentAssigned {
						file,
						fragment,
						replica,
						miner,
						deadline,
					});
				}
			}
			TransactionOutcome::Commit(Ok(()))
		});
		if placed.is_err() {
			Self::refund_declaration(file, info);
			return true;
		}
		info.placed = segment.saturating_add(1);
		let done = info.placed >= Self::segment_count(&info);
		if done {
			info.state = FileState::Pending;
		}
		Files::<T>::insert(file, info);
		if done {
			Self::deposit_event(Event::FilePlaced { file });
		}
		done
	}

	/// Undoes a declaration that could not be placed: the file and its entry in the owner's
	/// list are gone, its lease space is free and the deposit goes back (the owner did nothing
	/// wrong; re-declaring costs a new deposit hold and fee, and draws anew). Segments placed
	/// in earlier blocks (and the roots of a file with more than `MaxPlacementWork`
	/// fragments) are released by a deletion task, so this step stays bounded.
	fn refund_declaration(file: FileHash, mut info: FileInfoOf<T>) {
		let owner = info.owner.clone();
		Leases::<T>::mutate(&owner, |lease| {
			if let Some(l) = lease {
				l.used = l.used.saturating_sub(info.stored_space);
			}
		});
		UserFiles::<T>::mutate_exists(&owner, |files| {
			if let Some(f) = files {
				f.retain(|h| *h != file);
				if f.is_empty() {
					*files = None;
				}
			}
		});
		Self::return_deposit(&owner, file);
		Self::deposit_event(Event::PlacementFailed { file, owner, released: info.stored_space });
		if info.placed == 0 && info.fragments <= T::MaxPlacementWork::get() {
			for fragment in 0..info.fragments {
				FragmentRoots::<T>::remove(file, fragment);
			}
			Files::<T>::remove(file);
		} else {
			info.state = FileState::Deleting;
			Files::<T>::insert(file, info);
			Self::push_task(Job::DeleteFile { file, next: 0 });
		}
	}
}
