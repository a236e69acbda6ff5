//! Genesis presets: `development` (dev chain) and `local_testnet` (three local validators),
//! both with the well-known development keys and fast timings. A production-shaped chain
//! (`staging`) has no preset: it is built from an operator file by
//! [`crate::operator_genesis`], which refuses development keys.
//!
//! The presets differ in who validates; their **timings** the same wasm reads from storage
//! (see `pallet-timings`). Dev and local chains use fast timings so a whole 4-era challenge
//! cycle fits in 8 minutes: 10-block epochs, 2-session eras, 10-block days. No chain has
//! sudo: privileged calls are referenda (docs/governance.md), whose periods the 10-block day
//! shortens on these chains.
//!
//! Genesis allocation (well under the 10 B CESS cap, which also has to hold the whole
//! issuance schedule): each endowed development account gets [`ENDOWMENT`], each validator
//! stash bonds [`VALIDATOR_BOND`], and the treasury starts with [`TREASURY_ENDOWMENT`] so it
//! always exists to receive fees and slashes.

use crate::{
	currency::CESS, AccountId, Balance, BalancesConfig, RuntimeGenesisConfig, SessionConfig,
	SessionKeys, StakerStatus, StakingConfig, TimingsConfig, Treasury, BABE_GENESIS_EPOCH_CONFIG,
};
use alloc::{vec, vec::Vec};
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Free balance of every endowed development account.
pub const ENDOWMENT: Balance = 1_000_000 * CESS;
/// Bond of every genesis validator.
pub const VALIDATOR_BOND: Balance = 100_000 * CESS;
/// Minimum validator bond (MSA): the base of offence slashes.
pub const MIN_VALIDATOR_BOND: Balance = 10_000 * CESS;
/// Validators the election aims for: more than the genesis set, so new validators can join
/// without displacing one.
pub const DESIRED_VALIDATORS: u32 = 100;
/// Initial treasury balance.
pub const TREASURY_ENDOWMENT: Balance = 1_000 * CESS;

/// Epoch, era and block-day lengths written at genesis.
#[derive(Clone, Copy)]
pub struct Timings {
	/// Slots per epoch (= session).
	pub epoch_duration: u64,
	/// Sessions per era.
	pub sessions_per_era: u32,
	/// Blocks per block day.
	pub block_day: u32,
	/// Eras a validator slash waits before it is applied.
	pub slash_defer_duration: u32,
}

/// Dev/local timings: 10-block epochs, 2-session eras (2 minutes), 10-block days, slashes
/// applied at once.
pub const FAST_TIMINGS: Timings =
	Timings { epoch_duration: 10, sessions_per_era: 2, block_day: 10, slash_defer_duration: 0 };
/// Production timings (SPEC §3): 1-hour epochs, 6-hour eras, 14 400-block days, slashes
/// deferred 27 eras.
pub const PRODUCTION_TIMINGS: Timings = Timings {
	epoch_duration: 600,
	sessions_per_era: 6,
	block_day: 14_400,
	slash_defer_duration: 27,
};

/// A development validator: the same seed (`//Alice`, ...) in both key schemes, as
/// `cess-node --alice` puts into its keystore.
#[derive(Clone, Copy)]
pub struct DevValidator {
	/// sr25519 account, stash, BABE, im-online and authority-discovery key.
	pub sr: Sr25519Keyring,
	/// ed25519 GRANDPA key.
	pub ed: Ed25519Keyring,
}

/// Alice, Bob and Charlie as development validators.
pub const ALICE: DevValidator =
	DevValidator { sr: Sr25519Keyring::Alice, ed: Ed25519Keyring::Alice };
/// See [`ALICE`].
pub const BOB: DevValidator = DevValidator { sr: Sr25519Keyring::Bob, ed: Ed25519Keyring::Bob };
/// See [`ALICE`].
pub const CHARLIE: DevValidator =
	DevValidator { sr: Sr25519Keyring::Charlie, ed: Ed25519Keyring::Charlie };

/// Session keys of a development validator.
pub fn dev_session_keys(v: DevValidator) -> SessionKeys {
	SessionKeys {
		babe: v.sr.public().into(),
		grandpa: v.ed.public().into(),
		im_online: v.sr.public().into(),
		authority_discovery: v.sr.public().into(),
	}
}

/// Builds a genesis config patch.
fn genesis(
	validators: Vec<DevValidator>,
	endowed: Vec<AccountId>,
	timings: Timings,
) -> serde_json::Value {
	let mut balances: Vec<(AccountId, Balance)> =
		endowed.iter().cloned().map(|a| (a, ENDOWMENT)).collect();
	balances.push((Treasury::account_id(), TREASURY_ENDOWMENT));

	let stakers = validators
		.iter()
		.map(|v| {
			let stash = v.sr.to_account_id();
			(stash.clone(), stash, VALIDATOR_BOND, StakerStatus::<AccountId>::Validator)
		})
		.collect::<Vec<_>>();
	let keys = validators
		.iter()
		.map(|v| (v.sr.to_account_id(), v.sr.to_account_id(), dev_session_keys(*v)))
		.collect::<Vec<_>>();

	let config = RuntimeGenesisConfig {
		timings: TimingsConfig {
			epoch_duration: Some(timings.epoch_duration),
			sessions_per_era: Some(timings.sessions_per_era),
			block_day: Some(timings.block_day),
			slash_defer_duration: Some(timings.slash_defer_duration),
			..Default::default()
		},
		balances: BalancesConfig { balances, ..Default::default() },
		babe: crate::BabeConfig { epoch_config: BABE_GENESIS_EPOCH_CONFIG, ..Default::default() },
		session: SessionConfig { keys, ..Default::default() },
		staking: StakingConfig {
			// Room for validators that join later; the election picks at most this many.
			validator_count: DESIRED_VALIDATORS,
			minimum_validator_count: 1,
			stakers,
			min_validator_bond: MIN_VALIDATOR_BOND,
			slash_reward_fraction: sp_runtime::Perbill::from_percent(10),
			..Default::default()
		},
		..Default::default()
	};
	serde_json::to_value(config).unwrap_or_default()
}

/// The well-known development accounts, all endowed on dev and local chains.
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter().map(|k| k.to_account_id()).collect()
}

/// Returns the JSON patch of the preset `id`, if it exists.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		DEV_RUNTIME_PRESET => genesis(vec![ALICE], dev_accounts(), FAST_TIMINGS),
		LOCAL_TESTNET_RUNTIME_PRESET => {
			genesis(vec![ALICE, BOB, CHARLIE], dev_accounts(), FAST_TIMINGS)
		}
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(|s| s.into_bytes())
}

/// Names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![PresetId::from(DEV_RUNTIME_PRESET), PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET)]
}
