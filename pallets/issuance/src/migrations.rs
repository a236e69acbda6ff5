//! Storage migrations of the issuance pallet.
//!
//! Each migration is a [`VersionedMigration`]: it runs only when the on-chain storage version
//! is the one it starts from, bumps the version when done, and is a no-op (one read) on a
//! chain that already has it — so it can stay in the runtime's `Migrations` for a release.

use crate::{Config, Pallet, PoolShares};
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};

#[cfg(feature = "try-runtime")]
use alloc::vec::Vec;

/// v0 → v1: `PendingPoolShares` changes from `(storage_pool, cdn_pool)` to [`PoolShares`],
/// which also names the era. The record lives only between `era_payout` and the pools'
/// credit inside one block, so on a live chain it is normally absent; a leftover one is
/// kept with the current era.
pub mod v1 {
	use super::*;

	/// The v0 layout, read by the migration only.
	pub(crate) mod v0 {
		use super::*;

		#[frame_support::storage_alias]
		pub type PendingPoolShares<T: Config> = StorageValue<Pallet<T>, (u128, u128), OptionQuery>;
	}

	/// The unversioned step; use [`MigrateV0ToV1`].
	pub struct InnerMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let Some((storage_pool, cdn_pool)) = v0::PendingPoolShares::<T>::take() else {
				return T::DbWeight::get().reads(1);
			};
			let era = T::CurrentEra::get().unwrap_or(0);
			crate::PendingPoolShares::<T>::put(PoolShares { era, storage_pool, cdn_pool });
			T::DbWeight::get().reads_writes(2, 1)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(v0::PendingPoolShares::<T>::get().encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = Option::<(u128, u128)>::decode(&mut &state[..])
				.map_err(|_| "v1: pre-upgrade state does not decode")?;
			let after = crate::PendingPoolShares::<T>::get().map(|p| (p.storage_pool, p.cdn_pool));
			ensure!(before == after, "v1: pool shares changed in the migration");
			Ok(())
		}
	}

	/// `PendingPoolShares` gains its era; storage version 0 → 1.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		InnerMigrateV0ToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

#[cfg(test)]
mod tests {
	use super::v1::{v0, MigrateV0ToV1};
	use crate::{mock::*, PendingPoolShares, PoolShares};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

	#[test]
	fn v0_tuple_becomes_pool_shares_with_the_current_era() {
		new_test_ext().execute_with(|| {
			StorageVersion::new(0).put::<Issuance>();
			v0::PendingPoolShares::<Test>::put((194_812_800, 32_468_800));
			CurrentEra::set(Some(7));

			let weight = MigrateV0ToV1::<Test>::on_runtime_upgrade();

			assert_eq!(
				PendingPoolShares::<Test>::get(),
				Some(PoolShares { era: 7, storage_pool: 194_812_800, cdn_pool: 32_468_800 })
			);
			assert_eq!(Issuance::on_chain_storage_version(), StorageVersion::new(1));
			// Version read, old value read (take) and era read; value write and version write.
			let db = <Test as frame_system::Config>::DbWeight::get();
			assert_eq!(weight, db.reads_writes(3, 2));
			assert_eq!(weight.ref_time(), 3 * 25_000_000 + 2 * 100_000_000);
		});
	}

	#[test]
	fn an_absent_record_stays_absent_and_the_version_moves() {
		new_test_ext().execute_with(|| {
			StorageVersion::new(0).put::<Issuance>();
			MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(PendingPoolShares::<Test>::get(), None);
			assert_eq!(Issuance::on_chain_storage_version(), StorageVersion::new(1));
		});
	}

	#[test]
	fn running_it_twice_changes_nothing() {
		new_test_ext().execute_with(|| {
			StorageVersion::new(0).put::<Issuance>();
			v0::PendingPoolShares::<Test>::put((5, 6));
			MigrateV0ToV1::<Test>::on_runtime_upgrade();
			let once = PendingPoolShares::<Test>::get();
			let weight = MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(PendingPoolShares::<Test>::get(), once);
			// Only the version is read the second time.
			assert_eq!(weight, <Test as frame_system::Config>::DbWeight::get().reads(1));
		});
	}
}
