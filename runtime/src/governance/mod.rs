//! OpenGov: preimages, the scheduler, conviction voting, referenda on tracks and the track
//! origins (docs/governance.md).
//!
//! There is no sudo on any chain: every privileged call is a referendum. The dev and local
//! chains run the same tracks with every period scaled by their 10-block day, so a
//! referendum on the storage-economy or root track is enacted about 20 blocks after it is
//! submitted.

pub mod origins;
pub mod tracks;

pub use origins::{
	IssuanceAdmin, ReferendumCanceller, ReferendumKiller, Spender, StakingAdmin, StorageAdmin,
	Treasurer,
};
pub use tracks::TracksInfo;

use crate::{
	configs::RuntimeBlockWeights,
	currency::{CENTS, CESS},
	time::DAYS,
	AccountId, Balance, Balances, BlockNumber, OriginCaller, Preimage, Referenda, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, Scheduler, System, Treasury,
};
use frame_support::{
	parameter_types,
	traits::{
		fungible::HoldConsideration, tokens::currency::ActiveIssuanceOf, ConstU32, EitherOf,
		EqualPrivilegeOnly, Get, LinearStoragePrice,
	},
	weights::Weight,
};
use frame_system::{EnsureRoot, EnsureSigned};
use sp_runtime::Perbill;

/// The block day the production track periods are written for (6 s blocks).
pub const PRODUCTION_BLOCK_DAY: u32 = 14_400;

/// `blocks` of a production period on a chain whose block day is `block_day`:
/// `max(1, blocks × block_day / 14 400)`, rounded down, never zero (a zero period would make a
/// track instant). Computed in `u64`: 28 days × 14 400 does not fit in `u32`.
pub fn scale(blocks: BlockNumber, block_day: u32) -> BlockNumber {
	let scaled =
		u64::from(blocks).saturating_mul(u64::from(block_day)) / u64::from(PRODUCTION_BLOCK_DAY);
	BlockNumber::try_from(scaled).unwrap_or(BlockNumber::MAX).max(1)
}

/// A production period `P` scaled by the chain's block day, as a `Get`.
pub struct Scaled<P>(core::marker::PhantomData<P>);
impl<P: Get<BlockNumber>> Get<BlockNumber> for Scaled<P> {
	fn get() -> BlockNumber {
		scale(P::get(), pallet_timings::BlockDay::<Runtime>::get())
	}
}

parameter_types! {
	/// Preimage deposit: 1 CESS plus 0.01 CESS per byte (a 1.5 MB runtime costs ≈ 15 000
	/// CESS, refunded when the preimage is unnoted).
	pub const PreimageBaseDeposit: Balance = CESS;
	/// See [`PreimageBaseDeposit`].
	pub const PreimageByteDeposit: Balance = CENTS;
	/// The preimage deposit is a hold of this reason.
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
}

impl pallet_preimage::Config for Runtime {
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

parameter_types! {
	/// Scheduled calls may use 80 % of a block.
	pub MaximumSchedulerWeight: Weight = Perbill::from_percent(80) *
		RuntimeBlockWeights::get().max_block;
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeEvent = RuntimeEvent;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	// Only referenda (which schedule as root) and root itself schedule.
	type ScheduleOrigin = EnsureRoot<AccountId>;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = pallet_scheduler::weights::SubstrateWeight<Runtime>;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

parameter_types! {
	/// Production: a vote's conviction lock unit is 7 days (Locked1x); ×1 … ×32 for
	/// Locked1x … Locked6x. Scaled by the block day.
	pub const ProductionVoteLockingPeriod: BlockNumber = 7 * DAYS;
	/// Production: a referendum that does not start deciding within 14 days times out.
	pub const ProductionUndecidingTimeout: BlockNumber = 14 * DAYS;
	/// Submission deposit: 100 CESS, refunded when the referendum ends (not when killed).
	pub const SubmissionDeposit: Balance = 100 * CESS;
	/// Referendum alarms fire every block.
	pub const AlarmInterval: BlockNumber = 1;
}

/// [`ProductionVoteLockingPeriod`] on this chain.
pub type VoteLockingPeriod = Scaled<ProductionVoteLockingPeriod>;
/// [`ProductionUndecidingTimeout`] on this chain.
pub type UndecidingTimeout = Scaled<ProductionUndecidingTimeout>;

impl pallet_conviction_voting::Config for Runtime {
	type WeightInfo = pallet_conviction_voting::weights::SubstrateWeight<Runtime>;
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type VoteLockingPeriod = VoteLockingPeriod;
	type MaxVotes = ConstU32<512>;
	// Support is measured against the active issuance.
	type MaxTurnout = ActiveIssuanceOf<Balances, AccountId>;
	type Polls = Referenda;
	type BlockNumberProvider = System;
	type VotingHooks = ();
}

impl pallet_referenda::Config for Runtime {
	type WeightInfo = pallet_referenda::weights::SubstrateWeight<Runtime>;
	type RuntimeCall = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type Scheduler = Scheduler;
	type Currency = Balances;
	type SubmitOrigin = EnsureSigned<AccountId>;
	type CancelOrigin = EitherOf<EnsureRoot<AccountId>, ReferendumCanceller>;
	type KillOrigin = EitherOf<EnsureRoot<AccountId>, ReferendumKiller>;
	// Deposits of killed referenda go to the treasury.
	type Slash = Treasury;
	type Votes = pallet_conviction_voting::VotesOf<Runtime>;
	type Tally = pallet_conviction_voting::TallyOf<Runtime>;
	type SubmissionDeposit = SubmissionDeposit;
	type MaxQueued = ConstU32<100>;
	type UndecidingTimeout = UndecidingTimeout;
	type AlarmInterval = AlarmInterval;
	type Tracks = TracksInfo;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl origins::pallet_custom_origins::Config for Runtime {}

/// Root, or a referendum on the storage-economy track.
pub type StorageAdminOrigin = EitherOf<EnsureRoot<AccountId>, StorageAdmin>;
/// Root, or a referendum on the issuance track.
pub type IssuanceAdminOrigin = EitherOf<EnsureRoot<AccountId>, IssuanceAdmin>;
/// Root, or a referendum on the staking-admin track.
pub type StakingAdminOrigin = EitherOf<EnsureRoot<AccountId>, StakingAdmin>;
/// Root, or a referendum on the treasurer track.
pub type TreasurerOrigin = EitherOf<EnsureRoot<AccountId>, Treasurer>;

parameter_types! {
	/// Root may spend any amount.
	pub const MaxBalance: Balance = Balance::MAX;
}
/// Treasury spends: root (any amount), or a spender track up to its cap.
pub type TreasurySpender =
	EitherOf<frame_system::EnsureRootWithSuccess<AccountId, MaxBalance>, Spender>;
