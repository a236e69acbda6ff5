//! Migrate, release on confirm (issue 15): exits and repairs never drop a copy before the new
//! holder confirms, and nobody can hold a leaving miner (or users' data) hostage for long.
//!
//! Mock numbers: `AssignmentTimeout` = 5 blocks, `MaxMigrationAttempts` = 4 (tests may raise
//! it), `MaxHookWork` = `MaxRepairWork` = 4, exit cooldown 30 blocks, 8 MiB fragments, 1 TiB
//! declared per miner (2 000 CESS of collateral).

use crate::{
	mock::*, Event, FileState, Files, Leases, MigratingSpace, Migrations, MinerFragmentCount,
	MinerFragments, ReleasedCount, Repairs, SlotStatus, Slots,
};
use cess_traits::{MinerInspect, MinerState, ServiceFragmentsInspect, ServiceFragmentsMutate};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};

use crate::tests::{buy, checkpoint, fid, place, roots};

/// Declares file `n` of `fragments` full fragments with `redundancy` and confirms every replica.
fn store(n: u8, fragments: u32, redundancy: u8) {
	assert_ok!(FileBank::declare_file(
		RuntimeOrigin::signed(USER),
		u64::from(fragments) * FRAGMENT,
		roots(n, fragments),
		redundancy
	));
	place(n);
	for f in 0..fragments {
		for r in 0..redundancy {
			let m = holder(n, f, r);
			assert_ok!(FileBank::confirm_fragment(RuntimeOrigin::signed(m), fid(n), f, r));
		}
	}
	assert_eq!(Files::<Test>::get(fid(n)).unwrap().state, FileState::Stored);
}

fn holder(n: u8, fragment: u32, replica: u8) -> AccountId {
	Slots::<Test>::get(fid(n), (fragment, replica)).unwrap().miner.unwrap()
}

fn pending(n: u8, fragment: u32, replica: u8) -> bool {
	matches!(
		Slots::<Test>::get(fid(n), (fragment, replica)).map(|s| s.status),
		Some(SlotStatus::Pending { .. })
	)
}

fn service(m: AccountId) -> u64 {
	<StorageMiner as MinerInspect<_>>::spaces(&m).map(|s| s.service).unwrap_or(0)
}

fn reassigned_from(n: u8, from: AccountId) -> Vec<Option<AccountId>> {
	System::events()
		.into_iter()
		.filter_map(|e| match e.event {
			RuntimeEvent::FileBank(Event::FragmentReassigned { file, from: f, to, .. })
				if file == fid(n) && f == Some(from) =>
			{
				Some(to)
			}
			_ => None,
		})
		.collect()
}

fn collateral(m: AccountId) -> Balance {
	Balances::total_balance_on_hold(&m)
}

#[test]
fn an_exit_never_loses_a_redundancy_1_file_withdraw_waits_for_the_new_holder() {
	// M1 holds the only copy of a 1-fragment file and exits. The new holders drawn for it are
	// slow: withdraw after the cooldown is refused while no one has confirmed; the data stays
	// on M1 (listed, challengeable). The holder that finally confirms releases M1's copy;
	// after M1's checkpoint it withdraws its 2 000 CESS in full.
	build_and_execute(|| {
		MigrationAttempts::set(10); // 10 holders × 5 blocks: the move outlasts the cooldown
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		store(1, 1, 1);
		assert_eq!(holder(1, 0, 0), M1);
		miner(M2, 1, 1);
		miner(M3, 1, 1);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(M1)));
		run_to_block(2);
		let first = holder(1, 0, 0);
		assert!(first == M2 || first == M3);
		assert!(pending(1, 0, 0));
		assert_eq!(Migrations::<Test>::get(fid(1), (0, 0)).unwrap().from, M1);
		// M1 still lists it at number 0 with its 8 MiB, all of it earning no power.
		assert_eq!(<FileBank as ServiceFragmentsInspect<_>>::fragment_count(&M1), 1);
		assert_eq!(
			<FileBank as ServiceFragmentsInspect<_>>::fragment_root(&M1, 0),
			Some(roots(1, 1)[0])
		);
		assert_eq!(service(M1), FRAGMENT);
		assert_eq!(<FileBank as ServiceFragmentsInspect<_>>::released_space(&M1), FRAGMENT);
		// The first holder does not confirm: at its deadline (block 7) the other one gets it,
		// never M1 (it still holds the copy).
		run_to_block(7);
		let second = holder(1, 0, 0);
		assert_ne!(second, first);
		assert_ne!(second, M1);
		// Cooldown over (block 31), the move still running: M1 cannot take the data away.
		run_to_block(1 + COOLDOWN);
		assert!(pending(1, 0, 0));
		assert_noop!(
			StorageMiner::withdraw(RuntimeOrigin::signed(M1)),
			pallet_storage_miner::Error::<Test>::ServiceSpaceNotReleased
		);
		let now_holder = holder(1, 0, 0);
		assert_ok!(FileBank::confirm_fragment(RuntimeOrigin::signed(now_holder), fid(1), 0, 0));
		System::assert_has_event(
			Event::<Test>::ReplicaMigrated {
				file: fid(1),
				fragment: 0,
				replica: 0,
				from: M1,
				to: now_holder,
			}
			.into(),
		);
		System::assert_has_event(Event::<Test>::FragmentReleased { miner: M1, index: 0 }.into());
		assert_eq!(Files::<Test>::get(fid(1)).unwrap().state, FileState::Stored);
		assert_eq!(service(now_holder), FRAGMENT);
		// Released, still listed until M1's checkpoint; then it may go.
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 1);
		assert_eq!(MigratingSpace::<Test>::get(M1), 0);
		assert_eq!(checkpoint(M1), 1);
		assert_eq!(service(M1), 0);
		let free_before = Balances::free_balance(M1);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(M1)));
		assert_eq!(Balances::free_balance(M1), free_before + 2_000 * CESS);
		assert_eq!(collateral(M1), 0);
		// The user still pays for (and has) one 8 MiB replica.
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, FRAGMENT);
	});
}

#[test]
fn a_new_holder_that_never_confirms_lets_a_leaving_miner_go_after_max_attempts() {
	// The rule for a move that cannot complete while the old holder leaves: the replica is
	// offered to `MaxMigrationAttempts` = 4 new holders, 5 blocks each (evacuated at block 2:
	// deadlines 7, 12, 17, 22). At block 22 the move is abandoned: the slot is lost, the
	// user's lease gets the 8 MiB back (it was prepaid per GiB and day), M1's copy is
	// released, and M1 withdraws at its cooldown (block 31) with its collateral in full. Until
	// block 22 the data stayed on M1 — the bound is what M1 can be held by others: 4 × 5
	// blocks here, 24 × 100 = 2 400 blocks (4 h) in the runtime, less than its 7 200-block
	// cooldown.
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		store(1, 1, 1);
		miner(M2, 1, 1);
		miner(M3, 1, 1);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(M1)));
		run_to_block(21);
		// Holders 1..4 drawn at blocks 2, 7, 12, 17; none of them is M1.
		let drawn = reassigned_from(1, M1);
		assert_eq!(drawn.len(), 1);
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 1);
		assert_eq!(Migrations::<Test>::get(fid(1), (0, 0)).unwrap().from, M1);
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, FRAGMENT);
		let moves = System::events()
			.into_iter()
			.filter(|e| match e.event {
				RuntimeEvent::FileBank(Event::FragmentReassigned { file, .. }) => file == fid(1),
				_ => false,
			})
			.count();
		assert_eq!(moves, 4, "offered to 4 holders");
		run_to_block(22);
		System::assert_has_event(
			Event::<Test>::MigrationAbandoned { file: fid(1), fragment: 0, replica: 0, from: M1 }
				.into(),
		);
		System::assert_has_event(
			Event::<Test>::SlotLost { file: fid(1), fragment: 0, replica: 0, released: FRAGMENT }
				.into(),
		);
		// Its only replica lost: the file is deleted and the lease charged nothing for it.
		System::assert_has_event(
			Event::<Test>::FileDeletionStarted { file: fid(1), owner: USER }.into(),
		);
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, 0);
		assert_eq!(ReleasedCount::<Test>::get(M1), 1);
		assert_eq!(checkpoint(M1), 1);
		run_to_block(1 + COOLDOWN);
		let free_before = Balances::free_balance(M1);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(M1)));
		assert_eq!(Balances::free_balance(M1), free_before + 2_000 * CESS);
		// The new holders kept no reservation.
		assert_eq!(crate::MinerPending::<Test>::get(M2) + crate::MinerPending::<Test>::get(M3), 0);
	});
}

#[test]
fn repair_moves_a_failing_miners_files_and_releases_its_space_only_on_confirm() {
	// The audit asks for the repair of M1 (it stopped proving). M1's 2 replicas (of a 2 × 2
	// file) move to the two miners not holding the sibling replica, M1 gets nothing new
	// meanwhile, keeps its 16 MiB (earning no power) until each new holder confirms; the file
	// is `Stored` with both replicas of each fragment on distinct miners other than M1.
	build_and_execute(|| {
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		buy(USER, 1, 10);
		store(1, 2, 2);
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 2);
		miner(M3, 1, 1);
		miner(M4, 1, 1);
		assert!(<FileBank as ServiceFragmentsMutate<_>>::start_repair(&M1));
		System::assert_has_event(Event::<Test>::RepairStarted { miner: M1, fragments: 2 }.into());
		// Running: asking again starts nothing.
		assert!(!<FileBank as ServiceFragmentsMutate<_>>::start_repair(&M1));
		// Under repair, M1 gets no new replica (a 1 × 2 file lands on two of M2, M3, M4).
		assert_ok!(FileBank::declare_file(RuntimeOrigin::signed(USER), FRAGMENT, roots(2, 1), 2));
		place(2);
		assert!(holder(2, 0, 0) != M1 && holder(2, 0, 1) != M1);
		run_to_block(2);
		// 2 moves + 1 finishing step within the repair budget of 4.
		System::assert_has_event(Event::<Test>::RepairFinished { miner: M1 }.into());
		assert!(!Repairs::<Test>::contains_key(M1));
		let to = reassigned_from(1, M1);
		assert_eq!(to.len(), 2);
		assert!(to.iter().all(|t| matches!(t, Some(m) if *m == M3 || *m == M4)));
		// The copies stay on M1 (same numbers, still challengeable), its space held, none of
		// it earning power; nothing is released yet.
		assert_eq!(<FileBank as ServiceFragmentsInspect<_>>::fragment_count(&M1), 2);
		assert_eq!(service(M1), 2 * FRAGMENT);
		assert_eq!(<FileBank as ServiceFragmentsInspect<_>>::released_space(&M1), 2 * FRAGMENT);
		assert_eq!(ReleasedCount::<Test>::get(M1), 0);
		assert_eq!(checkpoint(M1), 0);
		assert_eq!(<StorageMiner as MinerInspect<_>>::state(&M1), Some(MinerState::Positive));
		// New holders confirm one by one; each releases one copy of M1.
		let mut released = 0;
		for f in 0..2 {
			for r in 0..2 {
				if pending(1, f, r) {
					let m = holder(1, f, r);
					assert_ok!(FileBank::confirm_fragment(RuntimeOrigin::signed(m), fid(1), f, r));
					released += 1;
					assert_eq!(ReleasedCount::<Test>::get(M1), released);
					assert_eq!(service(M1), 2 * FRAGMENT);
				}
			}
		}
		assert_eq!(released, 2);
		assert_eq!(Files::<Test>::get(fid(1)).unwrap().state, FileState::Stored);
		for f in 0..2 {
			let (a, b) = (holder(1, f, 0), holder(1, f, 1));
			assert!(a != b && a != M1 && b != M1);
		}
		assert_eq!(checkpoint(M1), 2);
		assert_eq!(service(M1), 0);
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 0);
	});
}

#[test]
fn a_repair_without_a_confirming_holder_keeps_the_replica_on_the_active_miner() {
	// The repaired miner is still registered (it may recover): when none of the 4 new holders
	// confirms, the replica stays confirmed on M1 at its number (`MigrationCancelled`), the
	// file is `Stored` again, and the audit's next request starts a new repair.
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		store(1, 1, 1);
		miner(M2, 1, 1);
		assert!(<FileBank as ServiceFragmentsMutate<_>>::start_repair(&M1));
		run_to_block(2);
		assert_eq!(holder(1, 0, 0), M2);
		assert_eq!(Files::<Test>::get(fid(1)).unwrap().state, FileState::Pending);
		// M1 is the only other miner and holds the copy: attempts 2..4 find nobody (`None`).
		run_to_block(22);
		System::assert_has_event(
			Event::<Test>::MigrationCancelled { file: fid(1), fragment: 0, replica: 0, miner: M1 }
				.into(),
		);
		assert_eq!(
			Slots::<Test>::get(fid(1), (0, 0)).unwrap().status,
			SlotStatus::Confirmed { index: 0 }
		);
		assert_eq!(holder(1, 0, 0), M1);
		assert_eq!(Files::<Test>::get(fid(1)).unwrap().state, FileState::Stored);
		assert_eq!(MigratingSpace::<Test>::get(M1), 0);
		assert_eq!(<FileBank as ServiceFragmentsInspect<_>>::released_space(&M1), 0);
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, FRAGMENT);
		assert_eq!(crate::MinerPending::<Test>::get(M2), 0);
		assert!(<FileBank as ServiceFragmentsMutate<_>>::start_repair(&M1));
	});
}

#[test]
fn only_active_miners_with_data_to_move_can_be_repaired() {
	build_and_execute(|| {
		// Not registered, or nothing stored: nothing to repair.
		assert!(!<FileBank as ServiceFragmentsMutate<_>>::start_repair(&M1));
		miner(M1, 1, 1);
		assert!(!<FileBank as ServiceFragmentsMutate<_>>::start_repair(&M1));
		miner(M2, 1, 1);
		buy(USER, 1, 10);
		store(1, 1, 2);
		// Leaving: its evacuation makes the same moves, a repair would only repeat them.
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(M2)));
		assert!(!<FileBank as ServiceFragmentsMutate<_>>::start_repair(&M2));
		// Everything already moving (M2's evacuation) or released: nothing left to move.
		miner(M3, 1, 1);
		run_to_block(2);
		assert!(
			Migrations::<Test>::contains_key(fid(1), (0, 1))
				|| Migrations::<Test>::contains_key(fid(1), (0, 0))
		);
		assert!(<FileBank as ServiceFragmentsMutate<_>>::start_repair(&M1));
		run_to_block(3);
		// M1's copy is moving too now (to the one miner free: M3 holds M2's, so nobody).
		assert_eq!(MigratingSpace::<Test>::get(M1), FRAGMENT);
		assert!(!<FileBank as ServiceFragmentsMutate<_>>::start_repair(&M1));
	});
}

#[test]
fn deleting_a_file_while_it_migrates_releases_both_copies() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		store(1, 1, 1);
		miner(M2, 1, 1);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(M1)));
		run_to_block(2);
		assert_eq!(holder(1, 0, 0), M2);
		assert_eq!(crate::MinerPending::<Test>::get(M2), 1);
		assert_ok!(FileBank::delete_file(RuntimeOrigin::signed(USER), fid(1)));
		run_to_block(3);
		assert!(!Files::<Test>::contains_key(fid(1)));
		assert_eq!(Migrations::<Test>::iter().count(), 0);
		assert_eq!(crate::MinerPending::<Test>::get(M2), 0);
		assert_eq!(MigratingSpace::<Test>::get(M1), 0);
		assert_eq!(ReleasedCount::<Test>::get(M1), 1);
		assert_eq!(checkpoint(M1), 1);
		assert_eq!(service(M1), 0);
	});
}

#[test]
fn a_renumbered_migrating_copy_is_still_the_one_released() {
	// M1 holds file 1 (number 0) and file 2 (number 1). File 2 starts moving; file 1 is
	// deleted and its removal at M1's checkpoint swap-removes number 0: file 2's moving copy
	// becomes number 0, and the migration follows it, so the new holder's confirmation
	// releases exactly that copy.
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		store(1, 1, 1);
		store(2, 1, 1);
		assert_eq!(MinerFragments::<Test>::get(M1, 1).unwrap().file, fid(2));
		miner(M2, 1, 1);
		assert_ok!(FileBank::delete_file(RuntimeOrigin::signed(USER), fid(1)));
		run_to_block(2);
		assert_eq!(ReleasedCount::<Test>::get(M1), 1);
		assert!(<FileBank as ServiceFragmentsMutate<_>>::start_repair(&M1));
		run_to_block(3);
		assert_eq!(Migrations::<Test>::get(fid(2), (0, 0)).unwrap().index, 1);
		assert_eq!(checkpoint(M1), 1);
		assert_eq!(Migrations::<Test>::get(fid(2), (0, 0)).unwrap().index, 0);
		assert_eq!(MinerFragments::<Test>::get(M1, 0).unwrap().file, fid(2));
		// The slot is still pending on M2 (the renumbering did not touch it).
		assert!(pending(2, 0, 0));
		assert_eq!(holder(2, 0, 0), M2);
		assert_ok!(FileBank::confirm_fragment(RuntimeOrigin::signed(M2), fid(2), 0, 0));
		assert_eq!(checkpoint(M1), 1);
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 0);
		assert_eq!(service(M1), 0);
		assert_eq!(service(M2), FRAGMENT);
	});
}
