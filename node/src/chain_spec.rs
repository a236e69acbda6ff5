//! Chain specifications: `dev`, `local`, `staging`, built from the runtime's genesis presets.

use cess_runtime::{
	currency::{DECIMALS, SS58_PREFIX, TOKEN_SYMBOL},
	genesis_config_presets::STAGING_RUNTIME_PRESET,
	WASM_BINARY,
};
use sc_network::config::MultiaddrWithPeerId;
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

/// Environment variable with boot nodes for the non-dev chain specs (comma- or
/// whitespace-separated multiaddrs with a peer id); `--chain-bootnode` adds more.
pub const BOOTNODES_ENV: &str = "CESS_BOOTNODES";

/// Parses a comma- or whitespace-separated list of boot node addresses.
pub fn parse_boot_nodes(list: &str) -> Result<Vec<MultiaddrWithPeerId>, String> {
	list.split(|c: char| c == ',' || c.is_whitespace())
		.filter(|s| !s.is_empty())
		.map(|s| s.parse().map_err(|e| format!("{BOOTNODES_ENV}: bad boot node `{s}`: {e}")))
		.collect()
}

/// Adds `boot_nodes` to `spec`, skipping ones it already lists (so a spec file built with the
/// same addresses does not list them twice).
pub fn add_boot_nodes(spec: &mut dyn sc_service::ChainSpec, boot_nodes: Vec<MultiaddrWithPeerId>) {
	for addr in boot_nodes {
		if !spec.boot_nodes().contains(&addr) {
			spec.add_boot_node(addr);
		}
	}
}
