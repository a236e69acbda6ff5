//! `cess-node cdn`: the CD²N node (retrieval or cache). The logic lives in the
//! `cess-cdn-node` crate; this file is only its command line.

use pallet_cdn::NodeKind;
use std::{path::PathBuf, time::Duration};

/// CD²N node tools.
#[derive(Debug, clap::Subcommand)]
pub enum CdnCmd {
	/// Run a CD²N node next to a chain node: register (deposit) if needed, serve files
	/// against user-signed tickets, cache them, submit the tickets and claim rewards.
	Run(RunCmd),
}

/// `retrieval` or `cache`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Kind {
	/// Serves users, paid by retrieval tickets.
	Retrieval,
	/// Serves cache orders, paid by cache-order tickets.
	Cache,
}

/// Options of `cdn run`.
#[derive(Debug, clap::Args)]
pub struct RunCmd {
	/// The node's kind (registered with it).
	#[arg(long, value_enum)]
	pub kind: Kind,
	/// Directory of the ticket journal and the content cache.
	#[arg(long)]
	pub data_dir: PathBuf,
	/// The chain node's JSON-RPC endpoint (HTTP).
	#[arg(long, default_value = "http://127.0.0.1:9944")]
	pub rpc: String,
	/// Secret URI of the node's sr25519 key.
	#[arg(long, conflicts_with = "suri_file", required_unless_present = "suri_file")]
	pub suri: Option<String>,
	/// A file holding the secret URI.
	#[arg(long)]
	pub suri_file: Option<PathBuf>,
	/// Listen address of the HTTP API.
	#[arg(long, default_value = "127.0.0.1:16001")]
	pub listen: std::net::SocketAddr,
	/// Endpoint to register on chain [default: http://<listen>].
	#[arg(long)]
	pub endpoint: Option<String>,
	/// Bytes of decoded files to keep on disk (LRU).
	#[arg(long, default_value_t = 10 << 30)]
	pub cache_bytes: u64,
	/// Price in planck per byte [default: the runtime's ReferenceBytePrice].
	#[arg(long)]
	pub price: Option<u128>,
	/// Seconds between ticket submissions (and claim checks).
	#[arg(long, default_value_t = 6)]
	pub batch_interval: u64,
	/// Benchmarks only: serve cached files without tickets (loopback listeners only).
	#[arg(long)]
	pub bench_unmetered: bool,
	/// Retrieval nodes: a cache node to place popular files on, by account (its endpoint is
	/// read from `Cdn::Nodes`) or URL; repeatable.
	#[arg(long = "place-to", value_name = "ACCOUNT|URL")]
	pub place_to: Vec<String>,
	/// Retrieval nodes: place a file on the cache nodes once it was served this many times.
	#[arg(long, default_value_t = cess_cdn_node::placement::DEFAULT_PLACE_AFTER)]
	pub place_after: u32,
	/// Log filter, e.g. `info` or `cdn-node=debug`.
	#[arg(long, default_value = "info")]
	pub log: String,
}

impl CdnCmd {
	/// Runs the subcommand.
	pub fn run(&self) -> sc_cli::Result<()> {
		match self {
			CdnCmd::Run(cmd) => {
				sc_cli::LoggerBuilder::new(cmd.log.clone())
					.init()
					.map_err(|e| format!("logger: {e}"))?;
				let suri = match (&cmd.suri, &cmd.suri_file) {
					(Some(suri), _) => suri.clone(),
					(None, Some(path)) => std::fs::read_to_string(path)
						.map_err(|e| format!("cannot read {}: {e}", path.display()))?
						.trim()
						.to_string(),
					(None, None) => return Err("--suri or --suri-file is required".into()),
				};
				let config = cess_cdn_node::Config {
					kind: match cmd.kind {
						Kind::Retrieval => NodeKind::Retrieval,
						Kind::Cache => NodeKind::Cache,
					},
					data_dir: cmd.data_dir.clone(),
					rpc: cmd.rpc.clone(),
					suri,
					listen: cmd.listen,
					endpoint: cmd.endpoint.clone(),
					cache_bytes: cmd.cache_bytes,
					price: cmd.price,
					batch_interval: Duration::from_secs(cmd.batch_interval.max(1)),
					bench_unmetered: cmd.bench_unmetered,
					place_to: cmd.place_to.clone(),
					place_after: cmd.place_after,
				};
				cess_cdn_node::run(config).map_err(Into::into)
			}
		}
	}
}

/// `storage get … --via <cdn-url>`: options of the paid path.
#[derive(Debug, clap::Args)]
pub struct ViaArgs {
	/// Download through the CD²N node at this URL, paying it with a signed ticket.
	#[arg(long)]
	pub via: Option<String>,
	/// First move this many planck into the escrow and the node's allowance.
	#[arg(long, requires = "via")]
	pub fund: Option<u128>,
	/// Refuse a quote above this many planck per byte.
	#[arg(long, requires = "via")]
	pub max_price: Option<u128>,
}

impl ViaArgs {
	/// Gets `file` into `out` through the node.
	pub fn run(
		&self,
		mut session: cess_storage_client::Session,
		file: cess_runtime::Hash,
		out: &std::path::Path,
		json: bool,
	) -> sc_cli::Result<()> {
		let via = self.via.as_deref().ok_or("--via is required")?;
		if let Some(amount) = self.fund {
			let (node, _) = cess_cdn_node::client::node_of(&session, via, file)?;
			cess_cdn_node::client::fund(&mut session, &node, amount)?;
		}
		let r = cess_cdn_node::client::get_via(&session, via, file, out, self.max_price)?;
		if json {
			println!(
				"{}",
				serde_json::json!({
					"size": r.size, "node": cess_miner_agent::ss58(&r.node),
					"amount": r.amount.to_string(), "face_value": r.face_value.to_string(),
					"win_prob": r.win_prob.to_string(), "cache": r.cache,
					"ticket_bytes": r.ticket_bytes, "seconds": r.seconds,
				})
			);
		} else {
			eprintln!(
				"{} bytes to {} via {} in {:.1} s (cache {}, paid {} planck)",
				r.size,
				out.display(),
				cess_miner_agent::ss58(&r.node),
				r.seconds,
				r.cache,
				r.amount
			);
		}
		Ok(())
	}
}
