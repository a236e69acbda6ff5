//! `try_state` invariants: the roster and the records agree, sweeps and rounds are in order,
//! and the cycle totals equal the sum of the miners' power.

use crate::*;
use frame_support::traits::Get;
use sp_runtime::TryRuntimeError;

impl<T: Config> Pallet<T> {
	/// Checks every invariant (the test suites run it after each test; `try-runtime` on
	/// upgrades).
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let len = RosterLen::<T>::get();
		if len > T::MaxMiners::get() {
			return Err("audit: roster exceeds MaxMiners".into());
		}
		let mut records = 0u32;
		for (who, audit) in Audits::<T>::iter() {
			records = records.saturating_add(1);
			if Roster::<T>::get(audit.roster_index).as_ref() != Some(&who) {
				return Err("audit: record's roster index does not point back".into());
			}
			if audit.roster_index >= len {
				return Err("audit: roster index out of range".into());
			}
			if audit.service_misses >= BAN_AFTER_MISSES {
				return Err("audit: a miner with 5 misses is still audited".into());
			}
			if audit.settled_through < audit.enrolled_in {
				return Err("audit: settled before enrolment".into());
			}
		}
		if records != len || Roster::<T>::iter().count() != len as usize {
			return Err("audit: roster length disagrees with the records".into());
		}
		if let (Some(sweep), Some(round)) = (ActiveSweep::<T>::get(), CurrentRound::<T>::get()) {
			if sweep.round > round.index {
				return Err("audit: sweeping a round that has not opened".into());
			}
		}
		Self::check_no_orphans()?;
		let mut totals = alloc::collections::BTreeMap::<CycleIndex, Power>::new();
		for (cycle, _, power) in MinerPower::<T>::iter() {
			let total = totals.entry(cycle).or_default();
			*total = total.saturating_add(power);
		}
		for (cycle, total) in totals {
			if PruningCycle::<T>::get() != Some(cycle) && CyclePower::<T>::get(cycle) != total {
				return Err("audit: cycle power differs from the sum of miner power".into());
			}
		}
		Ok(())
	}
}
