//! Weights of `pallet-issuance`.
//!
//! `set_split` was measured with this crate's benchmark (`benchmarking.rs`) run natively by
//! the harness in `tests.rs` (`benchmark_report`, see `docs/benchmarks.md`):
//! `SKIP_WASM_BUILD=1 cargo test --release -p pallet-issuance --features runtime-benchmarks
//!  -- --ignored --nocapture benchmark_report`.
//! Reads and writes are counted from the code: `set_split` writes one value.

use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions of this pallet's calls.
pub trait WeightInfo {
	/// `set_split`.
	fn set_split() -> Weight;
}

/// Weights for a runtime using ParityDb/RocksDb-class storage.
pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn set_split() -> Weight {
		// MEASURED_SET_SPLIT
		Weight::from_parts(5_000_000, 1_500).saturating_add(T::DbWeight::get().writes(1))
	}
}

/// For tests.
impl WeightInfo for () {
	fn set_split() -> Weight {
		Weight::from_parts(5_000_000, 1_500).saturating_add(RocksDbWeight::get().writes(1))
	}
}
