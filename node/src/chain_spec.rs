//! Chain specifications: `dev`, `local`, `staging`, built from the runtime's genesis presets.

use cess_runtime::{
	currency::{DECIMALS, SS58_PREFIX, TOKEN_SYMBOL},
	genesis_config_presets::STAGING_RUNTIME_PRESET,
	WASM_BINARY,
};
use sc_service::ChainType;
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};

/// A chain spec of this runtime; no client extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol, decimals and address format that wallets read from `system_properties`.
fn properties() -> sc_chain_spec::Properties {
	let mut p = sc_chain_spec::Properties::new();
	p.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	p.insert("tokenDecimals".into(), DECIMALS.into());
	p.insert("ss58Format".into(), SS58_PREFIX.into());
	p
}

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"The runtime wasm is not available: this binary was built with SKIP_WASM_BUILD".to_string()
	})
}

fn spec(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
	protocol: &str,
) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_protocol_id(protocol)
		.with_properties(properties())
		.build())
}

/// Single-validator development chain (Alice), fast timings.
pub fn development() -> Result<ChainSpec, String> {
	spec("CESS Development", "cess_dev", ChainType::Development, DEV_RUNTIME_PRESET, "cess-dev")
}

/// Local testnet: Alice, Bob and Charlie validate, fast timings.
pub fn local_testnet() -> Result<ChainSpec, String> {
	spec(
		"CESS Local Testnet",
		"cess_local",
		ChainType::Local,
		LOCAL_TESTNET_RUNTIME_PRESET,
		"cess-local",
	)
}

/// Staging chain: production timings (1 h epochs, 6 h eras), development keys.
pub fn staging() -> Result<ChainSpec, String> {
	spec("CESS Staging", "cess_staging", ChainType::Live, STAGING_RUNTIME_PRESET, "cess-staging")
}
