//! Unit tests. Collateral numbers are worked by hand next to each assertion:
//! requirement = 2 000 CESS × declared TiB. The mock's filler is 1/128 TiB, so 1 TiB holds
//! 128 fillers.

use crate::{
	mock::*, BannedAccounts, CandidateCount, Candidates, Error, Event, HoldReason, IdleCommitment,
	MinerInspect, MinerMutate, MinerState, Miners, Punishment, ServiceSpaceError,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold, Mutate},
	BoundedVec,
};

fn endpoint() -> BoundedVec<u8, frame_support::traits::ConstU32<32>> {
	BoundedVec::try_from(b"/ip4/127.0.0.1/tcp/15001".to_vec()).unwrap()
}

fn register(who: AccountId, gib: u32, collateral: Balance) {
	assert_ok!(StorageMiner::register(
		RuntimeOrigin::signed(who),
		who + 100,
		endpoint(),
		gib,
		collateral
	));
}

/// Registers with exactly the requirement and commits `fillers` fillers.
fn positive(who: AccountId, gib: u32, fillers: u64) {
	register(who, gib, StorageMiner::collateral_requirement(gib));
	assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(who), [7u8; 32], fillers));
	assert_eq!(state(who), MinerState::Positive);
}

fn state(who: AccountId) -> MinerState {
	Miners::<Test>::get(who).unwrap().state
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::Collateral.into(), &who)
}

fn collateral(who: AccountId) -> Balance {
	Miners::<Test>::get(who).unwrap().collateral
}

fn debt(who: AccountId) -> Balance {
	Miners::<Test>::get(who).unwrap().debt
}

fn treasury() -> Balance {
	Balances::balance(&TREASURY)
}

fn candidates() -> Vec<AccountId> {
	(0..CandidateCount::<Test>::get()).map(|i| Candidates::<Test>::get(i).unwrap()).collect()
}

// ---------------------------------------------------------------- requirement

#[test]
fn requirement_is_2000_cess_per_started_tib() {
	build_and_execute(|| {
		assert_eq!(StorageMiner::collateral_requirement(1), 2_000 * CESS); // 1 TiB
		assert_eq!(StorageMiner::collateral_requirement(2), 4_000 * CESS);
		assert_eq!(StorageMiner::collateral_requirement(3), 6_000 * CESS);
		// The largest declaration, 1 024 TiB = 1 PiB: 2 048 000 CESS.
		assert_eq!(StorageMiner::collateral_requirement(1024), 2_048_000 * CESS);
	});
}

// ---------------------------------------------------------------- register

#[test]
fn register_holds_collateral_and_starts_registered() {
	build_and_execute(|| {
		register(ALICE, 3, 6_000 * CESS);
		let info = Miners::<Test>::get(ALICE).unwrap();
		assert_eq!(info.state, MinerState::Registered);
		assert_eq!(info.collateral, 6_000 * CESS);
		assert_eq!(info.beneficiary, ALICE + 100);
		assert_eq!(info.declared_tib, 3);
		assert_eq!(held(ALICE), 6_000 * CESS);
		assert_eq!(Balances::balance(&ALICE), INITIAL - 6_000 * CESS);
		assert_eq!(crate::MinerCount::<Test>::get(), 1);
		assert!(candidates().is_empty(), "not a candidate before committing space");
		System::assert_last_event(
			Event::MinerRegistered {
				miner: ALICE,
				beneficiary: ALICE + 100,
				declared_tib: 3,
				collateral: 6_000 * CESS,
			}
			.into(),
		);
	});
}

#[test]
fn register_may_hold_more_than_required() {
	build_and_execute(|| {
		register(ALICE, 1, 10_000 * CESS);
		assert_eq!(held(ALICE), 10_000 * CESS);
	});
}

#[test]
fn register_errors_change_nothing() {
	build_and_execute(|| {
		let o = RuntimeOrigin::signed;
		// 4 TiB needs 8 000 CESS: 6 000 is not enough.
		assert_noop!(
			StorageMiner::register(o(ALICE), ALICE, endpoint(), 4, 6_000 * CESS),
			Error::<Test>::InsufficientCollateral
		);
		assert_noop!(
			StorageMiner::register(o(ALICE), ALICE, endpoint(), 4, 8_000 * CESS - 1),
			Error::<Test>::InsufficientCollateral
		);
		assert_noop!(
			StorageMiner::register(o(ALICE), ALICE, BoundedVec::default(), 1, PER_TIB),
			Error::<Test>::EmptyEndpoint
		);
		assert_noop!(
			StorageMiner::register(o(ALICE), ALICE, endpoint(), 0, PER_TIB),
			Error::<Test>::ZeroDeclaredSpace
		);
		assert_noop!(
			StorageMiner::register(o(ALICE), ALICE, endpoint(), 1025, u128::MAX),
			Error::<Test>::DeclaredSpaceTooLarge
		);
		// POOR has 1 000 CESS and cannot hold 2 000.
		assert_noop!(
			StorageMiner::register(o(POOR), POOR, endpoint(), 1, PER_TIB),
			Error::<Test>::InsufficientBalance
		);
		register(ALICE, 1, PER_TIB);
		assert_noop!(
			StorageMiner::register(o(ALICE), ALICE, endpoint(), 1, PER_TIB),
			Error::<Test>::AlreadyRegistered
		);
	});
}

#[test]
fn register_is_bounded_by_max_miners() {
	build_and_execute(|| {
		for who in [ALICE, BOB, CHARLIE, 5] {
			register(who, 1, PER_TIB);
		}
		assert_eq!(crate::MinerCount::<Test>::get(), MAX_MINERS);
		pallet_balances::Pallet::<Test>::set_balance(&6, INITIAL);
		assert_noop!(
			StorageMiner::register(RuntimeOrigin::signed(6), 6, endpoint(), 1, PER_TIB),
			Error::<Test>::TooManyMiners
		);
	});
}

// ---------------------------------------------------------------- idle commitment

#[test]
fn first_commitment_makes_positive_and_a_candidate() {
	build_and_execute(|| {
		register(ALICE, 3, 6_000 * CESS);
		assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [7u8; 32], 100));
		assert_eq!(state(ALICE), MinerState::Positive);
		assert_eq!(candidates(), vec![ALICE]);
		System::assert_has_event(
			Event::StateChanged {
				miner: ALICE,
				from: MinerState::Registered,
				to: MinerState::Positive,
			}
			.into(),
		);
		// Idle space = 100 × 1/128 TiB = 858 993 459 200 bytes.
		System::assert_last_event(
			Event::IdleCommitted {
				miner: ALICE,
				commitment: [7u8; 32],
				filler_count: 100,
				idle_space: 858_993_459_200,
			}
			.into(),
		);
		assert_eq!(
			<StorageMiner as MinerInspect<_>>::idle_commitment(&ALICE),
			Some(IdleCommitment { commitment: [7u8; 32], filler_count: 100 })
		);
	});
}

#[test]
fn committing_zero_fillers_keeps_registered() {
	build_and_execute(|| {
		register(ALICE, 1, PER_TIB);
		assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [0u8; 32], 0));
		assert_eq!(state(ALICE), MinerState::Registered);
	});
}

#[test]
fn idle_space_cannot_exceed_declared_space() {
	build_and_execute(|| {
		// 1 TiB declared = 128 fillers of 1/128 TiB.
		register(ALICE, 1, PER_TIB);
		assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [1u8; 32], 128));
		assert_noop!(
			StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [2u8; 32], 129),
			Error::<Test>::ExceedsDeclaredSpace
		);
		assert_noop!(
			StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [2u8; 32], u64::MAX),
			Error::<Test>::Overflow
		);
		// With one filler's worth of service space only 127 fillers fit.
		assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [1u8; 32], 127));
		assert_eq!(<StorageMiner as MinerMutate<_>>::add_service_space(&ALICE, FILLER), Ok(()));
		assert_noop!(
			StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [2u8; 32], 128),
			Error::<Test>::ExceedsDeclaredSpace
		);
	});
}

#[test]
fn commit_errors_change_nothing() {
	build_and_execute(|| {
		assert_noop!(
			StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [1u8; 32], 1),
			Error::<Test>::NotRegistered
		);
		positive(ALICE, 1, 1);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		assert_noop!(
			StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [1u8; 32], 2),
			Error::<Test>::MinerExiting
		);
		positive(BOB, 1, 1);
		assert_ok!(<StorageMiner as MinerMutate<_>>::ban(&BOB));
		assert_noop!(
			StorageMiner::commit_idle(RuntimeOrigin::signed(BOB), [1u8; 32], 2),
			Error::<Test>::MinerBanned
		);
	});
}

// ---------------------------------------------------------------- frozen ⇄ positive

#[test]
fn frozen_and_unfrozen_with_exact_collateral() {
	build_and_execute(|| {
		// 3 TiB with 6 000 CESS: requirement 2 000 × 3 = 6 000 → covered.
		positive(ALICE, 3, 10);
		assert_eq!(collateral(ALICE), 6_000 * CESS);

		// Declare 4 TiB: 8 000 CESS needed, 6 000 held → Frozen.
		assert_ok!(StorageMiner::change_declared_space(RuntimeOrigin::signed(ALICE), 4));
		assert_eq!(state(ALICE), MinerState::Frozen);
		assert!(candidates().is_empty(), "a frozen miner gets no fragments");
		System::assert_has_event(
			Event::StateChanged {
				miner: ALICE,
				from: MinerState::Positive,
				to: MinerState::Frozen,
			}
			.into(),
		);
		System::assert_last_event(
			Event::DeclaredSpaceChanged {
				miner: ALICE,
				declared_tib: 4,
				requirement: 8_000 * CESS,
			}
			.into(),
		);
		let report = StorageMiner::miner_report(&ALICE).unwrap();
		assert_eq!(report.requirement, 8_000 * CESS);
		assert_eq!(report.shortfall, 2_000 * CESS);

		// A frozen miner cannot add idle space, and cannot take service space.
		assert_noop!(
			StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [8u8; 32], 11),
			Error::<Test>::MinerFrozen
		);
		assert_eq!(
			<StorageMiner as MinerMutate<_>>::add_service_space(&ALICE, FILLER),
			Err(ServiceSpaceError::Frozen)
		);
		assert!(!<StorageMiner as MinerInspect<_>>::can_earn_rewards(&ALICE));
		// ...but may shrink it (release fillers).
		assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [9u8; 32], 9));

		// 1 999 CESS is one CESS short: still Frozen.
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), 1_999 * CESS));
		assert_eq!(collateral(ALICE), 7_999 * CESS);
		assert_eq!(state(ALICE), MinerState::Frozen);
		// The last CESS: 8 000 = requirement → Positive again.
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), CESS));
		assert_eq!(collateral(ALICE), 8_000 * CESS);
		assert_eq!(held(ALICE), 8_000 * CESS);
		assert_eq!(state(ALICE), MinerState::Positive);
		assert_eq!(candidates(), vec![ALICE]);
		System::assert_has_event(
			Event::StateChanged {
				miner: ALICE,
				from: MinerState::Frozen,
				to: MinerState::Positive,
			}
			.into(),
		);
		assert!(<StorageMiner as MinerInspect<_>>::can_earn_rewards(&ALICE));
	});
}

#[test]
fn top_up_of_2000_unfreezes_a_4_tib_declaration() {
	build_and_execute(|| {
		positive(ALICE, 3, 1);
		assert_ok!(StorageMiner::change_declared_space(RuntimeOrigin::signed(ALICE), 4));
		assert_eq!(state(ALICE), MinerState::Frozen);
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), 2_000 * CESS));
		assert_eq!(state(ALICE), MinerState::Positive);
		System::assert_last_event(
			Event::CollateralIncreased {
				miner: ALICE,
				amount: 2_000 * CESS,
				debt_repaid: 0,
				collateral: 8_000 * CESS,
				debt: 0,
			}
			.into(),
		);
	});
}

#[test]
fn shrinking_the_declaration_unfreezes() {
	build_and_execute(|| {
		positive(ALICE, 3, 1);
		assert_ok!(StorageMiner::change_declared_space(RuntimeOrigin::signed(ALICE), 4));
		assert_eq!(state(ALICE), MinerState::Frozen);
		// Back to exactly 3 TiB: 6 000 CESS covers it.
		assert_ok!(StorageMiner::change_declared_space(RuntimeOrigin::signed(ALICE), 3));
		assert_eq!(state(ALICE), MinerState::Positive);
	});
}

#[test]
fn a_registered_miner_can_be_frozen_and_returns_to_registered() {
	build_and_execute(|| {
		register(ALICE, 1, PER_TIB);
		assert_ok!(StorageMiner::change_declared_space(RuntimeOrigin::signed(ALICE), 2));
		assert_eq!(state(ALICE), MinerState::Frozen);
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), PER_TIB));
		assert_eq!(state(ALICE), MinerState::Registered);
	});
}

#[test]
fn change_declared_space_errors_change_nothing() {
	build_and_execute(|| {
		assert_noop!(
			StorageMiner::change_declared_space(RuntimeOrigin::signed(ALICE), 1),
			Error::<Test>::NotRegistered
		);
		// 2 TiB declared, 200 fillers = 1.5625 TiB idle.
		register(ALICE, 2, 2 * PER_TIB);
		assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [1u8; 32], 200));
		assert_noop!(
			StorageMiner::change_declared_space(RuntimeOrigin::signed(ALICE), 1),
			Error::<Test>::DeclaredBelowUsed
		);
		assert_noop!(
			StorageMiner::change_declared_space(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::ZeroDeclaredSpace
		);
		assert_noop!(
			StorageMiner::change_declared_space(RuntimeOrigin::signed(ALICE), 1025),
			Error::<Test>::DeclaredSpaceTooLarge
		);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		assert_noop!(
			StorageMiner::change_declared_space(RuntimeOrigin::signed(ALICE), 3),
			Error::<Test>::MinerExiting
		);
	});
}

// ---------------------------------------------------------------- punishment and debt

#[test]
fn punishment_within_collateral_goes_to_treasury_and_freezes() {
	build_and_execute(|| {
		positive(ALICE, 3, 1);
		let p = <StorageMiner as MinerMutate<_>>::punish(&ALICE, 300 * CESS).unwrap();
		assert_eq!(p, Punishment { slashed: 300 * CESS, debt_added: 0 });
		// 6 000 − 300 = 5 700 < 6 000 required → Frozen.
		assert_eq!(collateral(ALICE), 5_700 * CESS);
		assert_eq!(held(ALICE), 5_700 * CESS);
		assert_eq!(treasury(), 1 + 300 * CESS);
		assert_eq!(state(ALICE), MinerState::Frozen);
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), 300 * CESS));
		assert_eq!(state(ALICE), MinerState::Positive);
	});
}

#[test]
fn debt_is_repaid_first_from_top_ups() {
	build_and_execute(|| {
		positive(ALICE, 3, 1);
		// Punish 6 500 with 6 000 held: 6 000 slashed to the treasury, 500 becomes debt.
		let p = <StorageMiner as MinerMutate<_>>::punish(&ALICE, 6_500 * CESS).unwrap();
		assert_eq!(p, Punishment { slashed: 6_000 * CESS, debt_added: 500 * CESS });
		assert_eq!((collateral(ALICE), debt(ALICE)), (0, 500 * CESS));
		assert_eq!(treasury(), 1 + 6_000 * CESS);
		assert_eq!(state(ALICE), MinerState::Frozen);
		System::assert_last_event(
			Event::MinerPunished {
				miner: ALICE,
				amount: 6_500 * CESS,
				slashed: 6_000 * CESS,
				debt_added: 500 * CESS,
				collateral: 0,
				debt: 500 * CESS,
			}
			.into(),
		);
		// Punishment has no upper bound: another 100 with nothing held is all debt.
		let p = <StorageMiner as MinerMutate<_>>::punish(&ALICE, 100 * CESS).unwrap();
		assert_eq!(p.debt_added, 100 * CESS);
		assert_eq!(debt(ALICE), 600 * CESS);

		// Top up 2 000: 600 repays the debt (to the treasury), 1 400 is held.
		let free_before = Balances::balance(&ALICE);
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), 2_000 * CESS));
		assert_eq!((collateral(ALICE), debt(ALICE)), (1_400 * CESS, 0));
		assert_eq!(held(ALICE), 1_400 * CESS);
		assert_eq!(treasury(), 1 + 6_600 * CESS);
		assert_eq!(Balances::balance(&ALICE), free_before - 2_000 * CESS);
		System::assert_last_event(
			Event::CollateralIncreased {
				miner: ALICE,
				amount: 2_000 * CESS,
				debt_repaid: 600 * CESS,
				collateral: 1_400 * CESS,
				debt: 0,
			}
			.into(),
		);
		// No debt, but 1 400 < 6 000: still Frozen. 4 600 more → Positive.
		assert_eq!(state(ALICE), MinerState::Frozen);
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), 4_600 * CESS));
		assert_eq!(state(ALICE), MinerState::Positive);
	});
}

#[test]
fn a_miner_with_debt_is_frozen_even_if_the_top_up_only_repays() {
	build_and_execute(|| {
		positive(ALICE, 1, 1);
		<StorageMiner as MinerMutate<_>>::punish(&ALICE, 2_500 * CESS).unwrap();
		assert_eq!(debt(ALICE), 500 * CESS);
		// 400 only reduces the debt: 100 left → Frozen with zero collateral.
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), 400 * CESS));
		assert_eq!((collateral(ALICE), debt(ALICE)), (0, 100 * CESS));
		assert_eq!(state(ALICE), MinerState::Frozen);
		assert_eq!(StorageMiner::miner_report(&ALICE).unwrap().shortfall, 2_100 * CESS);
	});
}

#[test]
fn punishing_an_unknown_account_fails() {
	build_and_execute(|| {
		assert_eq!(
			<StorageMiner as MinerMutate<_>>::punish(&ALICE, 1),
			Err(Error::<Test>::NotRegistered.into())
		);
	});
}

#[test]
fn increase_collateral_errors_change_nothing() {
	build_and_execute(|| {
		assert_noop!(
			StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), CESS),
			Error::<Test>::NotRegistered
		);
		register(ALICE, 1, PER_TIB);
		assert_noop!(
			StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), INITIAL),
			Error::<Test>::InsufficientBalance
		);
		// Debt repayment that the free balance cannot cover also fails as a whole.
		<StorageMiner as MinerMutate<_>>::punish(&ALICE, 2_000 * CESS + INITIAL).unwrap();
		assert_noop!(
			StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), INITIAL),
			Error::<Test>::InsufficientBalance
		);
	});
}

// ---------------------------------------------------------------- endpoint, beneficiary

#[test]
fn endpoint_and_beneficiary_updates() {
	build_and_execute(|| {
		assert_noop!(
			StorageMiner::update_endpoint(RuntimeOrigin::signed(ALICE), endpoint()),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			StorageMiner::update_beneficiary(RuntimeOrigin::signed(ALICE), 7),
			Error::<Test>::NotRegistered
		);
		register(ALICE, 1, PER_TIB);
		assert_noop!(
			StorageMiner::update_endpoint(RuntimeOrigin::signed(ALICE), BoundedVec::default()),
			Error::<Test>::EmptyEndpoint
		);
		let new: BoundedVec<u8, _> = BoundedVec::try_from(b"https://m.example".to_vec()).unwrap();
		assert_ok!(StorageMiner::update_endpoint(RuntimeOrigin::signed(ALICE), new.clone()));
		assert_eq!(Miners::<Test>::get(ALICE).unwrap().endpoint, new);
		System::assert_last_event(Event::EndpointUpdated { miner: ALICE, endpoint: new }.into());
		assert_ok!(StorageMiner::update_beneficiary(RuntimeOrigin::signed(ALICE), 7));
		assert_eq!(Miners::<Test>::get(ALICE).unwrap().beneficiary, 7);
		System::assert_last_event(
			Event::BeneficiaryUpdated { miner: ALICE, beneficiary: 7 }.into(),
		);
	});
}

// ---------------------------------------------------------------- exit

#[test]
fn exit_cooldown_then_withdraw_returns_collateral() {
	build_and_execute(|| {
		positive(ALICE, 3, 1);
		assert_noop!(
			StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NotExiting
		);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		assert_eq!(state(ALICE), MinerState::Exiting);
		assert!(candidates().is_empty());
		assert_eq!(Left::get(), vec![ALICE], "the file market is told");
		let exit_at = 1 + COOLDOWN;
		System::assert_last_event(Event::ExitPrepared { miner: ALICE, exit_at }.into());
		assert_noop!(
			StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::MinerExiting
		);
		System::set_block_number(exit_at - 1);
		assert_noop!(
			StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::CooldownNotOver
		);
		System::set_block_number(exit_at);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)));
		assert!(Miners::<Test>::get(ALICE).is_none());
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), INITIAL);
		assert_eq!(crate::MinerCount::<Test>::get(), 0);
		System::assert_last_event(
			Event::MinerExited { miner: ALICE, returned: 6_000 * CESS, debt: 0 }.into(),
		);
		// An exited (not banned) account may register again.
		register(ALICE, 1, PER_TIB);
	});
}

#[test]
fn withdraw_pays_the_debt_from_a_top_up_first() {
	build_and_execute(|| {
		positive(ALICE, 1, 1);
		<StorageMiner as MinerMutate<_>>::punish(&ALICE, 2_300 * CESS).unwrap();
		assert_eq!(state(ALICE), MinerState::Frozen);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		// Topping up 400 while exiting: 300 repay the debt first, 100 are held.
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), 400 * CESS));
		assert_eq!((collateral(ALICE), debt(ALICE)), (100 * CESS, 0));
		assert_eq!(state(ALICE), MinerState::Exiting);
		System::set_block_number(1 + COOLDOWN);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)));
		System::assert_last_event(
			Event::MinerExited { miner: ALICE, returned: 100 * CESS, debt: 0 }.into(),
		);
		// 100 000 − 2 000 (slashed) − 300 (debt) = 97 700 CESS.
		assert_eq!(Balances::balance(&ALICE), INITIAL - 2_300 * CESS);
	});
}

#[test]
fn withdraw_waits_until_service_space_is_released() {
	build_and_execute(|| {
		positive(ALICE, 1, 1);
		assert_eq!(<StorageMiner as MinerMutate<_>>::add_service_space(&ALICE, FILLER), Ok(()));
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		System::set_block_number(1 + COOLDOWN);
		assert_noop!(
			StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::ServiceSpaceNotReleased
		);
		<StorageMiner as MinerMutate<_>>::remove_service_space(&ALICE, FILLER);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)));
	});
}

#[test]
fn withdraw_unknown_account_fails() {
	build_and_execute(|| {
		assert_noop!(
			StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NotRegistered
		);
	});
}

// ---------------------------------------------------------------- ban

#[test]
fn banned_account_can_never_register_again() {
	build_and_execute(|| {
		positive(ALICE, 1, 1);
		<StorageMiner as MinerMutate<_>>::punish(&ALICE, 2_500 * CESS).unwrap();
		assert_ok!(<StorageMiner as MinerMutate<_>>::ban(&ALICE));
		assert_eq!(state(ALICE), MinerState::Banned);
		assert_eq!(Left::get(), vec![ALICE]);
		assert_eq!(BannedAccounts::<Test>::get(ALICE), Some(1));
		System::assert_last_event(
			Event::MinerBanned { miner: ALICE, exit_at: 1 + COOLDOWN }.into(),
		);
		// Idempotent, and the file market is told once.
		assert_ok!(<StorageMiner as MinerMutate<_>>::ban(&ALICE));
		assert_eq!(Left::get(), vec![ALICE]);
		assert_noop!(
			StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::MinerBanned
		);
		assert_noop!(
			StorageMiner::change_declared_space(RuntimeOrigin::signed(ALICE), 2),
			Error::<Test>::MinerBanned
		);
		// After the cooldown the record goes (the debt of a banned miner is written off).
		System::set_block_number(1 + COOLDOWN);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)));
		assert!(Miners::<Test>::get(ALICE).is_none());
		assert_eq!(<StorageMiner as MinerInspect<_>>::state(&ALICE), Some(MinerState::Banned));
		assert_eq!(StorageMiner::miner_report(&ALICE).map(|r| r.state), Some(MinerState::Banned));
		assert_noop!(
			StorageMiner::register(RuntimeOrigin::signed(ALICE), ALICE, endpoint(), 1, PER_TIB),
			Error::<Test>::AccountBanned
		);
	});
}

#[test]
fn banning_an_exiting_miner_does_not_notify_twice() {
	build_and_execute(|| {
		positive(ALICE, 1, 1);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		assert_ok!(<StorageMiner as MinerMutate<_>>::ban(&ALICE));
		assert_eq!(Left::get(), vec![ALICE]);
		assert_eq!(state(ALICE), MinerState::Banned);
		assert_eq!(
			<StorageMiner as MinerMutate<_>>::ban(&BOB),
			Err(Error::<Test>::NotRegistered.into())
		);
	});
}

// ---------------------------------------------------------------- service space (interface)

#[test]
fn service_space_rules() {
	build_and_execute(|| {
		use ServiceSpaceError as E;
		let add = <StorageMiner as MinerMutate<_>>::add_service_space;
		assert_eq!(add(&ALICE, FILLER), Err(E::NotRegistered));
		register(ALICE, 1, PER_TIB);
		assert_eq!(add(&ALICE, FILLER), Err(E::NotPositive), "Registered");
		// 1 TiB declared, 127 fillers: one more filler's worth of fragment still fits.
		assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [1u8; 32], 127));
		assert_eq!(add(&ALICE, FILLER), Ok(()));
		// The next fragment fits the declared space only if fillers are released.
		assert_eq!(add(&ALICE, FILLER), Err(E::ReleaseFillersFirst));
		// More than the whole declaration can never fit.
		assert_eq!(add(&ALICE, crate::TIB), Err(E::ExceedsDeclaredSpace));
		assert_eq!(add(&ALICE, u64::MAX), Err(E::Overflow));
		assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [1u8; 32], 126));
		assert_eq!(add(&ALICE, FILLER), Ok(()));
		let spaces = <StorageMiner as MinerInspect<_>>::spaces(&ALICE).unwrap();
		assert_eq!(
			(spaces.declared, spaces.idle, spaces.service),
			(crate::TIB, 126 * FILLER, 2 * FILLER)
		);
		// Removal saturates and works in any state.
		<StorageMiner as MinerMutate<_>>::remove_service_space(&ALICE, 100 * FILLER);
		assert_eq!(Miners::<Test>::get(ALICE).unwrap().service_space, 0);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		assert_eq!(add(&ALICE, FILLER), Err(E::NotPositive), "Exiting");
	});
}

#[test]
fn candidate_list_stays_dense() {
	build_and_execute(|| {
		positive(ALICE, 1, 1);
		positive(BOB, 1, 1);
		positive(CHARLIE, 1, 1);
		assert_eq!(candidates(), vec![ALICE, BOB, CHARLIE]);
		// ALICE leaves: CHARLIE (last) moves into index 0.
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		assert_eq!(candidates(), vec![CHARLIE, BOB]);
		assert_eq!(Miners::<Test>::get(CHARLIE).unwrap().candidate_index, Some(0));
		// BOB frozen, then back.
		<StorageMiner as MinerMutate<_>>::punish(&BOB, 1).unwrap();
		assert_eq!(candidates(), vec![CHARLIE]);
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(BOB), 1));
		assert_eq!(candidates(), vec![CHARLIE, BOB]);
		assert_eq!(<StorageMiner as MinerInspect<_>>::candidate_count(), 2);
		assert_eq!(<StorageMiner as MinerInspect<_>>::candidate(1), Some(BOB));
		assert_eq!(<StorageMiner as MinerInspect<_>>::candidate(2), None);
	});
}

// ---------------------------------------------------------------- runtime API

#[test]
fn miner_report_numbers() {
	build_and_execute(|| {
		assert_eq!(StorageMiner::miner_report(&ALICE), None);
		// 1 TiB declared (2 000 CESS required), 3 000 held, 64 fillers = 1/2 TiB.
		register(ALICE, 1, 3_000 * CESS);
		assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [3u8; 32], 64));
		let r = StorageMiner::miner_report(&ALICE).unwrap();
		assert_eq!(r.state, MinerState::Positive);
		assert_eq!(r.beneficiary, Some(ALICE + 100));
		assert_eq!(r.declared_space, 1 << 40);
		assert_eq!(r.idle_space, 1 << 39);
		assert_eq!(r.service_space, 0);
		assert_eq!(r.free_space, 1 << 39);
		assert_eq!(r.collateral, 3_000 * CESS);
		assert_eq!(r.requirement, 2_000 * CESS);
		assert_eq!(r.shortfall, 0);
		assert_eq!(r.debt, 0);
		assert_eq!(r.filler_commitment, [3u8; 32]);
		assert_eq!(r.exit_at, None);
	});
}
