//! The per-block work, bounded whatever the number of miners:
//!
//! 1. open the next round when the current one has lasted `RoundLength` blocks (O(1));
//! 2. settle misses: once a round's deadline has passed, a sweep visits at most
//!    `SettlePerBlock` roster entries per block, settling each miner's undecided rounds and
//!    retiring withdrawn or banned miners (swap-remove at the cursor only, so no entry is
//!    skipped);
//! 3. enrol: look at most `EnrolPerBlock` storage-miner candidates (`Positive` miners) per
//!    block and put new ones on the roster;
//! 4. prune at most `SettlePerBlock` power records of a cycle older than `PowerHistory`.

use crate::*;
use cess_traits::{MinerInspect, MinerState};
use frame_support::{traits::Get, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	pub(crate) fn do_on_initialize(now: BlockNumberFor<T>) -> Weight {
		let mut weight = T::WeightInfo::on_initialize_base();
		if let Some(index) = Self::round_due(now) {
			Self::open_round(index, now);
			weight = weight.saturating_add(T::WeightInfo::open_round());
		}
		// After opening: the round's first block has a seed too. Priced like opening a round
		// (a randomness read and a write) plus the removal.
		Self::record_block_seed(now);
		weight = weight
			.saturating_add(T::WeightInfo::open_round())
			.saturating_add(T::DbWeight::get().writes(1));
		let settled = Self::sweep_step(now, T::SettlePerBlock::get());
		weight = weight.saturating_add(
			T::WeightInfo::settle_miner()
				.saturating_add(T::WeightInfo::seal_audit_step())
				.saturating_mul(settled.into()),
		);
		if settled > 0 {
			// At most `SectorChangesPerBlock` queued sector changes at the sweep's checkpoints.
			use cess_traits::SectorsMutate;
			weight = weight.saturating_add(
				T::Sectors::sector_change_weight()
					.saturating_mul(T::SectorChangesPerBlock::get().into()),
			);
			// At most `RemovalsPerBlock` deferred fragment removals at the sweep's checkpoints.
			use cess_traits::ServiceFragmentsMutate;
			weight = weight.saturating_add(
				T::Fragments::removal_weight().saturating_mul(T::RemovalsPerBlock::get().into()),
			);
		}
		let enrolled = Self::enrol_step(T::EnrolPerBlock::get());
		weight =
			weight.saturating_add(T::WeightInfo::enrol_miner().saturating_mul(enrolled.into()));
		let pruned = Self::prune_step(T::SettlePerBlock::get());
		weight.saturating_add(T::WeightInfo::prune_entry().saturating_mul(pruned.into()))
	}

	/// The next round to settle, if its deadline has passed.
	fn round_to_settle(now: BlockNumberFor<T>) -> Option<RoundIndex> {
		let current = CurrentRound::<T>::get()?;
		let next = match LastSettledRound::<T>::get() {
			None => 0,
			Some(r) => r.saturating_add(1),
		};
		if next < current.index || (next == current.index && now >= current.deadline) {
			Some(next)
		} else {
			None
		}
	}

	/// Visits at most `budget` roster entries of the round being settled; returns how many.
	pub(crate) fn sweep_step(now: BlockNumberFor<T>, budget: u32) -> u32 {
		let mut sweep = match ActiveSweep::<T>::get() {
			Some(s) => s,
			None => match Self::round_to_settle(now) {
				Some(round) => Sweep { round, cursor: 0 },
				None => return 0,
			},
		};
		let now_round = CurrentRound::<T>::get().map(|r| r.index).unwrap_or(sweep.round);
		let mut visited = 0u32;
		let mut removals = T::RemovalsPerBlock::get();
		let mut changes = T::SectorChangesPerBlock::get();
		while visited < budget && sweep.cursor < RosterLen::<T>::get() {
			visited = visited.saturating_add(1);
			if Self::visit(sweep.cursor, sweep.round, now_round, &mut removals, &mut changes, now) {
				sweep.cursor = sweep.cursor.saturating_add(1);
			}
		}
		if sweep.cursor >= RosterLen::<T>::get() {
			ActiveSweep::<T>::kill();
			Self::on_round_settled(sweep.round);
		} else {
			ActiveSweep::<T>::put(sweep);
		}
		visited
	}

	/// Settles the roster entry at `index` for `round`. Returns `false` if the entry was
	/// retired (the last entry moved into `index`, which must be visited next).
	fn visit(
		index: u32,
		round: RoundIndex,
		now_round: RoundIndex,
		removals: &mut u32,
		changes: &mut u32,
		now: BlockNumberFor<T>,
	) -> bool {
		let Some(who) = Roster::<T>::get(index) else {
			return true;
		};
		let Some(mut audit) = Audits::<T>::get(&who) else {
			Self::retire(&who, index);
			return false;
		};
		match T::Miners::state(&who) {
			Some(MinerState::Positive | MinerState::Frozen | MinerState::Exiting) => {
				match Self::settle_through(&who, &mut audit, round, now_round, Some(removals)) {
					settlement::Settled::Active => {
						Self::track_frozen(&who, &mut audit, round);
						// Seal audits: issue one per cycle, settle a missed deadline.
						if Self::seal_audit_step(&who, now, now_round, &audit)
							== settlement::Settled::Banned
						{
							Self::retire(&who, index);
							return false;
						}
						// Between proofs: queued sector changes, unless a seal audit is open.
						if !Self::seal_audit_open(&who) && *changes > 0 {
							use cess_traits::SectorsMutate;
							let limit = T::SectorChangesPerCheckpoint::get().min(*changes);
							let applied = T::Sectors::apply_sector_changes(&who, limit);
							*changes = changes.saturating_sub(applied);
						}
						Audits::<T>::insert(&who, audit);
						true
					}
					settlement::Settled::Banned => {
						Self::retire(&who, index);
						false
					}
				}
			}
			// Withdrawn, banned, or re-registered without space: leaves the roster.
			_ => {
				Self::retire(&who, index);
				false
			}
		}
	}

	/// Removes `who` (at roster position `index`) from the roster and its record (swap-remove).
	fn retire(who: &T::AccountId, index: u32) {
		let len = RosterLen::<T>::get();
		let last = len.saturating_sub(1);
		if index != last {
			if let Some(moved) = Roster::<T>::get(last) {
				Roster::<T>::insert(index, &moved);
				Audits::<T>::mutate(&moved, |a| {
					if let Some(a) = a {
						a.roster_index = index;
					}
				});
			}
		}
		Roster::<T>::remove(last);
		RosterLen::<T>::put(last);
		Audits::<T>::remove(who);
		SealAudits::<T>::remove(who);
		Self::deposit_event(Event::MinerRetired { miner: who.clone() });
	}

	/// Puts `who` on the roster in the open round; it is challenged from the next round on.
	pub(crate) fn enrol(who: &T::AccountId) -> bool {
		let len = RosterLen::<T>::get();
		if len >= T::MaxMiners::get() || Audits::<T>::contains_key(who) {
			return false;
		}
		let round = CurrentRound::<T>::get().map(|r| r.index).unwrap_or(0);
		let snapshot = Self::take_snapshot(who, round);
		Audits::<T>::insert(
			who,
			MinerAudit {
				roster_index: len,
				enrolled_in: round,
				settled_through: round,
				last_proved: None,
				current: snapshot,
				previous: snapshot,
				service_failures: 0,
				service_misses: 0,
				rewarded: false,
				unproven_rounds: 0,
				frozen_since: None,
			},
		);
		Roster::<T>::insert(len, who);
		RosterLen::<T>::put(len.saturating_add(1));
		Self::deposit_event(Event::MinerEnrolled { miner: who.clone(), round });
		true
	}

	/// Looks at up to `budget` candidates from the cursor (wrapping once per block).
	pub(crate) fn enrol_step(budget: u32) -> u32 {
		let count = T::Miners::candidate_count();
		if count == 0 || budget == 0 {
			return 0;
		}
		let mut cursor = EnrolCursor::<T>::get();
		let mut looked = 0u32;
		while looked < budget.min(count) {
			if cursor >= count {
				cursor = 0;
			}
			if let Some(who) = T::Miners::candidate(cursor) {
				Self::enrol(&who);
			}
			cursor = cursor.saturating_add(1);
			looked = looked.saturating_add(1);
		}
		EnrolCursor::<T>::put(cursor);
		looked
	}

	/// Checks the configuration (called by `integrity_test`).
	pub(crate) fn check_integrity() {
		assert!(!T::RoundLength::get().is_zero(), "audit: RoundLength must be > 0");
		assert!(T::RoundsPerCycle::get() > 0, "audit: RoundsPerCycle must be > 0");
		assert!(T::SettlePerBlock::get() > 0, "audit: SettlePerBlock must be > 0");
		assert!(T::PowerHistory::get() > 0, "audit: PowerHistory must be > 0");
		assert!(T::ProofParams::get().validate().is_ok(), "audit: ProofParams invalid");
		if !Self::capacity_covers_roster() {
			log::warn!(
				target: "runtime::audit",
				"RoundLength × SettlePerBlock (or EnrolPerBlock) does not cover MaxMiners"
			);
		}
	}

	/// Whether one round is long enough for the sweep and the enrolment scan to visit
	/// `MaxMiners` entries. Not asserted in `integrity_test` because the runtime's round length
	/// comes from genesis-set timings; the runtime's own tests check it.
	pub fn capacity_covers_roster() -> bool {
		use sp_runtime::traits::UniqueSaturatedInto;
		let length: u64 = T::RoundLength::get().unique_saturated_into();
		let max = u64::from(T::MaxMiners::get());
		length.saturating_mul(u64::from(T::SettlePerBlock::get())) >= max
			&& length.saturating_mul(u64::from(T::EnrolPerBlock::get())) >= max
	}
}
