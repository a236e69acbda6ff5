//! OpenGov on the real runtime: period scaling, which origin reaches which parameter, spender
//! caps, and one whole referendum on the storage-economy track, at worked block numbers.

use crate::{
	currency::{CENTS, CESS},
	governance::{
		origins::{
			Origin as Track, BIG_SPENDER_CAP, MEDIUM_SPENDER_CAP, SMALL_SPENDER_CAP, TREASURER_CAP,
		},
		scale, tracks, UndecidingTimeout, VoteLockingPeriod,
	},
	tests::ext_with_preset,
	Audit, Balances, Cdn, ConvictionVoting, FileBank, Issuance, OriginCaller, Preimage, Referenda,
	Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin, Scheduler, Staking, System, Treasury,
};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::{schedule::DispatchTime, Bounded, Get, Hooks},
};
use pallet_conviction_voting::{AccountVote, Conviction, Vote};
use pallet_referenda::TracksInfo as _;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::Hash as _, DispatchError, Perbill};

type Tracks = <Runtime as pallet_referenda::Config>::Tracks;

fn signed(k: Sr25519Keyring) -> RuntimeOrigin {
	RuntimeOrigin::signed(k.to_account_id())
}

fn split() -> pallet_issuance::IssuanceSplit {
	pallet_issuance::IssuanceSplit {
		validators: Perbill::from_percent(40),
		storage_miners: Perbill::from_percent(50),
		cdn: Perbill::from_percent(10),
	}
}

#[test]
fn periods_scale_with_the_block_day() {
	// max(1, blocks × 10 / 14 400), rounded down:
	assert_eq!(scale(1_200, 10), 1); // 2 h: 0.83 → 1
	assert_eq!(scale(2_400, 10), 1); // 4 h: 1.67 → 1
	assert_eq!(scale(7_200, 10), 5); // 12 h
	assert_eq!(scale(14_400, 10), 10); // 1 day
	assert_eq!(scale(100_800, 10), 70); // 7 days
	assert_eq!(scale(201_600, 10), 140); // 14 days
	assert_eq!(scale(403_200, 10), 280); // 28 days: 403 200 × 10 fits only in u64
	assert_eq!(scale(100, 10), 1); // 10 minutes: 0.07 → 1, never 0
	assert_eq!(scale(403_200, 14_400), 403_200);

	ext_with_preset("development").execute_with(|| {
		let t = Tracks::info(tracks::id::STORAGE_ECONOMY).expect("track");
		assert_eq!(
			(t.prepare_period, t.decision_period, t.confirm_period, t.min_enactment_period),
			(1, 140, 10, 10)
		);
		let root = Tracks::info(tracks::id::ROOT).expect("track");
		assert_eq!(
			(
				root.prepare_period,
				root.decision_period,
				root.confirm_period,
				root.min_enactment_period
			),
			(1, 280, 10, 10)
		);
		let issuance = Tracks::info(tracks::id::ISSUANCE).expect("track");
		assert_eq!(
			(
				issuance.prepare_period,
				issuance.decision_period,
				issuance.confirm_period,
				issuance.min_enactment_period
			),
			(10, 280, 70, 70)
		);
		let small = Tracks::info(tracks::id::SMALL_SPENDER).expect("track");
		assert_eq!(
			(small.prepare_period, small.confirm_period, small.min_enactment_period),
			(1, 5, 10)
		);
		assert_eq!(VoteLockingPeriod::get(), 70);
		assert_eq!(UndecidingTimeout::get(), 140);
		// Deposits are not scaled.
		assert_eq!(t.decision_deposit, 20_000 * CESS);
	});
	ext_with_preset("staging").execute_with(|| {
		let t = Tracks::info(tracks::id::STORAGE_ECONOMY).expect("track");
		assert_eq!(
			(t.prepare_period, t.decision_period, t.confirm_period, t.min_enactment_period),
			(1_200, 201_600, 14_400, 14_400)
		);
		assert_eq!(VoteLockingPeriod::get(), 100_800);
		assert_eq!(UndecidingTimeout::get(), 201_600);
	});
	// Ten tracks, sorted by id (pallet-referenda requires it).
	let ids: Vec<u16> = tracks::PRODUCTION_TRACKS.iter().map(|t| t.id).collect();
	assert_eq!(ids, vec![0, 1, 2, 10, 11, 12, 20, 30, 31, 32]);
}

#[test]
fn each_origin_reaches_only_its_own_parameters() {
	ext_with_preset("development").execute_with(|| {
		System::set_block_number(1);
		let storage = || RuntimeOrigin::from(Track::StorageAdmin);
		let issuance = || RuntimeOrigin::from(Track::IssuanceAdmin);
		let staking = || RuntimeOrigin::from(Track::StakingAdmin);
		let bad = DispatchError::BadOrigin;

		// storage_economy: space price, proof deadline, CD²N share and caps.
		assert_ok!(FileBank::set_price(storage(), 2 * CENTS));
		assert_ok!(Audit::set_deadline(storage(), 3));
		assert_ok!(Cdn::set_retrieval_share(storage(), Perbill::from_percent(70)));
		assert_noop!(Issuance::set_split(storage(), split()), bad);
		assert_noop!(Staking::set_min_commission(storage(), Perbill::from_percent(5)), bad);

		// issuance: the split only.
		assert_ok!(Issuance::set_split(issuance(), split()));
		assert_noop!(FileBank::set_price(issuance(), 3 * CENTS), bad);
		assert_noop!(Audit::set_deadline(issuance(), 4), bad);
		assert_noop!(Cdn::set_retrieval_share(issuance(), Perbill::from_percent(60)), bad);

		// staking_admin: pallet-staking's `AdminOrigin` calls only (`set_validator_count` and
		// `set_staking_configs` are root-only in pallet-staking: the root track).
		assert_ok!(Staking::set_min_commission(staking(), Perbill::from_percent(5)));
		assert_eq!(pallet_staking::MinCommission::<Runtime>::get(), Perbill::from_percent(5));
		assert_noop!(Staking::set_validator_count(staking(), 50), bad);
		assert_noop!(FileBank::set_price(staking(), 3 * CENTS), bad);
		assert_noop!(Issuance::set_split(staking(), split()), bad);

		// A spender track cannot set parameters; a parameter track cannot spend.
		let spender = || RuntimeOrigin::from(Track::BigSpender);
		assert_noop!(FileBank::set_price(spender(), 3 * CENTS), bad);
		let to = Box::new(Sr25519Keyring::Bob.to_account_id());
		assert_noop!(Treasury::spend(storage(), Box::new(()), CESS, to.clone(), None), bad);

		// A plain signed account reaches nothing (no sudo exists).
		for k in [Sr25519Keyring::Alice, Sr25519Keyring::Bob] {
			assert_noop!(FileBank::set_price(signed(k), 3 * CENTS), bad);
			assert_noop!(Audit::set_deadline(signed(k), 4), bad);
			assert_noop!(Issuance::set_split(signed(k), split()), bad);
			assert_noop!(Treasury::spend(signed(k), Box::new(()), CESS, to.clone(), None), bad);
		}
		// Root still reaches everything (a root-track referendum).
		assert_ok!(FileBank::set_price(RuntimeOrigin::root(), 4 * CENTS));
		assert_eq!(pallet_file_bank::SpacePrice::<Runtime>::get(), 4 * CENTS);
	});
}

#[test]
fn spender_tracks_spend_up_to_their_caps() {
	ext_with_preset("development").execute_with(|| {
		System::set_block_number(1);
		let to = || Box::new(Sr25519Keyring::Bob.to_account_id());
		for (track, cap) in [
			(Track::SmallSpender, SMALL_SPENDER_CAP),
			(Track::MediumSpender, MEDIUM_SPENDER_CAP),
			(Track::BigSpender, BIG_SPENDER_CAP),
			(Track::Treasurer, TREASURER_CAP),
		] {
			assert_noop!(
				Treasury::spend(
					RuntimeOrigin::from(track.clone()),
					Box::new(()),
					cap + 1,
					to(),
					None
				),
				pallet_treasury::Error::<Runtime>::InsufficientPermission
			);
			assert_ok!(Treasury::spend(RuntimeOrigin::from(track), Box::new(()), cap, to(), None));
		}
		assert_eq!(
			(SMALL_SPENDER_CAP, MEDIUM_SPENDER_CAP, BIG_SPENDER_CAP, TREASURER_CAP),
			(10_000 * CESS, 100_000 * CESS, 1_000_000 * CESS, 10_000_000 * CESS)
		);
		// Root has no cap.
		assert_ok!(Treasury::spend(
			RuntimeOrigin::root(),
			Box::new(()),
			100_000_000 * CESS,
			to(),
			None
		));
		// The treasurer track (or root) rejects; a spender cannot.
		assert_noop!(
			Treasury::void_spend(RuntimeOrigin::from(Track::BigSpender), 0),
			DispatchError::BadOrigin
		);
		assert_ok!(Treasury::void_spend(RuntimeOrigin::from(Track::Treasurer), 0));
	});
}

fn run_to(n: u32) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Scheduler::on_initialize(next);
	}
}

fn referenda_events() -> Vec<(u32, pallet_referenda::Event<Runtime>)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Referenda(e) => Some((0, e)),
			_ => None,
		})
		.collect()
}

#[test]
fn a_storage_economy_referendum_is_approved_and_enacted_at_the_worked_blocks() {
	ext_with_preset("development").execute_with(|| {
		System::set_block_number(1);
		let alice = Sr25519Keyring::Alice;
		let new_price = 7 * CENTS;
		let call = RuntimeCall::FileBank(pallet_file_bank::Call::set_price { price: new_price });
		let encoded = call.encode();
		let hash = sp_runtime::traits::BlakeTwo256::hash_of(&call);
		// Block 1: the preimage is noted, the referendum submitted on storage_economy (the
		// origin picks the track), the decision deposit placed and the votes cast.
		assert_ok!(Preimage::note_preimage(signed(alice), encoded.clone()));
		let proposal = Bounded::Lookup { hash, len: encoded.len() as u32 };
		assert_ok!(Referenda::submit(
			signed(alice),
			Box::new(OriginCaller::Origins(Track::StorageAdmin)),
			proposal,
			DispatchTime::After(0),
		));
		let info = pallet_referenda::ReferendumInfoFor::<Runtime>::get(0).expect("submitted");
		match info {
			pallet_referenda::ReferendumInfo::Ongoing(s) => assert_eq!(s.track, 10),
			_ => panic!("not ongoing"),
		}
		assert_ok!(Referenda::place_decision_deposit(signed(alice), 0));
		// Ten accounts × 900 000 CESS aye = 9 000 000 of the 14 001 000 CESS active issuance
		// = 64 % support, above the track's 50 % at the start of the decision period;
		// approval 100 %.
		for k in Sr25519Keyring::iter().take(10) {
			let vote = AccountVote::Standard {
				vote: Vote { aye: true, conviction: Conviction::Locked1x },
				balance: 900_000 * CESS,
			};
			assert_ok!(ConvictionVoting::vote(signed(k), 0, vote));
		}
		// Block 2 = 1 + prepare period (1): decision starts and, passing, confirmation.
		run_to(2);
		let ev = referenda_events();
		assert!(ev.iter().any(|(_, e)| matches!(
			e,
			pallet_referenda::Event::DecisionStarted { index: 0, track: 10, .. }
		)));
		assert!(ev
			.iter()
			.any(|(_, e)| matches!(e, pallet_referenda::Event::ConfirmStarted { index: 0 })));
		// Block 12 = 2 + confirm period (10): approved; enactment at 12 + 10 (min enactment).
		run_to(11);
		assert!(!referenda_events()
			.iter()
			.any(|(_, e)| matches!(e, pallet_referenda::Event::Confirmed { .. })));
		run_to(12);
		assert!(referenda_events()
			.iter()
			.any(|(_, e)| matches!(e, pallet_referenda::Event::Confirmed { index: 0, .. })));
		assert!(matches!(
			pallet_referenda::ReferendumInfoFor::<Runtime>::get(0),
			Some(pallet_referenda::ReferendumInfo::Approved(12, ..))
		));
		run_to(21);
		assert_ne!(
			pallet_file_bank::SpacePrice::<Runtime>::get(),
			new_price,
			"not before block 22"
		);
		// Block 22: the scheduler dispatches `set_price` from the StorageAdmin origin: 21
		// blocks after submission.
		run_to(22);
		assert_eq!(pallet_file_bank::SpacePrice::<Runtime>::get(), new_price);
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::FileBank(pallet_file_bank::Event::PriceSet { price }) if *price == new_price
		)));
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::Scheduler(pallet_scheduler::Event::Dispatched { result: Ok(()), .. })
		)));
		let _ = Balances::total_issuance();
	});
}

#[test]
fn a_signed_origin_has_no_track_and_root_maps_to_track_0() {
	use crate::governance::tracks::TracksInfo as T;
	use pallet_referenda::TracksInfo;
	ext_with_preset("development").execute_with(|| {
		let root = OriginCaller::system(frame_system::RawOrigin::Root);
		assert_eq!(T::track_for(&root), Ok(0));
		let signed = OriginCaller::system(frame_system::RawOrigin::Signed(
			Sr25519Keyring::Alice.to_account_id(),
		));
		assert_eq!(T::track_for(&signed), Err(()));
		for (origin, id) in [
			(Track::StorageAdmin, 10),
			(Track::IssuanceAdmin, 11),
			(Track::StakingAdmin, 12),
			(Track::Treasurer, 20),
			(Track::ReferendumCanceller, 1),
			(Track::ReferendumKiller, 2),
			(Track::SmallSpender, 30),
			(Track::MediumSpender, 31),
			(Track::BigSpender, 32),
		] {
			assert_eq!(T::track_for(&OriginCaller::Origins(origin)), Ok(id));
		}
		System::set_block_number(1);
		assert_noop!(
			Referenda::submit(
				RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id()),
				Box::new(signed),
				Bounded::Inline(Default::default()),
				DispatchTime::After(0),
			),
			pallet_referenda::Error::<Runtime>::NoTrack
		);
	});
}
