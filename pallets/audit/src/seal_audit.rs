//! Seal audits (issue 14; design `sealed-sectors.md` B.4): once per cycle each enrolled miner
//! with active sectors must prove the seal of one of them again, against fresh challenges.
//!
//! * **Issue**: when the settlement sweep visits a miner in a cycle it has no audit for yet,
//!   it draws one sector of the miner's active list with the block's seed
//!   (`index = H("cess/audit/seal" ‖ seed ‖ miner) mod n_active`) and fixes the audit seed
//!   `audit_seed(seed, miner, cycle, sector)`. The list cannot change under the draw: sector
//!   changes apply only at the miner's checkpoints, and none while an audit is open. O(1) per
//!   visit, so bounded per block by the sweep's budget.
//! * **Answer**: `submit_seal_audit` before `issued + SealAuditWindow` with
//!   `audit_challenges(params, audit seed)` openings of that sector, verified against the
//!   commitments fixed at pre-commit.
//! * **Fraud**: an answer whose columns open in `comm_c` but whose label does not follow
//!   from its parents (`LabelMismatch`), or whose committed replica node is not data ⊕ the
//!   proven key (`ReplicaMismatch`), proves the sector was never sealed: **all collateral
//!   is slashed and the miner banned** (through the existing `MinerSlashed` / `MinerBanned`
//!   paths). Any other defect is a malformed answer: rejected, nothing changes, the miner
//!   may answer again within the window.
//! * **Miss**: no valid answer by the deadline costs `SlashLimit` and the audit is reissued
//!   with a fresh seed; the third consecutive miss is treated as fraud.

use crate::*;
use cess_storage_proof::sdr::{audit_challenges, audit_seed, verify_seal, SdrError, SealProof};
use cess_traits::{MinerInspect, MinerMutate, SectorsInspect, SectorsMutate};
use codec::Encode;
use frame_support::{ensure, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Saturating, DispatchError};

/// Domain tag of the draw of the audited sector.
const SEAL_PICK_CONTEXT: &[u8] = b"cess/audit/seal";

/// Consecutive missed seal audits that count as fraud.
pub const SEAL_MISSES_FRAUD: u32 = 3;

/// What a seal-audit answer proved.
#[derive(PartialEq, Eq, Debug)]
pub enum SealVerdict {
	/// The seal holds.
	Passed,
	/// A proven-invalid label or replica: fraud.
	Fraud,
}

impl<T: Config> Pallet<T> {
	/// Issues, or settles the missed deadline of, `who`'s seal audit during a sweep visit at
	/// `now` in round `now_round`.
	pub(crate) fn seal_audit_step(
		who: &T::AccountId,
		now: BlockNumberFor<T>,
		now_round: RoundIndex,
		audit: &MinerAudit,
	) -> settlement::Settled {
		let cycle = Self::cycle_of(now_round);
		match SealAudits::<T>::get(who) {
			Some(a) if a.open && now >= a.deadline => {
				let misses = a.misses.saturating_add(1);
				Self::deposit_event(Event::SealAuditMissed {
					miner: who.clone(),
					cycle: a.cycle,
					sector: a.sector,
					misses,
				});
				if misses >= SEAL_MISSES_FRAUD {
					Self::seal_fraud(who, now_round, a.cycle, a.sector);
					return settlement::Settled::Banned;
				}
				let snapshot = audit.current;
				let amount = Self::slash_limit(snapshot.idle, snapshot.service);
				Self::slash(who, now_round, SlashReason::SealAuditMissed, amount);
				Self::issue_seal_audit(who, now, a.cycle, Some((a.sector, misses)));
			}
			Some(a) if a.open || a.cycle >= cycle => {}
			_ => Self::issue_seal_audit(who, now, cycle, None),
		}
		settlement::Settled::Active
	}

	/// Draws (or, for a reissue, keeps) the audited sector and fixes a fresh audit seed.
	fn issue_seal_audit(
		who: &T::AccountId,
		now: BlockNumberFor<T>,
		cycle: CycleIndex,
		reissue: Option<(u64, u32)>,
	) {
		let Some(seed) = BlockSeeds::<T>::get(now) else { return };
		let account = Self::account_bytes(who);
		let (sector, misses) = match reissue {
			Some(r) => r,
			None => {
				let count = T::Sectors::active_sector_count(who);
				if count == 0 {
					return;
				}
				let h =
					(SEAL_PICK_CONTEXT, seed, account).using_encoded(sp_io::hashing::blake2_256);
				let mut low = [0u8; 8];
				low.copy_from_slice(h.get(..8).unwrap_or(&[0u8; 8]));
				let index = u64::from_le_bytes(low).checked_rem(u64::from(count)).unwrap_or(0);
				let Some(no) = T::Sectors::active_sector(who, index as u32) else { return };
				(no, 0)
			}
		};
		let deadline = now.saturating_add(T::SealAuditWindow::get());
		let seed = audit_seed(&seed, &account, cycle, sector);
		SealAudits::<T>::insert(
			who,
			SealAudit { cycle, sector, seed, issued_at: now, deadline, misses, open: true },
		);
		Self::deposit_event(Event::SealAuditIssued { miner: who.clone(), cycle, sector, deadline });
	}

	/// Fraud: all collateral slashed, banned for good; the audit record goes.
	fn seal_fraud(who: &T::AccountId, round: RoundIndex, cycle: CycleIndex, sector: u64) {
		let collateral = T::Miners::collateral_and_debt(who).map(|(c, _)| c).unwrap_or_default();
		Self::deposit_event(Event::SealFraud {
			miner: who.clone(),
			cycle,
			sector,
			collateral_slashed: collateral,
		});
		Self::slash(who, round, SlashReason::SealFraud, collateral);
		if T::Miners::ban(who).is_ok() {
			Self::deposit_event(Event::MinerBanned { miner: who.clone(), round });
		}
		SealAudits::<T>::remove(who);
	}

	/// `submit_seal_audit`: verifies the answer; returns the verdict (a malformed answer is an
	/// error and changes nothing).
	pub(crate) fn do_submit_seal_audit(
		who: T::AccountId,
		proof: SealProof,
	) -> Result<SealVerdict, DispatchError> {
		let a = SealAudits::<T>::get(&who).filter(|a| a.open).ok_or(Error::<T>::NoSealAudit)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now < a.deadline, Error::<T>::SealAuditClosed);
		let public = T::Sectors::sector_public(&who, a.sector).ok_or(Error::<T>::NoSealAudit)?;
		let params = T::Sectors::seal_params();
		let challenges =
			audit_challenges(&params, &a.seed).map_err(|_| Error::<T>::InvalidParams)?;
		let round = CurrentRound::<T>::get().map(|r| r.index).unwrap_or_default();
		match verify_seal(&params, &challenges, &[public], &proof) {
			Ok(()) => {
				SealAudits::<T>::insert(&who, SealAudit { open: false, misses: 0, ..a });
				Self::deposit_event(Event::SealAuditPassed {
					miner: who.clone(),
					cycle: a.cycle,
					sector: a.sector,
				});
				// Between proofs: the miner's queued sector changes may apply now.
				T::Sectors::apply_sector_changes(&who, T::SectorChangesPerCheckpoint::get());
				Ok(SealVerdict::Passed)
			}
			Err(SdrError::LabelMismatch { .. } | SdrError::ReplicaMismatch { .. }) => {
				Self::seal_fraud(&who, round, a.cycle, a.sector);
				Ok(SealVerdict::Fraud)
			}
			Err(SdrError::InvalidParams) => Err(Error::<T>::InvalidParams.into()),
			Err(SdrError::OpeningCount { .. }) => Err(Error::<T>::SealProofOpeningCount.into()),
			Err(SdrError::ColumnNotCommitted { .. }) => {
				Err(Error::<T>::SealColumnNotCommitted.into())
			}
			Err(SdrError::ReplicaNotCommitted { .. } | SdrError::DataNotCommitted { .. }) => {
				Err(Error::<T>::SealReplicaNotCommitted.into())
			}
			Err(
				SdrError::ChallengeOutOfRange { .. }
				| SdrError::ColumnCount { .. }
				| SdrError::ColumnLayers { .. }
				| SdrError::DataPresence { .. },
			) => Err(Error::<T>::SealProofMalformed.into()),
		}
	}

	/// Whether `who` has an unanswered seal audit.
	pub fn seal_audit_open(who: &T::AccountId) -> bool {
		SealAudits::<T>::get(who).is_some_and(|a| a.open)
	}
}

impl<T: Config> cess_traits::SealAuditInspect<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn block_seed(block: BlockNumberFor<T>) -> Option<[u8; 32]> {
		BlockSeeds::<T>::get(block)
	}

	fn enrolled(who: &T::AccountId) -> bool {
		Audits::<T>::contains_key(who)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_set_seed(block: BlockNumberFor<T>, seed: [u8; 32]) {
		BlockSeeds::<T>::insert(block, seed);
	}
}
