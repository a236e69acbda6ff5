//! `cess-node storage-miner`: the storage-miner agent and the user-side helper to declare
//! files. The logic lives in the `cess-miner-agent` crate; this file is only its command line.

use cess_miner_agent::{AgentConfig, SS58_PREFIX};
use sp_core::crypto::Ss58Codec;
use std::{path::PathBuf, time::Duration};

/// Storage-miner tools.
// Parsed once at start-up; boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, clap::Subcommand)]
pub enum StorageMinerCmd {
	/// Run the storage-miner agent next to a node: register, seal and commit fillers, store
	/// uploaded fragments, answer challenges, claim rewards.
	Run(RunCmd),
	/// Print what a file owner needs to declare a file: its size and fragment roots and, with
	/// `--owner`, the hash the chain gives the declaration (JSON on stdout).
	FragmentRoots {
		/// The file to split into fragments.
		#[arg(long)]
		file: PathBuf,
		/// The declaring account (SS58): the file hash is `file_hash(owner, size, roots)`.
		#[arg(long)]
		owner: Option<String>,
	},
	/// Print the `X-CESS-*` headers that authenticate a fragment upload or download (signed
	/// by the file owner, see `client/miner-agent/src/auth.rs`) as a curl config:
	/// `curl -K <(cess-node storage-miner sign-request …) -X PUT --data-binary @frag URL`.
	SignRequest {
		/// `GET` or `PUT`.
		#[arg(long)]
		method: String,
		/// The request path, `/fragments/<0xfile>/<fragment>/<replica>`.
		#[arg(long)]
		path: String,
		/// The best block number (a signature is accepted for 100 blocks).
		#[arg(long)]
		block: u32,
		/// Secret URI of the signing key (e.g. //Charlie on a dev chain).
		#[arg(long)]
		suri: String,
	},
}

/// Options of `storage-miner run`.
#[derive(Debug, clap::Args)]
pub struct RunCmd {
	/// Directory for sealed fillers, stored fragments and the agent's state.
	#[arg(long)]
	pub data_dir: PathBuf,
	/// The node's JSON-RPC endpoint (HTTP; ws:// URLs are mapped to the same port).
	#[arg(long, default_value = "http://127.0.0.1:9944")]
	pub rpc: String,
	/// Secret URI of the miner's sr25519 key (e.g. a mnemonic, or //Dave on a dev chain).
	#[arg(long, conflicts_with = "suri_file", required_unless_present = "suri_file")]
	pub suri: Option<String>,
	/// A file holding the secret URI (keeps it out of the process list).
	#[arg(long)]
	pub suri_file: Option<PathBuf>,
	/// Declared space in TiB (used when registering).
	#[arg(long, default_value_t = 1)]
	pub declared_tib: u32,
	/// Idle fillers to seal and commit [default: 3/4 of the declared space].
	#[arg(long)]
	pub idle_fillers: Option<u64>,
	/// Collateral in base units when registering [default: the runtime's requirement].
	#[arg(long)]
	pub collateral: Option<u128>,
	/// Listen address of the upload / retrieval / status HTTP endpoint.
	#[arg(long, default_value = "127.0.0.1:15001")]
	pub listen: String,
	/// Endpoint to advertise on chain [default: http://<listen>].
	#[arg(long)]
	pub endpoint: Option<String>,
	/// Reward beneficiary (SS58) when registering [default: the miner account].
	#[arg(long)]
	pub beneficiary: Option<String>,
	/// Threads sealing fillers in parallel [default: the available cores].
	#[arg(long)]
	pub seal_threads: Option<usize>,
	/// Never claim rewards (claim them from another tool instead).
	#[arg(long)]
	pub no_claim: bool,
	/// How often to poll the node for a new block, in milliseconds.
	#[arg(long, default_value_t = 1000)]
	pub poll_ms: u64,
	/// Log filter, e.g. `info` or `miner-agent=debug`.
	#[arg(long, default_value = "info")]
	pub log: String,
}

impl StorageMinerCmd {
	/// Runs the subcommand.
	pub fn run(&self) -> sc_cli::Result<()> {
		match self {
			StorageMinerCmd::FragmentRoots { file, owner } => {
				let data = std::fs::read(file)
					.map_err(|e| format!("cannot read {}: {e}", file.display()))?;
				let owner = owner
					.as_deref()
					.map(|t| {
						cess_runtime::AccountId::from_ss58check_with_version(t).map(|(a, _)| a)
					})
					.transpose()
					.map_err(|e| format!("bad --owner: {e:?}"))?;
				let roots = cess_miner_agent::fragment_roots(&data, owner.as_ref())?;
				println!("{roots}");
				Ok(())
			}
			StorageMinerCmd::SignRequest { method, path, block, suri } => {
				for (name, value) in cess_miner_agent::sign_request(suri, method, path, *block)? {
					println!("header = \"{name}: {value}\"");
				}
				Ok(())
			}
			StorageMinerCmd::Run(cmd) => cmd.run(),
		}
	}
}

impl RunCmd {
	fn run(&self) -> sc_cli::Result<()> {
		sc_cli::LoggerBuilder::new(self.log.clone()).init().map_err(|e| format!("logger: {e}"))?;
		let suri = match (&self.suri, &self.suri_file) {
			(Some(suri), _) => suri.clone(),
			(None, Some(path)) => std::fs::read_to_string(path)
				.map_err(|e| format!("cannot read {}: {e}", path.display()))?
				.trim()
				.to_string(),
			(None, None) => return Err("--suri or --suri-file is required".into()),
		};
		let beneficiary = self
			.beneficiary
			.as_deref()
			.map(|text| {
				let (who, format) = cess_runtime::AccountId::from_ss58check_with_version(text)
					.map_err(|e| format!("beneficiary {text}: {e:?}"))?;
				if u16::from(format) != SS58_PREFIX {
					return Err(format!(
						"beneficiary {text}: not a CESS address (prefix {SS58_PREFIX})"
					));
				}
				Ok(who)
			})
			.transpose()?;
		let config = AgentConfig {
			data_dir: self.data_dir.clone(),
			rpc: self.rpc.clone(),
			suri,
			declared_tib: self.declared_tib,
			idle_fillers: self.idle_fillers,
			collateral: self.collateral,
			listen: self.listen.clone(),
			endpoint: self.endpoint.clone(),
			beneficiary,
			claim: !self.no_claim,
			seal_threads: self.seal_threads.unwrap_or_else(|| {
				std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
			}),
			poll: Duration::from_millis(self.poll_ms.max(100)),
		};
		cess_miner_agent::run(config).map_err(Into::into)
	}
}
