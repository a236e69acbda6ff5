//! Punishments (SPEC §7): what a miss, a failure and a pass do to a miner.
//!
//! | what happened | idle part | service part |
//! |---|---|---|
//! | no proof before the deadline | nothing | never rewarded: slash 5 % of the collateral; rewarded before: slash `SlashLimit`; 5 consecutive ⇒ ban |
//! | proof fails verification | nothing (no power) | 1st consecutive failure: nothing; 2nd and later: slash `SlashLimit` |
//! | proof passes | — | resets the failure and miss counters; all parts pass ⇒ storage power |
//!
//! `SlashLimit = CollateralPerTiB × ceil((idle + service) / 1 TiB, minimum 1) × 5 %`, with the
//! spaces of the challenge's snapshot. Punishments go through
//! [`cess_traits::MinerMutate::punish`]: the held collateral pays (to the
//! treasury), the rest becomes debt.

use crate::*;
use cess_traits::{MinerInspect, MinerMutate, TIB};
use frame_support::traits::Get;
use sp_runtime::{
	traits::{Bounded, Zero},
	Perbill, Saturating,
};

/// The share of collateral (or of the per-TiB base) a slash takes: 5 %.
pub const SLASH_RATIO: Perbill = Perbill::from_percent(5);

/// What settling a miner's rounds ended with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Settled {
	/// The miner is still audited.
	Active,
	/// The miner was banned (fifth consecutive missed service proof).
	Banned,
}

impl<T: Config> Pallet<T> {
	/// `SlashLimit` for `idle + service` bytes: `CollateralPerTiB × max(1, ceil(TiB)) × 5 %`.
	pub fn slash_limit(idle: u64, service: u64) -> T::Balance {
		let tib = idle.saturating_add(service).div_ceil(TIB).max(1);
		let base = T::CollateralPerTiB::get()
			.saturating_mul(T::Balance::try_from(tib).unwrap_or_else(|_| T::Balance::max_value()));
		SLASH_RATIO.mul_floor(base)
	}

	/// The slash for a missed service proof: 5 % of the held collateral if the miner never
	/// earned power, else `SlashLimit`.
	pub fn miss_slash(who: &T::AccountId, audit: &MinerAudit, snapshot: &Snapshot) -> T::Balance {
		if audit.rewarded {
			Self::slash_limit(snapshot.idle, snapshot.service)
		} else {
			let collateral =
				T::Miners::collateral_and_debt(who).map(|(c, _)| c).unwrap_or_else(Zero::zero);
			SLASH_RATIO.mul_floor(collateral)
		}
	}

	/// Punishes `who` by `amount` and emits `MinerSlashed` (nothing for a zero amount).
	pub(crate) fn slash(
		who: &T::AccountId,
		round: RoundIndex,
		reason: SlashReason,
		amount: T::Balance,
	) {
		if amount.is_zero() {
			return;
		}
		match T::Miners::punish(who, amount) {
			Ok(p) => Self::deposit_event(Event::MinerSlashed {
				miner: who.clone(),
				round,
				reason,
				amount,
				slashed: p.slashed,
				debt_added: p.debt_added,
			}),
			// Only an unregistered miner cannot be punished; the sweep retires it.
			Err(e) => log::warn!(target: "runtime::audit", "punish failed: {e:?}"),
		}
	}

	/// Settles a missed `round`: no consequence for the idle part; for a challenged service
	/// part the miss slash, and a ban at the fifth consecutive miss.
	pub(crate) fn settle_miss(
		who: &T::AccountId,
		audit: &mut MinerAudit,
		round: RoundIndex,
	) -> Settled {
		let snapshot = audit.snapshot_for(round);
		if !snapshot.is_challenged() {
			return Settled::Active;
		}
		let service_challenged = snapshot.fragment_count > 0;
		Self::deposit_event(Event::ProofMissed { miner: who.clone(), round, service_challenged });
		if !service_challenged {
			return Settled::Active;
		}
		let (reason, amount) = if audit.rewarded {
			(SlashReason::ServiceMissed, Self::miss_slash(who, audit, &snapshot))
		} else {
			(SlashReason::ServiceMissedNeverRewarded, Self::miss_slash(who, audit, &snapshot))
		};
		Self::slash(who, round, reason, amount);
		audit.service_misses = audit.service_misses.saturating_add(1);
		if audit.service_misses >= BAN_AFTER_MISSES {
			match T::Miners::ban(who) {
				Ok(()) => Self::deposit_event(Event::MinerBanned { miner: who.clone(), round }),
				Err(e) => log::warn!(target: "runtime::audit", "ban failed: {e:?}"),
			}
			return Settled::Banned;
		}
		Self::note_unproven(who, audit, round);
		Settled::Active
	}

	/// Settles every undecided round of `who` up to `through` as a miss (at most
	/// [`BAN_AFTER_MISSES`] rounds are looked at: more consecutive misses ban anyway, and
	/// rounds asking nothing have no consequence). With `removals` (the sweep), the miner then
	/// reaches a [`checkpoint`](Self::checkpoint) drawing on that per-block budget; without
	/// (inside `submit_proof`, which checkpoints after verifying), nothing else changes.
	pub(crate) fn settle_through(
		who: &T::AccountId,
		audit: &mut MinerAudit,
		through: RoundIndex,
		now_round: RoundIndex,
		removals: Option<&mut u32>,
	) -> Settled {
		if audit.settled_through >= through {
			return Settled::Active;
		}
		let first = audit.settled_through.saturating_add(1);
		for round in (first..=through).take(BAN_AFTER_MISSES as usize) {
			if Self::settle_miss(who, audit, round) == Settled::Banned {
				audit.settled_through = through;
				return Settled::Banned;
			}
		}
		audit.settled_through = through;
		if let Some(budget) = removals {
			let limit = T::RemovalsPerCheckpoint::get().min(*budget);
			let applied = Self::checkpoint(who, audit, now_round, limit);
			*budget = budget.saturating_sub(applied);
		}
		Settled::Active
	}

	/// A miner's checkpoint, after one of its challenges was decided (a proof, or a settled
	/// miss): if no open challenge of it is still undecided, the fragment removals deferred
	/// since its last checkpoint are applied (at most `limit`; the rest wait for the next
	/// checkpoint and stay challengeable meanwhile), then the snapshot its next challenge is
	/// judged on is taken. Removals never happen while a challenge that counts the fragment is
	/// open, so no honest proof fails because a file owner deleted a file. Returns how many
	/// removals were applied.
	pub(crate) fn checkpoint(
		who: &T::AccountId,
		audit: &mut MinerAudit,
		now_round: RoundIndex,
		limit: u32,
	) -> u32 {
		use cess_traits::ServiceFragmentsMutate;
		let open_decided = audit.decided(now_round);
		let applied =
			if open_decided && limit > 0 { T::Fragments::apply_removals(who, limit) } else { 0 };
		audit.record_snapshot(Self::take_snapshot(who, now_round));
		applied
	}

	/// Applies a verified proof's service result: a failure counts (slashed from the second
	/// consecutive one on), a pass resets both counters; any submission ends a miss streak.
	pub(crate) fn apply_service_result(
		who: &T::AccountId,
		audit: &mut MinerAudit,
		round: RoundIndex,
		service: &PartResult,
		snapshot: &Snapshot,
	) {
		audit.service_misses = 0;
		match service {
			PartResult::NotChallenged => {}
			PartResult::Passed => {
				audit.service_failures = 0;
				audit.unproven_rounds = 0;
			}
			PartResult::Failed(_) => {
				audit.service_failures = audit.service_failures.saturating_add(1);
				if audit.service_failures >= 2 {
					let amount = Self::slash_limit(snapshot.idle, snapshot.service);
					Self::slash(who, round, SlashReason::ServiceFailedAgain, amount);
				}
				Self::note_unproven(who, audit, round);
			}
		}
	}

	/// One more round whose challenged service part failed or was missed: from the
	/// `RepairAfterFailures`-th in a row on, the file market is asked to repair the miner's
	/// files (a no-op while a repair runs). Only the miner's own results count, so no file
	/// owner or rival can start the repair of a miner that proves (issue 15).
	fn note_unproven(who: &T::AccountId, audit: &mut MinerAudit, round: RoundIndex) {
		audit.unproven_rounds = audit.unproven_rounds.saturating_add(1);
		if audit.unproven_rounds >= T::RepairAfterFailures::get() {
			let reason = RepairReason::Unproven { rounds: audit.unproven_rounds };
			Self::request_repair(who, round, reason);
		}
	}

	/// The sweep's settlement of `round` found `who` in some state: counts how long it has
	/// been `Frozen`; from `RepairAfterFrozenRounds` rounds on, its files are repaired.
	pub(crate) fn track_frozen(who: &T::AccountId, audit: &mut MinerAudit, round: RoundIndex) {
		use cess_traits::MinerState;
		if T::Miners::state(who) != Some(MinerState::Frozen) {
			audit.frozen_since = None;
			return;
		}
		let since = *audit.frozen_since.get_or_insert(round);
		let rounds = round.saturating_sub(since);
		if rounds >= T::RepairAfterFrozenRounds::get() {
			Self::request_repair(who, round, RepairReason::Frozen { rounds });
		}
	}

	fn request_repair(who: &T::AccountId, round: RoundIndex, reason: RepairReason) {
		use cess_traits::ServiceFragmentsMutate;
		if T::Fragments::start_repair(who) {
			Self::deposit_event(Event::RepairRequested { miner: who.clone(), round, reason });
		}
	}
}
