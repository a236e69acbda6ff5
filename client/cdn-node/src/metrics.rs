//! Counters of the node, exported as Prometheus text (`GET /metrics`) and in `GET /status`.

use serde_json::json;
use std::sync::{
	atomic::{AtomicU64, Ordering::Relaxed},
	Mutex,
};

/// The node's counters.
#[derive(Default)]
pub struct Metrics {
	/// `/file` requests served (200/206).
	pub served: AtomicU64,
	/// `/file` requests refused for payment (402) or authority (403).
	pub refused: AtomicU64,
	/// `/file` requests that failed (fetch or disk errors).
	pub failed: AtomicU64,
	/// Quotes issued.
	pub quotes: AtomicU64,
	/// Content bytes sent.
	pub bytes: AtomicU64,
	/// Requests served from the cache.
	pub hits: AtomicU64,
	/// Requests that fetched from miners first.
	pub misses: AtomicU64,
	/// Tickets accepted (winners and losers).
	pub tickets_accepted: AtomicU64,
	/// Accepted tickets that win.
	pub tickets_won: AtomicU64,
	/// Total µs spent checking and journaling tickets.
	pub ticket_us: AtomicU64,
	/// Planck settled on chain by this node's batches (since start).
	pub paid: Mutex<u128>,
	/// Planck claimed (since start).
	pub claimed: Mutex<u128>,
	/// The reward ledger's balance at the last look.
	pub reward_balance: Mutex<u128>,
	/// Submission rounds that failed (chain down, ...).
	pub chain_errors: AtomicU64,
	/// Placements and attestations.
	pub placement: crate::placement::Counters,
}

fn get(m: &Mutex<u128>) -> u128 {
	m.lock().map(|v| *v).unwrap_or(0)
}

/// Adds `x` to `m`.
pub fn add(m: &Mutex<u128>, x: u128) {
	if let Ok(mut v) = m.lock() {
		*v = v.saturating_add(x);
	}
}

/// Sets `m`.
pub fn set(m: &Mutex<u128>, x: u128) {
	if let Ok(mut v) = m.lock() {
		*v = x;
	}
}

impl Metrics {
	/// Hits ÷ (hits + misses), 0 without requests.
	pub fn hit_ratio(&self) -> f64 {
		let (h, m) = (self.hits.load(Relaxed), self.misses.load(Relaxed));
		if h + m == 0 {
			0.0
		} else {
			h as f64 / (h + m) as f64
		}
	}

	/// The counters as JSON (amounts as decimal strings).
	pub fn json(&self, pending: usize, settled: u64, refused: u64) -> serde_json::Value {
		json!({
			"requests": { "served": self.served.load(Relaxed), "refused": self.refused.load(Relaxed),
				"failed": self.failed.load(Relaxed), "quotes": self.quotes.load(Relaxed) },
			"bytes_served": self.bytes.load(Relaxed),
			"cache": { "hits": self.hits.load(Relaxed), "misses": self.misses.load(Relaxed),
				"hit_ratio": self.hit_ratio() },
			"tickets": { "accepted": self.tickets_accepted.load(Relaxed), "won": self.tickets_won.load(Relaxed),
				"pending": pending, "settled": settled, "refused": refused },
			"paid": get(&self.paid).to_string(),
			"claimed": get(&self.claimed).to_string(),
			"reward_balance": get(&self.reward_balance).to_string(),
			"chain_errors": self.chain_errors.load(Relaxed),
		})
	}

	/// Prometheus text exposition format.
	pub fn prometheus(
		&self,
		pending: usize,
		settled: u64,
		refused: u64,
		cache_bytes: u64,
	) -> String {
		let mut out = String::new();
		let mut line = |name: &str, kind: &str, help: &str, samples: &[(&str, String)]| {
			out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
			for (labels, v) in samples {
				out.push_str(&format!("{name}{labels} {v}\n"));
			}
		};
		line(
			"cdn_requests_total",
			"counter",
			"File requests by result.",
			&[
				("{result=\"served\"}", self.served.load(Relaxed).to_string()),
				("{result=\"refused\"}", self.refused.load(Relaxed).to_string()),
				("{result=\"failed\"}", self.failed.load(Relaxed).to_string()),
			],
		);
		line(
			"cdn_quotes_total",
			"counter",
			"Quotes issued.",
			&[("", self.quotes.load(Relaxed).to_string())],
		);
		line(
			"cdn_bytes_served_total",
			"counter",
			"Content bytes sent.",
			&[("", self.bytes.load(Relaxed).to_string())],
		);
		line(
			"cdn_cache_hits_total",
			"counter",
			"Requests served from the cache.",
			&[("", self.hits.load(Relaxed).to_string())],
		);
		line(
			"cdn_cache_misses_total",
			"counter",
			"Requests fetched from miners first.",
			&[("", self.misses.load(Relaxed).to_string())],
		);
		line(
			"cdn_cache_hit_ratio",
			"gauge",
			"hits / (hits + misses).",
			&[("", format!("{:.6}", self.hit_ratio()))],
		);
		line(
			"cdn_cache_bytes",
			"gauge",
			"Bytes held in the cache.",
			&[("", cache_bytes.to_string())],
		);
		line(
			"cdn_tickets_accepted_total",
			"counter",
			"Tickets accepted.",
			&[("", self.tickets_accepted.load(Relaxed).to_string())],
		);
		line(
			"cdn_tickets_won_total",
			"counter",
			"Accepted tickets that win.",
			&[("", self.tickets_won.load(Relaxed).to_string())],
		);
		line(
			"cdn_tickets_pending",
			"gauge",
			"Winners journaled, not yet settled.",
			&[("", pending.to_string())],
		);
		line(
			"cdn_tickets_settled_total",
			"counter",
			"Winners settled on chain.",
			&[("", settled.to_string())],
		);
		line(
			"cdn_tickets_refused_total",
			"counter",
			"Winners the chain refused or would refuse.",
			&[("", refused.to_string())],
		);
		line(
			"cdn_ticket_check_microseconds_total",
			"counter",
			"Time spent checking and journaling tickets.",
			&[("", self.ticket_us.load(Relaxed).to_string())],
		);
		line(
			"cdn_paid_planck_total",
			"counter",
			"Planck settled by this node's batches.",
			&[("", get(&self.paid).to_string())],
		);
		line(
			"cdn_claimed_planck_total",
			"counter",
			"Planck claimed.",
			&[("", get(&self.claimed).to_string())],
		);
		line(
			"cdn_reward_balance_planck",
			"gauge",
			"Unclaimed reward balance on chain.",
			&[("", get(&self.reward_balance).to_string())],
		);
		line(
			"cdn_chain_errors_total",
			"counter",
			"Failed chain rounds (retried with backoff).",
			&[("", self.chain_errors.load(Relaxed).to_string())],
		);
		out
	}
}
