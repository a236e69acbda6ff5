//! The value types the traits pass between pallets. They were defined by the storage-miner
//! pallet; they live here so the audit and the file market can use them without compiling
//! that pallet. `pallet-storage-miner` re-exports every one (`pallet_storage_miner::MinerState`
//! and so on keep working), and their SCALE encoding is unchanged.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// One GiB in bytes.
pub const GIB: u64 = 1 << 30;
/// One TiB in bytes (SPEC §5: 1 TiB = 2^40 bytes). Declared space is counted in whole TiB,
/// the unit of the collateral requirement.
pub const TIB: u64 = 1 << 40;

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
	/// Declared space (`declared_tib × 2^30`).
	pub declared: u64,
	/// Idle space: committed fillers (`filler_count × FillerSize`) plus proven
	/// committed-capacity sectors.
	pub idle: u64,
	/// The part of `idle` in proven sealed sectors (earns power only through window proofs,
	/// which are still to come: see `docs/storage-proofs.md`).
	pub sealed: u64,
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

/// Why the file market cannot add service space to a miner (see
/// [`crate::MinerMutate::add_service_space`]). Mapped to precise errors by the caller.
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

/// Index of a challenge cycle (the audit's `CycleIndex`).
pub type CycleIndex = u32;
/// Storage power (the audit's `Power`): `95 % service + 5 % idle` bytes summed over passed
/// challenges.
pub type Power = u128;
