//! Offence slashes read the exposure of the era the offence happened in (SPEC §4).
//!
//! The attack: a validator misbehaves in era E, then chills (so it has no exposure in E+1) or
//! bonds more (so its E+1 exposure is larger) before the report lands in era E+1. If the MSA
//! amount were converted into a fraction of the *active* era's exposure, pallet-staking would
//! multiply that fraction by the era-E exposure and the offender would lose 0 (chilled) or less
//! than the formula amount (bonded more). These tests play that offender and show it loses
//! exactly `fraction × MSA`, for unresponsiveness and for BABE and GRANDPA equivocation.

use crate::{
	currency::CESS,
	offences::{era_of_session, Equivocation, MsaScaledReporter, Unresponsive},
	tests::{ext_with_preset, start_block_authored_by},
	AccountId, Balance, Balances, Runtime, RuntimeEvent, RuntimeOrigin, Session, Staking, System,
};
use frame_support::traits::fungible::Inspect;
use sp_keyring::Sr25519Keyring;
use sp_runtime::Perbill;
use sp_staking::{offence::ReportOffence, EraIndex, SessionIndex};

type Offender = crate::offences::IdentificationTuple;

/// Rotates sessions, counting every validator as a block author (so im-online reports nobody)
/// until `era` is active. Bounded: an era is two sessions on the local preset.
fn rotate_until_era(era: EraIndex) {
	for _ in 0..10 {
		if pallet_staking::ActiveEra::<Runtime>::get().map(|e| e.index) == Some(era) {
			return;
		}
		for v in Session::validators() {
			pallet_im_online::AuthoredBlocks::<Runtime>::insert(Session::current_index(), v, 1);
		}
		Session::rotate_session();
	}
	panic!("era {era} not reached");
}

fn bonded(who: &AccountId) -> Balance {
	pallet_staking::Ledger::<Runtime>::get(who).expect("bonded").active
}

fn is_candidate(who: &AccountId) -> bool {
	pallet_staking::Validators::<Runtime>::contains_key(who)
}

/// The `SlashReported` events for `who`: (fraction of exposure, slash era).
fn slash_reports(who: &AccountId) -> Vec<(Perbill, EraIndex)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Staking(pallet_staking::Event::SlashReported {
				validator,
				fraction,
				slash_era,
			}) if &validator == who => Some((fraction, slash_era)),
			_ => None,
		})
		.collect()
}

/// The worked example shared by the tests.
///
/// Local testnet: n = 3 validators (Alice, Bob, Charlie), each bonding 100 000 CESS; MSA =
/// 10 000 CESS. Every offence below is worth 500 CESS, the 5 % × MSA maximum:
/// - unresponsive, x = 2 of n = 3: n/10 + 1 = 1, 3·(2 − 1)/3 = 1 → 1 × 5 % × 10 000 = 500 CESS;
/// - one equivocator of n = 3: (3·1/3)² = 1 → 1 × 5 % × 10 000 = 500 CESS.
///
/// pallet-staking stores exposures as vote weights: with `U128CurrencyToVote` the bond is
/// divided by `factor = issuance / u64::MAX` (truncating) and multiplied back, so the era-0
/// exposure is `floor(100 000 CESS / factor) × factor` — a few tens of thousands of units under
/// 100 000 CESS. The slash is then `Perbill::from_rational(500 CESS, exposure) × exposure`:
/// the fraction is 0.5 % (5 000 000 parts per billion, from_rational rounds down and
/// 500/99 999.99… is a hair above 0.5 %), so the offender loses 0.5 % of its era-0 exposure,
/// which is 500 CESS minus 0.5 % of the vote-weight truncation. On this genesis the
/// truncation is 46 000 units: exposure = 99 999.999999999999954 CESS =
/// 99 999 999 999 999 999 954 000 units, and 0.5 % of it is 499 999 999 999 999 999 770 units
/// (500 CESS − 230 units).
const EXPOSURE: Balance = 99_999_999_999_999_999_954_000;
const SLASH: Balance = 499_999_999_999_999_999_770;
const AMOUNT: Balance = 500 * CESS;
const FRACTION: Perbill = Perbill::from_parts(5_000_000);

/// Sets up the attack: era 0 exposures recorded, then (still in era 0) Alice chills and Bob
/// bonds 50 000 CESS more, then era 1 becomes active. Returns the era-0 exposures of Alice and
/// Bob and the last session of era 0.
fn offend_in_era_0_then_leave_or_bond_more() -> (Balance, Balance, SessionIndex) {
	let alice = Sr25519Keyring::Alice.to_account_id();
	let bob = Sr25519Keyring::Bob.to_account_id();
	start_block_authored_by(0);
	assert_eq!(pallet_staking::ActiveEra::<Runtime>::get().map(|e| e.index), Some(0));
	assert_eq!(pallet_staking::MinValidatorBond::<Runtime>::get(), 10_000 * CESS);

	let factor = (Balances::total_issuance() / u128::from(u64::MAX)).max(1);
	let vote_weight_of = |bond: Balance| (bond / factor) * factor;
	let exposure_alice = Staking::eras_stakers(0, &alice);
	let exposure_bob = Staking::eras_stakers(0, &bob);
	assert_eq!(exposure_alice.total, vote_weight_of(100_000 * CESS));
	assert_eq!(exposure_alice.total, EXPOSURE);
	assert_eq!(exposure_alice.own, exposure_alice.total, "no nominators");
	assert_eq!(exposure_bob.total, vote_weight_of(100_000 * CESS));
	assert!(100_000 * CESS - exposure_alice.total < factor, "truncation below one factor");

	// The offender's escape attempts, in era 0, after misbehaving.
	assert!(Staking::chill(RuntimeOrigin::signed(alice.clone())).is_ok());
	assert!(Staking::bond_extra(RuntimeOrigin::signed(bob.clone()), 50_000 * CESS).is_ok());
	let last_session_of_era_0 = Session::current_index();

	rotate_until_era(1);
	// The report lands in era 1: Alice has no exposure there, Bob a larger one.
	assert_eq!(Staking::eras_stakers(1, &alice).total, 0);
	assert_eq!(Staking::eras_stakers(1, &bob).total, vote_weight_of(150_000 * CESS));
	assert!(!Session::validators().contains(&alice), "Alice left the set");
	assert_eq!(era_of_session(last_session_of_era_0), Some(0));
	assert_eq!(era_of_session(Session::current_index()), Some(1));
	(exposure_alice.total, exposure_bob.total, last_session_of_era_0)
}

/// Asserts `who` lost exactly `FRACTION × era-0 exposure` from `bonded_before`, reported with
/// slash era 0, and is no longer a validator candidate.
fn assert_slashed_from_era_0(who: &AccountId, exposure: Balance, bonded_before: Balance) {
	assert_eq!(exposure, EXPOSURE);
	let expected = FRACTION * exposure;
	assert_eq!(expected, SLASH);
	assert_eq!(AMOUNT - expected, 230);
	assert_eq!(Perbill::from_rational(AMOUNT, exposure), FRACTION);
	assert_eq!(bonded_before - bonded(who), expected);
	assert_eq!(slash_reports(who), vec![(FRACTION, 0)]);
	assert!(!is_candidate(who), "chilled");
}

#[test]
fn unresponsive_in_era_e_reported_in_era_e_plus_1_pays_the_formula_amount() {
	ext_with_preset("local_testnet").execute_with(|| {
		let alice = Sr25519Keyring::Alice.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let (exposure_alice, exposure_bob, session) = offend_in_era_0_then_leave_or_bond_more();
		let (alice_before, bob_before) = (bonded(&alice), bonded(&bob));
		assert_eq!(alice_before, 100_000 * CESS);
		assert_eq!(bob_before, 150_000 * CESS);
		let treasury = crate::Treasury::account_id();
		let treasury_before = Balances::balance(&treasury);

		// x = 2 of n = 3 unresponsive in the last session of era 0.
		let offence = pallet_im_online::UnresponsivenessOffence::<Offender> {
			session_index: session,
			validator_set_count: 3,
			offenders: vec![(alice.clone(), ()), (bob.clone(), ())],
		};
		assert!(MsaScaledReporter::<Unresponsive>::report_offence(vec![], offence).is_ok());

		// Reading era 1's exposure instead would have given Alice 500/0 → 0 % (no slash) and
		// Bob 500/150 000 → 0.333 % of his 100 000 CESS era-0 exposure = 333.33 CESS.
		assert_slashed_from_era_0(&alice, exposure_alice, alice_before);
		assert_slashed_from_era_0(&bob, exposure_bob, bob_before);
		let lost = FRACTION * exposure_alice + FRACTION * exposure_bob;
		assert_eq!(Balances::balance(&treasury) - treasury_before, lost, "slashes to the treasury");
	});
}

#[test]
fn babe_and_grandpa_equivocation_in_era_e_reported_in_era_e_plus_1_pay_the_formula_amount() {
	ext_with_preset("local_testnet").execute_with(|| {
		let alice = Sr25519Keyring::Alice.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let (exposure_alice, exposure_bob, session) = offend_in_era_0_then_leave_or_bond_more();
		let (alice_before, bob_before) = (bonded(&alice), bonded(&bob));

		// Alice equivocated in BABE, Bob in GRANDPA, both in era 0; one offender each of n = 3.
		let babe = pallet_babe::EquivocationOffence::<Offender> {
			slot: 5u64.into(),
			session_index: session,
			validator_set_count: 3,
			offender: (alice.clone(), ()),
		};
		assert!(MsaScaledReporter::<Equivocation>::report_offence(vec![], babe).is_ok());
		let grandpa = pallet_grandpa::EquivocationOffence::<Offender> {
			time_slot: pallet_grandpa::TimeSlot { set_id: 0, round: 7 },
			session_index: session,
			validator_set_count: 3,
			offender: (bob.clone(), ()),
		};
		assert!(MsaScaledReporter::<Equivocation>::report_offence(vec![], grandpa).is_ok());

		assert_slashed_from_era_0(&alice, exposure_alice, alice_before);
		assert_slashed_from_era_0(&bob, exposure_bob, bob_before);
	});
}

#[test]
fn an_offence_in_the_active_era_still_uses_the_active_era_exposure() {
	ext_with_preset("local_testnet").execute_with(|| {
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		offend_in_era_0_then_leave_or_bond_more();
		// Charlie equivocates in era 1 itself: its era-1 exposure is 100 000 CESS as vote weight.
		let exposure = Staking::eras_stakers(1, &charlie).total;
		let before = bonded(&charlie);
		let offence = pallet_babe::EquivocationOffence::<Offender> {
			slot: 50u64.into(),
			session_index: Session::current_index(),
			validator_set_count: 2,
			offender: (charlie.clone(), ()),
		};
		assert!(MsaScaledReporter::<Equivocation>::report_offence(vec![], offence).is_ok());
		// One of n = 2: (3/2)² ≥ 1 → capped → 500 CESS → 0.5 % of the era-1 exposure.
		let fraction = Perbill::from_rational(AMOUNT, exposure);
		assert_eq!(fraction, FRACTION);
		assert_eq!(before - bonded(&charlie), FRACTION * exposure);
		assert_eq!(slash_reports(&charlie), vec![(FRACTION, 1)]);
	});
}

#[test]
fn an_offence_before_the_bonding_window_maps_to_no_era() {
	ext_with_preset("local_testnet").execute_with(|| {
		start_block_authored_by(0);
		// No era starts at or before a session once the bonded eras begin after it.
		pallet_staking::BondedEras::<Runtime>::put(vec![(5u32, 10u32), (6, 12)]);
		pallet_staking::ActiveEra::<Runtime>::put(pallet_staking::ActiveEraInfo {
			index: 6,
			start: None,
		});
		pallet_staking::ErasStartSessionIndex::<Runtime>::insert(6, 12);
		assert_eq!(era_of_session(9), None);
		assert_eq!(era_of_session(10), Some(5));
		assert_eq!(era_of_session(11), Some(5));
		assert_eq!(era_of_session(12), Some(6));
		assert_eq!(era_of_session(40), Some(6));
	});
}
