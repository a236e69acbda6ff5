//! Mock runtime: System, Balances (u128, existential deposit 1) and StorageMiner, with `u64`
//! accounts, real units (1 CESS = 10^18) and the production collateral rule (2 000 CESS per
//! TiB) so the tests' numbers read as in the SPEC.

use crate as pallet_storage_miner;
use crate::{CycleIndex, Power};
use codec::Encode;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
};
use sp_runtime::BuildStorage;
use std::collections::BTreeMap;

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
/// Collateral per TiB.
pub const PER_TIB: Balance = 2_000 * CESS;
/// 8 MiB fillers, as in production.
pub const FILLER: u64 = crate::TIB / 128;
/// Exit cooldown in blocks.
pub const COOLDOWN: u64 = 20;
/// The treasury account.
pub const TREASURY: AccountId = 999;
/// Miners start with this much.
pub const INITIAL: Balance = 100_000 * CESS;
/// The miner accounts of the tests.
pub const ALICE: AccountId = 1;
/// A second miner.
pub const BOB: AccountId = 2;
/// A third miner.
pub const CHARLIE: AccountId = 3;
/// An account with little money.
pub const POOR: AccountId = 4;
/// Maximum registered miners in the mock.
pub const MAX_MINERS: u32 = 4;

parameter_types! {
	pub const Treasury: AccountId = TREASURY;
	pub const CollateralPerTiB: Balance = PER_TIB;
	/// Miners reported to the (mock) file market as leaving.
	pub static Left: Vec<AccountId> = Vec::new();
	/// Miners reported to the (mock) audit as withdrawn.
	pub static Withdrawn: Vec<AccountId> = Vec::new();
	pub const RewardPool: AccountId = POOL;
	/// (cycle, miner) → power credited by the (mock) audit.
	pub static MinerPowers: BTreeMap<(CycleIndex, AccountId), Power> = BTreeMap::new();
	/// cycle → total power.
	pub static CyclePowers: BTreeMap<CycleIndex, Power> = BTreeMap::new();
	/// The last finished cycle of the mock audit.
	pub static Finished: Option<CycleIndex> = None;
	/// Everything the tests put into the pool (its genesis balance of 1 included): the mock
	/// funders' `RewardPoolFunding`.
	pub static Funded: Balance = 1;
}

/// The mock funders of the pool (issuance and the file market in the runtime): the tests add
/// to [`Funded`] whenever they put money into the pool.
pub struct MockFunding;
impl cess_traits::RewardPoolFunding<Balance> for MockFunding {
	fn funded() -> Option<Balance> {
		Some(Funded::get())
	}
}

/// The reward pool account.
pub const POOL: AccountId = 500;
/// Blocks per block day in the mock (the dev chain's value).
pub const DAY: u64 = 10;
/// Blocks without earned power after which a miner without service space may be evicted.
pub const PROVE_WITHIN: u64 = 100;

/// A mock audit: powers set by the tests.
pub struct MockPower;
impl MockPower {
	/// Credits `power` to `miner` in `cycle` (and to the cycle's total) and tells the pallet,
	/// as the audit does for a passed challenge.
	pub fn credit(cycle: CycleIndex, miner: AccountId, power: Power) {
		<crate::Pallet<Test> as crate::MinerMutate<AccountId>>::note_power(&miner, cycle, power);
		let mut m = MinerPowers::get();
		*m.entry((cycle, miner)).or_default() += power;
		MinerPowers::set(m);
		let mut c = CyclePowers::get();
		*c.entry(cycle).or_default() += power;
		CyclePowers::set(c);
	}
	/// Marks `cycle` finished.
	pub fn finish(cycle: CycleIndex) {
		Finished::set(Some(cycle));
	}
}
impl crate::StoragePowerInspect<AccountId> for MockPower {
	fn cycle_power(cycle: CycleIndex) -> Power {
		CyclePowers::get().get(&cycle).copied().unwrap_or(0)
	}
	fn miner_power(cycle: CycleIndex, miner: &AccountId) -> Power {
		MinerPowers::get().get(&(cycle, *miner)).copied().unwrap_or(0)
	}
	fn finished_cycle() -> Option<CycleIndex> {
		Finished::get()
	}
	/// The mock keeps every cycle.
	fn oldest_retained_cycle() -> CycleIndex {
		0
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_credit(cycle: CycleIndex, miner: &AccountId, power: Power) {
		let mut m = MinerPowers::get();
		*m.entry((cycle, *miner)).or_default() += power;
		MinerPowers::set(m);
		let mut c = CyclePowers::get();
		*c.entry(cycle).or_default() += power;
		CyclePowers::set(c);
		Self::finish(cycle);
	}
}

/// Records `on_miner_leave` calls in [`Left`] and `on_miner_withdrawn` calls in [`Withdrawn`].
pub struct RecordLeave;
impl crate::OnMinerLeave<AccountId> for RecordLeave {
	fn on_miner_leave(who: &AccountId) {
		let mut left = Left::get();
		left.push(*who);
		Left::set(left);
	}
	fn on_miner_withdrawn(who: &AccountId) {
		let mut w = Withdrawn::get();
		w.push(*who);
		Withdrawn::set(w);
	}
}

impl pallet_storage_miner::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Treasury = Treasury;
	type CollateralPerTiB = CollateralPerTiB;
	type FillerSize = ConstU64<FILLER>;
	type MaxDeclaredTib = ConstU32<1024>;
	type MaxEndpointLen = ConstU32<32>;
	type MaxMiners = ConstU32<MAX_MINERS>;
	type ExitCooldown = ConstU64<COOLDOWN>;
	type OnLeave = RecordLeave;
	type Power = MockPower;
	type RewardPool = RewardPool;
	type PoolFunding = MockFunding;
	type BlockDay = ConstU64<DAY>;
	type ProveWithin = ConstU64<PROVE_WITHIN>;
	type WeightInfo = ();
	type SealAudit = MockSealAudit;
	type SealParams = TinySeal;
	type SealDelay = ConstU64<SEAL_DELAY>;
	type ProveCommitWindow = ConstU64<PROVE_WINDOW>;
	type PreCommitDeposit = frame_support::traits::ConstU128<DEPOSIT>;
	type MaxPreCommitBatch = ConstU32<8>;
	type MaxOpenPreCommits = ConstU32<2>;
	type MaxExpiriesPerBlock = ConstU32<2>;
	type MaxSectorChanges = ConstU32<16>;
}

/// `Δ` of the mock: the seal challenges come from the seed of `b_pc + 5`.
pub const SEAL_DELAY: u64 = 5;
/// Prove-commit window of the mock, after the seal block.
pub const PROVE_WINDOW: u64 = 10;
/// Deposit per pre-committed sector in the mock: 3 CESS.
pub const DEPOSIT: Balance = 3 * CESS;

/// Tiny SDR parameters (64 nodes = 2 KiB sectors, one slot, 3 layers, 2 × 4 commit
/// challenges, 4 audit challenges) so a test seals in microseconds with the real sealer.
pub struct TinySeal;
impl frame_support::traits::Get<cess_storage_proof::sdr::SdrParams> for TinySeal {
	fn get() -> cess_storage_proof::sdr::SdrParams {
		cess_storage_proof::sdr::SdrParams {
			params_id: 0xFFFF_0010,
			log2_nodes: 6,
			log2_slot_nodes: 6,
			layers: 3,
			seal_sectors: 2,
			seal_nodes: 4,
			audit_challenges: 4,
			window_per_part: 2,
		}
	}
}

parameter_types! {
	/// block → seed, written by [`run_to`] (the audit's per-block seeds).
	pub static Seeds: BTreeMap<u64, [u8; 32]> = BTreeMap::new();
	/// Accounts the (mock) audit has enrolled.
	pub static EnrolledMiners: Vec<AccountId> = Vec::new();
}

/// The mock audit's seeds and enrolment.
pub struct MockSealAudit;
impl crate::SealAuditInspect<AccountId, u64> for MockSealAudit {
	fn block_seed(block: u64) -> Option<[u8; 32]> {
		Seeds::get().get(&block).copied()
	}
	fn enrolled(who: &AccountId) -> bool {
		EnrolledMiners::get().contains(who)
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_set_seed(block: u64, seed: [u8; 32]) {
		let mut seeds = Seeds::get();
		seeds.insert(block, seed);
		Seeds::set(seeds);
	}
}

/// The seed of block `n` in the mock: `blake2_256("seed" ‖ n)`.
pub fn seed_of(n: u64) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"seed", n).encode())
}

/// Advances to block `n`, recording each block's seed and running the pallet's hook.
pub fn run_to(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		let mut seeds = Seeds::get();
		seeds.insert(next, seed_of(next));
		Seeds::set(seeds);
		StorageMiner::on_initialize(next);
	}
}

/// Genesis: miners funded, the treasury at 1 (exists), `POOR` with 1 000 CESS.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(ALICE, INITIAL),
			(BOB, INITIAL),
			(CHARLIE, INITIAL),
			(5, INITIAL),
			(POOR, 1_000 * CESS),
			(TREASURY, 1),
			(POOL, 1),
		],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.expect("balances genesis");
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		System::set_block_number(1);
		Left::set(Vec::new());
		Withdrawn::set(Vec::new());
		MinerPowers::set(BTreeMap::new());
		CyclePowers::set(BTreeMap::new());
		Finished::set(None);
		Funded::set(1);
		Seeds::set(BTreeMap::new());
		EnrolledMiners::set(Vec::new());
	});
	ext
}

/// Runs the test, then checks the pallet's invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		StorageMiner::do_try_state().expect("try_state invariants hold");
	});
}
