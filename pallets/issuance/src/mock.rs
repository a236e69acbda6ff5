//! Mock runtime: System + Balances + Issuance, with a settable "current era".

use crate::{self as pallet_issuance};
use frame_support::{derive_impl, parameter_types, traits::ConstU128, PalletId};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Issuance: pallet_issuance,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	// Real database weights, so the migration tests can count reads and writes.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
	type AccountData = pallet_balances::AccountData<u128>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = u128;
	type AccountStore = System;
	type ExistentialDeposit = ConstU128<ED>;
}

/// Existential deposit of the mock.
pub const ED: u128 = 10;
/// One CESS in the mock (18 decimals, as in the runtime).
pub const CESS: u128 = 1_000_000_000_000_000_000;
/// Treasury account of the mock.
pub const TREASURY: u64 = 999;

parameter_types! {
	pub const StoragePoolId: PalletId = PalletId(*b"py/smpol");
	pub const CdnPoolId: PalletId = PalletId(*b"py/cdpol");
	pub const Treasury: u64 = TREASURY;
	pub static CurrentEra: Option<u32> = Some(0);
	pub static Cap: u128 = 10_000_000_000 * CESS;
}

impl pallet_issuance::Config for Test {
	type Currency = Balances;
	type BaseEraIssuance = ConstU128<{ 324_688 * CESS }>;
	type HalvingPeriod = frame_support::traits::ConstU32<5_844>;
	type IssuanceCap = Cap;
	type StoragePoolId = StoragePoolId;
	type CdnPoolId = CdnPoolId;
	type Treasury = Treasury;
	type CurrentEra = CurrentEra;
	type SplitOrigin = frame_system::EnsureRoot<u64>;
	type WeightInfo = ();
}

/// Genesis: account 1 holds 1 000 CESS, the pools hold the existential deposit.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(1, 1_000 * CESS), (TREASURY, ED)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_issuance::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
	let mut ext: sp_io::TestExternalities = storage.into();
	ext.execute_with(|| System::set_block_number(1));
	ext
}
