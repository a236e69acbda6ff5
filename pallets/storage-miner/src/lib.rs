//! # Storage-miner pallet (`storageMiner`)
//!
//! Storage miners stake collateral, declare space and commit **idle fillers**; the file market
//! (`pallet-file-bank`) turns part of their declared space into **service space** holding users'
//! fragments; the audit (`pallet-audit`) challenges both and punishes failures (SPEC §5, §7).
//!
//! - **Collateral** is a fungible hold (`HoldReason::Collateral`). The requirement is
//!   `CollateralPerTiB × declared TiB` (2 000 CESS per TiB). Declared space is given in whole
//!   TiB (SPEC §5: `register(beneficiary, endpoint, declared_tib, collateral)`).
//! - **States**: `Registered` → `Positive` ⇄ `Frozen` → `Exiting` → removed, and `Banned`
//!   forever. A miner is `Frozen` exactly while it has debt or its collateral is below the
//!   requirement; it leaves `Frozen` as soon as a top-up (or a smaller declaration) covers it.
//! - **Debt**: a punishment beyond the held collateral becomes debt, repaid first from later
//!   top-ups; slashed funds go to the treasury.
//! - **Idle space** = `filler_count × FillerSize`, set with one call together with the filler
//!   commitment; idle + service never exceeds declared space.
//! - **Exit**: `prepare_exit` starts a cooldown during which the file market moves the miner's
//!   fragments to other miners (the miner is still challenged); `withdraw` then returns the
//!   collateral minus the debt once no service space remains. Debt the collateral cannot cover
//!   stays recorded against the account ([`Debts`]): a new registration pays it first, and the
//!   account's reward claims pay it first.
//! - **Squatting**: a miner that earned no storage power for `ProveWithin` blocks (since its
//!   registration or its last passed challenge) and holds no service space can be evicted by
//!   anyone (`evict`): it leaves as by `withdraw`, freeing its `MaxMiners` slot.
//!
//! - **Reward orders** (SPEC §8, module `rewards`): when the audit finishes a cycle, the
//!   unreserved content of the storage reward pool is snapshot as that cycle's reward (in
//!   `on_initialize`, O(1)); `claim_rewards` turns the miner's power of every snapshot cycle
//!   into an order of `TotalReward_N × power / TotalStoragePower_N`, paying 50 % at once and the
//!   rest in 90 block-day steps. Only a miner without debt and with its collateral requirement
//!   covered may claim, whatever its state label. Nothing expires (see [`MinerRewards`]).
//!
//! Other pallets use the [`MinerInspect`] and [`MinerMutate`] traits of `cess-traits`, which
//! this pallet implements; fragment moves on exit are requested through [`OnMinerLeave`] and
//! cycle power is read through [`StoragePowerInspect`] (both implemented by other pallets and
//! wired by the runtime). This pallet depends on no other pallet. See `docs/storage-miners.md`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod invariants;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod miner;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod rewards;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod runtime_api;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod sector_queue;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod sector_types;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod sectors;
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
mod tests_invariants;
#[cfg(test)]
mod tests_lifecycle;
#[cfg(test)]
mod tests_rewards;
#[cfg(test)]
mod tests_sectors;

/// The cross-pallet traits, defined in `cess-traits` (this pallet implements `MinerInspect` and
/// `MinerMutate` and consumes `OnMinerLeave` and `StoragePowerInspect`); re-exported so users
/// of this pallet need no second import.
pub use cess_traits::{
	MinerInspect, MinerMutate, OnMinerLeave, RewardPoolFunding, SealAuditInspect, SectorsInspect,
	SectorsMutate, ServiceFragmentsInspect, ServiceFragmentsMutate, StoragePowerInspect,
};
pub use sector_types::*;
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible;

/// Balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A miner's record as this runtime stores it.
pub type MinerInfoOf<T> = MinerInfo<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
	<T as Config>::MaxEndpointLen,
>;

/// The endpoint argument.
pub type EndpointOf<T> = frame_support::BoundedVec<u8, <T as Config>::MaxEndpointLen>;

/// The runtime API's answer for this runtime.
pub type MinerReportOf<T> = MinerReport<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

/// The dev preset of the SDR parameters (`SdrParams::dev()`: one 8 MiB slot, 2 layers, 2 × 2
/// commit challenges), as a `Get` for `Config::SealParams`.
pub struct DevSealParams;
impl frame_support::traits::Get<cess_storage_proof::sdr::SdrParams> for DevSealParams {
	fn get() -> cess_storage_proof::sdr::SdrParams {
		cess_storage_proof::sdr::SdrParams::dev()
	}
}

/// A pre-commit batch as this runtime stores it.
pub type PreCommitBatchOf<T> = PreCommitBatch<
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
	<T as Config>::MaxPreCommitBatch,
>;

/// The sectors argument of `precommit_sectors`.
pub type PreCommitSectorsOf<T> =
	frame_support::BoundedVec<PreCommitSector, <T as Config>::MaxPreCommitBatch>;

/// The sector numbers argument of `terminate_sectors`.
pub type SectorNumbersOf<T> = frame_support::BoundedVec<u64, <T as Config>::MaxPreCommitBatch>;

/// The rewards runtime API's answer for this runtime.
pub type RewardReportOf<T> =
	RewardReport<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Mutate, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::Zero;

	/// The storage layout version; a migration that changes the layout bumps it.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The native currency; collateral is a fungible hold.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The runtime's hold reason, which must include this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;

		/// Receives slashed collateral and repaid debt.
		type Treasury: Get<Self::AccountId>;

		/// Collateral required per started TiB of declared space (2 000 CESS).
		#[pallet::constant]
		type CollateralPerTiB: Get<BalanceOf<Self>>;

		/// Bytes of one idle filler; must equal the storage-proof `Params::filler_size`
		/// (8 MiB).
		#[pallet::constant]
		type FillerSize: Get<u64>;

		/// Largest declaration in TiB (keeps every space computation far from overflow).
		#[pallet::constant]
		type MaxDeclaredTib: Get<u32>;

		/// Maximum length of an endpoint.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;

		/// Maximum number of registered miners (bounds the candidate list).
		#[pallet::constant]
		type MaxMiners: Get<u32>;

		/// Blocks between `prepare_exit` (or a ban) and `withdraw`: long enough for the file
		/// market to move the miner's fragments and for pending challenges to conclude.
		#[pallet::constant]
		type ExitCooldown: Get<BlockNumberFor<Self>>;

		/// Told when a miner enters `Exiting` or `Banned` (the file market moves its
		/// fragments).
		type OnLeave: OnMinerLeave<Self::AccountId>;

		/// Storage power per cycle (the audit pallet, `type Power = Audit;`).
		type Power: StoragePowerInspect<Self::AccountId>;

		/// The storage-miner reward pool account (issuance's 60 % and the space payments).
		type RewardPool: Get<Self::AccountId>;

		/// What the pool's funders (issuance, the file market) have put into `RewardPool`, for
		/// the accounting check of `try_state` only (`()`: not counted, the check is skipped).
		type PoolFunding: RewardPoolFunding<BalanceOf<Self>>;

		/// Blocks per block day, the step of the reward release (14 400 in production).
		type BlockDay: Get<BlockNumberFor<Self>>;

		/// Blocks without earning storage power after which a miner holding no service space
		/// may be evicted (`evict`), so registered miners cannot squat `MaxMiners` slots.
		#[pallet::constant]
		type ProveWithin: Get<BlockNumberFor<Self>>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;

		/// The audit: per-block seeds (the seal challenges) and enrolment (when sector changes
		/// apply).
		type SealAudit: SealAuditInspect<Self::AccountId, BlockNumberFor<Self>>;

		/// The SDR parameters sectors are sealed with (the runtime: the dev preset).
		type SealParams: Get<cess_storage_proof::sdr::SdrParams>;

		/// `Δ`: blocks between a pre-commit and the block whose seed draws its seal challenges,
		/// so the commitments are fixed before the randomness exists.
		#[pallet::constant]
		type SealDelay: Get<BlockNumberFor<Self>>;

		/// Blocks after the seal block during which `prove_commit_sectors` is accepted; at
		/// `seal block + ProveCommitWindow` the deposit is forfeited. `SealDelay +
		/// ProveCommitWindow` must stay below the audit's seed retention (one round).
		#[pallet::constant]
		type ProveCommitWindow: Get<BlockNumberFor<Self>>;

		/// Deposit held per pre-committed sector, released by a valid prove-commit and
		/// forfeited to the treasury without one.
		#[pallet::constant]
		type PreCommitDeposit: Get<BalanceOf<Self>>;

		/// Most sectors in one pre-commit (and one termination call); at most
		/// `cess_storage_proof::sdr::MAX_BATCH_SECTORS` = 128.
		#[pallet::constant]
		type MaxPreCommitBatch: Get<u32>;

		/// Most open (unproven, unexpired) pre-commits per miner.
		#[pallet::constant]
		type MaxOpenPreCommits: Get<u32>;

		/// Most pre-commits expiring in one block (bounds the per-block cleanup; a pre-commit
		/// whose deadline block is full is refused, like pallet-referenda's bounded queues).
		#[pallet::constant]
		type MaxExpiriesPerBlock: Get<u32>;

		/// Most queued changes (activations, terminations) per miner.
		#[pallet::constant]
		type MaxSectorChanges: Get<u32>;
	}

	/// Reasons this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A miner's collateral.
		#[codec(index = 0)]
		Collateral,
		/// Deposits of pre-committed sectors.
		#[codec(index = 1)]
		PreCommitDeposit,
	}

	/// Registered miners (including `Exiting` and `Banned` ones until they withdraw).
	#[pallet::storage]
	pub type Miners<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, MinerInfoOf<T>>;

	/// Number of entries in [`Miners`].
	#[pallet::storage]
	pub type MinerCount<T> = StorageValue<_, u32, ValueQuery>;

	/// Accounts banned for good, with the block of the ban.
	#[pallet::storage]
	pub type BannedAccounts<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BlockNumberFor<T>>;

	/// The `Positive` miners, densely indexed `0..CandidateCount` (swap-remove on leaving), so
	/// the file market can draw a random miner in O(1).
	#[pallet::storage]
	pub type Candidates<T: Config> = StorageMap<_, Twox64Concat, u32, T::AccountId>;

	/// Number of entries in [`Candidates`].
	#[pallet::storage]
	pub type CandidateCount<T> = StorageValue<_, u32, ValueQuery>;

	/// The reward record of every cycle some miner can still take a share of (SPEC §8): at
	/// most one per pending entry of a [`MinerRewards`] record plus the open cycles.
	#[pallet::storage]
	pub type RewardCycles<T: Config> =
		StorageMap<_, Twox64Concat, CycleIndex, CycleReward<BalanceOf<T>>>;

	/// The next cycle whose reward is to be snapshot; every cycle before it is snapshot.
	#[pallet::storage]
	pub type NextRewardCycle<T> = StorageValue<_, CycleIndex, ValueQuery>;

	/// Everything ever paid out of the reward pool by claims (to beneficiaries, or to the
	/// treasury as repaid debt). With [`RewardsReserved`] it lets `try_state` and the tests
	/// check `pool + paid = everything put into the pool`.
	#[pallet::storage]
	pub type RewardsPaid<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Debt left by miners that withdrew (or were evicted) owing more than their collateral.
	/// A new registration of the account pays it first; the account's claims pay it first.
	#[pallet::storage]
	pub type Debts<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>>;

	/// Part of the reward pool promised to miners: snapshot cycle rewards not yet paid out
	/// (unallocated cycle remainders, vesting orders, unpaid amounts). Later snapshots only
	/// see the pool above it.
	#[pallet::storage]
	pub type RewardsReserved<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Running totals of the reward flow (snapshot totals, returned rounding remainders,
	/// shares taken, records closed), read only by `try_state`.
	#[pallet::storage]
	pub type RewardTotals<T: Config> = StorageValue<_, RewardLedger<BalanceOf<T>>, ValueQuery>;

	/// The genesis hash every replica id is bound to (captured at block 1 from
	/// `frame_system::BlockHash(0)`, which is pruned later).
	#[pallet::storage]
	pub type ChainGenesis<T> = StorageValue<_, [u8; 32]>;

	/// The next sector number of each miner (never reused, also across re-registrations).
	#[pallet::storage]
	pub type NextSectorNo<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u64, ValueQuery>;

	/// The next pre-commit batch number of each miner.
	#[pallet::storage]
	pub type NextBatchNo<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u64, ValueQuery>;

	/// Open pre-commits: (miner, batch) → batch.
	#[pallet::storage]
	pub type PreCommits<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u64, PreCommitBatchOf<T>>;

	/// Number of open pre-commits per miner (at most `MaxOpenPreCommits`).
	#[pallet::storage]
	pub type OpenPreCommits<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Pre-commits by deadline block: the expiry queue `on_initialize` works through.
	#[pallet::storage]
	pub type PreCommitExpiries<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<(T::AccountId, u64), T::MaxExpiriesPerBlock>,
		ValueQuery,
	>;

	/// Proven sectors: (miner, sector number) → sector.
	#[pallet::storage]
	pub type Sectors<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		u64,
		SectorInfo<BlockNumberFor<T>>,
	>;

	/// Each miner's active list, densely indexed `0..ActiveSectorCount`: what seal audits
	/// (and, later, window proofs) draw from. Changes only through the queued changes.
	#[pallet::storage]
	pub type ActiveSectors<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u32, u64>;

	/// Length of each miner's active list.
	#[pallet::storage]
	pub type ActiveSectorCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Each miner's queued changes to its active list, oldest first.
	#[pallet::storage]
	pub type SectorChanges<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<SectorChange, T::MaxSectorChanges>,
		ValueQuery,
	>;

	/// Each miner's reward orders and claim cursor (kept after the miner leaves).
	#[pallet::storage]
	pub type Rewards<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, MinerRewards<BalanceOf<T>>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A miner registered; `collateral` is held.
		MinerRegistered {
			miner: T::AccountId,
			beneficiary: T::AccountId,
			declared_tib: u32,
			collateral: BalanceOf<T>,
		},
		/// A top-up: `debt_repaid` went to the treasury, the rest was added to the collateral.
		CollateralIncreased {
			miner: T::AccountId,
			amount: BalanceOf<T>,
			debt_repaid: BalanceOf<T>,
			collateral: BalanceOf<T>,
			debt: BalanceOf<T>,
		},
		/// The declared space changed; `requirement` is the new collateral requirement.
		DeclaredSpaceChanged { miner: T::AccountId, declared_tib: u32, requirement: BalanceOf<T> },
		/// The endpoint changed.
		EndpointUpdated { miner: T::AccountId, endpoint: EndpointOf<T> },
		/// The beneficiary changed.
		BeneficiaryUpdated { miner: T::AccountId, beneficiary: T::AccountId },
		/// A new idle commitment: `idle_space = filler_count × FillerSize` bytes.
		IdleCommitted {
			miner: T::AccountId,
			commitment: Commitment,
			filler_count: u64,
			idle_space: u64,
		},
		/// The miner's state changed.
		StateChanged { miner: T::AccountId, from: MinerState, to: MinerState },
		/// The miner asked to leave; `withdraw` is possible from `exit_at`.
		ExitPrepared { miner: T::AccountId, exit_at: BlockNumberFor<T> },
		/// The miner left; `returned` collateral was released, `debt` remains recorded against
		/// the account.
		MinerExited { miner: T::AccountId, returned: BalanceOf<T>, debt: BalanceOf<T> },
		/// `miner` earned no power for `ProveWithin` blocks and held no service space: `by`
		/// evicted it (it left as by `withdraw`, see `MinerExited`).
		MinerEvicted { miner: T::AccountId, by: T::AccountId },
		/// Recorded debt of a withdrawn miner was repaid to the treasury (from a registration
		/// or from released rewards); `debt` is what remains.
		DebtRepaid { miner: T::AccountId, amount: BalanceOf<T>, debt: BalanceOf<T> },
		/// The audit punished the miner.
		MinerPunished {
			miner: T::AccountId,
			amount: BalanceOf<T>,
			slashed: BalanceOf<T>,
			debt_added: BalanceOf<T>,
			collateral: BalanceOf<T>,
			debt: BalanceOf<T>,
		},
		/// The audit banned the miner for good.
		MinerBanned { miner: T::AccountId, exit_at: BlockNumberFor<T> },
		/// The reward of a finished cycle was fixed: `total` of the pool is reserved for the
		/// miners that earned `power` in it (`total` is 0 when nobody earned power).
		CycleRewardSnapshot { cycle: CycleIndex, total: BalanceOf<T>, power: Power },
		/// Every miner that earned power in `cycle` took its share: the record was removed and
		/// the rounding remainder (`released`) returned to the unreserved pool.
		CycleRewardClosed { cycle: CycleIndex, released: BalanceOf<T> },
		/// Unreachable by construction (see `MinerRewards`): the miner already had
		/// `MAX_PENDING_CYCLES` cycles awaiting their snapshot, so this power was not recorded
		/// for rewards; the cycle's share returns to the pool.
		PowerNotRecorded { miner: T::AccountId, cycle: CycleIndex, power: Power },
		/// A reward order was created (or merged into the order of the same block day):
		/// `amount` (the shares of every snapshot cycle in `first_cycle..=last_cycle` the miner
		/// had power in and had not claimed), `immediate` of it paid now.
		RewardOrderCreated {
			miner: T::AccountId,
			first_cycle: CycleIndex,
			last_cycle: CycleIndex,
			amount: BalanceOf<T>,
			immediate: BalanceOf<T>,
		},
		/// A claim: `paid` went from the reward pool to `beneficiary`; `unpaid` is kept for the
		/// next claim (the transfer was refused, e.g. below the existential deposit);
		/// `orders_completed` fully paid orders were deleted.
		RewardsClaimed {
			miner: T::AccountId,
			beneficiary: T::AccountId,
			paid: BalanceOf<T>,
			unpaid: BalanceOf<T>,
			orders_completed: u32,
		},
		/// `count` sectors numbered from `first_sector` were pre-committed as `batch`;
		/// `deposit` is held. The seal challenges come from the seed of `seal_block`; the proof
		/// is due before `deadline`.
		SectorsPreCommitted {
			miner: T::AccountId,
			batch: u64,
			first_sector: u64,
			count: u32,
			deposit: BalanceOf<T>,
			seal_block: BlockNumberFor<T>,
			deadline: BlockNumberFor<T>,
		},
		/// The batch's seal proof verified: its sectors are proven (they join the active list at
		/// the miner's next checkpoint) and the deposit was released.
		SectorsProven {
			miner: T::AccountId,
			batch: u64,
			first_sector: u64,
			count: u32,
			deposit_released: BalanceOf<T>,
		},
		/// No valid proof of `batch` before its deadline: `forfeited` went to the treasury.
		PreCommitExpired { miner: T::AccountId, batch: u64, count: u32, forfeited: BalanceOf<T> },
		/// A proven sector joined the active list at `index` (it counts as idle space).
		SectorActivated { miner: T::AccountId, sector: u64, index: u32 },
		/// The miner asked to terminate these sectors; each leaves at the next checkpoint.
		SectorTerminationQueued { miner: T::AccountId, sectors: SectorNumbersOf<T> },
		/// A sector left the active list and was removed.
		SectorTerminated { miner: T::AccountId, sector: u64 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered miner.
		AlreadyRegistered,
		/// The account was banned and can never register again.
		AccountBanned,
		/// The account is not a registered miner.
		NotRegistered,
		/// The endpoint is empty.
		EmptyEndpoint,
		/// Declared space must be at least 1 TiB.
		ZeroDeclaredSpace,
		/// Declared space exceeds `MaxDeclaredTib`.
		DeclaredSpaceTooLarge,
		/// The collateral offered at registration is below the requirement for the declared
		/// space.
		InsufficientCollateral,
		/// Not enough free balance for the hold or the debt repayment.
		InsufficientBalance,
		/// `MaxMiners` miners are registered.
		TooManyMiners,
		/// Amount must be greater than zero.
		ZeroAmount,
		/// The new declared space is below the idle + service space in use.
		DeclaredBelowUsed,
		/// A frozen miner cannot add idle space.
		MinerFrozen,
		/// The miner is exiting: only top-ups, endpoint/beneficiary updates and `withdraw`.
		MinerExiting,
		/// The miner is banned.
		MinerBanned,
		/// Idle + service space would exceed the declared space.
		ExceedsDeclaredSpace,
		/// An arithmetic overflow (absurd filler count or amount).
		Overflow,
		/// `withdraw` needs `prepare_exit` first.
		NotExiting,
		/// The exit cooldown has not passed yet.
		CooldownNotOver,
		/// The miner earned storage power within `ProveWithin` blocks, holds service space, or
		/// (exiting or banned) its cooldown is not over: it cannot be evicted.
		NotEvictable,
		/// The miner still has service space: its fragments are being moved to other miners.
		ServiceSpaceNotReleased,
		/// The miner still has a challenge that is neither proved nor settled as a miss: it
		/// leaves only once every round it was challenged in is decided.
		ChallengeOpen,
		/// The miner has debt or its collateral is below the requirement, whatever its state
		/// (`Frozen`, `Exiting` or `Banned`): it cannot claim (its orders keep vesting); top up
		/// first.
		FrozenCannotClaim,
		/// No finished, unclaimed cycle and nothing vested to pay.
		NothingToClaim,
		/// A pre-commit needs at least one sector.
		EmptyBatch,
		/// The first sector number is not the miner's next one (`NextSectorNo`): the agent
		/// sealed under other replica ids.
		SectorNumberMismatch,
		/// `MaxOpenPreCommits` pre-commits of the miner are open.
		TooManyPreCommits,
		/// `MaxExpiriesPerBlock` pre-commits already expire in the deadline block: try again in
		/// the next block.
		ExpiryQueueFull,
		/// No open pre-commit with this batch number.
		UnknownPreCommit,
		/// The seal block has not been reached: the challenges do not exist yet.
		SealSeedNotRevealed,
		/// The seal block's seed is no longer kept (cannot happen while `SealDelay +
		/// ProveCommitWindow` is below the audit's seed retention).
		SealSeedUnavailable,
		/// The prove-commit window has passed (the deposit is forfeited).
		ProveCommitTooLate,
		/// The configured SDR parameters are invalid.
		InvalidSealParams,
		/// The proof has another number of openings than there are challenges.
		SealProofOpeningCount,
		/// An opening is malformed (columns or layers miscounted, data node where none belongs).
		SealProofMalformed,
		/// A column does not open in the sector's `comm_c`.
		SealColumnNotCommitted,
		/// A label does not follow from its committed parents.
		SealLabelMismatch,
		/// The replica node does not open in `comm_r_last`, or is not data ⊕ key.
		SealReplicaMismatch,
		/// The miner's queue of sector changes is full; it empties at the next checkpoint.
		SectorChangesFull,
		/// The sector does not exist or is not active (pending activation or terminating).
		SectorNotActive,
		/// The miner still has sectors or open pre-commits: terminate them first.
		SectorsRemain,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			Self::rewards_hook()
				.saturating_add(Self::capture_genesis())
				.saturating_add(Self::expire_precommits(n))
		}

		fn integrity_test() {
			assert!(!T::BlockDay::get().is_zero(), "storage-miner: BlockDay must be > 0");
			assert!(!T::ProveWithin::get().is_zero(), "storage-miner: ProveWithin must be > 0");
			assert!(T::FillerSize::get() > 0, "storage-miner: FillerSize must be > 0");
			assert!(T::MaxDeclaredTib::get() > 0, "storage-miner: MaxDeclaredTib must be > 0");
			assert!(T::SealParams::get().validate().is_ok(), "storage-miner: SealParams invalid");
			let batch = T::MaxPreCommitBatch::get();
			assert!(
				batch > 0 && batch <= cess_storage_proof::sdr::MAX_BATCH_SECTORS,
				"storage-miner: MaxPreCommitBatch must be in 1..=128"
			);
			assert!(!T::ProveCommitWindow::get().is_zero(), "storage-miner: ProveCommitWindow > 0");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as a miner declaring `declared_tib` TiB, holding `collateral`
		/// (at least `CollateralPerTiB × declared_tib`). Rewards go to
		/// `beneficiary`. A banned account can never register.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			beneficiary: T::AccountId,
			endpoint: EndpointOf<T>,
			declared_tib: u32,
			collateral: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, beneficiary, endpoint, declared_tib, collateral)
		}

		/// Adds `amount` to the caller's collateral. Debt is repaid first (to the treasury);
		/// the rest is held. Leaves `Frozen` when the collateral covers the requirement again.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::increase_collateral())]
		pub fn increase_collateral(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_increase_collateral(who, amount)
		}

		/// Sets the caller's declared space to `declared_tib` TiB. It may not drop below the
		/// idle + service space in use; raising it beyond what the collateral covers freezes
		/// the miner until a top-up.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::change_declared_space())]
		pub fn change_declared_space(origin: OriginFor<T>, declared_tib: u32) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_change_declared_space(who, declared_tib)
		}

		/// Sets the caller's endpoint.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::update_endpoint())]
		pub fn update_endpoint(origin: OriginFor<T>, endpoint: EndpointOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!endpoint.is_empty(), Error::<T>::EmptyEndpoint);
			Miners::<T>::try_mutate(&who, |m| -> DispatchResult {
				let info = m.as_mut().ok_or(Error::<T>::NotRegistered)?;
				info.endpoint = endpoint.clone();
				Ok(())
			})?;
			Self::deposit_event(Event::EndpointUpdated { miner: who, endpoint });
			Ok(())
		}

		/// Sets the account the caller's rewards are paid to.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::update_beneficiary())]
		pub fn update_beneficiary(
			origin: OriginFor<T>,
			beneficiary: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Miners::<T>::try_mutate(&who, |m| -> DispatchResult {
				let info = m.as_mut().ok_or(Error::<T>::NotRegistered)?;
				info.beneficiary = beneficiary.clone();
				Ok(())
			})?;
			Self::deposit_event(Event::BeneficiaryUpdated { miner: who, beneficiary });
			Ok(())
		}

		/// Sets the caller's idle-filler commitment and count in one call (the agent computes
		/// both with `cess_storage_proof::FillerSet`). Idle space becomes
		/// `filler_count × FillerSize`; idle + service must fit the declared space. A frozen
		/// miner may shrink its idle space but not grow it. The first commitment with at least
		/// one filler makes a collateralised miner `Positive`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::commit_idle())]
		pub fn commit_idle(
			origin: OriginFor<T>,
			commitment: Commitment,
			filler_count: u64,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_commit_idle(who, commitment, filler_count)
		}

		/// Starts the caller's exit: it receives no new fragments, its fragments are moved to
		/// other miners, and `withdraw` is possible after `ExitCooldown` blocks. It is still
		/// challenged (and punishable) until it withdraws.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::prepare_exit())]
		pub fn prepare_exit(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_prepare_exit(who)
		}

		/// Completes the exit after the cooldown, once no service space remains: the debt is
		/// paid from the collateral, the rest of the collateral is released and the miner
		/// removed (its slot freed). Debt the collateral did not cover stays recorded
		/// ([`Debts`]).
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw(who)
		}

		/// Turns every snapshot cycle in which the caller earned storage power and that it did
		/// not claim yet (however long ago) into a reward order of
		/// `TotalReward_N × power / TotalStoragePower_N` (50 % paid at once, the rest over 90
		/// block days) and pays everything vested across all its orders, from the reward pool
		/// to its beneficiary (to the account itself once it has withdrawn, after its recorded
		/// debt). A registered miner with debt or below its collateral requirement cannot claim,
		/// whatever its state (vesting goes on).
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::claim_rewards())]
		pub fn claim_rewards(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim_rewards(who)
		}

		/// Evicts `miner`, which earned no storage power for `ProveWithin` blocks (since its
		/// registration or last passed challenge) and holds no service space, or which is
		/// exiting or banned and past its cooldown: it leaves as by `withdraw` (collateral minus
		/// debt returned to it, debt recorded) and its `MaxMiners` slot is freed. Anyone may
		/// call; the caller pays the fee.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::evict())]
		pub fn evict(origin: OriginFor<T>, miner: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_evict(who, miner)
		}

		/// Pre-commits a batch of sealed committed-capacity sectors, numbered from
		/// `first_sector` (the caller's `NextSectorNo`, under which the agent sealed them).
		/// Holds `PreCommitDeposit` per sector; reserves their space (idle + service +
		/// pre-committed and proven sectors never exceed the declared space). The seal
		/// challenges come from the seed of block `now + SealDelay`; the proof is due within
		/// `ProveCommitWindow` blocks after it, else the deposit is forfeited.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::precommit_sectors(sectors.len() as u32))]
		pub fn precommit_sectors(
			origin: OriginFor<T>,
			first_sector: u64,
			sectors: PreCommitSectorsOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_precommit_sectors(who, first_sector, sectors)
		}

		/// Proves the seal of pre-committed `batch`: the openings answer the challenges drawn
		/// from the seal block's seed and are verified here (column openings, labels
		/// recomputed from their parents, replica = data ⊕ key). On success the deposit is
		/// released and the sectors are proven (they join the active list at the next
		/// checkpoint). An invalid proof is rejected and changes nothing.
		#[pallet::call_index(11)]
		#[pallet::weight(Pallet::<T>::prove_commit_weight(T::MaxPreCommitBatch::get()))]
		pub fn prove_commit_sectors(
			origin: OriginFor<T>,
			batch: u64,
			proof: cess_storage_proof::sdr::SealProof,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let count = Self::do_prove_commit_sectors(who, batch, proof)?;
			Ok(Some(Self::prove_commit_weight(count)).into())
		}

		/// Queues the termination of active sectors: each keeps counting, and stays
		/// challengeable, until the caller's next checkpoint (between its proofs), where it
		/// leaves the active list and is removed. Allowed in every state (an exiting or
		/// banned miner must terminate its sectors before `withdraw`).
		#[pallet::call_index(12)]
		#[pallet::weight(
			T::WeightInfo::terminate_sectors(sectors.len() as u32).saturating_add(
				T::WeightInfo::apply_sector_change().saturating_mul(sectors.len() as u64)
			)
		)]
		pub fn terminate_sectors(
			origin: OriginFor<T>,
			sectors: SectorNumbersOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_terminate_sectors(who, sectors)
		}
	}
}
