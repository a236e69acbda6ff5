//! The CD²N node (`cess-node cdn run`): serves stored files over HTTP against user-signed
//! lottery tickets, caches them, settles the tickets on chain and claims the rewards,
//! unattended. Operator guide: `docs/operators/cdn-node.md`; protocol: `docs/cdn.md`.
//!
//! - [`server`]: `GET /quote/<file>`, `GET /file/<file>` (with `Range`), `GET /status`,
//!   `GET /metrics`, on axum.
//! - [`ticket`]: quotes, the pallet's ticket format and the node's checks before serving.
//! - [`store`]: the fsync'ed ticket journal and the LRU content cache.
//! - [`settle`]: batches winners into `submit_tickets`, skipping what the chain would refuse,
//!   and claims once per cycle, retrying with backoff while the chain is unreachable.
//! - [`client`]: the user side (`cess-node storage get --via <url>`).
//! - [`placement`]: retrieval nodes place popular files on cache nodes (`PUT /place`) and
//!   sign the CachedBytes attestations the pallet pays cache nodes on, within the budget
//!   `ρ·A_R/p`; cache nodes verify placements against the on-chain roots and submit the
//!   attestations (`attest_cached`).
//!
//! Content comes from the storage miners exactly as the user client gets it
//! (`cess_storage_client::get::get_with`: every fragment checked against its on-chain root,
//! Reed–Solomon decoded), the requests signed by the node and carrying the file owner's grant
//! (`cess_miner_agent::auth::cdn_grant_allows`). The chain is reached through the miner
//! agent's JSON-RPC client and transaction signer.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![warn(missing_docs)]

pub mod chain;
pub mod client;
pub mod metrics;
pub mod placement;
pub mod server;
pub mod settle;
pub mod store;
pub mod ticket;

use cess_miner_agent::chain::Chain;
use cess_runtime::{AccountId, Balance, Hash, RuntimeCall};
use cess_storage_client::Session;
use pallet_cdn::{NodeKind, TicketKind};
use std::{
	collections::HashMap,
	net::SocketAddr,
	path::PathBuf,
	sync::{Arc, Mutex},
	time::Duration,
};

/// Log target.
pub const LOG_TARGET: &str = "cdn-node";

/// Ticket lifetime (blocks) used when the live metadata has no `Cdn.MaxTicketLifetime`: half
/// the dev chain's cycle (80 blocks), so below `MaxTicketLifetime` on every chain.
pub const FALLBACK_TICKET_LIFETIME: cess_runtime::BlockNumber = 40;

/// What `cdn run` is told.
#[derive(Clone, Debug)]
pub struct Config {
	/// Retrieval or cache.
	pub kind: NodeKind,
	/// Journal and cache directory.
	pub data_dir: PathBuf,
	/// The chain's JSON-RPC.
	pub rpc: String,
	/// The node's key.
	pub suri: String,
	/// Where to listen.
	pub listen: SocketAddr,
	/// The URL to register (default `http://<listen>`).
	pub endpoint: Option<String>,
	/// Cache bound in bytes.
	pub cache_bytes: u64,
	/// Planck per byte (default `ReferenceBytePrice`).
	pub price: Option<Balance>,
	/// Seconds between submission rounds.
	pub batch_interval: Duration,
	/// Benchmarks only: serve cached files without tickets (loopback listeners only).
	pub bench_unmetered: bool,
	/// Retrieval nodes: the cache nodes to place popular files on (accounts or URLs).
	pub place_to: Vec<String>,
	/// Retrieval nodes: place a file once it was served this many times.
	pub place_after: u32,
}

/// State shared by the HTTP handlers and the settlement loop.
pub struct Node {
	/// The chain (short blocking requests; handlers call it from blocking tasks).
	pub chain: Chain,
	/// A read-only session for fetching from miners (its key is the node's).
	pub session: Session,
	/// The node's account.
	pub account: AccountId,
	/// The genesis hash.
	pub genesis: Hash,
	/// Retrieval or cache.
	pub kind: NodeKind,
	/// Planck per byte.
	pub price: Balance,
	/// Quotes issued and not yet used, by commitment.
	pub quotes: Mutex<HashMap<sp_core::H256, ticket::Issued>>,
	/// The ticket journal.
	pub journal: Mutex<store::Journal>,
	/// The content cache.
	pub cache: Mutex<store::Cache>,
	/// Files being fetched (one fetch per file at a time).
	pub fetching: Mutex<HashMap<Hash, Arc<tokio::sync::Mutex<()>>>>,
	/// Counters.
	pub metrics: metrics::Metrics,
	/// See [`Config::bench_unmetered`].
	pub bench_unmetered: bool,
	/// The best block at the last look.
	pub best: std::sync::atomic::AtomicU32,
	/// `Cdn.MaxTicketLifetime` of the live runtime (blocks).
	pub ticket_lifetime: cess_runtime::BlockNumber,
	/// Placement settings (retrieval nodes).
	pub place: placement::Settings,
	/// The placement journal (`placed.scale`, `attestations.scale`).
	pub placement: Mutex<placement::Journal>,
	/// Requests served per file since start (retrieval nodes with `--place-to`).
	pub served: Mutex<HashMap<Hash, u32>>,
	/// Placements a cache refused for good.
	pub place_refused: placement::Refused,
}

impl Node {
	/// The ticket kind this node is paid with.
	pub fn ticket_kind(&self) -> TicketKind {
		match self.kind {
			NodeKind::Retrieval => TicketKind::Retrieval,
			NodeKind::Cache => TicketKind::CacheOrder,
		}
	}
}

/// Retries `f` with exponential backoff (1 s … 60 s) until it succeeds.
pub fn with_backoff<T>(what: &str, mut f: impl FnMut() -> Result<T, String>) -> T {
	let mut wait = Duration::from_secs(1);
	loop {
		match f() {
			Ok(v) => return v,
			Err(e) => {
				log::warn!(target: LOG_TARGET, "{what}: {e}; retrying in {} s", wait.as_secs());
				std::thread::sleep(wait);
				wait = (wait * 2).min(Duration::from_secs(60));
			}
		}
	}
}

/// Registers `session`'s account as a `kind` node at `endpoint` unless it is registered.
pub fn ensure_registered(
	session: &mut Session,
	kind: NodeKind,
	endpoint: &str,
) -> Result<(), String> {
	let me = session.account().clone();
	match chain::node(&session.chain, &me)? {
		Some(info) if info.kind == kind => {
			log::info!(target: LOG_TARGET, "registered as a {kind:?} node at {}", String::from_utf8_lossy(&info.endpoint));
			Ok(())
		}
		Some(info) => {
			Err(format!("this account is registered as a {:?} node, not {kind:?}", info.kind))
		}
		None => {
			let endpoint = endpoint
				.as_bytes()
				.to_vec()
				.try_into()
				.map_err(|_| format!("endpoint {endpoint}: longer than 128 bytes"))?;
			let call = RuntimeCall::Cdn(pallet_cdn::Call::register_node { kind, endpoint });
			session.submit(call, "register_node")?;
			log::info!(target: LOG_TARGET, "registered as a {kind:?} node (deposit held)");
			Ok(())
		}
	}
}

/// Runs the node until the process is stopped.
pub fn run(config: Config) -> Result<(), String> {
	let endpoint = config.endpoint.clone().unwrap_or_else(|| format!("http://{}", config.listen));
	if config.kind == NodeKind::Cache && !config.place_to.is_empty() {
		return Err("--place-to is for retrieval nodes (cache nodes receive placements)".into());
	}
	if config.bench_unmetered && !config.listen.ip().is_loopback() {
		return Err("--bench-unmetered serves without tickets: only on a loopback listener".into());
	}
	let mut tx_session =
		with_backoff("connecting to the chain", || Session::connect(&config.rpc, &config.suri));
	with_backoff("checking the live runtime", || chain::check_live(&tx_session.chain));
	with_backoff("registering", || ensure_registered(&mut tx_session, config.kind, &endpoint));
	// `MaxTicketLifetime` is computed from genesis-set timings and is not a metadata
	// constant in every runtime; without it the node quotes a conservative lifetime
	// (`FALLBACK_TICKET_LIFETIME`, well below every chain's cycle).
	let ticket_lifetime = chain::live_constant::<cess_runtime::BlockNumber>(
		&tx_session.chain,
		"Cdn",
		"MaxTicketLifetime",
	)
	.unwrap_or_else(|e| {
		log::info!(target: LOG_TARGET, "{e}: tickets are quoted for {FALLBACK_TICKET_LIFETIME} blocks");
		FALLBACK_TICKET_LIFETIME
	});
	let session =
		with_backoff("connecting to the chain", || Session::connect(&config.rpc, &config.suri));
	let chain = Chain::new(&config.rpc).map_err(|e| e.to_string())?;
	let genesis = with_backoff("genesis", || chain.genesis_hash().map_err(|e| e.to_string()));
	let journal = store::Journal::open(&config.data_dir.join("tickets"))?;
	let cache = store::Cache::open(&config.data_dir.join("cache"), config.cache_bytes)?;
	let placement = placement::Journal::open(&config.data_dir.join("placement"))?;
	log::info!(
		target: LOG_TARGET,
		"placement journal: {} placements, {} attestations",
		placement.placed.len(),
		placement.attestations.len()
	);
	log::info!(
		target: LOG_TARGET,
		"journal: {} unsubmitted winners; cache: {} files, {} of {} bytes",
		journal.pending_count(),
		cache.files(),
		cache.used(),
		cache.limit()
	);
	let node = Arc::new(Node {
		chain,
		account: session.account().clone(),
		session,
		genesis,
		kind: config.kind,
		price: config.price.unwrap_or_else(chain::reference_price),
		quotes: Mutex::new(HashMap::new()),
		journal: Mutex::new(journal),
		cache: Mutex::new(cache),
		fetching: Mutex::new(HashMap::new()),
		metrics: metrics::Metrics::default(),
		bench_unmetered: config.bench_unmetered,
		best: Default::default(),
		ticket_lifetime,
		place: placement::Settings {
			targets: config.place_to.clone(),
			after: config.place_after.max(1),
		},
		placement: Mutex::new(placement),
		served: Mutex::new(HashMap::new()),
		place_refused: Mutex::new(Default::default()),
	});
	let settler = node.clone();
	let interval = config.batch_interval;
	let (rpc, suri) = (config.rpc.clone(), config.suri.clone());
	std::thread::spawn(move || settle::run(settler, tx_session, interval, rpc, suri));
	let runtime = tokio::runtime::Builder::new_multi_thread()
		.enable_all()
		.build()
		.map_err(|e| format!("tokio: {e}"))?;
	runtime.block_on(async move {
		// SO_REUSEADDR: a restarted node takes its port back at once (connections of the
		// previous process may still be in TIME_WAIT).
		let bind = || -> std::io::Result<tokio::net::TcpListener> {
			let socket = if config.listen.is_ipv4() {
				tokio::net::TcpSocket::new_v4()?
			} else {
				tokio::net::TcpSocket::new_v6()?
			};
			socket.set_reuseaddr(true)?;
			socket.bind(config.listen)?;
			socket.listen(1024)
		};
		let listener = bind().map_err(|e| format!("{}: {e}", config.listen))?;
		log::info!(
			target: LOG_TARGET,
			"serving on http://{} as {} ({} planck/byte)",
			listener.local_addr().map_err(|e| e.to_string())?,
			cess_miner_agent::ss58(&node.account),
			node.price
		);
		axum::serve(listener, server::router(node)).await.map_err(|e| e.to_string())
	})
}
