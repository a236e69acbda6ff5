//! Ticket settlement and reward claims: the money-moving logic behind `submit_tickets` and
//! `claim`.
//!
//! Calls are executed in a storage transaction, so an error anywhere in a batch rolls back
//! every write and transfer made for earlier tickets of the same batch: a rejected batch
//! changes nothing.

use crate::{
	pallet::*, tickets, BalanceOf, NodeCycleRecord, NodeKind, Receipt, ReceiptsOf, SignedTicketOf,
	TicketKind,
};
use frame_support::{
	ensure,
	pallet_prelude::DispatchResult,
	traits::{
		fungible::{Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
		Get,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{CheckedAdd, CheckedSub, Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// Validates and settles `batch` submitted by `who`; see `submit_tickets`.
	pub(crate) fn do_submit_tickets(
		who: &T::AccountId,
		batch: &[SignedTicketOf<T>],
	) -> DispatchResult {
		ensure!(!batch.is_empty(), Error::<T>::EmptyBatch);
		let node = Nodes::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
		let cycle = CurrentCycle::<T>::get();
		let mut ledger = Self::settle_node(who)?;
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let vault = Self::account_id();
		let pool = T::RewardPool::get();

		let new_participant = ledger.pending_cycle.is_none();
		let mut record = if new_participant {
			NodeCycleRecord::default()
		} else {
			NodeWork::<T>::get(who, cycle).unwrap_or_default()
		};
		let mut receipts = Receipts::<T>::get(who, cycle);
		let mut totals = CurrentTotals::<T>::get();
		let mut retrieval_amount = BalanceOf::<T>::zero();
		let mut batch_amount = BalanceOf::<T>::zero();
		let mut batch_units: u128 = 0;

		for signed in batch {
			let ticket = &signed.ticket;
			// Cheap checks first; the signature last before any write.
			ensure!(ticket.node == *who, Error::<T>::WrongNode);
			ensure!(ticket.genesis == genesis, Error::<T>::WrongGenesis);
			ensure!(ticket.signer != *who, Error::<T>::SelfTicket);
			ensure!(ticket.bytes > 0, Error::<T>::ZeroBytes);
			let node_kind_needed = match ticket.kind {
				TicketKind::Retrieval => NodeKind::Retrieval,
				TicketKind::CacheOrder | TicketKind::CachedBytes => NodeKind::Cache,
			};
			ensure!(node.kind == node_kind_needed, Error::<T>::KindMismatch);
			if ticket.kind == TicketKind::CachedBytes {
				ensure!(ticket.amount.is_zero(), Error::<T>::AttestationWithAmount);
				let signer_kind = Nodes::<T>::get(&ticket.signer).map(|n| n.kind);
				ensure!(
					signer_kind == Some(NodeKind::Retrieval),
					Error::<T>::SignerNotRetrievalNode
				);
			} else {
				ensure!(ticket.amount >= T::MinTicketAmount::get(), Error::<T>::AmountBelowMinimum);
			}
			ensure!(ticket.nonce > Nonces::<T>::get(&ticket.signer, who), Error::<T>::StaleNonce);
			ensure!(tickets::verify(ticket, &signed.signature), Error::<T>::BadSignature);

			Nonces::<T>::insert(&ticket.signer, who, ticket.nonce);
			let bytes = u128::from(ticket.bytes);
			let work = &mut record.work;
			match ticket.kind {
				TicketKind::Retrieval => {
					Self::take_escrow(&ticket.signer, &vault, ticket.amount)?;
					retrieval_amount =
						retrieval_amount.checked_add(&ticket.amount).ok_or(Error::<T>::Overflow)?;
					work.orders = work.orders.checked_add(1).ok_or(Error::<T>::Overflow)?;
					totals.retrieval_power =
						totals.retrieval_power.checked_add(1).ok_or(Error::<T>::Overflow)?;
				}
				TicketKind::CacheOrder => {
					Self::take_escrow(&ticket.signer, &pool, ticket.amount)?;
					work.cache_order_bytes = work.cache_order_bytes.saturating_add(bytes);
					totals.cache_order_bytes = totals.cache_order_bytes.saturating_add(bytes);
				}
				TicketKind::CachedBytes => {
					work.cached_bytes = work.cached_bytes.saturating_add(bytes);
					totals.cached_bytes = totals.cached_bytes.saturating_add(bytes);
				}
			}
			Self::record_receipt(
				&mut receipts,
				ticket.signer.clone(),
				ticket.kind,
				ticket.nonce,
				bytes,
				ticket.amount,
			)?;
			batch_amount = batch_amount.saturating_add(ticket.amount);
			batch_units = batch_units.saturating_add(bytes);
			Self::deposit_event(Event::TicketSettled {
				cycle,
				node: who.clone(),
				signer: ticket.signer.clone(),
				kind: ticket.kind,
				nonce: ticket.nonce,
				units: ticket.bytes,
				amount: ticket.amount,
			});
		}

		// Retrieval income: the treasury share leaves now, the node's part waits in the pallet
		// account until the cycle closes and the node settles it.
		let treasury = T::TreasuryShare::get().mul_floor(retrieval_amount);
		if !treasury.is_zero() {
			T::Currency::transfer(&vault, &T::Treasury::get(), treasury, Preservation::Preserve)?;
		}
		let income = retrieval_amount.saturating_sub(treasury);
		record.work.income = record.work.income.checked_add(&income).ok_or(Error::<T>::Overflow)?;

		if new_participant {
			totals.participants = totals.participants.saturating_add(1);
			ledger.pending_cycle = Some(cycle);
			Rewards::<T>::insert(who, &ledger);
			// Best-effort pruning of old records: one key, O(1).
			if let Some(old) = cycle.checked_sub(T::ReceiptHistoryDepth::get()) {
				NodeWork::<T>::remove(who, old);
				Receipts::<T>::remove(who, old);
			}
		}
		NodeWork::<T>::insert(who, cycle, record);
		Receipts::<T>::insert(who, cycle, receipts);
		CurrentTotals::<T>::put(totals);
		Self::deposit_event(Event::BatchSettled {
			cycle,
			node: who.clone(),
			tickets: batch.len() as u32,
			units: batch_units,
			amount: batch_amount,
			income,
			treasury,
		});
		Ok(())
	}

	/// Moves `amount` of `signer`'s escrow (a hold) to `dest` as free balance.
	fn take_escrow(
		signer: &T::AccountId,
		dest: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		Escrows::<T>::try_mutate_exists(signer, |maybe| -> DispatchResult {
			let escrow = maybe.as_mut().ok_or(Error::<T>::InsufficientEscrow)?;
			escrow.balance =
				escrow.balance.checked_sub(&amount).ok_or(Error::<T>::InsufficientEscrow)?;
			if escrow.balance.is_zero() && escrow.withdrawal.is_none() {
				*maybe = None;
			}
			Ok(())
		})?;
		if !amount.is_zero() {
			T::Currency::transfer_on_hold(
				&HoldReason::Escrow.into(),
				signer,
				dest,
				amount,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Polite,
			)?;
		}
		Ok(())
	}

	/// Adds a ticket to the receipt of its `(signer, kind)`, or opens a new receipt.
	fn record_receipt(
		receipts: &mut ReceiptsOf<T>,
		signer: T::AccountId,
		kind: TicketKind,
		nonce: u64,
		units: u128,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if let Some(r) = receipts.iter_mut().find(|r| r.signer == signer && r.kind == kind) {
			r.tickets = r.tickets.saturating_add(1);
			r.units = r.units.saturating_add(units);
			r.amount = r.amount.saturating_add(amount);
			r.last_nonce = nonce;
			return Ok(());
		}
		receipts
			.try_push(Receipt { signer, kind, tickets: 1, units, amount, last_nonce: nonce })
			.map_err(|_| Error::<T>::ReceiptsFull.into())
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
		Rewards::<T>::insert(who, ledger);
		Self::deposit_event(Event::RewardClaimed { cycle, node: who.clone(), amount, remaining });
		Ok(())
	}

	/// What one claim pays out of `balance`: 50 %, rounded up.
	pub fn claimable(balance: BalanceOf<T>) -> BalanceOf<T> {
		let two = BalanceOf::<T>::from(2u32);
		balance.saturating_sub(balance / two)
	}
}
