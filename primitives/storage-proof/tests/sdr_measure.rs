//! Measurements of SDR sealing and proofs for `docs/measurements.md` (prints a table).
//! Short (≈ 10 s on one core); run with
//! `cargo test --release -p cess-storage-proof --test sdr_measure -- --ignored --nocapture`.
//! Times are the thread's CPU time, so a shared machine inflates them only through cache
//! and SMT contention.

mod sdr_common;

use cess_storage_proof::sdr::*;
use cess_storage_proof::{BoundedVec, Hash};
use codec::Encode;
use sdr_common::*;
use std::time::Instant;

const MIB: f64 = 1048576.0;

fn vm_hwm_kib() -> u64 {
	std::fs::read_to_string("/proc/self/status")
		.ok()
		.and_then(|s| {
			s.lines()
				.find(|l| l.starts_with("VmHWM:"))
				.and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
		})
		.unwrap_or(0)
}

/// An opening with every vector at the size production fills (`cols` columns).
fn shaped_opening(p: &SdrParams, cols: usize, service: bool) -> SealOpening {
	let path = || BoundedVec::try_from(vec![[1u8; 32]; p.log2_nodes as usize]).unwrap();
	let node = || NodeProof { node: [2u8; 32], path: path() };
	let col = || Column {
		labels: BoundedVec::try_from(vec![[3u8; 32]; p.layers as usize]).unwrap(),
		path: path(),
	};
	SealOpening {
		columns: BoundedVec::try_from((0..cols).map(|_| col()).collect::<Vec<_>>()).unwrap(),
		replica: node(),
		data: service.then(node),
	}
}

#[test]
#[ignore = "measurement; prints numbers for docs/measurements.md"]
fn measure_sdr() {
	// Peak RSS of one dev pipeline, measured first (VmHWM only grows).
	let d = SdrParams::dev();
	let did = replica_id(&GENESIS, &MINER, 0, &cc_comm_d(&d), d.params_id);
	let hwm0 = vm_hwm_kib();
	let (_, td) = cpu_timed(|| {
		seal(&d, SealInput { replica_id: did, data: vec![[0u8; 32]; 1 << 18] }, &config()).unwrap()
	});
	println!(
		"| peak RSS of one dev seal (S = 8 MiB) | {:.1} MiB above the {:.1} MiB baseline = {:.2} S |",
		(vm_hwm_kib() - hwm0) as f64 / 1024.0,
		hwm0 as f64 / 1024.0,
		(vm_hwm_kib() - hwm0) as f64 / 8192.0
	);
	// Label time per layer kind, 2^16 nodes.
	let p = SdrParams::scaled_production(16);
	let g = Graph::new(&p);
	let n = p.nodes() as usize;
	let id = [7u8; 32];
	let mut l1 = vec![[0u8; 32]; n];
	let (_, t1) = cpu_timed(|| compute_layer(&g, &id, 1, None, &mut l1, |_| None));
	let mut l2 = vec![[0u8; 32]; n];
	let (_, t2) = cpu_timed(|| compute_layer(&g, &id, 2, Some(&l1), &mut l2, |_| None));
	let (_, tg) = cpu_timed(|| {
		let mut x = 0u64;
		for v in 0..n as u64 {
			x ^= g.drg_parents(v)[0] ^ g.exp_parents(v)[0];
		}
		x
	});
	let ns = |d: std::time::Duration| d.as_nanos() as f64 / n as f64;
	println!("| label, layer 1 (237 B) | {:.0} ns |", ns(t1));
	println!("| label, layers ≥ 2 (493 B) | {:.0} ns |", ns(t2));
	println!("| parents (DRG + expander) per node | {:.0} ns |", ns(tg));

	// Dev preset seal (timed above).
	println!(
		"| dev seal (8 MiB, L = 2) | {:.0} ms CPU, {:.2} MiB/s per core |",
		td.as_secs_f64() * 1e3,
		8.0 / td.as_secs_f64()
	);

	// Scaled production seal (L = 11), 2^17 nodes = 4 MiB.
	let s = SdrParams::scaled_production(17);
	let sid = [9u8; 32];
	let (sealed, ts) = cpu_timed(|| {
		seal(&s, SealInput { replica_id: sid, data: vec![[0u8; 32]; 1 << 17] }, &config()).unwrap()
	});
	let mibps = 4.0 / ts.as_secs_f64();
	println!(
		"| scaled production seal (4 MiB, L = 11) | {:.0} ms CPU, {:.3} MiB/s per core; 8 GiB sector ≈ {:.1} core-h; 1 TiB ≈ {:.0} core-h |",
		ts.as_secs_f64() * 1e3,
		mibps,
		8192.0 / mibps / 3600.0,
		1048576.0 / mibps / 3600.0
	);
	println!(
		"| RAM per pipeline (formula 4 S) | production {:.0} GiB, dev {:.0} MiB |",
		pipeline_bytes(&SdrParams::production()) as f64 / 1073741824.0,
		pipeline_bytes(&d) as f64 / MIB
	);

	// Two pipelines on two threads (wall clock; the machine is shared).
	let inputs: Vec<SealInput> = (0..2u8)
		.map(|i| SealInput { replica_id: [i; 32], data: vec![[0u8; 32]; 1 << 17] })
		.collect();
	let cfg = SealerConfig { threads: 2, ..config() };
	let start = Instant::now();
	let out = seal_many(&s, inputs, &cfg);
	assert!(out.iter().all(|r| r.is_ok()));
	println!(
		"| seal_many, 2 × 4 MiB on 2 threads | {:.0} ms wall |",
		start.elapsed().as_secs_f64() * 1e3
	);

	// Commit proof at the scaled preset (64 openings, 2^17 nodes): build, size, verify.
	let ch = seal_challenges(&s, &[5; 32], 1).unwrap();
	let (proof, tb) = cpu_timed(|| {
		let w = SectorWitness { replica: &sealed.replica, tree_r: &sealed.tree_r, data: None };
		prove_seal(&s, &ch, &[(sid, w)], &config()).unwrap()
	});
	let public = SectorPublic {
		replica_id: sid,
		comm_c: sealed.comm_c,
		comm_r_last: sealed.comm_r_last,
		comm_d: None,
	};
	let reps = 20;
	let (_, tv) = cpu_timed(|| {
		for _ in 0..reps {
			assert_eq!(verify_seal(&s, &ch, &[public], &proof), Ok(()));
		}
	});
	let cols: usize = proof.openings.iter().map(|o| o.columns.len()).sum();
	println!(
		"| commit proof, 64 openings at 2^17, L = 11 | {} B ({:.1} columns per opening), build {:.0} ms, verify {:.0} µs native |",
		proof.encode().len(),
		cols as f64 / 64.0,
		tb.as_secs_f64() * 1e3,
		tv.as_secs_f64() * 1e6 / reps as f64
	);

	// Production sizes, exactly, from shaped openings (15 columns is the maximum; the
	// measured mean of distinct columns is used for the typical size).
	let prod = SdrParams::production();
	let pg = Graph::new(&prod);
	let mean_cols = (0..10_000u64)
		.map(|i| pg.node_set(i.wrapping_mul(0x9E37_79B9) & (prod.nodes() - 1)).as_slice().len())
		.sum::<usize>() as f64
		/ 10_000.0;
	let cc = shaped_opening(&prod, 15, false).encode().len();
	let srv = shaped_opening(&prod, 15, true).encode().len();
	let typ = shaped_opening(&prod, mean_cols.round() as usize, false).encode().len();
	println!(
		"| production commit opening | CC {cc} B, service {srv} B (15 columns); {typ} B at the mean {mean_cols:.2} columns; 64 openings ≤ {:.2} MB (CC) / {:.2} MB (service) |",
		64.0 * cc as f64 / 1e6,
		64.0 * srv as f64 / 1e6
	);
	// Verification hashes per production opening (15 columns): column hash chain (L),
	// column leaf + path (1 + n), labels (L, 2–4 compressions), replica/data leaf + path.
	let hashes = |p: &SdrParams, c: f64| {
		c * (f64::from(p.layers) + 1.0 + f64::from(p.log2_nodes))
			+ f64::from(p.layers)
			+ 1.0 + f64::from(p.log2_nodes)
	};
	let per_hash = tv.as_secs_f64() / reps as f64 / (64.0 * hashes(&s, cols as f64 / 64.0));
	println!(
		"| production commit verify (estimate from {:.0} ns per hash) | {:.0} µs per opening, {:.1} ms per 64-opening batch (CC) |",
		per_hash * 1e9,
		per_hash * hashes(&prod, mean_cols) * 1e6,
		64.0 * per_hash * hashes(&prod, mean_cols) * 1e3
	);

	// Production depth measured directly on a sparse-tree fixture (same bytes, same work).
	let ch_p: SealChallenges = seal_challenges(&prod, &[0x77; 32], 1).unwrap();
	let (pub_p, proof_p) = sdr_common::sparse::sparse_seal_proof(&prod, [0x31; 32], &ch_p);
	let (_, tvp) = cpu_timed(|| {
		for _ in 0..reps {
			assert_eq!(verify_seal(&prod, &ch_p, &[pub_p], &proof_p), Ok(()));
		}
	});
	let cols_p: usize = proof_p.openings.iter().map(|o| o.columns.len()).sum();
	println!(
		"| production commit proof, 64 CC openings (sparse fixture, 2^28, L = 11) | {} B ({:.2} columns per opening), verify {:.2} ms native ({:.0} µs per opening) |",
		proof_p.encode().len(),
		cols_p as f64 / 64.0,
		tvp.as_secs_f64() * 1e3 / reps as f64,
		tvp.as_secs_f64() * 1e6 / reps as f64 / 64.0
	);

	// Label time when the previous layer is far beyond the caches (2^21 nodes = 64 MiB).
	let big = SdrParams::scaled_production(21);
	let gb = Graph::new(&big);
	let nb = big.nodes() as usize;
	let mut b1 = vec![[0u8; 32]; nb];
	compute_layer(&gb, &id, 1, None, &mut b1, |_| None);
	let mut b2 = vec![[0u8; 32]; nb];
	let (_, tb2) = cpu_timed(|| compute_layer(&gb, &id, 2, Some(&b1), &mut b2, |_| None));
	println!(
		"| label, layers ≥ 2, 64 MiB layers (DRAM-bound expander reads) | {:.0} ns |",
		tb2.as_nanos() as f64 / nb as f64
	);
	drop((b1, b2));

	// Window proof: 16 + 16 openings.
	let wc = window_challenges(&s, &[6; 32], 1, 1).unwrap();
	let reps_w: Vec<(&[Hash], &CachedTree)> =
		wc.iter().map(|_| (&sealed.replica[..], &sealed.tree_r)).collect();
	let (wp, twb) = cpu_timed(|| prove_window(&wc, &reps_w).unwrap());
	let roots = vec![sealed.comm_r_last; wc.len()];
	let (_, twv) = cpu_timed(|| {
		for _ in 0..100 {
			assert_eq!(verify_window(&s, &wc, &roots, &wp), Ok(()));
		}
	});
	let prod_w = 1 + 32 * (32 + 1 + 32 * prod.log2_nodes as usize);
	println!(
		"| window proof, 32 openings at 2^17 | {} B, build {:.1} ms (cache level 2), verify {:.0} µs; production {} B, verify ≈ {:.0} µs |",
		wp.encode().len(),
		twb.as_secs_f64() * 1e3,
		twv.as_secs_f64() * 1e6 / 100.0,
		prod_w,
		twv.as_secs_f64() * 1e6 / 100.0 * 29.0 / 18.0
	);

	// Production-depth window proof on a sparse replica tree (32 distinct sectors' roots
	// are the same tree here; the verifier's work is identical).
	let wcp = window_challenges(&prod, &[8; 32], 10, 10).unwrap();
	let leaves: std::collections::BTreeMap<u64, Hash> =
		wcp.iter().map(|c| (c.node, [c.node as u8; 32])).collect();
	let tree = sdr_common::sparse::SparseTree::new(prod.log2_nodes, &leaves);
	let wpp = WindowProof {
		openings: wcp
			.iter()
			.map(|c| NodeProof {
				node: leaves[&c.node],
				path: tree.path(c.node).try_into().unwrap(),
			})
			.collect::<Vec<_>>()
			.try_into()
			.unwrap(),
	};
	let rootsp = vec![tree.root(); wcp.len()];
	let (_, twp) = cpu_timed(|| {
		for _ in 0..100 {
			assert_eq!(verify_window(&prod, &wcp, &rootsp, &wpp), Ok(()));
		}
	});
	println!(
		"| production window proof, 16 + 16 openings (sparse fixture) | {} B, verify {:.0} µs native |",
		wpp.encode().len(),
		twp.as_secs_f64() * 1e6 / 100.0
	);

	// Unseal time equals the labeling (no accumulator).
	let (_, tu) = cpu_timed(|| unseal(&s, &sid, &sealed.replica, &config()).unwrap());
	println!("| unseal 4 MiB, L = 11 | {:.0} ms CPU |", tu.as_secs_f64() * 1e3);
}
