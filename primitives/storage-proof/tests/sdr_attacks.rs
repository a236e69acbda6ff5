//! The attacks on sealed sectors, played at the library level, each losing.
//!
//! * store nothing and regenerate on challenge: measured on a scaled production sector and
//!   extrapolated to 2^28 nodes, the sequential labeling exceeds the window by the
//!   documented margin even for an 8× faster attacker;
//! * mislabel a fraction δ of the nodes (cheap labels, everything else computed honestly
//!   from them): caught exactly when a challenge lands on a forged column, at the stated
//!   rate `1 − (1 − δ)^t` over many seeded trials, always as `LabelMismatch` (fraud);
//! * one garbage sector in a batch: caught at `1 − (1 − 1/M)^s`;
//! * sybil copies: two replica ids for the same data give unrelated replicas, so one copy
//!   cannot answer for the other;
//! * self-dealt data equal to the key does not give an all-zero (compressible) replica.

mod sdr_common;

use cess_storage_proof::sdr::commit::{column_start, column_step, xor};
use cess_storage_proof::sdr::*;
use cess_storage_proof::Hash;
use sdr_common::*;
use std::collections::BTreeSet;

/// The response window of the production design: W = 5 blocks plus 2 slots of
/// foreknowledge, 6 s each (design C.4).
const W_EFF_SECS: f64 = 42.0;
/// Assumed speed-up of an attacker's hashing hardware over the reference core.
const ASIC_SPEEDUP: f64 = 8.0;

#[test]
fn store_nothing_and_regenerate_takes_longer_than_the_window() {
	// Scaled production: 11 layers, production graph rules, 2^15 nodes (1 MiB).
	let p = SdrParams::scaled_production(15);
	let honest = Fixture::cc(&p, &MINER, 0);
	// The cheater kept nothing but the public replica id (it can always recompute that).
	// Its only way to an answer is to relabel every layer: time it (thread CPU time).
	let zero = vec![[0u8; 32]; p.nodes() as usize];
	let (regen, cpu) =
		cpu_timed(|| unseal(&p, &honest.sealed.replica_id, &zero, &config()).unwrap());
	// For a CC sector the key is the replica: the regeneration is exact, and nothing short
	// of it works (a replica from another id misses, see the sybil test).
	assert_eq!(regen, honest.sealed.replica);
	let labels = u64::from(p.layers) * p.nodes();
	let t_lab = cpu.as_secs_f64() / labels as f64;
	// Production: (L − 1) · 2^28 labels strictly one after another (design C.4).
	let prod = SdrParams::production();
	let t_regen = prod.sequential_labels() as f64 * t_lab;
	println!(
		"t_lab = {:.3} µs; scaled 2^15 × 11 regeneration {:?}; production T_regen = {:.0} s \
		 = {:.1} × W_eff on this core, {:.1} × W_eff at {}× speed-up",
		t_lab * 1e6,
		cpu,
		t_regen,
		t_regen / W_EFF_SECS,
		t_regen / ASIC_SPEEDUP / W_EFF_SECS,
		ASIC_SPEEDUP
	);
	// Parameter rule of the design: (L − 1) · N · t_lab / A ≥ 3 · W_eff, with A the
	// attacker's speed-up over the measuring core. At the reference 0.6 µs per label:
	// 10 · 2^28 · 0.6 µs = 1 611 s, / 8 = 201 s ≥ 126 s; here (0.8–1.1 µs) ≈ 280–370 s.
	// The margin depends on the core that measures: it holds with A = 8 for any core
	// with t_lab ≥ 0.39 µs. Asserted: the rule with A = 8 at a margin of 1 (any core with
	// t_lab ≥ 0.125 µs; four blake2b compressions cannot be faster than 0.15 µs on a CPU,
	// asserted below), and the full 3× margin on cores at least as slow as 0.39 µs.
	assert!(t_regen / ASIC_SPEEDUP >= W_EFF_SECS, "T_regen {t_regen:.0} s too short");
	if t_lab >= 0.39e-6 {
		assert!(t_regen / ASIC_SPEEDUP >= 3.0 * W_EFF_SECS, "T_regen {t_regen:.0} s");
	}
	assert!(t_lab > 0.15e-6, "t_lab {t_lab}");
	// The extrapolation rests on regeneration being linear in N (one sequential label
	// per node and layer): half the sector takes about half the time.
	let half = SdrParams::scaled_production(14);
	let id = replica_id(&GENESIS, &MINER, 0, &cc_comm_d(&half), half.params_id);
	let zero = vec![[0u8; 32]; half.nodes() as usize];
	let (_, cpu_half) = cpu_timed(|| unseal(&half, &id, &zero, &config()).unwrap());
	let ratio = cpu.as_secs_f64() / cpu_half.as_secs_f64();
	println!("regeneration 2^15 / 2^14 = {ratio:.2}");
	assert!((1.5..=2.7).contains(&ratio), "ratio {ratio}");
}

/// A prover's forged sector: all layers kept, with labels of the nodes in `bad` replaced
/// by cheap values in layer 2 and every other label computed honestly from them.
struct Forged {
	layers: Vec<Vec<Hash>>,
	acc: Vec<Hash>,
	tree_c: CachedTree,
	replica: Vec<Hash>,
	tree_r: CachedTree,
	replica_id: Hash,
}

impl ColumnSource for Forged {
	fn label(&self, layer: u32, node: u64) -> Option<Hash> {
		self.layers.get(layer as usize - 1)?.get(node as usize).copied()
	}
	fn column_path(&self, node: u64) -> Option<Vec<Hash>> {
		self.tree_c.path(node, &self.acc)
	}
}

fn forge(p: &SdrParams, replica_id: Hash, bad: &BTreeSet<u64>) -> Forged {
	let g = Graph::new(p);
	let n = p.nodes() as usize;
	let mut layers: Vec<Vec<Hash>> = Vec::new();
	for l in 1..=p.layers {
		let mut cur = vec![[0u8; 32]; n];
		let prev = layers.last().map(|v| &v[..]);
		compute_layer(&g, &replica_id, l, prev, &mut cur, |v| {
			(l == 2 && bad.contains(&v)).then(|| {
				let mut h = [0xEEu8; 32];
				h[..8].copy_from_slice(&v.to_le_bytes());
				h
			})
		});
		layers.push(cur);
	}
	let mut acc: Vec<Hash> = layers[0].iter().map(column_start).collect();
	for layer in &layers[1..] {
		for (a, l) in acc.iter_mut().zip(layer) {
			*a = column_step(a, l);
		}
	}
	let replica = layers.last().unwrap().clone(); // CC: data 0
	let tree_c = CachedTree::build(&acc, 3).unwrap();
	let tree_r = CachedTree::build(&replica, 3).unwrap();
	Forged { layers, acc, tree_c, replica, tree_r, replica_id }
}

/// Seeded pseudo-random u64 stream (SplitMix64) for choosing forged nodes.
fn stream(mut s: u64) -> impl FnMut() -> u64 {
	move || {
		s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
		let mut z = s;
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		z ^ (z >> 31)
	}
}

/// Plays `trials` commits of a sector with exactly `forged` of N nodes mislabelled, with
/// `t` challenges each; returns how many were caught. Asserts that a commit is caught
/// exactly when a challenge lands on a forged node, and always as fraud evidence.
fn play_mislabel(log2: u32, forged: usize, t: u32, trials: u32) -> u32 {
	let p = SdrParams {
		params_id: 0xFFFF_0002,
		log2_nodes: log2,
		log2_slot_nodes: log2,
		layers: 3,
		seal_sectors: t / 8,
		seal_nodes: 8,
		audit_challenges: 4,
		window_per_part: 2,
	};
	let mut rng = stream(u64::from(log2) * 1000 + forged as u64);
	let mut bad = BTreeSet::new();
	while bad.len() < forged {
		bad.insert(rng() & (p.nodes() - 1));
	}
	let f = forge(&p, [0x42; 32], &bad);
	let public = SectorPublic {
		replica_id: f.replica_id,
		comm_c: f.tree_c.root(),
		comm_r_last: f.tree_r.root(),
		comm_d: None,
	};
	let w = SectorWitness { replica: &f.replica, tree_r: &f.tree_r, data: None };
	let mut caught = 0;
	for trial in 0..trials {
		let mut seed = [0u8; 32];
		seed[..4].copy_from_slice(&trial.to_le_bytes());
		seed[4] = forged as u8;
		let ch = seal_challenges(&p, &seed, 1).unwrap();
		let nodes: Vec<u64> = ch.iter().map(|c| c.node).collect();
		let openings = open_nodes(&p, &nodes, &f, &w).unwrap();
		let proof = SealProof { openings: openings.try_into().unwrap() };
		let hit = nodes.iter().position(|v| bad.contains(v));
		match (verify_seal(&p, &ch, &[public], &proof), hit) {
			(Ok(()), None) => {}
			(Err(SdrError::LabelMismatch { opening, layer: 2 }), Some(i)) => {
				assert_eq!(opening as usize, i);
				caught += 1;
			}
			(r, h) => panic!("trial {trial}: {r:?} with first forged challenge {h:?}"),
		}
	}
	caught
}

#[test]
fn mislabelled_nodes_are_caught_at_the_stated_rate() {
	// (forged of 1024, t, trials): expected rate 1 − (1 − δ)^t, δ = forged / 1024.
	// * δ = 51/1024 = 4.98 %, t = 16: 1 − 0.9502^16 = 55.9 %; 400 trials → 223.6 ± 9.9
	// * δ = 10/1024 = 0.98 %, t = 64 (production): 1 − 0.99023^64 = 46.6 % (design: 47 %
	//   at 1 %); 300 trials → 139.9 ± 8.6
	// * δ = 51/1024, t = 64: 96.2 % (design: 96.2 % at 5 %); 300 trials → 288.6 ± 3.3
	for (forged, t, trials) in [(51usize, 16u32, 400u32), (10, 64, 300), (51, 64, 300)] {
		let delta = forged as f64 / 1024.0;
		let p = 1.0 - (1.0 - delta).powi(t as i32);
		let mean = p * f64::from(trials);
		let sd = (mean * (1.0 - p)).sqrt();
		let caught = play_mislabel(10, forged, t, trials);
		println!("δ = {delta:.4}, t = {t}: caught {caught}/{trials}, expected {mean:.1} ± {sd:.1}");
		assert!(
			(f64::from(caught) - mean).abs() <= 4.0 * sd + 1.0,
			"δ = {delta}, t = {t}: caught {caught}, expected {mean:.1} ± {sd:.1}"
		);
	}
}

#[test]
fn a_garbage_sector_in_a_batch_is_caught_when_challenged() {
	// M = 8 sectors, one of them never sealed (random replica and columns committed);
	// s = 8 sector picks with replacement: caught with 1 − (7/8)^8 = 65.6 %;
	// 300 batches → 196.8 ± 8.2.
	let p = SdrParams { seal_sectors: 8, seal_nodes: 1, ..tiny() };
	let mut fx: Vec<Fixture> = (0..7).map(|i| Fixture::cc(&p, &MINER, i)).collect();
	let honest = Fixture::cc(&p, &MINER, 7);
	// The garbage sector keeps its replica id but commits to junk it never labelled.
	let junk: Vec<Hash> = (0..64u8).map(|i| [i.wrapping_mul(97); 32]).collect();
	let mut garbage = Fixture::cc(&p, &MINER, 7);
	garbage.sealed.replica = junk.clone();
	garbage.sealed.tree_r = CachedTree::build(&junk, 2).unwrap();
	garbage.sealed.comm_r_last = garbage.sealed.tree_r.root();
	garbage.sealed.comm_c = honest.sealed.comm_r_last; // any value: not the real columns
	fx.push(garbage);
	let public: Vec<_> = fx.iter().map(|f| f.public()).collect();
	let mut caught = 0u32;
	for trial in 0..300u32 {
		let mut seed = [1u8; 32];
		seed[..4].copy_from_slice(&trial.to_le_bytes());
		let ch = seal_challenges(&p, &seed, 8).unwrap();
		let hit = ch.iter().any(|c| c.sector == 7);
		// The cheater answers the garbage sector's challenges with honest columns of the
		// real labeling (the best it can do): they do not open in its committed comm_c.
		let w: Vec<_> = fx.iter().map(|f| f.witness()).collect();
		let proof = prove_seal(&p, &ch, &w, &config()).unwrap();
		let r = verify_seal(&p, &ch, &public, &proof);
		assert_eq!(r.is_err(), hit, "trial {trial}: {r:?}");
		caught += u32::from(hit);
	}
	assert!((164..=230).contains(&caught), "caught {caught}");
}

#[test]
fn sybil_copies_of_the_same_data_are_unrelated_replicas() {
	let p = tiny();
	let slots = vec![Some(bytes(9, 512)), Some(bytes(8, 512)), None, None];
	let a = Fixture::seal(&p, &MINER, 1, &slots);
	let b = Fixture::seal(&p, &[0x33; 32], 1, &slots); // a sybil account, same data
	let c = Fixture::seal(&p, &MINER, 2, &slots); // the same miner, another sector number
	assert_eq!(a.comm_d, b.comm_d);
	for (x, y) in [(&a, &b), (&a, &c), (&b, &c)] {
		assert_ne!(x.sealed.replica_id, y.sealed.replica_id);
		assert_ne!(x.sealed.comm_r_last, y.sealed.comm_r_last);
		assert_ne!(x.sealed.comm_c, y.sealed.comm_c);
		// No node in common, and about half the bits differ (64 nodes × 256 bits:
		// 8 192 ± 64 expected; allow 6σ).
		let equal = x.sealed.replica.iter().zip(&y.sealed.replica).filter(|(p, q)| p == q).count();
		assert_eq!(equal, 0);
		let bits: u32 = x
			.sealed
			.replica
			.iter()
			.zip(&y.sealed.replica)
			.flat_map(|(p, q)| p.iter().zip(q).map(|(u, v)| (u ^ v).count_ones()))
			.sum();
		assert!((7808..=8576).contains(&bits), "differing bits {bits}");
	}
	// B answers its window challenge from A's copy (plus the data everyone can fetch):
	// every opening fails against B's committed root.
	let wc = window_challenges(&p, &[3; 32], 1, 0).unwrap();
	let from_a = prove_window(&wc, &[(&a.sealed.replica[..], &a.sealed.tree_r); 2]).unwrap();
	assert_eq!(
		verify_window(&p, &wc, &[b.sealed.comm_r_last; 2], &from_a),
		Err(SdrError::ReplicaNotCommitted { opening: 0 })
	);
	// Nor does A's copy re-keyed with the data help: A ⊕ D is A's key, not B's.
	let rekeyed: Vec<Hash> = a.sealed.replica.iter().zip(&a.data).map(|(r, d)| xor(r, d)).collect();
	let b_key = unseal(&p, &b.sealed.replica_id, &vec![[0u8; 32]; 64], &config()).unwrap();
	assert_eq!(rekeyed.iter().zip(&b_key).filter(|(x, y)| x == y).count(), 0);
}

#[test]
fn self_dealt_data_equal_to_the_key_does_not_zero_the_replica() {
	// The self-dealer learns the key of a CC sector and stores it as "data", hoping for a
	// replica of zeros it need not keep. The data changes comm_d, hence the replica id and
	// the key: the replica is as random as any other.
	let p = tiny();
	let cc = Fixture::cc(&p, &MINER, 5);
	let key_bytes: Vec<u8> = cc.sealed.replica.iter().flatten().copied().collect();
	let slots: Vec<Option<Vec<u8>>> = key_bytes.chunks(512).map(|c| Some(c.to_vec())).collect();
	let sd = Fixture::seal(&p, &MINER, 5, &slots);
	assert_eq!(sd.data, cc.sealed.replica);
	assert_ne!(sd.sealed.replica_id, cc.sealed.replica_id);
	let zeros = sd.sealed.replica.iter().filter(|n| **n == [0u8; 32]).count();
	assert_eq!(zeros, 0);
}

#[test]
fn deleting_part_of_a_replica_is_caught_by_window_proofs_at_the_stated_rate() {
	// A miner keeps its replica tree but deletes a fraction f of the replica nodes, and
	// answers each window challenge with what it has (a deleted node cannot be produced in
	// the window: that would take T_regen). Caught exactly when a challenge lands on a
	// deleted node; per round with 16 + 16 openings over its sectors: 1 − (1 − f)^32.
	// f = 102/1024 = 9.96 %: 1 − 0.9004^32 = 96.5 %; 300 rounds → 289.6 ± 3.2.
	// f = 10/1024 = 0.98 %: 1 − 0.99023^32 = 26.9 %; 300 rounds → 80.6 ± 7.7.
	let p = SdrParams {
		params_id: 0xFFFF_0003,
		log2_nodes: 10,
		log2_slot_nodes: 10,
		layers: 2,
		seal_sectors: 1,
		seal_nodes: 1,
		audit_challenges: 1,
		window_per_part: 16,
	};
	let srv = Fixture::cc(&p, &MINER, 0);
	let idle = Fixture::cc(&p, &MINER, 1);
	for (deleted, trials) in [(102usize, 300u32), (10, 300)] {
		let mut rng = stream(deleted as u64);
		let mut gone = [BTreeSet::new(), BTreeSet::new()];
		for g in gone.iter_mut() {
			while g.len() < deleted {
				g.insert(rng() & 1023);
			}
		}
		let damaged = |f: &Fixture, g: &BTreeSet<u64>| -> Vec<Hash> {
			(0..1024u64)
				.map(|i| if g.contains(&i) { [0u8; 32] } else { f.sealed.replica[i as usize] })
				.collect()
		};
		let kept = [damaged(&srv, &gone[0]), damaged(&idle, &gone[1])];
		let mut caught = 0u32;
		for round in 0..trials {
			let seed = window_seed(&[deleted as u8; 32], round, &MINER, 1, 1);
			let wc = window_challenges(&p, &seed, 1, 1).unwrap();
			// Paths from the honest trees (the miner kept them); nodes from what is left.
			let reps: Vec<(&[Hash], &CachedTree)> = wc
				.service
				.iter()
				.map(|_| (&srv.sealed.replica[..], &srv.sealed.tree_r))
				.chain(wc.idle.iter().map(|_| (&idle.sealed.replica[..], &idle.sealed.tree_r)))
				.collect();
			let mut proof = prove_window(&wc, &reps).unwrap();
			for (k, c) in wc.iter().enumerate() {
				let part = usize::from(k >= wc.service.len());
				proof.openings.get_mut(k).unwrap().node = kept[part][c.node as usize];
			}
			let hit = wc
				.iter()
				.enumerate()
				.position(|(k, c)| gone[usize::from(k >= wc.service.len())].contains(&c.node));
			let roots = wc
				.service
				.iter()
				.map(|_| srv.sealed.comm_r_last)
				.chain(wc.idle.iter().map(|_| idle.sealed.comm_r_last))
				.collect::<Vec<_>>();
			match (verify_window(&p, &wc, &roots, &proof), hit) {
				(Ok(()), None) => {}
				(Err(SdrError::ReplicaNotCommitted { opening }), Some(i)) => {
					assert_eq!(opening as usize, i);
					caught += 1;
				}
				(r, h) => panic!("round {round}: {r:?} with first deleted challenge {h:?}"),
			}
		}
		let f = deleted as f64 / 1024.0;
		let pr = 1.0 - (1.0 - f).powi(32);
		let mean = pr * f64::from(trials);
		let sd = (mean * (1.0 - pr)).sqrt();
		println!("f = {f:.4}: caught {caught}/{trials} rounds, expected {mean:.1} ± {sd:.1}");
		assert!((f64::from(caught) - mean).abs() <= 4.0 * sd + 1.0, "caught {caught}");
	}
}
