//! Runtime API of the file-bank pallet: where a file's fragments are, a miner's fragment list
//! and a user's lease (polkadot.js: `api.call.fileBankApi.filePlacement(hash)`).

use crate::{FileHash, FilePlacement, FragmentRef, Lease};

sp_api::decl_runtime_apis! {
	/// Queries about files and their placement.
	pub trait FileBankApi<AccountId, BlockNumber>
	where
		AccountId: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// Every fragment of the file with its root and, per replica, the miner, whether it is
		/// confirmed (and its number in the miner's list) or the confirmation deadline. A file
		/// still `Declared` has no miner yet and reports `place_at`, the block of its placement.
		fn file_placement(file: FileHash) -> Option<FilePlacement<AccountId, BlockNumber>>;

		/// Up to `limit` (at most 1 000) of the miner's confirmed fragments from number
		/// `start`, in challenge numbering.
		fn miner_fragments(miner: AccountId, start: u32, limit: u32) -> alloc::vec::Vec<FragmentRef>;

		/// The user's lease.
		fn lease(who: AccountId) -> Option<Lease<BlockNumber>>;
	}
}

impl<T: crate::Config> crate::Pallet<T> {
	/// Answer of [`FileBankApi::file_placement`].
	pub fn file_placement(file: FileHash) -> Option<crate::FilePlacementOf<T>> {
		let info = crate::Files::<T>::get(file)?;
		let fragments = (0..info.fragments)
			.map(|fragment| {
				let root = crate::FragmentRoots::<T>::get(file, fragment).unwrap_or_default();
				let replicas = (0..info.redundancy)
					.map(|replica| {
						let slot = crate::Slots::<T>::get(file, (fragment, replica));
						let (miner, confirmed, miner_index, deadline) = match slot {
							Some(s) => match s.status {
								crate::SlotStatus::Confirmed { index } => {
									(s.miner, true, Some(index), None)
								}
								crate::SlotStatus::Pending { deadline, .. } => {
									(s.miner, false, None, Some(deadline))
								}
							},
							None => (None, false, None, None),
						};
						crate::ReplicaPlacement { replica, miner, confirmed, miner_index, deadline }
					})
					.collect();
				crate::FragmentPlacement { fragment, root, replicas }
			})
			.collect();
		Some(FilePlacement {
			owner: info.owner,
			size: info.size,
			redundancy: info.redundancy,
			coding: info.coding,
			state: info.state,
			stored_space: info.stored_space,
			place_at: (info.state == crate::FileState::Declared)
				.then(|| Self::place_at(info.declared_at)),
			fragments,
		})
	}

	/// Answer of [`FileBankApi::miner_fragments`].
	pub fn miner_fragments(
		miner: &T::AccountId,
		start: u32,
		limit: u32,
	) -> alloc::vec::Vec<FragmentRef> {
		let end =
			crate::MinerFragmentCount::<T>::get(miner).min(start.saturating_add(limit.min(1_000)));
		(start..end).filter_map(|i| crate::MinerFragments::<T>::get(miner, i)).collect()
	}
}
