//! Storage miners and the file market (SPEC §5, §6).

use crate::{
	configs::staking::TreasuryAccount,
	currency::{CENTS, CESS},
	AccountId, Balances, BlockNumber, FileBank, Runtime, RuntimeHoldReason, StorageMiner,
};
use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Get},
};
use frame_system::EnsureRoot;

/// Size of an idle filler and of a file fragment: the proof library's default, 8 MiB.
pub const FRAGMENT_SIZE: u64 = 8 << 20;

parameter_types! {
	/// Receives every space payment; the storage-miner share of issuance goes there too.
	pub StorageRewardPool: AccountId = pallet_issuance::Pallet::<Runtime>::storage_pool();
}

/// A leaving miner waits two eras (dev 40 blocks, production 7 200 blocks) so its fragments
/// are moved and running challenges conclude before its collateral is returned.
pub struct MinerExitCooldown;
impl Get<BlockNumber> for MinerExitCooldown {
	fn get() -> BlockNumber {
		let epoch = BlockNumber::try_from(pallet_timings::EpochDurationOf::<Runtime>::get())
			.unwrap_or(BlockNumber::MAX);
		epoch.saturating_mul(pallet_timings::SessionsPerEraOf::<Runtime>::get()).saturating_mul(2)
	}
}

impl pallet_storage_miner::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Treasury = TreasuryAccount;
	type CollateralPerTiB = ConstU128<{ 2_000 * CESS }>;
	type FillerSize = ConstU64<FRAGMENT_SIZE>;
	// 1 PiB per miner.
	type MaxDeclaredGib = ConstU32<{ 1024 * 1024 }>;
	type MaxEndpointLen = ConstU32<128>;
	type MaxMiners = ConstU32<10_000>;
	type ExitCooldown = MinerExitCooldown;
	type OnLeave = FileBank;
	type WeightInfo = pallet_storage_miner::weights::SubstrateWeight<Runtime>;
}

impl pallet_file_bank::Config for Runtime {
	type Currency = Balances;
	type Miners = StorageMiner;
	type Randomness = pallet_babe::RandomnessFromOneEpochAgo<Runtime>;
	type RewardPool = StorageRewardPool;
	type AdminOrigin = EnsureRoot<AccountId>;
	// 0.01 CESS per GiB per day until governance sets a price.
	type DefaultPricePerGibDay = ConstU128<CENTS>;
	type FragmentSize = ConstU64<FRAGMENT_SIZE>;
	type BlocksPerDay = pallet_timings::BlockDayOf<Runtime>;
	// Ten minutes to confirm an assigned fragment before it goes to another miner.
	type AssignmentTimeout = ConstU32<100>;
	// 256 MiB per file.
	type MaxFragmentsPerFile = ConstU32<32>;
	type MaxRedundancy = ConstU32<3>;
	// 8 TiB of service space per miner.
	type MaxFragmentsPerMiner = ConstU32<1_048_576>;
	type MaxFilesPerUser = ConstU32<1_000>;
	type MaxExpiriesPerBlock = ConstU32<64>;
	type MaxSelectionAttempts = ConstU32<8>;
	type MaxHookWork = ConstU32<32>;
	type WeightInfo = pallet_file_bank::weights::SubstrateWeight<Runtime>;
}
