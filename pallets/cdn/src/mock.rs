//! Mock runtime: System, Balances (u128, existential deposit 1) and Cdn with `AccountId32`
//! accounts, so tickets can be signed with `sp_keyring` sr25519 keys.

use crate as pallet_cdn;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, Hooks},
	PalletId,
};
use sp_core::ConstU64;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::IdentityLookup, AccountId32, BuildStorage, Perbill};

/// Account type of the mock.
pub type AccountId = AccountId32;
/// Balance type of the mock.
pub type Balance = u128;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Cdn: pallet_cdn,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// Blocks per service cycle in the mock.
pub const CYCLE: u64 = 10;
/// Withdrawal delay in the mock: two cycles.
pub const DELAY: u64 = 20;
/// Node deposit in the mock.
pub const NODE_DEPOSIT: Balance = 100;
/// Minimum face value in the mock.
pub const MIN_FACE: Balance = 10;
/// Maximum tickets per batch in the mock.
pub const MAX_BATCH: u32 = 16;
/// Reference price in the mock (`p`): 2 planck per byte.
pub const PRICE: Balance = 2;
/// Replicas per paid byte in the mock (`ρ`).
pub const RHO: u32 = 4;
/// Allowance storage deposit in the mock.
pub const ALLOWANCE_DEPOSIT: Balance = 5;
/// Pool carry cap in the mock.
pub const CARRY_CAP: Balance = 1_000_000;
/// Ticket lifetime in the mock: one cycle.
pub const LIFETIME: u64 = 10;
/// Allowance unlock delay in the mock: two cycles.
pub const UNLOCK: u64 = 20;
/// Nonce window in the mock.
pub const WINDOW: u32 = 16;

parameter_types! {
	pub const CdnPalletId: PalletId = PalletId(*b"cess/cdn");
	pub RewardPoolAccount: AccountId = AccountId32::new([0xAA; 32]);
	pub TreasuryAccount: AccountId = AccountId32::new([0xEE; 32]);
	pub const TreasuryShare: Perbill = Perbill::from_percent(5);
	pub const DefaultRetrievalShare: Perbill = Perbill::from_percent(60);
	pub const RetrievalCap: Perbill = Perbill::from_percent(80);
	pub const CachedCap: Perbill = Perbill::from_percent(20);
	pub const CacheOrderCap: Perbill = Perbill::from_percent(100);
}

impl pallet_cdn::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type PalletId = CdnPalletId;
	type RewardPool = RewardPoolAccount;
	type Treasury = TreasuryAccount;
	type CycleLength = ConstU64<CYCLE>;
	type WithdrawDelay = ConstU64<DELAY>;
	type NodeDeposit = ConstU128<NODE_DEPOSIT>;
	type MinFaceValue = ConstU128<MIN_FACE>;
	type TreasuryShare = TreasuryShare;
	type DefaultRetrievalShare = DefaultRetrievalShare;
	type PointBase = ConstU128<1>;
	type PointsPerCycle = ConstU128<1_000>;
	type MaxTicketsPerBatch = ConstU32<MAX_BATCH>;
	type MaxEndpointLen = ConstU32<64>;
	type ReceiptHistoryDepth = ConstU32<4>;
	type RetrievalCap = RetrievalCap;
	type CachedCap = CachedCap;
	type CacheOrderCap = CacheOrderCap;
	type ReferenceBytePrice = ConstU128<PRICE>;
	type MaxReplicas = ConstU32<RHO>;
	type MaxTicketLifetime = ConstU64<LIFETIME>;
	type AllowanceUnlockDelay = ConstU64<UNLOCK>;
	type NonceWindow = ConstU32<WINDOW>;
	type MaxNonceJump = ConstU64<{ 1u64 << 32 }>;
	type AllowanceDeposit = ConstU128<ALLOWANCE_DEPOSIT>;
	type SettleGrace = ConstU32<2>;
	type CarryCap = ConstU128<CARRY_CAP>;
	// Real weights, so `on_idle` tests see its weight bound.
	type WeightInfo = crate::weights::SubstrateWeight<Test>;
}

/// Users (ticket signers).
pub const ALICE: Sr25519Keyring = Sr25519Keyring::Alice;
/// A second user.
pub const BOB: Sr25519Keyring = Sr25519Keyring::Bob;
/// Retrieval node 1.
pub const R1: Sr25519Keyring = Sr25519Keyring::Charlie;
/// Retrieval node 2.
pub const R2: Sr25519Keyring = Sr25519Keyring::Dave;
/// Retrieval node 3 (registered, never works).
pub const R3: Sr25519Keyring = Sr25519Keyring::One;
/// Cache node 1.
pub const C1: Sr25519Keyring = Sr25519Keyring::Eve;
/// Cache node 2.
pub const C2: Sr25519Keyring = Sr25519Keyring::Ferdie;

/// Every keyring account starts with this much.
pub const INITIAL: Balance = 1_000_000;

/// Genesis: keyring accounts funded, treasury at the existential deposit; the pallet's genesis
/// gives the pallet account and the reward pool their existential deposit.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	let mut balances: Vec<(AccountId, Balance)> =
		[ALICE, BOB, R1, R2, R3, C1, C2, Sr25519Keyring::Two]
			.iter()
			.map(|k| (k.to_account_id(), INITIAL))
			.collect();
	balances.push((TreasuryAccount::get(), 1));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut t)
		.expect("balances genesis");
	pallet_cdn::GenesisConfig::<Test>::default().assimilate_storage(&mut t).expect("cdn genesis");
	let mut ext = sp_io::TestExternalities::new(t);
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs the test, then checks the pallet's invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Cdn::do_try_state().expect("try_state invariants hold");
	});
}

/// Advances to block `n`, running the pallet's `on_initialize` on every block (no `on_idle`).
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Cdn::on_initialize(next);
	}
}

/// Like `run_to_block`, but each block also gets `on_idle` with a generous weight.
pub fn run_to_block_idle(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Cdn::on_initialize(next);
		Cdn::on_idle(next, frame_support::weights::Weight::MAX);
	}
}

/// Advances to the first block of the next cycle (closing the open one).
pub fn next_cycle() {
	let cycle = pallet_cdn::CurrentCycle::<Test>::get();
	while pallet_cdn::CurrentCycle::<Test>::get() == cycle {
		run_to_block(System::block_number() + 1);
	}
}
