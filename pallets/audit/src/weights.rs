//! Weights of `pallet-audit`.
//!
//! `set_deadline` and `settle_miner` were measured with this crate's benchmarks
//! (`benchmarking.rs`), timed natively by its `measure_weights` harness:
//! `SKIP_WASM_BUILD=1 cargo test --release -p pallet-audit --features runtime-benchmarks
//!  -- --ignored --nocapture measure_weights`
//! → `set_deadline` median 2.7 µs, `settle_miner` (miss + `SlashLimit` slash + ban + retire)
//! median 28.3 µs over 101 runs on a 2-core EPYC. `ref_time` is about twice the native figure
//! to cover wasm; reads and writes are counted from the code.
//!
//! NOT YET BENCHMARKED (estimates, to be replaced): `submit_proof` — 1 ms `ref_time` from the
//! proof library's measured 232 µs native verification of a default-parameter proof
//! (`docs/storage-proofs.md`), raised for 32-deep paths and ×2 for wasm; `on_initialize_base`,
//! `open_round`, `enrol_miner`, `prune_entry` — counted from the code with generous `ref_time`.

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
	/// The hook's fixed part (reading the round, the sweep and the cursors).
	fn on_initialize_base() -> Weight;
	/// Opening a round.
	fn open_round() -> Weight;
	/// Settling one roster entry, worst case (a miss slashed and the ban).
	fn settle_miner() -> Weight;
	/// Looking at one candidate and enrolling it.
	fn enrol_miner() -> Weight;
	/// Removing one power record of a pruned cycle.
	fn prune_entry() -> Weight;
}

/// Weights for a runtime using ParityDb/RocksDb-class storage.
pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn submit_proof() -> Weight {
		Weight::from_parts(1_000_000_000, 120_000)
			.saturating_add(T::DbWeight::get().reads_writes(12, 6))
	}
	fn set_deadline() -> Weight {
		Weight::from_parts(6_000_000, 1_500).saturating_add(T::DbWeight::get().writes(1))
	}
	fn on_initialize_base() -> Weight {
		Weight::from_parts(5_000_000, 3_000).saturating_add(T::DbWeight::get().reads(6))
	}
	fn open_round() -> Weight {
		Weight::from_parts(20_000_000, 2_000).saturating_add(T::DbWeight::get().reads_writes(2, 1))
	}
	fn settle_miner() -> Weight {
		Weight::from_parts(60_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads_writes(14, 12))
	}
	fn enrol_miner() -> Weight {
		Weight::from_parts(20_000_000, 4_000).saturating_add(T::DbWeight::get().reads_writes(6, 3))
	}
	fn prune_entry() -> Weight {
		Weight::from_parts(5_000_000, 100).saturating_add(T::DbWeight::get().writes(1))
	}
}

/// For tests.
impl WeightInfo for () {
	fn submit_proof() -> Weight {
		Weight::from_parts(1_000_000_000, 120_000)
			.saturating_add(RocksDbWeight::get().reads_writes(12, 6))
	}
	fn set_deadline() -> Weight {
		Weight::from_parts(6_000_000, 1_500).saturating_add(RocksDbWeight::get().writes(1))
	}
	fn on_initialize_base() -> Weight {
		Weight::from_parts(5_000_000, 3_000).saturating_add(RocksDbWeight::get().reads(6))
	}
	fn open_round() -> Weight {
		Weight::from_parts(20_000_000, 2_000)
			.saturating_add(RocksDbWeight::get().reads_writes(2, 1))
	}
	fn settle_miner() -> Weight {
		Weight::from_parts(60_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(14, 12))
	}
	fn enrol_miner() -> Weight {
		Weight::from_parts(20_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads_writes(6, 3))
	}
	fn prune_entry() -> Weight {
		Weight::from_parts(5_000_000, 100).saturating_add(RocksDbWeight::get().writes(1))
	}
}
