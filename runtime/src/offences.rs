//! Validator offences (SPEC §4): how much an offender loses.
//!
//! Both rules are expressed as an **amount** relative to MSA, the minimum validator bond
//! (`staking.minValidatorBond`), for `x` offenders out of `n` active validators:
//!
//! - unresponsive (no block and no im-online heartbeat in a session):
//!   `min(3·(x − (n/10 + 1)) / n, 1) × 5 % × MSA` (zero while `x ≤ n/10 + 1`, `n/10` rounded
//!   down);
//! - BABE or GRANDPA equivocation: `min((3x/n)², 1) × 5 % × MSA`.
//!
//! pallet-staking slashes a *fraction of the offender's exposure*, so the amount is converted
//! per offender: `fraction = amount / exposure`, capped at 100 %. Every offender is also
//! chilled: it leaves the validator candidates, is not elected at the next election, and must
//! call `staking.validate` again to come back.
//!
//! How it is wired: the stock offence reports (im-online, BABE, GRANDPA) pass through
//! [`MsaScaledReporter`], which re-expresses each offence's `slash_fraction` with the rules
//! above (as a fraction of MSA); pallet-offences then hands the offenders to
//! [`MsaScaledSlashing`], which turns that fraction of MSA into each offender's fraction of
//! exposure and calls pallet-staking.
//!
//! The exposure read is the one of the **era the offence happened in** (mapped from the
//! offence's session exactly as pallet-staking's `on_offence` maps it, see
//! [`era_of_session`]), because that is the exposure pallet-staking multiplies the fraction
//! by. Reading the active era's instead would let an offender escape: one that chills (or is
//! simply not re-elected) before the report lands has no exposure in the active era and would
//! be slashed 0; one that bonds more meanwhile would be slashed less than the formula amount.

use crate::{AccountId, Balance, Runtime, Staking};
use alloc::vec::Vec;
use frame_support::weights::Weight;
use sp_runtime::{traits::Saturating, Perbill};
use sp_staking::{
	offence::{Kind, Offence, OffenceDetails, OffenceError, OnOffenceHandler, ReportOffence},
	EraIndex, SessionIndex, StakingInterface,
};

/// Penalty rate of both offence rules: 5 % of MSA at most.
pub const MAX_PENALTY: Perbill = Perbill::from_percent(5);

/// Unresponsiveness as a fraction of MSA: `min(3·(x − (n/10 + 1)) / n, 1) × 5 %`.
pub fn unresponsiveness_fraction(offenders: u32, validators: u32) -> Perbill {
	let Some(excess) = offenders.checked_sub(validators / 10 + 1) else {
		return Perbill::zero();
	};
	// `from_rational` saturates at 1, which is the `min(…, 1)`.
	let base = Perbill::from_rational(3u64.saturating_mul(excess.into()), u64::from(validators));
	base.saturating_mul(MAX_PENALTY)
}

/// Equivocation as a fraction of MSA: `min((3x/n)², 1) × 5 %`.
pub fn equivocation_fraction(offenders: u32, validators: u32) -> Perbill {
	let base = Perbill::from_rational(3u64.saturating_mul(offenders.into()), u64::from(validators));
	base.square().saturating_mul(MAX_PENALTY)
}

/// The amount an offender loses: `fraction_of_msa × MSA`, rounded down.
pub fn penalty(fraction_of_msa: Perbill, msa: Balance) -> Balance {
	fraction_of_msa.mul_floor(msa)
}

/// The fraction of `exposure` pallet-staking must slash to take `amount`, capped at 100 %.
pub fn fraction_of_exposure(amount: Balance, exposure: Balance) -> Perbill {
	if exposure == 0 {
		return Perbill::zero();
	}
	Perbill::from_rational(amount, exposure)
}

/// The era an offence committed in `session` belongs to, as pallet-staking's `on_offence`
/// determines it: the active era if the session is at or after that era's first session,
/// otherwise the latest bonded era starting at or before the session. `None` when there is
/// no active era or the session is older than the bonding window; pallet-staking ignores such
/// offences too.
pub fn era_of_session(session: SessionIndex) -> Option<EraIndex> {
	let active = pallet_staking::ActiveEra::<Runtime>::get()?.index;
	let active_start = pallet_staking::ErasStartSessionIndex::<Runtime>::get(active).unwrap_or(0);
	if session >= active_start {
		return Some(active);
	}
	pallet_staking::BondedEras::<Runtime>::get()
		.iter()
		.rev()
		.find(|(_, start)| *start <= session)
		.map(|(era, _)| *era)
}

/// Which SPEC §4 rule an offence falls under.
pub trait MsaRule {
	/// The penalty as a fraction of MSA for `offenders` out of `validators`.
	fn fraction_of_msa(offenders: u32, validators: u32) -> Perbill;
}

/// The unresponsiveness rule.
pub struct Unresponsive;
impl MsaRule for Unresponsive {
	fn fraction_of_msa(offenders: u32, validators: u32) -> Perbill {
		unresponsiveness_fraction(offenders, validators)
	}
}

/// The equivocation rule (BABE and GRANDPA).
pub struct Equivocation;
impl MsaRule for Equivocation {
	fn fraction_of_msa(offenders: u32, validators: u32) -> Perbill {
		equivocation_fraction(offenders, validators)
	}
}

/// A stock offence whose `slash_fraction` is replaced by rule `R` (a fraction of MSA).
/// Everything else — kind, offenders, time slot — is the wrapped offence's, so duplicate
/// detection in pallet-offences is unchanged.
pub struct MsaScaled<O, R>(pub O, core::marker::PhantomData<R>);

impl<Offender: Clone, O: Offence<Offender>, R: MsaRule> Offence<Offender> for MsaScaled<O, R> {
	const ID: Kind = O::ID;
	type Slot = O::Slot;

	fn offenders(&self) -> Vec<Offender> {
		self.0.offenders()
	}

	fn session_index(&self) -> SessionIndex {
		self.0.session_index()
	}

	fn validator_set_count(&self) -> u32 {
		self.0.validator_set_count()
	}

	fn slot(&self) -> Self::Slot {
		self.0.slot()
	}

	fn slash_fraction(&self, offenders_count: u32) -> Perbill {
		R::fraction_of_msa(offenders_count, self.validator_set_count())
	}
}

/// Reports offences of type `O` to pallet-offences under rule `R`.
pub struct MsaScaledReporter<R>(core::marker::PhantomData<R>);

impl<Reporter, Offender, O, R> ReportOffence<Reporter, Offender, O> for MsaScaledReporter<R>
where
	Offender: Clone,
	O: Offence<Offender>,
	R: MsaRule,
	crate::Offences: ReportOffence<Reporter, Offender, MsaScaled<O, R>>,
{
	fn report_offence(reporters: Vec<Reporter>, offence: O) -> Result<(), OffenceError> {
		<crate::Offences as ReportOffence<Reporter, Offender, MsaScaled<O, R>>>::report_offence(
			reporters,
			MsaScaled(offence, Default::default()),
		)
	}

	fn is_known_offence(offenders: &[Offender], time_slot: &O::Slot) -> bool {
		<crate::Offences as ReportOffence<Reporter, Offender, MsaScaled<O, R>>>::is_known_offence(
			offenders, time_slot,
		)
	}
}

/// Identification of an offender as pallet-offences reports it.
pub type IdentificationTuple = pallet_session::historical::IdentificationTuple<Runtime>;

/// Converts each offender's fraction of MSA into its fraction of exposure, lets
/// pallet-staking slash it, and chills the offender.
pub struct MsaScaledSlashing;

impl OnOffenceHandler<AccountId, IdentificationTuple, Weight> for MsaScaledSlashing {
	fn on_offence(
		offenders: &[OffenceDetails<AccountId, IdentificationTuple>],
		slash_fraction: &[Perbill],
		session: SessionIndex,
	) -> Weight {
		let msa = pallet_staking::MinValidatorBond::<Runtime>::get();
		// The exposure pallet-staking will multiply the fraction by: the offence's era's.
		let era = era_of_session(session);
		let fractions: Vec<Perbill> = offenders
			.iter()
			.zip(slash_fraction)
			.map(|(details, of_msa)| match era {
				Some(era) => {
					let exposure = Staking::eras_stakers(era, &details.offender.0).total;
					fraction_of_exposure(penalty(*of_msa, msa), exposure)
				}
				None => Perbill::zero(),
			})
			.collect();

		let weight =
			<Staking as OnOffenceHandler<_, _, Weight>>::on_offence(offenders, &fractions, session);

		// An offender leaves the candidate list; it must call `validate` again.
		for details in offenders {
			let _ = <Staking as StakingInterface>::chill(&details.offender.0);
		}
		let db = <Runtime as frame_system::Config>::DbWeight::get();
		let per_offender = db.reads_writes(3, 3);
		// MSA, active era, its start session and the bonded eras.
		weight
			.saturating_add(db.reads(4))
			.saturating_add(per_offender.saturating_mul(offenders.len() as u64))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::currency::CESS;

	const MSA: Balance = 10_000 * CESS;

	#[test]
	fn unresponsiveness_is_free_up_to_a_tenth_plus_one() {
		// n = 4: n/10 + 1 = 1 → one offender costs nothing.
		assert_eq!(penalty(unresponsiveness_fraction(1, 4), MSA), 0);
		// n = 25: 25/10 = 2 (rounded down) + 1 = 3 → three offenders are still free.
		assert_eq!(penalty(unresponsiveness_fraction(3, 25), MSA), 0);
		assert_eq!(penalty(unresponsiveness_fraction(0, 0), MSA), 0);
	}

	#[test]
	fn unresponsiveness_worked_examples() {
		// x = 2, n = 4: 3·(2 − 1)/4 = 0.75 → 0.75 × 5 % × 10 000 CESS = 375 CESS.
		assert_eq!(penalty(unresponsiveness_fraction(2, 4), MSA), 375 * CESS);
		// x = 4, n = 25: 3·(4 − 3)/25 = 0.12 → 0.12 × 5 % × 10 000 = 60 CESS.
		assert_eq!(penalty(unresponsiveness_fraction(4, 25), MSA), 60 * CESS);
		// x = 5, n = 10: n/10 + 1 = 2, 3·3/10 = 0.9 → 450 CESS.
		assert_eq!(penalty(unresponsiveness_fraction(5, 10), MSA), 450 * CESS);
		// x = 3, n = 4: 3·2/4 = 1.5 → capped at 1 → 500 CESS (the maximum).
		assert_eq!(penalty(unresponsiveness_fraction(3, 4), MSA), 500 * CESS);
	}

	#[test]
	fn equivocation_worked_examples() {
		// x = 1, n = 10: (3/10)² = 0.09 → 0.09 × 5 % × 10 000 = 45 CESS.
		assert_eq!(penalty(equivocation_fraction(1, 10), MSA), 45 * CESS);
		// x = 1, n = 4: (3/4)² = 0.5625 → 281.25 CESS.
		assert_eq!(penalty(equivocation_fraction(1, 4), MSA), 28_125 * CESS / 100);
		// x = 2, n = 4: (6/4)² ≥ 1 → capped → 500 CESS.
		assert_eq!(penalty(equivocation_fraction(2, 4), MSA), 500 * CESS);
		// x = 1, n = 100: (3/100)² = 0.0009 → 0.45 CESS.
		assert_eq!(penalty(equivocation_fraction(1, 100), MSA), 45 * CESS / 100);
	}

	#[test]
	fn amount_converts_to_a_fraction_of_exposure() {
		// 375 CESS out of a 100 000 CESS exposure is 0.375 %.
		let f = fraction_of_exposure(375 * CESS, 100_000 * CESS);
		assert_eq!(f, Perbill::from_parts(3_750_000));
		assert_eq!(f * (100_000 * CESS), 375 * CESS);
		// Capped at the whole exposure.
		assert_eq!(fraction_of_exposure(500 * CESS, 100 * CESS), Perbill::one());
		assert_eq!(fraction_of_exposure(1, 0), Perbill::zero());
	}
}
