//! The commit protocol of sealed sectors (issue 14), played with the real sealer at the mock's
//! tiny parameters (64 nodes, 3 layers, 2 × 4 commit challenges). Numbers by hand: the mock
//! holds `DEPOSIT` = 3 CESS per pre-committed sector and a sector is 64 × 32 = 2 048 bytes.

use crate::{
	mock::*, ActiveSectorCount, ActiveSectors, Error, Event, HoldReason, MinerInspect, MinerState,
	Miners, PreCommitSector, PreCommits, SectorChanges, SectorState, Sectors, SectorsMutate,
};
use cess_storage_proof::sdr::commit::{column_start, column_step};
use cess_storage_proof::sdr::*;
use cess_storage_proof::Hash;
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Inspect, InspectHold},
		Get,
	},
	BoundedVec,
};
use std::collections::BTreeSet;

const SECTOR: u64 = 2_048;

fn params() -> SdrParams {
	TinySeal::get()
}

fn config() -> SealerConfig {
	SealerConfig { threads: 1, tree_cache_level: 2, ..SealerConfig::default() }
}

fn register(who: AccountId, tib: u32) {
	assert_ok!(StorageMiner::register(
		RuntimeOrigin::signed(who),
		who,
		BoundedVec::try_from(b"/ip4/127.0.0.1/tcp/15001".to_vec()).unwrap(),
		tib,
		StorageMiner::collateral_requirement(tib)
	));
}

/// Seals `who`'s CC sector `no` honestly.
fn seal_cc(who: AccountId, no: u64) -> SealedSector {
	let p = params();
	let data = vec![[0u8; 32]; p.nodes() as usize];
	seal(&p, SealInput { replica_id: StorageMiner::cc_replica_id(&who, no), data }, &config())
		.unwrap()
}

fn commits(s: &SealedSector) -> PreCommitSector {
	PreCommitSector { comm_c: s.comm_c, comm_r_last: s.comm_r_last }
}

fn precommit(who: AccountId, first: u64, sectors: &[PreCommitSector]) {
	assert_ok!(StorageMiner::precommit_sectors(
		RuntimeOrigin::signed(who),
		first,
		BoundedVec::try_from(sectors.to_vec()).unwrap()
	));
}

fn challenges(who: AccountId, batch: u64) -> SealChallenges {
	let n = PreCommits::<Test>::get(who, batch).unwrap().sectors.len() as u32;
	seal_challenges(&params(), &StorageMiner::batch_seal_seed(&who, batch).unwrap(), n).unwrap()
}

/// An honest proof of `batch` from the sealed sectors.
fn prove(who: AccountId, batch: u64, sealed: &[SealedSector]) -> SealProof {
	let ch = challenges(who, batch);
	let w: Vec<_> = sealed
		.iter()
		.map(|s| {
			(s.replica_id, SectorWitness { replica: &s.replica, tree_r: &s.tree_r, data: None })
		})
		.collect();
	prove_seal(&params(), &ch, &w, &config()).unwrap()
}

/// `p` with its openings edited by `f`.
fn edit(p: &SealProof, f: impl FnOnce(&mut Vec<SealOpening>)) -> SealProof {
	let mut ops = p.openings.clone().into_inner();
	f(&mut ops);
	SealProof { openings: ops.try_into().unwrap() }
}

fn deposit_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::PreCommitDeposit.into(), &who)
}

fn treasury() -> Balance {
	Balances::balance(&TREASURY)
}

fn idle(who: AccountId) -> u64 {
	StorageMiner::spaces(&who).unwrap().idle
}

#[test]
fn precommit_then_prove_commit_releases_the_deposit_and_adds_idle_space() {
	build_and_execute(|| {
		register(ALICE, 1);
		let sealed: Vec<_> = (0..3).map(|i| seal_cc(ALICE, i)).collect();
		let free = Balances::balance(&ALICE);
		precommit(ALICE, 0, &sealed.iter().map(commits).collect::<Vec<_>>());
		// 3 sectors × 3 CESS = 9 CESS held; seal block 1 + 5 = 6, deadline 6 + 10 = 16.
		assert_eq!(deposit_held(ALICE), 9 * CESS);
		assert_eq!(Balances::balance(&ALICE), free - 9 * CESS);
		System::assert_last_event(
			Event::SectorsPreCommitted {
				miner: ALICE,
				batch: 0,
				first_sector: 0,
				count: 3,
				deposit: 9 * CESS,
				seal_block: 6,
				deadline: 16,
			}
			.into(),
		);
		assert_eq!(Miners::<Test>::get(ALICE).unwrap().sectors_reserved, 3);
		// Before the seal block the challenges do not exist.
		run_to(5);
		assert_noop!(
			StorageMiner::prove_commit_sectors(
				RuntimeOrigin::signed(ALICE),
				0,
				SealProof { openings: Default::default() }
			),
			Error::<Test>::SealSeedNotRevealed
		);
		run_to(6);
		let proof = prove(ALICE, 0, &sealed);
		assert_ok!(StorageMiner::prove_commit_sectors(RuntimeOrigin::signed(ALICE), 0, proof));
		assert_eq!(deposit_held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), free);
		System::assert_has_event(
			Event::SectorsProven {
				miner: ALICE,
				batch: 0,
				first_sector: 0,
				count: 3,
				deposit_released: 9 * CESS,
			}
			.into(),
		);
		// Not enrolled by the audit: activated at once, 3 × 2 048 = 6 144 bytes of idle space.
		assert_eq!(ActiveSectorCount::<Test>::get(ALICE), 3);
		assert_eq!(idle(ALICE), 3 * SECTOR);
		assert_eq!(StorageMiner::spaces(&ALICE).unwrap().sealed, 3 * SECTOR);
		assert_eq!(StorageMiner::state(&ALICE), Some(MinerState::Positive));
		System::assert_has_event(
			Event::SectorActivated { miner: ALICE, sector: 2, index: 2 }.into(),
		);
		// The next batch starts at sector 3.
		assert_noop!(
			StorageMiner::precommit_sectors(
				RuntimeOrigin::signed(ALICE),
				0,
				BoundedVec::try_from(vec![commits(&sealed[0])]).unwrap()
			),
			Error::<Test>::SectorNumberMismatch
		);
	});
}

#[test]
fn an_invalid_proof_is_rejected_and_changes_nothing() {
	build_and_execute(|| {
		register(ALICE, 1);
		let sealed = [seal_cc(ALICE, 0)];
		precommit(ALICE, 0, &[commits(&sealed[0])]);
		run_to(6);
		let good = prove(ALICE, 0, &sealed);
		let cases: Vec<(SealProof, Error<Test>)> = vec![
			(
				edit(&good, |ops| {
					let mut cols = ops[0].columns.clone().into_inner();
					let mut labels = cols[0].labels.clone().into_inner();
					labels[1][0] ^= 1;
					cols[0].labels = labels.try_into().unwrap();
					ops[0].columns = cols.try_into().unwrap();
				}),
				Error::<Test>::SealColumnNotCommitted,
			),
			(edit(&good, |ops| ops[1].replica.node[3] ^= 1), Error::<Test>::SealReplicaMismatch),
			(
				edit(&good, |ops| {
					ops.pop();
				}),
				Error::<Test>::SealProofOpeningCount,
			),
			(
				edit(&good, |ops| {
					let mut cols = ops[0].columns.clone().into_inner();
					cols.pop();
					ops[0].columns = cols.try_into().unwrap();
				}),
				Error::<Test>::SealProofMalformed,
			),
		];
		for (proof, err) in cases {
			// `assert_noop` also checks that the storage root did not move.
			assert_noop!(
				StorageMiner::prove_commit_sectors(RuntimeOrigin::signed(ALICE), 0, proof),
				err
			);
		}
		assert_eq!(deposit_held(ALICE), 3 * CESS);
		// The fixed seed is not re-rolled: the honest proof still goes through afterwards.
		assert_ok!(StorageMiner::prove_commit_sectors(RuntimeOrigin::signed(ALICE), 0, good));
	});
}

#[test]
fn a_missing_prove_commit_forfeits_exactly_the_deposit() {
	build_and_execute(|| {
		register(ALICE, 1);
		let sealed = [seal_cc(ALICE, 0), seal_cc(ALICE, 1)];
		let (free, before) = (Balances::balance(&ALICE), treasury());
		precommit(ALICE, 0, &sealed.iter().map(commits).collect::<Vec<_>>());
		// 2 × 3 CESS held until the deadline 1 + 5 + 10 = 16.
		run_to(15);
		assert_eq!(deposit_held(ALICE), 6 * CESS);
		assert_eq!(treasury(), before);
		run_to(16);
		// Exactly the deposit went to the treasury; the collateral is untouched.
		assert_eq!(treasury(), before + 6 * CESS);
		assert_eq!(deposit_held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), free - 6 * CESS);
		assert_eq!(Balances::balance_on_hold(&HoldReason::Collateral.into(), &ALICE), 2_000 * CESS);
		System::assert_has_event(
			Event::PreCommitExpired { miner: ALICE, batch: 0, count: 2, forfeited: 6 * CESS }
				.into(),
		);
		let info = Miners::<Test>::get(ALICE).unwrap();
		assert_eq!((info.sectors_reserved, info.sectors_active), (0, 0));
		// Too late: the batch is gone.
		let proof = SealProof { openings: Default::default() };
		assert_noop!(
			StorageMiner::prove_commit_sectors(RuntimeOrigin::signed(ALICE), 0, proof),
			Error::<Test>::UnknownPreCommit
		);
	});
}

#[test]
fn precommit_errors_change_nothing() {
	build_and_execute(|| {
		let s = PreCommitSector { comm_c: [1; 32], comm_r_last: [2; 32] };
		let one = || BoundedVec::try_from(vec![s]).unwrap();
		let call =
			|who, first, v| StorageMiner::precommit_sectors(RuntimeOrigin::signed(who), first, v);
		assert_noop!(call(ALICE, 0, one()), Error::<Test>::NotRegistered);
		register(ALICE, 1);
		assert_noop!(call(ALICE, 0, BoundedVec::new()), Error::<Test>::EmptyBatch);
		assert_noop!(call(ALICE, 1, one()), Error::<Test>::SectorNumberMismatch);
		assert_ok!(call(ALICE, 0, one()));
		assert_ok!(call(ALICE, 1, one()));
		// MaxOpenPreCommits = 2.
		assert_noop!(call(ALICE, 2, one()), Error::<Test>::TooManyPreCommits);
		// MaxExpiriesPerBlock = 2: the deadline block 16 is full.
		register(BOB, 1);
		assert_noop!(call(BOB, 0, one()), Error::<Test>::ExpiryQueueFull);
		// One block later the deadline is 17.
		run_to(2);
		assert_ok!(call(BOB, 0, one()));
		// 128 fillers fill 1 TiB: no room for a sector.
		register(CHARLIE, 1);
		assert_ok!(StorageMiner::commit_idle(RuntimeOrigin::signed(CHARLIE), [7; 32], 128));
		assert_noop!(call(CHARLIE, 0, one()), Error::<Test>::ExceedsDeclaredSpace);
		// Sectors reserve declared space: fillers cannot take it back.
		assert_noop!(
			StorageMiner::commit_idle(RuntimeOrigin::signed(ALICE), [7; 32], 128),
			Error::<Test>::ExceedsDeclaredSpace
		);
		// A frozen miner cannot pre-commit.
		assert_ok!(StorageMiner::change_declared_space(RuntimeOrigin::signed(CHARLIE), 2));
		assert_noop!(call(CHARLIE, 0, one()), Error::<Test>::MinerFrozen);
	});
}

#[test]
fn terminations_wait_for_the_checkpoint_of_an_enrolled_miner() {
	build_and_execute(|| {
		register(ALICE, 1);
		EnrolledMiners::set(vec![ALICE]);
		let sealed: Vec<_> = (0..3).map(|i| seal_cc(ALICE, i)).collect();
		precommit(ALICE, 0, &sealed.iter().map(commits).collect::<Vec<_>>());
		run_to(6);
		assert_ok!(StorageMiner::prove_commit_sectors(
			RuntimeOrigin::signed(ALICE),
			0,
			prove(ALICE, 0, &sealed)
		));
		// Enrolled: proven but not active until the audit's checkpoint.
		assert_eq!(Sectors::<Test>::get(ALICE, 1).unwrap().state, SectorState::PendingActivation);
		assert_eq!(idle(ALICE), 0);
		assert_eq!(StorageMiner::state(&ALICE), Some(MinerState::Registered));
		assert_eq!(<StorageMiner as SectorsMutate<_>>::apply_sector_changes(&ALICE, 16), 3);
		assert_eq!(idle(ALICE), 3 * SECTOR);
		assert_eq!(StorageMiner::state(&ALICE), Some(MinerState::Positive));
		// Terminate sector 0: queued, still counted and challengeable.
		assert_ok!(StorageMiner::terminate_sectors(
			RuntimeOrigin::signed(ALICE),
			BoundedVec::try_from(vec![0]).unwrap()
		));
		assert_eq!(
			Sectors::<Test>::get(ALICE, 0).unwrap().state,
			SectorState::Terminating { index: 0 }
		);
		assert_eq!(idle(ALICE), 3 * SECTOR);
		assert_noop!(
			StorageMiner::terminate_sectors(
				RuntimeOrigin::signed(ALICE),
				BoundedVec::try_from(vec![0]).unwrap()
			),
			Error::<Test>::SectorNotActive
		);
		assert_noop!(
			StorageMiner::terminate_sectors(
				RuntimeOrigin::signed(ALICE),
				BoundedVec::try_from(vec![9]).unwrap()
			),
			Error::<Test>::SectorNotActive
		);
		// The checkpoint applies it: swap-remove, sector 2 moves to index 0.
		assert_eq!(<StorageMiner as SectorsMutate<_>>::apply_sector_changes(&ALICE, 16), 1);
		assert!(Sectors::<Test>::get(ALICE, 0).is_none());
		assert_eq!(ActiveSectors::<Test>::get(ALICE, 0), Some(2));
		assert_eq!(Sectors::<Test>::get(ALICE, 2).unwrap().state, SectorState::Active { index: 0 });
		assert_eq!(idle(ALICE), 2 * SECTOR);
		assert!(SectorChanges::<Test>::get(ALICE).is_empty());
		System::assert_has_event(Event::SectorTerminated { miner: ALICE, sector: 0 }.into());
		// A miner leaves only without sectors.
		assert_ok!(StorageMiner::prepare_exit(RuntimeOrigin::signed(ALICE)));
		run_to(1 + COOLDOWN + 6);
		assert_noop!(
			StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)),
			Error::<Test>::SectorsRemain
		);
		assert_ok!(StorageMiner::terminate_sectors(
			RuntimeOrigin::signed(ALICE),
			BoundedVec::try_from(vec![1, 2]).unwrap()
		));
		assert_eq!(<StorageMiner as SectorsMutate<_>>::apply_sector_changes(&ALICE, 1), 1);
		assert_eq!(<StorageMiner as SectorsMutate<_>>::apply_sector_changes(&ALICE, 1), 1);
		assert_ok!(StorageMiner::withdraw(RuntimeOrigin::signed(ALICE)));
	});
}

/// Plays a commit of a batch of 4 sectors, one of them garbage (junk committed as replica and
/// columns), with the seal block's seed set from `trial`. Returns whether the garbage sector
/// was challenged; asserts what follows either way.
fn play_garbage_batch(trial: u32) -> bool {
	let mut hit = false;
	build_and_execute(|| {
		register(ALICE, 1);
		let mut sealed: Vec<_> = (0..4).map(|i| seal_cc(ALICE, i)).collect();
		let junk: Vec<Hash> = (0..64u8).map(|i| [i.wrapping_mul(97) ^ trial as u8; 32]).collect();
		sealed[3].replica = junk.clone();
		sealed[3].tree_r = CachedTree::build(&junk, 2).unwrap();
		sealed[3].comm_r_last = sealed[3].tree_r.root();
		sealed[3].comm_c = sealed[0].comm_c;
		let before = treasury();
		precommit(ALICE, 0, &sealed.iter().map(commits).collect::<Vec<_>>());
		run_to(5);
		let mut seeds = Seeds::get();
		seeds.insert(6, sp_io::hashing::blake2_256(&trial.to_le_bytes()));
		Seeds::set(seeds);
		System::set_block_number(6);
		let ch = challenges(ALICE, 0);
		hit = ch.iter().any(|c| c.sector == 3);
		// The cheater's best answer: honest columns of the real labeling for every sector.
		let proof = prove(ALICE, 0, &sealed);
		let r = StorageMiner::prove_commit_sectors(RuntimeOrigin::signed(ALICE), 0, proof);
		if hit {
			assert!(r.is_err(), "trial {trial}: garbage challenged yet proven");
			run_to(16);
			// The whole batch's deposit, 4 × 3 CESS, is forfeited.
			assert_eq!(treasury(), before + 12 * CESS);
			assert_eq!(ActiveSectorCount::<Test>::get(ALICE), 0);
		} else {
			// Not challenged: it passes commit (the residual the seal audits and the deposit
			// rule `P_pc ≥ V/8` deal with).
			assert_ok!(r);
			assert_eq!(ActiveSectorCount::<Test>::get(ALICE), 4);
		}
	});
	hit
}

#[test]
fn a_garbage_sector_costs_the_whole_batch_when_challenged() {
	// s = 2 sector picks (with replacement) of M = 4: caught with 1 − (3/4)² = 43.75 %;
	// 64 batches → 28.0 ± 4.0.
	let caught = (0..64).filter(|&t| play_garbage_batch(t)).count();
	println!("garbage sector challenged in {caught} of 64 batches (expected 28.0 ± 4.0)");
	assert!((16..=40).contains(&caught), "caught {caught} of 64");
}

/// A prover's forged sector: labels of the nodes in `bad` replaced in layer 2 by cheap
/// values, everything else computed honestly from them (the library's attack, on chain).
struct Forged {
	layers: Vec<Vec<Hash>>,
	acc: Vec<Hash>,
	tree_c: CachedTree,
	replica: Vec<Hash>,
	tree_r: CachedTree,
}

impl ColumnSource for Forged {
	fn label(&self, layer: u32, node: u64) -> Option<Hash> {
		self.layers.get(layer as usize - 1)?.get(node as usize).copied()
	}
	fn column_path(&self, node: u64) -> Option<Vec<Hash>> {
		self.tree_c.path(node, &self.acc)
	}
}

fn forge(replica_id: Hash, bad: &BTreeSet<u64>) -> Forged {
	let p = params();
	let g = Graph::new(&p);
	let mut layers: Vec<Vec<Hash>> = Vec::new();
	for l in 1..=p.layers {
		let mut cur = vec![[0u8; 32]; p.nodes() as usize];
		let prev = layers.last().map(|v| &v[..]);
		compute_layer(&g, &replica_id, l, prev, &mut cur, |v| {
			(l == 2 && bad.contains(&v)).then_some([0xEE; 32])
		});
		layers.push(cur);
	}
	let mut acc: Vec<Hash> = layers[0].iter().map(column_start).collect();
	for layer in &layers[1..] {
		for (a, l) in acc.iter_mut().zip(layer) {
			*a = column_step(a, l);
		}
	}
	let replica = layers.last().unwrap().clone();
	let tree_c = CachedTree::build(&acc, 2).unwrap();
	let tree_r = CachedTree::build(&replica, 2).unwrap();
	Forged { layers, acc, tree_c, replica, tree_r }
}

#[test]
fn mislabelled_nodes_are_caught_at_the_stated_rate_and_forfeit_the_deposit() {
	// 8 of 64 nodes forged (δ = 12.5 %), t = 2 × 4 = 8 node challenges on the one sector:
	// caught with 1 − (7/8)^8 = 65.6 %; 200 trials → 131.2 ± 6.7 (4 σ: 104..=158).
	let bad: BTreeSet<u64> = [3u64, 11, 17, 29, 38, 44, 51, 60].into_iter().collect();
	let mut caught = 0u32;
	for trial in 0..200u32 {
		build_and_execute(|| {
			register(ALICE, 1);
			let f = forge(StorageMiner::cc_replica_id(&ALICE, 0), &bad);
			let before = treasury();
			precommit(
				ALICE,
				0,
				&[PreCommitSector { comm_c: f.tree_c.root(), comm_r_last: f.tree_r.root() }],
			);
			run_to(5);
			let mut seeds = Seeds::get();
			seeds.insert(6, sp_io::hashing::blake2_256(&codec::Encode::encode(&(trial, 7u8))));
			Seeds::set(seeds);
			System::set_block_number(6);
			let ch = challenges(ALICE, 0);
			let nodes: Vec<u64> = ch.iter().map(|c| c.node).collect();
			let w = SectorWitness { replica: &f.replica, tree_r: &f.tree_r, data: None };
			let openings = open_nodes(&params(), &nodes, &f, &w).unwrap();
			let proof = SealProof { openings: openings.try_into().unwrap() };
			let hit = nodes.iter().any(|v| bad.contains(v));
			let r = StorageMiner::prove_commit_sectors(RuntimeOrigin::signed(ALICE), 0, proof);
			if hit {
				assert_eq!(r, Err(Error::<Test>::SealLabelMismatch.into()));
				run_to(16);
				assert_eq!(treasury(), before + 3 * CESS, "deposit forfeited");
				caught += 1;
			} else {
				assert_ok!(r);
			}
		});
	}
	println!("mislabelled sector caught in {caught} of 200 commits (expected 131.2 ± 6.7)");
	assert!((104..=158).contains(&caught), "caught {caught} of 200");
}
