//! # Timings pallet
//!
//! Holds the chain timings that differ between a dev chain and production — BABE epoch
//! length, sessions per staking era, the "block day" used by reward release schedules and
//! the slash deferral —
//! and fixes them **at genesis**, from the chain spec.
//!
//! Why a pallet rather than constants: the product requires that the dev chain and a
//! production chain run the *same* wasm (no `fast-runtime` cargo feature). Stock pallets read
//! these values through `Get<_>` associated types; this pallet provides those `Get`s
//! ([`EpochDurationOf`], [`SessionsPerEraOf`], [`BlockDayOf`]) backed by storage written once
//! by the genesis config.
//!
//! There are deliberately **no calls**: BABE's epoch length can never change after genesis
//! (doing so bricks block production), and the other values define reward schedules that
//! already-issued reward orders depend on. Changing them is a runtime upgrade with a
//! migration, not a governance call.
//!
//! The pallet must come before `Babe`, `Session` and `Staking` in `construct_runtime!` so that
//! its genesis values are in storage before those pallets' genesis builds run.

#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[cfg(test)]
mod tests;

/// Production defaults (SPEC §3). A chain spec that sets nothing gets production timings.
pub mod defaults {
	/// One hour of 6 s blocks.
	pub const EPOCH_DURATION: u64 = 600;
	/// Six one-hour sessions: a six-hour era.
	pub const SESSIONS_PER_ERA: u32 = 6;
	/// 24 hours of 6 s blocks.
	pub const BLOCK_DAY: u32 = 14_400;
	/// Slashes wait 27 eras (almost the 28-era bonding period) so governance can cancel one.
	pub const SLASH_DEFER_DURATION: u32 = 27;
}

#[frame_support::pallet]
pub mod pallet {
	use super::defaults;
	use frame_support::pallet_prelude::*;

	/// The storage layout version; a migration that changes the layout bumps it.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// No configuration: the values come from genesis.
	#[pallet::config]
	pub trait Config: frame_system::Config {}

	/// Default for [`EpochDuration`]: production value.
	#[pallet::type_value]
	pub fn DefaultEpochDuration() -> u64 {
		defaults::EPOCH_DURATION
	}

	/// Default for [`SessionsPerEra`]: production value.
	#[pallet::type_value]
	pub fn DefaultSessionsPerEra() -> u32 {
		defaults::SESSIONS_PER_ERA
	}

	/// Default for [`BlockDay`]: production value.
	#[pallet::type_value]
	pub fn DefaultBlockDay() -> u32 {
		defaults::BLOCK_DAY
	}

	/// Length of a BABE epoch (= one session) in slots.
	#[pallet::storage]
	pub type EpochDuration<T> = StorageValue<_, u64, ValueQuery, DefaultEpochDuration>;

	/// Number of sessions in a staking era.
	#[pallet::storage]
	pub type SessionsPerEra<T> = StorageValue<_, u32, ValueQuery, DefaultSessionsPerEra>;

	/// Number of blocks in a "block day", the release step of reward orders.
	#[pallet::storage]
	pub type BlockDay<T> = StorageValue<_, u32, ValueQuery, DefaultBlockDay>;

	/// Default for [`SlashDeferDuration`]: production value.
	#[pallet::type_value]
	pub fn DefaultSlashDeferDuration() -> u32 {
		defaults::SLASH_DEFER_DURATION
	}

	/// Eras between a validator offence and the application of its slash.
	#[pallet::storage]
	pub type SlashDeferDuration<T> = StorageValue<_, u32, ValueQuery, DefaultSlashDeferDuration>;

	/// Timings written at genesis; see the crate docs for why they cannot change later.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Slots per BABE epoch / session. Must be at least 1.
		pub epoch_duration: Option<u64>,
		/// Sessions per staking era. Must be at least 1.
		pub sessions_per_era: Option<u32>,
		/// Blocks per block day. Must be at least 1.
		pub block_day: Option<u32>,
		/// Eras a validator slash is deferred (0 applies it at once, as on dev chains).
		pub slash_defer_duration: Option<u32>,
		#[serde(skip)]
		pub _phantom: PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// Zero would stall epochs/eras forever; a chain spec asking for it is a typo, and
			// genesis is the one place where refusing to start is the right answer.
			if let Some(epoch) = self.epoch_duration {
				assert!(epoch > 0, "timings: epoch_duration must be at least 1");
				EpochDuration::<T>::put(epoch);
			}
			if let Some(sessions) = self.sessions_per_era {
				assert!(sessions > 0, "timings: sessions_per_era must be at least 1");
				SessionsPerEra::<T>::put(sessions);
			}
			if let Some(day) = self.block_day {
				assert!(day > 0, "timings: block_day must be at least 1");
				BlockDay::<T>::put(day);
			}
			if let Some(defer) = self.slash_defer_duration {
				SlashDeferDuration::<T>::put(defer);
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<frame_system::pallet_prelude::BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(
			_n: frame_system::pallet_prelude::BlockNumberFor<T>,
		) -> Result<(), sp_runtime::TryRuntimeError> {
			ensure!(EpochDuration::<T>::get() > 0, "epoch duration is zero");
			ensure!(SessionsPerEra::<T>::get() > 0, "sessions per era is zero");
			ensure!(BlockDay::<T>::get() > 0, "block day is zero");
			Ok(())
		}
	}
}

/// `Get<u64>` for `pallet_babe::Config::EpochDuration`, read from genesis-fixed storage.
pub struct EpochDurationOf<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Get<u64> for EpochDurationOf<T> {
	fn get() -> u64 {
		EpochDuration::<T>::get()
	}
}

/// `Get<u32>` for `pallet_staking::Config::SessionsPerEra`, read from genesis-fixed storage.
pub struct SessionsPerEraOf<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Get<u32> for SessionsPerEraOf<T> {
	fn get() -> u32 {
		SessionsPerEra::<T>::get()
	}
}

/// `Get<u32>` for the block-day length used by reward release schedules.
pub struct BlockDayOf<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Get<u32> for BlockDayOf<T> {
	fn get() -> u32 {
		BlockDay::<T>::get()
	}
}

/// `Get<u32>` for `pallet_staking::Config::SlashDeferDuration`, read from genesis-fixed
/// storage.
pub struct SlashDeferDurationOf<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Get<u32> for SlashDeferDurationOf<T> {
	fn get() -> u32 {
		SlashDeferDuration::<T>::get()
	}
}
