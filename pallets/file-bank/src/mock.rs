//! Mock runtime: System, Balances (u128, existential deposit 1), StorageMiner (the real
//! pallet, so service space and states are the real ones) and FileBank, with `u64` accounts,
//! 8 MiB fragments and fillers, a deterministic per-block randomness source that mixes in a
//! secret (standing for the VRF output nobody knows before the block exists), and a switch
//! for which miners the (absent) audit has enrolled.

use crate as pallet_file_bank;
use codec::Encode;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, ConstU8, Hooks, Randomness},
	BoundedVec,
};
use sp_core::H256;
use sp_runtime::BuildStorage;

/// Account type of the mock.
pub type AccountId = u64;
/// Balance type of the mock.
pub type Balance = u128;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		StorageMiner: pallet_storage_miner,
		FileBank: pallet_file_bank,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = frame_support::traits::ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// One CESS.
pub const CESS: Balance = 1_000_000_000_000_000_000;
/// 8 MiB fragments and fillers, as in production.
pub const FRAGMENT: u64 = 8 << 20;
/// Exit cooldown of miners.
pub const COOLDOWN: u64 = 30;
/// Blocks per lease day.
pub const DAY: u64 = 10;
/// Blocks to confirm an assignment.
pub const TIMEOUT: u64 = 5;
/// Background steps per block.
pub const HOOK_WORK: u32 = 4;
/// Blocks from a declaration to its placement.
pub const PLACEMENT_DELAY: u64 = 3;
/// Replica placements per block.
pub const PLACE_WORK: u32 = 8;
/// Most replica placements waiting.
pub const PLACE_BACKLOG: u32 = 128;
/// Price of 1 GiB for 1 day at genesis.
pub const PRICE: Balance = CESS / 10;
/// Most fragments per miner.
pub const MAX_PER_MINER: u32 = 64;
/// The treasury.
pub const TREASURY: AccountId = 999;
/// The storage-miner reward pool.
pub const POOL: AccountId = 998;
/// Users.
pub const USER: AccountId = 10;
/// A second user.
pub const USER2: AccountId = 11;
/// Miners.
pub const M1: AccountId = 1;
/// Miner 2.
pub const M2: AccountId = 2;
/// Miner 3.
pub const M3: AccountId = 3;
/// Miner 4.
pub const M4: AccountId = 4;
/// Reassignments of an unconfirmed replica before it is lost.
pub const MAX_REASSIGN: u8 = 3;
/// New holders a migrating replica is offered to before the migration ends.
pub const MAX_MIGRATION_ATTEMPTS: u8 = 4;
/// Declaration deposit per file.
pub const DEPOSIT: Balance = 2 * CESS;
/// Starting balance.
pub const INITIAL: Balance = 100_000 * CESS;

parameter_types! {
	pub const Treasury: AccountId = TREASURY;
	pub const Pool: AccountId = POOL;
	pub const CollateralPerTiB: Balance = 2_000 * CESS;
	pub const DefaultPrice: Balance = PRICE;
	pub const Deposit: Balance = DEPOSIT;
	/// Changes the randomness between tests that want another draw.
	pub static RandomNonce: u64 = 0;
	/// Miners the audit has not enrolled (everyone else is).
	pub static Unaudited: Vec<AccountId> = Vec::new();
	/// `MaxMigrationAttempts` (tests may raise it).
	pub static MigrationAttempts: u8 = MAX_MIGRATION_ATTEMPTS;
}

/// Stands for the VRF output of a block, unknown to everyone before the block exists. Tests
/// playing an attacker never read it: they predict from on-chain state only.
const VRF_SECRET: [u8; 32] = *b"mock vrf: unknown before a block";

/// Per-block randomness: `blake2(subject ‖ block ‖ nonce ‖ VRF_SECRET)`; different every
/// block, and not computable from chain state.
pub struct TestRandomness;
impl Randomness<H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, u64) {
		let block = System::block_number();
		let h =
			sp_io::hashing::blake2_256(&(subject, block, RandomNonce::get(), VRF_SECRET).encode());
		(H256(h), block)
	}
}

/// The audit's record: every miner but those in [`Unaudited`].
pub struct MockAudited;
impl frame_support::traits::Contains<AccountId> for MockAudited {
	fn contains(who: &AccountId) -> bool {
		!Unaudited::get().contains(who)
	}
}

impl pallet_storage_miner::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Treasury = Treasury;
	type CollateralPerTiB = CollateralPerTiB;
	type FillerSize = ConstU64<FRAGMENT>;
	type MaxDeclaredTib = ConstU32<1024>;
	type MaxEndpointLen = ConstU32<32>;
	type MaxMiners = ConstU32<64>;
	type ExitCooldown = ConstU64<COOLDOWN>;
	type OnLeave = FileBank;
	type Power = ();
	type RewardPool = Treasury;
	type PoolFunding = ();
	type BlockDay = ConstU64<10>;
	type ProveWithin = ConstU64<1_000_000>;
	type WeightInfo = ();
	type SealAudit = ();
	type SealParams = pallet_storage_miner::DevSealParams;
	type SealDelay = ConstU64<10>;
	type ProveCommitWindow = ConstU64<10>;
	type PreCommitDeposit = frame_support::traits::ConstU128<0>;
	type MaxPreCommitBatch = ConstU32<8>;
	type MaxOpenPreCommits = ConstU32<1>;
	type MaxExpiriesPerBlock = ConstU32<1>;
	type MaxSectorChanges = ConstU32<8>;
}

impl pallet_file_bank::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Miners = StorageMiner;
	type Randomness = TestRandomness;
	type Audited = MockAudited;
	type PlacementDelay = ConstU64<PLACEMENT_DELAY>;
	type MaxPlacementWork = ConstU32<PLACE_WORK>;
	type MaxPlacementBacklog = ConstU32<PLACE_BACKLOG>;
	type RewardPool = Pool;
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type DefaultPricePerGibDay = DefaultPrice;
	type FragmentSize = ConstU64<FRAGMENT>;
	type BlocksPerDay = ConstU64<DAY>;
	type AssignmentTimeout = ConstU64<TIMEOUT>;
	type MaxFragmentsPerFile = ConstU32<12>;
	type MaxSegmentWidth = ConstU32<6>;
	type MaxRedundancy = ConstU32<3>;
	type MaxFragmentsPerMiner = ConstU32<MAX_PER_MINER>;
	type MaxFilesPerUser = ConstU32<8>;
	type MaxExpiriesPerBlock = ConstU32<2>;
	type MaxSelectionAttempts = ConstU32<8>;
	type MaxHookWork = ConstU32<HOOK_WORK>;
	type MaxReassignments = ConstU8<MAX_REASSIGN>;
	type DeclarationDeposit = Deposit;
	type MaxMigrationAttempts = MigrationAttempts;
	type MaxRepairWork = ConstU32<HOOK_WORK>;
	type WeightInfo = ();
}

/// Genesis: users, miners and spare accounts funded; treasury and pool exist.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	let mut balances: Vec<(AccountId, Balance)> =
		(1..=40).map(|a| (a as AccountId, INITIAL)).collect();
	balances.push((TREASURY, 1));
	balances.push((POOL, 1));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut t)
		.expect("balances genesis");
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		System::set_block_number(1);
		RandomNonce::set(0);
		Unaudited::set(Vec::new());
		MigrationAttempts::set(MAX_MIGRATION_ATTEMPTS);
	});
	ext
}

/// Runs the test, then checks both pallets' invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		check_invariants();
	});
}

/// Both pallets' `try_state` invariants.
pub fn check_invariants() {
	FileBank::do_try_state().expect("file-bank invariants hold");
	StorageMiner::do_try_state().expect("storage-miner invariants hold");
}

/// Advances to block `n`, running FileBank's `on_initialize` on every block and checking the
/// invariants after each.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		FileBank::on_initialize(next);
		check_invariants();
	}
}

/// Registers `who` as a `Positive` miner declaring `gib` GiB with `fillers` idle fillers.
pub fn miner(who: AccountId, gib: u32, fillers: u64) {
	let endpoint: BoundedVec<u8, ConstU32<32>> = BoundedVec::try_from(b"/ip4/1".to_vec()).unwrap();
	frame_support::assert_ok!(StorageMiner::register(
		RuntimeOrigin::signed(who),
		who,
		endpoint,
		gib,
		StorageMiner::collateral_requirement(gib)
	));
	frame_support::assert_ok!(StorageMiner::commit_idle(
		RuntimeOrigin::signed(who),
		[who as u8; 32],
		fillers
	));
}
