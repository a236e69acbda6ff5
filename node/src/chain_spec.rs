//! Chain specifications: `dev` and `local` from the runtime's genesis presets; `staging`
//! (a Live chain) from an operator file (`cess_runtime::operator_genesis`).

use cess_runtime::{
	currency::{DECIMALS, SS58_PREFIX, TOKEN_SYMBOL},
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

/// A Live chain with production timings (1 h epochs, 6 h eras) from the operator file at
/// `path`: its validators, session keys, endowments, distribution and boot nodes. Refused if
/// the file holds a development key or breaks the supply cap.
pub fn staging(path: &str) -> Result<ChainSpec, String> {
	let json = std::fs::read_to_string(path)
		.map_err(|e| format!("cannot read the operator file `{path}`: {e}"))?;
	let chain = cess_runtime::operator_genesis::build(&json)
		.map_err(|e| format!("operator file `{path}`: {e}"))?;
	let boot_nodes = chain
		.boot_nodes
		.iter()
		.map(|s| {
			s.parse::<MultiaddrWithPeerId>()
				.map_err(|e| format!("operator file `{path}`: bad boot node `{s}`: {e}"))
		})
		.collect::<Result<Vec<_>, _>>()?;
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name(&chain.name)
		.with_id(&chain.id)
		.with_chain_type(ChainType::Live)
		.with_genesis_config_patch(chain.genesis)
		.with_protocol_id(&chain.protocol_id)
		.with_properties(properties())
		.with_boot_nodes(boot_nodes)
		.build())
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
