//! A miner's record is removed (withdraw, eviction): the audit forgets it at once — record,
//! counters, snapshots, roster entry — so a later registration of the same account is judged
//! only on what it does from then on (issue 15, "re-registration starts clean"). Also the
//! storage-miner's power hook: every credit of power is copied to the reward orders.

use crate::*;
use cess_traits::{MinerInspect, OnMinerLeave};

impl<T: Config> Pallet<T> {
	/// Removes `who`'s record and roster entry, keeping the running sweep exact: an entry moved
	/// into the hole comes from the unvisited part when the hole is unvisited (plain
	/// swap-remove); when the hole lies before the cursor, the last visited entry fills it and
	/// the last entry (unvisited) takes the visited one's place, which becomes the cursor.
	pub(crate) fn forget(who: &T::AccountId) {
		SealAudits::<T>::remove(who);
		let Some(audit) = Audits::<T>::take(who) else {
			return;
		};
		let hole = audit.roster_index;
		let last = RosterLen::<T>::get().saturating_sub(1);
		let mut sweep = ActiveSweep::<T>::get();
		let move_entry = |from: u32, to: u32| {
			if from == to {
				return;
			}
			if let Some(moved) = Roster::<T>::get(from) {
				Roster::<T>::insert(to, &moved);
				Audits::<T>::mutate(&moved, |a| {
					if let Some(a) = a {
						a.roster_index = to;
					}
				});
			}
		};
		match sweep.as_mut() {
			Some(s) if hole < s.cursor => {
				let visited = s.cursor.saturating_sub(1);
				move_entry(visited, hole);
				move_entry(last, visited);
				s.cursor = visited;
			}
			_ => move_entry(last, hole),
		}
		Roster::<T>::remove(last);
		RosterLen::<T>::put(last);
		if let Some(s) = sweep {
			ActiveSweep::<T>::put(s);
		}
		Self::deposit_event(Event::MinerRetired { miner: who.clone() });
	}

	/// `try_state`: every audit record belongs to a registered miner (none is orphaned by a
	/// withdrawal).
	pub(crate) fn check_no_orphans() -> Result<(), sp_runtime::TryRuntimeError> {
		for who in Audits::<T>::iter_keys() {
			if T::Miners::spaces(&who).is_none() {
				return Err("audit: record of an account that is not a registered miner".into());
			}
		}
		Ok(())
	}
}

/// Wired as the storage-miner's `OnLeave` (after the file market).
impl<T: Config> OnMinerLeave<T::AccountId> for Pallet<T> {
	fn on_miner_leave(_who: &T::AccountId) {}

	fn on_miner_withdrawn(who: &T::AccountId) {
		Self::forget(who);
	}

	/// Open while the running round challenges `who` (enrolled before it) and its proof is
	/// neither in nor settled as a miss; every earlier round is decided by then (the sweep).
	fn challenge_open(who: &T::AccountId) -> bool {
		if Self::seal_audit_open(who) {
			return true;
		}
		let (Some(audit), Some(round)) = (Audits::<T>::get(who), CurrentRound::<T>::get()) else {
			return false;
		};
		!audit.decided(round.index)
	}
}
