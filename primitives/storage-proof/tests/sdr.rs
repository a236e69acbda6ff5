//! SDR sealing end to end at the library level: seal, commit proof, window proof, unseal,
//! resumable and parallel sealing, and every tampering caught with its precise error.

mod sdr_common;

use cess_storage_proof::sdr::*;
use cess_storage_proof::{BoundedVec, Hash};
use codec::{DecodeAll, Encode};
use sdr_common::*;
use std::time::Instant;

fn batch(p: &SdrParams) -> Vec<Fixture> {
	vec![service_fixture(p, &MINER, 0), Fixture::cc(p, &MINER, 1), service_fixture(p, &MINER, 2)]
}

fn prove(p: &SdrParams, fx: &[Fixture], seed: &Hash) -> (SealChallenges, SealProof) {
	let ch = seal_challenges(p, seed, fx.len() as u32).unwrap();
	let w: Vec<_> = fx.iter().map(|f| f.witness()).collect();
	let proof = prove_seal(p, &ch, &w, &config()).unwrap();
	(ch, proof)
}

#[test]
fn honest_commit_and_window_proofs_verify_for_service_and_cc_sectors() {
	let p = tiny();
	let fx = batch(&p);
	let public: Vec<_> = fx.iter().map(|f| f.public()).collect();
	for s in 0..20u8 {
		let (ch, proof) = prove(&p, &fx, &[s; 32]);
		assert_eq!(ch.len(), 8);
		assert_eq!(verify_seal(&p, &ch, &public, &proof), Ok(()));
		// SCALE round trip through the bounded decoder.
		assert_eq!(SealProof::decode_all(&mut &proof.encode()[..]).unwrap(), proof);
	}
	// Audit: one sector, fresh challenges.
	let ch = audit_challenges(&p, &[9; 32]).unwrap();
	let proof = prove_seal(&p, &ch, &[fx[1].witness()], &config()).unwrap();
	assert_eq!(verify_seal(&p, &ch, &[fx[1].public()], &proof), Ok(()));
	// Window: 2 service sectors (0, 2) and one CC sector (1).
	let srv = [&fx[0], &fx[2]];
	let idle = [&fx[1]];
	let seed = window_seed(&[5; 32], 3, &MINER, 2, 1);
	let wc = window_challenges(&p, &seed, 2, 1).unwrap();
	assert_eq!(wc.len(), 4);
	let pick: Vec<&Fixture> = wc
		.service
		.iter()
		.map(|c| srv[c.sector as usize])
		.chain(wc.idle.iter().map(|c| idle[c.sector as usize]))
		.collect();
	let reps: Vec<(&[Hash], &CachedTree)> =
		pick.iter().map(|f| (&f.sealed.replica[..], &f.sealed.tree_r)).collect();
	let roots: Vec<Hash> = pick.iter().map(|f| f.sealed.comm_r_last).collect();
	let wp = prove_window(&wc, &reps).unwrap();
	assert_eq!(verify_window(&p, &wc, &roots, &wp), Ok(()));
	assert_eq!(WindowProof::decode_all(&mut &wp.encode()[..]).unwrap(), wp);
	// A window proof against another sector's root fails.
	let mut wrong = roots.clone();
	wrong[0] = fx[1].sealed.comm_r_last;
	assert_eq!(
		verify_window(&p, &wc, &wrong, &wp),
		Err(SdrError::ReplicaNotCommitted { opening: 0 })
	);
}

#[test]
fn replica_is_data_xor_key_and_unseals() {
	let p = tiny();
	let f = service_fixture(&p, &MINER, 4);
	// A CC sector's replica is its key; the service replica is data ⊕ the same-id key.
	let key = unseal(&p, &f.sealed.replica_id, &vec![[0u8; 32]; 64], &config()).unwrap();
	for ((r, d), k) in f.sealed.replica.iter().zip(&f.data).zip(&key) {
		let x: Vec<u8> = d.iter().zip(k).map(|(a, b)| a ^ b).collect();
		assert_eq!(&r[..], &x[..]);
	}
	assert_eq!(unseal(&p, &f.sealed.replica_id, &f.sealed.replica, &config()).unwrap(), f.data);
	let slot0 = unseal_slot(&p, &f.sealed.replica_id, &f.sealed.replica, 0, &config()).unwrap();
	assert_eq!(slot0.len(), 512);
	assert_eq!(&slot0[..300], &bytes(1, 300)[..]);
	assert!(slot0[300..].iter().all(|&b| b == 0));
	assert_eq!(
		unseal_slot(&p, &f.sealed.replica_id, &f.sealed.replica, 4, &config()),
		Err(SealError::WrongLength)
	);
	assert_eq!(f.sealed.comm_r, comm_r(&f.sealed.comm_c, &f.sealed.comm_r_last));
	// Unsealing under the wrong replica id yields garbage, not the data.
	let other = unseal(&p, &[0u8; 32], &f.sealed.replica, &config()).unwrap();
	assert!(other.iter().zip(&f.data).filter(|(a, b)| a == b).count() < 4);
}

#[test]
fn dev_preset_seals_verifies_and_unseals_within_a_second() {
	let p = SdrParams::dev();
	let id = replica_id(&GENESIS, &MINER, 0, &cc_comm_d(&p), p.params_id);
	let data = vec![[0u8; 32]; 1 << 18];
	let start = Instant::now();
	let (sealed, seal_time) =
		cpu_timed(|| seal(&p, SealInput { replica_id: id, data }, &config()).unwrap());
	let wall = start.elapsed();
	let f = Fixture::cc(&p, &MINER, 0);
	assert_eq!(f.sealed.comm_r, sealed.comm_r);
	let ch = seal_challenges(&p, &[1; 32], 1).unwrap();
	let proof = prove_seal(&p, &ch, &[f.witness()], &config()).unwrap();
	assert_eq!(verify_seal(&p, &ch, &[f.public()], &proof), Ok(()));
	println!("dev seal of one 8 MiB CC sector: {seal_time:?} CPU, {wall:?} wall");
	// The dev preset's purpose: a sector in under a second of one core (release build;
	// debug builds are ~20× slower and only check correctness). CPU time, not wall time:
	// the test machine is shared.
	if !cfg!(debug_assertions) {
		assert!(seal_time.as_secs_f64() < 1.0, "dev seal took {seal_time:?}");
	}
}

#[test]
fn an_interrupted_seal_resumes_from_its_last_layer_checkpoint() {
	let p = SdrParams { layers: 5, ..tiny() };
	let dir = std::env::temp_dir().join(format!("cess-sdr-ckpt-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	let data = vec![[3u8; 32]; 64];
	let id = [8u8; 32];
	let input = || SealInput { replica_id: id, data: data.clone() };
	let full = seal(&p, input(), &config()).unwrap();
	assert_eq!(full.layers_computed, 5);

	let ck = SealerConfig { checkpoint_dir: Some(dir.clone()), ..config() };
	let stop = SealerConfig { stop_after_layer: Some(3), ..ck.clone() };
	assert_eq!(seal(&p, input(), &stop).unwrap_err(), SealError::Interrupted { layer: 3 });
	assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
	let resumed = seal(&p, input(), &ck).unwrap();
	assert_eq!(resumed.layers_computed, 2, "layers 4 and 5 only");
	assert_eq!((resumed.comm_r, resumed.replica.clone()), (full.comm_r, full.replica.clone()));
	// The checkpoint is gone once sealed; a checkpoint of another replica is ignored.
	assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
	seal(&p, input(), &stop).unwrap_err();
	let other = seal(&p, SealInput { replica_id: [9u8; 32], data: data.clone() }, &ck).unwrap();
	assert_eq!(other.layers_computed, 5);
	// A truncated checkpoint is ignored (the seal starts over and still comes out right).
	let file = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
	let len = std::fs::metadata(&file).unwrap().len();
	std::fs::OpenOptions::new().write(true).open(&file).unwrap().set_len(len - 1).unwrap();
	let restarted = seal(&p, input(), &ck).unwrap();
	assert_eq!((restarted.layers_computed, restarted.comm_r), (5, full.comm_r));
	let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn seal_many_runs_parallel_pipelines_within_the_memory_budget() {
	let p = SdrParams::scaled_production(12);
	let inputs: Vec<SealInput> =
		(0..4u8).map(|i| SealInput { replica_id: [i; 32], data: vec![[i; 32]; 4096] }).collect();
	let one = pipeline_bytes(&p);
	assert_eq!(one, 4 * 128 * 1024);
	let serial: Vec<Hash> =
		inputs.iter().map(|i| seal(&p, i.clone(), &config()).unwrap().comm_r).collect();
	let cfg = SealerConfig { threads: 2, memory_budget: 2 * one, ..config() };
	let par: Vec<Hash> =
		seal_many(&p, inputs.clone(), &cfg).into_iter().map(|r| r.unwrap().comm_r).collect();
	assert_eq!(par, serial);
	let tight = SealerConfig { threads: 2, memory_budget: one - 1, ..config() };
	for r in seal_many(&p, inputs, &tight) {
		assert_eq!(r.unwrap_err(), SealError::MemoryBudget { needed: one, budget: one - 1 });
	}
}

#[test]
fn every_tampering_is_caught_with_its_error() {
	let p = tiny();
	let fx = batch(&p);
	let public: Vec<_> = fx.iter().map(|f| f.public()).collect();
	let (ch, proof) = prove(&p, &fx, &[7; 32]);
	// Find an opening in a service sector (for the data checks).
	let s = ch.iter().position(|c| fx[c.sector as usize].service).unwrap() as u32;
	let check = |f: &dyn Fn(&mut SealProof)| {
		let mut bad = proof.clone();
		f(&mut bad);
		verify_seal(&p, &ch, &public, &bad)
	};
	let with = |g: &dyn Fn(&mut SealOpening)| {
		check(&|pr: &mut SealProof| g(pr.openings.get_mut(s as usize).unwrap()))
	};
	assert_eq!(
		check(&|pr| pr.openings = BoundedVec::new()),
		Err(SdrError::OpeningCount { expected: 8, got: 0 })
	);
	assert_eq!(with(&|o| o.columns = BoundedVec::new()), Err(SdrError::ColumnCount { opening: s }));
	assert_eq!(
		with(&|o| {
			let mut c = o.columns.get_mut(0).unwrap().labels.clone().into_inner();
			c.pop();
			o.columns.get_mut(0).unwrap().labels = BoundedVec::try_from(c).unwrap();
		}),
		Err(SdrError::ColumnLayers { opening: s, column: 0 })
	);
	assert_eq!(
		with(&|o| {
			let col = o.columns.get_mut(1).unwrap();
			let mut l = col.labels.clone().into_inner();
			l[0][0] ^= 1;
			col.labels = BoundedVec::try_from(l).unwrap();
		}),
		Err(SdrError::ColumnNotCommitted { opening: s, column: 1 })
	);
	assert_eq!(
		with(&|o| {
			let col = o.columns.get_mut(1).unwrap();
			let mut path = col.path.clone().into_inner();
			path.pop();
			col.path = BoundedVec::try_from(path).unwrap();
		}),
		Err(SdrError::ColumnNotCommitted { opening: s, column: 1 })
	);
	assert_eq!(
		with(&|o| o.replica.node[5] ^= 1),
		Err(SdrError::ReplicaNotCommitted { opening: s })
	);
	assert_eq!(with(&|o| o.data = None), Err(SdrError::DataPresence { opening: s }));
	assert_eq!(
		with(&|o| o.data.as_mut().unwrap().node[0] ^= 1),
		Err(SdrError::DataNotCommitted { opening: s })
	);
	// Wrong public values: another replica id makes the labels wrong (layer 1 first).
	let mut pubs = public.clone();
	pubs[ch[s as usize].sector as usize].replica_id = [0; 32];
	let first = ch.iter().position(|c| c.sector == ch[s as usize].sector).unwrap() as u32;
	assert_eq!(
		verify_seal(&p, &ch, &pubs, &proof),
		Err(SdrError::LabelMismatch { opening: first, layer: 1 })
	);
	// A service sector passed off as CC (data claimed zero).
	let mut pubs = public.clone();
	pubs[ch[s as usize].sector as usize].comm_d = None;
	assert!(matches!(verify_seal(&p, &ch, &pubs, &proof), Err(SdrError::DataPresence { .. })));
	// Too short a sector list, and invalid parameters.
	assert!(matches!(
		verify_seal(&p, &ch, &public[..1], &proof),
		Err(SdrError::ChallengeOutOfRange { .. })
	));
	let bad = SdrParams { layers: 0, ..p };
	assert_eq!(verify_seal(&bad, &ch, &public, &proof), Err(SdrError::InvalidParams));
}

#[test]
fn a_replica_that_is_not_data_xor_key_is_caught() {
	// A prover commits to a replica tree over junk (not D ⊕ K) with honest columns.
	let p = tiny();
	let f = Fixture::cc(&p, &MINER, 3);
	let junk: Vec<Hash> = (0..64u8).map(|i| [i; 32]).collect();
	let tree = CachedTree::build(&junk, 2).unwrap();
	let ch = seal_challenges(&p, &[1; 32], 1).unwrap();
	let w = SectorWitness { replica: &junk, tree_r: &tree, data: None };
	let proof = prove_seal(&p, &ch, &[(f.sealed.replica_id, w)], &config()).unwrap();
	let public = SectorPublic { comm_r_last: tree.root(), ..f.public() };
	assert_eq!(
		verify_seal(&p, &ch, &[public], &proof),
		Err(SdrError::ReplicaMismatch { opening: 0 })
	);
}

#[test]
fn production_depth_proofs_verify_with_the_documented_size() {
	// 2^28 nodes, 11 layers, 64 challenges: sparse-tree fixture (tests/sdr_common/sparse.rs).
	let p = SdrParams::production();
	let ch = seal_challenges(&p, &[0x77; 32], 128).unwrap();
	// One sector's view: every challenge re-targeted to sector 0 of a one-sector list.
	let ch: SealChallenges = ch
		.iter()
		.map(|c| NodeChallenge { sector: 0, node: c.node })
		.collect::<Vec<_>>()
		.try_into()
		.unwrap();
	let (public, proof) = sdr_common::sparse::sparse_seal_proof(&p, [0x31; 32], &ch);
	assert_eq!(verify_seal(&p, &ch, &[public], &proof), Ok(()));
	let cols: usize = proof.openings.iter().map(|o| o.columns.len()).sum();
	// Per opening: 1 (columns prefix) + c × (1 + 11·32 + 1 + 28·32) + (32 + 1 + 28·32) + 1.
	assert_eq!(proof.encode().len(), 2 + 64 * (1 + 929 + 1) + cols * (2 + 39 * 32));
	assert!(proof.encode().len() < 1_300_000);
	// One wrong label in one parent column is caught at the column path.
	let mut bad = proof.clone();
	let col = bad.openings.get_mut(3).unwrap().columns.get_mut(2).unwrap();
	let mut l = col.labels.clone().into_inner();
	l[4][0] ^= 1;
	col.labels = BoundedVec::try_from(l).unwrap();
	assert_eq!(
		verify_seal(&p, &ch, &[public], &bad),
		Err(SdrError::ColumnNotCommitted { opening: 3, column: 2 })
	);
}
