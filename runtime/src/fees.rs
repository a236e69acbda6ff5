//! Where transaction fees and tips go: 20 % to the block author, 80 % to the treasury
//! (SPEC §4).
//!
//! Fees and tips are merged first and split once, so the rounding happens once per
//! transaction: the author receives `floor(20 % × (fee + tip))` and the treasury receives the
//! rest. Nothing is created or lost: `author + treasury == fee + tip` to the unit. If a block
//! has no known author, or the author's account cannot accept the credit, the author's part
//! goes to the treasury too.

use crate::{configs::TreasuryAccount, AccountId, Balances, Runtime};
use frame_support::traits::{
	fungible::{Balanced, Credit},
	tokens::imbalance::ResolveTo,
	Imbalance, OnUnbalanced,
};

/// Share of fees and tips paid to the block author, in percent; the treasury gets the rest.
pub const AUTHOR_SHARE_PERCENT: u32 = 20;
/// Share of fees and tips paid to the treasury, in percent.
pub const TREASURY_SHARE_PERCENT: u32 = 100 - AUTHOR_SHARE_PERCENT;

/// A credit of native tokens withdrawn from a transaction's payer.
pub type NativeCredit = Credit<AccountId, Balances>;

/// Splits transaction fees and tips between the block author and the treasury.
pub struct DealWithFees;

impl OnUnbalanced<NativeCredit> for DealWithFees {
	fn on_unbalanceds(mut fees_then_tips: impl Iterator<Item = NativeCredit>) {
		let Some(mut total) = fees_then_tips.next() else { return };
		// Tips (and anything else handed over) join the fee before the single split.
		for more in fees_then_tips {
			total.subsume(more);
		}
		let (author_part, treasury_part) =
			total.ration(AUTHOR_SHARE_PERCENT, TREASURY_SHARE_PERCENT);
		ResolveTo::<TreasuryAccount, Balances>::on_unbalanced(treasury_part);
		pay_author_or_treasury(author_part);
	}
}

/// Pays `credit` to the current block author; falls back to the treasury so no unit is lost.
fn pay_author_or_treasury(credit: NativeCredit) {
	let unpaid = match pallet_authorship::Pallet::<Runtime>::author() {
		Some(author) => match <Balances as Balanced<AccountId>>::resolve(&author, credit) {
			Ok(()) => return,
			Err(unpaid) => unpaid,
		},
		None => credit,
	};
	ResolveTo::<TreasuryAccount, Balances>::on_unbalanced(unpaid);
}
