//! NPoS staking: validator election on chain, era payouts, slashing to the treasury.

use crate::{
	AccountId, Balance, Balances, Issuance, Runtime, RuntimeEvent, RuntimeHoldReason, Session,
	Timestamp,
};
use frame_election_provider_support::{
	bounds::{ElectionBounds, ElectionBoundsBuilder},
	onchain, SequentialPhragmen,
};
use frame_support::{
	parameter_types,
	traits::{tokens::imbalance::ResolveTo, ConstU32, Nothing},
};
use sp_runtime::Perbill;

/// Sessions per era, fixed at genesis by the chain spec (`pallet-timings`).
pub type SessionsPerEra = pallet_timings::SessionsPerEraOf<Runtime>;
/// Eras a slash waits before it is applied (27 in production, 0 on dev chains), fixed at
/// genesis; root can cancel a deferred slash.
pub type SlashDeferDuration = pallet_timings::SlashDeferDurationOf<Runtime>;

parameter_types! {
	/// Stake stays bonded 28 eras (7 days at production timings) after `unbond`.
	pub const BondingDuration: sp_staking::EraIndex = 28;
	/// Validator rewards can be claimed for 84 eras (SPEC §3).
	pub const HistoryDepth: u32 = 84;
	/// Nominators per exposure page paid by one `payoutStakers` call.
	pub const MaxExposurePageSize: u32 = 256;
	/// Largest validator set the election may produce.
	pub const MaxValidatorSet: u32 = 1_000;
	/// Voters and targets the on-chain election reads (bounded per-block work).
	pub ElectionBoundsOnChain: ElectionBounds = ElectionBoundsBuilder::default()
		.voters_count(5_000.into())
		.targets_count(1_000.into())
		.build();
	/// Backers per elected validator.
	pub const MaxBackersPerWinner: u32 = 5_000;
	/// The treasury account receives slashes and unpaid reward remainders.
	pub TreasuryAccount: AccountId = crate::Treasury::account_id();
}

/// On-chain sequential Phragmén election, used both at genesis and at every era.
pub struct OnChainSeqPhragmen;
impl onchain::Config for OnChainSeqPhragmen {
	type Sort = frame_support::traits::ConstBool<true>;
	type System = Runtime;
	type Solver = SequentialPhragmen<AccountId, Perbill>;
	type DataProvider = Staking;
	type WeightInfo = frame_election_provider_support::weights::SubstrateWeight<Runtime>;
	type Bounds = ElectionBoundsOnChain;
	type MaxBackersPerWinner = MaxBackersPerWinner;
	type MaxWinnersPerPage = MaxValidatorSet;
}

/// Limits used by staking's own benchmarks.
pub struct StakingBenchmarkingConfig;
impl pallet_staking::BenchmarkingConfig for StakingBenchmarkingConfig {
	type MaxNominators = ConstU32<1_000>;
	type MaxValidators = ConstU32<1_000>;
}

use crate::Staking;

impl pallet_staking::Config for Runtime {
	type OldCurrency = Balances;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type CurrencyBalance = Balance;
	type UnixTime = Timestamp;
	type CurrencyToVote = sp_staking::currency_to_vote::U128CurrencyToVote;
	type ElectionProvider = onchain::OnChainExecution<OnChainSeqPhragmen>;
	type GenesisElectionProvider = onchain::OnChainExecution<OnChainSeqPhragmen>;
	type NominationsQuota = pallet_staking::FixedNominationsQuota<16>;
	type HistoryDepth = HistoryDepth;
	// The pools' share of each era's issuance goes to the reward pools.
	type RewardRemainder = Issuance;
	type RuntimeEvent = RuntimeEvent;
	type Slash = ResolveTo<TreasuryAccount, Balances>;
	type Reward = ();
	type SessionsPerEra = SessionsPerEra;
	type BondingDuration = BondingDuration;
	type SlashDeferDuration = SlashDeferDuration;
	type AdminOrigin = crate::governance::StakingAdminOrigin;
	type SessionInterface = Self;
	type EraPayout = Issuance;
	type NextNewSession = Session;
	type MaxExposurePageSize = MaxExposurePageSize;
	type MaxValidatorSet = MaxValidatorSet;
	type VoterList = pallet_staking::UseNominatorsAndValidatorsMap<Self>;
	type TargetList = pallet_staking::UseValidatorsMap<Self>;
	type MaxUnlockingChunks = ConstU32<32>;
	type MaxControllersInDeprecationBatch = ConstU32<100>;
	type EventListeners = ();
	type Filter = Nothing;
	type BenchmarkingConfig = StakingBenchmarkingConfig;
	type WeightInfo = pallet_staking::weights::SubstrateWeight<Runtime>;
}
