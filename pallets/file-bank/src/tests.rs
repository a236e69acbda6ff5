//! Unit tests. Prices: 0.1 CESS per GiB per day, 10-block days; amounts are worked by hand
//! next to each assertion. Every test ends with both pallets' `try_state` invariants, and
//! `run_to_block` checks them after every block.

use crate::{
	mock::*, Error, Event, FileState, Files, FragmentRef, LeaseExpiries, Leases,
	MinerFragmentCount, MinerFragments, MinerPending, Slot, SlotStatus, Slots, SpacePrice, Tasks,
	UserFiles,
};
use cess_traits::{
	MinerInspect, MinerMutate, MinerState, ServiceFragmentsInspect, ServiceFragmentsMutate,
};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect, BoundedVec};
use sp_core::H256;
use sp_runtime::DispatchError;

thread_local! {
	static FIDS: core::cell::RefCell<std::collections::BTreeMap<u8, H256>> = Default::default();
}

/// Hash of test file `n` (the file whose first root is `roots(n, _)[0]`): the chain computes
/// it at declaration (`file_hash(owner, size, roots)`); remembered once seen, so it is known
/// after the file is gone. `H256([n; 32])` for a file never declared.
pub(crate) fn fid(n: u8) -> H256 {
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
pub(crate) fn place(n: u8) {
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

pub(crate) fn roots(file: u8, n: u32) -> BoundedVec<[u8; 32], frame_support::traits::ConstU32<12>> {
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

pub(crate) fn buy(who: AccountId, gib: u32, days: u32) {
	assert_ok!(FileBank::buy_space(RuntimeOrigin::signed(who), gib, days));
}

/// Declares file `n` of `fragments` fragments (the last one half full) with `redundancy`.
fn declare(who: AccountId, n: u8, fragments: u32, redundancy: u8) {
	assert_ok!(FileBank::declare_file(
		RuntimeOrigin::signed(who),
		u64::from(fragments) * FRAGMENT - FRAGMENT / 2,
		roots(n, fragments),
		redundancy
	));
	place(n);
}

fn slot(n: u8, fragment: u32, replica: u8) -> Slot<AccountId, u64> {
	Slots::<Test>::get(fid(n), (fragment, replica)).unwrap()
}

fn assigned(n: u8, fragment: u32, replica: u8) -> AccountId {
	slot(n, fragment, replica).miner.unwrap()
}

fn confirm(n: u8, fragment: u32, replica: u8) {
	let m = assigned(n, fragment, replica);
	assert_ok!(FileBank::confirm_fragment(RuntimeOrigin::signed(m), fid(n), fragment, replica));
}

fn confirm_all(n: u8) {
	let info = Files::<Test>::get(fid(n)).unwrap();
	for f in 0..info.fragments {
		for r in 0..info.redundancy {
			confirm(n, f, r);
		}
	}
	assert_eq!(Files::<Test>::get(fid(n)).unwrap().state, FileState::Stored);
}

/// The audit's checkpoint of miner `m` (after its proof or settled miss): its released
/// fragments leave its list.
pub(crate) fn checkpoint(m: AccountId) -> u32 {
	<FileBank as ServiceFragmentsMutate<_>>::apply_removals(&m, u32::MAX)
}

fn service(m: AccountId) -> u64 {
	<StorageMiner as MinerInspect<_>>::spaces(&m).unwrap().service
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|e| match e.event {
			RuntimeEvent::FileBank(e) => Some(e),
			_ => None,
		})
		.collect()
}

// ---------------------------------------------------------------- price and leases

#[test]
fn price_is_set_by_root_only() {
	build_and_execute(|| {
		assert_eq!(SpacePrice::<Test>::get(), PRICE);
		assert_noop!(FileBank::set_price(RuntimeOrigin::signed(USER), 1), DispatchError::BadOrigin);
		assert_ok!(FileBank::set_price(RuntimeOrigin::root(), 7 * CESS));
		assert_eq!(SpacePrice::<Test>::get(), 7 * CESS);
		System::assert_last_event(Event::<Test>::PriceSet { price: 7 * CESS }.into());
	});
}

#[test]
fn buy_space_pays_the_reward_pool() {
	build_and_execute(|| {
		// 10 GiB × 3 days × 0.1 CESS = 3 CESS; ends at 1 + 3 × 10 = 31.
		buy(USER, 10, 3);
		assert_eq!(Balances::balance(&POOL), 1 + 3 * CESS);
		assert_eq!(Balances::balance(&USER), INITIAL - 3 * CESS);
		let lease = Leases::<Test>::get(USER).unwrap();
		assert_eq!((lease.space_gib, lease.used, lease.expires_at), (10, 0, 31));
		assert!(LeaseExpiries::<Test>::get(31).contains(&USER));
		System::assert_last_event(
			Event::<Test>::SpaceBought {
				who: USER,
				gib: 10,
				days: 3,
				expires_at: 31,
				paid: 3 * CESS,
			}
			.into(),
		);
	});
}

#[test]
fn buy_space_errors_change_nothing() {
	build_and_execute(|| {
		let o = RuntimeOrigin::signed;
		assert_noop!(FileBank::buy_space(o(USER), 0, 1), Error::<Test>::ZeroSpace);
		assert_noop!(FileBank::buy_space(o(USER), 1, 0), Error::<Test>::ZeroDays);
		// 1 000 000 GiB × 10 days × 0.1 = 1 000 000 CESS > 100 000 CESS.
		assert_noop!(
			FileBank::buy_space(o(USER), 1_000_000, 10),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(FileBank::set_price(RuntimeOrigin::root(), u128::MAX / 2));
		assert_noop!(FileBank::buy_space(o(USER), 10, 10), Error::<Test>::Overflow);
		assert_ok!(FileBank::set_price(RuntimeOrigin::root(), PRICE));
		buy(USER, 1, 1);
		assert_noop!(FileBank::buy_space(o(USER), 1, 1), Error::<Test>::LeaseExists);
	});
}

#[test]
fn a_full_expiry_block_moves_the_lease_end_to_the_next_block() {
	build_and_execute(|| {
		// Two expiries per block: the third lease ending at 11 ends at 12.
		for who in [20, 21, 22] {
			buy(who, 1, 1);
		}
		assert_eq!(LeaseExpiries::<Test>::get(11).into_inner(), vec![20, 21]);
		assert_eq!(LeaseExpiries::<Test>::get(12).into_inner(), vec![22]);
		assert_eq!(Leases::<Test>::get(22).unwrap().expires_at, 12);
		// 16 blocks of room (11..=26): 32 leases fit, the 33rd does not.
		for who in 23..=40 {
			buy(who, 1, 1);
		}
		for who in 12..=19 {
			buy(who, 1, 1);
		}
		for who in [1, 2, 3] {
			buy(who, 1, 1);
		}
		assert_eq!(LeaseExpiries::<Test>::get(26).len(), 2);
		assert_noop!(
			FileBank::buy_space(RuntimeOrigin::signed(6), 1, 1),
			Error::<Test>::ExpiryQueueFull
		);
	});
}

#[test]
fn expand_space_pays_for_the_days_left() {
	build_and_execute(|| {
		buy(USER, 10, 3); // ends at 31
		System::set_block_number(12);
		// 19 blocks left → 2 started days; 5 GiB × 2 × 0.1 = 1 CESS.
		assert_ok!(FileBank::expand_space(RuntimeOrigin::signed(USER), 5));
		assert_eq!(Leases::<Test>::get(USER).unwrap().space_gib, 15);
		assert_eq!(Balances::balance(&POOL), 1 + 3 * CESS + CESS);
		System::assert_last_event(
			Event::<Test>::SpaceExpanded { who: USER, added_gib: 5, space_gib: 15, paid: CESS }
				.into(),
		);
		assert_noop!(
			FileBank::expand_space(RuntimeOrigin::signed(USER), 0),
			Error::<Test>::ZeroSpace
		);
		assert_noop!(
			FileBank::expand_space(RuntimeOrigin::signed(USER2), 1),
			Error::<Test>::NoLease
		);
		assert_noop!(
			FileBank::expand_space(RuntimeOrigin::signed(USER), u32::MAX),
			Error::<Test>::Overflow
		);
	});
}

#[test]
fn renew_space_moves_the_end() {
	build_and_execute(|| {
		buy(USER, 15, 3); // ends at 31
					// 15 GiB × 2 days × 0.1 = 3 CESS; ends at 31 + 20 = 51.
		assert_ok!(FileBank::renew_space(RuntimeOrigin::signed(USER), 2));
		assert_eq!(Leases::<Test>::get(USER).unwrap().expires_at, 51);
		assert!(!LeaseExpiries::<Test>::contains_key(31));
		assert!(LeaseExpiries::<Test>::get(51).contains(&USER));
		assert_eq!(Balances::balance(&POOL), 1 + 45 * CESS / 10 + 3 * CESS);
		System::assert_last_event(
			Event::<Test>::SpaceRenewed { who: USER, days: 2, expires_at: 51, paid: 3 * CESS }
				.into(),
		);
		assert_noop!(
			FileBank::renew_space(RuntimeOrigin::signed(USER), 0),
			Error::<Test>::ZeroDays
		);
		assert_noop!(
			FileBank::renew_space(RuntimeOrigin::signed(USER2), 1),
			Error::<Test>::NoLease
		);
	});
}

// ---------------------------------------------------------------- declaring files

#[test]
fn declare_assigns_replicas_to_distinct_positive_miners() {
	build_and_execute(|| {
		miner(M1, 1, 64);
		miner(M2, 1, 64);
		miner(M3, 1, 64);
		// M4 is registered but never committed space: not Positive, never assigned.
		let endpoint: BoundedVec<u8, _> = BoundedVec::try_from(b"x".to_vec()).unwrap();
		assert_ok!(StorageMiner::register(
			RuntimeOrigin::signed(M4),
			M4,
			endpoint,
			1,
			2_000 * CESS
		));
		buy(USER, 1, 10);
		declare(USER, 1, 4, 3);
		for f in 0..4 {
			let mut ms: Vec<_> = (0..3).map(|r| assigned(1, f, r)).collect();
			ms.sort();
			assert_eq!(ms, vec![M1, M2, M3], "the 3 replicas of a fragment on 3 miners");
			for r in 0..3 {
				assert_eq!(
					slot(1, f, r).status,
					SlotStatus::Pending {
						deadline: 1 + TIMEOUT,
						seq: u64::from(f * 3 + u32::from(r)),
						reassigned: 0,
					}
				);
			}
		}
		assert_eq!(MinerPending::<Test>::get(M1), 4);
		assert_eq!(MinerPending::<Test>::get(M4), 0);
		// 4 fragments × 8 MiB × 3 = 96 MiB of the lease.
		let info = Files::<Test>::get(fid(1)).unwrap();
		assert_eq!(info.stored_space, 96 << 20);
		assert_eq!(info.size, 4 * FRAGMENT - FRAGMENT / 2);
		assert_eq!(info.state, FileState::Pending);
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, 96 << 20);
		assert_eq!(UserFiles::<Test>::get(USER).into_inner(), vec![fid(1)]);
		System::assert_has_event(
			Event::<Test>::FileDeclared {
				file: fid(1),
				owner: USER,
				size: 4 * FRAGMENT - FRAGMENT / 2,
				fragments: 4,
				redundancy: 3,
				coding: crate::Coding::REPLICATED,
				place_at: 1 + PLACEMENT_DELAY,
			}
			.into(),
		);
		let assigned_events =
			events().iter().filter(|e| matches!(e, Event::FragmentAssigned { .. })).count();
		assert_eq!(assigned_events, 12);
	});
}

#[test]
fn declare_errors_change_nothing() {
	build_and_execute(|| {
		let o = RuntimeOrigin::signed;
		let size = 2 * FRAGMENT;
		assert_noop!(FileBank::declare_file(o(USER), size, roots(1, 2), 1), Error::<Test>::NoLease);
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		buy(USER, 1, 1);
		assert_noop!(FileBank::declare_file(o(USER), 0, roots(1, 0), 1), Error::<Test>::EmptyFile);
		// 16 MiB needs 2 roots; 16 MiB + 1 byte would need 3.
		assert_noop!(
			FileBank::declare_file(o(USER), size + 1, roots(1, 2), 1),
			Error::<Test>::FragmentCountMismatch
		);
		assert_noop!(
			FileBank::declare_file(o(USER), size, roots(1, 1), 1),
			Error::<Test>::FragmentCountMismatch
		);
		assert_noop!(
			FileBank::declare_file(o(USER), size, roots(1, 2), 0),
			Error::<Test>::BadRedundancy
		);
		assert_noop!(
			FileBank::declare_file(o(USER), size, roots(1, 2), 4),
			Error::<Test>::BadRedundancy
		);
		// Two miners cannot hold three distinct replicas: nothing is assigned.
		assert_noop!(
			FileBank::declare_file(o(USER), size, roots(1, 2), 3),
			Error::<Test>::NotEnoughMiners
		);
		assert_ok!(FileBank::declare_file(o(USER), size, roots(1, 2), 2));
		assert_noop!(
			FileBank::declare_file(o(USER), size, roots(1, 2), 1),
			Error::<Test>::FileExists
		);
		// MaxFilesPerUser = 8: seven more one-fragment files, then the ninth fails.
		for n in 2..=8u8 {
			assert_ok!(FileBank::declare_file(o(USER), 1, roots(n, 1), 1));
		}
		assert_noop!(
			FileBank::declare_file(o(USER), 1, roots(9, 1), 1),
			Error::<Test>::TooManyFiles
		);
		// After the lease ends (block 11) nothing can be declared.
		run_to_block(11);
		assert_noop!(
			FileBank::declare_file(o(USER), 1, roots(9, 1), 1),
			Error::<Test>::LeaseExpired
		);
	});
}

#[test]
fn declare_beyond_lease_space_fails() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		miner(M3, 1, 1);
		buy(USER, 1, 1);
		// 8 fragments × 8 MiB × 3 replicas = 192 MiB per file; 5 files = 960 MiB of 1 024.
		for n in 1..=5u8 {
			assert_ok!(FileBank::declare_file(
				RuntimeOrigin::signed(USER),
				8 * FRAGMENT,
				roots(n, 8),
				3
			));
		}
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, 960 << 20);
		// A 6th would need 1 152 MiB.
		assert_noop!(
			FileBank::declare_file(RuntimeOrigin::signed(USER), 8 * FRAGMENT, roots(6, 8), 3),
			Error::<Test>::InsufficientLeaseSpace
		);
		// 64 MiB are left: 2 fragments × 3 replicas = 48 MiB fit, 3 × 3 = 72 do not.
		assert_noop!(
			FileBank::declare_file(RuntimeOrigin::signed(USER), 3 * FRAGMENT, roots(6, 3), 3),
			Error::<Test>::InsufficientLeaseSpace
		);
		assert_ok!(FileBank::declare_file(
			RuntimeOrigin::signed(USER),
			2 * FRAGMENT,
			roots(6, 2),
			3
		));
		// Deleting frees the lease space at once.
		assert_ok!(FileBank::delete_file(RuntimeOrigin::signed(USER), fid(1)));
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, (960 - 192 + 48) << 20);
	});
}

// ---------------------------------------------------------------- confirmation

#[test]
fn confirmation_turns_a_fragment_into_service_space() {
	build_and_execute(|| {
		miner(M1, 1, 64);
		miner(M2, 1, 64);
		buy(USER, 1, 10);
		declare(USER, 1, 2, 2);
		let m = assigned(1, 1, 0);
		confirm(1, 1, 0);
		// Credited by its data (4 MiB), not the 8 MiB fragment size.
		assert_eq!(service(m), FRAGMENT / 2);
		assert_eq!(MinerFragmentCount::<Test>::get(m), 1);
		assert_eq!(
			MinerFragments::<Test>::get(m, 0),
			// A 12 MiB file: its last fragment holds 4 MiB of data, the rest is padding.
			Some(FragmentRef {
				file: fid(1),
				fragment: 1,
				replica: 0,
				root: roots(1, 2)[1],
				data_len: (FRAGMENT / 2) as u32,
			})
		);
		assert_eq!(slot(1, 1, 0).status, SlotStatus::Confirmed { index: 0 });
		assert_eq!(MinerPending::<Test>::get(m), 1);
		System::assert_last_event(
			Event::<Test>::FragmentConfirmed {
				file: fid(1),
				fragment: 1,
				replica: 0,
				miner: m,
				index: 0,
			}
			.into(),
		);
		// The audit's view.
		assert_eq!(<FileBank as ServiceFragmentsInspect<_>>::fragment_count(&m), 1);
		assert_eq!(
			<FileBank as ServiceFragmentsInspect<_>>::fragment_root(&m, 0),
			Some(roots(1, 2)[1])
		);
		assert_eq!(<FileBank as ServiceFragmentsInspect<_>>::fragment_root(&m, 1), None);
		confirm(1, 0, 0);
		confirm(1, 0, 1);
		confirm(1, 1, 1);
		assert_eq!(Files::<Test>::get(fid(1)).unwrap().state, FileState::Stored);
		System::assert_has_event(Event::<Test>::FileStored { file: fid(1) }.into());
		// Two replicas of 8 MiB + 4 MiB.
		assert_eq!(service(M1) + service(M2), 3 * FRAGMENT);
	});
}

#[test]
fn confirm_errors_change_nothing() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		buy(USER, 1, 10);
		let o = RuntimeOrigin::signed;
		assert_noop!(FileBank::confirm_fragment(o(M1), fid(1), 0, 0), Error::<Test>::FileNotFound);
		declare(USER, 1, 1, 1);
		let m = assigned(1, 0, 0);
		let other = if m == M1 { M2 } else { M1 };
		assert_noop!(FileBank::confirm_fragment(o(m), fid(1), 1, 0), Error::<Test>::SlotNotFound);
		assert_noop!(FileBank::confirm_fragment(o(m), fid(1), 0, 1), Error::<Test>::SlotNotFound);
		// A foreign miner cannot confirm.
		assert_noop!(
			FileBank::confirm_fragment(o(other), fid(1), 0, 0),
			Error::<Test>::NotAssignedToCaller
		);
		assert_noop!(
			FileBank::confirm_fragment(o(USER), fid(1), 0, 0),
			Error::<Test>::NotAssignedToCaller
		);
		confirm(1, 0, 0);
		// Double confirmation.
		assert_noop!(
			FileBank::confirm_fragment(o(m), fid(1), 0, 0),
			Error::<Test>::AlreadyConfirmed
		);
		// A deleting file.
		declare(USER, 2, 1, 1);
		let m2 = assigned(2, 0, 0);
		assert_ok!(FileBank::delete_file(o(USER), fid(2)));
		assert_noop!(
			FileBank::confirm_fragment(o(m2), fid(2), 0, 0),
			Error::<Test>::FileBeingDeleted
		);
	});
}

#[test]
fn a_frozen_miner_cannot_accept_fragments() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 1, 1);
		assert_eq!(assigned(1, 0, 0), M1);
		// 1 CESS slashed: 1 999 < 2 000 → Frozen.
		<StorageMiner as MinerMutate<_>>::punish(&M1, CESS).unwrap();
		assert_noop!(
			FileBank::confirm_fragment(RuntimeOrigin::signed(M1), fid(1), 0, 0),
			Error::<Test>::MinerFrozen
		);
		// ...and is not assigned new fragments.
		assert_noop!(
			FileBank::declare_file(RuntimeOrigin::signed(USER), 1, roots(2, 1), 1),
			Error::<Test>::NotEnoughMiners
		);
		assert_ok!(StorageMiner::increase_collateral(RuntimeOrigin::signed(M1), CESS));
		confirm(1, 0, 0);
	});
}

#[test]
fn idle_fillers_must_be_released_before_confirming() {
	build_and_execute(|| {
		// 1 TiB declared, filled with 131 072 fillers of 8 MiB: idle space may give way.
		miner(M1, 1, 131_072);
		buy(USER, 1, 10);
		declare(USER, 1, 1, 1);
		assert_eq!(assigned(1, 0, 0), M1);
		assert_noop!(
			FileBank::confirm_fragment(RuntimeOrigin::signed(M1), fid(1), 0, 0),
			Error::<Test>::ReleaseFillersFirst
		);
		assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(M1), [9u8; 32], 131_071));
		confirm(1, 0, 0);
		// The file is 4 MiB (half a fragment): credited 4 MiB, so 4 MiB of the declared TiB
		// stay free.
		let spaces = <StorageMiner as MinerInspect<_>>::spaces(&M1).unwrap();
		assert_eq!(spaces.service, FRAGMENT / 2);
		assert_eq!(spaces.idle + spaces.service, spaces.declared - FRAGMENT / 2);
	});
}

#[test]
fn exiting_or_unregistered_miners_cannot_confirm() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 1, 1);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(M1)));
		assert_noop!(
			FileBank::confirm_fragment(RuntimeOrigin::signed(M1), fid(1), 0, 0),
			Error::<Test>::MinerNotPositive
		);
		// A slot naming an account that is no miner (e.g. withdrew meanwhile).
		Slots::<Test>::mutate(fid(1), (0, 0), |s| s.as_mut().unwrap().miner = Some(20));
		crate::MinerPending::<Test>::remove(M1);
		crate::MinerPending::<Test>::insert(20, 1);
		assert_noop!(
			FileBank::confirm_fragment(RuntimeOrigin::signed(20), fid(1), 0, 0),
			Error::<Test>::MinerNotRegistered
		);
	});
}

#[test]
fn a_full_miner_is_not_eligible_and_cannot_confirm_more() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 1, 1);
		// Pretend M1 already holds MaxFragmentsPerMiner − 1 fragments (count + pending = max).
		MinerFragmentCount::<Test>::insert(M1, MAX_PER_MINER - 1);
		assert!(!FileBank::can_take_fragment(&M1));
		MinerFragmentCount::<Test>::insert(M1, MAX_PER_MINER);
		assert_noop!(
			FileBank::confirm_fragment(RuntimeOrigin::signed(M1), fid(1), 0, 0),
			Error::<Test>::MinerFragmentsFull
		);
		MinerFragmentCount::<Test>::remove(M1);
	});
}

// ---------------------------------------------------------------- deadlines

#[test]
fn unconfirmed_assignments_go_to_another_miner() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 1, 1);
		let first = assigned(1, 0, 0);
		let second = if first == M1 { M2 } else { M1 };
		run_to_block(TIMEOUT); // deadline 6 not reached
		assert_eq!(assigned(1, 0, 0), first);
		run_to_block(1 + TIMEOUT);
		assert_eq!(assigned(1, 0, 0), second);
		assert_eq!(
			slot(1, 0, 0).status,
			SlotStatus::Pending { deadline: 1 + 2 * TIMEOUT, seq: 1, reassigned: 1 }
		);
		assert_eq!(MinerPending::<Test>::get(first), 0);
		assert_eq!(MinerPending::<Test>::get(second), 1);
		System::assert_has_event(
			Event::<Test>::FragmentReassigned {
				file: fid(1),
				fragment: 0,
				replica: 0,
				from: Some(first),
				to: Some(second),
			}
			.into(),
		);
		assert_noop!(
			FileBank::confirm_fragment(RuntimeOrigin::signed(first), fid(1), 0, 0),
			Error::<Test>::NotAssignedToCaller
		);
		confirm(1, 0, 0);
		// The confirmed slot's queue entry is dropped when reached, nothing moves.
		run_to_block(1 + 3 * TIMEOUT);
		assert_eq!(assigned(1, 0, 0), second);
		assert_eq!(crate::PendingHead::<Test>::get(), 2);
	});
}

#[test]
fn a_late_confirmation_before_the_hook_moves_it_is_accepted() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 1, 1);
		System::set_block_number(50);
		confirm(1, 0, 0);
	});
}

#[test]
fn replicas_waiting_for_a_miner_are_retried() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 1, 1);
		run_to_block(1 + TIMEOUT);
		// Only M1 exists and it timed out: nobody now.
		assert_eq!(slot(1, 0, 0).miner, None);
		System::assert_has_event(
			Event::<Test>::FragmentReassigned {
				file: fid(1),
				fragment: 0,
				replica: 0,
				from: Some(M1),
				to: None,
			}
			.into(),
		);
		miner(M2, 1, 1);
		run_to_block(1 + 2 * TIMEOUT);
		// M1 is not excluded any more (the previous holder was nobody); either may get it.
		let m = assigned(1, 0, 0);
		assert!(m == M1 || m == M2);
		confirm(1, 0, 0);
	});
}

#[test]
fn reassignment_keeps_replicas_on_distinct_miners() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		miner(M3, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 1, 2);
		let (a, b) = (assigned(1, 0, 0), assigned(1, 0, 1));
		confirm(1, 0, 1);
		run_to_block(1 + TIMEOUT);
		// Replica 0 leaves `a`, cannot go to `b` (holds replica 1): only the third miner.
		let third = [M1, M2, M3].into_iter().find(|m| *m != a && *m != b).unwrap();
		assert_eq!(assigned(1, 0, 0), third);
	});
}

// ---------------------------------------------------------------- deletion

#[test]
fn a_tiny_file_is_credited_by_its_data_length() {
	// Attack: 1-byte files confirmed as 8 MiB of service space each would earn 95 % × 8 MiB
	// of power (19× the 5 % × 8 MiB the same space earns as idle) for one byte stored. Now a
	// fragment is credited its data rounded up to the 32-byte leaf: 1 B → 32 B, 33 B → 64 B.
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		for (n, size) in [(1u8, 1u64), (2, 33)] {
			assert_ok!(FileBank::declare_file(RuntimeOrigin::signed(USER), size, roots(n, 1), 1));
			place(n);
		}
		confirm(1, 0, 0);
		assert_eq!(service(M1), 32);
		confirm(2, 0, 0);
		assert_eq!(service(M1), 32 + 64);
		assert_eq!(MinerFragments::<Test>::get(M1, 1).unwrap().data_len, 33);
		// Released and removed at the checkpoint: the same 64 B are freed.
		assert_ok!(FileBank::delete_file(RuntimeOrigin::signed(USER), fid(2)));
		run_to_block(3);
		assert_eq!(service(M1), 96);
		assert_eq!(checkpoint(M1), 1);
		assert_eq!(service(M1), 32);
	});
}

#[test]
fn deleting_releases_slots_and_keeps_miner_lists_dense() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 2, 1); // A: M1 numbers 0, 1
		declare(USER, 2, 1, 1); // B: M1 number 2
		confirm_all(1);
		confirm_all(2);
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 3);
		// 8 + 4 + 4 MiB of data.
		assert_eq!(service(M1), 2 * FRAGMENT);

		let o = RuntimeOrigin::signed;
		assert_noop!(FileBank::delete_file(o(USER2), fid(1)), Error::<Test>::NotFileOwner);
		assert_noop!(FileBank::delete_file(o(USER), fid(9)), Error::<Test>::FileNotFound);
		assert_ok!(FileBank::delete_file(o(USER), fid(1)));
		assert_noop!(FileBank::delete_file(o(USER), fid(1)), Error::<Test>::FileBeingDeleted);
		// Lease space is free at once: only B (8 MiB) counts.
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, FRAGMENT);
		assert_eq!(UserFiles::<Test>::get(USER).into_inner(), vec![fid(2)]);
		assert_eq!(Files::<Test>::get(fid(1)).unwrap().state, FileState::Deleting);
		System::assert_last_event(
			Event::<Test>::FileDeletionStarted { file: fid(1), owner: USER }.into(),
		);
		// Block 2: the 3 confirmed slots' deadline entries are dropped (3 steps) and slot
		// (0, 0) is released; block 3: slot (1, 0) and the removal of the file.
		run_to_block(3);
		assert!(Files::<Test>::get(fid(1)).is_none());
		System::assert_has_event(Event::<Test>::FileDeleted { file: fid(1) }.into());
		// A's fragments are released but keep their numbers (and space) until M1's next audit
		// checkpoint, so a proof M1 built before the deletion still matches.
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 3);
		assert_eq!(MinerFragments::<Test>::get(M1, 2).unwrap().file, fid(2));
		assert_eq!(service(M1), 2 * FRAGMENT);
		System::assert_has_event(Event::<Test>::FragmentReleased { miner: M1, index: 0 }.into());
		assert_eq!(checkpoint(M1), 2);
		System::assert_has_event(Event::<Test>::FragmentsRemoved { miner: M1, count: 2 }.into());
		// Then: number 1 first (B moves 2 → 1), then number 0 (B moves 1 → 0).
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 1);
		assert_eq!(MinerFragments::<Test>::get(M1, 0).unwrap().file, fid(2));
		assert_eq!(slot(2, 0, 0).status, SlotStatus::Confirmed { index: 0 });
		assert_eq!(service(M1), FRAGMENT / 2);
		assert_eq!(checkpoint(M1), 0);
	});
}

#[test]
fn deleting_a_pending_file_releases_reservations() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 2, 1);
		assert_eq!(MinerPending::<Test>::get(M1), 2);
		assert_ok!(FileBank::delete_file(RuntimeOrigin::signed(USER), fid(1)));
		run_to_block(2);
		assert_eq!(MinerPending::<Test>::get(M1), 0);
		assert!(Files::<Test>::get(fid(1)).is_none());
		// The queue entries of the deleted slots are dropped when reached.
		run_to_block(1 + TIMEOUT);
		assert_eq!(crate::PendingHead::<Test>::get(), crate::PendingTail::<Test>::get());
	});
}

#[test]
fn background_work_is_bounded_per_block() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		miner(M3, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 8, 3); // 24 slots
		confirm_all(1);
		// The 24 deadline entries of the confirmed slots are dropped, 4 per block: 2..=7.
		run_to_block(6);
		assert_eq!(crate::PendingHead::<Test>::get(), 20);
		run_to_block(7);
		assert_eq!(crate::PendingHead::<Test>::get(), 24);
		assert_ok!(FileBank::delete_file(RuntimeOrigin::signed(USER), fid(1)));
		// 24 releases + 1 removal = 25 steps at 4 per block: blocks 8..=14.
		run_to_block(8);
		assert_eq!(Slots::<Test>::iter_prefix(fid(1)).count(), 20);
		run_to_block(13);
		assert_eq!(Slots::<Test>::iter_prefix(fid(1)).count(), 0);
		assert!(Files::<Test>::get(fid(1)).is_some(), "25th step not run yet");
		run_to_block(14);
		assert!(Files::<Test>::get(fid(1)).is_none());
		for m in [M1, M2, M3] {
			checkpoint(m);
		}
		assert_eq!(service(M1) + service(M2) + service(M3), 0);
	});
}

#[test]
fn never_uploaded_slots_do_not_starve_deletions() {
	// Attack: declare files and never upload them. Every slot times out every `TIMEOUT` = 5
	// blocks and is reassigned (re-queued 5 blocks later): 8 files × 8 fragments × 2 replicas
	// = 128 slots are 128 / 5 = 25.6 due deadlines per block against a budget of 4, so the
	// deadline queue's head is always due. Old rule (one shared budget, deadlines first): no
	// task ever ran again — deletions, evacuations and lease expiries stopped. Now tasks have
	// their own budget of 4 steps per block: a deletion (1 slot release + the file's removal =
	// 2 steps) finishes in the next block while the backlog persists.
	build_and_execute(|| {
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		miner(M3, 1, 1);
		buy(USER, 2, 10);
		for n in 1..=8 {
			declare(USER, n, 8, 2);
		}
		buy(USER2, 1, 10);
		declare(USER2, 20, 1, 1);
		confirm_all(20);
		// Well past the first timeouts (block 6): the backlog is permanent.
		run_to_block(20);
		let backlog = crate::PendingTail::<Test>::get() - crate::PendingHead::<Test>::get();
		assert!(backlog > 100, "backlog {backlog}");
		assert_ok!(FileBank::delete_file(RuntimeOrigin::signed(USER2), fid(20)));
		run_to_block(21);
		assert!(Files::<Test>::get(fid(20)).is_none());
		System::assert_has_event(Event::<Test>::FileDeleted { file: fid(20) }.into());
		// The deadline queue still works at its own pace: 4 per block.
		let head = crate::PendingHead::<Test>::get();
		run_to_block(22);
		assert_eq!(crate::PendingHead::<Test>::get(), head + 4);
	});
}

// ---------------------------------------------------------------- lease expiry

#[test]
fn an_expired_lease_deletes_its_files() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		buy(USER, 1, 1); // ends at 11
		declare(USER, 1, 2, 2);
		for n in 2..=5 {
			declare(USER, n, 1, 1);
		}
		for n in 1..=5 {
			confirm_all(n);
		}
		// File 1: 2 × (8 + 4) MiB; files 2–5: 4 MiB each = 40 MiB.
		assert_eq!(service(M1) + service(M2), 5 * FRAGMENT);
		run_to_block(10);
		assert!(!Leases::<Test>::get(USER).unwrap().expiring);
		// Block 11: the lease ends; 4 steps start the deletion of 4 of its 5 files.
		run_to_block(11);
		System::assert_has_event(Event::<Test>::LeaseExpired { who: USER }.into());
		assert!(Leases::<Test>::get(USER).unwrap().expiring);
		assert_eq!(UserFiles::<Test>::get(USER).len(), 1);
		assert_noop!(
			FileBank::buy_space(RuntimeOrigin::signed(USER), 1, 1),
			Error::<Test>::LeaseExists
		);
		assert_noop!(
			FileBank::renew_space(RuntimeOrigin::signed(USER), 1),
			Error::<Test>::LeaseExpired
		);
		assert_noop!(
			FileBank::declare_file(RuntimeOrigin::signed(USER), 1, roots(9, 1), 1),
			Error::<Test>::LeaseExpired
		);
		// Block 12: the last file, then the lease goes; the slot releases follow.
		run_to_block(12);
		assert!(Leases::<Test>::get(USER).is_none());
		System::assert_has_event(Event::<Test>::LeaseRemoved { who: USER }.into());
		// 5 files: 8 slot releases + 5 removals = 13 steps, 2 of them in block 12.
		run_to_block(15);
		assert_eq!(Files::<Test>::iter().count(), 0);
		checkpoint(M1);
		checkpoint(M2);
		assert_eq!(service(M1) + service(M2), 0);
		assert_eq!(Tasks::<Test>::iter().count(), 0);
		// A new lease can be bought.
		buy(USER, 1, 1);
	});
}

#[test]
fn a_renewed_lease_does_not_expire_at_its_old_end() {
	build_and_execute(|| {
		buy(USER, 1, 1); // ends at 11
		assert_ok!(FileBank::renew_space(RuntimeOrigin::signed(USER), 1));
		run_to_block(11);
		assert!(!Leases::<Test>::get(USER).unwrap().expiring);
		run_to_block(21);
		assert!(Leases::<Test>::get(USER).is_none(), "no files: removed in the same block");
	});
}

// ---------------------------------------------------------------- leaving miners

#[test]
fn an_exiting_miners_fragments_move_to_other_miners() {
	// Issue 15 changed this on purpose: a moved replica stays on the leaving miner (listed,
	// challengeable, its space held but earning no power) until the new holder confirms; only
	// then is M1's copy released, and only then can M1 withdraw.
	build_and_execute(|| {
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		miner(M3, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 3, 2);
		confirm_all(1);
		let on_m1 = MinerFragmentCount::<Test>::get(M1);
		assert!(on_m1 > 0);
		let held = service(M1);
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(M1)));
		// on_m1 moves + 1 finishing step.
		run_to_block(3);
		System::assert_has_event(Event::<Test>::MinerEvacuated { miner: M1 }.into());
		// Moving, not released: nothing for a checkpoint to remove, the space still held and
		// all of it reported as earning no power.
		assert_eq!(MinerFragmentCount::<Test>::get(M1), on_m1);
		assert_eq!(crate::ReleasedCount::<Test>::get(M1), 0);
		assert_eq!(checkpoint(M1), 0);
		assert_eq!(service(M1), held);
		assert_eq!(crate::MigratingSpace::<Test>::get(M1), held);
		assert_eq!(<FileBank as ServiceFragmentsInspect<_>>::released_space(&M1), held);
		assert_eq!(crate::Migrations::<Test>::iter().count() as u32, on_m1);
		assert_eq!(Files::<Test>::get(fid(1)).unwrap().state, FileState::Pending);
		// The moved replicas went to the miner not holding the other replica, and the
		// two replicas of every fragment are still on distinct miners.
		for f in 0..3 {
			let (a, b) = (assigned(1, f, 0), assigned(1, f, 1));
			assert_ne!(a, b);
			assert_ne!(a, M1);
			assert_ne!(b, M1);
		}
		// (A new holder that never confirms: tests_migrate.rs.)
		let mut moved = 0;
		for f in 0..3 {
			for r in 0..2 {
				if matches!(slot(1, f, r).status, SlotStatus::Pending { .. }) {
					let to = assigned(1, f, r);
					confirm(1, f, r);
					moved += 1;
					System::assert_has_event(
						Event::<Test>::ReplicaMigrated {
							file: fid(1),
							fragment: f,
							replica: r,
							from: M1,
							to,
						}
						.into(),
					);
					// Released on confirmation, removed at M1's next checkpoint.
					assert_eq!(crate::ReleasedCount::<Test>::get(M1), moved);
				}
			}
		}
		assert_eq!(moved, on_m1);
		assert_eq!(crate::MigratingSpace::<Test>::get(M1), 0);
		assert_eq!(Files::<Test>::get(fid(1)).unwrap().state, FileState::Stored);
		assert_eq!(checkpoint(M1), on_m1);
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 0);
		assert_eq!(service(M1), 0);
		run_to_block(1 + COOLDOWN);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(M1)));
	});
}

#[test]
fn a_banned_miners_fragments_move_too() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 2, 1);
		confirm_all(1);
		let victim = assigned(1, 0, 0);
		let on_victim = MinerFragmentCount::<Test>::get(victim);
		assert_ok!(<StorageMiner as MinerMutate<_>>::ban(&victim));
		assert_eq!(<StorageMiner as MinerInspect<_>>::state(&victim), Some(MinerState::Banned));
		run_to_block(3);
		// Redundancy 1: the banned miner keeps the only copy until the new holder confirms.
		assert_eq!(MinerFragmentCount::<Test>::get(victim), on_victim);
		for f in 0..2 {
			assert_ne!(assigned(1, f, 0), victim);
		}
		for f in 0..2 {
			if matches!(slot(1, f, 0).status, SlotStatus::Pending { .. }) {
				confirm(1, f, 0);
			}
		}
		// Banned: not audited any more, so its released copies are removed at once.
		assert_eq!(MinerFragmentCount::<Test>::get(victim), 0);
		assert_eq!(service(victim), 0);
	});
}

#[test]
fn a_banned_miners_released_fragments_are_removed_by_its_evacuation() {
	// M1 released a fragment (file 1 deleted) and is banned before any audit checkpoint: it
	// will never be audited again, so its evacuation removes the released fragment first
	// (one step), then starts moving file 2's fragment to M2; M1's copy goes when M2 confirms.
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 1, 1);
		declare(USER, 2, 1, 1);
		confirm_all(1);
		confirm_all(2);
		assert_ok!(FileBank::delete_file(RuntimeOrigin::signed(USER), fid(1)));
		run_to_block(3);
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 2);
		assert_eq!(crate::ReleasedCount::<Test>::get(M1), 1);
		miner(M2, 1, 1);
		assert_ok!(<StorageMiner as MinerMutate<_>>::ban(&M1));
		run_to_block(5);
		assert_eq!(crate::ReleasedCount::<Test>::get(M1), 0);
		// File 2's only copy (4 MiB of data) is still on M1.
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 1);
		assert_eq!(service(M1), FRAGMENT / 2);
		assert_eq!(assigned(2, 0, 0), M2);
		System::assert_has_event(Event::<Test>::MinerEvacuated { miner: M1 }.into());
		confirm(2, 0, 0);
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 0);
		assert_eq!(service(M1), 0);
	});
}

#[test]
fn a_stale_evacuation_never_moves_an_active_miners_fragments() {
	build_and_execute(|| {
		miner(M1, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 1, 1);
		confirm_all(1);
		// As if M1 had left, withdrawn and registered again before the task ran.
		<FileBank as cess_traits::OnMinerLeave<_>>::on_miner_leave(&M1);
		run_to_block(2);
		assert_eq!(Tasks::<Test>::iter().count(), 0);
		assert_eq!(MinerFragmentCount::<Test>::get(M1), 1);
		assert_eq!(slot(1, 0, 0).status, SlotStatus::Confirmed { index: 0 });
	});
}

// ---------------------------------------------------------------- runtime API

#[test]
fn file_placement_reports_every_replica() {
	build_and_execute(|| {
		assert_eq!(FileBank::file_placement(fid(1)), None);
		miner(M1, 1, 1);
		miner(M2, 1, 1);
		buy(USER, 1, 10);
		declare(USER, 1, 2, 2);
		confirm(1, 1, 1);
		let p = FileBank::file_placement(fid(1)).unwrap();
		assert_eq!((p.owner, p.redundancy, p.state), (USER, 2, FileState::Pending));
		assert_eq!(p.fragments.len(), 2);
		assert_eq!(p.fragments[1].root, roots(1, 2)[1]);
		let r = &p.fragments[1].replicas[1];
		assert!(r.confirmed);
		assert_eq!(r.miner_index, Some(0));
		assert_eq!(r.miner, Some(assigned(1, 1, 1)));
		let r = &p.fragments[0].replicas[0];
		assert!(!r.confirmed);
		assert_eq!(r.deadline, Some(1 + TIMEOUT));
		let m = assigned(1, 1, 1);
		assert_eq!(FileBank::miner_fragments(&m, 0, 10).len(), 1);
		assert_eq!(FileBank::miner_fragments(&m, 1, 10).len(), 0);
	});
}
