//! Tests of lost replicas and declaration deposits (issue 13, item 6): an uploader that
//! declares files and never uploads them loses its deposits, its slots leave the deadline
//! queue after `MAX_REASSIGN` = 3 reassignments, and honest files are stored meanwhile.
//! Mock values: 0.1 CESS per GiB per day, 10-block days, `TIMEOUT` = 5, 4 deadline steps per
//! block, `DEPOSIT` = 2 CESS per file.

use crate::{
	mock::*, Deposits, Error, Event, FileState, Files, Leases, PendingHead, PendingTail,
	SlotStatus, Slots, UserFiles,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{InspectHold, Mutate},
	BoundedVec,
};
use sp_core::H256;

thread_local! {
	static FIDS: core::cell::RefCell<std::collections::BTreeMap<u8, H256>> = Default::default();
}

/// Hash of test file `n` (the file whose first root is `roots(n, _)[0]`): the chain computes
/// it at declaration (`file_hash(owner, size, roots)`); remembered once seen, so it is known
/// after the file is gone. `H256([n; 32])` for a file never declared.
fn fid(n: u8) -> H256 {
	let first = roots(n, 1)[0];
	let found = Files::<Test>::iter()
		.find(|(h, _)| crate::FragmentRoots::<Test>::get(h, 0) == Some(first))
		.map(|(h, _)| h);
	FIDS.with(|m| {
		let mut m = m.borrow_mut();
		if let Some(h) = found {
			m.insert(n, h);
		}
		m.get(&n).copied().unwrap_or(H256([n; 32]))
	})
}

/// Places file `n` now, as its placement block's hook would (`PLACEMENT_DELAY` blocks later,
/// see `tests_placement.rs`): these tests are about what follows placement, with the times of
/// an assignment at declaration. Its queue entry is then stale and skipped.
fn place(n: u8) {
	let file = fid(n);
	let info = Files::<Test>::get(file).unwrap();
	assert_eq!(info.state, FileState::Declared);
	FileBank::place_file(file, info);
	assert_eq!(Files::<Test>::get(file).unwrap().state, FileState::Pending);
	// Its queue entry is done with, as the hook would leave it.
	let key = crate::PlacementQueue::<Test>::iter().find(|(_, (f, _))| *f == file).unwrap().0;
	let (_, replicas) = crate::PlacementQueue::<Test>::take(key).unwrap();
	crate::PlacementBacklog::<Test>::mutate(|b| *b -= replicas);
}

fn roots(file: u8, n: u32) -> BoundedVec<[u8; 32], frame_support::traits::ConstU32<12>> {
	BoundedVec::try_from(
		(0..n)
			.map(|i| {
				let mut r = [file; 32];
				r[0] = i as u8;
				r
			})
			.collect::<Vec<_>>(),
	)
	.unwrap()
}

fn declare(who: AccountId, n: u8, fragments: u32, redundancy: u8) {
	assert_ok!(FileBank::declare_file(
		RuntimeOrigin::signed(who),
		u64::from(fragments) * FRAGMENT,
		roots(n, fragments),
		redundancy
	));
	place(n);
}

fn confirm(n: u8, fragment: u32, replica: u8) {
	let m = Slots::<Test>::get(fid(n), (fragment, replica)).unwrap().miner.unwrap();
	assert_ok!(FileBank::confirm_fragment(RuntimeOrigin::signed(m), fid(n), fragment, replica));
}

fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

fn held(who: AccountId) -> Balance {
	Balances::total_balance_on_hold(&who)
}

fn backlog() -> u64 {
	PendingTail::<Test>::get() - PendingHead::<Test>::get()
}

#[test]
fn never_uploaded_files_are_lost_their_deposits_forfeited_and_the_queue_drains() {
	// Attack: USER declares 8 files × 8 fragments × 2 replicas = 128 slots and uploads
	// nothing. Each slot costs at most 1 + MAX_REASSIGN = 4 deadline steps (3 reassignments
	// and the loss): 512 steps, plus 5 steps for the emptied entries of the 5 honest slots
	// confirmed meanwhile = 517 steps at 4 per block, from the first deadline (block 6) on;
	// the head is due all along (the backlog stays above TIMEOUT × 4 = 20 until the end), so
	// blocks 6..=134 run 129 × 4 = 516 steps and the last one runs in block 135.
	build_and_execute(|| {
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		miner(M3, 1, 1);
		assert_ok!(FileBank::buy_space(RuntimeOrigin::signed(USER), 2, 20));
		assert_ok!(FileBank::buy_space(RuntimeOrigin::signed(USER2), 1, 20));
		// Leases (to block 201, past the drain): 2 GiB × 20 days × 0.1 = 4 CESS and
		// 1 × 20 × 0.1 = 2 CESS, to the pool.
		assert_eq!(free(POOL), 1 + 6 * CESS);
		for n in 1..=8 {
			declare(USER, n, 8, 2);
		}
		// 8 deposits of 2 CESS held.
		assert_eq!(held(USER), 16 * CESS);
		assert_eq!(free(USER), INITIAL - 4 * CESS - 16 * CESS);
		assert_eq!(backlog(), 128);
		// An honest file, stored at once: its deposit comes back.
		declare(USER2, 20, 1, 1);
		assert_eq!(held(USER2), DEPOSIT);
		confirm(20, 0, 0);
		assert_eq!(held(USER2), 0);
		assert_eq!(free(USER2), INITIAL - 2 * CESS);
		System::assert_has_event(
			Event::<Test>::DepositReturned { file: fid(20), owner: USER2, amount: DEPOSIT }.into(),
		);
		// Mid-attack, another honest file is declared, confirmed and its deposit returned.
		run_to_block(50);
		assert!(backlog() > 100, "backlog {}", backlog());
		declare(USER2, 21, 2, 2);
		for f in 0..2 {
			for r in 0..2 {
				confirm(21, f, r);
			}
		}
		assert_eq!(Files::<Test>::get(fid(21)).unwrap().state, FileState::Stored);
		assert_eq!(held(USER2), 0);
		assert_eq!(free(USER2), INITIAL - 2 * CESS);
		// One step before the end: exactly one due entry is left.
		run_to_block(134);
		assert_eq!(backlog(), 1);
		run_to_block(135);
		assert_eq!(backlog(), 0);
		let lost = System::events()
			.iter()
			.filter(|e| matches!(e.event, RuntimeEvent::FileBank(Event::SlotLost { .. })))
			.count();
		assert_eq!(lost, 128);
		// Each lost file is deleted: 16 slot numbers + its removal = 17 task steps each, 8 files
		// = 136 steps at 4 per block, done by block 135 + 136 / 4 = 169.
		run_to_block(170);
		for n in 1..=8 {
			assert!(Files::<Test>::get(fid(n)).is_none());
			assert!(Deposits::<Test>::get(fid(n)).is_none());
		}
		assert!(UserFiles::<Test>::get(USER).is_empty());
		// The attacker's deposits went to the pool: 1 + 6 CESS + 8 × 2 CESS.
		assert_eq!(held(USER), 0);
		assert_eq!(free(USER), INITIAL - 4 * CESS - 16 * CESS);
		assert_eq!(free(POOL), 1 + 6 * CESS + 16 * CESS);
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, 0);
		// The honest files are untouched.
		assert_eq!(Files::<Test>::get(fid(20)).unwrap().state, FileState::Stored);
		assert_eq!(Files::<Test>::get(fid(21)).unwrap().state, FileState::Stored);
		assert_eq!(Leases::<Test>::get(USER2).unwrap().used, 5 * FRAGMENT);
	});
}

#[test]
fn a_missing_replica_is_lost_after_three_reassignments() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		miner(M3, 1, 1);
		assert_ok!(FileBank::buy_space(RuntimeOrigin::signed(USER), 1, 10));
		declare(USER, 1, 2, 2);
		confirm(1, 0, 0);
		confirm(1, 0, 1);
		confirm(1, 1, 0);
		// Replica (1, 1) is never confirmed: deadlines 6, 11, 16 reassign it, 21 loses it.
		for (block, times) in [(6, 1u8), (11, 2), (16, 3)] {
			run_to_block(block);
			match Slots::<Test>::get(fid(1), (1, 1)).unwrap().status {
				SlotStatus::Pending { reassigned, .. } => assert_eq!(reassigned, times),
				s => panic!("not pending: {s:?}"),
			}
		}
		assert_eq!(held(USER), DEPOSIT);
		run_to_block(21);
		assert!(Slots::<Test>::get(fid(1), (1, 1)).is_none());
		System::assert_has_event(
			Event::<Test>::SlotLost { file: fid(1), fragment: 1, replica: 1, released: FRAGMENT }
				.into(),
		);
		System::assert_has_event(
			Event::<Test>::DepositForfeited { file: fid(1), owner: USER, amount: DEPOSIT }.into(),
		);
		System::assert_has_event(Event::<Test>::FileStored { file: fid(1) }.into());
		let info = Files::<Test>::get(fid(1)).unwrap();
		assert_eq!(info.state, FileState::Stored);
		assert_eq!((info.lost, info.confirmed), (1, 3));
		// 4 replicas × 8 MiB charged, one released: 24 MiB.
		assert_eq!(info.stored_space, 3 * FRAGMENT);
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, 3 * FRAGMENT);
		// Lease 1 CESS + the forfeited 2 CESS.
		assert_eq!(held(USER), 0);
		assert_eq!(free(USER), INITIAL - CESS - DEPOSIT);
		assert_eq!(free(POOL), 1 + CESS + DEPOSIT);
		// The placement shows the lost replica without miner and without deadline.
		let placement = FileBank::file_placement(fid(1)).unwrap();
		let lost = &placement.fragments[1].replicas[1];
		assert_eq!((lost.miner, lost.confirmed, lost.deadline), (None, false, None));
		assert_eq!(placement.stored_space, 3 * FRAGMENT);
		// Deleting it later releases its 3 remaining slots and removes it.
		assert_ok!(FileBank::delete_file(RuntimeOrigin::signed(USER), fid(1)));
		run_to_block(23);
		assert!(Files::<Test>::get(fid(1)).is_none());
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, 0);
	});
}

#[test]
fn deleting_before_stored_forfeits_the_deposit() {
	// Otherwise an attacker deletes just before the loss and gets its deposit back.
	build_and_execute(|| {
		miner(M1, 1, 1);
		assert_ok!(FileBank::buy_space(RuntimeOrigin::signed(USER), 1, 10));
		declare(USER, 1, 1, 1);
		run_to_block(15);
		assert_ok!(FileBank::delete_file(RuntimeOrigin::signed(USER), fid(1)));
		System::assert_has_event(
			Event::<Test>::DepositForfeited { file: fid(1), owner: USER, amount: DEPOSIT }.into(),
		);
		assert_eq!(free(USER), INITIAL - CESS - DEPOSIT);
		assert_eq!(free(POOL), 1 + CESS + DEPOSIT);
		// A stored file's deletion costs nothing more: its deposit came back at `FileStored`.
		declare(USER, 2, 1, 1);
		confirm(2, 0, 0);
		assert_ok!(FileBank::delete_file(RuntimeOrigin::signed(USER), fid(2)));
		assert_eq!(free(USER), INITIAL - CESS - DEPOSIT);
		assert_eq!(free(POOL), 1 + CESS + DEPOSIT);
	});
}

#[test]
fn declaring_without_the_deposit_fails() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		assert_ok!(FileBank::buy_space(RuntimeOrigin::signed(USER), 1, 10));
		// 1 short of the deposit above the existential deposit.
		assert_eq!(<Balances as Mutate<_>>::set_balance(&USER, DEPOSIT), DEPOSIT);
		assert_noop!(
			FileBank::declare_file(RuntimeOrigin::signed(USER), FRAGMENT, roots(1, 1), 1),
			Error::<Test>::InsufficientDeposit
		);
	});
}
