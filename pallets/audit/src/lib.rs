//! # Audit pallet (`audit`)
//!
//! Random storage challenges with on-chain proof verification, exact punishments and storage
//! power per cycle (SPEC §7).
//!
//! - A **round** lasts `RoundLength` blocks (one staking era). When it opens, one 32-byte seed
//!   is drawn from the runtime's randomness (BABE) — O(1), nothing is written per miner. Each
//!   enrolled miner's challenge is derived on demand from the seed, its account and its
//!   **snapshot** (filler and fragment counts frozen before the round opened), with
//!   `cess_storage_proof::derive_challenge`.
//! - The miner answers with `submit_proof(round, proof)` before the round's **deadline** (a
//!   governance-set number of blocks); the proof is verified in the call, each part separately,
//!   and the outcome (pass/fail per part) is applied at once.
//! - **Misses** are settled after the deadline by a bounded sweep in `on_initialize` over the
//!   roster of enrolled miners (`SettlePerBlock` miners per block), which always finishes before
//!   the next round's deadline (`integrity_test` checks the capacity).
//! - **Punishments** follow SPEC §7 exactly (see [`settlement`]); slashed funds go to the
//!   treasury and a shortfall becomes debt through [`cess_traits::MinerMutate`] (implemented
//!   by the storage-miner pallet; this pallet depends only on `cess-traits`).
//! - **Storage power**: a challenge whose parts all pass credits `95 % service + 5 % idle` to the
//!   miner and to the cycle total (running sums: closing a cycle is O(1)); read it through
//!   [`StoragePowerInspect`] (`cess-traits`), which this pallet implements for the reward
//!   orders.
//!
//! Miners are **enrolled** (put on the roster) by a bounded scan of the storage-miner candidate
//! list (every `Positive` miner), and stay enrolled — also while `Frozen` or `Exiting` — until
//! the sweep finds them withdrawn or banned. See `docs/challenges.md`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod challenge;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod extension;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod hooks;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod invariants;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod leave;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod power;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod proofs;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod runtime_api;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod seal_audit;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod settlement;
#[deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmark_fixture;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_invariants;
#[cfg(test)]
mod tests_seal_audit;

/// The storage-power trait this pallet implements (defined in `cess-traits`).
pub use cess_traits::StoragePowerInspect;
pub use extension::CheckProof;

/// The miners the audit has a record of (on its roster: enrolled, and not yet retired). The
/// file market assigns and confirms fragments only to them (`pallet_file_bank::Config::
/// Audited`), so no miner ever holds a service fragment the audit would not challenge — a
/// miner frozen before the enrolment scan reached it holds nothing (docs/challenges.md).
pub struct Enrolled<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Contains<T::AccountId> for Enrolled<T> {
	fn contains(who: &T::AccountId) -> bool {
		Audits::<T>::contains_key(who)
	}
}
pub use types::*;
pub use weights::WeightInfo;

/// Benchmarks only: puts the state a `submit_proof` benchmark at the default [`Params`]
/// needs into the storage-miner and file-market pallets (the runtime writes their storage
/// directly; see `docs/challenges.md`, "Runtime integration").
///
/// [`Params`]: cess_storage_proof::Params
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Makes `who` a `Positive` storage miner whose idle commitment is `filler_commitment`
	/// over `filler_count` fillers (idle space `filler_count × FillerSize`, collateral to
	/// match), holding `fragment_count` confirmed service fragments of which those listed in
	/// `fragment_roots` (`(index, root)`) have the given roots (the others may have any root).
	fn setup_miner(
		who: &AccountId,
		filler_commitment: cess_storage_proof::Hash,
		filler_count: u64,
		fragment_count: u64,
		fragment_roots: alloc::vec::Vec<(u64, cess_storage_proof::Hash)>,
	) -> Result<(), &'static str>;
}

/// No helper: the `submit_proof` benchmark stops with an error.
#[cfg(feature = "runtime-benchmarks")]
impl<AccountId> BenchmarkHelper<AccountId> for () {
	fn setup_miner(
		_who: &AccountId,
		_filler_commitment: cess_storage_proof::Hash,
		_filler_count: u64,
		_fragment_count: u64,
		_fragment_roots: alloc::vec::Vec<(u64, cess_storage_proof::Hash)>,
	) -> Result<(), &'static str> {
		Err("pallet-audit: no BenchmarkHelper configured")
	}
}

/// Consecutive missed service proofs that ban a miner (SPEC §7).
pub const BAN_AFTER_MISSES: u32 = 5;

/// Most deferred removals one `apply_removals` call applies.
pub const MAX_REMOVALS_PER_CALL: u32 = 256;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use cess_storage_proof::{Params, StorageProof};
	use cess_traits::{MinerMutate, SectorsMutate, ServiceFragmentsMutate};
	use frame_support::{pallet_prelude::*, traits::Randomness};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::AtLeast32BitUnsigned;

	/// The storage layout version; a migration that changes the layout bumps it.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency's balance type (collateral, punishments): the runtime's `Balance`.
		type Balance: Parameter + MaxEncodedLen + AtLeast32BitUnsigned + Copy + Default;

		/// The storage miners: states, spaces, idle commitments, punishment and ban.
		type Miners: MinerMutate<Self::AccountId, Balance = Self::Balance>;

		/// The miners' service fragments (the file market): count and Merkle roots.
		type Fragments: ServiceFragmentsMutate<Self::AccountId>;

		/// Source of the round seed (BABE: `pallet_babe::RandomnessFromOneEpochAgo`).
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// Blocks per challenge round (one staking era).
		#[pallet::constant]
		type RoundLength: Get<BlockNumberFor<Self>>;

		/// Rounds per cycle (4): the period storage power is totalled over for rewards.
		#[pallet::constant]
		type RoundsPerCycle: Get<u32>;

		/// Proof deadline (blocks after a round opens) until governance sets another one.
		#[pallet::constant]
		type DefaultDeadline: Get<BlockNumberFor<Self>>;

		/// `W`: blocks a miner has to answer from its challenge block. Each miner's challenge
		/// block is spread over the round's first `deadline − W + 1` blocks (from the round
		/// seed and its account) and its challenge comes from that block's seed, so proofs are
		/// spread over the round and each miner learns its challenge only `W` blocks before it
		/// is due. `W ≥ deadline` means every miner is challenged at the round's first block.
		#[pallet::constant]
		type ChallengeWindow: Get<BlockNumberFor<Self>>;

		/// Blocks at the end of every round in which no proof is accepted (two epochs): the
		/// deadline is at most `RoundLength − DeadlineReserve`, so every proof — and the
		/// snapshot it takes — precedes the next round's randomness.
		#[pallet::constant]
		type DeadlineReserve: Get<BlockNumberFor<Self>>;

		/// The storage-proof parameters; `filler_size` must equal the storage-miner
		/// `FillerSize`, and the miner agent must use the same value.
		type ProofParams: Get<Params>;

		/// 2 000 CESS: the base of `SlashLimit = CollateralPerTiB × ceil(TiB, min 1) × 5 %`.
		#[pallet::constant]
		type CollateralPerTiB: Get<Self::Balance>;

		/// Most enrolled miners (the roster bound); at least the storage-miner `MaxMiners`.
		#[pallet::constant]
		type MaxMiners: Get<u32>;

		/// Roster entries the settlement sweep visits per block. `RoundLength × SettlePerBlock`
		/// must cover `MaxMiners` so a round is settled before the next deadline.
		#[pallet::constant]
		type SettlePerBlock: Get<u32>;

		/// Candidates the enrolment scan visits per block.
		#[pallet::constant]
		type EnrolPerBlock: Get<u32>;

		/// Deferred fragment removals applied at one checkpoint of a miner (its proof or a
		/// settled miss); more wait for its next checkpoint (and stay challengeable).
		#[pallet::constant]
		type RemovalsPerCheckpoint: Get<u32>;

		/// Deferred fragment removals the settlement sweep applies per block, in total.
		#[pallet::constant]
		type RemovalsPerBlock: Get<u32>;

		/// Finished cycles whose power is kept (older ones are pruned, boundedly).
		#[pallet::constant]
		type PowerHistory: Get<u32>;

		/// `N`: consecutive rounds with a failed or missed service part after which the file
		/// market repairs the miner's files (runtime 3; must be below the ban at 5 misses to
		/// matter for misses).
		#[pallet::constant]
		type RepairAfterFailures: Get<u32>;

		/// `M`: rounds a miner may stay `Frozen` (counted by the settlement sweep) before the
		/// file market repairs its files (runtime 4, one cycle).
		#[pallet::constant]
		type RepairAfterFrozenRounds: Get<u32>;

		/// Weights from the benchmarks.
		type WeightInfo: WeightInfo;

		/// The miners' sealed sectors (the storage-miner pallet): active lists, commitments,
		/// queued changes applied at checkpoints.
		type Sectors: SectorsMutate<Self::AccountId>;

		/// Who may set the proof deadline: governance (the runtime's storage-economy track, or
		/// root).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Blocks a miner has to answer its seal audit (one round in the runtime).
		#[pallet::constant]
		type SealAuditWindow: Get<BlockNumberFor<Self>>;

		/// Queued sector changes applied at one checkpoint of a miner (its proof, a settled
		/// miss, a passed seal audit); more wait for the next one.
		#[pallet::constant]
		type SectorChangesPerCheckpoint: Get<u32>;

		/// Queued sector changes the settlement sweep applies per block, in total.
		#[pallet::constant]
		type SectorChangesPerBlock: Get<u32>;

		/// Benchmarks only: sets up a miner matching the `submit_proof` fixture.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The open round (`None` before the first block's hook).
	#[pallet::storage]
	pub type CurrentRound<T: Config> = StorageValue<_, RoundInfo<BlockNumberFor<T>>>;

	/// Blocks after a round opens during which proofs are accepted (governance-set). Read when
	/// a round opens (its deadline is stored in [`RoundInfo`]), so a change applies from the
	/// next round on.
	#[pallet::storage]
	pub type ProofDeadline<T: Config> =
		StorageValue<_, BlockNumberFor<T>, ValueQuery, T::DefaultDeadline>;

	/// Per-block seeds of the open round (one written per block from the runtime's
	/// randomness, the one of a block a round ago removed): a miner's challenge comes from the
	/// seed of its challenge block.
	#[pallet::storage]
	pub type BlockSeeds<T: Config> = StorageMap<_, Twox64Concat, BlockNumberFor<T>, [u8; 32]>;

	/// The audit record of every enrolled miner.
	#[pallet::storage]
	pub type Audits<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, MinerAudit>;

	/// The roster: enrolled miners densely indexed `0..RosterLen`, walked by the sweep.
	#[pallet::storage]
	pub type Roster<T: Config> = StorageMap<_, Twox64Concat, u32, T::AccountId>;

	/// Number of entries in [`Roster`].
	#[pallet::storage]
	pub type RosterLen<T> = StorageValue<_, u32, ValueQuery>;

	/// Next candidate position the enrolment scan looks at.
	#[pallet::storage]
	pub type EnrolCursor<T> = StorageValue<_, u32, ValueQuery>;

	/// The settlement sweep in progress, if any.
	#[pallet::storage]
	pub type ActiveSweep<T> = StorageValue<_, Sweep>;

	/// The last round whose misses are all settled.
	#[pallet::storage]
	pub type LastSettledRound<T> = StorageValue<_, RoundIndex>;

	/// The last cycle whose rounds are all settled: its power totals are final.
	#[pallet::storage]
	pub type FinishedCycle<T> = StorageValue<_, CycleIndex>;

	/// Total storage power of a cycle (running sum of every passed challenge).
	#[pallet::storage]
	pub type CyclePower<T> = StorageMap<_, Twox64Concat, CycleIndex, Power, ValueQuery>;

	/// Storage power of a miner in a cycle (running sum of its passed challenges).
	#[pallet::storage]
	pub type MinerPower<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		CycleIndex,
		Blake2_128Concat,
		T::AccountId,
		Power,
		ValueQuery,
	>;

	/// Each miner's seal audit of the current (or last) cycle.
	#[pallet::storage]
	pub type SealAudits<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, SealAudit<BlockNumberFor<T>>>;

	/// A cycle older than `PowerHistory` whose entries are being removed.
	#[pallet::storage]
	pub type PruningCycle<T> = StorageValue<_, CycleIndex>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A round opened; proofs are due before block `deadline` (fixed for the round), each
		/// within `window` blocks of the miner's challenge block.
		RoundOpened {
			round: RoundIndex,
			seed: [u8; 32],
			deadline: BlockNumberFor<T>,
			window: BlockNumberFor<T>,
		},
		/// A miner was put on the roster; it is challenged from round `round + 1` on.
		MinerEnrolled { miner: T::AccountId, round: RoundIndex },
		/// A withdrawn, banned or re-registered miner left the roster.
		MinerRetired { miner: T::AccountId },
		/// A proof was verified; `power` was credited to `cycle` (0 when a part failed or the
		/// miner cannot earn rewards, e.g. `Frozen`).
		ProofVerified {
			miner: T::AccountId,
			round: RoundIndex,
			idle: PartResult,
			service: PartResult,
			power: Power,
			cycle: CycleIndex,
		},
		/// No proof before the deadline.
		ProofMissed { miner: T::AccountId, round: RoundIndex, service_challenged: bool },
		/// A punishment: `slashed` went to the treasury, `debt_added` became debt.
		MinerSlashed {
			miner: T::AccountId,
			round: RoundIndex,
			reason: SlashReason,
			amount: T::Balance,
			slashed: T::Balance,
			debt_added: T::Balance,
		},
		/// Fifth consecutive missed service proof: banned for good.
		MinerBanned { miner: T::AccountId, round: RoundIndex },
		/// Every miss of `round` is settled.
		RoundSettled { round: RoundIndex },
		/// Every round of `cycle` is settled: `total_power` is final.
		CycleFinished { cycle: CycleIndex, total_power: Power },
		/// The power records of `cycle` were removed (older than `PowerHistory`).
		CyclePruned { cycle: CycleIndex },
		/// Governance set the proof deadline (it applies from the next round on).
		DeadlineSet { blocks: BlockNumberFor<T> },
		/// A miner applied `removed` of its deferred fragment removals itself and its snapshot
		/// was retaken (its next challenge counts the shorter list).
		RemovalsApplied { miner: T::AccountId, removed: u32 },
		/// `miner` must prove the seal of `sector` again before `deadline` (its challenges
		/// come from the audit's seed, see `SealAudits`).
		SealAuditIssued {
			miner: T::AccountId,
			cycle: CycleIndex,
			sector: u64,
			deadline: BlockNumberFor<T>,
		},
		/// The seal audit's answer verified.
		SealAuditPassed { miner: T::AccountId, cycle: CycleIndex, sector: u64 },
		/// No valid answer before the deadline (`misses` in a row; `SlashLimit` is slashed and
		/// the audit reissued, the third is fraud).
		SealAuditMissed { miner: T::AccountId, cycle: CycleIndex, sector: u64, misses: u32 },
		/// A proven-invalid seal (or a third miss): `collateral_slashed` (all of it) goes to the
		/// treasury (`MinerSlashed`) and the miner is banned (`MinerBanned`).
		SealFraud {
			miner: T::AccountId,
			cycle: CycleIndex,
			sector: u64,
			collateral_slashed: T::Balance,
		},
		/// The file market started repairing `miner`'s files (its replicas move to other
		/// miners, each released from it only when the new holder confirms).
		RepairRequested { miner: T::AccountId, round: RoundIndex, reason: RepairReason },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No round has opened yet.
		NoRoundOpen,
		/// The proof names a round that has not opened yet.
		FutureRound,
		/// The proof names a past round: its window is closed.
		RoundClosed,
		/// The round's deadline has passed.
		ProofTooLate,
		/// The caller is not a registered storage miner.
		NotAMiner,
		/// The caller is banned.
		MinerBanned,
		/// The caller is not on the roster yet (enrolment follows within one round of becoming
		/// `Positive`).
		NotEnrolled,
		/// The caller is not challenged in this round (enrolled during it, or nothing to prove).
		NotChallenged,
		/// A proof of this round was already recorded.
		AlreadySubmitted,
		/// The caller's fifth consecutive missed service proof is being settled: it is banned.
		BanPending,
		/// The configured proof parameters are invalid.
		InvalidParams,
		/// The deadline must be at least one block.
		ZeroDeadline,
		/// The deadline must not exceed the round length minus `DeadlineReserve`.
		DeadlineTooLong,
		/// The caller's challenge block has not been reached: its challenge is not known yet.
		ChallengeNotYetKnown,
		/// The caller's window (`challenge_block + window`) has passed.
		WindowClosed,
		/// The caller's challenge of the open round is not decided yet (prove first).
		ChallengeOpen,
		/// More removals asked for than `MAX_REMOVALS_PER_CALL`.
		TooManyRemovals,
		/// The caller has no open seal audit.
		NoSealAudit,
		/// The seal audit's deadline has passed (it is settled as a miss).
		SealAuditClosed,
		/// The answer has another number of openings than the audit has challenges.
		SealProofOpeningCount,
		/// An opening is malformed (columns or layers miscounted, data node misplaced).
		SealProofMalformed,
		/// A column does not open in the sector's `comm_c`.
		SealColumnNotCommitted,
		/// The replica (or data) node does not open in its commitment.
		SealReplicaNotCommitted,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::do_on_initialize(now)
		}

		fn integrity_test() {
			Self::check_integrity();
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Answers the caller's challenge of `round` (the open round) before its deadline. The
		/// proof is verified here, against the caller's snapshot (frozen commitment, counts
		/// and fragment list); the idle and service parts are judged separately (SPEC §7) and
		/// a challenge whose parts all pass credits storage power. The call is declared free
		/// (`Pays::No`, Operational): the fee is computed from the *declared* info before
		/// dispatch, so only a declared exemption lets an honest miner without free balance
		/// answer (a post-dispatch refund would not). Free spam is impossible because
		/// `CheckProof` admits a proof to the pool and to a block only for a challenged miner,
		/// in its window, once per round; a failing admissible proof counts as a failure
		/// (slashed from the second consecutive one), so it never pays to send garbage.
		#[pallet::call_index(0)]
		#[pallet::weight((
			T::WeightInfo::submit_proof().saturating_add(
				<T::Fragments as ServiceFragmentsMutate<T::AccountId>>::removal_weight()
					.saturating_mul(T::RemovalsPerCheckpoint::get().into())
			).saturating_add(
				<T::Sectors as SectorsMutate<T::AccountId>>::sector_change_weight()
					.saturating_mul(T::SectorChangesPerCheckpoint::get().into())
			),
			DispatchClass::Operational,
			Pays::No
		))]
		pub fn submit_proof(
			origin: OriginFor<T>,
			round: RoundIndex,
			proof: StorageProof,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (_valid, removed, changes) = Self::do_submit_proof(who, round, proof)?;
			// Charged for the removals and sector changes actually applied, not their bounds.
			let actual = T::WeightInfo::submit_proof()
				.saturating_add(
					<T::Fragments as ServiceFragmentsMutate<T::AccountId>>::removal_weight()
						.saturating_mul(removed.into()),
				)
				.saturating_add(
					<T::Sectors as SectorsMutate<T::AccountId>>::sector_change_weight()
						.saturating_mul(changes.into()),
				);
			Ok(frame_support::dispatch::PostDispatchInfo {
				actual_weight: Some(actual),
				pays_fee: Pays::No,
			})
		}

		/// Sets the proof deadline in blocks after a round opens (`AdminOrigin`). At least 1, at most
		/// `RoundLength − DeadlineReserve`; applies from the next round on (the open round
		/// keeps the deadline it opened with).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_deadline())]
		pub fn set_deadline(origin: OriginFor<T>, blocks: BlockNumberFor<T>) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(!blocks.is_zero(), Error::<T>::ZeroDeadline);
			ensure!(blocks <= Self::max_deadline(), Error::<T>::DeadlineTooLong);
			ProofDeadline::<T>::put(blocks);
			Self::deposit_event(Event::DeadlineSet { blocks });
			Ok(())
		}

		/// Applies up to `limit` (at most [`MAX_REMOVALS_PER_CALL`]) of the caller's deferred
		/// fragment removals and up to `limit` of its queued sector changes (activations and
		/// terminations, not while a seal audit is open) (fragments of deleted files, or moved off it while exiting) and
		/// retakes its snapshot, so its service space — and an exiting miner's `withdraw` —
		/// need not wait for its checkpoints (8 removals each). Allowed only once the caller's
		/// challenge of the open round is decided (proved or settled, or not challenged) and
		/// before the round's deadline, so the retaken snapshot still precedes the next
		/// round's randomness and no open challenge counts the removed fragments. Pays for
		/// the removals actually applied.
		#[pallet::call_index(2)]
		#[pallet::weight(
			T::WeightInfo::set_deadline().saturating_add(
				<T::Fragments as ServiceFragmentsMutate<T::AccountId>>::removal_weight()
					.saturating_add(<T::Sectors as SectorsMutate<T::AccountId>>::sector_change_weight())
					.saturating_mul((*limit).min(MAX_REMOVALS_PER_CALL).into())
			)
		)]
		pub fn apply_removals(origin: OriginFor<T>, limit: u32) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			ensure!(limit <= MAX_REMOVALS_PER_CALL, Error::<T>::TooManyRemovals);
			let info = CurrentRound::<T>::get().ok_or(Error::<T>::NoRoundOpen)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now < info.deadline, Error::<T>::ProofTooLate);
			let mut audit = Audits::<T>::get(&who).ok_or(Error::<T>::NotEnrolled)?;
			ensure!(audit.decided(info.index), Error::<T>::ChallengeOpen);
			let removed = Self::checkpoint(&who, &mut audit, info.index, limit);
			// Queued sector changes too (between proofs: not while a seal audit is open).
			let changes = if Self::seal_audit_open(&who) {
				0
			} else {
				T::Sectors::apply_sector_changes(&who, limit)
			};
			Audits::<T>::insert(&who, audit);
			Self::deposit_event(Event::RemovalsApplied { miner: who, removed });
			Ok(Some(
				T::WeightInfo::set_deadline()
					.saturating_add(
						<T::Fragments as ServiceFragmentsMutate<T::AccountId>>::removal_weight()
							.saturating_mul(removed.into()),
					)
					.saturating_add(
						<T::Sectors as SectorsMutate<T::AccountId>>::sector_change_weight()
							.saturating_mul(changes.into()),
					),
			)
			.into())
		}

		/// Answers the caller's open seal audit: `audit_challenges` openings of the audited
		/// sector, verified here against its pre-committed commitments. A valid answer closes
		/// the audit (and applies the caller's queued sector changes); an answer proving an
		/// invalid label or replica is **fraud** (all collateral slashed, banned) and is
		/// recorded; any other defect is rejected with no state change.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::submit_seal_audit(
			cess_storage_proof::sdr::seal_verify_hashes(
				&<T::Sectors as cess_traits::SectorsInspect<T::AccountId>>::seal_params(),
				<T::Sectors as cess_traits::SectorsInspect<T::AccountId>>::seal_params()
					.audit_challenges,
			)
		).saturating_add(
			<T::Sectors as cess_traits::SectorsMutate<T::AccountId>>::sector_change_weight()
				.saturating_mul(T::SectorChangesPerCheckpoint::get().into())
		))]
		pub fn submit_seal_audit(
			origin: OriginFor<T>,
			proof: cess_storage_proof::sdr::SealProof,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit_seal_audit(who, proof)?;
			Ok(())
		}
	}
}
