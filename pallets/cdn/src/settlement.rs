//! Ticket settlement and reward claims: the money-moving logic behind `submit_tickets` and
//! `claim`.
//!
//! A batch is **skip and report**: each ticket is checked on its own, a bad one is reported as
//! `TicketRejected { index, reason }` and changes nothing, the others settle. Only when no
//! ticket settles does the call fail, with the first ticket's error; the call runs in a
//! storage transaction, so then nothing (events included) is kept.
//!
//! Settling a winner is bookkeeping: the allowance is already held by the pallet account, so
//! the payment is a decrement of the allowance. After the batch, the treasury share of the
//! whole batch leaves in one transfer; the node's 95 % waits in the pallet account until the
//! cycle closes and the node settles.

use crate::{
	pallet::*, tickets, AllowanceOf, BalanceOf, NodeCycleRecord, NodeKind, RejectReason,
	SignedTicketOf, TicketKind,
};
use frame_support::{
	ensure,
	pallet_prelude::DispatchResult,
	traits::{fungible::Mutate, tokens::Preservation, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::{
	traits::{CheckedAdd, Saturating, Zero},
	DispatchError,
};

/// How far a rejected ticket got before it was refused: what its weight was.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reached {
	/// Refused by checks on the ticket alone (no storage read, no signature check).
	Early,
	/// Refused after hashing, the draw and the allowance read (no signature check).
	AllowanceRead,
	/// Refused after its signature was verified.
	Verified,
}

/// Work done by a batch: tickets whose signature was verified, and tickets refused after
/// their allowance was read (charged `WeightInfo::submit_tickets_rejected`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchCost {
	/// Tickets whose signature was verified (settled or not).
	pub verified: u32,
	/// Tickets refused after the allowance read, before the signature check.
	pub read_rejected: u32,
}

/// A ticket that passed every check, ready to be applied.
struct Winner<T: Config> {
	allowance: AllowanceOf<T>,
	hash: H256,
	paid: BalanceOf<T>,
}

impl<T: Config> Pallet<T> {
	/// The error a rejected ticket makes the call fail with when nothing settles.
	pub fn reject_error(reason: RejectReason) -> Error<T> {
		match reason {
			RejectReason::KindMismatch => Error::<T>::KindMismatch,
			RejectReason::SelfTicket => Error::<T>::SelfTicket,
			RejectReason::FaceBelowMinimum => Error::<T>::FaceBelowMinimum,
			RejectReason::Expired => Error::<T>::Expired,
			RejectReason::LifetimeTooLong => Error::<T>::LifetimeTooLong,
			RejectReason::BadReveal => Error::<T>::BadReveal,
			RejectReason::NotAWinner => Error::<T>::NotAWinner,
			RejectReason::NoAllowance => Error::<T>::NoAllowance,
			RejectReason::WrongAllowance => Error::<T>::WrongAllowance,
			RejectReason::StaleNonce => Error::<T>::StaleNonce,
			RejectReason::NonceJump => Error::<T>::NonceJump,
			RejectReason::BadSignature => Error::<T>::BadSignature,
			RejectReason::AllowanceExhausted => Error::<T>::AllowanceExhausted,
		}
	}

	/// Whether `nonce` is fresh for `allowance`: above the floor, not settled, and at most
	/// `MaxNonceJump` above the highest nonce seen.
	pub fn nonce_check(allowance: &AllowanceOf<T>, nonce: u64) -> Result<(), RejectReason> {
		if nonce <= allowance.floor || allowance.recent.contains(&nonce) {
			return Err(RejectReason::StaleNonce);
		}
		let highest = allowance.recent.iter().copied().max().unwrap_or(0).max(allowance.floor);
		if nonce > highest.saturating_add(T::MaxNonceJump::get()) {
			return Err(RejectReason::NonceJump);
		}
		Ok(())
	}

	/// Records `nonce` as settled; when the window is full its smallest entry becomes the
	/// floor (every nonce at or below it is then refused).
	fn nonce_insert(allowance: &mut AllowanceOf<T>, nonce: u64) {
		if allowance.recent.is_full() {
			if let Some((i, min)) =
				allowance.recent.iter().copied().enumerate().min_by_key(|(_, v)| *v)
			{
				allowance.recent.swap_remove(i);
				allowance.floor = allowance.floor.max(min);
			}
		}
		// Cannot fail: an entry was just removed if the window was full.
		let _ = allowance.recent.try_push(nonce);
	}

	/// Every check of one ticket, cheapest first. `Err((reason, reached))` says how far the
	/// ticket got, i.e. how much of the per-ticket weight it used.
	fn check_ticket(
		who: &T::AccountId,
		kind: NodeKind,
		signed: &SignedTicketOf<T>,
		genesis: &T::Hash,
		now: BlockNumberFor<T>,
	) -> Result<Winner<T>, (RejectReason, Reached)> {
		let t = &signed.ticket;
		let needed = match t.kind {
			TicketKind::Retrieval => NodeKind::Retrieval,
			TicketKind::CacheOrder => NodeKind::Cache,
		};
		let early = |r| (r, Reached::Early);
		let read = |r| (r, Reached::AllowanceRead);
		ensure!(needed == kind, early(RejectReason::KindMismatch));
		ensure!(t.payer != *who, early(RejectReason::SelfTicket));
		ensure!(t.face_value >= T::MinFaceValue::get(), early(RejectReason::FaceBelowMinimum));
		ensure!(now <= t.expires_at, early(RejectReason::Expired));
		ensure!(
			t.expires_at <= now.saturating_add(T::MaxTicketLifetime::get()),
			early(RejectReason::LifetimeTooLong)
		);
		ensure!(
			tickets::commitment(&signed.recipient_rand) == t.recipient_rand_hash,
			early(RejectReason::BadReveal)
		);
		let payload = tickets::payload(genesis, who, t);
		let hash = tickets::ticket_hash(&payload);
		ensure!(
			tickets::wins(tickets::draw(&hash, &signed.recipient_rand), t.win_prob),
			early(RejectReason::NotAWinner)
		);
		let allowance =
			Allowances::<T>::get(&t.payer, who).ok_or(read(RejectReason::NoAllowance))?;
		ensure!(allowance.opened_at == t.allowance_opened_at, read(RejectReason::WrongAllowance));
		Self::nonce_check(&allowance, t.nonce).map_err(read)?;
		ensure!(
			tickets::verify(t.payer.as_ref(), &payload, &signed.signature, signed.form),
			(RejectReason::BadSignature, Reached::Verified)
		);
		ensure!(
			!allowance.balance.is_zero(),
			(RejectReason::AllowanceExhausted, Reached::Verified)
		);
		let paid = t.face_value.min(allowance.balance);
		Ok(Winner { allowance, hash, paid })
	}

	/// Validates and settles `batch` submitted by `who`; see `submit_tickets`. Returns the
	/// work done (what the weight actually used depends on).
	pub(crate) fn do_submit_tickets(
		who: &T::AccountId,
		batch: &[SignedTicketOf<T>],
	) -> Result<BatchCost, DispatchError> {
		ensure!(!batch.is_empty(), Error::<T>::EmptyBatch);
		let node = Nodes::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
		let cycle = CurrentCycle::<T>::get();
		let mut ledger = Self::settle_node(who)?;
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let now = frame_system::Pallet::<T>::block_number();

		let mut paid_total = BalanceOf::<T>::zero();
		let mut settled: u32 = 0;
		let mut rejected: u32 = 0;
		let mut cost = BatchCost::default();
		let mut first_error: Option<RejectReason> = None;

		for (index, signed) in batch.iter().enumerate() {
			let t = &signed.ticket;
			match Self::check_ticket(who, node.kind, signed, &genesis, now) {
				Ok(mut w) => {
					cost.verified = cost.verified.saturating_add(1);
					w.allowance.balance = w.allowance.balance.saturating_sub(w.paid);
					Self::nonce_insert(&mut w.allowance, t.nonce);
					Allowances::<T>::insert(&t.payer, who, w.allowance);
					Receipts::<T>::mutate((cycle, who, &t.payer), |r| {
						let r = r.get_or_insert_with(Default::default);
						let represented = tickets::represented(t.win_prob);
						r.won = r.won.saturating_add(1);
						r.paid = r.paid.saturating_add(w.paid);
						r.expected_tickets = r.expected_tickets.saturating_add(represented);
						r.expected_bytes = r
							.expected_bytes
							.saturating_add(represented.saturating_mul(u128::from(t.bytes)));
						r.last_nonce = t.nonce;
					});
					paid_total = paid_total.checked_add(&w.paid).ok_or(Error::<T>::Overflow)?;
					settled = settled.saturating_add(1);
					if w.paid < t.face_value {
						Self::deposit_event(Event::Underfunded {
							payer: t.payer.clone(),
							nonce: t.nonce,
							paid: w.paid,
							face: t.face_value,
						});
					}
					Self::deposit_event(Event::TicketSettled {
						payer: t.payer.clone(),
						nonce: t.nonce,
						ticket_hash: w.hash,
						face: t.face_value,
						paid: w.paid,
					});
				}
				Err((reason, reached)) => {
					match reached {
						Reached::Verified => cost.verified = cost.verified.saturating_add(1),
						Reached::AllowanceRead => {
							cost.read_rejected = cost.read_rejected.saturating_add(1)
						}
						Reached::Early => {}
					}
					rejected = rejected.saturating_add(1);
					if first_error.is_none() {
						first_error = Some(reason);
					}
					Self::deposit_event(Event::TicketRejected {
						index: index as u32,
						payer: t.payer.clone(),
						nonce: t.nonce,
						reason,
					});
				}
			}
		}
		if settled == 0 {
			// The transaction is rolled back: nothing of this call is kept.
			let reason = first_error.unwrap_or(RejectReason::NotAWinner);
			return Err(Self::reject_error(reason).into());
		}

		// The treasury share leaves now; the node's part waits in the pallet account until the
		// cycle closes and the node settles it.
		let treasury = T::TreasuryShare::get().mul_floor(paid_total);
		if !treasury.is_zero() {
			T::Currency::transfer(
				&Self::account_id(),
				&T::Treasury::get(),
				treasury,
				Preservation::Preserve,
			)?;
		}
		let income = paid_total.saturating_sub(treasury);

		let new_participant = ledger.pending_cycle.is_none();
		let mut record = if new_participant {
			NodeCycleRecord::default()
		} else {
			NodeWork::<T>::get(cycle, who).unwrap_or_default()
		};
		let mut totals = CurrentTotals::<T>::get();
		let work = &mut record.work;
		work.income = work.income.checked_add(&income).ok_or(Error::<T>::Overflow)?;
		work.winners = work.winners.saturating_add(settled);
		match node.kind {
			NodeKind::Retrieval => {
				work.paid = work.paid.checked_add(&paid_total).ok_or(Error::<T>::Overflow)?;
				totals.retrieval_power =
					totals.retrieval_power.checked_add(&paid_total).ok_or(Error::<T>::Overflow)?;
			}
			NodeKind::Cache => {
				work.order_paid =
					work.order_paid.checked_add(&paid_total).ok_or(Error::<T>::Overflow)?;
				totals.order_paid =
					totals.order_paid.checked_add(&paid_total).ok_or(Error::<T>::Overflow)?;
			}
		}
		if new_participant {
			Self::join_cycle(who, cycle, &mut ledger, &mut totals);
		}
		NodeWork::<T>::insert(cycle, who, record);
		CurrentTotals::<T>::put(totals);
		Self::deposit_event(Event::BatchSettled {
			cycle,
			node: who.clone(),
			settled,
			rejected,
			paid: paid_total,
			income,
			treasury,
		});
		Ok(cost)
	}

	/// Makes `who` a participant of the open `cycle` (it settles the cycle once it closes).
	pub(crate) fn join_cycle(
		who: &T::AccountId,
		cycle: crate::CycleIndex,
		ledger: &mut crate::RewardLedger<BalanceOf<T>>,
		totals: &mut crate::CycleTotals<BalanceOf<T>>,
	) {
		totals.participants = totals.participants.saturating_add(1);
		ledger.pending_cycle = Some(cycle);
		Rewards::<T>::insert(who, &*ledger);
		Unsettled::<T>::insert(cycle, who, ());
	}

	/// Pays half (rounded up, so balances drain to zero) of `who`'s reward balance; see
	/// `claim`.
	pub(crate) fn do_claim(who: &T::AccountId) -> DispatchResult {
		let mut ledger = Self::settle_node(who)?;
		let cycle = CurrentCycle::<T>::get();
		ensure!(!ledger.balance.is_zero(), Error::<T>::NothingToClaim);
		ensure!(ledger.last_claim != Some(cycle), Error::<T>::AlreadyClaimedThisCycle);
		let amount = Self::claimable(ledger.balance);
		T::Currency::transfer(&Self::account_id(), who, amount, Preservation::Preserve)?;
		ledger.balance = ledger.balance.saturating_sub(amount);
		ledger.last_claim = Some(cycle);
		let remaining = ledger.balance;
		Self::store_ledger(who, ledger);
		Self::deposit_event(Event::RewardClaimed { cycle, node: who.clone(), amount, remaining });
		Ok(())
	}

	/// Stores `who`'s ledger, or removes it once it is of no use: nothing to claim, nothing
	/// pending, and `who` no longer a registered node (a registered node keeps it, it
	/// remembers the cycle of its last claim).
	pub(crate) fn store_ledger(who: &T::AccountId, ledger: crate::RewardLedger<BalanceOf<T>>) {
		if ledger.balance.is_zero()
			&& ledger.pending_cycle.is_none()
			&& !Nodes::<T>::contains_key(who)
		{
			Rewards::<T>::remove(who);
		} else {
			Rewards::<T>::insert(who, ledger);
		}
	}

	/// What one claim pays out of `balance`: 50 %, rounded up.
	pub fn claimable(balance: BalanceOf<T>) -> BalanceOf<T> {
		let two = BalanceOf::<T>::from(2u32);
		balance.saturating_sub(balance / two)
	}
}
