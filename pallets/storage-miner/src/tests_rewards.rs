//! Reward-order tests (SPEC §8). Block day = 10 blocks in the mock (`DAY`); block 1 is in block
//! day 0, block `10 k` starts block day `k`. Numbers are worked by hand next to each assertion.

use crate::{
	mock::*, Error, Event, MinerInspect, MinerMutate, MinerState, RewardCycles, RewardReport,
	Rewards, RewardsReserved, RELEASE_STEPS,
};
use codec::{Encode, MaxEncodedLen};
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

/// A `Positive` miner with 1 TiB declared; rewards go to `who + 100`.
fn positive(who: AccountId) {
	assert_ok!(StorageMiner::register(
		RuntimeOrigin::signed(who),
		who + 100,
		endpoint(),
		1,
		StorageMiner::collateral_requirement(1)
	));
	assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(who), [7u8; 32], 1));
	assert_eq!(Miners::state(&who), Some(MinerState::Positive));
}

type Miners = StorageMiner;

fn beneficiary(who: AccountId) -> Balance {
	Balances::balance(&(who + 100))
}

/// Adds `amount` to the reward pool (issuance or space payments).
fn fund_pool(amount: Balance) {
	let now = Balances::balance(&POOL);
	Balances::set_balance(&POOL, now + amount);
	Funded::set(Funded::get() + amount);
}

/// Moves to `block` and runs the pallet's hook there.
fn run_to(block: u64) {
	System::set_block_number(block);
	StorageMiner::on_initialize(block);
}

/// Finishes `cycle` (the mock audit) and runs the hook: the snapshot is taken.
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

/// Claims if there is anything to claim; returns what the beneficiary received.
fn try_claim(who: AccountId) -> Balance {
	let before = beneficiary(who);
	match StorageMiner::claim_rewards(RuntimeOrigin::signed(who)) {
		Ok(_) => {}
		Err(e) => assert_eq!(e, Error::<Test>::NothingToClaim.into()),
	}
	beneficiary(who) - before
}

fn orders(who: AccountId) -> usize {
	Rewards::<Test>::get(who).map(|r| r.orders.len()).unwrap_or(0)
}

// ---------------------------------------------------------------- snapshot

#[test]
fn snapshot_reserves_the_unreserved_pool_once() {
	build_and_execute(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 100);
		fund_pool(900 * CESS);
		finish(0);
		// The pool holds 900 CESS + 1 unit (its existential deposit, never distributed).
		let r = RewardCycles::<Test>::get(0).unwrap();
		assert_eq!((r.total, r.power, r.allocated), (900 * CESS, 100, 0));
		assert_eq!(RewardsReserved::<Test>::get(), 900 * CESS);
		System::assert_has_event(
			Event::CycleRewardSnapshot { cycle: 0, total: 900 * CESS, power: 100 }.into(),
		);
		// Running the hook again takes nothing more; cycle 1 only sees new money.
		StorageMiner::on_initialize(1);
		assert_eq!(RewardsReserved::<Test>::get(), 900 * CESS);
		MockPower::credit(1, ALICE, 1);
		fund_pool(30 * CESS);
		finish(1);
		assert_eq!(RewardCycles::<Test>::get(1).unwrap().total, 30 * CESS);
		assert_eq!(RewardsReserved::<Test>::get(), 930 * CESS);
	});
}

#[test]
fn a_cycle_without_power_gets_nothing_and_the_pool_rolls_over() {
	build_and_execute(|| {
		positive(ALICE);
		fund_pool(100 * CESS);
		finish(0); // nobody earned power
		assert!(RewardCycles::<Test>::get(0).is_none());
		assert_eq!(RewardsReserved::<Test>::get(), 0);
		MockPower::credit(1, ALICE, 5);
		fund_pool(20 * CESS);
		finish(1);
		assert_eq!(RewardCycles::<Test>::get(1).unwrap().total, 120 * CESS);
		assert_eq!(claim(ALICE), 60 * CESS); // half of 120 at once
	});
}

// ---------------------------------------------------------------- the release schedule

#[test]
fn order_of_900_cess_pays_450_at_once_then_5_per_block_day() {
	build_and_execute(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 100);
		fund_pool(900 * CESS);
		finish(0);
		// 900 × 100 / 100 = 900 CESS; 900 − ⌊900/2⌋ = 450 now; 450 / 90 = 5 per block day.
		assert_eq!(claim(ALICE), 450 * CESS);
		System::assert_has_event(
			Event::RewardOrderCreated {
				miner: ALICE,
				first_cycle: 0,
				last_cycle: 0,
				amount: 900 * CESS,
				immediate: 450 * CESS,
			}
			.into(),
		);
		// Still block day 0: nothing more.
		run_to(9);
		assert_noop!(
			StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NothingToClaim
		);
		for day in 1..=90u64 {
			run_to(day * DAY);
			assert_eq!(claim(ALICE), 5 * CESS, "day {day}");
			assert_eq!(orders(ALICE), if day < 90 { 1 } else { 0 });
		}
		assert_eq!(beneficiary(ALICE), 900 * CESS);
		assert_eq!(RewardsReserved::<Test>::get(), 0);
		run_to(91 * DAY);
		assert_noop!(
			StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NothingToClaim
		);
	});
}

#[test]
fn odd_order_loses_no_unit() {
	build_and_execute(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 7);
		let a: Balance = 1_000_000_000_000_000_000_001;
		fund_pool(a);
		finish(0);
		// vesting = ⌊A/2⌋ = 500 000 000 000 000 000 000; immediate = A − vesting
		// = 500 000 000 000 000 000 001; step = ⌊vesting / 90⌋ = 5 555 555 555 555 555 555;
		// 89 steps = 494 444 444 444 444 444 395; the 90th pays 5 555 555 555 555 555 605.
		assert_eq!(claim(ALICE), 500_000_000_000_000_000_001);
		for day in 1..90u64 {
			run_to(day * DAY);
			assert_eq!(claim(ALICE), 5_555_555_555_555_555_555, "day {day}");
		}
		run_to(90 * DAY);
		assert_eq!(claim(ALICE), 5_555_555_555_555_555_605);
		assert_eq!(beneficiary(ALICE), a);
		assert_eq!(orders(ALICE), 0);
		assert_eq!(Balances::balance(&POOL), 1); // only the existential deposit is left
	});
}

#[test]
fn claiming_daily_weekly_or_once_pays_the_same() {
	// Three miners with the same power share one cycle of 3 000 CESS + 3 units:
	// each order = ⌊(3 000 CESS + 3) / 3⌋ = 1 000 CESS + 1.
	build_and_execute(|| {
		for m in [ALICE, BOB, CHARLIE] {
			positive(m);
			MockPower::credit(0, m, 10);
		}
		fund_pool(3_000 * CESS + 3);
		finish(0);
		for m in [ALICE, BOB, CHARLIE] {
			claim(m);
		}
		for block in 2..=100 * DAY {
			System::set_block_number(block);
			if block % DAY == 0 {
				try_claim(ALICE);
			}
			if block % (7 * DAY) == 3 {
				try_claim(BOB);
			}
		}
		run_to(200 * DAY);
		try_claim(ALICE);
		try_claim(BOB);
		claim(CHARLIE);
		for m in [ALICE, BOB, CHARLIE] {
			assert_eq!(beneficiary(m), 1_000 * CESS + 1);
			assert_eq!(orders(m), 0);
		}
	});
}

#[test]
fn claim_after_200_days_pays_everything() {
	build_and_execute(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 100);
		fund_pool(900 * CESS);
		finish(0);
		run_to(200 * DAY);
		// The order is created on day 200: only half is paid, the rest vests from then.
		assert_eq!(claim(ALICE), 450 * CESS);
		run_to(400 * DAY);
		assert_eq!(claim(ALICE), 450 * CESS);
		assert_eq!(orders(ALICE), 0);
		// An order created on day 0 and claimed on day 200 is fully paid at once.
		MockPower::credit(1, ALICE, 100);
		fund_pool(900 * CESS);
		finish(1);
		assert_eq!(claim(ALICE), 450 * CESS);
		run_to(600 * DAY);
		assert_eq!(claim(ALICE), 450 * CESS);
		assert_eq!(beneficiary(ALICE), 1_800 * CESS);
	});
}

#[test]
fn overlapping_orders_from_consecutive_cycles() {
	build_and_execute(|| {
		positive(ALICE);
		positive(BOB);
		// Cycle 0: 900 CESS, only ALICE earned power: her order = 900 CESS.
		MockPower::credit(0, ALICE, 100);
		fund_pool(900 * CESS);
		finish(0);
		assert_eq!(claim(ALICE), 450 * CESS);
		// Cycle 1 (finishes on day 1): 1 800 CESS, ALICE 100 and BOB 200 of 300:
		// ALICE 1 800 × 100 / 300 = 600 CESS, BOB 1 200 CESS.
		MockPower::credit(1, ALICE, 100);
		MockPower::credit(1, BOB, 200);
		fund_pool(1_800 * CESS);
		run_to(DAY);
		finish(1);
		// Day 1: one step of order 0 (5) + half of order 1 (300).
		assert_eq!(claim(ALICE), 305 * CESS);
		assert_eq!(orders(ALICE), 2);
		// Day 2: 5 CESS + ⌊300 CESS / 90⌋ = 3.333… CESS.
		run_to(2 * DAY);
		assert_eq!(claim(ALICE), 5 * CESS + 3_333_333_333_333_333_333);
		// Day 90: order 0 pays its last step and is deleted; order 1 pays 88 steps.
		run_to(90 * DAY);
		assert_eq!(claim(ALICE), 5 * CESS * 88 + 3_333_333_333_333_333_333 * 88);
		assert_eq!(orders(ALICE), 1);
		// Day 91: order 1's last step = 300 CESS − 89 × 3 333 333 333 333 333 333
		// = 3 333 333 333 333 333 363.
		run_to(91 * DAY);
		assert_eq!(claim(ALICE), 3_333_333_333_333_333_363);
		assert_eq!(orders(ALICE), 0);
		assert_eq!(beneficiary(ALICE), 1_500 * CESS);
		// BOB claims once, late: his order is created now.
		assert_eq!(claim(BOB), 600 * CESS);
		run_to(181 * DAY);
		assert_eq!(claim(BOB), 600 * CESS);
		assert_eq!(RewardsReserved::<Test>::get(), 0);
	});
}

#[test]
fn cycles_claimed_on_the_same_day_merge_into_one_order() {
	build_and_execute(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 1);
		fund_pool(900 * CESS);
		finish(0);
		MockPower::credit(1, ALICE, 1);
		fund_pool(181 * CESS);
		run_to(3);
		finish(1);
		// Both cycles make one order of 900 + 181 = 1 081 CESS: 540.5 now, then
		// ⌊540.5 CESS / 90⌋ = 6.005 555 555 555 555 555 CESS per day.
		assert_eq!(claim(ALICE), 540_500_000_000_000_000_000);
		assert_eq!(orders(ALICE), 1);
		System::assert_has_event(
			Event::RewardOrderCreated {
				miner: ALICE,
				first_cycle: 0,
				last_cycle: 1,
				amount: 1_081 * CESS,
				immediate: 540_500_000_000_000_000_000,
			}
			.into(),
		);
		// A third cycle the same block day is a second order of 20 CESS (10 now, vesting 10,
		// step ⌊10 CESS / 90⌋); it merges with the first: the steps add up.
		MockPower::credit(2, ALICE, 1);
		fund_pool(20 * CESS);
		run_to(5);
		finish(2);
		assert_eq!(claim(ALICE), 10 * CESS);
		assert_eq!(orders(ALICE), 1);
		run_to(DAY);
		assert_eq!(claim(ALICE), 6_005_555_555_555_555_555 + 111_111_111_111_111_111);
		// Day 90 pays all the rest of both: their vesting halves minus the step of day 1
		// = 540.5 + 10 − 6.005 555… − 0.111 111… = 544.383 333 333 333 333 334 CESS.
		run_to(90 * DAY);
		assert_eq!(claim(ALICE), 544_383_333_333_333_333_334);
		assert_eq!(orders(ALICE), 0);
		assert_eq!(beneficiary(ALICE), 1_101 * CESS);
	});
}

#[test]
fn the_order_list_never_exceeds_90_and_claims_never_fail() {
	build_and_execute(|| {
		positive(ALICE);
		let mut max = 0;
		let mut total_ordered = 0;
		// A new cycle every block day for 200 days, claimed every day.
		for day in 0..200u32 {
			run_to(u64::from(day) * DAY + 1);
			MockPower::credit(day, ALICE, 1);
			fund_pool(180 * CESS);
			finish(day);
			total_ordered += 180 * CESS;
			claim(ALICE);
			max = max.max(orders(ALICE));
		}
		assert_eq!(max, RELEASE_STEPS as usize);
		// Steady state, measured: pending (length 1, empty after the claim) + banked 16
		// + banked_cycles 1 (None) + last_day 4 + unpaid 16 + length 2 + 90 orders × (day 4
		// + vesting 16 + step 16) = 3 280 bytes. The MaxEncodedLen adds 4 pending entries ×
		// (cycle 4 + power 16) and a `Some` range (8): 3 368 bytes (was 3 266 with the old
		// claim cursor).
		let steady = Rewards::<Test>::get(ALICE).unwrap();
		assert_eq!(steady.orders.len(), 90);
		assert_eq!(steady.encoded_size(), 3_280);
		assert_eq!(crate::MinerRewards::<Balance>::max_encoded_len(), 3_368);
		run_to(400 * DAY);
		claim(ALICE);
		assert_eq!(beneficiary(ALICE), total_ordered);
	});
}

// ---------------------------------------------------------------- who may claim

#[test]
fn frozen_miner_cannot_claim_but_keeps_vesting() {
	build_and_execute(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 100);
		fund_pool(900 * CESS);
		finish(0);
		assert_eq!(claim(ALICE), 450 * CESS);
		// A punishment of 1 CESS leaves the collateral below the requirement: Frozen.
		assert_ok!(<StorageMiner as MinerMutate<_>>::punish(&ALICE, CESS));
		assert_eq!(Miners::state(&ALICE), Some(MinerState::Frozen));
		run_to(10 * DAY);
		assert_noop!(
			StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::FrozenCannotClaim
		);
		let report = StorageMiner::reward_report(&ALICE);
		assert!(report.frozen);
		assert_eq!(report.claimable, 50 * CESS); // 10 days × 5 CESS vested meanwhile
										   // A top-up unfreezes; the days frozen were not lost.
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(ALICE), CESS));
		run_to(12 * DAY);
		assert_eq!(claim(ALICE), 60 * CESS);
	});
}

#[test]
fn banned_and_exited_miners_can_still_claim() {
	build_and_execute(|| {
		positive(ALICE);
		positive(BOB);
		MockPower::credit(0, ALICE, 1);
		MockPower::credit(0, BOB, 1);
		fund_pool(200 * CESS);
		finish(0);
		assert_ok!(<StorageMiner as MinerMutate<_>>::ban(&ALICE));
		assert_eq!(claim(ALICE), 50 * CESS); // half of 100 to the beneficiary
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(BOB)));
		run_to(COOLDOWN + 1);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(BOB)));
		// BOB's record is gone: he is paid to his own account (his order is created now, on
		// block day 2: half of 100 CESS at once, then 50 / 90 per day).
		let before = Balances::balance(&BOB);
		assert_ok!(StorageMiner::claim_rewards(RuntimeOrigin::signed(BOB)));
		assert_eq!(Balances::balance(&BOB) - before, 50 * CESS);
		run_to(3 * DAY);
		let before = Balances::balance(&BOB);
		assert_ok!(StorageMiner::claim_rewards(RuntimeOrigin::signed(BOB)));
		assert_eq!(Balances::balance(&BOB) - before, 555_555_555_555_555_555);
	});
}

#[test]
fn nothing_to_claim_is_an_error_and_changes_nothing() {
	build_and_execute(|| {
		assert_noop!(
			StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NothingToClaim
		);
		positive(ALICE);
		assert_noop!(
			StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NothingToClaim
		);
	});
}

#[test]
fn each_cycle_is_claimed_once() {
	build_and_execute(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 1);
		fund_pool(100 * CESS);
		finish(0);
		assert_eq!(claim(ALICE), 50 * CESS);
		run_to(3);
		// Same day, no new cycle: the cycle is not paid again.
		assert_noop!(
			StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::NothingToClaim
		);
		// Its only holder took its share: the record is gone, nothing left over.
		assert!(RewardCycles::<Test>::get(0).is_none());
		System::assert_has_event(Event::CycleRewardClosed { cycle: 0, released: 0 }.into());
	});
}

// ---------------------------------------------------------------- remainders and expiry

#[test]
fn rounding_remainder_returns_to_the_pool_once_every_holder_took_its_share() {
	build_and_execute(|| {
		for m in [ALICE, BOB, CHARLIE] {
			positive(m);
			MockPower::credit(0, m, 1);
		}
		fund_pool(100);
		finish(0);
		// ⌊100 × 1 / 3⌋ = 33 each; ALICE and BOB claim, CHARLIE not (yet).
		claim(ALICE);
		claim(BOB);
		let r = RewardCycles::<Test>::get(0).unwrap();
		assert_eq!((r.allocated, r.holders), (66, 1));
		// 1 000 block days later CHARLIE's 33 are still there (17 now, 16 vesting).
		run_to(1_000 * DAY);
		assert_eq!(claim(CHARLIE), 17);
		// The record closes: 100 − 99 = 1 unit of dust goes back to the unreserved pool.
		System::assert_has_event(Event::CycleRewardClosed { cycle: 0, released: 1 }.into());
		assert!(RewardCycles::<Test>::get(0).is_none());
		// It goes to cycle 1's snapshot: 1 + 6 = 7.
		MockPower::credit(1, CHARLIE, 1);
		fund_pool(6);
		finish(1);
		assert_eq!(RewardCycles::<Test>::get(1).unwrap().total, 7);
	});
}

#[test]
fn power_of_snapshot_cycles_is_banked_at_the_next_credit() {
	build_and_execute(|| {
		positive(ALICE);
		// Cycles 0..20, each 2 CESS, one per block; ALICE proves in each and never claims.
		for c in 0..20u32 {
			MockPower::credit(c, ALICE, 1);
			fund_pool(2 * CESS);
			run_to(u64::from(c) + 2);
			finish(c);
		}
		// Each credit folded the cycles snapshot before it: only cycle 19 is pending, cycles
		// 0..=18 are banked (19 × 2 CESS) and their records are gone.
		let r = Rewards::<Test>::get(ALICE).unwrap();
		assert_eq!(r.pending.len(), 1);
		assert_eq!(r.banked, 38 * CESS);
		assert_eq!(RewardCycles::<Test>::iter().count(), 1);
		// One claim: 20 × 2 = 40 CESS in one order, half now.
		assert_eq!(claim(ALICE), 20 * CESS);
		assert_eq!(orders(ALICE), 1);
		assert_eq!(RewardCycles::<Test>::iter().count(), 0);
	});
}

// ---------------------------------------------------------------- runtime API

#[test]
fn report_shows_claimable_vesting_and_next_release() {
	build_and_execute(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 100);
		fund_pool(900 * CESS);
		finish(0);
		run_to(5);
		assert_eq!(
			StorageMiner::reward_report(&ALICE),
			RewardReport {
				claimable: 450 * CESS,
				vesting: 450 * CESS,
				next_release: Some(10),
				unclaimed_cycles: 1,
				frozen: false,
				debt: 0,
			}
		);
		claim(ALICE);
		run_to(35); // day 3: 3 steps vested
		assert_eq!(
			StorageMiner::reward_report(&ALICE),
			RewardReport {
				claimable: 15 * CESS,
				vesting: 435 * CESS,
				next_release: Some(40),
				unclaimed_cycles: 0,
				frozen: false,
				debt: 0,
			}
		);
		run_to(90 * DAY);
		let r = StorageMiner::reward_report(&ALICE);
		// Nothing claimed since day 0: the 90 steps are all claimable.
		assert_eq!((r.claimable, r.vesting, r.next_release), (450 * CESS, 0, None));
	});
}

// ---------------------------------------------------------------- property

/// A small deterministic generator (64-bit LCG, Knuth's constants).
struct Lcg(u64);
impl Lcg {
	fn next(&mut self) -> u64 {
		self.0 =
			self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
		self.0 >> 33
	}
	fn below(&mut self, n: u64) -> u64 {
		self.next() % n.max(1)
	}
}

#[test]
fn property_total_paid_equals_total_ordered_for_random_schedules() {
	for seed in 0..60u64 {
		build_and_execute(|| {
			let mut rng = Lcg(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xDEAD_BEEF);
			let miners = [ALICE, BOB, CHARLIE];
			for m in miners {
				positive(m);
			}
			// Claim probability per block (per mille) for each miner.
			let rates: Vec<u64> = miners.iter().map(|_| 1 + rng.below(300)).collect();
			let cycles = 3 + rng.below(12) as u32;
			let mut next_finish = 1 + rng.below(30);
			let mut cycle = 0u32;
			let mut block = 1u64;
			let mut ordered = [0u128; 3];
			let mut paid = [0u128; 3];
			let end = 4_000u64;
			while block < end {
				block += 1;
				run_to(block);
				if cycle < cycles && block >= next_finish {
					for m in miners {
						if rng.below(4) != 0 {
							MockPower::credit(cycle, m, u128::from(rng.below(1_000_000)) + 1);
						}
					}
					fund_pool(u128::from(rng.below(u64::MAX)) * u128::from(rng.below(1 << 20)));
					finish(cycle);
					cycle += 1;
					next_finish = block + 1 + rng.below(40);
				}
				for (i, m) in miners.iter().enumerate() {
					if rng.below(1000) < rates[i] || block == end - 1 {
						let before = beneficiary(*m);
						let result = StorageMiner::claim_rewards(RuntimeOrigin::signed(*m));
						paid[i] += beneficiary(*m) - before;
						if result.is_err() {
							assert_eq!(result, Err(Error::<Test>::NothingToClaim.into()));
						}
					}
				}
			}
			for e in System::events() {
				if let RuntimeEvent::StorageMiner(Event::RewardOrderCreated {
					miner, amount, ..
				}) = e.event
				{
					let i = miners.iter().position(|m| *m == miner).unwrap();
					ordered[i] += amount;
				}
			}
			// Every order fully paid (the last claim is > 90 block days after the last
			// cycle), to the unit.
			assert_eq!(paid, ordered, "seed {seed}");
			for m in miners {
				assert_eq!(orders(m), 0, "seed {seed}");
			}
			// The pool keeps only what is unallocated (rounding dust).
			let dust: u128 = RewardCycles::<Test>::iter().map(|(_, r)| r.total - r.allocated).sum();
			assert_eq!(RewardsReserved::<Test>::get(), dust, "seed {seed}");
			assert!(dust <= u128::from(cycles) * 3, "seed {seed}: dust {dust}");
		});
	}
}

#[test]
fn a_refused_payment_is_kept_as_unpaid_and_paid_later() {
	build_and_execute(|| {
		positive(ALICE);
		MockPower::credit(0, ALICE, 100);
		fund_pool(900 * CESS);
		finish(0);
		// Something outside the pallet empties the pool: the transfer is refused, the claim
		// still creates the order and keeps the 450 CESS as unpaid.
		Balances::set_balance(&POOL, 1);
		assert_ok!(StorageMiner::claim_rewards(RuntimeOrigin::signed(ALICE)));
		assert_eq!(beneficiary(ALICE), 0);
		System::assert_has_event(
			Event::RewardsClaimed {
				miner: ALICE,
				beneficiary: ALICE + 100,
				paid: 0,
				unpaid: 450 * CESS,
				orders_completed: 0,
			}
			.into(),
		);
		assert_eq!(StorageMiner::reward_report(&ALICE).claimable, 450 * CESS);
		// The pool is refilled; the next claim pays the unpaid amount and the day-1 step.
		Balances::set_balance(&POOL, 900 * CESS + 1);
		run_to(DAY);
		assert_eq!(claim(ALICE), 455 * CESS);
		assert_eq!(Rewards::<Test>::get(ALICE).unwrap().unpaid, 0);
	});
}
