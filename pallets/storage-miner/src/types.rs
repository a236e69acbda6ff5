//! Plain data types stored or returned by the storage-miner pallet.
//!
//! Every stored type is `MaxEncodedLen`, so every storage item has a known worst-case size
//! (no `without_storage_info`).

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::BoundedVec;
use scale_info::TypeInfo;
use sp_core::Get;

/// One GiB in bytes. Declared space is counted in whole GiB so that a declaration can be a
/// fraction of a TiB (the collateral requirement rounds it up to whole TiB).
pub const GIB: u64 = 1 << 30;
/// One TiB in bytes (SPEC §5: 1 TiB = 2^40 bytes).
pub const TIB: u64 = 1 << 40;
/// GiB per TiB.
pub const GIB_PER_TIB: u32 = 1024;

/// A 32-byte value: the idle-filler commitment (`cess_storage_proof::filler_commitment`).
pub type Commitment = cess_storage_proof::Hash;

/// The life cycle of a storage miner (SPEC §5).
///
/// ```text
///   register ──► Registered ──(first idle commitment)──► Positive ◄──► Frozen
///                    │  ▲                                    │           │
///                    └──┴──────── prepare_exit ──────────────┴───────────┴──► Exiting ──(withdraw)──► (removed)
///   any state ──(audit bans)──► Banned ──(withdraw after cooldown)──► (removed, account banned forever)
/// ```
///
/// `Registered`, `Positive` and `Frozen` are recomputed after every change of collateral,
/// debt, declared space or commitment: a miner is `Frozen` exactly when it has debt or its
/// held collateral is below the requirement for its declared space.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum MinerState {
	/// Registered and collateralised, no idle space committed yet: receives no fragments.
	#[codec(index = 0)]
	Registered,
	/// Collateralised and has committed space: receives fragments, earns rewards.
	#[codec(index = 1)]
	Positive,
	/// Collateral below the requirement, or debt outstanding: cannot add idle space or accept
	/// fragments, earns no rewards, is still challenged.
	#[codec(index = 2)]
	Frozen,
	/// Called `prepare_exit`: its fragments move to other miners; `withdraw` after the cooldown.
	#[codec(index = 3)]
	Exiting,
	/// Banned by the audit: the account can never register again.
	#[codec(index = 4)]
	Banned,
}

/// A registered miner. `collateral` always equals the amount held under
/// `HoldReason::Collateral`; `debt > 0` implies `collateral == 0` (punishments take the
/// collateral first, top-ups repay the debt first).
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
#[scale_info(skip_type_params(MaxEndpointLen))]
pub struct MinerInfo<AccountId, Balance, BlockNumber, MaxEndpointLen: Get<u32>> {
	/// Receives the miner's rewards (may differ from the operating account).
	pub beneficiary: AccountId,
	/// How users and other miners reach the miner (multiaddr, URL), opaque to the chain.
	pub endpoint: BoundedVec<u8, MaxEndpointLen>,
	/// Current state.
	pub state: MinerState,
	/// Declared space in GiB: idle + service space never exceed it.
	pub declared_gib: u32,
	/// Collateral held under `HoldReason::Collateral`.
	pub collateral: Balance,
	/// Punishments that exceeded the collateral; repaid first from top-ups.
	pub debt: Balance,
	/// Commitment over the miner's sealed idle fillers and their count.
	pub filler_commitment: Commitment,
	/// Number of idle fillers committed; idle space = `filler_count × FillerSize`.
	pub filler_count: u64,
	/// Bytes of confirmed service fragments (maintained by the file market).
	pub service_space: u64,
	/// Whether the miner ever committed idle space (leaves `Registered` for good).
	pub activated: bool,
	/// Block of registration.
	pub registered_at: BlockNumber,
	/// For `Exiting` and `Banned` miners: first block at which `withdraw` succeeds.
	pub exit_at: Option<BlockNumber>,
	/// Position in the list of `Positive` miners (fragment assignment draws from it).
	pub candidate_index: Option<u32>,
}

/// A miner's spaces in bytes, for the audit and the file market.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct MinerSpaces {
	/// State of the miner.
	pub state: MinerState,
	/// Declared space (`declared_gib × 2^30`).
	pub declared: u64,
	/// Committed idle space (`filler_count × FillerSize`).
	pub idle: u64,
	/// Confirmed service space.
	pub service: u64,
}

/// The idle commitment the audit verifies idle proofs against.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct IdleCommitment {
	/// `cess_storage_proof::filler_commitment(count, set_root)`.
	pub commitment: Commitment,
	/// Number of fillers it commits to.
	pub filler_count: u64,
}

/// Outcome of a punishment: how much was taken from the collateral (to the treasury) and how
/// much became debt.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct Punishment<Balance> {
	/// Moved from the held collateral to the treasury.
	pub slashed: Balance,
	/// The part of the punishment the collateral could not cover, added to the debt.
	pub debt_added: Balance,
}

/// Everything a wallet or the miner agent wants to know about a miner (runtime API).
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct MinerReport<AccountId, Balance, BlockNumber> {
	/// Current state (`Banned` also for a banned account whose record was removed).
	pub state: MinerState,
	/// Reward recipient.
	pub beneficiary: Option<AccountId>,
	/// Endpoint bytes.
	pub endpoint: alloc::vec::Vec<u8>,
	/// Declared space in GiB.
	pub declared_gib: u32,
	/// Declared, idle and service space in bytes.
	pub declared_space: u64,
	/// Committed idle space in bytes.
	pub idle_space: u64,
	/// Confirmed service space in bytes.
	pub service_space: u64,
	/// Declared space not used by idle or service space, in bytes.
	pub free_space: u64,
	/// Committed fillers.
	pub filler_count: u64,
	/// The idle commitment.
	pub filler_commitment: Commitment,
	/// Held collateral.
	pub collateral: Balance,
	/// Outstanding debt.
	pub debt: Balance,
	/// Collateral required for the declared space: `CollateralPerTiB × ceil(declared TiB)`.
	pub requirement: Balance,
	/// What a top-up must bring to leave `Frozen`: debt plus missing collateral.
	pub shortfall: Balance,
	/// For exiting or banned miners, when `withdraw` becomes possible.
	pub exit_at: Option<BlockNumber>,
}

/// Why the file market cannot add service space to a miner (see
/// [`crate::StorageMinerInterface::add_service_space`]). Mapped to precise errors by the caller.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum ServiceSpaceError {
	/// The account is not a registered miner.
	NotRegistered,
	/// The miner is `Registered`, `Exiting` or `Banned`.
	NotPositive,
	/// The miner is `Frozen`.
	Frozen,
	/// Service space would fit the declared space, but the committed idle fillers occupy it:
	/// the miner must first commit a smaller filler set.
	ReleaseFillersFirst,
	/// Service space alone would exceed the declared space.
	ExceedsDeclaredSpace,
	/// Arithmetic overflow.
	Overflow,
}
