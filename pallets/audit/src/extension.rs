//! `CheckProof`: the transaction extension that judges a `submit_proof` in the transaction
//! pool, before it can take block space.
//!
//! A proof is `Operational` and free when valid, so it must not be a free way to fill blocks:
//! `validate` rejects (`InvalidTransaction::Custom`, code = [`ProofRejection`]) a
//! `submit_proof` from a caller that is not a miner, is banned, is not enrolled or not
//! challenged in the round, names a round other than the open one, is past the round's
//! deadline, or has already proved the round. An admissible proof gets [`PROOF_PRIORITY`] on
//! top of its fee priority, so proofs are included ahead of ordinary traffic, and provides the
//! tag `(miner, round)`: a second proof of the same round from the same miner is not kept in
//! the pool next to the first. Other calls pass through untouched. The verification itself
//! (the expensive part) runs in the block, where an invalid proof pays its fee.

use crate::*;
use cess_traits::{MinerInspect, MinerState};
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use frame_support::{pallet_prelude::*, traits::IsSubType};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{
		AsSystemOriginSigner, DispatchInfoOf, DispatchOriginOf, Dispatchable, Implication,
		TransactionExtension, ValidateResult,
	},
	transaction_validity::{
		InvalidTransaction, TransactionPriority, TransactionSource, ValidTransaction,
	},
	SaturatedConversion, Saturating,
};

/// Added to an admissible proof's priority (fee priorities of ordinary transfers are far
/// below it).
pub const PROOF_PRIORITY: TransactionPriority = 1 << 50;

/// Why the pool rejected a `submit_proof` (the `InvalidTransaction::Custom` code).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum ProofRejection {
	/// No round is open, or the proof names another round than the open one.
	WrongRound = 1,
	/// The round's deadline or the miner's window has passed.
	TooLate = 2,
	/// Not a registered miner, or banned.
	NotAMiner = 3,
	/// Not enrolled, or not challenged in this round.
	NotChallenged = 4,
	/// Already proved this round.
	AlreadyProved = 5,
	/// The miner's challenge block has not been reached (its challenge is unknown).
	TooEarly = 6,
}

impl<T: Config> Pallet<T> {
	/// Whether `who` may submit a proof of `round` now (the cheap checks of `submit_proof`,
	/// without the verification); the block it must be included before (its window's end).
	pub fn proof_admissible(
		who: &T::AccountId,
		round: RoundIndex,
	) -> Result<BlockNumberFor<T>, ProofRejection> {
		let info = CurrentRound::<T>::get().ok_or(ProofRejection::WrongRound)?;
		if round != info.index {
			return Err(ProofRejection::WrongRound);
		}
		let now = frame_system::Pallet::<T>::block_number();
		let block = Pallet::<T>::challenge_block(who, &info);
		let window_end = block.saturating_add(info.window);
		if now >= info.deadline || now >= window_end {
			return Err(ProofRejection::TooLate);
		}
		if now < block {
			return Err(ProofRejection::TooEarly);
		}
		match T::Miners::state(who) {
			None | Some(MinerState::Banned) => return Err(ProofRejection::NotAMiner),
			Some(_) => {}
		}
		let audit = Audits::<T>::get(who).ok_or(ProofRejection::NotChallenged)?;
		if audit.last_proved == Some(round) {
			return Err(ProofRejection::AlreadyProved);
		}
		if audit.enrolled_in >= round || !audit.snapshot_for(round).is_challenged() {
			return Err(ProofRejection::NotChallenged);
		}
		Ok(window_end)
	}
}

/// See the module documentation. Add it to the runtime's `TxExtension` tuple (no payload, no
/// implicit data).
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct CheckProof<T>(PhantomData<T>);

impl<T> CheckProof<T> {
	/// The extension (it carries no data).
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

impl<T> Default for CheckProof<T> {
	fn default() -> Self {
		Self::new()
	}
}

impl<T> core::fmt::Debug for CheckProof<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckProof")
	}
}

impl<T: Config + Send + Sync> TransactionExtension<T::RuntimeCall> for CheckProof<T>
where
	T::RuntimeCall: Dispatchable + IsSubType<Call<T>>,
	DispatchOriginOf<T::RuntimeCall>: AsSystemOriginSigner<T::AccountId> + Clone,
{
	const IDENTIFIER: &'static str = "CheckProof";
	type Implicit = ();
	type Val = ();
	type Pre = ();

	/// Reads `CurrentRound`, the miner record and `Audits` for a proof; nothing otherwise.
	fn weight(&self, call: &T::RuntimeCall) -> Weight {
		match call.is_sub_type() {
			Some(Call::submit_proof { .. }) => T::DbWeight::get().reads(3),
			_ => Weight::zero(),
		}
	}

	fn validate(
		&self,
		origin: DispatchOriginOf<T::RuntimeCall>,
		call: &T::RuntimeCall,
		_info: &DispatchInfoOf<T::RuntimeCall>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Implication,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, T::RuntimeCall> {
		let Some(Call::submit_proof { round, .. }) = call.is_sub_type() else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		let Some(who) = origin.as_system_origin_signer() else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		let deadline = Self::check(who, *round)?;
		let now = frame_system::Pallet::<T>::block_number();
		let longevity: u64 = deadline.saturating_sub(now).saturated_into();
		let valid = ValidTransaction::with_tag_prefix("CessAuditProof")
			.priority(PROOF_PRIORITY)
			.and_provides((who.clone(), *round))
			.longevity(longevity.max(1))
			.propagate(true)
			.build()?;
		Ok((valid, (), origin))
	}

	fn prepare(
		self,
		_val: Self::Val,
		_origin: &DispatchOriginOf<T::RuntimeCall>,
		_call: &T::RuntimeCall,
		_info: &DispatchInfoOf<T::RuntimeCall>,
		_len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		Ok(())
	}
}

impl<T: Config> CheckProof<T> {
	fn check(
		who: &T::AccountId,
		round: RoundIndex,
	) -> Result<BlockNumberFor<T>, TransactionValidityError> {
		Pallet::<T>::proof_admissible(who, round)
			.map_err(|r| InvalidTransaction::Custom(r as u8).into())
	}
}
