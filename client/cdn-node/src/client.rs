//! The user side of the paid path: `cess-node storage get HASH -o OUT --via <cdn-url>`.
//!
//! 1. `GET <via>/quote/<file>?payer=<me>`: the node's terms. The client checks that the
//!    node is registered on chain (of the kind the quote names), that the price is at most
//!    `--max-price`, and that the quote is for this chain.
//! 2. It signs the pallet's `LotteryTicket` for exactly those terms and its grant of the file
//!    to the node (`cess_miner_agent::auth::sign_grant`, valid 200 blocks), and sends both with
//!    `GET <via>/file/<file>`.
//! 3. It checks every byte: each segment's data fragments must have their on-chain Merkle
//!    roots (the same check miners' fragments get), so a node serving other bytes is caught;
//!    the output is written only then.
//!
//! [`fund`] (`--fund AMOUNT`) first moves `AMOUNT` into the escrow and the allowance for the
//! node (`cdn.deposit`, `cdn.set_allowance`).

use crate::{
	chain as cdn_chain,
	ticket::{self, Quote, Ticket},
};
use cess_miner_agent::{auth, store::hash_hex};
use cess_runtime::{AccountId, Balance, Hash, RuntimeCall};
use cess_storage_client::{coding::Layout, proof_params, Session};
use pallet_cdn::{NodeKind, TicketKind};
use std::{io::Read, path::Path, time::Instant};

/// What a `--via` download did.
#[derive(Debug)]
pub struct ViaReport {
	/// Bytes written.
	pub size: u64,
	/// The node.
	pub node: AccountId,
	/// `price × bytes` (planck).
	pub amount: Balance,
	/// The ticket's face value and win probability.
	pub face_value: Balance,
	/// × 2⁻⁶⁴.
	pub win_prob: u64,
	/// The node's `X-CESS-Cache` (`hit`/`miss`).
	pub cache: String,
	/// Bytes of the ticket header.
	pub ticket_bytes: usize,
	/// Seconds.
	pub seconds: f64,
}

fn parse_account(text: &str) -> Result<AccountId, String> {
	let b = sp_core::bytes::from_hex(text).map_err(|_| format!("{text}: not hex"))?;
	<[u8; 32]>::try_from(b.as_slice())
		.map(AccountId::from)
		.map_err(|_| format!("{text}: not 32 bytes"))
}

/// The node behind `via` (its quote names it), checked to be registered.
pub fn node_of(session: &Session, via: &str, file: Hash) -> Result<(AccountId, Quote), String> {
	let url = format!(
		"{}/quote/{}?payer={}",
		via.trim_end_matches('/'),
		hash_hex(file.as_bytes()),
		hash_hex(session.account().as_ref())
	);
	let response = attohttpc::get(&url).send().map_err(|e| format!("GET {url}: {e}"))?;
	if !response.is_success() {
		let status = response.status();
		return Err(format!("GET {url}: HTTP {status} {}", response.text().unwrap_or_default()));
	}
	let body = response.bytes().map_err(|e| format!("{url}: {e}"))?;
	let quote: Quote = serde_json::from_slice(&body).map_err(|e| format!("{url}: {e}"))?;
	let node = parse_account(&quote.node)?;
	let info = cdn_chain::node(&session.chain, &node)?.ok_or_else(|| {
		format!("{via} quotes for {}, which is not a registered CD²N node", quote.node)
	})?;
	let kind = match info.kind {
		NodeKind::Retrieval => "Retrieval",
		NodeKind::Cache => "CacheOrder",
	};
	if quote.kind != kind {
		return Err(format!(
			"the quote is for {} tickets, the node is registered as {:?}",
			quote.kind, info.kind
		));
	}
	Ok((node, quote))
}

/// Moves `amount` into the escrow and raises the allowance for `node` by it.
pub fn fund(session: &mut Session, node: &AccountId, amount: Balance) -> Result<(), String> {
	let current = cdn_chain::allowance(&session.chain, session.account(), node)?
		.map(|a| a.balance)
		.unwrap_or(0);
	session.submit(RuntimeCall::Cdn(pallet_cdn::Call::deposit { amount }), "cdn deposit")?;
	let call = RuntimeCall::Cdn(pallet_cdn::Call::set_allowance {
		node: node.clone(),
		amount: current.saturating_add(amount),
	});
	session.submit(call, "cdn set_allowance")?;
	Ok(())
}

/// Checks `bytes` (the whole file) against the on-chain roots of every data fragment.
pub fn verify(session: &Session, file: Hash, bytes: &[u8]) -> Result<(), String> {
	let p = session.placement(file)?.ok_or("no such file on chain")?;
	let params = proof_params();
	let layout = Layout::new(p.size, p.coding, params.fragment_size);
	if bytes.len() as u64 != p.size {
		return Err(format!("the node sent {} bytes, the file has {}", bytes.len(), p.size));
	}
	let k = u32::from(p.coding.data);
	for s in 0..layout.segments() {
		let (offset, len) = layout.segment_range(s);
		let shard = layout.shard_len(s);
		for j in 0..k {
			let start = offset + u64::from(j) * shard;
			let end = (start + shard).min(offset + len);
			let mut piece =
				if start < end { bytes[start as usize..end as usize].to_vec() } else { Vec::new() };
			piece.resize(shard as usize, 0);
			let root =
				cess_storage_proof::fragment_root(&params, &piece).map_err(|e| format!("{e:?}"))?;
			let fragment = s * layout.width() + j;
			let expected = p.fragments.iter().find(|f| f.fragment == fragment).map(|f| f.root);
			if expected != Some(root) {
				return Err(format!(
					"fragment {fragment} of the served bytes does not match its on-chain root"
				));
			}
		}
	}
	Ok(())
}

/// Downloads `file` through the CD²N node at `via` into `out`, paying with one ticket.
pub fn get_via(
	session: &Session,
	via: &str,
	file: Hash,
	out: &Path,
	max_price: Option<Balance>,
) -> Result<ViaReport, String> {
	let started = Instant::now();
	let genesis = session.chain.genesis_hash().map_err(|e| e.to_string())?;
	let (node, quote) = node_of(session, via, file)?;
	if quote.genesis != hash_hex(genesis.as_bytes()) {
		return Err("the node quotes for another chain".into());
	}
	let number = |s: &str, what: &str| s.parse::<u128>().map_err(|_| format!("quote {what}: {s}"));
	let price = number(&quote.price, "price")?;
	if let Some(max) = max_price {
		if price > max {
			return Err(format!("the node asks {price} planck/byte, more than --max-price {max}"));
		}
	}
	let amount = number(&quote.amount, "amount")?;
	let face_value = number(&quote.face_value, "face value")?;
	let win_prob: u64 = quote.win_prob.parse().map_err(|_| "quote win_prob")?;
	// The expected value of the ticket must be the quoted amount (no more).
	if (face_value.saturating_mul(u128::from(win_prob)) >> 64) > amount && win_prob != u64::MAX {
		return Err("the quote's lottery is worth more than its amount".into());
	}
	if win_prob == u64::MAX && face_value != amount.max(cdn_chain::min_face()) {
		return Err("the quote's face value is not its amount".into());
	}
	let Some(opened_at) = quote.allowance_opened_at else {
		return Err(format!(
			"no allowance for node {}: fund it first (--fund AMOUNT, or cdn.setAllowance)",
			cess_miner_agent::ss58(&node)
		));
	};
	let commitment = cess_miner_agent::store::parse_hash(&quote.recipient_rand_hash)
		.ok_or("quote commitment")?;
	let t = Ticket {
		payer: session.account().clone(),
		allowance_opened_at: opened_at,
		nonce: quote.nonce,
		face_value,
		win_prob,
		bytes: quote.length,
		kind: if quote.kind == "CacheOrder" {
			TicketKind::CacheOrder
		} else {
			TicketKind::Retrieval
		},
		recipient_rand_hash: sp_core::H256(commitment),
		expires_at: quote.expires_at,
	};
	let wire = ticket::sign(session.signer.pair(), &genesis, &node, &t);
	let header = ticket::encode_header(&wire);
	let best = session.best()?;
	let url = format!("{}/file/{}", via.trim_end_matches('/'), hash_hex(file.as_bytes()));
	let mut request = attohttpc::get(&url)
		.timeout(std::time::Duration::from_secs(3_600))
		.header("X-CESS-Ticket", header.as_str());
	for (name, value) in auth::sign_grant(
		session.signer.pair(),
		file.as_fixed_bytes(),
		&node,
		best.saturating_add(200),
	) {
		request = request.header(name, value);
	}
	let response = request.send().map_err(|e| format!("GET {url}: {e}"))?;
	if !response.is_success() {
		let status = response.status();
		return Err(format!("GET {url}: HTTP {status} {}", response.text().unwrap_or_default()));
	}
	let cache = response
		.headers()
		.get("x-cess-cache")
		.and_then(|v| v.to_str().ok())
		.unwrap_or_default()
		.to_string();
	let (_, _, reader) = response.split();
	let mut body = Vec::new();
	reader
		.take(quote.length.saturating_add(1))
		.read_to_end(&mut body)
		.map_err(|e| format!("GET {url}: {e}"))?;
	verify(session, file, &body)?;
	let part = out.with_extension("part");
	std::fs::write(&part, &body).map_err(|e| format!("{}: {e}", part.display()))?;
	std::fs::rename(&part, out).map_err(|e| format!("{}: {e}", out.display()))?;
	Ok(ViaReport {
		size: body.len() as u64,
		node,
		amount,
		face_value,
		win_prob,
		cache,
		ticket_bytes: "X-CESS-Ticket: ".len() + header.len(),
		seconds: started.elapsed().as_secs_f64(),
	})
}
