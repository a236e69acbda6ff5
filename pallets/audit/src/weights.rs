//! Weights of `pallet-audit`.
//!
//! Every figure comes from this crate's benchmarks (`benchmarking.rs`), timed natively by its
//! `measure_weights` harness (median of 101 runs, three runs, 2-core AMD EPYC, mock runtime):
//!
//! ```text
//! SKIP_WASM_BUILD=1 cargo test --release -p pallet-audit --features runtime-benchmarks \
//!   -- --ignored --nocapture measure_weights
//! ```
//!
//! | step | native median (3 runs) | `ref_time` |
//! |---|---|---|
//! | `submit_proof` (real default-`Params` proof, 27-deep filler set, + a `SlashLimit` miss) | 238.7 / 249.2 / 240.7 µs | 500 µs |
//! | `set_deadline` | 2.55 / 2.64 / 2.51 µs | 6 µs |
//! | `on_initialize_base` (worst: round settles, cycle closes, pruning scheduled and finished) | 6.21 / 6.30 / 6.05 µs | 13 µs |
//! | `open_round` | 1.63 / 1.65 / 1.58 µs | 3.5 µs |
//! | `settle_miner` (miss + `SlashLimit` slash + ban + retire) | 25.5 / 26.3 / 25.1 µs | 60 µs |
//! | `enrol_miner` (a new candidate enrolled) | 4.07 / 4.22 / 4.03 µs | 9 µs |
//! | `prune_entry` (the last record of a cycle: finishes the pruning) | 2.54 / 2.62 / 2.49 µs | 5.5 µs |
//!
//! `ref_time` is at least twice the highest native median, to cover wasm (the proof
//! library's blake2 runs compiled into the runtime, not as a host function). Storage reads and
//! writes are counted from the code (distinct keys, worst path) and priced by `T::DbWeight`;
//! the native figures exclude them (in-memory overlay). `proof_size` is counted, not measured.
//!
//! Reads and writes counted:
//! - `submit_proof`: reads `CurrentRound`, `ProofDeadline`, `Audits`, the miner's record, the
//!   fragment count and up to 8 fragment roots (`challenged_fragments`), `MinerPower`,
//!   `CyclePower`, and in the punishment of an unswept miss the hold, both accounts, the
//!   candidate count, the last candidate and its record = 21; writes the punishment's 8
//!   (record, hold, 2 accounts, candidate count, 2 candidate slots, moved record),
//!   `MinerPower`, `CyclePower`, `Audits` = 11.
//! - `on_initialize_base`: reads `CurrentRound`, `ActiveSweep`, `LastSettledRound`,
//!   `ProofDeadline`, `RosterLen`, `CyclePower`, `PruningCycle`, the candidate count and the
//!   `MinerPower` prefix = 9; writes `ActiveSweep`, `LastSettledRound`, `FinishedCycle`,
//!   `PruningCycle` (twice), `CyclePower` = 6.
//! - `open_round`: the randomness (2) and `ProofDeadline`; writes `CurrentRound`.
//! - `enrol_miner`: candidate count, candidate, `EnrolCursor`, `RosterLen`, `Audits`,
//!   `CurrentRound`, the miner's record, its fragment count = 8; writes `Audits`, `Roster`,
//!   `RosterLen`, `EnrolCursor` = 4.
//! - `prune_entry`: `PruningCycle` and the record; removes the record, `CyclePower`,
//!   `PruningCycle` = 3.

use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions of this pallet's calls and hook steps.
pub trait WeightInfo {
	/// `submit_proof` at the largest proof the parameters allow.
	fn submit_proof() -> Weight;
	/// `set_deadline`.
	fn set_deadline() -> Weight;
	/// The hook's fixed part, worst case (a round of an empty roster settles, closing a cycle
	/// and scheduling and finishing the pruning of an empty one).
	fn on_initialize_base() -> Weight;
	/// Opening a round.
	fn open_round() -> Weight;
	/// Settling one roster entry, worst case (a miss slashed and the ban).
	fn settle_miner() -> Weight;
	/// Looking at one candidate and enrolling it.
	fn enrol_miner() -> Weight;
	/// Removing one power record of a pruned cycle.
	fn prune_entry() -> Weight;
	/// `submit_seal_audit` whose verification makes at most `hashes` hash calls, worst case
	/// (fraud: all collateral slashed and the ban), sector changes not included.
	fn submit_seal_audit(hashes: u64) -> Weight;
	/// The seal-audit part of one sweep visit, worst case (a third miss: fraud).
	fn seal_audit_step() -> Weight;
}

/// Hand-derived: one host blake2 call on ≤ 500 bytes costs 0.2–0.5 µs natively; charged
/// 1 µs (2 × the worst case), in picoseconds. The same figure as the storage-miner's
/// `prove_commit_sectors`.
pub const SEAL_HASH_PS: u64 = 1_000_000;

/// Weights for a runtime using ParityDb/RocksDb-class storage.
pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Includes the storage-miner's `note_power` (issue 15: 15 µs, 10 reads, 9 writes, with
	/// its `RewardTotals` counter) and a repair request to the file market (issue 15: counted
	/// by hand, not benchmarked: 6 reads, 3 writes, 4 µs).
	fn submit_proof() -> Weight {
		Weight::from_parts(519_000_000, 124_000)
			.saturating_add(T::DbWeight::get().reads_writes(21 + 10 + 6, 11 + 9 + 3))
	}
	fn set_deadline() -> Weight {
		Weight::from_parts(6_000_000, 1_500).saturating_add(T::DbWeight::get().writes(1))
	}
	fn on_initialize_base() -> Weight {
		Weight::from_parts(13_000_000, 5_000).saturating_add(T::DbWeight::get().reads_writes(9, 6))
	}
	fn open_round() -> Weight {
		Weight::from_parts(3_500_000, 2_000).saturating_add(T::DbWeight::get().reads_writes(3, 1))
	}
	/// Plus (issue 15, counted by hand, not benchmarked) the frozen check (1 read) and a repair
	/// request to the file market (6 reads, 3 writes, 4 µs).
	fn settle_miner() -> Weight {
		Weight::from_parts(64_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(14 + 7, 12 + 3))
	}
	fn enrol_miner() -> Weight {
		Weight::from_parts(9_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(8, 4))
	}
	fn prune_entry() -> Weight {
		Weight::from_parts(5_500_000, 1_000).saturating_add(T::DbWeight::get().reads_writes(2, 3))
	}
	/// Hand-derived (not benchmarked in wasm): `SealAudits`, the sector record, `CurrentRound`
	/// read; on fraud the punishment and the ban as in `settle_miner` (14 reads, 12 writes,
	/// 60 µs); plus [`SEAL_HASH_PS`] per hash call of the verifier.
	fn submit_seal_audit(hashes: u64) -> Weight {
		Weight::from_parts(80_000_000, 12_000)
			.saturating_add(Weight::from_parts(SEAL_HASH_PS.saturating_mul(hashes), 0))
			.saturating_add(T::DbWeight::get().reads_writes(3 + 14, 1 + 12))
	}
	/// Hand-derived: `SealAudits`, `BlockSeeds`, `ActiveSectorCount`, `ActiveSectors` read,
	/// `SealAudits` written, two hashes; worst case a third miss, i.e. fraud (the punishment
	/// and the ban of `settle_miner`).
	fn seal_audit_step() -> Weight {
		Weight::from_parts(70_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(4 + 14, 1 + 12))
	}
}

/// For tests.
impl WeightInfo for () {
	fn submit_proof() -> Weight {
		Weight::from_parts(500_000_000, 120_000)
			.saturating_add(RocksDbWeight::get().reads_writes(21, 11))
	}
	fn set_deadline() -> Weight {
		Weight::from_parts(6_000_000, 1_500).saturating_add(RocksDbWeight::get().writes(1))
	}
	fn on_initialize_base() -> Weight {
		Weight::from_parts(13_000_000, 5_000)
			.saturating_add(RocksDbWeight::get().reads_writes(9, 6))
	}
	fn open_round() -> Weight {
		Weight::from_parts(3_500_000, 2_000).saturating_add(RocksDbWeight::get().reads_writes(3, 1))
	}
	fn settle_miner() -> Weight {
		Weight::from_parts(60_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(14, 12))
	}
	fn enrol_miner() -> Weight {
		Weight::from_parts(9_000_000, 4_000).saturating_add(RocksDbWeight::get().reads_writes(8, 4))
	}
	fn prune_entry() -> Weight {
		Weight::from_parts(5_500_000, 1_000).saturating_add(RocksDbWeight::get().reads_writes(2, 3))
	}
	fn submit_seal_audit(hashes: u64) -> Weight {
		Weight::from_parts(80_000_000, 12_000)
			.saturating_add(Weight::from_parts(SEAL_HASH_PS.saturating_mul(hashes), 0))
			.saturating_add(RocksDbWeight::get().reads_writes(17, 13))
	}
	fn seal_audit_step() -> Weight {
		Weight::from_parts(70_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(18, 13))
	}
}
