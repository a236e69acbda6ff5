//! Mock runtime: System, Balances (u128, real units: 1 CESS = 10^18), the real StorageMiner
//! (collateral 2 000 CESS per TiB, so punishments, debt and bans are the real ones) and Audit,
//! with `u64` accounts, a file market mocked by [`MockFragments`] and small proof parameters
//! (256-byte fillers and fragments) so real proofs are built in microseconds.

use crate as pallet_audit;
use cess_storage_proof::{fragment_root, Hash, Params};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Hooks},
	weights::Weight,
};
use sp_core::H256;
use sp_runtime::BuildStorage;
use std::{
	cell::RefCell,
	collections::{BTreeMap, BTreeSet},
};

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
		Audit: pallet_audit,
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
/// Collateral per TiB (and the `SlashLimit` base).
pub const PER_TIB: Balance = 2_000 * CESS;
/// Bytes of a filler and of a fragment in the mock.
pub const UNIT: u64 = 256;
/// The treasury account.
pub const TREASURY: AccountId = 999_999;
/// Blocks per round.
pub const ROUND: u64 = 10;
/// Default proof deadline.
pub const DEADLINE: u64 = 5;
/// Roster bound (and storage-miner `MaxMiners`).
pub const MAX_MINERS: u32 = 5_000;
/// Sweep and enrolment budget per block: `ROUND × 500 = MAX_MINERS`.
pub const PER_BLOCK: u32 = 500;
/// Blocks at the end of a round without proofs: the deadline is at most `ROUND − 2 = 8`.
pub const RESERVE: u64 = 2;
/// Deferred fragment removals applied per checkpoint.
pub const REMOVALS_PER_CHECKPOINT: u32 = 3;

/// The small proof parameters of the tests.
pub fn test_params() -> Params {
	Params {
		fragment_size: UNIT,
		filler_size: UNIT,
		hash_iterations: 2,
		challenged_fillers: 2,
		leaves_per_filler: 2,
		challenged_fragments: 2,
		leaves_per_fragment: 2,
	}
}

parameter_types! {
	pub const Treasury: AccountId = TREASURY;
	pub const CollateralPerTiB: Balance = PER_TIB;
	/// The proof parameters: `test_params()`, switched to `Params::default()` by the
	/// benchmark helper (reset by `new_test_ext`).
	pub static TestParams: Params = test_params();
	/// The challenge window `W`: the whole deadline by default (every miner's challenge block
	/// is the round's first block); tests of staggered challenges lower it.
	pub static Window: u64 = DEADLINE;
}

impl pallet_storage_miner::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Treasury = Treasury;
	type CollateralPerTiB = CollateralPerTiB;
	type FillerSize = ConstU64<UNIT>;
	type MaxDeclaredTib = ConstU32<1024>;
	type MaxEndpointLen = ConstU32<32>;
	type MaxMiners = ConstU32<MAX_MINERS>;
	type ExitCooldown = ConstU64<100>;
	type OnLeave = Audit;
	type Power = ();
	type RewardPool = Treasury;
	type PoolFunding = ();
	type BlockDay = ConstU64<10>;
	type ProveWithin = ConstU64<1_000_000>;
	type WeightInfo = ();
	type SealAudit = Audit;
	type SealParams = TinySeal;
	type SealDelay = ConstU64<SEAL_DELAY>;
	type ProveCommitWindow = ConstU64<5>;
	type PreCommitDeposit = frame_support::traits::ConstU128<{ 3 * CESS }>;
	type MaxPreCommitBatch = ConstU32<8>;
	type MaxOpenPreCommits = ConstU32<4>;
	type MaxExpiriesPerBlock = ConstU32<8>;
	type MaxSectorChanges = ConstU32<16>;
}

/// `Δ` of the mock: seal challenges from the seed of `b_pc + 2` (proofs due 5 blocks later,
/// within the 10 blocks the audit keeps seeds).
pub const SEAL_DELAY: u64 = 2;

/// Tiny SDR parameters (64 nodes = 2 KiB sectors, 3 layers, 2 × 4 commit challenges, 4 audit
/// challenges): the real sealer runs in microseconds.
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

/// Each miner's fragments: (root, data) in fragment-number order.
type FragmentStore = BTreeMap<AccountId, Vec<(Hash, Vec<u8>)>>;

/// Benchmark miners' fragments: a count and the roots of the listed indices only.
type SparseFragments = BTreeMap<AccountId, (u64, BTreeMap<u64, Hash>)>;

thread_local! {
	/// Each miner's fragments: (root, data), numbered by position (swap-remove on removal).
	static FRAGMENTS: RefCell<FragmentStore> =
		const { RefCell::new(BTreeMap::new()) };
	/// Benchmark miners' fragments (take precedence over `FRAGMENTS`).
	static SPARSE: RefCell<SparseFragments> = const { RefCell::new(BTreeMap::new()) };
	/// Released fragments (deleted files) of each miner, removed at its next checkpoint.
	static RELEASED: RefCell<BTreeMap<AccountId, BTreeSet<usize>>> =
		const { RefCell::new(BTreeMap::new()) };
	/// Miners whose repair the audit started (a repair "runs" until `finish_repair`).
	static REPAIRS: RefCell<BTreeSet<AccountId>> = const { RefCell::new(BTreeSet::new()) };
	/// Every `start_repair` call that started a repair, in order.
	static REPAIR_LOG: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
}

/// N: consecutive failed or missed service rounds before a repair.
pub const REPAIR_AFTER: u32 = 3;
/// M: rounds Frozen before a repair.
pub const REPAIR_AFTER_FROZEN: u32 = 4;

/// The mock file market: fragments kept in a thread-local map.
pub struct MockFragments;
impl cess_traits::ServiceFragmentsInspect<AccountId> for MockFragments {
	fn fragment_count(miner: &AccountId) -> u64 {
		if let Some(count) = SPARSE.with(|s| s.borrow().get(miner).map(|(c, _)| *c)) {
			return count;
		}
		FRAGMENTS.with(|f| f.borrow().get(miner).map(|v| v.len() as u64).unwrap_or(0))
	}
	fn fragment_root(miner: &AccountId, index: u64) -> Option<Hash> {
		if let Some(sparse) = SPARSE.with(|s| {
			s.borrow().get(miner).map(|(c, roots)| {
				(index < *c).then(|| roots.get(&index).copied().unwrap_or([0u8; 32]))
			})
		}) {
			return sparse;
		}
		FRAGMENTS
			.with(|f| f.borrow().get(miner).and_then(|v| v.get(index as usize)).map(|(r, _)| *r))
	}
	fn fragment_data_len(miner: &AccountId, index: u64) -> Option<u64> {
		FRAGMENTS.with(|f| {
			f.borrow()
				.get(miner)
				.and_then(|v| v.get(index as usize))
				.map(|(_, data)| data.len() as u64)
		})
	}
	/// Each released fragment was credited `UNIT`.
	fn released_space(miner: &AccountId) -> u64 {
		RELEASED.with(|r| r.borrow().get(miner).map(|s| s.len() as u64).unwrap_or(0)) * UNIT
	}
}

/// The mock file market's deferred removals.
impl cess_traits::ServiceFragmentsMutate<AccountId> for MockFragments {
	/// Like the file market: the highest released numbers first, each swap-removed (the last
	/// fragment, never a released one then, takes its number), freeing `UNIT` of service space.
	fn apply_removals(miner: &AccountId, limit: u32) -> u32 {
		let mut applied = 0;
		while applied < limit {
			let Some(index) = RELEASED.with(|r| r.borrow_mut().get_mut(miner)?.pop_last()) else {
				break;
			};
			FRAGMENTS.with(|f| {
				if let Some(v) = f.borrow_mut().get_mut(miner) {
					v.swap_remove(index);
				}
			});
			<StorageMiner as cess_traits::MinerMutate<_>>::remove_service_space(miner, UNIT);
			applied += 1;
		}
		applied
	}
	fn removal_weight() -> Weight {
		Weight::from_parts(1_000, 0)
	}
	/// Like the file market: only an active miner (`Positive`, `Frozen`) with fragments and no
	/// repair running gets one.
	fn start_repair(miner: &AccountId) -> bool {
		use cess_traits::{MinerInspect, MinerState, ServiceFragmentsInspect};
		let active = matches!(
			<StorageMiner as MinerInspect<_>>::state(miner),
			Some(MinerState::Positive | MinerState::Frozen)
		);
		if !active || Self::fragment_count(miner) == 0 {
			return false;
		}
		let started = REPAIRS.with(|r| r.borrow_mut().insert(*miner));
		if started {
			REPAIR_LOG.with(|l| l.borrow_mut().push(*miner));
		}
		started
	}
}

impl MockFragments {
	/// Stores a fragment for `miner` (without touching its service space).
	pub fn add(miner: AccountId, data: Vec<u8>) {
		let root = fragment_root(&test_params(), &data).expect("fragment fits");
		FRAGMENTS.with(|f| f.borrow_mut().entry(miner).or_default().push((root, data)));
	}
	/// Releases fragment `index` of `miner` the way the file market does: it stays listed (and
	/// challengeable) until the miner's next checkpoint applies the removal.
	pub fn remove(miner: AccountId, index: usize) {
		RELEASED.with(|r| r.borrow_mut().entry(miner).or_default().insert(index));
	}
	/// Released fragments of `miner` not removed yet.
	pub fn released(miner: AccountId) -> usize {
		RELEASED.with(|r| r.borrow().get(&miner).map(|s| s.len()).unwrap_or(0))
	}
	/// The data of fragment `index` of `miner`.
	pub fn data(miner: AccountId, index: u64) -> Option<Vec<u8>> {
		FRAGMENTS.with(|f| {
			f.borrow().get(&miner).and_then(|v| v.get(index as usize)).map(|x| x.1.clone())
		})
	}
	/// Gives `miner` `count` fragments whose roots are `roots` at the listed indices (zero
	/// elsewhere), without storing data (benchmarks).
	pub fn set_sparse(miner: AccountId, count: u64, roots: Vec<(u64, Hash)>) {
		SPARSE.with(|s| s.borrow_mut().insert(miner, (count, roots.into_iter().collect())));
	}
	/// Every repair started, in order.
	pub fn repairs_started() -> Vec<AccountId> {
		REPAIR_LOG.with(|l| l.borrow().clone())
	}
	/// The repair of `miner` is over (a later request may start another).
	pub fn finish_repair(miner: AccountId) {
		REPAIRS.with(|r| r.borrow_mut().remove(&miner));
	}
	/// Forgets everything.
	pub fn clear() {
		REPAIRS.with(|r| r.borrow_mut().clear());
		REPAIR_LOG.with(|l| l.borrow_mut().clear());
		FRAGMENTS.with(|f| f.borrow_mut().clear());
		SPARSE.with(|s| s.borrow_mut().clear());
		RELEASED.with(|r| r.borrow_mut().clear());
	}
}

/// Randomness that changes every block (deterministic).
pub struct TestRandomness;
impl frame_support::traits::Randomness<H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, u64) {
		let block = System::block_number();
		(H256::from(sp_io::hashing::blake2_256(&(subject, block).encode_to_vec())), block)
	}
}

trait EncodeToVec {
	fn encode_to_vec(&self) -> Vec<u8>;
}
impl<X: codec::Encode> EncodeToVec for X {
	fn encode_to_vec(&self) -> Vec<u8> {
		self.encode()
	}
}

impl pallet_audit::Config for Test {
	type Balance = Balance;
	type Miners = StorageMiner;
	type Fragments = MockFragments;
	type Randomness = TestRandomness;
	type RoundLength = ConstU64<ROUND>;
	type RoundsPerCycle = ConstU32<4>;
	type DefaultDeadline = ConstU64<DEADLINE>;
	type DeadlineReserve = ConstU64<RESERVE>;
	type ChallengeWindow = Window;
	type ProofParams = TestParams;
	type CollateralPerTiB = CollateralPerTiB;
	type MaxMiners = ConstU32<MAX_MINERS>;
	type SettlePerBlock = ConstU32<PER_BLOCK>;
	type EnrolPerBlock = ConstU32<PER_BLOCK>;
	type RemovalsPerCheckpoint = ConstU32<REMOVALS_PER_CHECKPOINT>;
	type RemovalsPerBlock = ConstU32<PER_BLOCK>;
	type PowerHistory = ConstU32<2>;
	type RepairAfterFailures = ConstU32<REPAIR_AFTER>;
	type RepairAfterFrozenRounds = ConstU32<REPAIR_AFTER_FROZEN>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
	type Sectors = StorageMiner;
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type SealAuditWindow = ConstU64<ROUND>;
	type SectorChangesPerCheckpoint = ConstU32<8>;
	type SectorChangesPerBlock = ConstU32<64>;
}

/// Sets up the `submit_proof` benchmark miner: switches the proof parameters to the defaults
/// (the fixture's), registers a `Positive` miner with 1 TiB declared, commits the fixture's
/// filler commitment and count (idle space `count × 256` bytes in the mock) and gives it the
/// fixture's fragments.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_audit::BenchmarkHelper<AccountId> for MockBenchmarkHelper {
	fn setup_miner(
		who: &AccountId,
		filler_commitment: Hash,
		filler_count: u64,
		fragment_count: u64,
		fragment_roots: Vec<(u64, Hash)>,
	) -> Result<(), &'static str> {
		use cess_traits::MinerMutate;
		TestParams::set(Params::default());
		StorageMiner::benchmark_positive_miner(who, 1024).map_err(|_| "register")?;
		StorageMiner::commit_idle(RuntimeOrigin::signed(*who), filler_commitment, filler_count)
			.map_err(|_| "commit_idle")?;
		MockFragments::set_sparse(*who, fragment_count, fragment_roots);
		Ok(())
	}
}

/// Genesis: the treasury exists; the chain is at block 0 (no hook has run, no round is open).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	pallet_balances::GenesisConfig::<Test> { balances: vec![(TREASURY, 1)], ..Default::default() }
		.assimilate_storage(&mut t)
		.expect("balances genesis");
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		MockFragments::clear();
		TestParams::set(test_params());
		Window::set(DEADLINE);
	});
	ext
}

/// Runs the test, then checks the audit's and the storage miners' invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Audit::do_try_state().expect("audit invariants hold");
		StorageMiner::do_try_state().expect("storage-miner invariants hold");
	});
}

/// Runs the hooks of every block up to and including `n`; returns the heaviest hook weight.
pub fn run_to(n: u64) -> Weight {
	let mut max = Weight::zero();
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		let w = Audit::on_initialize(next);
		StorageMiner::on_initialize(next);
		max = max.max(w);
	}
	max
}
