//! The settlement loop: every `--batch-interval` it submits the journal's unsubmitted winners
//! and claims the reward once per cycle.
//!
//! **Skipping what the chain would refuse.** Before a batch is built each winner is checked
//! against the chain: past `expires_at` (`Expired`), `CdnApi::ticket_status` not `Open`
//! (`Settled`: an earlier batch settled it and the node died before noting it — it moves to
//! `settled/`; `Stale`: nonce used or allowance gone), or an allowance opened after the one
//! the ticket names (`WrongAllowance`). Those never reach `submit_tickets`, so they cost no
//! fee; what is left goes in batches of `MaxTicketsPerBatch`, by payer then nonce (the
//! pallet's nonce window takes up to 16 out of order, in order is always fine). The batch's
//! events decide each ticket: `TicketSettled` → `settled/`, `TicketRejected` → `refused/`;
//! if no ticket of a batch settles the call fails with its first ticket's error, so that one
//! is refused and the rest retried next round.
//!
//! **Claiming.** Once per cycle (`Rewards.last_claim ≠ CdnApi::current_cycle`), when there is
//! something to claim (a balance, or a closed cycle not yet settled), `claim()` (which pays
//! 50 % and settles the closed cycle first).
//!
//! **Chain outages.** Any failed read or submission ends the round; the next round waits
//! twice as long (1 s … 60 s), reconnecting the session if needed. Tickets stay in `pending/`
//! meanwhile, and the HTTP side refuses new tickets while it cannot read the allowance.

use crate::{chain as cdn_chain, metrics, store::Stage, Node, LOG_TARGET};
use cess_runtime::{RuntimeCall, RuntimeEvent};
use cess_storage_client::Session;
use frame_support::BoundedVec;
use pallet_cdn::TicketStatus;
use std::{
	collections::BTreeMap,
	sync::{atomic::Ordering::Relaxed, Arc},
	time::Duration,
};

/// Runs forever.
pub fn run(node: Arc<Node>, mut session: Session, interval: Duration, rpc: String, suri: String) {
	let mut wait = interval;
	loop {
		std::thread::sleep(wait);
		match round(&node, &mut session) {
			Ok(()) => wait = interval,
			Err(e) => {
				node.metrics.chain_errors.fetch_add(1, Relaxed);
				wait = (wait * 2).clamp(Duration::from_secs(1), Duration::from_secs(60));
				log::warn!(target: LOG_TARGET, "settlement round: {e}; next in {} s", wait.as_secs());
				if session.best().is_err() {
					// Reconnect (the node may have restarted with a new runtime).
					if let Ok(s) = Session::connect(&rpc, &suri) {
						session = s;
					}
				}
			}
		}
	}
}

/// One round: submit, claim, then placement and attestations ([`crate::placement::round`]).
pub fn round(node: &Node, session: &mut Session) -> Result<(), String> {
	submit(node, session)?;
	claim(node, session)?;
	crate::placement::round(node, session)
}

fn submit(node: &Node, session: &mut Session) -> Result<(), String> {
	let pending = node.journal.lock().map_err(|_| "journal lock")?.pending();
	if pending.is_empty() {
		return Ok(());
	}
	let best = session.best()?;
	let mut batch = Vec::new();
	let mut opened: BTreeMap<cess_runtime::AccountId, Option<u32>> = BTreeMap::new();
	let mut finished = Vec::new();
	for t in pending {
		if batch.len() >= cdn_chain::max_batch() {
			break;
		}
		let ticket = &t.signed.ticket;
		if best > ticket.expires_at {
			log::warn!(target: LOG_TARGET, "ticket {:?} expired before submission", t.hash);
			finished.push((t.hash, Stage::Refused));
			continue;
		}
		if !opened.contains_key(&ticket.payer) {
			let a = cdn_chain::allowance(&session.chain, &ticket.payer, &node.account)?;
			opened.insert(ticket.payer.clone(), a.map(|a| a.opened_at));
		}
		if opened.get(&ticket.payer).copied().flatten() != Some(ticket.allowance_opened_at) {
			finished.push((t.hash, Stage::Refused));
			continue;
		}
		match cdn_chain::ticket_status(&session.chain, &ticket.payer, &node.account, ticket.nonce)?
		{
			TicketStatus::Open => batch.push(t),
			TicketStatus::Settled => finished.push((t.hash, Stage::Settled)),
			TicketStatus::Stale => finished.push((t.hash, Stage::Refused)),
		}
	}
	{
		let mut j = node.journal.lock().map_err(|_| "journal lock")?;
		for (hash, stage) in finished {
			j.finish(&hash, stage)?;
		}
	}
	if batch.is_empty() {
		return Ok(());
	}
	let signed: Vec<_> = batch.iter().map(|t| t.signed.clone()).collect();
	let tickets: BoundedVec<_, _> = signed.try_into().map_err(|_| "batch too long")?;
	let call = RuntimeCall::Cdn(pallet_cdn::Call::submit_tickets { tickets });
	match session.submit(call, "submit_tickets") {
		Ok(events) => {
			let mut j = node.journal.lock().map_err(|_| "journal lock")?;
			let mut settled = 0;
			for e in events {
				match e {
					RuntimeEvent::Cdn(pallet_cdn::Event::TicketSettled {
						payer,
						nonce,
						paid,
						..
					}) => {
						if let Some(t) = batch.iter().find(|t| {
							t.signed.ticket.payer == payer && t.signed.ticket.nonce == nonce
						}) {
							j.finish(&t.hash, Stage::Settled)?;
							settled += 1;
						}
						metrics::add(&node.metrics.paid, paid);
					}
					RuntimeEvent::Cdn(pallet_cdn::Event::TicketRejected {
						index, reason, ..
					}) => {
						if let Some(t) = batch.get(index as usize) {
							log::warn!(target: LOG_TARGET, "ticket {:?} rejected: {reason:?}", t.hash);
							j.finish(&t.hash, Stage::Refused)?;
						}
					}
					_ => {}
				}
			}
			log::info!(target: LOG_TARGET, "submitted {} tickets, {settled} settled", batch.len());
			Ok(())
		}
		// The call was included and failed: no ticket settled, the first one's error.
		Err(e) if e.contains("failed in block") => {
			log::warn!(target: LOG_TARGET, "batch refused ({e}); dropping its first ticket");
			node.journal.lock().map_err(|_| "journal lock")?.finish(&batch[0].hash, Stage::Refused)
		}
		Err(e) => Err(e),
	}
}

fn claim(node: &Node, session: &mut Session) -> Result<(), String> {
	let cycle = cdn_chain::current_cycle(&session.chain)?;
	let ledger = cdn_chain::rewards(&session.chain, &node.account)?;
	let report = cdn_chain::cycle_report(&session.chain, &node.account, cycle)?;
	metrics::set(&node.metrics.reward_balance, report.reward_balance);
	let due = ledger.balance > 0 || ledger.pending_cycle.is_some_and(|c| c < cycle);
	if ledger.last_claim == Some(cycle) || !due || report.claimable_now == 0 {
		return Ok(());
	}
	let events = session.submit(RuntimeCall::Cdn(pallet_cdn::Call::claim {}), "claim")?;
	for e in events {
		if let RuntimeEvent::Cdn(pallet_cdn::Event::RewardClaimed {
			amount,
			remaining,
			cycle,
			..
		}) = e
		{
			metrics::add(&node.metrics.claimed, amount);
			metrics::set(&node.metrics.reward_balance, remaining);
			log::info!(target: LOG_TARGET, "claimed {amount} planck in cycle {cycle}, {remaining} remain");
		}
	}
	Ok(())
}
