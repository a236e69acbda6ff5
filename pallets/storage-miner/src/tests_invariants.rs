//! Issue 15, `try_state`: the reward accounting (`invariants.rs`, `try_state_accounting`)
//! holds after every step of the normal flows, and each corruption it exists for is caught.
//! Mock: 1 TiB needs 2 000 CESS, `COOLDOWN` = 20 blocks, block day = 10 blocks, existential
//! deposit 1 (the pool starts with it, counted as funded).

use crate::{
	mock::*, Debts, Error, MinerMutate, RewardLedger, RewardTotals, Rewards, RewardsPaid,
	RewardsReserved,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::Preservation,
		Hooks,
	},
	BoundedVec,
};
use sp_runtime::TryRuntimeError;

fn positive(who: AccountId) {
	let endpoint = BoundedVec::try_from(b"/ip4/127.0.0.1/tcp/15001".to_vec()).unwrap();
	assert_ok!(StorageMiner::register(RuntimeOrigin::signed(who), who + 100, endpoint, 1, PER_TIB));
	assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(who), [7u8; 32], 1));
}

/// Issuance (or a space payment) puts `amount` into the pool: counted by the mock funders.
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

fn claim(who: AccountId) {
	assert_ok!(StorageMiner::claim_rewards(RuntimeOrigin::signed(who)));
}

/// `try_state` passes, and the identities hold exactly (nobody donated to the pool):
/// `pool + paid = funded` and `snapshotted = paid + reserved + returned`.
fn check() {
	assert_eq!(StorageMiner::do_try_state(), Ok(()));
	let paid = RewardsPaid::<Test>::get();
	assert_eq!(Balances::balance(&POOL) + paid, Funded::get());
	let t = RewardTotals::<Test>::get();
	assert_eq!(t.snapshotted, paid + RewardsReserved::<Test>::get() + t.returned);
}

fn err(msg: &'static str) -> Result<(), TryRuntimeError> {
	Err(msg.into())
}

// ------------------------------------------------ the normal flows, checked after each step

#[test]
fn accounting_holds_through_issue_claim_freeze_withdraw_and_debt_repayment() {
	build_and_execute(|| {
		positive(ALICE);
		positive(BOB);
		check();
		// Cycle 0: ALICE earns 300, BOB 100 (the audit's credits).
		MockPower::credit(0, ALICE, 300);
		MockPower::credit(0, BOB, 100);
		check();
		// Issuance puts 1 000 CESS into the pool; the snapshot reserves all of it.
		fund_pool(1_000 * CESS);
		check();
		finish(0);
		assert_eq!(RewardsReserved::<Test>::get(), 1_000 * CESS);
		assert_eq!(RewardTotals::<Test>::get().snapshotted, 1_000 * CESS);
		check();
		// ALICE claims on day 0: 1 000 × 300 / 400 = 750, half (375) at once.
		claim(ALICE);
		assert_eq!(RewardsPaid::<Test>::get(), 375 * CESS);
		assert_eq!(RewardsReserved::<Test>::get(), 625 * CESS);
		check();
		// BOB is punished beyond his collateral: frozen with 500 CESS of debt, cannot claim.
		assert_ok!(<StorageMiner as MinerMutate<_>>::punish(&BOB, 2_500 * CESS));
		assert_noop!(
			StorageMiner::claim_rewards(RuntimeOrigin::signed(BOB)),
			Error::<Test>::FrozenCannotClaim
		);
		check();
		// Day 5: ALICE's 5 steps of ⌊375 CESS / 90⌋ = 4 166 666 666 666 666 666.
		run_to(5 * DAY);
		claim(ALICE);
		let steps = 5 * 4_166_666_666_666_666_666;
		assert_eq!(RewardsPaid::<Test>::get(), 375 * CESS + steps);
		check();
		// BOB leaves owing 500 CESS; the withdrawn account's claim pays the debt first:
		// his share 250, half (125) released now, all to the treasury.
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(BOB)));
		run_to(5 * DAY + COOLDOWN);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(BOB)));
		check();
		let treasury = Balances::balance(&TREASURY);
		claim(BOB);
		assert_eq!(Balances::balance(&TREASURY), treasury + 125 * CESS);
		assert_eq!(Debts::<Test>::get(BOB), Some(375 * CESS));
		assert_eq!(RewardsPaid::<Test>::get(), 500 * CESS + steps);
		// Both holders took their share: cycle 0 closed with no remainder (750 + 250 = 1 000).
		assert_eq!(
			RewardTotals::<Test>::get(),
			RewardLedger { snapshotted: 1_000 * CESS, returned: 0, shares: 2, closed: 1 }
		);
		check();
		// A second cycle, funded by a space payment; after 90 days everything vested is paid.
		MockPower::credit(1, ALICE, 1);
		fund_pool(10 * CESS);
		finish(1);
		check();
		claim(ALICE);
		assert_eq!(RewardsPaid::<Test>::get(), 505 * CESS + steps + steps / 5 * 2);
		check();
		run_to(200 * DAY);
		claim(ALICE);
		claim(BOB);
		check();
		// All vested: ALICE 750 + 10, BOB 250 — all of it to his debt (500 → 250).
		assert_eq!(Debts::<Test>::get(BOB), Some(250 * CESS));
		assert_eq!(RewardsPaid::<Test>::get(), 1_010 * CESS);
		assert_eq!(RewardsReserved::<Test>::get(), 0);
		assert!(Rewards::<Test>::get(ALICE).is_none() && Rewards::<Test>::get(BOB).is_none());
		assert_eq!(Balances::balance(&POOL), 1);
	});
}

// ------------------------------------------------ rounding dust: the bound, exactly

/// Three equal holders of a cycle: each takes `⌊T / 3⌋`, the remainder `T mod 3 ≤ 2 = n − 1`
/// returns to the free pool. `T = 100 CESS = 10^20 ≡ 1 (mod 3)`: shares
/// 33 333 333 333 333 333 333, dust 1. Then `T = 2` base units: shares 0, dust 2 = n − 1, the
/// bound reached. Ledger: returned 3, shares 6, closed 2: `3 + 2 ≤ 6`.
#[test]
fn rounding_dust_is_at_most_one_unit_per_holder_less_one_per_cycle() {
	build_and_execute(|| {
		for m in [ALICE, BOB, CHARLIE] {
			positive(m);
			MockPower::credit(0, m, 1);
		}
		fund_pool(100 * CESS);
		finish(0);
		for m in [ALICE, BOB, CHARLIE] {
			claim(m);
		}
		let share = 33_333_333_333_333_333_333;
		assert_eq!(RewardsPaid::<Test>::get(), 3 * (share - share / 2));
		assert_eq!(
			RewardTotals::<Test>::get(),
			RewardLedger { snapshotted: 100 * CESS, returned: 1, shares: 3, closed: 1 }
		);
		check();
		// The free pool holds the returned unit; one more makes T = 2.
		for m in [ALICE, BOB, CHARLIE] {
			MockPower::credit(1, m, 1);
		}
		fund_pool(1);
		finish(1);
		assert_eq!(RewardTotals::<Test>::get().snapshotted, 100 * CESS + 2);
		for m in [ALICE, BOB, CHARLIE] {
			claim(m);
		}
		assert_eq!(
			RewardTotals::<Test>::get(),
			RewardLedger { snapshotted: 100 * CESS + 2, returned: 3, shares: 6, closed: 2 }
		);
		check();
	});
}

// ------------------------------------------------ corruptions try_state must catch

#[test]
fn a_payment_counted_but_never_made_is_caught() {
	new_test_ext().execute_with(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 100);
		fund_pool(900 * CESS);
		finish(0);
		claim(ALICE);
		check();
		RewardsPaid::<Test>::mutate(|p| *p += 1);
		assert_eq!(
			StorageMiner::do_try_state(),
			err("storage-miner: snapshot totals differ from paid + reserved + returned")
		);
	});
}

#[test]
fn money_leaving_the_pool_without_a_claim_is_caught() {
	new_test_ext().execute_with(|| {
		// 100 CESS funded, nothing promised yet: only the accounting can see a loss.
		fund_pool(100 * CESS);
		check();
		Balances::set_balance(&POOL, 40 * CESS + 1);
		assert_eq!(RewardsReserved::<Test>::get(), 0);
		assert_eq!(
			StorageMiner::do_try_state(),
			err("storage-miner: pool + paid below what the funders put in")
		);
	});
}

/// Power that reaches the cycle total but no holder (a lost credit): ALICE's 100 is recorded,
/// another 100 only in the total. Her share is 900 × 100 / 200 = 450 and the record closes
/// with 450 CESS "remainder" — far above the bound of `shares − closed = 0` units.
#[test]
fn power_that_never_reached_a_holder_is_caught_by_the_dust_bound() {
	new_test_ext().execute_with(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 100);
		let mut totals = CyclePowers::get();
		*totals.entry(0).or_default() += 100;
		CyclePowers::set(totals);
		fund_pool(900 * CESS);
		finish(0);
		claim(ALICE);
		assert_eq!(
			RewardTotals::<Test>::get(),
			RewardLedger { snapshotted: 900 * CESS, returned: 450 * CESS, shares: 1, closed: 1 }
		);
		assert_eq!(
			StorageMiner::do_try_state(),
			err("storage-miner: rounding remainders exceed one unit per share")
		);
	});
}

/// Anyone may transfer into the pool account: not a corruption. `try_state` passes and the
/// donation is exactly the surplus `pool + paid − funded`.
#[test]
fn a_donation_to_the_pool_is_accepted_as_surplus() {
	build_and_execute(|| {
		fund_pool(100 * CESS);
		assert_ok!(<Balances as Mutate<_>>::transfer(
			&CHARLIE,
			&POOL,
			7 * CESS,
			Preservation::Preserve
		));
		assert_eq!(StorageMiner::do_try_state(), Ok(()));
		assert_eq!(Balances::balance(&POOL) + RewardsPaid::<Test>::get() - Funded::get(), 7 * CESS);
	});
}
