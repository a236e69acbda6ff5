//! The runtime's `Migrations` against real genesis state: every custom pallet's stored
//! version matches its code after genesis, and the issuance v0 → v1 migration converts a
//! leftover record, counts its database work and is a no-op the second time.

use crate::{tests::ext_with_preset, Issuance, Migrations, Runtime};
use frame_support::{
	storage::unhashed,
	traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
};
use pallet_issuance::{PendingPoolShares, PoolShares};

#[test]
fn genesis_stores_the_code_storage_version_of_every_custom_pallet() {
	ext_with_preset("development").execute_with(|| {
		assert_eq!(Issuance::on_chain_storage_version(), StorageVersion::new(1));
		assert_eq!(Issuance::in_code_storage_version(), StorageVersion::new(1));
		assert_eq!(crate::Audit::on_chain_storage_version(), StorageVersion::new(0));
		assert_eq!(crate::Cdn::on_chain_storage_version(), StorageVersion::new(0));
		assert_eq!(crate::FileBank::on_chain_storage_version(), StorageVersion::new(0));
		assert_eq!(crate::StorageMiner::on_chain_storage_version(), StorageVersion::new(0));
		assert_eq!(crate::Timings::on_chain_storage_version(), StorageVersion::new(0));
	});
}

#[test]
fn issuance_v1_migration_converts_a_v0_record_once() {
	ext_with_preset("development").execute_with(|| {
		// A chain still at v0 with a leftover `(storage_pool, cdn_pool)` tuple.
		StorageVersion::new(0).put::<Issuance>();
		let key = PendingPoolShares::<Runtime>::hashed_key();
		unhashed::put(&key, &(194_812_800u128, 32_468_800u128));

		let weight = <Migrations as OnRuntimeUpgrade>::on_runtime_upgrade();

		// No era started on a fresh dev genesis: the record is kept with era 0.
		assert_eq!(
			PendingPoolShares::<Runtime>::get(),
			Some(PoolShares { era: 0, storage_pool: 194_812_800, cdn_pool: 32_468_800 })
		);
		assert_eq!(Issuance::on_chain_storage_version(), StorageVersion::new(1));
		let db = <Runtime as frame_system::Config>::DbWeight::get();
		assert_eq!(weight, db.reads_writes(3, 2));

		// Second run: the version says done, one read.
		let again = <Migrations as OnRuntimeUpgrade>::on_runtime_upgrade();
		assert_eq!(again, db.reads(1));
		assert_eq!(
			PendingPoolShares::<Runtime>::get(),
			Some(PoolShares { era: 0, storage_pool: 194_812_800, cdn_pool: 32_468_800 })
		);
	});
}

/// What `try-runtime on-runtime-upgrade --checks all` runs, here on the dev genesis state
/// with issuance put back to v0: every migration's `pre_upgrade`/`post_upgrade` and every
/// pallet's `try_state`. Built only with `--features try-runtime`.
#[cfg(feature = "try-runtime")]
#[test]
fn try_runtime_upgrade_with_all_checks_passes_on_dev_genesis() {
	use frame_support::traits::UpgradeCheckSelect;
	ext_with_preset("development").execute_with(|| {
		StorageVersion::new(0).put::<Issuance>();
		unhashed::put(&PendingPoolShares::<Runtime>::hashed_key(), &(5u128, 6u128));
		let weight = crate::Executive::try_runtime_upgrade(UpgradeCheckSelect::All)
			.expect("migrations and every try_state pass");
		assert!(weight.ref_time() > 0);
		assert_eq!(Issuance::on_chain_storage_version(), StorageVersion::new(1));
		assert_eq!(
			PendingPoolShares::<Runtime>::get(),
			Some(PoolShares { era: 0, storage_pool: 5, cdn_pool: 6 })
		);
	});
}
