//! Allowances: escrow committed to one node (SPEC §9, design §3).
//!
//! A payer's escrow is a hold on its own account; `set_allowance` moves part of it to the
//! pallet account as the allowance of one `(payer, node)`. Tickets to that node draw only
//! from it, so the node sees on chain exactly what covers its winners and one escrow can
//! never be promised to several nodes. Decreases wait `AllowanceUnlockDelay` (longer than a
//! ticket's lifetime), and tickets keep drawing meanwhile; a decrease to zero closes the
//! allowance, and a reopened one has a new `opened_at`, which old tickets do not sign.

use crate::{pallet::*, AllowanceDecrease, AllowanceOf, BalanceOf, HoldReason};
use frame_support::{
	ensure,
	pallet_prelude::DispatchResult,
	traits::{
		fungible::{Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
		Get,
	},
};
use sp_runtime::traits::{CheckedSub, Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// Takes `amount` from `payer`'s escrow into the pallet account.
	fn escrow_to_vault(payer: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		Escrows::<T>::try_mutate_exists(payer, |maybe| -> DispatchResult {
			let escrow = maybe.as_mut().ok_or(Error::<T>::InsufficientEscrow)?;
			escrow.balance =
				escrow.balance.checked_sub(&amount).ok_or(Error::<T>::InsufficientEscrow)?;
			if escrow.balance.is_zero() && escrow.withdrawal.is_none() {
				*maybe = None;
			}
			Ok(())
		})?;
		T::Currency::transfer_on_hold(
			&HoldReason::Escrow.into(),
			payer,
			&Self::account_id(),
			amount,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Polite,
		)?;
		Ok(())
	}

	/// Returns `amount` from the pallet account to `payer`'s escrow.
	fn vault_to_escrow(payer: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		T::Currency::transfer(&Self::account_id(), payer, amount, Preservation::Preserve)?;
		T::Currency::hold(&HoldReason::Escrow.into(), payer, amount)?;
		let mut escrow = Escrows::<T>::get(payer).unwrap_or_default();
		escrow.balance = escrow.balance.saturating_add(amount);
		Escrows::<T>::insert(payer, escrow);
		Ok(())
	}

	/// See `set_allowance`.
	pub(crate) fn do_set_allowance(
		payer: &T::AccountId,
		node: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(payer != node, Error::<T>::SelfTicket);
		let now = frame_system::Pallet::<T>::block_number();
		let existing = Allowances::<T>::get(payer, node);
		// Only opening or raising (or keeping) an allowance needs a registered node: a
		// decrease must stay possible after the node unregistered, or its payers' funds
		// would be locked for good.
		let raises = existing.as_ref().is_none_or(|a| amount >= a.balance);
		ensure!(!raises || Nodes::<T>::contains_key(node), Error::<T>::UnknownNode);
		let mut allowance: AllowanceOf<T> = match existing {
			Some(a) => a,
			None => {
				ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
				let deposit = T::AllowanceDeposit::get();
				if !deposit.is_zero() {
					T::Currency::hold(&HoldReason::AllowanceDeposit.into(), payer, deposit)
						.map_err(|_| Error::<T>::InsufficientBalance)?;
				}
				AllowanceOf::<T> {
					balance: Zero::zero(),
					opened_at: now,
					floor: 0,
					recent: Default::default(),
					decrease: None,
					deposit,
				}
			}
		};
		if amount >= allowance.balance {
			let delta = amount.saturating_sub(allowance.balance);
			if !delta.is_zero() {
				Self::escrow_to_vault(payer, delta)?;
			}
			allowance.balance = amount;
			allowance.decrease = None;
			let opened_at = allowance.opened_at;
			Allowances::<T>::insert(payer, node, allowance);
			Self::deposit_event(Event::AllowanceSet {
				payer: payer.clone(),
				node: node.clone(),
				balance: amount,
				opened_at,
			});
		} else {
			let unlock_at = now.saturating_add(T::AllowanceUnlockDelay::get());
			allowance.decrease = Some(AllowanceDecrease { to: amount, unlock_at });
			Allowances::<T>::insert(payer, node, allowance);
			Self::deposit_event(Event::AllowanceDecreaseRequested {
				payer: payer.clone(),
				node: node.clone(),
				to: amount,
				unlock_at,
			});
		}
		Ok(())
	}

	/// See `release_allowance`.
	pub(crate) fn do_release_allowance(
		payer: &T::AccountId,
		node: &T::AccountId,
	) -> DispatchResult {
		let mut allowance = Allowances::<T>::get(payer, node).ok_or(Error::<T>::NoAllowance)?;
		let decrease = allowance.decrease.take().ok_or(Error::<T>::NoDecreaseRequested)?;
		ensure!(
			frame_system::Pallet::<T>::block_number() >= decrease.unlock_at,
			Error::<T>::AllowanceLocked
		);
		let released = allowance.balance.saturating_sub(decrease.to);
		if !released.is_zero() {
			Self::vault_to_escrow(payer, released)?;
		}
		allowance.balance = allowance.balance.min(decrease.to);
		let closed = decrease.to.is_zero();
		let balance = allowance.balance;
		if closed {
			if !allowance.deposit.is_zero() {
				T::Currency::release(
					&HoldReason::AllowanceDeposit.into(),
					payer,
					allowance.deposit,
					Precision::BestEffort,
				)?;
			}
			Allowances::<T>::remove(payer, node);
		} else {
			Allowances::<T>::insert(payer, node, allowance);
		}
		Self::deposit_event(Event::AllowanceReleased {
			payer: payer.clone(),
			node: node.clone(),
			released,
			balance,
			closed,
		});
		Ok(())
	}
}
