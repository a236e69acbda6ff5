//! Golden vectors of SDR v1: fixed tiny and dev sectors and their commitments, challenges
//! and proof digests, in `vectors/sdr-v1.txt` (`key = value` lines) so the runtime and the
//! agent can check they compute the very same values. Regenerate (only on a deliberate
//! construction change, which needs a new `params_id`) with
//! `CESS_UPDATE_VECTORS=1 cargo test -p cess-storage-proof --test sdr_golden`.

mod sdr_common;

use cess_storage_proof::sdr::*;
use cess_storage_proof::{fragment_root, Hash};
use codec::Encode;
use sdr_common::*;
use sp_crypto_hashing::blake2_256;

fn vectors() -> Vec<(String, String)> {
	let mut v: Vec<(String, String)> = Vec::new();
	let mut put = |k: &str, val: String| v.push((k.to_string(), val));
	let p = tiny();
	put("tiny.params", hex(&p.encode()));
	put("tiny.graph_seed", hex(&graph_seed(&p)));
	let g = Graph::new(&p);
	put("tiny.drg_parents_37", format!("{:?}", g.drg_parents(37)));
	put("tiny.exp_parents_37", format!("{:?}", g.exp_parents(37)));
	put("tiny.zero_root_4", hex(&zero_root(4)));

	let srv = service_fixture(&p, &MINER, 7);
	let fp = frag_params(&p);
	put("tiny.service.genesis", hex(&GENESIS));
	put("tiny.service.miner", hex(&MINER));
	put("tiny.service.sector_no", "7".into());
	put("tiny.service.slot0_root", hex(&fragment_root(&fp, &bytes(1, 300)).unwrap()));
	put("tiny.service.slot2_root", hex(&fragment_root(&fp, &bytes(2, 512)).unwrap()));
	put("tiny.service.comm_d", hex(&srv.comm_d));
	put("tiny.service.replica_id", hex(&srv.sealed.replica_id));
	put("tiny.service.comm_c", hex(&srv.sealed.comm_c));
	put("tiny.service.comm_r_last", hex(&srv.sealed.comm_r_last));
	put("tiny.service.comm_r", hex(&srv.sealed.comm_r));
	put("tiny.service.replica_node_0", hex(&srv.sealed.replica[0]));
	put("tiny.service.replica_node_63", hex(&srv.sealed.replica[63]));

	let cc = Fixture::cc(&p, &MINER, 8);
	put("tiny.cc.comm_d", hex(&cc.comm_d));
	put("tiny.cc.replica_id", hex(&cc.sealed.replica_id));
	put("tiny.cc.comm_r", hex(&cc.sealed.comm_r));

	let seed = seal_seed(&[0xAB; 32], &MINER, 1);
	put("tiny.seal_seed", hex(&seed));
	let ch = seal_challenges(&p, &seed, 2).unwrap();
	put(
		"tiny.seal_challenges",
		ch.iter().map(|c| format!("{}:{}", c.sector, c.node)).collect::<Vec<_>>().join(","),
	);
	let proof = prove_seal(&p, &ch, &[srv.witness(), cc.witness()], &config()).unwrap();
	assert_eq!(verify_seal(&p, &ch, &[srv.public(), cc.public()], &proof), Ok(()));
	let enc = proof.encode();
	put("tiny.seal_proof_len", enc.len().to_string());
	put("tiny.seal_proof_blake2", hex(&blake2_256(&enc)));

	let wseed = window_seed(&[0xCD; 32], 5, &MINER, 1, 1);
	let wc = window_challenges(&p, &wseed, 1, 1).unwrap();
	put(
		"tiny.window_challenges",
		wc.iter().map(|c| format!("{}:{}", c.sector, c.node)).collect::<Vec<_>>().join(","),
	);
	let reps: Vec<(&[Hash], &CachedTree)> = wc
		.service
		.iter()
		.map(|_| (&srv.sealed.replica[..], &srv.sealed.tree_r))
		.chain(wc.idle.iter().map(|_| (&cc.sealed.replica[..], &cc.sealed.tree_r)))
		.collect();
	let wp = prove_window(&wc, &reps).unwrap();
	put("tiny.window_proof_blake2", hex(&blake2_256(&wp.encode())));

	let d = SdrParams::dev();
	let dev = Fixture::cc(&d, &MINER, 0);
	put("dev.params", hex(&d.encode()));
	put("dev.cc0.replica_id", hex(&dev.sealed.replica_id));
	put("dev.cc0.comm_c", hex(&dev.sealed.comm_c));
	put("dev.cc0.comm_r_last", hex(&dev.sealed.comm_r_last));
	put("dev.cc0.comm_r", hex(&dev.sealed.comm_r));
	put("production.params", hex(&SdrParams::production().encode()));
	put("production.graph_seed", hex(&graph_seed(&SdrParams::production())));
	put(
		"production.drg_parents_1000000",
		format!("{:?}", Graph::new(&SdrParams::production()).drg_parents(1_000_000)),
	);
	v
}

#[test]
fn golden_vectors_match_the_shared_file() {
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/sdr-v1.txt");
	let computed = vectors();
	let text: String = computed.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
	if std::env::var("CESS_UPDATE_VECTORS").is_ok() {
		std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors")).unwrap();
		std::fs::write(path, format!("# SDR v1 golden vectors (tests/sdr_golden.rs)\n{text}"))
			.unwrap();
	}
	let file = std::fs::read_to_string(path).expect("vectors/sdr-v1.txt");
	let stored: Vec<(String, String)> = file
		.lines()
		.filter(|l| !l.starts_with('#') && !l.is_empty())
		.map(|l| {
			let (k, v) = l.split_once(" = ").unwrap();
			(k.to_string(), v.to_string())
		})
		.collect();
	assert_eq!(stored.len(), computed.len());
	for ((ks, vs), (kc, vc)) in stored.iter().zip(&computed) {
		assert_eq!((ks, vs), (kc, vc));
	}
}

/// An independent, naive implementation of the design's formulas (A.2, A.3), byte by byte,
/// checked against the library's sealer on the tiny service sector.
#[test]
fn naive_reference_implementation_matches_the_sealer() {
	let p = tiny();
	let f = service_fixture(&p, &MINER, 7);
	let n = p.nodes();
	// Graph seed and PRF exactly as written in the design.
	let mut gs = vec![0x58u8];
	gs.extend_from_slice(b"cess/sdr/v1");
	gs.extend_from_slice(&p.params_id.to_le_bytes());
	gs.extend_from_slice(&p.log2_nodes.to_le_bytes());
	gs.extend_from_slice(&p.layers.to_le_bytes());
	let seed = blake2_256(&gs);
	let g0 = u64::from_le_bytes(seed[0..8].try_into().unwrap());
	let g1 = u64::from_le_bytes(seed[8..16].try_into().unwrap());
	fn mix64(mut z: u64) -> u64 {
		z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		z ^ (z >> 31)
	}
	let prf = |kind: u64, v: u64, j: u64| mix64(g1 ^ mix64(g0 ^ (kind << 60) ^ (j << 52) ^ v));
	let drg = |v: u64| -> [u64; 6] {
		if v < 2 {
			return [0; 6];
		}
		let meta = 5 * v;
		let buckets = 64 - (meta - 1).leading_zeros() as u64;
		let mut out = [v - 1; 6];
		for k in 0..5u64 {
			let b = 1 + prf(1, v, 2 * k) % buckets;
			let hi = std::cmp::min(meta, 1u64 << b);
			let lo = std::cmp::max(2, hi >> 1);
			let d = lo + prf(1, v, 2 * k + 1) % (hi - lo + 1);
			out[k as usize] = (meta - d) / 5;
		}
		out
	};
	let exp = |v: u64| -> [u64; 8] { std::array::from_fn(|j| prf(2, v, j as u64) & (n - 1)) };
	// replica_id
	let mut ri = vec![0x50u8];
	ri.extend_from_slice(&GENESIS);
	ri.extend_from_slice(&MINER);
	ri.extend_from_slice(&7u64.to_le_bytes());
	ri.extend_from_slice(&f.comm_d);
	ri.extend_from_slice(&p.params_id.to_le_bytes());
	let rid = blake2_256(&ri);
	assert_eq!(rid, f.sealed.replica_id);
	// Labels layer by layer.
	let mut layers: Vec<Vec<Hash>> = Vec::new();
	for l in 1..=p.layers {
		let mut cur: Vec<Hash> = Vec::new();
		for v in 0..n {
			let mut inp = vec![0x52u8];
			inp.extend_from_slice(&rid);
			inp.extend_from_slice(&l.to_le_bytes());
			inp.extend_from_slice(&v.to_le_bytes());
			if v > 0 {
				for x in drg(v) {
					inp.extend_from_slice(&cur[x as usize]);
				}
			}
			if l >= 2 {
				for x in exp(v) {
					inp.extend_from_slice(&layers[l as usize - 2][x as usize]);
				}
			}
			cur.push(blake2_256(&inp));
		}
		layers.push(cur);
	}
	let cols: Vec<Hash> = (0..n as usize)
		.map(|v| {
			let mut c = blake2_256(&[&[0x53u8][..], &layers[0][v]].concat());
			for layer in &layers[1..] {
				c = blake2_256(&[&[0x53u8][..], &c, &layer[v]].concat());
			}
			c
		})
		.collect();
	let replica: Vec<Hash> = f
		.data
		.iter()
		.zip(layers.last().unwrap())
		.map(|(d, k)| std::array::from_fn(|i| d[i] ^ k[i]))
		.collect();
	let comm_c = cess_storage_proof::merkle_root(&cols);
	let comm_r_last = cess_storage_proof::merkle_root(&replica);
	assert_eq!(replica, f.sealed.replica);
	assert_eq!((comm_c, comm_r_last), (f.sealed.comm_c, f.sealed.comm_r_last));
	assert_eq!(f.sealed.comm_r, blake2_256(&[&[0x54u8][..], &comm_c, &comm_r_last].concat()));
}
