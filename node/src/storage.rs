//! `cess-node storage`: the user client (put, get, ls, rm, status, web). The logic lives in the
//! `cess-storage-client` crate; this file is only its command line.

use cess_storage_client::{
	get::get,
	list, list_table, parse_file_hash,
	put::{put, PutOptions},
	remove, status,
	web::{serve, WebAccount, WebOptions},
	Session,
};
use pallet_file_bank::Coding;
use sp_core::crypto::Ss58Codec;
use std::path::PathBuf;

/// Options every subcommand shares.
#[derive(Debug, clap::Args)]
pub struct Common {
	/// The node's JSON-RPC endpoint (HTTP; ws:// URLs are mapped to the same port).
	#[arg(long, default_value = "http://127.0.0.1:9944", global = true)]
	pub rpc: String,
	/// Secret URI of the user's sr25519 key (e.g. a mnemonic, or //Charlie on a dev chain).
	/// `web` takes it several times, one account each.
	#[arg(long, global = true)]
	pub suri: Vec<String>,
	/// Print JSON instead of text (`ls`, `status`, `put`, `get`).
	#[arg(long, global = true)]
	pub json: bool,
}

/// Store files on the network and get them back.
#[derive(Debug, clap::Subcommand)]
pub enum StorageCmd {
	/// Erasure-code FILE, buy or extend the lease if needed, declare it, upload its fragments
	/// to the assigned miners and wait until it is stored; prints the file hash.
	Put {
		/// The file to store.
		file: PathBuf,
		/// Data fragments per segment (k): any k of the k + m fragments rebuild a segment.
		#[arg(long, default_value_t = 4)]
		data: u8,
		/// Parity fragments per segment (m): up to m holders of a segment may be lost.
		#[arg(long, default_value_t = 2)]
		parity: u8,
		/// Lease length in days when a lease has to be bought.
		#[arg(long, default_value_t = 30)]
		days: u32,
		/// Pay for space without asking.
		#[arg(long, short = 'y')]
		yes: bool,
		/// Parallel upload threads.
		#[arg(long, default_value_t = 6)]
		threads: usize,
		/// Seconds to wait for every fragment to be confirmed.
		#[arg(long, default_value_t = 900)]
		timeout: u64,
	},
	/// Download file HASH: any k fragments per segment, each checked against its on-chain
	/// root, decoded into OUT.
	Get {
		/// The file hash (0x…).
		hash: String,
		/// Where to write the file.
		#[arg(long, short = 'o')]
		output: PathBuf,
		/// Segments downloaded in parallel.
		#[arg(long, default_value_t = 4)]
		threads: usize,
		/// Download through this CD²N node (its URL), paying with a signed ticket.
		#[command(flatten)]
		via: crate::cdn::ViaArgs,
	},
	/// The account's files with size, state and health, and its lease.
	Ls {
		/// Another account (SS58) to list instead of the key's.
		#[arg(long)]
		account: Option<String>,
	},
	/// Delete file HASH (its lease space is free at once).
	Rm {
		/// The file hash (0x…).
		hash: String,
	},
	/// Where file HASH's fragments are and how healthy it is.
	Status {
		/// The file hash (0x…).
		hash: String,
	},
	/// Serve a web page for the accounts of the given keys: lease and buying space, upload
	/// with progress, files with health, download, delete. The server holds the keys and signs
	/// for the page: keep it on loopback.
	Web {
		/// Where to listen (port 0: any free port, printed at start).
		#[arg(long, default_value = "127.0.0.1:8088")]
		listen: std::net::SocketAddr,
		/// Offer the well-known development accounts //Alice … //Ferdie (dev chains only).
		#[arg(long)]
		dev_accounts: bool,
		/// Largest file the page may upload, in MiB.
		#[arg(long, default_value_t = 4096)]
		max_upload_mib: u64,
		/// Where uploads and downloads are staged (default: the system's temporary directory).
		#[arg(long)]
		work_dir: Option<PathBuf>,
	},
}

/// `cess-node storage …`.
#[derive(Debug, clap::Args)]
pub struct StorageArgs {
	#[command(flatten)]
	common: Common,
	#[command(subcommand)]
	cmd: StorageCmd,
}

impl StorageArgs {
	/// Runs the subcommand.
	pub fn run(&self) -> sc_cli::Result<()> {
		let c = &self.common;
		let first = c.suri.first().cloned();
		let suri = || first.clone().ok_or_else(|| "--suri is required".to_string());
		let connect = || -> Result<Session, String> { Session::connect(&c.rpc, &suri()?) };
		match &self.cmd {
			StorageCmd::Put { file, data, parity, days, yes, threads, timeout } => {
				let mut session = connect()?;
				let opts = PutOptions {
					coding: Coding { data: *data, parity: *parity },
					days: *days,
					yes: *yes,
					threads: *threads,
					store_timeout: *timeout,
					..PutOptions::default()
				};
				let r = put(&mut session, file, &opts)?;
				let hash = cess_miner_agent::store::hash_hex(r.file.as_bytes());
				if c.json {
					println!(
						"{}",
						serde_json::json!({
							"file": hash,
							"size": r.layout.size,
							"segments": r.layout.segments(),
							"fragments": r.layout.fragments(),
							"uploaded": r.uploaded,
							"seconds": { "encode": r.seconds[0], "chain": r.seconds[1],
								"upload": r.seconds[2], "confirm": r.seconds[3] },
						})
					);
				} else {
					eprintln!(
						"stored: encode {:.1} s, declare+place {:.1} s, upload {:.1} s, confirm {:.1} s",
						r.seconds[0], r.seconds[1], r.seconds[2], r.seconds[3]
					);
					println!("{hash}");
				}
				Ok(())
			}
			StorageCmd::Get { hash, output, threads, via } => {
				if via.via.is_some() {
					return via.run(connect()?, parse_file_hash(hash)?, output, c.json);
				}
				let session = connect()?;
				let started = std::time::Instant::now();
				let r = get(&session, parse_file_hash(hash)?, output, *threads)?;
				let seconds = started.elapsed().as_secs_f64();
				for problem in &r.failures {
					eprintln!("skipped: {problem}");
				}
				if c.json {
					println!(
						"{}",
						serde_json::json!({
							"size": r.size, "fetched": r.fetched, "decoded_segments": r.decoded,
							"failures": r.failures.len(), "seconds": seconds,
						})
					);
				} else {
					eprintln!(
						"{} bytes to {} in {seconds:.1} s ({} fragments, {} segments rebuilt from parity)",
						r.size,
						output.display(),
						r.fetched,
						r.decoded
					);
				}
				Ok(())
			}
			StorageCmd::Ls { account } => {
				let session = Session::connect(
					&c.rpc,
					// Listing another account needs no key of ours.
					&first.clone().unwrap_or_else(|| "//ls-only".into()),
				)?;
				let who = match account {
					Some(text) => cess_runtime::AccountId::from_ss58check(text)
						.map_err(|e| format!("{text}: {e:?}"))?,
					None if first.is_some() => session.account().clone(),
					None => return Err("--suri or --account is required".into()),
				};
				let v = list(&session, &who)?;
				if c.json {
					println!("{v}");
				} else {
					print!("{}", list_table(&v));
				}
				Ok(())
			}
			StorageCmd::Rm { hash } => {
				let mut session = connect()?;
				let at = remove(&mut session, parse_file_hash(hash)?)?;
				eprintln!("deletion started at block {at}");
				Ok(())
			}
			StorageCmd::Status { hash } => {
				// Reading needs no key of the user's.
				let session =
					Session::connect(&c.rpc, first.as_deref().unwrap_or("//status-only"))?;
				let v = status(&session, parse_file_hash(hash)?)?;
				if c.json {
					println!("{v}");
				} else {
					println!("{}", serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?);
				}
				Ok(())
			}
			StorageCmd::Web { listen, dev_accounts, max_upload_mib, work_dir } => {
				let mut accounts: Vec<WebAccount> = c
					.suri
					.iter()
					.enumerate()
					.map(|(i, suri)| WebAccount {
						name: format!("account {}", i + 1),
						suri: suri.clone(),
					})
					.collect();
				if *dev_accounts {
					accounts.extend(WebAccount::dev());
				}
				let work_dir = work_dir.clone().unwrap_or_else(|| {
					std::env::temp_dir().join(format!("cess-storage-web-{}", std::process::id()))
				});
				serve(WebOptions {
					listen: *listen,
					rpc: c.rpc.clone(),
					accounts,
					max_upload: max_upload_mib.saturating_mul(1 << 20),
					work_dir,
				})?;
				Ok(())
			}
		}
	}
}
