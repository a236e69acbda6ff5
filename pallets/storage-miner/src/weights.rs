//! Weights for `pallet_storage_miner` (placeholder; replaced by measured values).

#![allow(unused_parens, unused_imports)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet_storage_miner`.
pub trait WeightInfo {
    /// `register`.
    fn register() -> Weight;
    /// `increase_collateral`.
    fn increase_collateral() -> Weight;
    /// `change_declared_space`.
    fn change_declared_space() -> Weight;
    /// `update_endpoint`.
    fn update_endpoint() -> Weight;
    /// `update_beneficiary`.
    fn update_beneficiary() -> Weight;
    /// `commit_idle`.
    fn commit_idle() -> Weight;
    /// `prepare_exit`.
    fn prepare_exit() -> Weight;
    /// `withdraw`.
    fn withdraw() -> Weight;
}

/// Weights for the CESS runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn register() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
            .saturating_add(T::DbWeight::get().reads(6))
            .saturating_add(T::DbWeight::get().writes(4))
    }
    fn increase_collateral() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
            .saturating_add(T::DbWeight::get().reads(6))
            .saturating_add(T::DbWeight::get().writes(6))
    }
    fn change_declared_space() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
            .saturating_add(T::DbWeight::get().reads(4))
            .saturating_add(T::DbWeight::get().writes(4))
    }
    fn update_endpoint() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
            .saturating_add(T::DbWeight::get().reads(1))
            .saturating_add(T::DbWeight::get().writes(1))
    }
    fn update_beneficiary() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
            .saturating_add(T::DbWeight::get().reads(1))
            .saturating_add(T::DbWeight::get().writes(1))
    }
    fn commit_idle() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
            .saturating_add(T::DbWeight::get().reads(2))
            .saturating_add(T::DbWeight::get().writes(3))
    }
    fn prepare_exit() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
            .saturating_add(T::DbWeight::get().reads(5))
            .saturating_add(T::DbWeight::get().writes(5))
    }
    fn withdraw() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
            .saturating_add(T::DbWeight::get().reads(4))
            .saturating_add(T::DbWeight::get().writes(4))
    }
}

/// No weights, for tests.
impl WeightInfo for () {
    fn register() -> Weight {
        Weight::zero()
    }
    fn increase_collateral() -> Weight {
        Weight::zero()
    }
    fn change_declared_space() -> Weight {
        Weight::zero()
    }
    fn update_endpoint() -> Weight {
        Weight::zero()
    }
    fn update_beneficiary() -> Weight {
        Weight::zero()
    }
    fn commit_idle() -> Weight {
        Weight::zero()
    }
    fn prepare_exit() -> Weight {
        Weight::zero()
    }
    fn withdraw() -> Weight {
        Weight::zero()
    }
}
