//! Issue 15: each hole of the miner life cycle played as an attack or a loss, with exact
//! balances, orders and events. Mock: 1 TiB needs 2 000 CESS, `COOLDOWN` = 20 blocks, block
//! day = 10 blocks, `PROVE_WITHIN` = 100 blocks, `MAX_MINERS` = 4; block 1 is in block day 0.

use crate::{
	mock::*, Debts, Error, Event, MinerCount, MinerMutate, MinerState, Miners, RewardCycles,
	Rewards, RewardsPaid,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Inspect, Mutate},
		Hooks,
	},
	BoundedVec,
};

fn endpoint() -> BoundedVec<u8, frame_support::traits::ConstU32<32>> {
	BoundedVec::try_from(b"/ip4/127.0.0.1/tcp/15001".to_vec()).unwrap()
}

fn register(who: AccountId) {
	assert_ok!(StorageMiner::register(
		RuntimeOrigin::signed(who),
		who + 100,
		endpoint(),
		1,
		PER_TIB
	));
}

/// A `Positive` miner with 1 TiB and exactly 2 000 CESS; rewards go to `who + 100`.
fn positive(who: AccountId) {
	register(who);
	assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(who), [7u8; 32], 1));
	assert_eq!(state(who), MinerState::Positive);
}

fn state(who: AccountId) -> MinerState {
	Miners::<Test>::get(who).unwrap().state
}

fn beneficiary(who: AccountId) -> Balance {
	Balances::balance(&(who + 100))
}

fn punish(who: AccountId, amount: Balance) {
	assert_ok!(<StorageMiner as MinerMutate<_>>::punish(&who, amount));
}

fn fund_pool(amount: Balance) {
	let now = Balances::balance(&POOL);
	Balances::set_balance(&POOL, now + amount);
	Funded::set(Funded::get() + amount);
}

fn run_to(block: u64) {
	System::set_block_number(block);
	StorageMiner::on_initialize(block);
}

fn finish(cycle: u32) {
	MockPower::finish(cycle);
	StorageMiner::on_initialize(System::block_number());
}

/// Claims and returns what the beneficiary received.
fn claim(who: AccountId) -> Balance {
	let before = beneficiary(who);
	assert_ok!(StorageMiner::claim_rewards(RuntimeOrigin::signed(who)));
	beneficiary(who) - before
}

/// Everything put into the pool is still in it (above its existential deposit of 1) or was
/// paid out by claims: `pool + paid = funded`.
fn assert_pool_accounts(funded: Balance) {
	assert_eq!(Balances::balance(&POOL) - 1 + RewardsPaid::<Test>::get(), funded);
}

// ------------------------------------------------ frozen means frozen, whatever the label

#[test]
fn prepare_exit_while_frozen_or_banned_with_debt_then_claim_is_refused() {
	build_and_execute(|| {
		positive(ALICE);
		positive(BOB);
		MockPower::credit(0, ALICE, 100);
		MockPower::credit(0, BOB, 100);
		fund_pool(1_800 * CESS);
		finish(0);
		// 1 800 × 100 / 200 = 900 CESS each: 450 now, then 5 per block day.
		assert_eq!(claim(ALICE), 450 * CESS);
		assert_eq!(claim(BOB), 450 * CESS);
		// ALICE is slashed 1 CESS (1 999 < 2 000: Frozen), then changes her label to Exiting.
		punish(ALICE, CESS);
		assert_eq!(state(ALICE), MinerState::Frozen);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		assert_eq!(state(ALICE), MinerState::Exiting);
		// BOB is slashed 2 500 (2 000 from collateral, 500 debt) and banned.
		punish(BOB, 2_500 * CESS);
		assert_ok!(<StorageMiner as MinerMutate<_>>::ban(&BOB));
		assert_eq!(state(BOB), MinerState::Banned);
		run_to(10 * DAY);
		// The label does not help: both are refused and nothing changes.
		for m in [ALICE, BOB] {
			assert_noop!(
				StorageMiner::claim_rewards(RuntimeOrigin::signed(m)),
				Error::<Test>::FrozenCannotClaim
			);
			let report = StorageMiner::reward_report(&m);
			assert!(report.frozen);
			// Vesting goes on: 10 block days × 5 CESS.
			assert_eq!(report.claimable, 50 * CESS);
		}
		// ALICE tops up 1 CESS: covered again (still Exiting), she claims 12 days' steps.
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), CESS));
		assert_eq!(state(ALICE), MinerState::Exiting);
		run_to(12 * DAY);
		assert_eq!(claim(ALICE), 60 * CESS);
		// BOB's 500 CESS pay his debt first; collateral 0 < 2 000: still refused.
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(BOB), 500 * CESS));
		assert_noop!(
			StorageMiner::claim_rewards(RuntimeOrigin::signed(BOB)),
			Error::<Test>::FrozenCannotClaim
		);
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(BOB), 2_000 * CESS));
		assert_eq!(claim(BOB), 60 * CESS);
		assert_pool_accounts(1_800 * CESS);
	});
}

#[test]
fn frozen_by_a_slash_tops_up_pays_its_debt_first_then_claims_what_vested() {
	build_and_execute(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 100);
		fund_pool(900 * CESS);
		finish(0);
		assert_eq!(claim(ALICE), 450 * CESS);
		// A slash of 2 100: 2 000 from the collateral, 100 debt.
		punish(ALICE, 2_100 * CESS);
		let treasury = Balances::balance(&TREASURY);
		run_to(10 * DAY);
		assert_noop!(
			StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::FrozenCannotClaim
		);
		// The top-up of 2 100 repays the 100 debt first, holds 2 000: Positive again.
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), 2_100 * CESS));
		System::assert_has_event(
			Event::CollateralIncreased {
				miner: ALICE,
				amount: 2_100 * CESS,
				debt_repaid: 100 * CESS,
				collateral: 2_000 * CESS,
				debt: 0,
			}
			.into(),
		);
		assert_eq!(Balances::balance(&TREASURY), treasury + 100 * CESS);
		assert_eq!(state(ALICE), MinerState::Positive);
		// The 10 steps that vested while frozen are paid.
		assert_eq!(claim(ALICE), 50 * CESS);
		assert_pool_accounts(900 * CESS);
	});
}

// ------------------------------------------------ no earned reward is ever lost

#[test]
fn cycles_1_to_4_are_claimed_exactly_after_200_cycles_frozen() {
	build_and_execute(|| {
		positive(ALICE);
		positive(BOB);
		let mut funded = 0;
		let mut bob = 0;
		// One cycle per block day, 400 CESS each. ALICE proves in cycles 1–4 (power 100 of
		// 400: 100 CESS a cycle), then is frozen for 200 cycles; BOB proves and claims always.
		for c in 0..=204u32 {
			run_to(u64::from(c) * DAY + 1);
			if (1..=4).contains(&c) {
				MockPower::credit(c, ALICE, 100);
			}
			MockPower::credit(c, BOB, 300);
			fund_pool(400 * CESS);
			funded += 400 * CESS;
			finish(c);
			bob += claim(BOB);
			if c == 4 {
				punish(ALICE, CESS);
				assert_eq!(state(ALICE), MinerState::Frozen);
			}
		}
		// The old rule expired cycles 90 cycles after they finished (cycles 1–4 at 91–94).
		// Now only the one record ALICE still holds a share in is left: cycle 4 (cycles 1–3
		// were banked when she proved in cycles 2–4: 300 CESS).
		assert_eq!(RewardCycles::<Test>::iter_keys().collect::<Vec<_>>(), vec![4]);
		let r = Rewards::<Test>::get(ALICE).unwrap();
		assert_eq!((r.pending.len(), r.banked), (1, 300 * CESS));
		assert_noop!(
			StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::FrozenCannotClaim
		);
		// She tops up 1 CESS and claims: one order of 4 × 100 = 400 CESS, 200 at once.
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), CESS));
		run_to(205 * DAY);
		assert_eq!(claim(ALICE), 200 * CESS);
		System::assert_has_event(
			Event::RewardOrderCreated {
				miner: ALICE,
				first_cycle: 1,
				last_cycle: 4,
				amount: 400 * CESS,
				immediate: 200 * CESS,
			}
			.into(),
		);
		System::assert_has_event(Event::CycleRewardClosed { cycle: 4, released: 0 }.into());
		assert_eq!(RewardCycles::<Test>::iter().count(), 0);
		run_to(295 * DAY);
		assert_eq!(claim(ALICE), 200 * CESS);
		assert_eq!(beneficiary(ALICE), 400 * CESS);
		// BOB: cycle 0 alone (400) + 4 × 300 + 200 × 400 = 81 600 CESS ordered; the pool
		// holds what is still vesting, everything adds up to what was put in.
		bob += claim(BOB);
		assert_eq!(bob, 81_600 * CESS);
		assert_pool_accounts(funded);
		assert_eq!(funded, 82_000 * CESS);
	});
}

// ------------------------------------------------ withdraw follows the SPEC

#[test]
fn withdraw_with_debt_above_collateral_frees_the_slot_and_rewards_pay_the_debt_first() {
	build_and_execute(|| {
		for m in [ALICE, BOB, CHARLIE, 5] {
			positive(m);
		}
		Balances::set_balance(&6, INITIAL);
		assert_noop!(
			StorageMiner::register(RuntimeOrigin::signed(6), 6, endpoint(), 1, PER_TIB),
			Error::<Test>::TooManyMiners
		);
		MockPower::credit(0, ALICE, 100);
		fund_pool(900 * CESS);
		finish(0);
		// 2 500 CESS of punishment: 2 000 slashed, 500 debt > collateral 0.
		punish(ALICE, 2_500 * CESS);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		run_to(1 + COOLDOWN);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)));
		System::assert_last_event(
			Event::MinerExited { miner: ALICE, returned: 0, debt: 500 * CESS }.into(),
		);
		assert!(Miners::<Test>::get(ALICE).is_none());
		assert_eq!(Debts::<Test>::get(ALICE), Some(500 * CESS));
		assert_eq!(MinerCount::<Test>::get(), 3);
		assert_eq!(Withdrawn::get(), vec![ALICE], "the audit is told");
		// The slot is free.
		assert_ok!(StorageMiner::register(RuntimeOrigin::signed(6), 6, endpoint(), 1, PER_TIB));
		// Her claim (block day 2) creates the order of 900: the 450 released now pay the debt.
		let treasury = Balances::balance(&TREASURY);
		assert_ok!(StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)));
		System::assert_has_event(
			Event::DebtRepaid { miner: ALICE, amount: 450 * CESS, debt: 50 * CESS }.into(),
		);
		assert_eq!(Balances::balance(&TREASURY), treasury + 450 * CESS);
		assert_eq!(Balances::balance(&ALICE), INITIAL - 2_000 * CESS);
		// Day 12: 10 steps × 5 = 50 pay the rest; day 22: 10 more steps reach her.
		run_to(12 * DAY);
		assert_ok!(StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)));
		assert_eq!(Debts::<Test>::get(ALICE), None);
		assert_eq!(Balances::balance(&ALICE), INITIAL - 2_000 * CESS);
		run_to(22 * DAY);
		assert_ok!(StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)));
		assert_eq!(Balances::balance(&ALICE), INITIAL - 2_000 * CESS + 50 * CESS);
		assert_eq!(Balances::balance(&TREASURY), treasury + 500 * CESS);
		assert_pool_accounts(900 * CESS);
	});
}

#[test]
fn re_registration_pays_the_recorded_debt_first() {
	build_and_execute(|| {
		positive(ALICE);
		punish(ALICE, 2_500 * CESS);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		run_to(1 + COOLDOWN);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)));
		let treasury = Balances::balance(&TREASURY);
		register(ALICE);
		System::assert_has_event(
			Event::DebtRepaid { miner: ALICE, amount: 500 * CESS, debt: 0 }.into(),
		);
		assert_eq!(Debts::<Test>::get(ALICE), None);
		assert_eq!(Balances::balance(&TREASURY), treasury + 500 * CESS);
		// 100 000 − 2 000 slashed − 500 debt − 2 000 held.
		assert_eq!(Balances::free_balance(ALICE), INITIAL - 4_500 * CESS);
		// A fresh record: no debt, full collateral, not activated.
		let info = Miners::<Test>::get(ALICE).unwrap();
		assert_eq!((info.collateral, info.debt, info.activated), (PER_TIB, 0, false));
		// An account that cannot pay the debt cannot register; nothing changes.
		positive(BOB);
		punish(BOB, 2_000 * CESS + 99_000 * CESS);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(BOB)));
		run_to(2 + 2 * COOLDOWN);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(BOB)));
		assert_eq!(Debts::<Test>::get(BOB), Some(99_000 * CESS));
		assert_noop!(
			StorageMiner::register(RuntimeOrigin::signed(BOB), BOB, endpoint(), 1, PER_TIB),
			Error::<Test>::InsufficientBalance
		);
	});
}

// ------------------------------------------------ no free storage

#[test]
fn claim_by_a_non_miner_writes_nothing_and_paid_records_are_deleted() {
	build_and_execute(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 1);
		fund_pool(100 * CESS);
		finish(0);
		// Before: a stranger's claim moved a cursor over the finished cycles and stored a
		// record for free. Now there is nothing to claim and nothing is written.
		assert_noop!(
			StorageMiner::claim_rewards(RuntimeOrigin::signed(77)),
			Error::<Test>::NothingToClaim
		);
		assert!(Rewards::<Test>::get(77).is_none());
		assert_eq!(claim(ALICE), 50 * CESS);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		run_to(1 + COOLDOWN);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)));
		// Fully paid 90 block days later: the record goes.
		run_to(90 * DAY);
		let before = Balances::balance(&ALICE);
		assert_ok!(StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)));
		assert_eq!(Balances::balance(&ALICE) - before, 50 * CESS);
		assert!(Rewards::<Test>::get(ALICE).is_none());
		assert_pool_accounts(100 * CESS);
	});
}

// ------------------------------------------------ no squatting

#[test]
fn miners_that_never_prove_lose_their_slot_after_prove_within() {
	build_and_execute(|| {
		// Four squatters fill MaxMiners = 4.
		positive(ALICE);
		positive(BOB);
		positive(CHARLIE);
		positive(5);
		Balances::set_balance(&6, INITIAL);
		assert_noop!(
			StorageMiner::register(RuntimeOrigin::signed(6), 6, endpoint(), 1, PER_TIB),
			Error::<Test>::TooManyMiners
		);
		// BOB earns power at block 50; CHARLIE holds service space.
		run_to(50);
		MockPower::credit(0, BOB, 1);
		assert_ok!(<StorageMiner as MinerMutate<_>>::add_service_space(&CHARLIE, 1));
		// Registered at block 1: evictable from block 1 + 100.
		run_to(100);
		assert_noop!(
			StorageMiner::evict(RuntimeOrigin::signed(6), ALICE),
			Error::<Test>::NotEvictable
		);
		run_to(101);
		assert_ok!(StorageMiner::evict(RuntimeOrigin::signed(6), ALICE));
		System::assert_has_event(Event::MinerEvicted { miner: ALICE, by: 6 }.into());
		System::assert_has_event(
			Event::MinerExited { miner: ALICE, returned: PER_TIB, debt: 0 }.into(),
		);
		assert_eq!(Balances::balance(&ALICE), INITIAL);
		assert_eq!(Left::get(), vec![ALICE]);
		assert_eq!(Withdrawn::get(), vec![ALICE]);
		assert_eq!(MinerCount::<Test>::get(), 3);
		assert_noop!(
			StorageMiner::evict(RuntimeOrigin::signed(6), BOB),
			Error::<Test>::NotEvictable
		);
		assert_noop!(
			StorageMiner::evict(RuntimeOrigin::signed(6), CHARLIE),
			Error::<Test>::ServiceSpaceNotReleased
		);
		// The freed slot is taken by a new miner.
		assert_ok!(StorageMiner::register(RuntimeOrigin::signed(6), 6, endpoint(), 1, PER_TIB));
		// BOB: evictable once 100 blocks passed since his last power.
		run_to(150);
		assert_ok!(StorageMiner::evict(RuntimeOrigin::signed(6), BOB));
		// An exiting miner that never withdraws is evicted once its cooldown is over.
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(5)));
		run_to(150 + COOLDOWN - 1);
		assert_noop!(StorageMiner::evict(RuntimeOrigin::signed(6), 5), Error::<Test>::NotEvictable);
		run_to(150 + COOLDOWN);
		assert_ok!(StorageMiner::evict(RuntimeOrigin::signed(6), 5));
		assert_eq!(Balances::balance(&5), INITIAL);
		assert_eq!(MinerCount::<Test>::get(), 2);
	});
}

// ------------------------------------------------ bounded storage

#[test]
fn storage_per_miner_is_bounded() {
	use codec::MaxEncodedLen;
	// A cycle record: total 16 + power 16 + allocated 16 + holders 4.
	assert_eq!(crate::CycleReward::<Balance>::max_encoded_len(), 52);
	// A miner's reward record: pending (1 + 4 × 20) + banked 16 + banked_cycles 9 + last_day 4
	// + unpaid 16 + orders (2 + 90 × 36).
	assert_eq!(crate::MinerRewards::<Balance>::max_encoded_len(), 3_368);
	// Recorded debt of a withdrawn account.
	assert_eq!(Balance::max_encoded_len(), 16);
}
