//! Issue 15 end to end in the real runtime (development preset: 20-block rounds, proofs due
//! 10 blocks after a round opens, 8 MiB fragments, `AssignmentTimeout` 100): a miner holding
//! the only copy of a file stops proving. After N = 3 unproven service rounds the audit asks
//! for a repair, the file market moves the replica to another miner, the file regains its
//! redundancy, and the failing miner's service space is released only after the new holder
//! confirmed (at its next audit checkpoint).

use crate::{Audit, FileBank, Runtime, RuntimeEvent, RuntimeOrigin, StorageMiner, System};
use cess_traits::{MinerInspect, MinerState, ServiceFragmentsInspect};
use frame_support::{assert_ok, traits::Hooks, BoundedVec};
use sp_keyring::Sr25519Keyring;

use crate::currency::CESS;

const FRAGMENT: u64 = 8 << 20;

fn run_to(n: u32) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Audit::on_initialize(next);
		FileBank::on_initialize(next);
	}
}

fn service(who: &crate::AccountId) -> u64 {
	<StorageMiner as MinerInspect<_>>::spaces(who).map(|s| s.service).unwrap_or(0)
}

fn collateral(who: &crate::AccountId) -> u128 {
	<StorageMiner as MinerInspect<_>>::collateral_and_debt(who).map(|c| c.0).unwrap_or(0)
}

#[test]
fn a_miner_that_stops_proving_loses_its_files_to_a_repair_and_its_space_only_on_confirm() {
	let json = crate::genesis_config_presets::get_preset(&"development".into()).expect("preset");
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		frame_support::genesis_builder_helper::build_state::<crate::RuntimeGenesisConfig>(json)
			.expect("preset builds");
		System::set_block_number(1);
		let miners: Vec<crate::AccountId> = [
			Sr25519Keyring::Dave,
			Sr25519Keyring::Eve,
			Sr25519Keyring::Ferdie,
			Sr25519Keyring::One,
		]
		.iter()
		.map(|k| k.to_account_id())
		.collect();
		for m in miners.iter() {
			let endpoint: BoundedVec<u8, _> = BoundedVec::try_from(b"/ip4/1".to_vec()).unwrap();
			assert_ok!(StorageMiner::register(
				RuntimeOrigin::signed(m.clone()),
				m.clone(),
				endpoint,
				1,
				2_000 * CESS
			));
			assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(m.clone()), [7u8; 32], 1));
		}
		// Round 0 opens in block 1 and enrols the four miners: only audited miners take
		// fragments (issue 13).
		Audit::on_initialize(1);
		FileBank::on_initialize(1);
		let user = Sr25519Keyring::Charlie.to_account_id();
		assert_ok!(FileBank::buy_space(RuntimeOrigin::signed(user.clone()), 1, 30));
		let roots: BoundedVec<[u8; 32], _> = BoundedVec::try_from(vec![[3u8; 32]]).unwrap();
		let file = pallet_file_bank::file_hash(&user, FRAGMENT, &roots);
		assert_ok!(FileBank::declare_file(RuntimeOrigin::signed(user), FRAGMENT, roots, 1));
		// Placed `PlacementDelay` = 5 blocks after the declaration.
		run_to(6);
		let holder = |f| {
			pallet_file_bank::Slots::<Runtime>::get(f, (0u32, 0u8)).and_then(|s| s.miner).unwrap()
		};
		let x = holder(file);
		assert_ok!(FileBank::confirm_fragment(RuntimeOrigin::signed(x.clone()), file, 0, 0));
		assert_eq!(service(&x), FRAGMENT);
		// X's fragment is in the snapshot of its round-0 checkpoint (block 11), which judges
		// round 2; nobody ever proves. Round 1 and the others' rounds hold no fragment:
		// idle-only misses, no slash. X misses rounds 2, 3, 4 (sweeps at blocks 51, 71, 91),
		// never rewarded: 5 % of its collateral each time: 2 000 → 1 900 → 1 805 → 1 714.75
		// CESS.
		run_to(90);
		assert_eq!(pallet_audit::Audits::<Runtime>::get(&x).unwrap().unproven_rounds, 2);
		assert!(pallet_file_bank::Repairs::<Runtime>::get(&x).is_none());
		run_to(91);
		assert_eq!(collateral(&x), 1_714_750 * CESS / 1_000);
		assert_eq!(StorageMiner::miner_report(&x).unwrap().state, MinerState::Frozen);
		let events: Vec<RuntimeEvent> = System::events().into_iter().map(|e| e.event).collect();
		assert!(events.contains(&RuntimeEvent::Audit(pallet_audit::Event::RepairRequested {
			miner: x.clone(),
			round: 4,
			reason: pallet_audit::RepairReason::Unproven { rounds: 3 },
		})));
		assert!(events.contains(&RuntimeEvent::FileBank(pallet_file_bank::Event::RepairStarted {
			miner: x.clone(),
			fragments: 1,
		})));
		// The same block's file-market hook moved the replica to another (honest) miner.
		let y = holder(file);
		assert!(y != x && miners.contains(&y));
		assert!(events.contains(&RuntimeEvent::FileBank(
			pallet_file_bank::Event::RepairFinished { miner: x.clone() }
		)));
		// X still holds (and is challenged on) the only confirmed copy; it earns nothing on it.
		run_to(99);
		assert_eq!(service(&x), FRAGMENT);
		assert_eq!(<FileBank as ServiceFragmentsInspect<_>>::fragment_count(&x), 1);
		assert_eq!(<FileBank as ServiceFragmentsInspect<_>>::released_space(&x), FRAGMENT);
		assert_ok!(FileBank::confirm_fragment(RuntimeOrigin::signed(y.clone()), file, 0, 0));
		assert!(System::events().into_iter().any(|e| e.event
			== RuntimeEvent::FileBank(pallet_file_bank::Event::ReplicaMigrated {
				file,
				fragment: 0,
				replica: 0,
				from: x.clone(),
				to: y.clone(),
			})));
		// Redundancy back: the file is stored on Y. X's copy is released, and removed at X's
		// next checkpoint (its round-5 miss, settled at block 111; that miss is slashed too).
		let info = pallet_file_bank::Files::<Runtime>::get(file).unwrap();
		assert_eq!(info.state, pallet_file_bank::FileState::Stored);
		assert_eq!(service(&y), FRAGMENT);
		assert_eq!(service(&x), FRAGMENT);
		run_to(110);
		assert_eq!(service(&x), FRAGMENT);
		run_to(111);
		assert_eq!(service(&x), 0);
		assert_eq!(<FileBank as ServiceFragmentsInspect<_>>::fragment_count(&x), 0);
		// 1 714.75 − 5 % = 1 629.0125 CESS.
		assert_eq!(collateral(&x), 1_629_012_500 * CESS / 1_000_000);
		FileBank::do_try_state().expect("file-bank invariants");
	});
}
