//! `cess-node storage web`: a web page for users, served by the client itself.
//!
//! One static page (HTML, JavaScript and CSS embedded in the binary, no build step, nothing
//! fetched from elsewhere) and a small JSON API over the same functions as the command line:
//!
//! | request | what it does |
//! | --- | --- |
//! | `GET /api/accounts` | the accounts this server holds keys of (name and address) |
//! | `GET /api/accounts/{a}` | lease (space, used, end), price, best block, files with health |
//! | `GET /api/accounts/{a}/quote?gib=G&days=D` | the price of [`crate::buy_space`] |
//! | `POST /api/accounts/{a}/space` `{"gib":G,"days":D}` | buys or extends the lease |
//! | `GET /api/accounts/{a}/upload-check?size=S` | whether the lease has room (asked first) |
//! | `POST /api/accounts/{a}/files?name=N` (body: the file) | starts a `put`; returns a job |
//! | `GET /api/jobs/{j}` | the job's step and progress (coding, upload to miners, confirmations) |
//! | `GET /api/accounts/{a}/files/{hash}` | [`crate::status`] of the file |
//! | `GET /api/accounts/{a}/files/{hash}/content` | downloads the file (`get`, then streamed) |
//! | `DELETE /api/accounts/{a}/files/{hash}` | deletes the file |
//!
//! **The server holds the users' keys** (`--suri`, or the well-known dev keys with
//! `--dev-accounts`) and signs whatever the page asks for: it listens on loopback by default and
//! must not be exposed to others. Two checks keep other web sites out of it: every request must
//! carry a `Host` that names this server (against DNS rebinding), and every request that changes
//! anything must carry the header `X-CESS-Web: 1`, which a cross-site form cannot send and a
//! cross-site script can only send after a CORS preflight that this server never approves.

use crate::{
	coding::Layout,
	fmt_cess, list, parse_file_hash, proof_params,
	put::{put_with_progress, PutOptions, PutProgress},
	Session, GIB,
};
use axum::{
	body::{Body, Bytes},
	extract::{Path, Query, Request, State},
	http::{header, HeaderMap, HeaderValue, Method, StatusCode},
	middleware::{self, Next},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use cess_miner_agent::{store::hash_hex, tx::Signer};
use cess_runtime::AccountId;
use futures::StreamExt;
use serde_json::{json, Value};
use std::{
	collections::{BTreeMap, HashMap},
	net::SocketAddr,
	path::PathBuf,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex,
	},
	time::Instant,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

/// The header every state-changing request must carry.
pub const CSRF_HEADER: &str = "x-cess-web";

/// The well-known development accounts (`--dev-accounts`): name and secret URI.
pub const DEV_ACCOUNTS: [&str; 6] = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];

/// An account the server signs for.
#[derive(Clone, Debug)]
pub struct WebAccount {
	/// Shown in the page.
	pub name: String,
	/// Its secret URI (never sent to the page).
	pub suri: String,
}

impl WebAccount {
	/// The development accounts `//Alice` … `//Ferdie`.
	pub fn dev() -> Vec<Self> {
		DEV_ACCOUNTS
			.iter()
			.map(|n| Self { name: (*n).to_string(), suri: format!("//{n}") })
			.collect()
	}
}

/// How `storage web` runs.
#[derive(Clone, Debug)]
pub struct WebOptions {
	/// Where to listen (loopback by default; port 0: any free port).
	pub listen: SocketAddr,
	/// The node's JSON-RPC endpoint.
	pub rpc: String,
	/// The accounts the page may use.
	pub accounts: Vec<WebAccount>,
	/// Largest upload accepted, in bytes.
	pub max_upload: u64,
	/// Where uploads and downloads are staged (a file is coded from disk, never held whole in
	/// memory).
	pub work_dir: PathBuf,
}

struct Account {
	name: String,
	suri: String,
	address: String,
	id: AccountId,
}

/// A `put` started from the page.
struct Job {
	account: usize,
	name: String,
	size: u64,
	progress: PutProgress,
	started: Instant,
	/// The file hash, or why it failed; `None` while running.
	result: Mutex<Option<Result<String, String>>>,
	seconds: Mutex<Option<f64>>,
}

struct AppState {
	rpc: String,
	accounts: Vec<Account>,
	/// A read-only session per account (queries only; transactions use their own).
	sessions: Mutex<HashMap<usize, Arc<Mutex<Session>>>>,
	jobs: Mutex<BTreeMap<u64, Arc<Job>>>,
	next_id: AtomicU64,
	/// Names of files uploaded through this server (the chain keeps no names).
	names: Mutex<BTreeMap<String, String>>,
	/// `Host` values accepted (empty: any, when listening on a non-loopback address).
	hosts: Vec<String>,
	max_upload: u64,
	work_dir: PathBuf,
}

/// An error answer: status and `{"error": message}`.
struct Fail(StatusCode, String);

impl IntoResponse for Fail {
	fn into_response(self) -> Response {
		(self.0, Json(json!({ "error": self.1 }))).into_response()
	}
}

fn bad(message: impl Into<String>) -> Fail {
	Fail(StatusCode::BAD_REQUEST, message.into())
}

/// A chain or client failure (the node is down, a transaction failed, ...).
fn upstream(message: impl Into<String>) -> Fail {
	Fail(StatusCode::BAD_GATEWAY, message.into())
}

type Answer = Result<Json<Value>, Fail>;

impl AppState {
	fn account(&self, id: usize) -> Result<&Account, Fail> {
		self.accounts.get(id).ok_or_else(|| Fail(StatusCode::NOT_FOUND, "no such account".into()))
	}

	/// The account's cached read-only session (connected on first use).
	fn session(&self, id: usize) -> Result<Arc<Mutex<Session>>, Fail> {
		let account = self.account(id)?;
		let mut sessions = self.sessions.lock().map_err(|_| upstream("poisoned"))?;
		if let Some(s) = sessions.get(&id) {
			return Ok(s.clone());
		}
		let s = Arc::new(Mutex::new(Session::connect(&self.rpc, &account.suri).map_err(upstream)?));
		sessions.insert(id, s.clone());
		Ok(s)
	}

	/// A new session for transactions and downloads (so queries are not held up meanwhile).
	fn tx_session(&self, id: usize) -> Result<Session, Fail> {
		Session::connect(&self.rpc, &self.account(id)?.suri).map_err(upstream)
	}

	fn with_session<T>(
		&self,
		id: usize,
		f: impl FnOnce(&Session) -> Result<T, String>,
	) -> Result<T, Fail> {
		let s = self.session(id)?;
		let guard = s.lock().map_err(|_| upstream("poisoned"))?;
		f(&guard).map_err(upstream)
	}
}

/// The `Host` values a loopback server answers to (none checked on another address).
fn allowed_hosts(local: SocketAddr) -> Vec<String> {
	if local.ip().is_loopback() {
		vec![local.to_string(), format!("localhost:{}", local.port())]
	} else {
		Vec::new()
	}
}

/// The accounts of `keys`, checked.
fn keys(keys: &[WebAccount]) -> Result<Vec<Account>, String> {
	if keys.is_empty() {
		return Err("no account: give --suri KEY (repeatable) or --dev-accounts".into());
	}
	keys.iter()
		.map(|a| {
			let signer = Signer::from_suri(&a.suri).map_err(|e| format!("{}: {e}", a.name))?;
			let id = signer.account().clone();
			Ok(Account {
				name: a.name.clone(),
				suri: a.suri.clone(),
				address: crate::ss58(&id),
				id,
			})
		})
		.collect()
}

impl AppState {
	fn new(
		rpc: String,
		accounts: Vec<Account>,
		hosts: Vec<String>,
		max_upload: u64,
		work_dir: PathBuf,
	) -> Self {
		Self {
			rpc,
			accounts,
			sessions: Mutex::new(HashMap::new()),
			jobs: Mutex::new(BTreeMap::new()),
			next_id: AtomicU64::new(1),
			names: Mutex::new(BTreeMap::new()),
			hosts,
			max_upload,
			work_dir,
		}
	}
}

/// Runs `f` on the blocking pool (the client is synchronous).
async fn blocking<T: Send + 'static>(
	f: impl FnOnce() -> Result<T, Fail> + Send + 'static,
) -> Result<T, Fail> {
	tokio::task::spawn_blocking(f)
		.await
		.map_err(|e| Fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

/// Serves the page until the process is stopped. Prints `listening on http://ADDR` once the
/// socket is bound.
pub fn serve(opts: WebOptions) -> Result<(), String> {
	let accounts = keys(&opts.accounts)?;
	std::fs::create_dir_all(&opts.work_dir)
		.map_err(|e| format!("{}: {e}", opts.work_dir.display()))?;
	let runtime = tokio::runtime::Builder::new_multi_thread()
		.worker_threads(2)
		.enable_all()
		.build()
		.map_err(|e| e.to_string())?;
	runtime.block_on(async move {
		let listener = tokio::net::TcpListener::bind(opts.listen)
			.await
			.map_err(|e| format!("{}: {e}", opts.listen))?;
		let local = listener.local_addr().map_err(|e| e.to_string())?;
		let hosts = allowed_hosts(local);
		if hosts.is_empty() {
			eprintln!(
				"warning: listening on {local}, not loopback: anyone who reaches it can spend \
				 the accounts' funds and read and delete their files"
			);
		}
		let state = Arc::new(AppState::new(
			opts.rpc.clone(),
			accounts,
			hosts,
			opts.max_upload,
			opts.work_dir.clone(),
		));
		println!("listening on http://{local}");
		axum::serve(listener, router(state)).await.map_err(|e| e.to_string())
	})
}

fn router(state: Arc<AppState>) -> Router {
	Router::new()
		.route("/", get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }))
		.route("/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
		.route("/style.css", get(|| async { asset("text/css; charset=utf-8", STYLE_CSS) }))
		.route("/api/accounts", get(accounts))
		.route("/api/accounts/{account}", get(overview))
		.route("/api/accounts/{account}/quote", get(quote))
		.route("/api/accounts/{account}/space", post(space))
		.route("/api/accounts/{account}/files", post(upload))
		.route("/api/accounts/{account}/upload-check", get(upload_check))
		.route("/api/accounts/{account}/files/{hash}", get(file_status).delete(delete))
		.route("/api/accounts/{account}/files/{hash}/content", get(download))
		.route("/api/jobs/{job}", get(job))
		.layer(middleware::from_fn_with_state(state.clone(), guard))
		.with_state(state)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
	(
		[
			(header::CONTENT_TYPE, content_type),
			(header::CACHE_CONTROL, "no-cache"),
			(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
		],
		body,
	)
		.into_response()
}

/// Refuses requests for another host name (DNS rebinding) and state-changing requests without
/// [`CSRF_HEADER`] (cross-site forms).
async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
	if !state.hosts.is_empty() {
		let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
		if !host.is_some_and(|h| state.hosts.iter().any(|ok| ok == h)) {
			return Fail(StatusCode::FORBIDDEN, "unexpected Host header".into()).into_response();
		}
	}
	let changes = !matches!(*request.method(), Method::GET | Method::HEAD);
	if changes && request.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) != Some("1") {
		return Fail(StatusCode::FORBIDDEN, format!("missing header {CSRF_HEADER}: 1"))
			.into_response();
	}
	let mut response = next.run(request).await;
	response.headers_mut().insert("x-frame-options", HeaderValue::from_static("DENY"));
	response
}

async fn accounts(State(state): State<Arc<AppState>>) -> Answer {
	let list: Vec<Value> = state
		.accounts
		.iter()
		.enumerate()
		.map(|(i, a)| json!({ "id": i, "name": a.name, "address": a.address }))
		.collect();
	Ok(Json(json!({ "accounts": list, "rpc": state.rpc })))
}

async fn overview(State(state): State<Arc<AppState>>, Path(account): Path<usize>) -> Answer {
	blocking(move || {
		let who = state.account(account)?.id.clone();
		let (mut v, best, per_day, price) = state.with_session(account, |s| {
			Ok((list(s, &who)?, s.best()?, crate::blocks_per_day(s)?, s.space_price()?))
		})?;
		if let Some(lease) = v.get_mut("lease").filter(|l| !l.is_null()) {
			let ends = lease["expires_at"].as_u64().unwrap_or(0);
			let space = lease["space_gib"].as_u64().unwrap_or(0) * GIB;
			let used = lease["used"].as_u64().unwrap_or(0);
			lease["space_bytes"] = json!(space);
			lease["free_bytes"] = json!(space.saturating_sub(used));
			lease["blocks_left"] = json!(ends.saturating_sub(u64::from(best)));
			lease["days_left"] =
				json!(ends.saturating_sub(u64::from(best)).div_ceil(u64::from(per_day.max(1))));
		}
		if let (Ok(names), Some(files)) = (state.names.lock(), v["files"].as_array_mut()) {
			for f in files {
				let name = f["file"].as_str().and_then(|h| names.get(h)).cloned();
				f["name"] = json!(name);
			}
		}
		v["best_block"] = json!(best);
		v["blocks_per_day"] = json!(per_day);
		v["price_per_gib_day"] = json!(price.to_string());
		v["price_per_gib_day_cess"] = json!(fmt_cess(price));
		v["name"] = json!(state.account(account)?.name);
		Ok(Json(v))
	})
	.await
}

#[derive(serde::Deserialize)]
struct SpaceRequest {
	#[serde(default)]
	gib: u32,
	#[serde(default)]
	days: u32,
}

async fn quote(
	State(state): State<Arc<AppState>>,
	Path(account): Path<usize>,
	Query(q): Query<SpaceRequest>,
) -> Answer {
	blocking(move || {
		let who = state.account(account)?.id.clone();
		let (calls, cost) = state
			.with_session(account, |s| crate::space_calls(s, &who, q.gib, q.days))
			.map_err(|Fail(_, e)| bad(e))?;
		Ok(Json(json!({
			"calls": calls.len(),
			"cost": cost.to_string(),
			"cost_cess": fmt_cess(cost),
		})))
	})
	.await
}

async fn space(
	State(state): State<Arc<AppState>>,
	Path(account): Path<usize>,
	Json(q): Json<SpaceRequest>,
) -> Answer {
	blocking(move || {
		let mut session = state.tx_session(account)?;
		let lease = crate::buy_space(&mut session, q.gib, q.days).map_err(upstream)?;
		Ok(Json(json!({
			"space_gib": lease.space_gib,
			"used": lease.used,
			"expires_at": lease.expires_at,
		})))
	})
	.await
}

#[derive(serde::Deserialize)]
struct UploadQuery {
	name: Option<String>,
}

/// A file name fit to show and to offer as a download name.
fn clean_name(name: Option<String>) -> String {
	let name: String = name
		.unwrap_or_default()
		.chars()
		.filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
		.take(200)
		.collect();
	if name.trim().is_empty() {
		"file".into()
	} else {
		name
	}
}

/// Bytes the lease must have free to store `size` bytes at the default coding.
fn lease_bytes_for(size: u64) -> u64 {
	Layout::new(size, crate::DEFAULT_CODING, proof_params().fragment_size).lease_bytes()
}

/// Whether `account` may upload a file of `size` bytes now: not empty, within the server's
/// limit, and the lease has room for it (the page buys space as a step of its own, with the
/// price shown, rather than paying on its own).
fn check_upload(state: &AppState, account: usize, size: u64) -> Result<(), Fail> {
	let who = state.account(account)?.id.clone();
	if size == 0 {
		return Err(bad("the file is empty: nothing to store"));
	}
	if size > state.max_upload {
		return Err(Fail(
			StatusCode::PAYLOAD_TOO_LARGE,
			format!("this server takes files of at most {} bytes", state.max_upload),
		));
	}
	let needed = lease_bytes_for(size);
	let (lease, best) = state.with_session(account, |s| Ok((s.lease(&who)?, s.best()?)))?;
	let free = match lease {
		Some(l) if !l.expiring && l.expires_at > best => {
			(u64::from(l.space_gib) * GIB).saturating_sub(l.used)
		}
		_ => return Err(Fail(StatusCode::CONFLICT, "no lease: buy space first".into())),
	};
	if free < needed {
		return Err(Fail(
			StatusCode::CONFLICT,
			format!(
				"the lease has {free} bytes free; this file needs {needed} (fragments × fragment \
				 size): buy {} GiB more first",
				(needed - free).div_ceil(GIB)
			),
		));
	}
	Ok(())
}

#[derive(serde::Deserialize)]
struct SizeQuery {
	size: u64,
}

async fn upload_check(
	State(state): State<Arc<AppState>>,
	Path(account): Path<usize>,
	Query(q): Query<SizeQuery>,
) -> Answer {
	blocking(move || {
		check_upload(&state, account, q.size)?;
		Ok(Json(json!({ "ok": true, "lease_bytes": lease_bytes_for(q.size) })))
	})
	.await
}

async fn upload(
	State(state): State<Arc<AppState>>,
	Path(account): Path<usize>,
	Query(q): Query<UploadQuery>,
	headers: HeaderMap,
	body: Body,
) -> Answer {
	let declared = headers
		.get(header::CONTENT_LENGTH)
		.and_then(|v| v.to_str().ok())
		.and_then(|v| v.parse::<u64>().ok())
		.ok_or_else(|| Fail(StatusCode::LENGTH_REQUIRED, "Content-Length required".into()))?;
	// Refused before the bytes are received (the page asks `upload-check` first, so a browser
	// does not see a connection closed mid-upload).
	let st = state.clone();
	blocking(move || check_upload(&st, account, declared)).await?;

	let id = state.next_id.fetch_add(1, Ordering::Relaxed);
	let path = state.work_dir.join(format!("upload-{}-{id}", std::process::id()));
	let mut out = tokio::fs::File::create(&path)
		.await
		.map_err(|e| Fail(StatusCode::INTERNAL_SERVER_ERROR, format!("{}: {e}", path.display())))?;
	let mut received: u64 = 0;
	let mut stream = body.into_data_stream();
	let copied: Result<(), Fail> = async {
		while let Some(chunk) = stream.next().await {
			let chunk = chunk.map_err(|e| bad(format!("upload cut short: {e}")))?;
			received = received.saturating_add(chunk.len() as u64);
			if received > declared {
				return Err(bad("more bytes than Content-Length"));
			}
			out.write_all(&chunk)
				.await
				.map_err(|e| Fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
		}
		out.flush().await.map_err(|e| Fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
		if received != declared {
			return Err(bad(format!("upload cut short: {received} of {declared} bytes")));
		}
		Ok(())
	}
	.await;
	drop(out);
	if let Err(e) = copied {
		let _ = tokio::fs::remove_file(&path).await;
		return Err(e);
	}

	let job = Arc::new(Job {
		account,
		name: clean_name(q.name),
		size: received,
		progress: PutProgress::hidden(),
		started: Instant::now(),
		result: Mutex::new(None),
		seconds: Mutex::new(None),
	});
	if let Ok(mut jobs) = state.jobs.lock() {
		jobs.insert(id, job.clone());
	}
	let st = state.clone();
	std::thread::spawn(move || {
		let result = st.tx_session(account).map_err(|Fail(_, e)| e).and_then(|mut session| {
			// The lease was checked above; `yes` only stops `put` from asking on a terminal.
			let opts = PutOptions { yes: true, ..PutOptions::default() };
			put_with_progress(&mut session, &path, &opts, &job.progress)
				.map(|r| hash_hex(r.file.as_bytes()))
		});
		let _ = std::fs::remove_file(&path);
		if let (Ok(hash), Ok(mut names)) = (&result, st.names.lock()) {
			names.insert(hash.clone(), job.name.clone());
		}
		if let Err(e) = &result {
			eprintln!("upload of {} failed: {e}", job.name);
		}
		if let Ok(mut s) = job.seconds.lock() {
			*s = Some(job.started.elapsed().as_secs_f64());
		}
		if let Ok(mut r) = job.result.lock() {
			*r = Some(result);
		}
	});
	Ok(Json(json!({ "job": id, "size": received })))
}

fn bar_json(bar: &indicatif::ProgressBar) -> Value {
	json!({ "done": bar.position(), "total": bar.length().unwrap_or(0) })
}

async fn job(State(state): State<Arc<AppState>>, Path(id): Path<u64>) -> Answer {
	let job = state
		.jobs
		.lock()
		.ok()
		.and_then(|jobs| jobs.get(&id).cloned())
		.ok_or_else(|| Fail(StatusCode::NOT_FOUND, "no such job".into()))?;
	let result = job.result.lock().ok().and_then(|r| r.clone());
	let p = &job.progress;
	Ok(Json(json!({
		"job": id,
		"account": job.account,
		"name": job.name,
		"size": job.size,
		"step": p.step(),
		"encode": bar_json(&p.encode),
		"upload": bar_json(&p.upload),
		"confirmed": bar_json(&p.confirmed),
		"done": result.is_some(),
		"file": result.as_ref().and_then(|r| r.as_ref().ok()),
		"error": result.as_ref().and_then(|r| r.as_ref().err()),
		"seconds": job.seconds.lock().ok().and_then(|s| *s)
			.unwrap_or_else(|| job.started.elapsed().as_secs_f64()),
	})))
}

async fn file_status(
	State(state): State<Arc<AppState>>,
	Path((account, hash)): Path<(usize, String)>,
) -> Answer {
	let file = parse_file_hash(&hash).map_err(bad)?;
	blocking(move || {
		let v = state.with_session(account, |s| crate::status(s, file))?;
		Ok(Json(v))
	})
	.await
}

async fn delete(
	State(state): State<Arc<AppState>>,
	Path((account, hash)): Path<(usize, String)>,
) -> Answer {
	let file = parse_file_hash(&hash).map_err(bad)?;
	blocking(move || {
		let mut session = state.tx_session(account)?;
		let at = crate::remove(&mut session, file).map_err(upstream)?;
		Ok(Json(json!({ "deletion_started_at": at })))
	})
	.await
}

/// Downloads the file to the work directory with `get` (every fragment verified), then
/// streams it to the browser and removes it.
async fn download(
	State(state): State<Arc<AppState>>,
	Path((account, hash)): Path<(usize, String)>,
) -> Result<Response, Fail> {
	let file = parse_file_hash(&hash).map_err(bad)?;
	let id = state.next_id.fetch_add(1, Ordering::Relaxed);
	let path = state.work_dir.join(format!("download-{}-{id}", std::process::id()));
	let name = state
		.names
		.lock()
		.ok()
		.and_then(|n| n.get(&hash_hex(file.as_bytes())).cloned())
		.unwrap_or_else(|| format!("{}.bin", hash_hex(file.as_bytes())));
	let st = state.clone();
	let target = path.clone();
	let size = blocking(move || {
		// A session of its own: a large file must not hold up the page's queries.
		let session = st.tx_session(account)?;
		if session.placement(file).map_err(upstream)?.is_none() {
			return Err(Fail(StatusCode::NOT_FOUND, "no such file on chain".into()));
		}
		crate::get::get(&session, file, &target, 4).map(|r| r.size).map_err(upstream)
	})
	.await?;
	let handle = tokio::fs::File::open(&path)
		.await
		.map_err(|e| Fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
	// Unlinked now: the open handle keeps the bytes until the stream is done.
	let _ = tokio::fs::remove_file(&path).await;
	let stream = futures::stream::unfold(handle, |mut f| async move {
		let mut buf = vec![0u8; 1 << 20];
		match f.read(&mut buf).await {
			Ok(0) => None,
			Ok(n) => {
				buf.truncate(n);
				Some((Ok::<Bytes, std::io::Error>(Bytes::from(buf)), f))
			}
			Err(e) => Some((Err(e), f)),
		}
	});
	let disposition = format!("attachment; filename=\"{}\"", clean_name(Some(name)));
	Ok((
		[
			(header::CONTENT_TYPE, "application/octet-stream".to_string()),
			(header::CONTENT_LENGTH, size.to_string()),
			(header::CONTENT_DISPOSITION, disposition),
		],
		Body::from_stream(stream),
	)
		.into_response())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn names_are_cleaned_for_headers() {
		assert_eq!(clean_name(Some("report.pdf".into())), "report.pdf");
		assert_eq!(clean_name(Some("../a\"b\r\n.txt".into())), "..ab.txt");
		assert_eq!(clean_name(Some("  ".into())), "file");
		assert_eq!(clean_name(None), "file");
	}

	#[test]
	fn a_10_mib_file_needs_48_mib_of_lease() {
		// One 32 MiB segment at 4 + 2: six fragments of 8 MiB each are charged in full.
		assert_eq!(lease_bytes_for(10 << 20), 6 * (8 << 20));
		// 33 MiB: two segments.
		assert_eq!(lease_bytes_for(33 << 20), 12 * (8 << 20));
	}

	/// The real server on a loopback port, without a chain behind it: the page, the account
	/// list, and the guard's refusals.
	#[test]
	fn the_server_serves_the_page_and_refuses_foreign_hosts_and_unmarked_changes() {
		let rt = tokio::runtime::Builder::new_multi_thread()
			.worker_threads(1)
			.enable_all()
			.build()
			.unwrap();
		let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
		let addr = listener.local_addr().unwrap();
		let accounts = keys(&WebAccount::dev()[..2]).unwrap();
		let alice = accounts[0].address.clone();
		let work = std::env::temp_dir().join(format!("cess-web-test-{}", std::process::id()));
		// Port 1 on loopback: nothing listens, so every chain query fails.
		let state = AppState::new(
			"http://127.0.0.1:1".into(),
			accounts,
			allowed_hosts(addr),
			1 << 20,
			work,
		);
		rt.spawn(async move { axum::serve(listener, router(Arc::new(state))).await });
		let base = format!("http://{addr}");

		let page = attohttpc::get(&base).send().unwrap();
		assert_eq!(page.status().as_u16(), 200);
		assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
		assert_eq!(page.headers()["x-frame-options"], "DENY");
		assert!(page.text().unwrap().contains("<title>CESS storage</title>"));
		let js = attohttpc::get(format!("{base}/app.js")).send().unwrap();
		assert_eq!(js.headers()["content-type"], "text/javascript; charset=utf-8");
		assert_eq!(js.text().unwrap(), APP_JS);

		let list: Value = serde_json::from_str(
			&attohttpc::get(format!("{base}/api/accounts")).send().unwrap().text().unwrap(),
		)
		.unwrap();
		assert_eq!(list["accounts"].as_array().unwrap().len(), 2);
		assert_eq!(list["accounts"][0]["name"], "Alice");
		assert_eq!(list["accounts"][0]["address"], alice.as_str());
		assert_eq!(list["accounts"][1]["name"], "Bob");
		assert!(!list.to_string().contains("//Alice"), "secret URIs stay on the server");

		// DNS rebinding: a page of another origin reaching this port under its own name.
		let raw = |host: &str| {
			use std::io::{Read, Write};
			let mut tcp = std::net::TcpStream::connect(addr).unwrap();
			let request =
				format!("GET /api/accounts HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
			tcp.write_all(request.as_bytes()).unwrap();
			let mut answer = String::new();
			tcp.read_to_string(&mut answer).unwrap();
			answer.lines().next().unwrap_or_default().to_string()
		};
		assert_eq!(raw("attacker.example"), "HTTP/1.1 403 Forbidden");
		assert_eq!(raw(&format!("attacker.example:{}", addr.port())), "HTTP/1.1 403 Forbidden");
		assert_eq!(raw(&addr.to_string()), "HTTP/1.1 200 OK");
		assert_eq!(raw(&format!("localhost:{}", addr.port())), "HTTP/1.1 200 OK");

		// A cross-site form can POST, but cannot add the header.
		let space = format!("{base}/api/accounts/0/space");
		let body = r#"{"gib":1,"days":30}"#;
		let unmarked = attohttpc::post(&space)
			.header("Content-Type", "application/json")
			.text(body)
			.send()
			.unwrap();
		assert_eq!(unmarked.status().as_u16(), 403);
		assert!(unmarked.text().unwrap().contains("x-cess-web"));
		// Marked, it reaches the handler, which finds no chain.
		let marked = attohttpc::post(&space)
			.header("Content-Type", "application/json")
			.header(CSRF_HEADER, "1")
			.text(body)
			.send()
			.unwrap();
		assert_eq!(marked.status().as_u16(), 502);

		// Uploads larger than the server takes (1 MiB here): 413 before any chain query, from
		// the check the page asks first and from the upload itself before its body is read.
		let check = format!("{base}/api/accounts/0/upload-check?size={}", (1 << 20) + 1);
		assert_eq!(attohttpc::get(&check).send().unwrap().status().as_u16(), 413);
		let check = format!("{base}/api/accounts/0/upload-check?size=0");
		assert_eq!(attohttpc::get(&check).send().unwrap().status().as_u16(), 400);
		let big = {
			use std::io::{Read, Write};
			let mut tcp = std::net::TcpStream::connect(addr).unwrap();
			let request = format!(
				"POST /api/accounts/0/files?name=a HTTP/1.1\r\nHost: {addr}\r\n{CSRF_HEADER}: \
				 1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
				(1 << 20) + 1
			);
			tcp.write_all(request.as_bytes()).unwrap();
			let mut answer = String::new();
			tcp.read_to_string(&mut answer).unwrap();
			answer.lines().next().unwrap_or_default().to_string()
		};
		assert_eq!(big, "HTTP/1.1 413 Payload Too Large");
		let unknown = attohttpc::get(format!("{base}/api/accounts/7")).send().unwrap();
		assert_eq!(unknown.status().as_u16(), 404);
		let job = attohttpc::get(format!("{base}/api/jobs/99")).send().unwrap();
		assert_eq!(job.status().as_u16(), 404);
		let hash = attohttpc::get(format!("{base}/api/accounts/0/files/0x12")).send().unwrap();
		assert_eq!(hash.status().as_u16(), 400);
	}

	#[test]
	fn dev_accounts_are_the_well_known_six() {
		let dev = WebAccount::dev();
		assert_eq!(dev.len(), 6);
		assert_eq!(dev[2].suri, "//Charlie");
		assert_eq!(dev[2].name, "Charlie");
	}
}
