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
use std::{cell::RefCell, collections::BTreeMap};

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
	pub TestParams: Params = test_params();
}

impl pallet_storage_miner::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Treasury = Treasury;
	type CollateralPerTiB = CollateralPerTiB;
	type FillerSize = ConstU64<UNIT>;
	type MaxDeclaredGib = ConstU32<{ 1024 * 1024 }>;
	type MaxEndpointLen = ConstU32<32>;
	type MaxMiners = ConstU32<MAX_MINERS>;
	type ExitCooldown = ConstU64<100>;
	type OnLeave = ();
	type WeightInfo = ();
}

/// Each miner's fragments: (root, data) in fragment-number order.
type FragmentStore = BTreeMap<AccountId, Vec<(Hash, Vec<u8>)>>;

thread_local! {
	/// Each miner's fragments: (root, data), numbered by position (swap-remove on removal).
	static FRAGMENTS: RefCell<FragmentStore> =
		const { RefCell::new(BTreeMap::new()) };
}

/// The mock file market: fragments kept in a thread-local map.
pub struct MockFragments;
impl pallet_storage_miner::ServiceFragments<AccountId> for MockFragments {
	fn fragment_count(miner: &AccountId) -> u64 {
		FRAGMENTS.with(|f| f.borrow().get(miner).map(|v| v.len() as u64).unwrap_or(0))
	}
	fn fragment_root(miner: &AccountId, index: u64) -> Option<Hash> {
		FRAGMENTS
			.with(|f| f.borrow().get(miner).and_then(|v| v.get(index as usize)).map(|(r, _)| *r))
	}
}

impl MockFragments {
	/// Stores a fragment for `miner` (without touching its service space).
	pub fn add(miner: AccountId, data: Vec<u8>) {
		let root = fragment_root(&test_params(), &data).expect("fragment fits");
		FRAGMENTS.with(|f| f.borrow_mut().entry(miner).or_default().push((root, data)));
	}
	/// Removes fragment `index` of `miner` the way the file market does (swap-remove).
	pub fn remove(miner: AccountId, index: usize) {
		FRAGMENTS.with(|f| {
			if let Some(v) = f.borrow_mut().get_mut(&miner) {
				v.swap_remove(index);
			}
		});
	}
	/// The data of fragment `index` of `miner`.
	pub fn data(miner: AccountId, index: u64) -> Option<Vec<u8>> {
		FRAGMENTS.with(|f| {
			f.borrow().get(&miner).and_then(|v| v.get(index as usize)).map(|x| x.1.clone())
		})
	}
	/// Forgets everything.
	pub fn clear() {
		FRAGMENTS.with(|f| f.borrow_mut().clear());
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
	type ProofParams = TestParams;
	type CollateralPerTiB = CollateralPerTiB;
	type MaxMiners = ConstU32<MAX_MINERS>;
	type SettlePerBlock = ConstU32<PER_BLOCK>;
	type EnrolPerBlock = ConstU32<PER_BLOCK>;
	type PowerHistory = ConstU32<2>;
	type WeightInfo = ();
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
		max = max.max(w);
	}
	max
}
