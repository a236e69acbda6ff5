//! Production-shaped chains from an operator file (std only): `cess-node build-spec --chain
//! staging:<file.json>`.
//!
//! A Live chain takes its validators (stash, bond, session keys), endowments, genesis token
//! distribution and boot nodes from the operator, never from the code; there is no preset
//! with keys. The file is refused, with a message naming the problem, if it holds any
//! well-known development key (`//Alice` … `//Ferdie`, their `//stash`, in sr25519 or
//! ed25519), if an allocation exceeds its published share, or if genesis plus every
//! scheduled era issuance would exceed the 10 B CESS cap. Format (amounts in whole CESS,
//! accounts as SS58 of any prefix or 0x-hex; docs/operators/validator.md):
//!
//! ```json
//! {
//!   "name": "CESS Staging", "id": "cess_staging", "protocol_id": "cess-staging",
//!   "boot_nodes": ["/dns/boot-0.example.org/tcp/30333/p2p/12D3KooW…"],
//!   "validators": [{ "stash": "cX…", "bond": 100000,
//!     "session_keys": { "babe": "0x…", "grandpa": "0x…", "im_online": "0x…",
//!                       "authority_discovery": "0x…" } }],
//!   "endowments": [{ "account": "cX…", "balance": 1000 }],
//!   "distribution": [{ "category": "team_advisers", "account": "cX…", "amount": 1250000000 }],
//!   "treasury": 1000
//! }
//! ```

use crate::{
	configs::{BaseEraIssuance, HalvingPeriod},
	currency::{CESS, TOTAL_ISSUANCE_CAP},
	distribution::Category,
	genesis_config_presets::{
		DESIRED_VALIDATORS, MIN_VALIDATOR_BOND, PRODUCTION_TIMINGS, TREASURY_ENDOWMENT,
	},
	AccountId, Balance, BalancesConfig, RuntimeGenesisConfig, SessionConfig, SessionKeys,
	StakerStatus, StakingConfig, TimingsConfig, Treasury, VestingConfig, BABE_GENESIS_EPOCH_CONFIG,
};
use serde::Deserialize;
use sp_core::{crypto::Ss58Codec, ed25519, sr25519};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use std::collections::{BTreeMap, BTreeSet};

/// A validator of the operator file.
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct OperatorValidator {
	/// Stash account (bonds, and controls itself: pallet-staking has no separate controller).
	pub stash: String,
	/// Must equal `stash` if given.
	#[serde(default)]
	pub controller: Option<String>,
	/// Bond in whole CESS (at least the minimum validator bond, 10 000 CESS).
	pub bond: u64,
	/// Session public keys, 0x-hex.
	pub session_keys: OperatorSessionKeys,
}

/// Session public keys of a validator (what `author_rotateKeys` printed, split).
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct OperatorSessionKeys {
	/// sr25519.
	pub babe: String,
	/// ed25519.
	pub grandpa: String,
	/// sr25519.
	pub im_online: String,
	/// sr25519.
	pub authority_discovery: String,
}

/// A plain endowment.
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct OperatorEndowment {
	/// Account.
	pub account: String,
	/// Free balance in whole CESS.
	pub balance: u64,
}

/// An allocation of the published distribution.
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct OperatorAllocation {
	/// One of `influencers`, `team_advisers`, `ecosystem`, `early_backers`, `foundation`,
	/// `liquidity`.
	pub category: String,
	/// Account.
	pub account: String,
	/// Amount in whole CESS; the category's vesting rule applies.
	pub amount: u64,
}

/// The operator file.
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct OperatorFile {
	/// Chain name.
	pub name: String,
	/// Chain id.
	pub id: String,
	/// libp2p protocol id.
	pub protocol_id: String,
	/// Boot nodes: multiaddrs with a peer id.
	#[serde(default)]
	pub boot_nodes: Vec<String>,
	/// Genesis validators.
	pub validators: Vec<OperatorValidator>,
	/// Plain endowments.
	#[serde(default)]
	pub endowments: Vec<OperatorEndowment>,
	/// The token distribution.
	#[serde(default)]
	pub distribution: Vec<OperatorAllocation>,
	/// Initial treasury balance in whole CESS (default 1 000).
	#[serde(default)]
	pub treasury: Option<u64>,
}

/// What a valid operator file becomes.
#[derive(Clone, Debug)]
pub struct OperatorChain {
	/// Chain name.
	pub name: String,
	/// Chain id.
	pub id: String,
	/// libp2p protocol id.
	pub protocol_id: String,
	/// Boot nodes, as written (the node parses them).
	pub boot_nodes: Vec<String>,
	/// The genesis config patch.
	pub genesis: serde_json::Value,
	/// Everything allocated at genesis, in planck.
	pub genesis_total: Balance,
}

/// The well-known development keys, by public key: every `Sr25519Keyring` and
/// `Ed25519Keyring` seed (`//Alice`, `//Alice//stash`, …).
pub fn dev_keys() -> BTreeMap<[u8; 32], String> {
	// `AliceStash` is the seed `//Alice//stash`.
	let seed = |name: String| match name.strip_suffix("Stash") {
		Some(base) => format!("//{base}//stash"),
		None => format!("//{name}"),
	};
	let mut keys = BTreeMap::new();
	for k in Sr25519Keyring::iter() {
		keys.insert(k.public().0, format!("{} (sr25519)", seed(format!("{k}"))));
	}
	for k in Ed25519Keyring::iter() {
		keys.insert(k.public().0, format!("{} (ed25519)", seed(format!("{k}"))));
	}
	keys
}

fn parse_key(what: &str, s: &str) -> Result<[u8; 32], String> {
	let raw = if let Some(hex) = s.strip_prefix("0x") {
		let bytes =
			sp_core::bytes::from_hex(hex).map_err(|e| format!("{what}: bad hex `{s}`: {e:?}"))?;
		<[u8; 32]>::try_from(bytes.as_slice())
			.map_err(|_| format!("{what}: `{s}` is not 32 bytes"))?
	} else {
		let (account, _format) = AccountId::from_ss58check_with_version(s)
			.map_err(|e| format!("{what}: bad SS58 address `{s}`: {e:?}"))?;
		*<AccountId as AsRef<[u8; 32]>>::as_ref(&account)
	};
	if let Some(name) = dev_keys().get(&raw) {
		return Err(format!(
			"{what}: `{s}` is the well-known development key {name}; a Live chain must use the \
			 operator's own keys"
		));
	}
	Ok(raw)
}

fn cess(what: &str, amount: u64) -> Result<Balance, String> {
	if amount == 0 {
		return Err(format!("{what}: amount must be positive"));
	}
	Balance::from(amount)
		.checked_mul(CESS)
		.ok_or_else(|| format!("{what}: amount {amount} CESS overflows"))
}

/// Genesis plus the whole era-issuance schedule must stay at or under the cap: the most
/// genesis may allocate.
pub fn genesis_room() -> Balance {
	let scheduled = pallet_issuance::total_scheduled(BaseEraIssuance::get(), HalvingPeriod::get());
	TOTAL_ISSUANCE_CAP.saturating_sub(scheduled)
}

/// Parses and checks an operator file (JSON text) and builds its genesis.
pub fn build(json: &str) -> Result<OperatorChain, String> {
	let file: OperatorFile =
		serde_json::from_str(json).map_err(|e| format!("operator file: {e}"))?;
	build_from(file)
}

/// See [`build`].
pub fn build_from(file: OperatorFile) -> Result<OperatorChain, String> {
	if file.validators.is_empty() {
		return Err("operator file: `validators` is empty; a chain needs at least one".into());
	}
	for (what, v) in [("name", &file.name), ("id", &file.id), ("protocol_id", &file.protocol_id)] {
		if v.trim().is_empty() {
			return Err(format!("operator file: `{what}` is empty"));
		}
	}
	let mut balances: BTreeMap<AccountId, Balance> = BTreeMap::new();
	let mut add = |who: AccountId, amount: Balance, what: &str| -> Result<(), String> {
		let b = balances.entry(who).or_default();
		*b = b.checked_add(amount).ok_or_else(|| format!("{what}: balance overflows"))?;
		Ok(())
	};

	let mut stakers = Vec::new();
	let mut keys = Vec::new();
	let mut stashes = BTreeSet::new();
	for (i, v) in file.validators.iter().enumerate() {
		let what = format!("validators[{i}]");
		let stash = AccountId::from(parse_key(&format!("{what}.stash"), &v.stash)?);
		if let Some(c) = &v.controller {
			let controller = AccountId::from(parse_key(&format!("{what}.controller"), c)?);
			if controller != stash {
				return Err(format!(
					"{what}.controller: pallet-staking has no separate controller any more; \
					 omit it or set it to the stash"
				));
			}
		}
		if !stashes.insert(stash.clone()) {
			return Err(format!("{what}.stash: `{}` is listed twice", v.stash));
		}
		let bond = cess(&format!("{what}.bond"), v.bond)?;
		if bond < MIN_VALIDATOR_BOND {
			return Err(format!(
				"{what}.bond: {} CESS is below the minimum validator bond of {} CESS",
				v.bond,
				MIN_VALIDATOR_BOND / CESS
			));
		}
		let k = &v.session_keys;
		let session = SessionKeys {
			babe: sr25519::Public::from_raw(parse_key(
				&format!("{what}.session_keys.babe"),
				&k.babe,
			)?)
			.into(),
			grandpa: ed25519::Public::from_raw(parse_key(
				&format!("{what}.session_keys.grandpa"),
				&k.grandpa,
			)?)
			.into(),
			im_online: sr25519::Public::from_raw(parse_key(
				&format!("{what}.session_keys.im_online"),
				&k.im_online,
			)?)
			.into(),
			authority_discovery: sr25519::Public::from_raw(parse_key(
				&format!("{what}.session_keys.authority_discovery"),
				&k.authority_discovery,
			)?)
			.into(),
		};
		// The stash holds its bond plus 1 CESS for fees and the existential deposit.
		add(stash.clone(), bond.saturating_add(CESS), &what)?;
		stakers.push((stash.clone(), stash.clone(), bond, StakerStatus::<AccountId>::Validator));
		keys.push((stash.clone(), stash, session));
	}

	for (i, e) in file.endowments.iter().enumerate() {
		let what = format!("endowments[{i}]");
		let who = AccountId::from(parse_key(&format!("{what}.account"), &e.account)?);
		add(who, cess(&what, e.balance)?, &what)?;
	}

	let mut per_category: BTreeMap<&'static str, Balance> = BTreeMap::new();
	let mut vesting = Vec::new();
	let mut allocated = BTreeSet::new();
	for (i, a) in file.distribution.iter().enumerate() {
		let what = format!("distribution[{i}]");
		let category = Category::from_name(&a.category).ok_or_else(|| {
			format!(
				"{what}.category: unknown category `{}` (one of {})",
				a.category,
				Category::ALL.map(|c| c.name()).join(", ")
			)
		})?;
		let who = AccountId::from(parse_key(&format!("{what}.account"), &a.account)?);
		if !allocated.insert(who.clone()) {
			return Err(format!(
				"{what}.account: `{}` already has an allocation; give each allocation its own \
				 account",
				a.account
			));
		}
		let amount = cess(&what, a.amount)?;
		let total = per_category.entry(category.name()).or_default();
		*total = total.saturating_add(amount);
		if *total > category.published_amount() {
			return Err(format!(
				"{what}: the `{}` allocations add up to {} CESS, above the published {} CESS",
				category.name(),
				*total / CESS,
				category.published_amount() / CESS
			));
		}
		if let Some((begin, length, liquid)) = category.genesis_vesting(amount) {
			vesting.push((who.clone(), begin, length, liquid));
		}
		add(who, amount, &what)?;
	}

	let treasury = match file.treasury {
		Some(t) => cess("treasury", t)?,
		None => TREASURY_ENDOWMENT,
	};
	add(Treasury::account_id(), treasury, "treasury")?;

	let genesis_total = balances
		.values()
		.try_fold(0u128, |acc, b| acc.checked_add(*b))
		.ok_or("operator file: the genesis total overflows")?;
	let room = genesis_room();
	if genesis_total > room {
		return Err(format!(
			"operator file: genesis allocates {} CESS; with the {} CESS the era issuance will \
			 ever add that is above the 10 000 000 000 CESS cap (at most {} CESS at genesis)",
			genesis_total / CESS,
			(TOTAL_ISSUANCE_CAP - room) / CESS,
			room / CESS
		));
	}

	let t = PRODUCTION_TIMINGS;
	let config = RuntimeGenesisConfig {
		timings: TimingsConfig {
			epoch_duration: Some(t.epoch_duration),
			sessions_per_era: Some(t.sessions_per_era),
			block_day: Some(t.block_day),
			slash_defer_duration: Some(t.slash_defer_duration),
			..Default::default()
		},
		balances: BalancesConfig { balances: balances.into_iter().collect(), ..Default::default() },
		babe: crate::BabeConfig { epoch_config: BABE_GENESIS_EPOCH_CONFIG, ..Default::default() },
		session: SessionConfig { keys, ..Default::default() },
		staking: StakingConfig {
			validator_count: DESIRED_VALIDATORS,
			minimum_validator_count: 1,
			stakers,
			min_validator_bond: MIN_VALIDATOR_BOND,
			slash_reward_fraction: sp_runtime::Perbill::from_percent(10),
			..Default::default()
		},
		vesting: VestingConfig { vesting },
		..Default::default()
	};
	let genesis = serde_json::to_value(config).map_err(|e| format!("genesis config: {e}"))?;
	Ok(OperatorChain {
		name: file.name,
		id: file.id,
		protocol_id: file.protocol_id,
		boot_nodes: file.boot_nodes,
		genesis,
		genesis_total,
	})
}

/// The message for `--chain staging` without a file.
pub const NEEDS_FILE: &str = "`--chain staging` needs an operator file: `--chain \
	staging:<file.json>` (validators, session keys, endowments, distribution and boot nodes; \
	see docs/operators/validator.md). There is no staging chain with development keys.";

/// A complete sample operator file with keys derived from non-public seeds
/// (`//cess-sample-…`), the whole published distribution and three validators: what the tests
/// build `staging` from.
pub fn sample_file() -> OperatorFile {
	use sp_core::Pair;
	let sr = |seed: &str| -> String {
		let p = sr25519::Pair::from_string(&format!("//cess-sample-{seed}"), None)
			.unwrap_or_else(|_| unreachable!("a valid derivation path"));
		format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&p.public().0))
	};
	let ed = |seed: &str| -> String {
		let p = ed25519::Pair::from_string(&format!("//cess-sample-{seed}"), None)
			.unwrap_or_else(|_| unreachable!("a valid derivation path"));
		format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&p.public().0))
	};
	let validators = (0..3)
		.map(|i| OperatorValidator {
			stash: sr(&format!("stash-{i}")),
			controller: None,
			bond: 100_000,
			session_keys: OperatorSessionKeys {
				babe: sr(&format!("validator-{i}")),
				grandpa: ed(&format!("validator-{i}")),
				im_online: sr(&format!("validator-{i}")),
				authority_discovery: sr(&format!("validator-{i}")),
			},
		})
		.collect();
	let distribution = Category::ALL
		.iter()
		.map(|c| OperatorAllocation {
			category: c.name().into(),
			account: sr(c.name()),
			amount: u64::try_from(c.published_amount() / CESS).unwrap_or(u64::MAX),
		})
		.collect();
	OperatorFile {
		name: "CESS Staging".into(),
		id: "cess_staging".into(),
		protocol_id: "cess-staging".into(),
		boot_nodes: vec![],
		validators,
		endowments: vec![OperatorEndowment { account: sr("faucet"), balance: 1_000_000 }],
		distribution,
		treasury: None,
	}
}
