//! Each way a proof can be wrong maps to its own `ProofError` variant.

mod common;

use cess_storage_proof::*;
use common::{small_params, Miner};

fn miner() -> Miner {
	// 7-leaf fragments and 11-leaf fillers: odd widths, promoted nodes on the paths.
	let params = small_params(7, 11, 3, 3, 2);
	let fragments = vec![vec![1u8; 200], vec![2u8; 7 * 32], vec![3u8; 33]];
	Miner::new(params, [5u8; 32], 6, fragments)
}

/// A round whose challenge opens filler leaf 0 somewhere (to reach `SeedMismatch`).
fn round_with_leaf_zero(m: &Miner) -> (Challenge, usize, usize) {
	for round in 0..10_000u32 {
		let c = m.challenge([3u8; 32], round);
		for (p, f) in c.fillers.iter().enumerate() {
			if let Some(l) = f.leaves.iter().position(|l| *l == 0) {
				return (c, p, l);
			}
		}
	}
	panic!("no round opens leaf 0");
}

#[test]
fn structural_errors() {
	let m = miner();
	let c = m.challenge([3u8; 32], 1);
	let proof = m.prove(&c);
	let cm = m.commitments();
	assert_eq!(verify(&c, &cm, &proof), Ok(()));

	let mut p = proof.clone();
	p.fillers = p.fillers.as_slice()[..2].to_vec().try_into().unwrap();
	assert_eq!(verify(&c, &cm, &p), Err(ProofError::FillerCountMismatch { expected: 3, got: 2 }));

	let mut p = proof.clone();
	p.fillers.get_mut(1).unwrap().filler_index += 1;
	assert_eq!(verify(&c, &cm, &p), Err(ProofError::FillerIndexMismatch { position: 1 }));

	let mut p = proof.clone();
	let mut path = p.fillers[1].set_path.clone().into_inner();
	path.push([0u8; 32]);
	p.fillers.get_mut(1).unwrap().set_path = path.try_into().unwrap();
	assert_eq!(verify(&c, &cm, &p), Err(ProofError::MalformedSetPath { position: 1 }));

	let mut p = proof.clone();
	p.fillers.get_mut(2).unwrap().filler_root[0] ^= 1;
	assert_eq!(verify(&c, &cm, &p), Err(ProofError::FillerNotCommitted { position: 2 }));

	let mut p = proof.clone();
	let mut leaves = p.fillers[0].leaves.clone().into_inner();
	leaves.pop();
	p.fillers.get_mut(0).unwrap().leaves = leaves.try_into().unwrap();
	assert_eq!(verify(&c, &cm, &p), Err(ProofError::FillerLeafCountMismatch { position: 0 }));

	let mut p = proof.clone();
	p.fillers.get_mut(0).unwrap().leaves.get_mut(1).unwrap().leaf_index ^= 1;
	assert_eq!(
		verify(&c, &cm, &p),
		Err(ProofError::FillerLeafIndexMismatch { position: 0, leaf: 1 })
	);

	let mut p = proof.clone();
	let opening = p.fillers.get_mut(0).unwrap().leaves.get_mut(1).unwrap();
	let mut nodes = opening.nodes.clone().into_inner();
	nodes.pop();
	opening.nodes = nodes.try_into().unwrap();
	assert_eq!(verify(&c, &cm, &p), Err(ProofError::MalformedFillerPath { position: 0, leaf: 1 }));

	let mut p = proof.clone();
	p.fillers.get_mut(0).unwrap().leaves.get_mut(0).unwrap().leaf[31] ^= 0x80;
	assert_eq!(
		verify(&c, &cm, &p),
		Err(ProofError::FillerLeafNotInFiller { position: 0, leaf: 0 })
	);
}

#[test]
fn seed_and_label_errors() {
	let m = miner();
	let (c, position, leaf) = round_with_leaf_zero(&m);
	let proof = m.prove(&c);
	let cm = m.commitments();
	assert_eq!(verify(&c, &cm, &proof), Ok(()));
	let (position32, leaf32) = (position as u32, leaf as u32);

	let mut p = proof.clone();
	p.fillers.get_mut(position).unwrap().leaves.get_mut(leaf).unwrap().prev[0] ^= 1;
	assert_eq!(
		verify(&c, &cm, &p),
		Err(ProofError::SeedMismatch { position: position32, leaf: leaf32 })
	);

	// A filler whose leaves are in the committed tree but are not the sealed chain:
	// every Merkle check passes, the label relation does not.
	let fillers = m
		.fillers
		.iter()
		.map(|f| {
			let junk = f.leaves().iter().map(|l| {
				let mut l = *l;
				l[0] ^= 0x55;
				l
			});
			SealedFiller::from_leaves(f.index(), junk.collect())
		})
		.collect();
	let cheat = Miner::with_fillers(m.params, m.account, fillers, m.fragments.clone());
	let c = cheat.challenge([3u8; 32], 7);
	let p = cheat.prove(&c);
	assert_eq!(
		verify_idle(&c, &cheat.set.commitment(), &p.fillers),
		Err(ProofError::LabelMismatch { position: 0, leaf: 0 })
	);
}

#[test]
fn service_errors() {
	let m = miner();
	let c = m.challenge([3u8; 32], 1);
	let proof = m.prove(&c);
	let cm = m.commitments();

	let mut p = proof.clone();
	p.fragments = Default::default();
	assert_eq!(verify(&c, &cm, &p), Err(ProofError::FragmentCountMismatch { expected: 3, got: 0 }));

	let mut p = proof.clone();
	p.fragments.get_mut(2).unwrap().fragment_index += 1;
	assert_eq!(verify(&c, &cm, &p), Err(ProofError::FragmentIndexMismatch { position: 2 }));

	let no_roots = Commitments { fragment_roots: &[], ..m.commitments() };
	assert_eq!(verify(&c, &no_roots, &proof), Err(ProofError::FragmentRootMissing { position: 0 }));

	let mut p = proof.clone();
	let mut leaves = p.fragments[1].leaves.clone().into_inner();
	leaves.push(leaves[0].clone());
	p.fragments.get_mut(1).unwrap().leaves = leaves.try_into().unwrap();
	assert_eq!(verify(&c, &cm, &p), Err(ProofError::FragmentLeafCountMismatch { position: 1 }));

	let mut p = proof.clone();
	p.fragments.get_mut(1).unwrap().leaves.get_mut(1).unwrap().leaf_index += 7;
	assert_eq!(
		verify(&c, &cm, &p),
		Err(ProofError::FragmentLeafIndexMismatch { position: 1, leaf: 1 })
	);

	let mut p = proof.clone();
	let opening = p.fragments.get_mut(0).unwrap().leaves.get_mut(0).unwrap();
	let mut path = opening.path.clone().into_inner();
	path.push([1u8; 32]);
	opening.path = path.try_into().unwrap();
	assert_eq!(
		verify(&c, &cm, &p),
		Err(ProofError::MalformedFragmentPath { position: 0, leaf: 0 })
	);

	let mut p = proof.clone();
	p.fragments.get_mut(0).unwrap().leaves.get_mut(1).unwrap().leaf[5] ^= 4;
	assert_eq!(
		verify(&c, &cm, &p),
		Err(ProofError::FragmentLeafNotInFragment { position: 0, leaf: 1 })
	);

	// The parts are reported separately: a broken service part leaves the idle part Ok.
	let parts = verify_parts(&c, &cm, &p);
	assert_eq!(parts.idle, Ok(()));
	assert_eq!(parts.service, Err(ProofError::FragmentLeafNotInFragment { position: 0, leaf: 1 }));

	let mut bad = c.clone();
	bad.params.hash_iterations = 0;
	assert_eq!(
		verify(&bad, &cm, &proof),
		Err(ProofError::InvalidParams(ParamsError::BadHashIterations))
	);
}

#[test]
fn prover_reports_missing_or_wrong_data() {
	let m = miner();
	let c = m.challenge([3u8; 32], 1);
	let r = build_proof(&c, &m.set, |_| None, |i| m.fragments.get(i as usize).cloned());
	assert_eq!(r.unwrap_err(), ProveError::MissingFiller(c.fillers[0].index));
	let r = build_proof(&c, &m.set, |_| Some(vec![[0u8; 32]; 3]), |_| None);
	assert_eq!(r.unwrap_err(), ProveError::WrongFillerSize(c.fillers[0].index));
	let r = build_proof(
		&c,
		&m.set,
		|i| m.fillers.get(i as usize).map(|f| f.leaves().to_vec()),
		|_| None,
	);
	assert_eq!(r.unwrap_err(), ProveError::MissingFragment(c.fragments[0].index));
	let r = build_proof(
		&c,
		&FillerSet::new(&[[0u8; 32]]),
		|i| m.fillers.get(i as usize).map(|f| f.leaves().to_vec()),
		|_| None,
	);
	assert_eq!(r.unwrap_err(), ProveError::FillerCountMismatch);
}

#[test]
fn miner_without_fillers_or_fragments_has_an_empty_proof() {
	let params = small_params(7, 11, 3, 3, 2);
	let m = Miner::new(params, [5u8; 32], 0, vec![]);
	let c = m.challenge([3u8; 32], 1);
	let proof = m.prove(&c);
	assert_eq!(proof, StorageProof::default());
	assert_eq!(verify(&c, &m.commitments(), &proof), Ok(()));
}

#[test]
fn default_parameters_end_to_end() {
	// Real 8 MiB fillers and fragments, 64 iterations: one filler (≈ 3 s in debug, far
	// less in release), one fragment.
	let params = Params::default();
	let account = [42u8; 32];
	let filler = SealedFiller::seal(&params, &account, 0).unwrap();
	let set = FillerSet::new(&[filler.root()]);
	let fragment: Vec<u8> = (0..(5 << 20)).map(|i: u32| (i % 251) as u8).collect();
	let roots = [(0u64, fragment_root(&params, &fragment).unwrap())];
	let input = ChallengeInput {
		randomness: [1u8; 32],
		round: 10,
		account,
		filler_count: 1,
		fragment_count: 1,
	};
	let c = derive_challenge(&params, &input).unwrap();
	let proof =
		build_proof(&c, &set, |_| Some(filler.leaves().to_vec()), |_| Some(fragment.clone()))
			.unwrap();
	let cm = Commitments { filler_commitment: set.commitment(), fragment_roots: &roots };
	assert_eq!(verify(&c, &cm, &proof), Ok(()));
	assert_eq!(proof.fillers.len(), 4);
	assert_eq!(proof.fragments.len(), 8);
	// Fragment paths in a 2^18-leaf tree have exactly 18 nodes.
	assert!(proof.fragments.iter().all(|f| f.leaves.iter().all(|l| l.path.len() == 18)));
}
