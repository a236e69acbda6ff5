//! # File-bank pallet (`fileBank`)
//!
//! Enough of a storage market for service space to be real (SPEC §6):
//!
//! - **Space**: a user buys space (`buy_space(gib, days)`) at a governance-set price per GiB
//!   per day; the payment goes to the storage-miner reward pool. The lease can be expanded
//!   and renewed; when it ends, the user's files are deleted.
//! - **Files**: the owner declares a file — size, the Merkle root of each fragment
//!   (`FragmentSize`, 8 MiB, the last one zero-padded) and a redundancy (replicas per
//!   fragment). The file's hash is not chosen: it is [`file_hash`] of the owner and this
//!   content commitment. Replicas are **placed `PlacementDelay` blocks later** (see
//!   [`placement`]), from per-block VRF randomness of blocks that did not exist when the
//!   declaration was included, so nobody can grind a placement. Each replica goes at random
//!   to a `Positive`, audited miner with free declared space; the replicas of one fragment go
//!   to distinct miners. If too few are eligible then, the declaration is refunded.
//! - **Confirmation**: the assigned miner confirms it stores its fragment; from then on the
//!   fragment is the miner's service space and is challengeable (the audit reads each miner's
//!   fragment list through [`cess_traits::ServiceFragmentsInspect`]). A replica not confirmed
//!   within `AssignmentTimeout` blocks goes to another miner, at most `MaxReassignments`
//!   times; then it is lost (its lease space released). A declaration holds
//!   `DeclarationDeposit` until the file is stored; a lost replica (or a deletion before the
//!   file was stored) forfeits it to the reward pool.
//! - **Freeing space**: deleting a file or an expiring lease releases the fragments; a miner
//!   that exits or is banned has its fragments moved to other miners, and so does a miner the
//!   audit finds failing (repair). A moved replica stays on the old holder until the new
//!   holder confirms ("migrate, release on confirm", see `migrate.rs`), so no exit or repair
//!   loses data the new holder does not have yet.
//!
//! All background work (placements, deadlines, deletions, moves, expiries) runs in
//! `on_initialize` with fixed budgets — `MaxPlacementWork` replica placements, `MaxHookWork`
//! deadline steps and, separately, `MaxHookWork` task steps per block — whatever the number of
//! files or miners.
//! See `docs/storage-miners.md`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod assign;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod commitment;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod deposit;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod hooks;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod invariants;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod market;
mod migrate;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod placement;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod runtime_api;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_coded;
#[cfg(test)]
mod tests_lost;
#[cfg(test)]
mod tests_migrate;
#[cfg(test)]
mod tests_placement;

pub use commitment::{file_hash, FILE_HASH_DOMAIN};
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible;

/// Balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A file's record as this runtime stores it.
pub type FileInfoOf<T> = FileInfo<
	<T as frame_system::Config>::AccountId,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

/// A slot as this runtime stores it.
pub type SlotOf<T> =
	Slot<<T as frame_system::Config>::AccountId, frame_system::pallet_prelude::BlockNumberFor<T>>;

/// A lease as this runtime stores it.
pub type LeaseOf<T> = Lease<frame_system::pallet_prelude::BlockNumberFor<T>>;

/// The fragment-roots argument of `declare_file`.
pub type RootsOf<T> = frame_support::BoundedVec<FragmentRoot, <T as Config>::MaxFragmentsPerFile>;

/// The runtime API's file placement for this runtime.
pub type FilePlacementOf<T> = FilePlacement<
	<T as frame_system::Config>::AccountId,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use cess_traits::MinerMutate;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Mutate, MutateHold},
			Contains, Randomness,
		},
	};
	use frame_system::pallet_prelude::*;

	/// The storage layout version; a migration that changes the layout bumps it.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The native currency (space payments; declaration deposits are holds).
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reason, which must include this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;

		/// The storage miners: states, spaces, the candidate list; service space is added and
		/// removed through it (`pallet_storage_miner::Pallet` in the runtime).
		type Miners: MinerMutate<Self::AccountId>;

		/// Per-block randomness, folded into [`PlacementSeed`] once per block. Must change every
		/// block and be unknown before the block exists (the runtime: BABE's epoch randomness
		/// mixed with the parent block's VRF output, the audit's `AuditRandomness`).
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// Miners the audit has a record of (enrolled on its roster). Only they are assigned
		/// replicas and may confirm them, so nobody holds service fragments without being
		/// challenged (the runtime: `pallet_audit::Enrolled`).
		type Audited: Contains<Self::AccountId>;

		/// Blocks between a declaration's inclusion (block `b`) and its placement (block
		/// `b + PlacementDelay`): the placement randomness mixes the VRF outputs of blocks
		/// `b + 1 … b + PlacementDelay − 1`, none of which existed when the declaration was
		/// included. Must be ≥ 2.
		#[pallet::constant]
		type PlacementDelay: Get<BlockNumberFor<Self>>;

		/// Replica placements per block (the placement queue's own budget; a file is placed
		/// whole, and a file larger than the budget alone in its block). Must be ≥ 1.
		#[pallet::constant]
		type MaxPlacementWork: Get<u32>;

		/// Most replica placements waiting in the placement queue; a declaration that would
		/// exceed it fails with `PlacementQueueFull`. Bounds the placement latency a flood of
		/// declarations can cause to `MaxPlacementBacklog / MaxPlacementWork` blocks.
		#[pallet::constant]
		type MaxPlacementBacklog: Get<u32>;

		/// The storage-miner reward pool: receives every space payment.
		type RewardPool: Get<Self::AccountId>;

		/// Origin that sets the space price (root or governance).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Price per GiB per day until governance sets one.
		#[pallet::constant]
		type DefaultPricePerGibDay: Get<BalanceOf<Self>>;

		/// Bytes per fragment; must equal the storage-proof `Params::fragment_size` (8 MiB).
		#[pallet::constant]
		type FragmentSize: Get<u64>;

		/// Blocks per day of a lease (the genesis-fixed "block day"; 0 is treated as 1).
		type BlocksPerDay: Get<BlockNumberFor<Self>>;

		/// Blocks an assigned miner has to confirm its fragment before it goes to another
		/// miner.
		#[pallet::constant]
		type AssignmentTimeout: Get<BlockNumberFor<Self>>;

		/// Most fragments in one file (all segments, data and parity): bounds a declaration's
		/// size and work. At 4 + 2 coding a file holds `MaxFragmentsPerFile / 6` segments of
		/// `4 × FragmentSize` bytes.
		#[pallet::constant]
		type MaxFragmentsPerFile: Get<u32>;

		/// Most fragments per segment (`data + parity` of a [`Coding`]); with `MaxRedundancy`
		/// it bounds the distinct miners one segment needs (`width × redundancy ≤ 255`) and the
		/// holders a reassignment must avoid.
		#[pallet::constant]
		type MaxSegmentWidth: Get<u32>;

		/// Most replicas per fragment (≤ 255).
		#[pallet::constant]
		type MaxRedundancy: Get<u32>;

		/// Most confirmed plus pending fragments per miner: bounds a miner's fragment list
		/// and the work of moving it.
		#[pallet::constant]
		type MaxFragmentsPerMiner: Get<u32>;

		/// Most files per user (bounds the per-user file list).
		#[pallet::constant]
		type MaxFilesPerUser: Get<u32>;

		/// Most leases ending in the same block; a lease whose block is full ends in the next
		/// block with room (at most 16 blocks later).
		#[pallet::constant]
		type MaxExpiriesPerBlock: Get<u32>;

		/// Miners probed per replica when assigning (from a random start in the candidate
		/// list); with fewer candidates every one is probed.
		#[pallet::constant]
		type MaxSelectionAttempts: Get<u32>;

		/// Background steps per block, for each of the two queues: deadline reassignments, and
		/// tasks (slot releases, fragment moves, file expiries). Must be ≥ 1.
		#[pallet::constant]
		type MaxHookWork: Get<u32>;

		/// Times an unconfirmed replica is reassigned after timing out; at the next timeout
		/// it is lost (dropped from placement, its lease space released). Bounds the deadline
		/// steps one declared replica can ever cost to `MaxReassignments + 1`.
		#[pallet::constant]
		type MaxReassignments: Get<u8>;

		/// New holders a migrating replica (exit, ban, repair) is offered to, each for
		/// `AssignmentTimeout` blocks, before the migration ends unconfirmed: if the old
		/// holder is leaving the slot is then lost (lease space refunded) and the old copy
		/// released, so a leaving miner's `withdraw` waits at most this long per replica; if
		/// it is still active the replica simply stays with it. Bounds the deadline steps one
		/// migration can cost to `MaxMigrationAttempts + 1`.
		#[pallet::constant]
		type MaxMigrationAttempts: Get<u8>;

		/// Repair steps per block (a budget of its own, next to the deadline and task budgets):
		/// one step starts the migration of one replica of a miner under repair.
		#[pallet::constant]
		type MaxRepairWork: Get<u32>;

		/// Held from the owner by `declare_file`, per file; released when the file is
		/// `Stored`, forfeited to `RewardPool` when a replica of it is lost or the file is
		/// deleted before it is `Stored`.
		#[pallet::constant]
		type DeclarationDeposit: Get<BalanceOf<Self>>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Reasons this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A file's declaration deposit, until the file is `Stored`.
		#[codec(index = 0)]
		Declaration,
	}

	/// Default of [`SpacePrice`]: the runtime's configured value.
	#[pallet::type_value]
	pub fn DefaultPrice<T: Config>() -> BalanceOf<T> {
		T::DefaultPricePerGibDay::get()
	}

	/// Price of 1 GiB for 1 day.
	#[pallet::storage]
	pub type SpacePrice<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery, DefaultPrice<T>>;

	/// Users' leases.
	#[pallet::storage]
	pub type Leases<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, LeaseOf<T>>;

	/// Leases ending in each block (processed by that block's `on_initialize`).
	#[pallet::storage]
	pub type LeaseExpiries<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<T::AccountId, T::MaxExpiriesPerBlock>,
		ValueQuery,
	>;

	/// Each user's live files.
	#[pallet::storage]
	pub type UserFiles<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<FileHash, T::MaxFilesPerUser>,
		ValueQuery,
	>;

	/// Declared files.
	#[pallet::storage]
	pub type Files<T: Config> = StorageMap<_, Identity, FileHash, FileInfoOf<T>>;

	/// Merkle root of every fragment of every declared file: `(file, fragment)`. Written by
	/// the declaration (its cost is linear in the fragment count), removed by the deletion
	/// task fragment by fragment.
	#[pallet::storage]
	pub type FragmentRoots<T: Config> =
		StorageDoubleMap<_, Identity, FileHash, Twox64Concat, u32, FragmentRoot>;

	/// Replica slots: `(file, (fragment, replica))`.
	#[pallet::storage]
	pub type Slots<T: Config> =
		StorageDoubleMap<_, Identity, FileHash, Twox64Concat, (u32, u8), SlotOf<T>>;

	/// Each miner's confirmed service fragments, numbered densely `0..MinerFragmentCount`.
	#[pallet::storage]
	pub type MinerFragments<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u32, FragmentRef>;

	/// Number of entries of each miner in [`MinerFragments`].
	#[pallet::storage]
	pub type MinerFragmentCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Released fragments of each miner (file deleted, or moved off a leaving miner), keyed by
	/// `u32::MAX − index` big-endian so the highest number comes first. They stay in
	/// [`MinerFragments`] — still challengeable, still credited — until the audit applies the
	/// removal at the miner's next checkpoint (after its proof or settled miss).
	#[pallet::storage]
	pub type ReleasedFragments<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Identity, [u8; 4], ()>;

	/// Number of entries of each miner in [`ReleasedFragments`].
	#[pallet::storage]
	pub type ReleasedCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Credited service space of each miner's entries in [`ReleasedFragments`]: a released
	/// fragment stays challengeable until its removal applies, but earns no power (the audit
	/// subtracts this from the service space it snapshots), so deleting files a miner holds
	/// never leaves it paid for space nobody stores with it.
	#[pallet::storage]
	pub type ReleasedSpace<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u64, ValueQuery>;

	/// Replicas assigned to each miner and not confirmed yet (reserve space on the miner).
	#[pallet::storage]
	pub type MinerPending<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Deadline queue of pending slots, in deadline order (FIFO; entries of slots confirmed or
	/// deleted meanwhile are dropped when reached).
	#[pallet::storage]
	pub type PendingQueue<T: Config> = StorageMap<_, Twox64Concat, u64, SlotRef>;

	/// First live key of [`PendingQueue`].
	#[pallet::storage]
	pub type PendingHead<T> = StorageValue<_, u64, ValueQuery>;

	/// Next key of [`PendingQueue`].
	#[pallet::storage]
	pub type PendingTail<T> = StorageValue<_, u64, ValueQuery>;

	/// Running placement randomness: every block's `on_initialize` sets it to
	/// `blake2_256("cess/file-bank/seed" ‖ previous ‖ Randomness ‖ block)`, so it depends on the
	/// VRF output of every block so far.
	#[pallet::storage]
	pub type PlacementSeed<T> = StorageValue<_, [u8; 32], ValueQuery>;

	/// Declared files awaiting placement, with their replica count (FIFO; each is due
	/// `PlacementDelay` blocks after its declaration, so due blocks never decrease along the
	/// queue).
	#[pallet::storage]
	pub type PlacementQueue<T: Config> = StorageMap<_, Twox64Concat, u64, (FileHash, u32)>;

	/// Replicas waiting in [`PlacementQueue`] (≤ `MaxPlacementBacklog`).
	#[pallet::storage]
	pub type PlacementBacklog<T> = StorageValue<_, u32, ValueQuery>;

	/// First live key of [`PlacementQueue`].
	#[pallet::storage]
	pub type PlacementHead<T> = StorageValue<_, u64, ValueQuery>;

	/// Next key of [`PlacementQueue`].
	#[pallet::storage]
	pub type PlacementTail<T> = StorageValue<_, u64, ValueQuery>;

	/// Declaration deposit still held for each file (absent once returned or forfeited).
	#[pallet::storage]
	pub type Deposits<T: Config> = StorageMap<_, Identity, FileHash, BalanceOf<T>>;

	/// Replicas being moved off a miner, keyed like [`Slots`]: the slot is pending on its new
	/// holder, the old holder keeps its copy until the new holder confirms.
	#[pallet::storage]
	pub type Migrations<T: Config> =
		StorageDoubleMap<_, Identity, FileHash, Twox64Concat, (u32, u8), Migration<T::AccountId>>;

	/// Credited service space of each miner's replicas in [`Migrations`]: still held and
	/// challengeable, but earning no power (the audit subtracts it with [`ReleasedSpace`]), so
	/// a repaired miner is never paid for data that is moving away.
	#[pallet::storage]
	pub type MigratingSpace<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u64, ValueQuery>;

	/// Miners under repair: the number of fragments of the list still to look at (from the
	/// end down). A miner under repair is assigned no new replicas.
	#[pallet::storage]
	pub type Repairs<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32>;

	/// Repair queue (FIFO, at most one entry per miner in [`Repairs`]).
	#[pallet::storage]
	pub type RepairQueue<T: Config> = StorageMap<_, Twox64Concat, u64, T::AccountId>;

	/// First live key of [`RepairQueue`].
	#[pallet::storage]
	pub type RepairHead<T> = StorageValue<_, u64, ValueQuery>;

	/// Next key of [`RepairQueue`].
	#[pallet::storage]
	pub type RepairTail<T> = StorageValue<_, u64, ValueQuery>;

	/// Background tasks (FIFO).
	#[pallet::storage]
	pub type Tasks<T: Config> = StorageMap<_, Twox64Concat, u64, Job<T::AccountId>>;

	/// First live key of [`Tasks`].
	#[pallet::storage]
	pub type TaskHead<T> = StorageValue<_, u64, ValueQuery>;

	/// Next key of [`Tasks`].
	#[pallet::storage]
	pub type TaskTail<T> = StorageValue<_, u64, ValueQuery>;

	/// Everything this pallet ever moved into `RewardPool` (space payments and forfeited
	/// declaration deposits). Read only by the storage-miner's `try_state` (through
	/// `cess_traits::RewardPoolFunding`): the pool plus what claims paid out accounts for it.
	#[pallet::storage]
	pub type RewardPoolPaid<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance set the price of 1 GiB for 1 day.
		PriceSet { price: BalanceOf<T> },
		/// A user bought space; `paid` went to the reward pool.
		SpaceBought {
			who: T::AccountId,
			gib: u32,
			days: u32,
			expires_at: BlockNumberFor<T>,
			paid: BalanceOf<T>,
		},
		/// A user added space to its lease until its current end.
		SpaceExpanded { who: T::AccountId, added_gib: u32, space_gib: u32, paid: BalanceOf<T> },
		/// A user extended its lease.
		SpaceRenewed {
			who: T::AccountId,
			days: u32,
			expires_at: BlockNumberFor<T>,
			paid: BalanceOf<T>,
		},
		/// A lease ended; its files are being deleted.
		LeaseExpired { who: T::AccountId },
		/// An ended lease's files are all deleted; the lease is gone.
		LeaseRemoved { who: T::AccountId },
		/// A file was declared: `file` = [`file_hash`]`(owner, size, roots)`; its replicas are
		/// placed at block `place_at` (`FragmentAssigned` events, then `FilePlaced`).
		FileDeclared {
			file: FileHash,
			owner: T::AccountId,
			size: u64,
			fragments: u32,
			redundancy: u8,
			coding: Coding,
			place_at: BlockNumberFor<T>,
		},
		/// Every replica of a declared file was assigned (`FragmentAssigned` events before).
		FilePlaced { file: FileHash },
		/// Too few eligible miners at placement: the declaration is undone — the file is gone,
		/// `released` bytes of lease space are free again and the deposit is returned.
		PlacementFailed { file: FileHash, owner: T::AccountId, released: u64 },
		/// A replica was assigned to `miner`, to be confirmed by `deadline`.
		FragmentAssigned {
			file: FileHash,
			fragment: u32,
			replica: u8,
			miner: T::AccountId,
			deadline: BlockNumberFor<T>,
		},
		/// A replica moved from `from` (timed out or leaving) to `to` (`None`: no eligible
		/// miner now, retried after `AssignmentTimeout`).
		FragmentReassigned {
			file: FileHash,
			fragment: u32,
			replica: u8,
			from: Option<T::AccountId>,
			to: Option<T::AccountId>,
		},
		/// The miner confirmed its replica; it is its service fragment number `index`.
		FragmentConfirmed {
			file: FileHash,
			fragment: u32,
			replica: u8,
			miner: T::AccountId,
			index: u32,
		},
		/// Every replica of the file is confirmed.
		FileStored { file: FileHash },
		/// A replica was never confirmed after `MaxReassignments` reassignments: it is
		/// dropped from the file's placement and `released` bytes of lease space are free
		/// again.
		SlotLost { file: FileHash, fragment: u32, replica: u8, released: u64 },
		/// The file's declaration deposit was held.
		DepositHeld { file: FileHash, owner: T::AccountId, amount: BalanceOf<T> },
		/// The file is `Stored`: its declaration deposit went back to the owner.
		DepositReturned { file: FileHash, owner: T::AccountId, amount: BalanceOf<T> },
		/// A replica was lost (or the file deleted before it was `Stored`): the declaration
		/// deposit went to the reward pool.
		DepositForfeited { file: FileHash, owner: T::AccountId, amount: BalanceOf<T> },
		/// The file is being deleted (by its owner or lease expiry); its lease space is free.
		FileDeletionStarted { file: FileHash, owner: T::AccountId },
		/// All slots of the file are released and the file is gone.
		FileDeleted { file: FileHash },
		/// Every fragment of a leaving miner was moved to other miners.
		MinerEvacuated { miner: T::AccountId },
		/// Fragment `index` of `miner` was released (file deleted or moved); it stays
		/// challengeable until the miner's next audit checkpoint removes it.
		FragmentReleased { miner: T::AccountId, index: u32 },
		/// `count` released fragments of `miner` were removed at its audit checkpoint (its list
		/// renumbered, their service space freed).
		FragmentsRemoved { miner: T::AccountId, count: u32 },
		/// The audit found `miner` failing (or frozen too long): its `fragments` listed
		/// fragments are being moved to other miners; it gets no new replicas meanwhile.
		RepairStarted { miner: T::AccountId, fragments: u32 },
		/// Every fragment of the miner under repair has been looked at (each move started).
		RepairFinished { miner: T::AccountId },
		/// The new holder `to` confirmed a migrating replica; `from`'s copy is released.
		ReplicaMigrated {
			file: FileHash,
			fragment: u32,
			replica: u8,
			from: T::AccountId,
			to: T::AccountId,
		},
		/// No new holder confirmed within `MaxMigrationAttempts`; `miner` is still active, so
		/// the replica stays confirmed on it (a later repair may try again).
		MigrationCancelled { file: FileHash, fragment: u32, replica: u8, miner: T::AccountId },
		/// No new holder confirmed within `MaxMigrationAttempts` and the old holder `from` is
		/// leaving: the slot is lost (`SlotLost`, lease space refunded) and `from`'s copy
		/// released, so its `withdraw` is not blocked forever.
		MigrationAbandoned { file: FileHash, fragment: u32, replica: u8, from: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// Space must be at least 1 GiB.
		ZeroSpace,
		/// A lease must last at least 1 day.
		ZeroDays,
		/// The user already has a lease: expand or renew it.
		LeaseExists,
		/// The user has no lease.
		NoLease,
		/// The lease has ended (its files are being deleted).
		LeaseExpired,
		/// Not enough free balance for the payment.
		InsufficientBalance,
		/// Not enough free balance to hold the declaration deposit.
		InsufficientDeposit,
		/// An arithmetic overflow (absurd size, price or duration).
		Overflow,
		/// No block within 16 blocks of the lease end has room for another expiry.
		ExpiryQueueFull,
		/// The file does not fit the lease's free space.
		InsufficientLeaseSpace,
		/// A file with this hash exists.
		FileExists,
		/// File size must be greater than zero.
		EmptyFile,
		/// The number of fragment roots is not `segments × (data + parity)` with `segments =
		/// ceil(size / (data × FragmentSize))` (for `declare_file`: `ceil(size / FragmentSize)`).
		FragmentCountMismatch,
		/// The coding needs `data ≥ 1` and `data + parity ≤ MaxSegmentWidth`, with
		/// `(data + parity) × redundancy ≤ 255` distinct miners per segment.
		BadCoding,
		/// Redundancy must be between 1 and `MaxRedundancy`.
		BadRedundancy,
		/// The user has `MaxFilesPerUser` files.
		TooManyFiles,
		/// Not enough eligible miners (`Positive`, with free space, distinct per fragment).
		NotEnoughMiners,
		/// No such file.
		FileNotFound,
		/// Only the owner may delete the file.
		NotFileOwner,
		/// The file is being deleted.
		FileBeingDeleted,
		/// The file has no such fragment or replica.
		SlotNotFound,
		/// The replica is assigned to another miner (or to none).
		NotAssignedToCaller,
		/// The replica is already confirmed.
		AlreadyConfirmed,
		/// The caller is not a registered miner.
		MinerNotRegistered,
		/// The caller is not `Positive` (registered without space, exiting or banned).
		MinerNotPositive,
		/// The caller is `Frozen` and cannot accept fragments.
		MinerFrozen,
		/// The fragment fits the declared space only if the miner first commits a smaller
		/// idle filler set (`storageMiner.commit_idle`).
		ReleaseFillersFirst,
		/// The fragment would exceed the miner's declared space.
		ExceedsDeclaredSpace,
		/// The miner holds `MaxFragmentsPerMiner` fragments.
		MinerFragmentsFull,
		/// The placement queue holds `MaxPlacementBacklog` replicas: declare again in a few
		/// blocks.
		PlacementQueueFull,
		/// The caller has no audit record yet (it is enrolled within a round of becoming
		/// `Positive`): it may not hold fragments the audit would never challenge.
		MinerNotAudited,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Folds this block's randomness into the placement seed, ends the leases due now,
		/// places due declarations (`MaxPlacementWork` replicas), then spends at most
		/// `MaxHookWork` steps on deadline reassignments and as many on background tasks.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::run_hook(now)
		}

		fn integrity_test() {
			assert!(T::FragmentSize::get() > 0, "file-bank: FragmentSize must be > 0");
			assert!(
				(1..=255).contains(&T::MaxRedundancy::get()),
				"file-bank: MaxRedundancy must be 1..=255"
			);
			assert!(T::MaxHookWork::get() > 0, "file-bank: MaxHookWork must be > 0");
			assert!(
				T::MaxSegmentWidth::get() >= 1
					&& T::MaxSegmentWidth::get().saturating_mul(T::MaxRedundancy::get()) <= 255,
				"file-bank: 1 <= MaxSegmentWidth and MaxSegmentWidth x MaxRedundancy <= 255"
			);
			assert!(T::MaxPlacementWork::get() > 0, "file-bank: MaxPlacementWork must be > 0");
			assert!(
				T::PlacementDelay::get() >= 2u32.into(),
				"file-bank: PlacementDelay must be >= 2"
			);
			assert!(T::MaxRepairWork::get() > 0, "file-bank: MaxRepairWork must be > 0");
			assert!(
				T::MaxSelectionAttempts::get() > 0,
				"file-bank: MaxSelectionAttempts must be > 0"
			);
			assert!(
				T::MaxExpiriesPerBlock::get() > 0,
				"file-bank: MaxExpiriesPerBlock must be > 0"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Sets the price of 1 GiB for 1 day (applies to later purchases).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::set_price())]
		pub fn set_price(origin: OriginFor<T>, price: BalanceOf<T>) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			SpacePrice::<T>::put(price);
			Self::deposit_event(Event::PriceSet { price });
			Ok(())
		}

		/// Buys a lease of `gib` GiB for `days` days, paying `price × gib × days` into the
		/// storage-miner reward pool.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::buy_space())]
		pub fn buy_space(origin: OriginFor<T>, gib: u32, days: u32) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_buy_space(who, gib, days)
		}

		/// Adds `gib` GiB to the caller's lease until its current end, paying
		/// `price × gib × days left` (a started day counts as a day).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::expand_space())]
		pub fn expand_space(origin: OriginFor<T>, gib: u32) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_expand_space(who, gib)
		}

		/// Extends the caller's lease by `days` days, paying `price × space × days`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::renew_space())]
		pub fn renew_space(origin: OriginFor<T>, days: u32) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_renew_space(who, days)
		}

		/// Declares a file of `size` bytes whose fragments have the Merkle roots
		/// `fragment_roots` (`ceil(size / FragmentSize)` of them), stored `redundancy` times.
		/// The file's hash is [`file_hash`]`(caller, size, fragment_roots)` (in the
		/// `FileDeclared` event). Uses `fragments × FragmentSize × redundancy` bytes of the
		/// caller's lease and holds `DeclarationDeposit` until the file is `Stored`. Nothing is
		/// assigned now: the replicas are placed `PlacementDelay` blocks later from randomness
		/// that does not exist yet (refused at once with `NotEnoughMiners` if fewer than
		/// `redundancy` miners are `Positive`).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::declare_file(fragment_roots.len() as u32))]
		pub fn declare_file(
			origin: OriginFor<T>,
			size: u64,
			fragment_roots: RootsOf<T>,
			redundancy: u8,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_declare_file(who, size, fragment_roots, redundancy, Coding::REPLICATED)
				.map(|_| ())
		}

		/// The assigned miner confirms it stores replica `replica` of fragment `fragment`: the
		/// fragment becomes its service space (and is challengeable). Refused if the miner's
		/// idle fillers no longer leave room (`ReleaseFillersFirst`).
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::confirm_fragment())]
		pub fn confirm_fragment(
			origin: OriginFor<T>,
			file: FileHash,
			fragment: u32,
			replica: u8,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_confirm_fragment(who, file, fragment, replica)
		}

		/// Deletes the caller's file: its lease space is free at once; the miners' slots are
		/// released by the background work.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::delete_file())]
		pub fn delete_file(origin: OriginFor<T>, file: FileHash) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_delete_file(who, file)
		}

		/// Declares an erasure-coded file of `size` bytes (what `cess-node storage put`
		/// sends): the file is cut into segments of `coding.data × FragmentSize` bytes, each
		/// coded into `coding.data + coding.parity` fragments whose Merkle roots are
		/// `fragment_roots` in segment order (`segments × width` of them). Each fragment is
		/// stored once, and the fragments of one segment go to distinct miners, so any
		/// `coding.data` of them rebuild the segment. Otherwise as `declare_file`
		/// (`fragments × FragmentSize` bytes of the lease, `DeclarationDeposit` held until
		/// `Stored`, placement `PlacementDelay` blocks later, a bounded number of segments per
		/// block). Refused with `BadCoding` for `data = 0` or a segment wider than
		/// `MaxSegmentWidth`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::declare_file(fragment_roots.len() as u32))]
		pub fn declare_coded_file(
			origin: OriginFor<T>,
			size: u64,
			fragment_roots: RootsOf<T>,
			coding: Coding,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_declare_file(who, size, fragment_roots, 1, coding).map(|_| ())
		}
	}
}
