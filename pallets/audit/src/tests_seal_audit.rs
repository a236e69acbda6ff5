//! Seal audits (issue 14) on the real storage-miner pallet, with real seals at the mock's tiny
//! SDR parameters. Timeline of the mock: rounds of 10 blocks opening at 1, 11, 21, …, proof
//! deadline 5 blocks after the opening (the sweep of round r runs at `1 + 10 r + 5`), 4 rounds
//! per cycle, seal audits answered within `SealAuditWindow` = 10 blocks. Numbers by hand:
//! `SlashLimit` = 2 000 CESS × max(1, ceil(TiB)) × 5 % = 100 CESS for these miners.

use crate::{mock::*, *};
use cess_storage_proof::sdr::commit::{column_start, column_step};
use cess_storage_proof::sdr::*;
use cess_storage_proof::Hash;
use cess_traits::{MinerInspect, MinerState};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::Inspect, fungible::Mutate, Get},
	BoundedVec,
};
use std::collections::BTreeSet;

const ALICE: AccountId = 1;

fn params() -> SdrParams {
	TinySeal::get()
}

fn register(who: AccountId) {
	Balances::set_balance(&who, 1_000_000 * CESS);
	let endpoint = vec![b'x'].try_into().expect("short endpoint");
	assert_ok!(StorageMiner::register(RuntimeOrigin::signed(who), who, endpoint, 1, PER_TIB));
}

/// What a prover holds of a sector: labels (to answer audits), replica and tree.
struct Held {
	layers: Vec<Vec<Hash>>,
	acc: Vec<Hash>,
	tree_c: CachedTree,
	replica: Vec<Hash>,
	tree_r: CachedTree,
}

impl ColumnSource for Held {
	fn label(&self, layer: u32, node: u64) -> Option<Hash> {
		self.layers.get(layer as usize - 1)?.get(node as usize).copied()
	}
	fn column_path(&self, node: u64) -> Option<Vec<Hash>> {
		self.tree_c.path(node, &self.acc)
	}
}

/// Labels `who`'s CC sector `no`, replacing the layer-2 labels of `bad` by junk (none: an
/// honest seal).
fn label_sector(who: AccountId, no: u64, bad: &BTreeSet<u64>) -> Held {
	let p = params();
	let g = Graph::new(&p);
	let id = StorageMiner::cc_replica_id(&who, no);
	let mut layers: Vec<Vec<Hash>> = Vec::new();
	for l in 1..=p.layers {
		let mut cur = vec![[0u8; 32]; p.nodes() as usize];
		let prev = layers.last().map(|v| &v[..]);
		compute_layer(&g, &id, l, prev, &mut cur, |v| {
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
	Held { layers, acc, tree_c, replica, tree_r }
}

fn openings(held: &Held, nodes: &[u64]) -> SealProof {
	let w = SectorWitness { replica: &held.replica, tree_r: &held.tree_r, data: None };
	let ops = open_nodes(&params(), nodes, held, &w).unwrap();
	SealProof { openings: ops.try_into().unwrap() }
}

/// Pre-commits `held` as `who`'s next sectors at the current block, runs to the seal block
/// and proves the batch (answering the commit challenges from `held`).
fn commit(who: AccountId, first: u64, held: &[&Held]) {
	let sectors: Vec<_> = held
		.iter()
		.map(|h| pallet_storage_miner::PreCommitSector {
			comm_c: h.tree_c.root(),
			comm_r_last: h.tree_r.root(),
		})
		.collect();
	assert_ok!(StorageMiner::precommit_sectors(
		RuntimeOrigin::signed(who),
		first,
		BoundedVec::try_from(sectors).unwrap()
	));
	let batch = pallet_storage_miner::NextBatchNo::<Test>::get(who) - 1;
	run_to(System::block_number() + SEAL_DELAY);
	let seed = StorageMiner::batch_seal_seed(&who, batch).unwrap();
	let ch = seal_challenges(&params(), &seed, held.len() as u32).unwrap();
	let mut ops = Vec::new();
	for c in ch.iter() {
		ops.extend(openings(held[c.sector as usize], &[c.node]).openings.into_inner());
	}
	assert_ok!(StorageMiner::prove_commit_sectors(
		RuntimeOrigin::signed(who),
		batch,
		SealProof { openings: ops.try_into().unwrap() }
	));
}

fn audit_nodes(who: AccountId) -> Vec<u64> {
	let a = SealAudits::<Test>::get(who).expect("audit issued");
	audit_challenges(&params(), &a.seed).unwrap().iter().map(|c| c.node).collect()
}

fn treasury() -> Balance {
	Balances::balance(&TREASURY)
}

fn collateral(who: AccountId) -> Balance {
	<StorageMiner as MinerInspect<_>>::collateral_and_debt(&who).expect("registered").0
}

#[test]
fn an_honest_miner_passes_its_seal_audit_once_per_cycle() {
	build_and_execute(|| {
		run_to(1);
		register(ALICE);
		let held: Vec<Held> = (0..2).map(|i| label_sector(ALICE, i, &BTreeSet::new())).collect();
		commit(ALICE, 0, &[&held[0], &held[1]]);
		// Not enrolled when proven: active at once, 2 sectors of 2 KiB idle, Positive.
		assert_eq!(<StorageMiner as MinerInspect<_>>::spaces(&ALICE).unwrap().idle, 4_096);
		assert_eq!(StorageMiner::state(&ALICE), Some(MinerState::Positive));
		// Enrolled in block 4; round 0's sweep (block 6) issues the cycle-0 audit.
		run_to(6);
		let a = SealAudits::<Test>::get(ALICE).expect("issued");
		assert_eq!((a.cycle, a.deadline, a.open), (0, 16, true));
		let held_sector = &held[a.sector as usize];
		let proof = openings(held_sector, &audit_nodes(ALICE));
		assert_ok!(Audit::submit_seal_audit(RuntimeOrigin::signed(ALICE), proof));
		assert!(!SealAudits::<Test>::get(ALICE).unwrap().open);
		System::assert_has_event(
			Event::<Test>::SealAuditPassed { miner: ALICE, cycle: 0, sector: a.sector }.into(),
		);
		// Nothing more in cycle 0 (rounds 1–3); cycle 1's first sweep (block 46) issues anew.
		run_to(45);
		assert_eq!(SealAudits::<Test>::get(ALICE).unwrap().cycle, 0);
		run_to(46);
		let b = SealAudits::<Test>::get(ALICE).unwrap();
		assert_eq!((b.cycle, b.open, b.deadline), (1, true, 56));
		assert_ne!(b.seed, a.seed, "fresh challenges");
		let proof = openings(&held[b.sector as usize], &audit_nodes(ALICE));
		assert_ok!(Audit::submit_seal_audit(RuntimeOrigin::signed(ALICE), proof));
		assert_eq!(collateral(ALICE), PER_TIB);
	});
}

#[test]
fn a_malformed_answer_is_rejected_and_changes_nothing() {
	build_and_execute(|| {
		run_to(1);
		register(ALICE);
		let held = label_sector(ALICE, 0, &BTreeSet::new());
		commit(ALICE, 0, &[&held]);
		assert_noop!(
			Audit::submit_seal_audit(RuntimeOrigin::signed(ALICE), openings(&held, &[1])),
			Error::<Test>::NoSealAudit
		);
		run_to(6);
		let nodes = audit_nodes(ALICE);
		assert_noop!(
			Audit::submit_seal_audit(RuntimeOrigin::signed(ALICE), openings(&held, &nodes[..3])),
			Error::<Test>::SealProofOpeningCount
		);
		// Answering other nodes: the columns open, but not at the challenged positions.
		let wrong: Vec<u64> = nodes.iter().map(|v| (v + 1) % 64).collect();
		assert!(Audit::submit_seal_audit(RuntimeOrigin::signed(ALICE), openings(&held, &wrong))
			.is_err());
		assert!(SealAudits::<Test>::get(ALICE).unwrap().open);
		// At the deadline block, before the sweep has settled the miss: too late.
		System::set_block_number(16);
		assert_noop!(
			Audit::submit_seal_audit(RuntimeOrigin::signed(ALICE), openings(&held, &nodes)),
			Error::<Test>::SealAuditClosed
		);
	});
}

#[test]
fn a_mislabelled_sector_that_slipped_through_commit_is_caught_as_fraud() {
	// First learn the commit challenges (the mock's randomness is deterministic), then forge
	// every other node: the commit passes, and the audit's 4 fresh challenges land on a forged
	// node with probability 1 − (8/64)^4 > 99.9 %.
	let commit_nodes: BTreeSet<u64> = {
		let mut nodes = BTreeSet::new();
		new_test_ext().execute_with(|| {
			run_to(1);
			register(ALICE);
			let held = label_sector(ALICE, 0, &BTreeSet::new());
			commit(ALICE, 0, &[&held]);
			let seed = StorageMiner::batch_seal_seed(&ALICE, 0);
			assert!(seed.is_none(), "batch proven and gone");
			// Recompute from the seal block's seed.
			let block_seed = BlockSeeds::<Test>::get(1 + SEAL_DELAY).unwrap();
			let sigma = seal_seed(&block_seed, &StorageMiner::account_bytes(&ALICE), 0);
			nodes = seal_challenges(&params(), &sigma, 1).unwrap().iter().map(|c| c.node).collect();
		});
		nodes
	};
	build_and_execute(|| {
		run_to(1);
		register(ALICE);
		let bad: BTreeSet<u64> = (0..64).filter(|v| !commit_nodes.contains(v)).collect();
		assert!(bad.len() >= 56);
		let forged = label_sector(ALICE, 0, &bad);
		commit(ALICE, 0, &[&forged]);
		run_to(6);
		let nodes = audit_nodes(ALICE);
		assert!(nodes.iter().any(|v| bad.contains(v)), "audit hits a forged node");
		let before = treasury();
		// The forged sector's best answer: its own committed columns. It proves the fraud.
		assert_ok!(Audit::submit_seal_audit(
			RuntimeOrigin::signed(ALICE),
			openings(&forged, &nodes)
		));
		// All 2 000 CESS of collateral to the treasury, banned for good.
		assert_eq!(treasury(), before + 2_000 * CESS);
		assert_eq!(collateral(ALICE), 0);
		assert_eq!(StorageMiner::state(&ALICE), Some(MinerState::Banned));
		System::assert_has_event(
			Event::<Test>::SealFraud {
				miner: ALICE,
				cycle: 0,
				sector: 0,
				collateral_slashed: 2_000 * CESS,
			}
			.into(),
		);
		System::assert_has_event(
			Event::<Test>::MinerSlashed {
				miner: ALICE,
				round: 0,
				reason: SlashReason::SealFraud,
				amount: 2_000 * CESS,
				slashed: 2_000 * CESS,
				debt_added: 0,
			}
			.into(),
		);
		System::assert_has_event(Event::<Test>::MinerBanned { miner: ALICE, round: 0 }.into());
		assert!(SealAudits::<Test>::get(ALICE).is_none());
	});
}

#[test]
fn three_missed_seal_audits_cost_two_slash_limits_then_everything() {
	build_and_execute(|| {
		run_to(1);
		register(ALICE);
		let held = label_sector(ALICE, 0, &BTreeSet::new());
		commit(ALICE, 0, &[&held]);
		let before = treasury();
		run_to(6);
		assert_eq!(SealAudits::<Test>::get(ALICE).unwrap().deadline, 16);
		// Miss 1 at round 1's sweep (block 16): SlashLimit = 100 CESS, reissued until 26.
		run_to(16);
		assert_eq!(treasury(), before + 100 * CESS);
		let a = SealAudits::<Test>::get(ALICE).unwrap();
		assert_eq!((a.misses, a.deadline, a.open), (1, 26, true));
		// Miss 2 at block 26: another 100 CESS.
		run_to(26);
		assert_eq!(treasury(), before + 200 * CESS);
		assert_eq!(collateral(ALICE), 1_800 * CESS);
		// Miss 3 at block 36: fraud, the remaining 1 800 CESS, banned.
		run_to(36);
		assert_eq!(treasury(), before + 2_000 * CESS);
		assert_eq!(collateral(ALICE), 0);
		assert_eq!(StorageMiner::state(&ALICE), Some(MinerState::Banned));
		let reasons: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Audit(Event::MinerSlashed { reason, amount, .. }) => {
					Some((reason, amount))
				}
				_ => None,
			})
			.collect();
		assert_eq!(
			reasons,
			vec![
				(SlashReason::SealAuditMissed, 100 * CESS),
				(SlashReason::SealAuditMissed, 100 * CESS),
				(SlashReason::SealFraud, 1_800 * CESS),
			]
		);
	});
}

#[test]
fn terminations_wait_while_a_seal_audit_is_open() {
	build_and_execute(|| {
		run_to(1);
		register(ALICE);
		let held: Vec<Held> = (0..2).map(|i| label_sector(ALICE, i, &BTreeSet::new())).collect();
		commit(ALICE, 0, &[&held[0], &held[1]]);
		run_to(6);
		let a = SealAudits::<Test>::get(ALICE).unwrap();
		let other = 1 - a.sector;
		assert_ok!(StorageMiner::terminate_sectors(
			RuntimeOrigin::signed(ALICE),
			BoundedVec::try_from(vec![other]).unwrap()
		));
		// Enrolled: queued. The next sweep (block 16, round 1) leaves it queued: audit open.
		run_to(15);
		assert_ok!(Audit::submit_seal_audit(
			RuntimeOrigin::signed(ALICE),
			openings(&held[a.sector as usize], &audit_nodes(ALICE))
		));
		// The passed audit is a checkpoint: the termination applies.
		assert!(pallet_storage_miner::Sectors::<Test>::get(ALICE, other).is_none());
		assert_eq!(pallet_storage_miner::ActiveSectorCount::<Test>::get(ALICE), 1);
		assert_eq!(<StorageMiner as MinerInspect<_>>::spaces(&ALICE).unwrap().idle, 2_048);
	});
}

#[test]
fn terminating_the_audited_sector_waits_for_the_answer() {
	build_and_execute(|| {
		run_to(1);
		register(ALICE);
		let held = label_sector(ALICE, 0, &BTreeSet::new());
		commit(ALICE, 0, &[&held]);
		run_to(6);
		assert_ok!(StorageMiner::terminate_sectors(
			RuntimeOrigin::signed(ALICE),
			BoundedVec::try_from(vec![0]).unwrap()
		));
		// Still there at the next sweeps: escaping the audit by terminating is impossible.
		run_to(15);
		assert!(pallet_storage_miner::Sectors::<Test>::get(ALICE, 0).is_some());
		run_to(16);
		assert!(pallet_storage_miner::Sectors::<Test>::get(ALICE, 0).is_some());
		assert_eq!(SealAudits::<Test>::get(ALICE).unwrap().misses, 1);
	});
}
