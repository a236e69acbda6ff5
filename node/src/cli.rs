//! Command-line interface: `cess-node [run options]` or one of the subcommands.

/// Subcommands besides running the node.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect, insert keys into the keystore.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (`--raw` for the storage form).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export a chain specification without starting a node.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// The storage-miner agent (`run`) and the file owner's helper (`fragment-roots`).
	#[command(subcommand)]
	StorageMiner(crate::storage_miner::StorageMinerCmd),

	/// The user client: store files on the network (`put`), get them back (`get`), list
	/// (`ls`), delete (`rm`), inspect (`status`).
	Storage(crate::storage::StorageArgs),

	/// The CD²N node: serve files against tickets, cache, settle, claim (`run`).
	#[command(subcommand)]
	Cdn(crate::cdn::CdnCmd),
}

/// The `cess-node` command line.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A subcommand; without one the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options of the running node.
	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	/// A boot node to write into the `local` and `staging` chain specs (and into a chain spec
	/// loaded from a file), as a multiaddr ending in `/p2p/<peer id>`; repeat for several.
	/// `CESS_BOOTNODES` (comma- or whitespace-separated) adds more. Used by operators to
	/// publish a network: `cess-node build-spec --chain staging:<operator.json> --chain-bootnode <addr> …`.
	#[arg(long = "chain-bootnode", global = true, value_name = "MULTIADDR")]
	pub chain_bootnodes: Vec<sc_network::config::MultiaddrWithPeerId>,
}
