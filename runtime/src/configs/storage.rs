//! Storage miners and the file market (SPEC §5, §6).

use crate::{
	configs::staking::TreasuryAccount,
	currency::{CENTS, CESS},
	AccountId, Audit, Balance, Balances, BlockNumber, FileBank, Issuance, Runtime,
	RuntimeHoldReason, StorageMiner,
};
use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Get},
};

/// Size of an idle filler and of a file fragment: the proof library's default, 8 MiB.
pub const FRAGMENT_SIZE: u64 = 8 << 20;

parameter_types! {
	/// Receives every space payment; the storage-miner share of issuance goes there too.
	pub StorageRewardPool: AccountId = pallet_issuance::Pallet::<Runtime>::storage_pool();
}

/// A leaving miner waits two eras (dev 40 blocks, production 7 200 blocks) so its fragments
/// are moved and running challenges conclude before its collateral is returned.
pub struct MinerExitCooldown;
impl Get<BlockNumber> for MinerExitCooldown {
	fn get() -> BlockNumber {
		let epoch = BlockNumber::try_from(pallet_timings::EpochDurationOf::<Runtime>::get())
			.unwrap_or(BlockNumber::MAX);
		epoch.saturating_mul(pallet_timings::SessionsPerEraOf::<Runtime>::get()).saturating_mul(2)
	}
}

impl pallet_storage_miner::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Treasury = TreasuryAccount;
	type CollateralPerTiB = ConstU128<{ 2_000 * CESS }>;
	type FillerSize = ConstU64<FRAGMENT_SIZE>;
	// 1 PiB per miner.
	type MaxDeclaredTib = ConstU32<1024>;
	type MaxEndpointLen = ConstU32<128>;
	type MaxMiners = ConstU32<10_000>;
	type ExitCooldown = MinerExitCooldown;
	// The file market moves a leaving miner's fragments; the audit forgets a withdrawn one.
	type OnLeave = (FileBank, Audit);
	// The audit implements `cess_traits::StoragePowerInspect` itself: no adapter.
	type Power = Audit;
	type RewardPool = StorageRewardPool;
	// What issuance and the file market put into the pool, for `try_state`'s accounting.
	type PoolFunding = (Issuance, FileBank);
	type BlockDay = pallet_timings::BlockDayOf<Runtime>;
	// 16 challenge rounds (4 cycles: 4 days in production, 320 blocks on the dev chain)
	// without earning power and no service space: evictable.
	type ProveWithin = MinerProveWithin;
	type WeightInfo = pallet_storage_miner::weights::SubstrateWeight<Runtime>;
	// Sealed sectors (issue 14, commit protocol). Seeds and enrolment from the audit.
	type SealAudit = Audit;
	// The dev preset (8 MiB sectors, 2 layers: no security, seals in < 1 s) on every chain
	// for now; a production chain switches to `SdrParams::production()` per genesis (to come).
	type SealParams = pallet_storage_miner::DevSealParams;
	// Δ = 10 blocks (1 min): the seal challenges come from the seed of `b_pc + 10`.
	type SealDelay = ConstU32<10>;
	// One round (dev 20 blocks, production 3 600): exactly as long as the audit keeps a block's
	// seed, so the seal block's seed exists for the whole window.
	type ProveCommitWindow = AuditRoundLength;
	type PreCommitDeposit = SectorDeposit;
	// M = 128 sectors per batch (1 TiB at production sectors).
	type MaxPreCommitBatch = ConstU32<128>;
	type MaxOpenPreCommits = ConstU32<4>;
	// At most 32 forfeits per block (≈ 26 ms of the hook, hand-derived weights).
	type MaxExpiriesPerBlock = ConstU32<32>;
	type MaxSectorChanges = ConstU32<256>;
}

/// Deposit per pre-committed sector: the sector's share of the collateral rule,
/// `CollateralPerTiB × S / TiB` rounded up. Dev preset (S = 8 MiB = 2^23 B):
/// 2 000 CESS / 2^17 = 0.0152587890625 CESS = 15 258 789 062 500 000 planck; production
/// (8 GiB): 2 000 / 2^7 = 15.625 CESS. It meets the design's `P_pc ≥ V/8` (V: what a fake
/// sector earns before a seal audit catches it) with an 8× margin while collateral per sector
/// exceeds reward per sector per cycle (the governance invariant of docs/storage-proofs.md).
pub struct SectorDeposit;
impl Get<Balance> for SectorDeposit {
	fn get() -> Balance {
		use pallet_storage_miner::DevSealParams;
		let bytes = Balance::from(DevSealParams::get().sector_bytes());
		(2_000 * CESS).saturating_mul(bytes).div_ceil(Balance::from(cess_traits::TIB))
	}
}

/// A miner that earned no storage power for 16 challenge rounds and holds no service space may
/// be evicted (the squatting rule, docs/storage-miners.md). An honest miner earns power in the
/// round after its enrolment, at most 3 rounds after its first commitment.
pub struct MinerProveWithin;
impl Get<BlockNumber> for MinerProveWithin {
	fn get() -> BlockNumber {
		AuditRoundLength::get().saturating_mul(16)
	}
}

/// One challenge round = one staking era, in blocks (genesis-fixed timings: dev 20, production
/// 3 600).
pub struct AuditRoundLength;
impl Get<BlockNumber> for AuditRoundLength {
	fn get() -> BlockNumber {
		let epoch = BlockNumber::try_from(pallet_timings::EpochDurationOf::<Runtime>::get())
			.unwrap_or(BlockNumber::MAX);
		epoch.saturating_mul(pallet_timings::SessionsPerEraOf::<Runtime>::get())
	}
}

/// Blocks at the end of a round in which no proof is accepted: two epochs, but at most half a
/// round (production: 1 200 of 3 600, so the deadline can be at most 2 400 blocks; dev: the
/// era is only two 10-block epochs, so 10 of 20 and the deadline is at most 10).
pub struct AuditDeadlineReserve;
impl Get<BlockNumber> for AuditDeadlineReserve {
	fn get() -> BlockNumber {
		let epoch = BlockNumber::try_from(pallet_timings::EpochDurationOf::<Runtime>::get())
			.unwrap_or(BlockNumber::MAX);
		epoch.saturating_mul(2).min(AuditRoundLength::get() / 2)
	}
}

/// The round seed's randomness: BABE's `RandomnessFromOneEpochAgo` mixed with the parent
/// block's VRF output (`ParentBlockRandomness`; every block has one under
/// `PrimaryAndSecondaryVRFSlots`). The epoch randomness alone is known about an epoch ahead,
/// which would let a miner pick its counts for a known seed; the parent block's output is
/// unknown until the block before the round opens is authored. Falls back to the epoch
/// randomness where a block has no VRF output (the genesis block).
pub struct AuditRandomness;
impl frame_support::traits::Randomness<crate::Hash, BlockNumber> for AuditRandomness {
	fn random(subject: &[u8]) -> (crate::Hash, BlockNumber) {
		let (epoch, at) = pallet_babe::RandomnessFromOneEpochAgo::<Runtime>::random(subject);
		match pallet_babe::ParentBlockRandomness::<Runtime>::random(subject) {
			(Some(parent), parent_block) => {
				let mixed = sp_io::hashing::blake2_256(&[epoch.as_ref(), parent.as_ref()].concat());
				(mixed.into(), parent_block)
			}
			(None, _) => (epoch, at),
		}
	}
}

/// Proofs are due half a round after it opens, until governance changes the deadline.
pub struct AuditDefaultDeadline;
impl Get<BlockNumber> for AuditDefaultDeadline {
	fn get() -> BlockNumber {
		(AuditRoundLength::get() / 2).max(1)
	}
}

parameter_types! {
	/// The proof library's default parameters (8 MiB fillers and fragments = `FRAGMENT_SIZE`).
	pub AuditProofParams: cess_storage_proof::Params = cess_storage_proof::Params::default();
}

impl pallet_audit::Config for Runtime {
	type Balance = Balance;
	type Miners = StorageMiner;
	type Fragments = FileBank;
	type Randomness = AuditRandomness;
	type RoundLength = AuditRoundLength;
	type RoundsPerCycle = ConstU32<4>;
	type DefaultDeadline = AuditDefaultDeadline;
	type DeadlineReserve = AuditDeadlineReserve;
	// W = 100 blocks (10 min) in production: challenge blocks spread over the first 1 701
	// blocks of a 1 800-block deadline. Capped at the deadline, so on the fast timings (dev,
	// deadline 10) W = 10 and every miner is challenged at the round's first block.
	type ChallengeWindow = ConstU32<100>;
	type ProofParams = AuditProofParams;
	type CollateralPerTiB = ConstU128<{ 2_000 * CESS }>;
	// = storage-miner MaxMiners.
	type MaxMiners = ConstU32<10_000>;
	// A dev era is 20 blocks: 20 × 500 = 10 000 = MaxMiners, so every miss of a round is
	// settled within the round.
	type SettlePerBlock = ConstU32<500>;
	type EnrolPerBlock = ConstU32<500>;
	// Deferred fragment removals: 8 per proof (≈ 3.4 ms of declared weight, refunded when
	// fewer are due); the sweep applies at most 64 per block at settled misses.
	type RemovalsPerCheckpoint = ConstU32<8>;
	type RemovalsPerBlock = ConstU32<64>;
	// Finished cycles kept for the reward orders.
	type PowerHistory = ConstU32<90>;
	// Repair (issue 15): N = 3 consecutive rounds whose service part failed or was missed
	// (18 h in production, 60 blocks on dev), or M = 4 rounds Frozen (one cycle: 24 h, dev 80
	// blocks), and the file market moves the miner's replicas to other miners.
	type RepairAfterFailures = ConstU32<3>;
	type RepairAfterFrozenRounds = ConstU32<4>;
	type WeightInfo = pallet_audit::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = AuditBenchmarkHelper;
	type Sectors = StorageMiner;
	type AdminOrigin = crate::governance::StorageAdminOrigin;
	// One round to answer a seal audit (the design's "within 1 round").
	type SealAuditWindow = AuditRoundLength;
	// Queued sector changes: 4 per proof checkpoint (≈ 1.7 ms on every `submit_proof`,
	// hand-derived), 64 per block in the sweep; a miner applies a whole batch at once with
	// `apply_removals(limit)` (paid) or at a passed seal audit.
	type SectorChangesPerCheckpoint = ConstU32<4>;
	type SectorChangesPerBlock = ConstU32<64>;
}

/// Benchmarks only: sets up the `submit_proof` benchmark's miner with the fixture's filler
/// commitment and fragments (see docs/challenges.md, "Weights").
#[cfg(feature = "runtime-benchmarks")]
pub struct AuditBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_audit::BenchmarkHelper<AccountId> for AuditBenchmarkHelper {
	fn setup_miner(
		who: &AccountId,
		filler_commitment: cess_storage_proof::Hash,
		filler_count: u64,
		fragment_count: u64,
		fragment_roots: alloc::vec::Vec<(u64, cess_storage_proof::Hash)>,
	) -> Result<(), &'static str> {
		use pallet_storage_miner::MinerMutate;
		let tib = filler_count.saturating_mul(FRAGMENT_SIZE).div_ceil(1 << 40).max(1);
		let tib = u32::try_from(tib).map_err(|_| "declared space")?;
		<StorageMiner as MinerMutate<AccountId>>::benchmark_positive_miner(who, tib)
			.map_err(|_| "register")?;
		StorageMiner::commit_idle(
			crate::RuntimeOrigin::signed(who.clone()),
			filler_commitment,
			filler_count,
		)
		.map_err(|_| "commit_idle")?;
		let count = u32::try_from(fragment_count).map_err(|_| "fragment count")?;
		pallet_file_bank::MinerFragmentCount::<Runtime>::insert(who, count);
		for (index, root) in fragment_roots {
			let index = u32::try_from(index).map_err(|_| "fragment index")?;
			let fragment = pallet_file_bank::FragmentRef {
				file: Default::default(),
				fragment: index,
				replica: 0,
				root,
				// A full fragment: the benchmark still reads the length for every challenge.
				data_len: FRAGMENT_SIZE as u32,
			};
			pallet_file_bank::MinerFragments::<Runtime>::insert(who, index, fragment);
		}
		Ok(())
	}
}

impl pallet_file_bank::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Miners = StorageMiner;
	// Folded into `fileBank.PlacementSeed` every block: epoch randomness mixed with the parent
	// block's VRF output, so placements and reassignments are drawn from outputs that did not
	// exist when the declaration was included (not `RandomnessFromOneEpochAgo`, which is
	// known for a whole epoch and let an uploader grind its file hash).
	type Randomness = AuditRandomness;
	// Only miners on the audit's roster take or confirm fragments (the unaudited-holder gap).
	type Audited = pallet_audit::Enrolled<Runtime>;
	// Placed 5 blocks (30 s) after inclusion in block b, from a seed folding in the VRF
	// outputs of blocks b + 1 … b + 4; the same on dev and production (same wasm).
	type PlacementDelay = ConstU32<5>;
	// 32 replica placements per block, a segment at a time (a segment of up to 8 × 3 = 24 slots
	// always fits), a budget of its own beside the 32 deadline and 32 task steps.
	type MaxPlacementWork = ConstU32<32>;
	// At most 36 864 replicas waiting (one largest file at redundancy 3, or three at 4 + 2):
	// a flood delays a placement by at most 36 864 / 32 = 1 152 blocks (≈ 2 h); beyond,
	// `declare_file` fails with `PlacementQueueFull`.
	type MaxPlacementBacklog = ConstU32<36_864>;
	type RewardPool = StorageRewardPool;
	type AdminOrigin = crate::governance::StorageAdminOrigin;
	// 0.01 CESS per GiB per day until governance sets a price.
	type DefaultPricePerGibDay = ConstU128<CENTS>;
	type FragmentSize = ConstU64<FRAGMENT_SIZE>;
	type BlocksPerDay = pallet_timings::BlockDayOf<Runtime>;
	// Ten minutes to confirm an assigned fragment before it goes to another miner.
	type AssignmentTimeout = ConstU32<100>;
	// 12 288 fragments per file: 2 048 segments of 4 + 2 = 64 GiB of user data at the
	// client's default coding (96 GiB plain at redundancy 1); the declaration carries
	// 12 288 × 32 B = 384 KiB of roots and weighs ≈ 0.63 s (weights.rs), placement spans
	// 12 288 / 30 ≈ 410 blocks (5 segments of 6 per block).
	type MaxFragmentsPerFile = ConstU32<12_288>;
	// Up to 8 fragments per segment (4 + 2 default, up to 6 + 2 or 4 + 4): 8 × 3 = 24
	// distinct miners at most per segment.
	type MaxSegmentWidth = ConstU32<8>;
	type MaxRedundancy = ConstU32<3>;
	// 8 TiB of service space per miner.
	type MaxFragmentsPerMiner = ConstU32<1_048_576>;
	type MaxFilesPerUser = ConstU32<1_000>;
	type MaxExpiriesPerBlock = ConstU32<64>;
	type MaxSelectionAttempts = ConstU32<8>;
	type MaxHookWork = ConstU32<32>;
	// An unconfirmed replica is reassigned 3 times (4 deadlines, 400 blocks ≈ 40 min), then
	// lost.
	type MaxReassignments = frame_support::traits::ConstU8<3>;
	// 1 CESS per declared file, back when the file is stored, forfeited to the storage
	// reward pool when a replica is lost or the file is deleted before it is stored.
	type DeclarationDeposit = ConstU128<CESS>;
	// A replica moving off a leaving or repaired miner is offered to up to 24 new holders of
	// 100 blocks each (2 400 blocks = 4 h, a third of the production exit cooldown) before the
	// move ends unconfirmed: lost with a lease refund if the old holder is leaving, kept on it
	// otherwise (docs/storage-miners.md §4).
	type MaxMigrationAttempts = frame_support::traits::ConstU8<24>;
	// Repair moves: 32 per block, a budget of their own (1 TiB of 8 MiB fragments: 4 097
	// blocks).
	type MaxRepairWork = ConstU32<32>;
	type WeightInfo = pallet_file_bank::weights::SubstrateWeight<Runtime>;
}
