//! Weights for `pallet_file_bank` (placeholder; replaced by measured values).

#![allow(unused_parens, unused_imports)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet_file_bank`.
pub trait WeightInfo {
    /// `set_price`.
    fn set_price() -> Weight;
    /// `buy_space`.
    fn buy_space() -> Weight;
    /// `expand_space`.
    fn expand_space() -> Weight;
    /// `renew_space`.
    fn renew_space() -> Weight;
    /// `declare_file` with `f` fragments of `r` replicas, probing up to `p` miners each.
    fn declare_file(f: u32, r: u32, p: u32) -> Weight;
    /// `confirm_fragment`.
    fn confirm_fragment() -> Weight;
    /// `delete_file`.
    fn delete_file() -> Weight;
    /// `on_initialize` ending `e` leases (plus the hook's fixed reads).
    fn on_initialize_expiries(e: u32) -> Weight;
    /// `on_initialize` running `n` background steps (worst step: a reassignment probing
    /// `MaxSelectionAttempts` miners).
    fn on_initialize_steps(n: u32, p: u32) -> Weight;
}

/// Weights for the CESS runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn set_price() -> Weight {
        Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(1))
    }
    fn buy_space() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
    }
    fn expand_space() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
    }
    fn renew_space() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
    }
    fn declare_file(f: u32, r: u32, _p: u32) -> Weight {
        Weight::from_parts(50_000_000, 8_000)
            .saturating_add(Weight::from_parts(50_000_000, 8_000).saturating_mul(u64::from(f) * u64::from(r)))
    }
    fn confirm_fragment() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
    }
    fn delete_file() -> Weight {
        Weight::from_parts(50_000_000, 8_000)
    }
    fn on_initialize_expiries(e: u32) -> Weight {
        Weight::from_parts(5_000_000, 8_000)
            .saturating_add(Weight::from_parts(50_000_000, 8_000).saturating_mul(e.into()))
    }
    fn on_initialize_steps(n: u32, _p: u32) -> Weight {
        Weight::from_parts(50_000_000, 8_000).saturating_mul(n.into())
    }
}

/// No weights, for tests.
impl WeightInfo for () {
    fn set_price() -> Weight {
        Weight::zero()
    }
    fn buy_space() -> Weight {
        Weight::zero()
    }
    fn expand_space() -> Weight {
        Weight::zero()
    }
    fn renew_space() -> Weight {
        Weight::zero()
    }
    fn declare_file(_f: u32, _r: u32, _p: u32) -> Weight {
        Weight::zero()
    }
    fn confirm_fragment() -> Weight {
        Weight::zero()
    }
    fn delete_file() -> Weight {
        Weight::zero()
    }
    fn on_initialize_expiries(_e: u32) -> Weight {
        Weight::zero()
    }
    fn on_initialize_steps(_n: u32, _p: u32) -> Weight {
        Weight::zero()
    }
}
