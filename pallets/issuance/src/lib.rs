//! # Issuance pallet
//!
//! Mints each staking era's issuance and divides it (SPEC §3):
//!
//! `era issuance = BaseEraIssuance × 0.5^floor(era / HalvingPeriod)`
//! (324 688 CESS, halving every 5 844 eras ≈ 4 years of 6-hour eras),
//!
//! split by a governance-set [`IssuanceSplit`] (default 30 / 60 / 10 %) between
//!
//! - **validators and nominators**: returned to pallet-staking as the era payout (this pallet
//!   is the runtime's `EraPayout`), minted when `staking.payoutStakers` is called;
//! - the **storage-miner reward pool** and the **CD²N reward pool**: accounts derived from
//!   pallet ids, minted at the end of the era (this pallet is staking's `RewardRemainder`).
//!   The storage and CD²N pallets pay their rewards out of these accounts.
//!
//! **Cap.** Total issuance never exceeds `IssuanceCap` (10 000 000 000 CESS): an era never
//! issues more than the room left under the cap. The genesis allocation plus the whole
//! schedule fits under the cap (see `docs/economics.md` and this crate's tests), so the
//! clamp is a safety net that never triggers on a correctly configured chain.
//!
//! **Nothing is lost.** Rounding remainders of the split go to the CD²N pool; a pool credit
//! that cannot be deposited goes to the treasury. Validator rewards that are never claimed
//! within `HistoryDepth` eras are never minted.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use schedule::{era_issuance, total_scheduled, EraShares, IssuanceSplit};
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
mod schedule;
#[cfg(test)]
mod tests;
pub mod weights;

use frame_support::traits::{
	fungible::{Balanced, Credit, Inspect, Mutate},
	Get, Imbalance, OnUnbalanced,
};
use sp_runtime::traits::AccountIdConversion;

/// The two pool shares of a closed era, kept from `era_payout` until staking hands the pools'
/// credit over. The era is kept so a leftover record (a credit that never came) is
/// recognisable in `try_state` and in state dumps.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	codec::Encode,
	codec::Decode,
	codec::DecodeWithMemTracking,
	codec::MaxEncodedLen,
	scale_info::TypeInfo,
)]
pub struct PoolShares {
	/// The era these shares were issued for.
	pub era: u32,
	/// The storage-miner reward pool's share.
	pub storage_pool: u128,
	/// The CD²N reward pool's share.
	pub cdn_pool: u128,
}

/// Balance type of the native currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, PalletId};
	use frame_system::pallet_prelude::*;

	/// v1: [`PendingPoolShares`] holds a [`PoolShares`] naming its era (v0: a bare tuple).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency; balances are `u128` base units.
		type Currency: Mutate<Self::AccountId, Balance = u128> + Balanced<Self::AccountId>;

		/// Issuance of an era before any halving.
		#[pallet::constant]
		type BaseEraIssuance: Get<u128>;

		/// Eras between two halvings.
		#[pallet::constant]
		type HalvingPeriod: Get<u32>;

		/// Total issuance never exceeds this.
		#[pallet::constant]
		type IssuanceCap: Get<u128>;

		/// Id of the storage-miner reward pool account.
		#[pallet::constant]
		type StoragePoolId: Get<PalletId>;

		/// Id of the CD²N reward pool account.
		#[pallet::constant]
		type CdnPoolId: Get<PalletId>;

		/// Receives pool credits that cannot be deposited.
		type Treasury: Get<Self::AccountId>;

		/// The era whose payout is being computed (pallet-staking's active era).
		type CurrentEra: Get<Option<u32>>;

		/// Who may change the split (root, or a governance body).
		type SplitOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The current split of each era's issuance.
	#[pallet::storage]
	pub type Split<T> = StorageValue<_, IssuanceSplit, ValueQuery>;

	/// The pool shares computed for the era being closed, consumed when pallet-staking hands
	/// the pools' credit over (same block). Lets the pools receive their exact amounts.
	#[pallet::storage]
	pub type PendingPoolShares<T> = StorageValue<_, PoolShares, OptionQuery>;

	/// Everything this pallet ever deposited into the storage-miner reward pool (the genesis
	/// existential deposit and every era's share that reached it). Read only by the
	/// storage-miner's `try_state` (through `cess_traits::RewardPoolFunding`): the pool plus
	/// what claims paid out must account for it.
	#[pallet::storage]
	pub type StoragePoolFunded<T> = StorageValue<_, u128, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The split of era issuance changed.
		SplitChanged { split: IssuanceSplit },
		/// An era's issuance was computed: `validators` is claimable through
		/// `staking.payoutStakers`, the pool shares are minted now.
		EraIssued { era: u32, issued: u128, validators: u128, storage_pool: u128, cdn_pool: u128 },
		/// A reward pool received its share of an era's issuance.
		PoolFunded { pool: T::AccountId, amount: u128 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The three parts of a split must add up to exactly 100 %.
		SplitNotWhole,
	}

	/// Genesis: the initial split and the pool accounts.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Split to start with; the SPEC default (30/60/10) when `None`.
		pub split: Option<IssuanceSplit>,
		#[serde(skip)]
		pub _phantom: PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let split = self.split.unwrap_or_default();
			assert!(split.is_whole(), "issuance split must add up to 100 %");
			Split::<T>::put(split);
			// The pools hold the existential deposit from the start, so every share — however
			// small — can be deposited.
			let ed = T::Currency::minimum_balance();
			for pool in [Pallet::<T>::storage_pool(), Pallet::<T>::cdn_pool()] {
				if T::Currency::balance(&pool) < ed {
					let minted = T::Currency::mint_into(&pool, ed).unwrap_or(0);
					if pool == Pallet::<T>::storage_pool() {
						StoragePoolFunded::<T>::mutate(|f| *f = f.saturating_add(minted));
					}
				}
			}
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Changes how each era's issuance is divided. The parts must add up to 100 %.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::set_split())]
		pub fn set_split(origin: OriginFor<T>, split: IssuanceSplit) -> DispatchResult {
			T::SplitOrigin::ensure_origin(origin)?;
			ensure!(split.is_whole(), Error::<T>::SplitNotWhole);
			Split::<T>::put(split);
			Self::deposit_event(Event::SplitChanged { split });
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			ensure!(Split::<T>::get().is_whole(), "split does not add up to 100 %");
			ensure!(
				T::Currency::total_issuance() <= T::IssuanceCap::get(),
				"total issuance above the cap"
			);
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The storage-miner reward pool account.
	pub fn storage_pool() -> T::AccountId {
		T::StoragePoolId::get().into_account_truncating()
	}

	/// The CD²N reward pool account.
	pub fn cdn_pool() -> T::AccountId {
		T::CdnPoolId::get().into_account_truncating()
	}

	/// What `era` issues and how it is divided, before the cap: the schedule alone.
	pub fn scheduled_shares(era: u32) -> EraShares {
		let issued = era_issuance(T::BaseEraIssuance::get(), T::HalvingPeriod::get(), era);
		Split::<T>::get().divide(issued)
	}

	/// Computes the era's issuance under the cap, records the pool shares and emits
	/// [`Event::EraIssued`]. Returns (validators, pools).
	fn close_era(era: u32) -> (u128, u128) {
		let scheduled = era_issuance(T::BaseEraIssuance::get(), T::HalvingPeriod::get(), era);
		let room = T::IssuanceCap::get().saturating_sub(T::Currency::total_issuance());
		let issued = scheduled.min(room);
		let shares = Split::<T>::get().divide(issued);
		PendingPoolShares::<T>::put(PoolShares {
			era,
			storage_pool: shares.storage_pool,
			cdn_pool: shares.cdn_pool,
		});
		Self::deposit_event(Event::EraIssued {
			era,
			issued,
			validators: shares.validators,
			storage_pool: shares.storage_pool,
			cdn_pool: shares.cdn_pool,
		});
		(shares.validators, shares.storage_pool.saturating_add(shares.cdn_pool))
	}

	/// Deposits `credit` into `pool`, or into the treasury if the pool cannot take it.
	fn fund(pool: T::AccountId, credit: Credit<T::AccountId, T::Currency>) {
		let amount = credit.peek();
		if amount == 0 {
			return;
		}
		match T::Currency::resolve(&pool, credit) {
			Ok(()) => {
				if pool == Self::storage_pool() {
					StoragePoolFunded::<T>::mutate(|f| *f = f.saturating_add(amount));
				}
				Self::deposit_event(Event::PoolFunded { pool, amount })
			}
			Err(unpaid) => {
				let _ = T::Currency::resolve(&T::Treasury::get(), unpaid);
			}
		}
	}
}

/// The storage-miner's reward-pool accounting (`try_state` only): what issuance put in.
impl<T: Config> cess_traits::RewardPoolFunding<u128> for Pallet<T> {
	fn funded() -> Option<u128> {
		Some(StoragePoolFunded::<T>::get())
	}
}

/// pallet-staking's `EraPayout`: the validators' share of the ending era's issuance, and the
/// pools' share as "the rest" (which staking mints and hands to `RewardRemainder`).
impl<T: Config> sp_staking::EraPayout<u128> for Pallet<T> {
	fn era_payout(
		_total_staked: u128,
		_total_issuance: u128,
		_era_duration_millis: u64,
	) -> (u128, u128) {
		Self::close_era(T::CurrentEra::get().unwrap_or(0))
	}
}

/// pallet-staking's `RewardRemainder`: the pools' credit, divided exactly as recorded by
/// [`Pallet::close_era`] (or pro rata of the split if nothing was recorded).
impl<T: Config> OnUnbalanced<Credit<T::AccountId, T::Currency>> for Pallet<T> {
	fn on_nonzero_unbalanced(credit: Credit<T::AccountId, T::Currency>) {
		let total = credit.peek();
		let storage_amount = match PendingPoolShares::<T>::take() {
			Some(p) if p.storage_pool.saturating_add(p.cdn_pool) == total => p.storage_pool,
			_ => {
				let split = Split::<T>::get();
				let pools = u128::from(split.storage_miners.deconstruct())
					+ u128::from(split.cdn.deconstruct());
				sp_runtime::helpers_128bit::multiply_by_rational_with_rounding(
					total,
					u128::from(split.storage_miners.deconstruct()),
					pools.max(1),
					sp_runtime::Rounding::Down,
				)
				.unwrap_or(0)
			}
		};
		let (storage_credit, cdn_credit) = credit.split(storage_amount);
		Self::fund(Self::storage_pool(), storage_credit);
		Self::fund(Self::cdn_pool(), cdn_credit);
	}
}
