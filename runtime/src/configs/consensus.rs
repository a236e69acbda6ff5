//! Block production (BABE), finality (GRANDPA), sessions, liveness (im-online), offence
//! reporting and authority discovery.

use crate::{
	configs::staking::BondingDuration,
	offences::{Equivocation, MsaScaledReporter, MsaScaledSlashing, Unresponsive},
	time::MILLISECS_PER_BLOCK,
	AccountId, Babe, Historical, ImOnline, Moment, Runtime, RuntimeEvent, Session, SessionKeys,
	Staking,
};
use frame_support::{parameter_types, traits::KeyOwnerProofSystem};
use pallet_im_online::sr25519::AuthorityId as ImOnlineId;
use sp_core::crypto::KeyTypeId;
use sp_runtime::{
	traits::{Get, OpaqueKeys},
	transaction_validity::TransactionPriority,
};

/// Slots per epoch, fixed at genesis by the chain spec (`pallet-timings`).
pub type EpochDuration = pallet_timings::EpochDurationOf<Runtime>;

/// How long an equivocation report stays valid: the whole bonding period, in blocks, so an
/// offender can be slashed as long as its stake is still bonded.
pub struct ReportLongevity;
impl Get<u64> for ReportLongevity {
	fn get() -> u64 {
		(BondingDuration::get() as u64)
			.saturating_mul(crate::configs::staking::SessionsPerEra::get() as u64)
			.saturating_mul(EpochDuration::get())
	}
}

parameter_types! {
	/// Target block time; BABE uses it to estimate slot timing.
	pub const ExpectedBlockTime: Moment = MILLISECS_PER_BLOCK;
	/// Upper bound on BABE/GRANDPA/authority-discovery authorities.
	pub const MaxAuthorities: u32 = 1_000;
	/// Nominators per validator considered by equivocation weight estimates.
	pub const MaxNominators: u32 = 512;
	/// GRANDPA set-id → session entries kept for equivocation proofs.
	pub const MaxSetIdSessionEntries: u64 = 84 * 6;
}

impl pallet_babe::Config for Runtime {
	type EpochDuration = EpochDuration;
	type ExpectedBlockTime = ExpectedBlockTime;
	// Session rotation decides when an epoch ends: epoch == session.
	type EpochChangeTrigger = pallet_babe::ExternalTrigger;
	type DisabledValidators = Session;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = MaxNominators;
	type KeyOwnerProof =
		<Historical as KeyOwnerProofSystem<(KeyTypeId, pallet_babe::AuthorityId)>>::Proof;
	type EquivocationReportSystem = pallet_babe::EquivocationReportSystem<
		Self,
		MsaScaledReporter<Equivocation>,
		Historical,
		ReportLongevity,
	>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = MaxNominators;
	type MaxSetIdSessionEntries = MaxSetIdSessionEntries;
	type KeyOwnerProof =
		<Historical as KeyOwnerProofSystem<(KeyTypeId, sp_consensus_grandpa::AuthorityId)>>::Proof;
	type EquivocationReportSystem = pallet_grandpa::EquivocationReportSystem<
		Self,
		MsaScaledReporter<Equivocation>,
		Historical,
		ReportLongevity,
	>;
}

impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Babe>;
	// Staking awards era points to authors; im-online counts authoring as a sign of life.
	type EventHandler = (Staking, ImOnline);
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = Babe;
	type NextSessionRotation = Babe;
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Self, Staking>;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = pallet_session::disabling::UpToLimitWithReEnablingDisablingStrategy;
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = crate::Balances;
	type KeyDeposit = ();
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type FullIdentification = ();
	type FullIdentificationOf = pallet_staking::UnitIdentificationOf<Self>;
}

parameter_types! {
	/// im-online heartbeats outrank normal transactions.
	pub const ImOnlineUnsignedPriority: TransactionPriority = TransactionPriority::MAX / 2;
	/// Upper bound on im-online keys (one per validator).
	pub const MaxKeys: u32 = 10_000;
	/// Upper bound on peers reported in a heartbeat.
	pub const MaxPeerInHeartbeats: u32 = 10_000;
}

impl pallet_im_online::Config for Runtime {
	type AuthorityId = ImOnlineId;
	type MaxKeys = MaxKeys;
	type MaxPeerInHeartbeats = MaxPeerInHeartbeats;
	type RuntimeEvent = RuntimeEvent;
	type ValidatorSet = Historical;
	// Heartbeats early in the session, so a slow moment does not make an honest validator
	// miss the session (see `heartbeat.rs`).
	type NextSessionRotation = crate::configs::HeartbeatProgress;
	type ReportUnresponsiveness = MsaScaledReporter<Unresponsive>;
	type UnsignedPriority = ImOnlineUnsignedPriority;
	type WeightInfo = pallet_im_online::weights::SubstrateWeight<Runtime>;
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
	// Penalties relative to the minimum validator bond (SPEC §4), then staking slashes.
	type OnOffenceHandler = MsaScaledSlashing;
}

impl pallet_authority_discovery::Config for Runtime {
	type MaxAuthorities = MaxAuthorities;
}

/// im-online submits heartbeats as unsigned transactions created inside the runtime.
impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	crate::RuntimeCall: From<C>,
{
	type Extrinsic = crate::UncheckedExtrinsic;
	type RuntimeCall = crate::RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Runtime
where
	crate::RuntimeCall: From<C>,
{
	type Extension = crate::TxExtension;

	fn create_transaction(call: Self::RuntimeCall, extension: Self::Extension) -> Self::Extrinsic {
		crate::UncheckedExtrinsic::new_transaction(call, extension)
	}
}

/// im-online heartbeats are *authorized* calls (checked by the pallet's `authorize` logic,
/// not by a signature): they travel as general transactions whose extensions neither
/// charge fees nor check a nonce for a non-signed origin.
impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Runtime
where
	crate::RuntimeCall: From<C>,
{
	fn create_extension() -> Self::Extension {
		(
			frame_system::AuthorizeCall::new(),
			frame_system::CheckNonZeroSender::new(),
			frame_system::CheckSpecVersion::new(),
			frame_system::CheckTxVersion::new(),
			frame_system::CheckGenesis::new(),
			frame_system::CheckEra::from(sp_runtime::generic::Era::Immortal),
			frame_system::CheckNonce::from(0),
			frame_system::CheckWeight::new(),
			pallet_transaction_payment::ChargeTransactionPayment::from(0),
			pallet_audit::CheckProof::new(),
		)
	}
}

impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
	crate::RuntimeCall: From<C>,
{
	fn create_bare(call: Self::RuntimeCall) -> Self::Extrinsic {
		crate::UncheckedExtrinsic::new_bare(call)
	}
}
