//! Unit tests: rounds, proofs (real ones, built with the proof library's prover), every row of
//! the punishment table with the amounts worked by hand, bans, debt, frozen miners, power over
//! a cycle, fragment removal mid-round, and a scale test with thousands of miners.

use crate::{mock::*, *};
use cess_storage_proof::{build_proof, FillerSet, SealedFiller, StorageProof};
use cess_traits::{MinerInspect, MinerMutate, MinerState, GIB, TIB};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::Mutate, Get},
	weights::Weight,
};
use sp_runtime::{transaction_validity::ValidTransaction, DispatchError};
use std::{cell::RefCell, collections::BTreeMap};

thread_local! {
	static FILLERS: RefCell<BTreeMap<AccountId, Vec<SealedFiller>>> =
		const { RefCell::new(BTreeMap::new()) };
}

fn origin(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// Funds and registers `who` with `declared_tib` TiB and `collateral`.
fn register(who: AccountId, declared_tib: u32, collateral: Balance) {
	Balances::set_balance(&who, 1_000_000 * CESS);
	let endpoint = vec![b'x'].try_into().expect("short endpoint");
	assert_ok!(StorageMiner::register(origin(who), who, endpoint, declared_tib, collateral));
}

/// Seals `n` fillers for `who` and commits them on chain.
fn commit_fillers(who: AccountId, n: u64) {
	let account = Audit::account_bytes(&who);
	let fillers: Vec<SealedFiller> =
		(0..n).map(|i| SealedFiller::seal(&test_params(), &account, i).expect("seal")).collect();
	let set = FillerSet::new(&fillers.iter().map(|f| f.root()).collect::<Vec<_>>());
	assert_ok!(StorageMiner::commit_idle(origin(who), set.commitment(), set.count()));
	FILLERS.with(|f| f.borrow_mut().insert(who, fillers));
}

/// Gives `who` a confirmed fragment (data filled with `byte`).
fn add_fragment(who: AccountId, byte: u8) {
	MockFragments::add(who, vec![byte; UNIT as usize]);
	assert_ok!(<StorageMiner as MinerMutate<_>>::add_service_space(&who, UNIT));
}

/// A standard miner: 1 GiB declared, 2 000 CESS, 4 fillers, 2 fragments.
/// Idle 1 024 B, service 512 B: power = 95 % × 512 + 5 % × 1 024 = 486 + 51 = 537.
fn miner(who: AccountId) {
	register(who, 1, PER_TIB);
	commit_fillers(who, 4);
	add_fragment(who, who as u8);
	add_fragment(who, who as u8 ^ 0xff);
}
const STANDARD_POWER: Power = 537;

/// The honest proof of `who` for the open round.
fn honest_proof(who: AccountId) -> (RoundIndex, StorageProof) {
	let report = Audit::miner_challenge_report(&who).expect("enrolled");
	let challenge = report.challenge.expect("challenged");
	let fillers = FILLERS.with(|f| f.borrow().get(&who).cloned().unwrap_or_default());
	// Like the agent: the set of the challenge's (the snapshot's) count, a prefix of the
	// fillers sealed here.
	let roots: Vec<_> = fillers.iter().map(|f| f.root()).collect();
	let set = FillerSet::new(&roots[..challenge.filler_count as usize]);
	let proof = build_proof(
		&challenge,
		&set,
		|i| fillers.get(i as usize).map(|f| f.leaves().to_vec()),
		|i| MockFragments::data(who, i),
	)
	.expect("proof builds");
	(report.round, proof)
}

fn prove(who: AccountId) {
	let (round, proof) = honest_proof(who);
	assert_ok!(Audit::submit_proof(origin(who), round, proof));
}

/// A proof whose service part fails (one fragment leaf altered).
fn bad_service_proof(who: AccountId) -> (RoundIndex, StorageProof) {
	let (round, mut proof) = honest_proof(who);
	let entry = proof.fragments.get_mut(0).expect("service challenged");
	entry.leaves.get_mut(0).expect("a leaf").leaf[0] ^= 1;
	(round, proof)
}

/// A proof whose idle part fails (one filler leaf altered).
fn bad_idle_proof(who: AccountId) -> (RoundIndex, StorageProof) {
	let (round, mut proof) = honest_proof(who);
	let entry = proof.fillers.get_mut(0).expect("idle challenged");
	entry.leaves.get_mut(0).expect("a leaf").leaf[0] ^= 1;
	(round, proof)
}

/// First block of round `r` (round 0 opens in block 1).
fn round_start(r: u32) -> u64 {
	1 + u64::from(r) * ROUND
}

/// Runs to the opening block of round `r`.
fn go_to_round(r: u32) {
	run_to(round_start(r));
}

/// Runs past round `r`'s deadline (its sweep runs in that block).
fn settle_round(r: u32) {
	run_to(round_start(r) + DEADLINE);
}

fn collateral(who: AccountId) -> Balance {
	<StorageMiner as MinerInspect<_>>::collateral_and_debt(&who).expect("registered").0
}

fn debt(who: AccountId) -> Balance {
	<StorageMiner as MinerInspect<_>>::collateral_and_debt(&who).expect("registered").1
}

fn record(who: AccountId) -> MinerAudit {
	Audits::<Test>::get(who).expect("enrolled")
}

fn audit_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Audit(e) = r.event { Some(e) } else { None })
		.collect()
}

fn slashes(who: AccountId) -> Vec<(SlashReason, Balance)> {
	audit_events()
		.into_iter()
		.filter_map(|e| match e {
			Event::MinerSlashed { miner, reason, amount, .. } if miner == who => {
				Some((reason, amount))
			}
			_ => None,
		})
		.collect()
}

// ---------------------------------------------------------------------------------------
// Rounds and proofs
// ---------------------------------------------------------------------------------------

#[test]
fn rounds_open_on_schedule_with_fresh_seeds_and_enrol_positive_miners() {
	build_and_execute(|| {
		miner(1);
		run_to(1);
		let r0 = CurrentRound::<Test>::get().expect("round 0");
		assert_eq!((r0.index, r0.start), (0, 1));
		assert_eq!(record(1).enrolled_in, 0);
		assert_eq!(RosterLen::<Test>::get(), 1);
		// Enrolled in round 0: challenged from round 1 on.
		assert_eq!(Audit::miner_challenge_report(&1).expect("report").challenge, None);
		go_to_round(1);
		let r1 = CurrentRound::<Test>::get().expect("round 1");
		assert_eq!((r1.index, r1.start), (1, 11));
		assert_ne!(r0.seed, r1.seed);
		let report = Audit::miner_challenge_report(&1).expect("report");
		assert_eq!(report.deadline, 16);
		let challenge = report.challenge.expect("challenged in round 1");
		assert_eq!(challenge.fillers.len(), 2);
		assert_eq!(challenge.fragments.len(), 2);
		assert!(audit_events().iter().any(|e| matches!(e, Event::RoundOpened { round: 1, .. })));
	});
}

#[test]
fn honest_proof_passes_and_credits_power() {
	build_and_execute(|| {
		miner(1);
		go_to_round(1);
		prove(1);
		assert_eq!(MinerPower::<Test>::get(0, 1), STANDARD_POWER);
		assert_eq!(CyclePower::<Test>::get(0), STANDARD_POWER);
		let r = record(1);
		assert!(r.rewarded);
		assert_eq!((r.last_proved, r.settled_through), (Some(1), 1));
		assert!(audit_events().contains(&Event::ProofVerified {
			miner: 1,
			round: 1,
			idle: PartResult::Passed,
			service: PartResult::Passed,
			power: STANDARD_POWER,
			cycle: 0,
		}));
		// The sweep leaves a proved miner alone.
		settle_round(1);
		assert_eq!(collateral(1), PER_TIB);
		assert_eq!(LastSettledRound::<Test>::get(), Some(1));
	});
}

#[test]
fn power_formula_is_95_percent_service_plus_5_percent_idle() {
	build_and_execute(|| {
		// 1 000 B service, 1 000 B idle: 950 + 50 = 1 000.
		assert_eq!(Audit::storage_power(1_000, 1_000), 1_000);
		// 1 TiB each: both terms are rounded down (0.2 + 0.8 of a byte lost).
		assert_eq!(Audit::storage_power(TIB, TIB), u128::from(TIB) - 1);
		// 512 B service, 1 024 B idle: 486.4 → 486, 51.2 → 51.
		assert_eq!(Audit::storage_power(1_024, 512), 537);
		assert_eq!(Audit::storage_power(0, 0), 0);
	});
}

#[test]
fn submission_errors_are_precise_and_change_nothing() {
	build_and_execute(|| {
		miner(1);
		assert_noop!(
			Audit::submit_proof(origin(1), 0, StorageProof::default()),
			Error::<Test>::NoRoundOpen
		);
		go_to_round(1);
		let (round, proof) = honest_proof(1);
		assert_noop!(Audit::submit_proof(origin(1), 2, proof.clone()), Error::<Test>::FutureRound);
		assert_noop!(Audit::submit_proof(origin(1), 0, proof.clone()), Error::<Test>::RoundClosed);
		assert_noop!(
			Audit::submit_proof(origin(42), round, proof.clone()),
			Error::<Test>::NotAMiner
		);
		// Registered and Positive, but not enrolled yet (the scan runs in the next block).
		miner(2);
		assert_noop!(
			Audit::submit_proof(origin(2), round, proof.clone()),
			Error::<Test>::NotEnrolled
		);
		run_to(12);
		// Enrolled during round 1: challenged from round 2 on.
		assert_eq!(record(2).enrolled_in, 1);
		assert_noop!(
			Audit::submit_proof(origin(2), round, proof.clone()),
			Error::<Test>::NotChallenged
		);
		assert_ok!(Audit::submit_proof(origin(1), round, proof.clone()));
		assert_noop!(
			Audit::submit_proof(origin(1), round, proof.clone()),
			Error::<Test>::AlreadySubmitted
		);
		go_to_round(2);
		let (round, proof) = honest_proof(1);
		run_to(round_start(2) + DEADLINE);
		assert_noop!(Audit::submit_proof(origin(1), round, proof), Error::<Test>::ProofTooLate);
	});
}

#[test]
fn deadline_is_root_set_and_bounded() {
	build_and_execute(|| {
		run_to(1);
		assert_eq!(ProofDeadline::<Test>::get(), DEADLINE);
		assert_noop!(Audit::set_deadline(origin(1), 3), DispatchError::BadOrigin);
		assert_noop!(Audit::set_deadline(RuntimeOrigin::root(), 0), Error::<Test>::ZeroDeadline);
		// At most ROUND − RESERVE = 10 − 2 = 8 blocks.
		assert_eq!(Audit::max_deadline(), 8);
		assert_noop!(
			Audit::set_deadline(RuntimeOrigin::root(), ROUND - RESERVE + 1),
			Error::<Test>::DeadlineTooLong
		);
		assert_noop!(
			Audit::set_deadline(RuntimeOrigin::root(), ROUND + 1),
			Error::<Test>::DeadlineTooLong
		);
		assert_ok!(Audit::set_deadline(RuntimeOrigin::root(), 8));
		assert_ok!(Audit::set_deadline(RuntimeOrigin::root(), 3));
		assert_eq!(ProofDeadline::<Test>::get(), 3);
		assert!(audit_events().contains(&Event::DeadlineSet { blocks: 3 }));
		// Round 0 keeps the deadline it opened with (1 + 5); round 1 gets the new one.
		assert_eq!(CurrentRound::<Test>::get().expect("round 0").deadline, 1 + DEADLINE);
		go_to_round(1);
		assert_eq!(CurrentRound::<Test>::get().expect("round 1").deadline, round_start(1) + 3);
	});
}

#[test]
fn raising_the_deadline_does_not_reopen_a_settled_miss() {
	// Attack (old rule: `set_deadline` applied to the open round): a miner misses round 1, the
	// sweep settles the miss at S_1 + 5, then the deadline is raised to 8 and the miner answers
	// at S_1 + 6. Now the open round keeps its deadline: the late proof is refused and the
	// miss (5 % of 2 000 CESS = 100 CESS, never rewarded) stands.
	build_and_execute(|| {
		miner(1);
		go_to_round(1);
		let (round, proof) = honest_proof(1);
		settle_round(1);
		assert_eq!(slashes(1), vec![(SlashReason::ServiceMissedNeverRewarded, 100 * CESS)]);
		assert_ok!(Audit::set_deadline(RuntimeOrigin::root(), 8));
		run_to(round_start(1) + 6);
		assert_noop!(Audit::submit_proof(origin(1), round, proof), Error::<Test>::ProofTooLate);
		assert_eq!(collateral(1), PER_TIB - 100 * CESS);
		// Round 2 opens with the new deadline: S_2 + 8.
		go_to_round(2);
		assert_eq!(CurrentRound::<Test>::get().expect("round 2").deadline, round_start(2) + 8);
	});
}

#[test]
fn lowering_the_deadline_does_not_turn_a_pending_miner_into_a_miss() {
	// Old rule: lowering the deadline to 1 at S_1 + 2 made every miner that had not proved yet
	// late at once (and the sweep slashed them). Now round 1 keeps S_1 + 5.
	build_and_execute(|| {
		miner(1);
		go_to_round(1);
		run_to(round_start(1) + 2);
		assert_ok!(Audit::set_deadline(RuntimeOrigin::root(), 1));
		run_to(round_start(1) + 4);
		prove(1);
		settle_round(1);
		assert_eq!(slashes(1), vec![]);
		assert_eq!(MinerPower::<Test>::get(0, 1), STANDARD_POWER);
		go_to_round(2);
		assert_eq!(CurrentRound::<Test>::get().expect("round 2").deadline, round_start(2) + 1);
	});
}

// ---------------------------------------------------------------------------------------
// The punishment table
// ---------------------------------------------------------------------------------------

#[test]
fn idle_failure_never_slashes_and_earns_nothing() {
	build_and_execute(|| {
		miner(1);
		go_to_round(1);
		let (round, proof) = bad_idle_proof(1);
		assert_ok!(Audit::submit_proof(origin(1), round, proof));
		go_to_round(2);
		let (round, proof) = bad_idle_proof(1);
		assert_ok!(Audit::submit_proof(origin(1), round, proof));
		settle_round(2);
		assert_eq!(collateral(1), PER_TIB);
		assert!(slashes(1).is_empty());
		assert_eq!(MinerPower::<Test>::get(0, 1), 0);
		assert_eq!(record(1).service_failures, 0);
		assert!(audit_events().iter().any(|e| matches!(
			e,
			Event::ProofVerified {
				idle: PartResult::Failed(_),
				service: PartResult::Passed,
				power: 0,
				..
			}
		)));
	});
}

#[test]
fn idle_miss_never_slashes() {
	build_and_execute(|| {
		// Idle space only: no service part to miss.
		register(1, 1, PER_TIB);
		commit_fillers(1, 4);
		go_to_round(1);
		settle_round(1);
		go_to_round(2);
		settle_round(2);
		assert_eq!(collateral(1), PER_TIB);
		assert!(slashes(1).is_empty());
		assert_eq!(record(1).service_misses, 0);
		assert!(audit_events().contains(&Event::ProofMissed {
			miner: 1,
			round: 1,
			service_challenged: false
		}));
	});
}

#[test]
fn service_miss_never_rewarded_slashes_5_percent_of_collateral() {
	build_and_execute(|| {
		// Over-collateralised: 3 000 CESS held → 5 % = 150 CESS.
		register(1, 1, 3_000 * CESS);
		commit_fillers(1, 4);
		add_fragment(1, 7);
		go_to_round(1);
		settle_round(1);
		assert_eq!(slashes(1), vec![(SlashReason::ServiceMissedNeverRewarded, 150 * CESS)]);
		assert_eq!(collateral(1), 2_850 * CESS);
		assert_eq!(Balances::free_balance(TREASURY), 1 + 150 * CESS);
		assert_eq!(record(1).service_misses, 1);
	});
}

/// A miner with `idle + service = total` bytes that passed one challenge (round 1).
fn rewarded_miner_with_space(who: AccountId, declared_tib: u32, total: u64) {
	register(who, declared_tib, StorageMiner::collateral_requirement(declared_tib));
	commit_fillers(who, 4);
	add_fragment(who, 3);
	add_fragment(who, 4);
	let extra = total - 4 * UNIT - 2 * UNIT;
	assert_ok!(<StorageMiner as MinerMutate<_>>::add_service_space(&who, extra));
	go_to_round(1);
	prove(who);
	assert!(record(who).rewarded);
}

#[test]
fn service_miss_after_reward_slashes_slash_limit_half_tib() {
	build_and_execute(|| {
		// 0.5 TiB counts as 1 TiB: 2 000 CESS × 1 × 5 % = 100 CESS.
		rewarded_miner_with_space(1, 1, TIB / 2);
		assert_eq!(Audit::slash_limit(0, TIB / 2), 100 * CESS);
		go_to_round(2);
		settle_round(2);
		assert_eq!(slashes(1), vec![(SlashReason::ServiceMissed, 100 * CESS)]);
		assert_eq!(collateral(1), 1_900 * CESS);
	});
}

#[test]
fn service_miss_after_reward_slashes_slash_limit_3_2_tib() {
	build_and_execute(|| {
		// 3.2 TiB counts as 4 TiB: 2 000 CESS × 4 × 5 % = 400 CESS.
		let total = TIB * 32 / 10;
		rewarded_miner_with_space(1, 4, total);
		assert_eq!(collateral(1), 8_000 * CESS);
		go_to_round(2);
		settle_round(2);
		assert_eq!(slashes(1), vec![(SlashReason::ServiceMissed, 400 * CESS)]);
		assert_eq!(collateral(1), 7_600 * CESS);
	});
}

#[test]
fn service_failures_slash_from_the_second_consecutive_and_a_pass_resets() {
	build_and_execute(|| {
		// 3.2 TiB → SlashLimit 400 CESS.
		rewarded_miner_with_space(1, 4, TIB * 32 / 10);
		for (round, expected_failures, expected_slashes) in
			[(2u32, 1u32, 0usize), (3, 2, 1), (4, 3, 2)]
		{
			go_to_round(round);
			let (r, proof) = bad_service_proof(1);
			assert_ok!(Audit::submit_proof(origin(1), r, proof));
			assert_eq!(record(1).service_failures, expected_failures);
			assert_eq!(slashes(1).len(), expected_slashes);
		}
		assert_eq!(
			slashes(1),
			vec![
				(SlashReason::ServiceFailedAgain, 400 * CESS),
				(SlashReason::ServiceFailedAgain, 400 * CESS)
			]
		);
		assert_eq!(collateral(1), 7_200 * CESS);
		// A pass resets the counter: the next failure is a "first" one again.
		go_to_round(5);
		prove(1);
		assert_eq!(record(1).service_failures, 0);
		go_to_round(6);
		let (r, proof) = bad_service_proof(1);
		assert_ok!(Audit::submit_proof(origin(1), r, proof));
		assert_eq!(record(1).service_failures, 1);
		assert_eq!(slashes(1).len(), 2);
	});
}

#[test]
fn five_consecutive_service_misses_ban_and_earned_power_stays() {
	build_and_execute(|| {
		miner(1);
		go_to_round(1);
		prove(1);
		for round in 2..=5 {
			go_to_round(round);
			settle_round(round);
			assert_eq!(record(1).service_misses, round - 1);
		}
		assert_eq!(StorageMiner::state(&1), Some(MinerState::Frozen));
		go_to_round(6);
		settle_round(6);
		assert_eq!(StorageMiner::state(&1), Some(MinerState::Banned));
		assert!(audit_events().contains(&Event::MinerBanned { miner: 1, round: 6 }));
		// Five slashes of SlashLimit (1 GiB → 1 TiB → 100 CESS).
		assert_eq!(slashes(1), vec![(SlashReason::ServiceMissed, 100 * CESS); 5]);
		assert_eq!(collateral(1), 1_500 * CESS);
		// Off the roster; the power earned in cycle 0 stays readable for the reward orders.
		assert!(Audits::<Test>::get(1).is_none());
		assert_eq!(<Audit as StoragePowerInspect<_>>::miner_power(0, &1), STANDARD_POWER);
		go_to_round(7);
		let proof = StorageProof::default();
		assert_noop!(Audit::submit_proof(origin(1), 7, proof), Error::<Test>::MinerBanned);
	});
}

#[test]
fn a_submission_ends_a_miss_streak() {
	build_and_execute(|| {
		miner(1);
		go_to_round(1);
		settle_round(1);
		go_to_round(2);
		settle_round(2);
		assert_eq!(record(1).service_misses, 2);
		go_to_round(3);
		let (r, proof) = bad_idle_proof(1);
		assert_ok!(Audit::submit_proof(origin(1), r, proof));
		assert_eq!(record(1).service_misses, 0);
	});
}

#[test]
fn punishment_beyond_collateral_becomes_debt() {
	build_and_execute(|| {
		rewarded_miner_with_space(1, 1, 4 * UNIT + 2 * UNIT);
		// Something else took most of the collateral: 50 CESS left.
		assert_ok!(<StorageMiner as MinerMutate<_>>::punish(&1, 1_950 * CESS));
		assert_eq!(collateral(1), 50 * CESS);
		go_to_round(2);
		settle_round(2);
		// SlashLimit 100 CESS: 50 slashed to the treasury, 50 becomes debt.
		assert!(audit_events().iter().any(|e| matches!(
			e,
			Event::MinerSlashed { miner: 1, amount, slashed, debt_added, .. }
				if *amount == 100 * CESS && *slashed == 50 * CESS && *debt_added == 50 * CESS
		)));
		assert_eq!((collateral(1), debt(1)), (0, 50 * CESS));
		assert_eq!(StorageMiner::state(&1), Some(MinerState::Frozen));
	});
}

#[test]
fn only_enrolled_miners_count_as_audited_and_freezing_keeps_them_challenged() {
	// The unaudited-holder attack: become Positive, take fragments before the enrolment scan,
	// freeze (raise the declared space) and never be challenged. The file market asks
	// `Enrolled` before assigning or confirming a fragment: false until the scan enrols the
	// miner, and true — with challenges — while it is frozen.
	use frame_support::traits::Contains;
	build_and_execute(|| {
		miner(1);
		assert_eq!(StorageMiner::state(&1), Some(MinerState::Positive));
		assert!(!Enrolled::<Test>::contains(&1), "Positive but not scanned: holds nothing");
		run_to(1);
		assert!(Enrolled::<Test>::contains(&1));
		assert_ok!(StorageMiner::change_declared_space(origin(1), 2));
		assert_eq!(StorageMiner::state(&1), Some(MinerState::Frozen));
		assert!(Enrolled::<Test>::contains(&1), "frozen: still on the roster");
		// Challenged in rounds 1 and 2 like any miner: both silences are settled as misses
		// and slashed (never rewarded: 5 % of 2 000 = 100 CESS, then 5 % of 1 900 = 95 CESS).
		settle_round(2);
		assert_eq!(slashes(1), UNAUDITED_HOLDER_SLASHES.to_vec());
		assert!(Enrolled::<Test>::contains(&1));
	});
}

/// What the frozen miner of the test above is slashed for missing round 1.
const UNAUDITED_HOLDER_SLASHES: [(SlashReason, Balance); 2] = [
	(SlashReason::ServiceMissedNeverRewarded, 100 * CESS),
	(SlashReason::ServiceMissedNeverRewarded, 95 * CESS),
];

#[test]
fn frozen_miner_is_challenged_earns_no_power_and_is_still_punished() {
	build_and_execute(|| {
		miner(1);
		run_to(1);
		assert_eq!(record(1).enrolled_in, 0);
		// Declaring 2 TiB needs 4 000 CESS: frozen with 2 000.
		assert_ok!(StorageMiner::change_declared_space(origin(1), 2));
		assert_eq!(StorageMiner::state(&1), Some(MinerState::Frozen));
		go_to_round(1);
		prove(1);
		assert!(audit_events().contains(&Event::ProofVerified {
			miner: 1,
			round: 1,
			idle: PartResult::Passed,
			service: PartResult::Passed,
			power: 0,
			cycle: 0,
		}));
		assert_eq!(CyclePower::<Test>::get(0), 0);
		assert!(!record(1).rewarded);
		// A miss is punished as for any miner (never rewarded: 5 % of 2 000 = 100 CESS).
		go_to_round(2);
		settle_round(2);
		assert_eq!(slashes(1), vec![(SlashReason::ServiceMissedNeverRewarded, 100 * CESS)]);
	});
}

// ---------------------------------------------------------------------------------------
// Storage power over a cycle
// ---------------------------------------------------------------------------------------

#[test]
fn power_totals_over_a_cycle_with_several_miners() {
	build_and_execute(|| {
		miner(1); // 537 per pass
		register(2, 1, PER_TIB);
		commit_fillers(2, 2); // idle 512 B only: 5 % = 25.6 → 25 per pass
						// Over-collateralised, so its round-1 miss (5 % = 150 CESS) does not freeze it.
		register(3, 1, 3_000 * CESS);
		commit_fillers(3, 8);
		for b in 0..4 {
			add_fragment(3, 100 + b);
		} // 95 % × 1 024 = 972.8 → 972; 5 % × 2 048 = 102.4 → 102: 1 074 per pass
		go_to_round(1);
		prove(1);
		prove(2);
		go_to_round(2);
		prove(1);
		prove(3);
		go_to_round(3);
		prove(1);
		prove(2);
		assert_eq!(FinishedCycle::<Test>::get(), None);
		settle_round(3);
		// Cycle 0 = rounds 0..=3, finished once round 3 is settled.
		assert_eq!(<Audit as StoragePowerInspect<_>>::finished_cycle(), Some(0));
		assert_eq!(MinerPower::<Test>::get(0, 1), 3 * 537);
		assert_eq!(MinerPower::<Test>::get(0, 2), 2 * 25);
		assert_eq!(MinerPower::<Test>::get(0, 3), 1_074);
		assert_eq!(<Audit as StoragePowerInspect<_>>::cycle_power(0), 1_611 + 50 + 1_074);
		assert!(audit_events().contains(&Event::CycleFinished { cycle: 0, total_power: 2_735 }));
		// Round 4 belongs to cycle 1.
		go_to_round(4);
		prove(1);
		assert_eq!(CyclePower::<Test>::get(1), 537);
	});
}

#[test]
fn old_cycles_are_pruned_boundedly() {
	build_and_execute(|| {
		miner(1);
		go_to_round(1);
		prove(1);
		// PowerHistory = 2: cycle 0 is pruned once cycle 2 finishes (round 11 settled).
		go_to_round(11);
		settle_round(11);
		run_to(round_start(11) + DEADLINE + 1);
		assert_eq!(MinerPower::<Test>::get(0, 1), 0);
		assert_eq!(CyclePower::<Test>::get(0), 0);
		assert!(audit_events().contains(&Event::CyclePruned { cycle: 0 }));
		assert_eq!(<Audit as StoragePowerInspect<_>>::oldest_retained_cycle(), 1);
	});
}

// ---------------------------------------------------------------------------------------
// Changes during a round
// ---------------------------------------------------------------------------------------

#[test]
fn renumbering_race_an_honest_proof_built_before_a_deletion_passes() {
	// Attack (old rule: a deletion swap-removed the fragment at once, the last one taking its
	// number): a file owner deletes fragment 0 of miner 1 one block after the miner built its
	// proof; fragment 2 moves to number 0, so the proof's opening of number 0 no longer matches
	// and the miner's service part fails (slashed from the second time). Now the deletion is
	// deferred to the miner's next checkpoint: the proof passes with full power.
	build_and_execute(|| {
		miner(1);
		add_fragment(1, 9); // three fragments, service 768 B
		go_to_round(1);
		let (round, proof) = honest_proof(1);
		MockFragments::remove(1, 0);
		// Still listed and challengeable; the challenge is unchanged.
		assert_eq!(
			<MockFragments as cess_traits::ServiceFragmentsInspect<_>>::fragment_count(&1),
			3
		);
		assert_ok!(Audit::submit_proof(origin(1), round, proof));
		// 95 % × 768 + 5 % × 1 024 = 729 + 51 = 780.
		assert!(audit_events().contains(&Event::ProofVerified {
			miner: 1,
			round: 1,
			idle: PartResult::Passed,
			service: PartResult::Passed,
			power: 780,
			cycle: 0,
		}));
		// Applied at the checkpoint after the proof: two fragments, 512 B of service space,
		// and the next challenge counts two.
		assert_eq!(MockFragments::released(1), 0);
		assert_eq!(
			<MockFragments as cess_traits::ServiceFragmentsInspect<_>>::fragment_count(&1),
			2
		);
		assert_eq!(<StorageMiner as MinerInspect<_>>::spaces(&1).expect("r").service, 512);
		assert_eq!(record(1).current.fragment_count, 2);
		go_to_round(2);
		prove(1);
		assert_eq!(MinerPower::<Test>::get(0, 1), 780 + STANDARD_POWER);
	});
}

#[test]
fn deleting_a_challenged_file_does_not_excuse_it() {
	// Attack: the owner of a file is also the miner holding it and kept no data. When the
	// fragment is challenged, it deletes the file so the item "no longer exists" and answers
	// without it. Old rule: the item was excused and the service part passed vacuously. Now the
	// fragment stays challenged until the checkpoint, so the empty answer fails.
	build_and_execute(|| {
		register(1, 1, PER_TIB);
		commit_fillers(1, 4);
		add_fragment(1, 7); // one fragment: every service pick is fragment 0
		go_to_round(1);
		let (round, mut proof) = honest_proof(1);
		MockFragments::remove(1, 0);
		proof.fragments = Default::default();
		assert_ok!(Audit::submit_proof(origin(1), round, proof));
		let verified = audit_events()
			.into_iter()
			.find_map(|e| match e {
				Event::ProofVerified { service, power, .. } => Some((service, power)),
				_ => None,
			})
			.expect("verified");
		assert_eq!(
			verified,
			(
				PartResult::Failed(cess_storage_proof::ProofError::FragmentCountMismatch {
					expected: 2,
					got: 0
				}),
				0
			)
		);
		assert_eq!(record(1).service_failures, 1);
	});
}

#[test]
fn removals_beyond_the_checkpoint_budget_wait_and_stay_challenged() {
	build_and_execute(|| {
		miner(1);
		for b in 10..14 {
			add_fragment(1, b); // six fragments
		}
		go_to_round(1);
		for i in 0..5 {
			MockFragments::remove(1, i);
		}
		prove(1);
		// At most REMOVALS_PER_CHECKPOINT = 3 applied (numbers 4, 3, 2): 3 fragments left, 2
		// still released.
		assert_eq!(
			<MockFragments as cess_traits::ServiceFragmentsInspect<_>>::fragment_count(&1),
			3
		);
		assert_eq!(MockFragments::released(1), 2);
		assert_eq!(record(1).current.fragment_count, 3);
		go_to_round(2);
		prove(1);
		assert_eq!(
			<MockFragments as cess_traits::ServiceFragmentsInspect<_>>::fragment_count(&1),
			1
		);
		assert_eq!(MockFragments::released(1), 0);
	});
}

#[test]
fn a_settled_miss_is_a_checkpoint_but_not_while_the_next_challenge_is_open() {
	build_and_execute(|| {
		miner(1);
		add_fragment(1, 9);
		go_to_round(1);
		MockFragments::remove(1, 0);
		// The sweep settles round 1's miss inside round 1: removal applied, snapshot of 2.
		settle_round(1);
		assert_eq!(MockFragments::released(1), 0);
		assert_eq!(record(1).current.fragment_count, 2);
		go_to_round(2);
		prove(1);
		go_to_round(3);
		MockFragments::remove(1, 0);
		// A sweep that reaches a round-3 miss only after round 4 opened must not renumber the
		// fragments round 4's open challenge counts: a checkpoint in round 4 with round 4
		// undecided keeps the removal.
		let mut audit = record(1);
		audit.settled_through = 3;
		assert_eq!(Audit::checkpoint(&1, &mut audit, 4, 10), 0);
		assert_eq!(MockFragments::released(1), 1);
		// Once round 4 is decided it is applied.
		audit.settled_through = 4;
		assert_eq!(Audit::checkpoint(&1, &mut audit, 4, 10), 1);
		assert_eq!(MockFragments::released(1), 0);
	});
}

#[test]
fn growing_idle_space_mid_round_keeps_the_challenge_valid() {
	build_and_execute(|| {
		miner(1);
		go_to_round(1);
		let before = Audit::miner_challenge_report(&1).expect("report").challenge.expect("c");
		commit_fillers(1, 6);
		let after = Audit::miner_challenge_report(&1).expect("report").challenge.expect("c");
		// The challenge is frozen: same fillers, same count (the snapshot's 4), verified
		// against the snapshot's commitment — the agent proves with the first 4 fillers.
		assert_eq!(before, after);
		assert_eq!(after.filler_count, 4);
		prove(1);
		// Power counts the snapshot's idle space (4 fillers), not the new one.
		assert_eq!(MinerPower::<Test>::get(0, 1), STANDARD_POWER);
		// The next snapshot has the 6 fillers.
		assert_eq!(record(1).current.filler_count, 6);
	});
}

#[test]
fn shrink_under_a_challenge_earns_no_power() {
	// Attack: a miner that stores nothing commits a garbage commitment for 1 000 fillers
	// (256 000 B idle), waits for its challenge, shrinks the count below the lowest challenged
	// index and answers with an empty proof. Old rule (verify against the current commitment
	// and count, excuse removed items): the idle part passed vacuously and it earned
	// 5 % × min(256 000, 256) = 12 power per round. Now the idle part is verified against the
	// snapshot (garbage commitment, 1 000 fillers, 2 challenged): the empty proof fails and
	// earns 0.
	build_and_execute(|| {
		register(1, 1, PER_TIB);
		assert_ok!(StorageMiner::commit_idle(origin(1), [0xAB; 32], 1_000));
		go_to_round(1);
		let report = Audit::miner_challenge_report(&1).expect("report");
		let challenge = report.challenge.expect("challenged");
		assert_eq!(challenge.filler_count, 1_000);
		assert_eq!(report.filler_commitment, [0xAB; 32]);
		let lowest = challenge.fillers.iter().map(|f| f.index).min().expect("two fillers");
		assert!(lowest >= 1, "this seed challenges fillers above 0");
		// Shrink to one filler: every challenged index is now "removed".
		assert_ok!(StorageMiner::commit_idle(origin(1), [0xCD; 32], 1));
		// The challenge does not change.
		assert_eq!(Audit::miner_challenge_report(&1).expect("r").challenge, Some(challenge));
		let info = Audit::submit_proof(origin(1), report.round, StorageProof::default())
			.expect("verified");
		// Admitted once (CheckProof), free, and counted as a failure rather than paid for.
		assert_eq!(info.pays_fee, frame_support::dispatch::Pays::No);
		assert!(audit_events().contains(&Event::ProofVerified {
			miner: 1,
			round: 1,
			idle: PartResult::Failed(cess_storage_proof::ProofError::FillerCountMismatch {
				expected: 2,
				got: 0
			}),
			service: PartResult::NotChallenged,
			power: 0,
			cycle: 0,
		}));
		assert_eq!(MinerPower::<Test>::get(0, 1), 0);
		// The shrink applies from the next challenge on (snapshot taken after the proof).
		assert_eq!(record(1).current.filler_count, 1);
		assert_eq!(record(1).current.filler_commitment, [0xCD; 32]);
		assert_eq!(CyclePower::<Test>::get(0), 0);
	});
}

#[test]
fn re_commit_after_the_seed_is_known_does_not_re_roll() {
	// Attack: a miner that holds only fillers 0..1 of 4 sees its challenge and re-commits with
	// other counts hoping for a challenge on what it holds. The challenge is derived from the
	// snapshot (taken at its last checkpoint, before the seed) and the seed has no counts: any
	// re-commit leaves the open challenge unchanged.
	build_and_execute(|| {
		miner(1);
		go_to_round(1);
		let before = Audit::miner_challenge_report(&1).expect("report").challenge.expect("c");
		for count in [1u64, 2, 3, 5, 8] {
			commit_fillers(1, count);
			let now = Audit::miner_challenge_report(&1).expect("report").challenge.expect("c");
			assert_eq!(now, before);
		}
	});
}

#[test]
fn a_proof_is_declared_free_so_a_miner_without_balance_still_answers() {
	use frame_support::dispatch::{DispatchClass, GetDispatchInfo, Pays};
	build_and_execute(|| {
		miner(1);
		go_to_round(1);
		let (round, proof) = honest_proof(1);
		// The transaction-payment extension charges from the declared info, before dispatch:
		// it must already say `Pays::No` (a post-dispatch refund needs the fee up front).
		let call = RuntimeCall::Audit(Call::submit_proof { round, proof: proof.clone() });
		let declared = call.get_dispatch_info();
		assert_eq!((declared.pays_fee, declared.class), (Pays::No, DispatchClass::Operational));
		// The miner has no free balance at all and still answers.
		use frame_support::traits::{
			fungible::{Inspect, Mutate},
			tokens::{Fortitude, Precision, Preservation},
		};
		let spendable = Balances::reducible_balance(&1, Preservation::Preserve, Fortitude::Polite);
		assert_ok!(Balances::burn_from(
			&1,
			spendable,
			Preservation::Preserve,
			Precision::Exact,
			Fortitude::Polite
		));
		assert_eq!(Balances::reducible_balance(&1, Preservation::Preserve, Fortitude::Polite), 0);
		let info = Audit::submit_proof(origin(1), round, proof).expect("valid");
		assert_eq!(info.pays_fee, Pays::No);
		assert!(MinerPower::<Test>::iter().any(|(_, who, p)| who == 1 && p > 0));
		go_to_round(2);
		let (round, proof) = bad_service_proof(1);
		let info = Audit::submit_proof(origin(1), round, proof).expect("verified");
		assert_eq!(info.pays_fee, Pays::No);
		assert_eq!(record(1).service_failures, 1);
	});
}

#[test]
fn withdrawn_miners_leave_the_roster() {
	build_and_execute(|| {
		register(1, 1, PER_TIB);
		commit_fillers(1, 1);
		register(2, 1, PER_TIB);
		commit_fillers(2, 1);
		run_to(1);
		assert_eq!(RosterLen::<Test>::get(), 2);
		assert_ok!(StorageMiner::prepare_exit(origin(1)));
		run_to(200);
		assert_ok!(StorageMiner::withdraw(origin(1)));
		go_to_round(21);
		settle_round(21);
		assert_eq!(RosterLen::<Test>::get(), 1);
		assert!(audit_events().contains(&Event::MinerRetired { miner: 1 }));
		assert_eq!(record(2).roster_index, 0);
	});
}

// ---------------------------------------------------------------------------------------
// Scale
// ---------------------------------------------------------------------------------------

#[test]
fn thousands_of_miners_bounded_hook_weight_and_misses_settled_in_time() {
	fn hook_bound() -> Weight {
		let w = <() as WeightInfo>::on_initialize_base()
			.saturating_add(<() as WeightInfo>::open_round())
			.saturating_add(
				<() as WeightInfo>::settle_miner()
					.saturating_add(<() as WeightInfo>::seal_audit_step())
					.saturating_mul(PER_BLOCK.into()),
			)
			.saturating_add(<() as WeightInfo>::enrol_miner().saturating_mul(PER_BLOCK.into()));
		w.saturating_add(<() as WeightInfo>::prune_entry().saturating_mul(PER_BLOCK.into()))
	}
	const MINERS: u64 = 3_000;
	build_and_execute(|| {
		for who in 1..=MINERS {
			register(who, 1, PER_TIB);
			assert_ok!(StorageMiner::commit_idle(origin(who), [1u8; 32], 1));
			MockFragments::add(who, vec![1u8; 8]);
			assert_ok!(<StorageMiner as MinerMutate<_>>::add_service_space(&who, UNIT));
		}
		// Round 0: enrolment takes MINERS / 500 = 6 blocks.
		let mut max = Weight::zero();
		for _ in 0..ROUND {
			max = max.max(run_to(System::block_number() + 1));
		}
		assert_eq!(RosterLen::<Test>::get(), MINERS as u32);
		// Round 1: nobody proves. The sweep starts at the deadline (block 16) and must be done
		// before round 2's deadline (block 26).
		go_to_round(1);
		for _ in 0..(ROUND + DEADLINE - 1) {
			max = max.max(run_to(System::block_number() + 1));
			assert!(max.all_lte(hook_bound()), "hook weight {max:?} above the fixed bound");
		}
		assert_eq!(System::block_number(), round_start(2) + DEADLINE - 1);
		assert_eq!(LastSettledRound::<Test>::get(), Some(1));
		for who in 1..=MINERS {
			let r = record(who);
			assert_eq!((r.service_misses, r.settled_through), (1, 1));
			assert_eq!(collateral(who), PER_TIB - 100 * CESS);
		}
		// The bound does not depend on the number of miners: it is fixed by the configuration.
		assert!(max.all_lte(hook_bound()));
		let visited_per_block: u32 = <Test as Config>::SettlePerBlock::get();
		assert_eq!(visited_per_block, PER_BLOCK);
	});
}

#[test]
fn hook_weight_does_not_grow_with_the_miner_count() {
	// The heaviest hook with 600 and with 2 400 miners is the same: both saturate the
	// per-block budgets, and more miners only take more blocks.
	fn heaviest(miners: u64) -> Weight {
		let mut max = Weight::zero();
		new_test_ext().execute_with(|| {
			for who in 1..=miners {
				register(who, 1, PER_TIB);
				assert_ok!(StorageMiner::commit_idle(origin(who), [1u8; 32], 1));
				MockFragments::add(who, vec![1u8; 8]);
				assert_ok!(<StorageMiner as MinerMutate<_>>::add_service_space(&who, UNIT));
			}
			max = run_to(round_start(2) + DEADLINE);
			assert_eq!(LastSettledRound::<Test>::get(), Some(1));
		});
		max
	}
	assert_eq!(heaviest(600), heaviest(2_400));
}

#[test]
fn integrity_test_holds_for_the_mock() {
	new_test_ext().execute_with(|| {
		Audit::check_integrity();
		assert!(Audit::capacity_covers_roster());
		assert_eq!(GIB, 1 << 30);
	});
}

#[test]
fn a_short_fragment_is_challenged_only_inside_its_data() {
	build_and_execute(|| {
		register(1, 1, 10 * PER_TIB);
		commit_fillers(1, 4);
		// 40 bytes of data: leaf 0 and the first 8 bytes of leaf 1; leaves 2..8 are padding,
		// which anyone can answer without the data.
		MockFragments::add(1, vec![0xab; 40]);
		assert_ok!(<StorageMiner as MinerMutate<_>>::add_service_space(&1, UNIT));
		run_to(1);
		let fillers = FILLERS.with(|f| f.borrow().get(&1).cloned().unwrap_or_default());
		let set = FillerSet::new(&fillers.iter().map(|f| f.root()).collect::<Vec<_>>());
		for round in 1..=6 {
			go_to_round(round);
			let report = Audit::miner_challenge_report(&1).expect("enrolled");
			let challenge = report.challenge.expect("challenged");
			assert_eq!(challenge.fragments.len(), 2);
			assert!(challenge.fragments.iter().all(|f| f.leaves.iter().all(|l| *l < 2)));
			// A miner that dropped the data answers with zeros: it fails every round (without
			// confinement it would pass a round with probability (6/8)^4 ≈ 32 %).
			let proof = build_proof(
				&challenge,
				&set,
				|i| fillers.get(i as usize).map(|f| f.leaves().to_vec()),
				|_| Some(Vec::new()),
			)
			.expect("proof builds");
			assert_ok!(Audit::submit_proof(origin(1), report.round, proof));
			let service = audit_events().into_iter().rev().find_map(|e| match e {
				Event::ProofVerified { miner: 1, service, .. } => Some(service),
				_ => None,
			});
			assert!(matches!(service, Some(PartResult::Failed(_))), "round {round}: {service:?}");
		}
		// The honest answer from the data passes.
		go_to_round(7);
		prove(1);
		assert!(audit_events().iter().any(|e| matches!(
			e,
			Event::ProofVerified { miner: 1, round: 7, service: PartResult::Passed, .. }
		)));
	});
}

#[test]
fn the_pool_rejects_proofs_that_cannot_count_and_prioritises_the_rest() {
	use crate::extension::{ProofRejection, PROOF_PRIORITY};
	use sp_runtime::{
		traits::{TransactionExtension, TxBaseImplication},
		transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	};
	build_and_execute(|| {
		miner(1);
		go_to_round(1);
		let (round, proof) = honest_proof(1);
		let call = |round| RuntimeCall::Audit(Call::submit_proof { round, proof: proof.clone() });
		let validate = |who: AccountId, round| {
			let c = call(round);
			let info = frame_support::dispatch::GetDispatchInfo::get_dispatch_info(&c);
			CheckProof::<Test>::new()
				.validate(
					origin(who),
					&c,
					&info,
					0,
					(),
					&TxBaseImplication(()),
					TransactionSource::External,
				)
				.map(|(v, _, _)| v)
		};
		let rejected =
			|r: ProofRejection| TransactionValidityError::from(InvalidTransaction::Custom(r as u8));
		// Spam by a non-miner, a wrong round, a miner not challenged: rejected in the pool.
		assert_eq!(validate(42, round).err(), Some(rejected(ProofRejection::NotAMiner)));
		assert_eq!(validate(1, round + 1).err(), Some(rejected(ProofRejection::WrongRound)));
		miner(2);
		run_to(round_start(1) + 1);
		assert_eq!(validate(2, round).err(), Some(rejected(ProofRejection::NotChallenged)));
		// The challenged miner: high priority, one `(miner, round)` tag, valid until the
		// deadline (S_1 + 5 − now = 4 blocks).
		let ok = validate(1, round).expect("admissible");
		assert_eq!(ok.priority, PROOF_PRIORITY);
		assert_eq!(ok.provides.len(), 1);
		assert_eq!(ok.longevity, 4);
		// A repeat after the proof is in: rejected.
		assert_ok!(Audit::submit_proof(origin(1), round, proof.clone()));
		assert_eq!(validate(1, round).err(), Some(rejected(ProofRejection::AlreadyProved)));
		// Past the deadline: rejected.
		go_to_round(2);
		run_to(round_start(2) + DEADLINE);
		assert_eq!(validate(1, 2).err(), Some(rejected(ProofRejection::TooLate)));
		// Other calls pass through untouched.
		let other = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
		let info = frame_support::dispatch::GetDispatchInfo::get_dispatch_info(&other);
		let v = CheckProof::<Test>::new()
			.validate(
				origin(42),
				&other,
				&info,
				0,
				(),
				&TxBaseImplication(()),
				TransactionSource::External,
			)
			.expect("passes")
			.0;
		assert_eq!(v, ValidTransaction::default());
	});
}

#[test]
fn a_miner_applies_its_removals_itself_once_its_challenge_is_decided() {
	build_and_execute(|| {
		miner(1);
		for b in 10..14 {
			add_fragment(1, b); // six fragments
		}
		go_to_round(1);
		for i in 0..5 {
			MockFragments::remove(1, i);
		}
		// Round 1's challenge counts them: refused until it is decided.
		assert_noop!(Audit::apply_removals(origin(1), 10), Error::<Test>::ChallengeOpen);
		assert_noop!(
			Audit::apply_removals(origin(1), MAX_REMOVALS_PER_CALL + 1),
			Error::<Test>::TooManyRemovals
		);
		prove(1); // applies 3 (REMOVALS_PER_CHECKPOINT)
		assert_eq!(MockFragments::released(1), 2);
		assert_ok!(Audit::apply_removals(origin(1), 10));
		assert!(audit_events().contains(&Event::RemovalsApplied { miner: 1, removed: 2 }));
		assert_eq!(MockFragments::released(1), 0);
		// The retaken snapshot (in round 1, before round 2's seed) counts one fragment.
		assert_eq!(record(1).current.fragment_count, 1);
		assert_eq!(record(1).current.taken_in, 1);
		// Service space 6 × 256 → 256.
		assert_eq!(<StorageMiner as MinerInspect<_>>::spaces(&1).expect("r").service, 256);
		// Past the deadline: the next round's randomness may be near; refused.
		run_to(round_start(1) + DEADLINE);
		assert_noop!(Audit::apply_removals(origin(1), 1), Error::<Test>::ProofTooLate);
		go_to_round(2);
		prove(1);
		assert_noop!(Audit::apply_removals(origin(42), 1), Error::<Test>::NotEnrolled);
	});
}

// ---------------------------------------------------------------------------------------
// Issue 15: a withdrawn miner's record goes at once
// ---------------------------------------------------------------------------------------

#[test]
fn re_registration_after_withdraw_starts_with_a_fresh_record() {
	build_and_execute(|| {
		miner(1);
		run_to(1);
		go_to_round(1);
		prove(1);
		// Exit at block 12: withdraw possible from block 112 (cooldown 100).
		run_to(12);
		assert_ok!(StorageMiner::prepare_exit(origin(1)));
		for r in 2..=10 {
			go_to_round(r);
			prove(1);
		}
		// Round 11 (blocks 101..): no proof. Rewarded before: slashed SlashLimit.
		settle_round(11);
		let old = record(1);
		assert!(old.rewarded);
		assert_eq!(old.service_misses, 1);
		assert_eq!(slashes(1).last().map(|s| s.0), Some(SlashReason::ServiceMissed));
		<StorageMiner as MinerMutate<_>>::remove_service_space(&1, 2 * UNIT);
		assert_ok!(StorageMiner::withdraw(origin(1)));
		// The record, counters, snapshots and roster entry are gone with the withdrawal.
		assert!(Audits::<Test>::get(1).is_none());
		assert_eq!(RosterLen::<Test>::get(), 0);
		assert_eq!(audit_events().last(), Some(&Event::MinerRetired { miner: 1 }));
		// Registering again: enrolled with a clean record, judged as never rewarded.
		register(1, 1, PER_TIB);
		commit_fillers(1, 4);
		assert_ok!(<StorageMiner as MinerMutate<_>>::add_service_space(&1, 2 * UNIT));
		run_to(System::block_number() + 1);
		let fresh = record(1);
		assert_eq!(
			(fresh.rewarded, fresh.service_misses, fresh.service_failures, fresh.enrolled_in),
			(false, 0, 0, 11)
		);
		go_to_round(12);
		settle_round(12);
		assert_eq!(
			slashes(1).last().copied(),
			Some((SlashReason::ServiceMissedNeverRewarded, 100 * CESS))
		);
	});
}

#[test]
fn staggered_challenge_blocks_and_windows() {
	// W = 2 with a 5-block deadline: each miner's challenge block is S_r + (0..=3), its
	// challenge comes from that block's seed and is unknown before it, and its proof is due
	// within 2 blocks of it.
	build_and_execute(|| {
		Window::set(2);
		for m in 1..=8 {
			miner(m);
		}
		go_to_round(1);
		let info = CurrentRound::<Test>::get().expect("round 1");
		assert_eq!((info.deadline, info.window), (round_start(1) + 5, 2));
		let blocks: Vec<u64> = (1..=8).map(|m| Audit::challenge_block(&m, &info)).collect();
		assert!(blocks.iter().all(|b| (round_start(1)..=round_start(1) + 3).contains(b)));
		// Spread: eight miners do not all share one block (this seed gives several).
		let distinct: std::collections::BTreeSet<_> = blocks.iter().collect();
		assert!(distinct.len() >= 2, "{blocks:?}");
		let late =
			(1..=8u64).find(|m| Audit::challenge_block(m, &info) > round_start(1)).expect("one");
		let block = Audit::challenge_block(&late, &info);
		// Before its block: no challenge in the API, a proof is refused.
		let report = Audit::miner_challenge_report(&late).expect("report");
		assert_eq!((report.challenge_block, report.window_end), (block, block + 2));
		assert_eq!(report.challenge, None);
		let empty = StorageProof::default();
		assert_noop!(
			Audit::submit_proof(origin(late), 1, empty.clone()),
			Error::<Test>::ChallengeNotYetKnown
		);
		// At its block the challenge appears, derived from that block's seed.
		run_to(block);
		let seed = BlockSeeds::<Test>::get(block).expect("seed");
		let from_seed = Audit::challenge_of(&late, &record(late), 1, seed).expect("ok");
		let report = Audit::miner_challenge_report(&late).expect("report");
		assert_eq!(report.challenge, from_seed);
		assert!(report.challenge.is_some());
		// Answered inside the window: passes.
		prove(late);
		assert_eq!(MinerPower::<Test>::get(0, late), STANDARD_POWER);
		// The other miner with the earliest block, once its window has closed: refused.
		let (other, ob) = (1..=8u64)
			.filter(|m| *m != late)
			.map(|m| (m, Audit::challenge_block(&m, &info)))
			.min_by_key(|(_, b)| *b)
			.expect("seven others");
		assert!(ob + 2 < info.deadline, "this seed: {ob}");
		run_to((ob + 2).max(System::block_number()));
		assert_noop!(
			Audit::submit_proof(origin(other), 1, StorageProof::default()),
			Error::<Test>::WindowClosed
		);
		// The sweep settles its miss after the deadline (5 % of 2 000 CESS, never rewarded).
		settle_round(1);
		assert_eq!(slashes(other), vec![(SlashReason::ServiceMissedNeverRewarded, 100 * CESS)]);
		// Seeds older than a round are forgotten.
		go_to_round(2);
		run_to(round_start(2) + ROUND);
		assert!(BlockSeeds::<Test>::get(round_start(1)).is_none());
		assert!(BlockSeeds::<Test>::get(round_start(2) + 1).is_some());
	});
}

#[test]
fn forgetting_a_visited_entry_keeps_the_running_sweep_exact() {
	build_and_execute(|| {
		for who in 1..=3 {
			register(who, 1, PER_TIB);
			commit_fillers(who, 1);
		}
		run_to(1);
		assert_eq!(RosterLen::<Test>::get(), 3);
		let order: Vec<_> = (0..3).map(|i| Roster::<Test>::get(i).unwrap()).collect();
		// A sweep has visited positions 0 and 1; the entry at 0 is forgotten.
		ActiveSweep::<Test>::put(Sweep { round: 0, cursor: 2 });
		Audit::forget(&order[0]);
		// The visited entry at 1 fills the hole, the unvisited last entry takes position 1,
		// which becomes the cursor: it is still visited, nothing is visited twice.
		assert_eq!(RosterLen::<Test>::get(), 2);
		assert_eq!(Roster::<Test>::get(0), Some(order[1]));
		assert_eq!(Roster::<Test>::get(1), Some(order[2]));
		assert_eq!(ActiveSweep::<Test>::get(), Some(Sweep { round: 0, cursor: 1 }));
		assert_eq!(record(order[1]).roster_index, 0);
		assert_eq!(record(order[2]).roster_index, 1);
		// An unvisited hole is a plain swap-remove.
		Audit::forget(&order[2]);
		assert_eq!(RosterLen::<Test>::get(), 1);
		assert_eq!(ActiveSweep::<Test>::get(), Some(Sweep { round: 0, cursor: 1 }));
		ActiveSweep::<Test>::kill();
	});
}

// ---------------------------------------------------------------------------------------
// Issue 15: leaving never excuses an open challenge
// ---------------------------------------------------------------------------------------

#[test]
fn an_exiting_miner_cannot_leave_past_an_open_challenge_and_its_miss_is_slashed() {
	build_and_execute(|| {
		miner(1);
		run_to(1);
		go_to_round(1);
		prove(1);
		// Exit at block 12: the cooldown ends at block 112, inside round 11 (111..=120).
		run_to(12);
		assert_ok!(StorageMiner::prepare_exit(origin(1)));
		for r in 2..=11 {
			go_to_round(r);
			prove(1);
		}
		// Round 12 opens at block 121 and challenges the (still enrolled) exiting miner. Its
		// fragments are gone from its service space (evacuated), the cooldown is over: the
		// attacker tries to leave instead of answering.
		go_to_round(12);
		<StorageMiner as MinerMutate<_>>::remove_service_space(&1, 2 * UNIT);
		assert_eq!(collateral(1), PER_TIB);
		assert_noop!(
			StorageMiner::withdraw(origin(1)),
			pallet_storage_miner::Error::<Test>::ChallengeOpen
		);
		// Nobody else can evict it out of the challenge either.
		assert_noop!(
			StorageMiner::evict(origin(2), 1),
			pallet_storage_miner::Error::<Test>::ChallengeOpen
		);
		// The round's sweep settles the miss as if it had stayed: rewarded before, so
		// SlashLimit = 5 % × 2 000 CESS = 100 CESS.
		settle_round(12);
		assert_eq!(slashes(1).last().copied(), Some((SlashReason::ServiceMissed, 100 * CESS)));
		assert_eq!(collateral(1), 1_900 * CESS);
		// Decided: now it may leave, with 1 900 CESS released and its record forgotten.
		let free = Balances::free_balance(1);
		assert_ok!(StorageMiner::withdraw(origin(1)));
		assert_eq!(Balances::free_balance(1), free + 1_900 * CESS);
		assert!(Audits::<Test>::get(1).is_none());
	});
}

/// Review finding (issue 13, "shrink"/"tiny files" family): a file owner and a miner collude —
/// the owner uploads, the miner confirms, the owner deletes at once and gets its lease space
/// back. The miner's released fragments stay challengeable until their removal applies (at
/// most `RemovalsPerCheckpoint` per proof), but they must not keep earning 95 % service power
/// meanwhile: the snapshot counts `service − released_space`.
#[test]
fn released_fragments_are_challenged_but_earn_no_power() {
	let power_in = |round: RoundIndex| {
		audit_events().into_iter().find_map(|e| match e {
			Event::ProofVerified { miner: 1, round: r, power, .. } if r == round => Some(power),
			_ => None,
		})
	};
	build_and_execute(|| {
		// 4 fillers (idle 1 024 B) and 6 fragments (service 6 × 256 = 1 536 B).
		miner(1);
		for byte in 10..14 {
			add_fragment(1, byte);
		}
		go_to_round(1);
		prove(1);
		// ⌊95 % × 1 536⌋ + ⌊5 % × 1 024⌋ = 1 459 + 51.
		assert_eq!(power_in(1), Some(1_510));
		// Every file is deleted right after the proof: six fragments released.
		for index in 0..6 {
			MockFragments::remove(1, index);
		}
		// Round 2 is judged on the snapshot taken at the round-1 proof (before the deletions):
		// all six are challengeable and still count. Its checkpoint removes 3 of them and the
		// new snapshot counts 768 B of service space, all of it released.
		go_to_round(2);
		prove(1);
		assert_eq!(power_in(2), Some(1_510));
		assert_eq!(MockFragments::released(1), 3);
		// Round 3: the 3 released fragments are still challenged, but earn nothing — idle only,
		// ⌊5 % × 1 024⌋ = 51 (it was ⌊95 % × 768⌋ + 51 = 780 before the fix).
		go_to_round(3);
		prove(1);
		assert_eq!(power_in(3), Some(51));
		assert_eq!(MockFragments::released(1), 0);
		go_to_round(4);
		prove(1);
		assert_eq!(power_in(4), Some(51));
	});
}

// ---------------------------------------------------------------------------------------
// Repair (issue 15): N = 3 unproven rounds or M = 4 rounds Frozen
// ---------------------------------------------------------------------------------------

fn repair_requests() -> Vec<(AccountId, RoundIndex, RepairReason)> {
	audit_events()
		.into_iter()
		.filter_map(|e| match e {
			Event::RepairRequested { miner, round, reason } => Some((miner, round, reason)),
			_ => None,
		})
		.collect()
}

#[test]
fn three_unproven_rounds_fail_or_miss_start_a_repair_and_nothing_is_excused() {
	// Attack: a miner holds users' data hostage by no longer proving (a mix of failed and
	// missed service parts, so neither counter alone reaches anything). The 3rd unproven round
	// in a row asks the file market to repair its files; the miner stays challenged and
	// punished for every later miss (entering repair excuses nothing).
	build_and_execute(|| {
		miner(1);
		go_to_round(1);
		prove(1); // rewarded: misses cost SlashLimit = 100 CESS
		go_to_round(2);
		let (r, proof) = bad_service_proof(1);
		assert_ok!(Audit::submit_proof(origin(1), r, proof));
		assert_eq!(record(1).unproven_rounds, 1);
		go_to_round(3);
		settle_round(3); // missed
		assert_eq!(record(1).unproven_rounds, 2);
		assert!(repair_requests().is_empty());
		go_to_round(4);
		let (r, proof) = bad_service_proof(1);
		assert_ok!(Audit::submit_proof(origin(1), r, proof));
		assert_eq!(record(1).unproven_rounds, 3);
		assert_eq!(repair_requests(), vec![(1, 4, RepairReason::Unproven { rounds: 3 })]);
		assert_eq!(MockFragments::repairs_started(), vec![1]);
		// Round 2: first failure, free; round 3: miss, 100; round 4: second failure in a row
		// (a miss does not reset the failure count), 100.
		assert_eq!(
			slashes(1),
			vec![
				(SlashReason::ServiceMissed, 100 * CESS),
				(SlashReason::ServiceFailedAgain, 100 * CESS)
			]
		);
		// Under repair and still challenged: the round-5 miss costs 100 CESS as before, and a
		// running repair is not started twice.
		go_to_round(5);
		settle_round(5);
		assert_eq!(slashes(1).len(), 3);
		assert_eq!(collateral(1), 1_700 * CESS);
		assert_eq!(record(1).unproven_rounds, 4);
		assert_eq!(MockFragments::repairs_started(), vec![1]);
		assert_eq!(repair_requests().len(), 1);
		// The file market finished (the moves are out of the audit's hands); the miner
		// recovers: a pass resets the streak, and nothing starts again.
		MockFragments::finish_repair(1);
		go_to_round(6);
		prove(1);
		assert_eq!(record(1).unproven_rounds, 0);
		go_to_round(7);
		prove(1);
		assert_eq!(MockFragments::repairs_started(), vec![1]);
	});
}

#[test]
fn a_file_owner_or_a_rival_cannot_push_an_honest_miner_into_repair() {
	// Coalition: the owner of miner 1's files deletes one right after miner 1 built its proof
	// (the renumbering race), and rival miner 2 fails its own rounds; nothing anybody but
	// miner 1 does counts for miner 1's streak (no call starts a repair). Only the rival,
	// which did not prove 3 rounds in a row, is repaired.
	build_and_execute(|| {
		miner(1);
		miner(2);
		go_to_round(1);
		prove(1);
		prove(2);
		go_to_round(2);
		let (r, proof) = honest_proof(1);
		MockFragments::remove(1, 0);
		assert_ok!(Audit::submit_proof(origin(1), r, proof));
		for round in 3..=5 {
			go_to_round(round);
			prove(1);
			assert_eq!(record(1).unproven_rounds, 0);
		}
		settle_round(5);
		// Miner 2 missed rounds 2, 3, 4 (and 5): repaired at the sweep of round 4.
		assert_eq!(repair_requests(), vec![(2, 4, RepairReason::Unproven { rounds: 3 })]);
		assert_eq!(MockFragments::repairs_started(), vec![2]);
		assert!(slashes(1).is_empty());
	});
}

#[test]
fn a_miner_frozen_for_four_rounds_is_repaired_and_thawing_resets_the_count() {
	// M = 4: the sweeps of rounds 1..=4 find miner 1 `Frozen` (rounds since = 0..3); the sweep
	// of round 5 (4 rounds after the first) asks for the repair. It proves every round, so
	// this is the frozen rule alone. Miner 2 thaws after 2 rounds and is never repaired.
	build_and_execute(|| {
		miner(1);
		miner(2);
		go_to_round(1);
		// Declaring 2 TiB needs 4 000 CESS: frozen with 2 000.
		assert_ok!(StorageMiner::change_declared_space(origin(1), 2));
		assert_ok!(StorageMiner::change_declared_space(origin(2), 2));
		prove(1);
		prove(2);
		for round in 2..=4 {
			go_to_round(round);
			prove(1);
			prove(2);
			if round == 3 {
				assert_ok!(StorageMiner::change_declared_space(origin(2), 1));
			}
		}
		settle_round(4);
		assert_eq!(record(1).frozen_since, Some(1));
		assert_eq!(record(2).frozen_since, None);
		assert!(repair_requests().is_empty());
		go_to_round(5);
		prove(1);
		prove(2);
		settle_round(5);
		assert_eq!(repair_requests(), vec![(1, 5, RepairReason::Frozen { rounds: 4 })]);
		assert_eq!(MockFragments::repairs_started(), vec![1]);
		// Thawed (declaration back to 1 TiB): the count starts again from nothing.
		assert_ok!(StorageMiner::change_declared_space(origin(1), 1));
		go_to_round(6);
		prove(1);
		prove(2);
		settle_round(6);
		assert_eq!(record(1).frozen_since, None);
		assert!(slashes(1).is_empty() && slashes(2).is_empty());
	});
}
