//! `submit_proof`: checks the round and the caller, settles the caller's earlier undecided
//! round (a miss not yet reached by the sweep), verifies the proof against the on-chain
//! commitments and applies the outcome.

use crate::*;
use cess_storage_proof::{verify_idle, verify_service, StorageProof};
use cess_traits::{MinerInspect, MinerState, ServiceFragmentsInspect};
use frame_support::{ensure, traits::Get};
use sp_runtime::Perbill;
use sp_runtime::{DispatchError, Saturating};

/// Share of service space in storage power.
pub const SERVICE_WEIGHT: Perbill = Perbill::from_percent(95);
/// Share of idle space in storage power.
pub const IDLE_WEIGHT: Perbill = Perbill::from_percent(5);

impl<T: Config> Pallet<T> {
	/// `StoragePower = 95 % × service + 5 % × idle` (bytes, rounded down per term).
	pub fn storage_power(idle: u64, service: u64) -> Power {
		Power::from(SERVICE_WEIGHT.mul_floor(service))
			.saturating_add(Power::from(IDLE_WEIGHT.mul_floor(idle)))
	}

	/// Verifies and applies `who`'s proof of `round`; returns whether every part passed (the
	/// proof is then free), how many deferred fragment removals and how many queued sector
	/// changes its checkpoint applied.
	pub(crate) fn do_submit_proof(
		who: T::AccountId,
		round: RoundIndex,
		proof: StorageProof,
	) -> Result<(bool, u32, u32), DispatchError> {
		let info = CurrentRound::<T>::get().ok_or(Error::<T>::NoRoundOpen)?;
		ensure!(round <= info.index, Error::<T>::FutureRound);
		ensure!(round == info.index, Error::<T>::RoundClosed);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now < info.deadline, Error::<T>::ProofTooLate);
		match T::Miners::state(&who) {
			None => return Err(Error::<T>::NotAMiner.into()),
			Some(MinerState::Banned) => return Err(Error::<T>::MinerBanned.into()),
			Some(_) => {}
		}
		let mut audit = Audits::<T>::get(&who).ok_or(Error::<T>::NotEnrolled)?;
		ensure!(audit.last_proved != Some(round), Error::<T>::AlreadySubmitted);
		ensure!(audit.enrolled_in < round, Error::<T>::NotChallenged);
		// The challenge of the miner's own block, answered within its window.
		let block = Self::challenge_block(&who, &info);
		ensure!(now < block.saturating_add(info.window), Error::<T>::WindowClosed);
		let seed = Self::challenge_seed(&who, &info).ok_or(Error::<T>::ChallengeNotYetKnown)?;
		let challenge =
			Self::challenge_of(&who, &audit, round, seed)?.ok_or(Error::<T>::NotChallenged)?;
		let snapshot = audit.snapshot_for(round);

		// The previous round, if the sweep has not reached this miner yet.
		let previous = round.saturating_sub(1);
		if Self::settle_through(&who, &mut audit, previous, round, None)
			== settlement::Settled::Banned
		{
			// Rolled back with the error: the sweep applies the ban.
			return Err(Error::<T>::BanPending.into());
		}

		// Verify against the snapshot: its commitment and count for the idle part, and the
		// fragment list it counted for the service part (fragments are removed from a miner's
		// list only at its checkpoints, so every index below the snapshot's count still names
		// the fragment it named then). Nothing challenged is excused.
		let idle_challenged = !challenge.fillers.is_empty();
		let service_challenged = !challenge.fragments.is_empty();
		let idle_result = PartResult::from_result(
			idle_challenged,
			verify_idle(&challenge, &snapshot.filler_commitment, &proof.fillers),
		);
		let service_result = PartResult::from_result(
			service_challenged,
			verify_service(&challenge, |i| T::Fragments::fragment_root(&who, i), &proof.fragments),
		);

		Self::apply_service_result(&who, &mut audit, round, &service_result, &snapshot);
		let cycle = Self::cycle_of(round);
		let mut power = 0;
		let valid = idle_result.is_ok() && service_result.is_ok();
		if valid && T::Miners::can_earn_rewards(&who) {
			let spaces = T::Miners::spaces(&who);
			let idle_now = spaces.map(|s| s.idle.saturating_sub(s.sealed)).unwrap_or(0);
			let service_now = spaces.map(|s| s.service).unwrap_or(0);
			power =
				Self::storage_power(snapshot.idle.min(idle_now), snapshot.service.min(service_now));
			if power > 0 {
				Self::credit_power(&who, cycle, power);
				audit.rewarded = true;
			}
		}
		audit.last_proved = Some(round);
		audit.settled_through = round;
		// Between proofs: queued sector changes, unless a seal audit is open.
		let changes = if Self::seal_audit_open(&who) {
			0
		} else {
			use cess_traits::SectorsMutate;
			T::Sectors::apply_sector_changes(&who, T::SectorChangesPerCheckpoint::get())
		};
		let removed = Self::checkpoint(&who, &mut audit, round, T::RemovalsPerCheckpoint::get());
		Audits::<T>::insert(&who, audit);
		Self::deposit_event(Event::ProofVerified {
			miner: who,
			round,
			idle: idle_result,
			service: service_result,
			power,
			cycle,
		});
		Ok((valid, removed, changes))
	}
}
