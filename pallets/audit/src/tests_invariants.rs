//! Issue 15, `try_state`: no audit record, counter or snapshot outlives its miner. The normal
//! life cycle (enrolled, frozen, exiting, withdrawn) passes the check after every step; each
//! way an orphan can appear is caught. Mock: round = 10 blocks, deadline 5, exit cooldown 100.

use crate::{mock::*, *};
use cess_traits::MinerMutate;
use frame_support::{assert_ok, traits::fungible::Mutate};
use sp_runtime::TryRuntimeError;

fn origin(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// Registers `who` with 1 TiB and 2 000 CESS and commits 4 fillers: `Positive`.
fn positive(who: AccountId) {
	Balances::set_balance(&who, 1_000_000 * CESS);
	let endpoint = vec![b'x'].try_into().expect("short endpoint");
	assert_ok!(StorageMiner::register(origin(who), who, endpoint, 1, PER_TIB));
	assert_ok!(StorageMiner::commit_idle(origin(who), [7u8; 32], 4));
}

/// Both pallets' invariants hold.
fn check() {
	assert_eq!(Audit::do_try_state(), Ok(()));
	assert_eq!(StorageMiner::do_try_state(), Ok(()));
}

fn err(msg: &'static str) -> Result<(), TryRuntimeError> {
	Err(msg.into())
}

/// A `Positive` miner 1, enrolled in block 1 (round 0).
fn enrolled() {
	positive(1);
	run_to(1);
	assert!(Audits::<Test>::get(1).is_some());
}

#[test]
fn enrolled_frozen_exiting_and_withdrawn_miners_leave_no_orphan() {
	build_and_execute(|| {
		positive(1);
		positive(2);
		check();
		run_to(1);
		assert_eq!(RosterLen::<Test>::get(), 2);
		check();
		// Frozen by a punishment (collateral 1 900 < 2 000): still audited, still a miner.
		assert_ok!(<StorageMiner as MinerMutate<_>>::punish(&1, 100 * CESS));
		check();
		// Exits at block 3; no service fragments, so its idle misses cost nothing. Round 10
		// (blocks 101..) is settled in block 106, after the cooldown ended at 103.
		run_to(3);
		assert_ok!(StorageMiner::prepare_exit(origin(1)));
		check();
		run_to(1 + 10 * ROUND + DEADLINE);
		check();
		assert_ok!(StorageMiner::withdraw(origin(1)));
		// Record, counters, snapshot and roster entry went with the withdrawal.
		assert!(Audits::<Test>::get(1).is_none());
		assert_eq!(RosterLen::<Test>::get(), 1);
		assert_eq!(Roster::<Test>::get(0), Some(2));
		check();
		// Miner 2 is banned and withdraws too: nothing of either is left.
		assert_ok!(<StorageMiner as MinerMutate<_>>::ban(&2));
		check();
		run_to(1 + 21 * ROUND + DEADLINE);
		assert_ok!(StorageMiner::withdraw(origin(2)));
		assert_eq!((Audits::<Test>::iter().count(), RosterLen::<Test>::get()), (0, 0));
		check();
	});
}

#[test]
fn a_record_whose_miner_record_vanished_is_caught() {
	new_test_ext().execute_with(|| {
		enrolled();
		check();
		// The miner's record is removed without telling the audit.
		pallet_storage_miner::Miners::<Test>::remove(1);
		assert_eq!(
			Audit::do_try_state(),
			err("audit: record of an account that is not a registered miner")
		);
	});
}

/// A banned account whose miner record was removed still reports `Banned` (it can never
/// register again), but is no registered miner: its audit record is an orphan.
#[test]
fn a_record_of_a_removed_banned_account_is_caught() {
	new_test_ext().execute_with(|| {
		enrolled();
		assert_ok!(<StorageMiner as MinerMutate<_>>::ban(&1));
		check();
		pallet_storage_miner::Miners::<Test>::remove(1);
		assert_eq!(
			<StorageMiner as cess_traits::MinerInspect<_>>::state(&1),
			Some(cess_traits::MinerState::Banned)
		);
		assert_eq!(
			Audit::do_try_state(),
			err("audit: record of an account that is not a registered miner")
		);
	});
}

#[test]
fn a_roster_entry_without_a_record_is_caught() {
	new_test_ext().execute_with(|| {
		enrolled();
		Roster::<Test>::insert(1, 42);
		RosterLen::<Test>::put(2);
		assert_eq!(Audit::do_try_state(), err("audit: roster length disagrees with the records"));
	});
}

#[test]
fn a_record_whose_roster_entry_names_another_account_is_caught() {
	new_test_ext().execute_with(|| {
		enrolled();
		Roster::<Test>::insert(0, 42);
		assert_eq!(Audit::do_try_state(), err("audit: record's roster index does not point back"));
	});
}
