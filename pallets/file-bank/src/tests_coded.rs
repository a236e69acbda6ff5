//! Tests of erasure-coded files (issue 20): a file is a list of segments of `k × FragmentSize`
//! bytes, each coded into `k + m` fragments declared by their roots; all fragments of a
//! segment go to distinct miners (at placement and at every reassignment), the last segment's
//! fragments are credited with their shard length only, and placement runs a segment at a
//! time within the block budget.
//! Mock values: 8 MiB fragments, `PLACE_WORK` = 8 slots per block, `PLACEMENT_DELAY` = 3,
//! `TIMEOUT` = 5, `MaxSegmentWidth` = 6, `MaxFragmentsPerFile` = 12.

use crate::{
	mock::*, Coding, Error, Event, FileState, Files, FragmentRoots, Leases, MinerFragments, Slots,
};
use frame_support::{assert_noop, assert_ok, BoundedVec};
use sp_core::H256;

type Roots = BoundedVec<[u8; 32], frame_support::traits::ConstU32<12>>;

const RS42: Coding = Coding { data: 4, parity: 2 };
const MINERS: [AccountId; 7] = [1, 2, 3, 4, 5, 6, 7];

fn roots(tag: u8, n: u32) -> Roots {
	BoundedVec::try_from(
		(0..n)
			.map(|i| {
				let mut r = [tag; 32];
				r[0] = i as u8;
				r
			})
			.collect::<Vec<_>>(),
	)
	.unwrap()
}

fn setup(miners: &[AccountId]) {
	for m in miners {
		miner(*m, 1, 1);
	}
	assert_ok!(FileBank::buy_space(RuntimeOrigin::signed(USER), 1, 10));
}

fn declare(size: u64, roots: Roots, coding: Coding) -> H256 {
	let file = crate::file_hash(&USER, size, &roots);
	assert_ok!(FileBank::declare_coded_file(RuntimeOrigin::signed(USER), size, roots, coding));
	file
}

fn miner_of(file: H256, fragment: u32) -> AccountId {
	Slots::<Test>::get(file, (fragment, 0)).and_then(|s| s.miner).unwrap()
}

fn segment_miners(file: H256, segment: u32) -> Vec<AccountId> {
	let mut ms: Vec<AccountId> =
		(segment * 6..segment * 6 + 6).map(|f| miner_of(file, f)).collect();
	ms.sort();
	ms
}

fn distinct(mut ms: Vec<AccountId>) -> bool {
	let n = ms.len();
	ms.sort();
	ms.dedup();
	ms.len() == n
}

#[test]
fn a_coded_file_is_segments_of_distinct_miners_credited_by_shard_length() {
	build_and_execute(|| {
		setup(&MINERS);
		// 32 MiB + 1 000 bytes at 4 + 2: segment 0 is 32 MiB (four 8 MiB data fragments and
		// two parity), segment 1 holds 1 000 bytes: ceil(1000 / 4) = 250 → 256-byte fragments.
		let size = 32 * (1 << 20) + 1_000;
		let file = declare(size, roots(1, 12), RS42);
		System::assert_last_event(
			Event::<Test>::FileDeclared {
				file,
				owner: USER,
				size,
				fragments: 12,
				redundancy: 1,
				coding: RS42,
				place_at: 1 + PLACEMENT_DELAY,
			}
			.into(),
		);
		// Every fragment takes a full slot of the lease: 12 × 8 MiB = 96 MiB.
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, 12 * FRAGMENT);
		assert_eq!(FragmentRoots::<Test>::get(file, 11), Some(roots(1, 12)[11]));
		// Block 4: one segment (6 slots) fits the budget of 8, the second (6 more) does not.
		run_to_block(4);
		let info = Files::<Test>::get(file).unwrap();
		assert_eq!((info.state, info.placed), (FileState::Declared, 1));
		assert_eq!(Slots::<Test>::iter_prefix(file).count(), 6);
		assert!(distinct(segment_miners(file, 0)));
		// Block 5: the second segment, from block 5's seed; the file is placed.
		run_to_block(5);
		assert_eq!(Files::<Test>::get(file).unwrap().state, FileState::Pending);
		assert_eq!(Slots::<Test>::iter_prefix(file).count(), 12);
		assert!(distinct(segment_miners(file, 1)));
		System::assert_has_event(Event::<Test>::FilePlaced { file }.into());
		// Confirmations: full fragments are credited 8 MiB, the last segment's 256 bytes.
		for f in 0..12 {
			let m = miner_of(file, f);
			assert_ok!(FileBank::confirm_fragment(RuntimeOrigin::signed(m), file, f, 0));
		}
		assert_eq!(Files::<Test>::get(file).unwrap().state, FileState::Stored);
		let lens: Vec<(u32, u32)> = MINERS
			.iter()
			.flat_map(|m| {
				MinerFragments::<Test>::iter_prefix(*m).map(|(_, r)| (r.fragment, r.data_len))
			})
			.collect();
		assert_eq!(lens.len(), 12);
		for (fragment, len) in lens {
			assert_eq!(
				len,
				if fragment < 6 { FRAGMENT as u32 } else { 256 },
				"fragment {fragment}"
			);
		}
		// The runtime API reports the coding and every root.
		let p = FileBank::file_placement(file).unwrap();
		assert_eq!((p.coding, p.fragments.len()), (RS42, 12));
		assert_eq!(p.fragments[7].root, roots(1, 12)[7]);
	});
}

#[test]
fn bad_codings_and_counts_are_refused() {
	build_and_execute(|| {
		setup(&MINERS[..5]);
		let size = 1_000;
		// k = 0 codes nothing; 5 + 2 is wider than MaxSegmentWidth = 6.
		assert_noop!(
			FileBank::declare_coded_file(
				RuntimeOrigin::signed(USER),
				size,
				roots(1, 2),
				Coding { data: 0, parity: 2 }
			),
			Error::<Test>::BadCoding
		);
		assert_noop!(
			FileBank::declare_coded_file(
				RuntimeOrigin::signed(USER),
				size,
				roots(1, 7),
				Coding { data: 5, parity: 2 }
			),
			Error::<Test>::BadCoding
		);
		// 1 000 bytes at 4 + 2 are 1 segment = 6 roots, not 5 or 12.
		for n in [5, 12] {
			assert_noop!(
				FileBank::declare_coded_file(RuntimeOrigin::signed(USER), size, roots(1, n), RS42),
				Error::<Test>::FragmentCountMismatch
			);
		}
		// Five Positive miners cannot hold a segment of six distinct fragments.
		assert_noop!(
			FileBank::declare_coded_file(RuntimeOrigin::signed(USER), size, roots(1, 6), RS42),
			Error::<Test>::NotEnoughMiners
		);
		// 2 + 2 fits five miners.
		assert_ok!(FileBank::declare_coded_file(
			RuntimeOrigin::signed(USER),
			size,
			roots(1, 4),
			Coding { data: 2, parity: 2 }
		));
	});
}

#[test]
fn a_timed_out_fragment_moves_to_a_miner_outside_its_segment() {
	build_and_execute(|| {
		setup(&MINERS);
		let file = declare(1_000, roots(1, 6), RS42);
		run_to_block(4);
		let before = segment_miners(file, 0);
		let stale = miner_of(file, 0);
		// Everyone but the holder of fragment 0 confirms.
		for f in 1..6 {
			assert_ok!(FileBank::confirm_fragment(
				RuntimeOrigin::signed(miner_of(file, f)),
				file,
				f,
				0
			));
		}
		// Deadline 4 + TIMEOUT = 9: at block 10 fragment 0 is reassigned. Five of the seven
		// miners hold the segment's other fragments and the sixth timed out: the only miner it
		// may go to is the seventh.
		run_to_block(10);
		let outside: Vec<AccountId> =
			MINERS.iter().copied().filter(|m| !before.contains(m)).collect();
		assert_eq!(outside.len(), 1);
		assert_eq!(miner_of(file, 0), outside[0]);
		assert_ne!(miner_of(file, 0), stale);
		assert!(distinct((0..6).map(|f| miner_of(file, f)).collect()));
	});
}

#[test]
fn a_large_file_is_placed_a_segment_per_budget_and_a_failure_releases_what_was_placed() {
	build_and_execute(|| {
		setup(&MINERS[..6]);
		// Two segments of 4 + 2; six miners, each with room for one fragment per segment.
		let size = 32 * (1 << 20) + 1;
		let file = declare(size, roots(1, 12), RS42);
		run_to_block(4);
		assert_eq!(Slots::<Test>::iter_prefix(file).count(), 6);
		// Before block 5 places segment 1, one miner stops being eligible (unaudited): the
		// second segment cannot get six distinct miners, so the whole declaration is refunded
		// and the first segment's slots are released by a deletion task.
		Unaudited::set(vec![MINERS[0]]);
		run_to_block(5);
		System::assert_has_event(
			Event::<Test>::PlacementFailed { file, owner: USER, released: 12 * FRAGMENT }.into(),
		);
		assert_eq!(Leases::<Test>::get(USER).unwrap().used, 0);
		run_to_block(10);
		assert!(Files::<Test>::get(file).is_none());
		assert_eq!(Slots::<Test>::iter_prefix(file).count(), 0);
		assert_eq!(FragmentRoots::<Test>::iter_prefix(file).count(), 0);
		for m in &MINERS[..6] {
			assert_eq!(crate::MinerPending::<Test>::get(m), 0);
		}
	});
}
