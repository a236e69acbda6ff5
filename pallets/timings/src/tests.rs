//! Genesis wiring of the timings: defaults, overrides and the `Get` adapters.

use crate::{
	self as pallet_timings, BlockDayOf, EpochDurationOf, SessionsPerEraOf, SlashDeferDurationOf,
};
use frame_support::{derive_impl, traits::Get};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timings: pallet_timings,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl pallet_timings::Config for Test {}

fn ext(genesis: pallet_timings::GenesisConfig<Test>) -> sp_io::TestExternalities {
	RuntimeGenesisConfig { system: Default::default(), timings: genesis }
		.build_storage()
		.expect("valid genesis")
		.into()
}

#[test]
fn empty_genesis_gives_production_timings() {
	ext(Default::default()).execute_with(|| {
		assert_eq!(EpochDurationOf::<Test>::get(), 600);
		assert_eq!(SessionsPerEraOf::<Test>::get(), 6);
		assert_eq!(BlockDayOf::<Test>::get(), 14_400);
		assert_eq!(SlashDeferDurationOf::<Test>::get(), 27);
	});
}

#[test]
fn dev_genesis_overrides_every_timing() {
	let genesis = pallet_timings::GenesisConfig::<Test> {
		epoch_duration: Some(10),
		sessions_per_era: Some(2),
		block_day: Some(10),
		slash_defer_duration: Some(0),
		..Default::default()
	};
	ext(genesis).execute_with(|| {
		assert_eq!(EpochDurationOf::<Test>::get(), 10);
		assert_eq!(SessionsPerEraOf::<Test>::get(), 2);
		assert_eq!(BlockDayOf::<Test>::get(), 10);
		assert_eq!(SlashDeferDurationOf::<Test>::get(), 0);
	});
}

#[test]
fn partial_genesis_keeps_other_defaults() {
	let genesis =
		pallet_timings::GenesisConfig::<Test> { block_day: Some(20), ..Default::default() };
	ext(genesis).execute_with(|| {
		assert_eq!(EpochDurationOf::<Test>::get(), 600);
		assert_eq!(SessionsPerEraOf::<Test>::get(), 6);
		assert_eq!(BlockDayOf::<Test>::get(), 20);
	});
}

#[test]
#[should_panic(expected = "epoch_duration must be at least 1")]
fn zero_epoch_is_refused_at_genesis() {
	let genesis =
		pallet_timings::GenesisConfig::<Test> { epoch_duration: Some(0), ..Default::default() };
	let _ = ext(genesis);
}
