//! Decoder + verifier fuzz target: must never panic, and must never accept a proof other
//! than the (unique) honest one.
//!
//! The first input byte selects a mode:
//! * `0 mod 3`: the rest is decoded as a `StorageProof` and verified against a small
//!   honest miner's challenge for the round picked by the second byte;
//! * `1 mod 3`: the honest proof's encoding is mutated by `(offset_u16_le, xor)` triples
//!   from the input, then decoded and verified (reaches deep verification paths without
//!   a seed corpus);
//! * `2 mod 3`: everything — challenge (with its parameters), commitment, fragment roots
//!   and proof — is decoded from the input and verified.
//!
//! In the first two modes a proof that verifies must equal the honest proof: a valid
//! proof is unique (every leaf, node and index is fixed by the commitments and the
//! challenge), so anything else verifying would be a soundness bug.
#![no_main]

use cess_storage_proof::*;
use codec::{Decode, DecodeAll, Encode};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const ROUNDS: usize = 16;

struct Fixture {
	filler_commitment: Hash,
	fragment_roots: Vec<(u64, Hash)>,
	rounds: Vec<(Challenge, StorageProof, Vec<u8>)>,
}

fn fixture() -> &'static Fixture {
	static FIXTURE: OnceLock<Fixture> = OnceLock::new();
	FIXTURE.get_or_init(|| {
		let params = Params {
			fragment_size: 7 * 32,
			filler_size: 11 * 32,
			hash_iterations: 3,
			challenged_fillers: 3,
			leaves_per_filler: 2,
			challenged_fragments: 3,
			leaves_per_fragment: 2,
		};
		let account = [5u8; 32];
		let fillers: Vec<SealedFiller> =
			(0..6).map(|i| SealedFiller::seal(&params, &account, i).unwrap()).collect();
		let roots: Vec<Hash> = fillers.iter().map(|f| f.root()).collect();
		let set = FillerSet::new(&roots);
		let fragments = [vec![1u8; 200], vec![2u8; 224], vec![3u8; 33]];
		let fragment_roots = fragments
			.iter()
			.enumerate()
			.map(|(i, d)| (i as u64, fragment_root(&params, d).unwrap()))
			.collect();
		let rounds = (0..ROUNDS as u32)
			.map(|round| {
				let input = ChallengeInput {
					randomness: [9u8; 32],
					round,
					account,
					filler_count: 6,
					fragment_count: 3,
				};
				let challenge = derive_challenge(&params, &input).unwrap();
				let proof = build_proof(
					&challenge,
					&set,
					|i| fillers.get(i as usize).map(|f| f.leaves().to_vec()),
					|i| fragments.get(i as usize).cloned(),
				)
				.unwrap();
				let encoded = proof.encode();
				(challenge, proof, encoded)
			})
			.collect();
		Fixture { filler_commitment: set.commitment(), fragment_roots, rounds }
	})
}

fn check_against_fixture(round: usize, bytes: &[u8]) {
	let fx = fixture();
	let (challenge, honest, _) = &fx.rounds[round % ROUNDS];
	if let Ok(proof) = StorageProof::decode_all(&mut &bytes[..]) {
		let commitments = Commitments {
			filler_commitment: fx.filler_commitment,
			fragment_roots: &fx.fragment_roots,
		};
		let parts = verify_parts(challenge, &commitments, &proof);
		if parts.idle.is_ok() {
			assert_eq!(proof.fillers, honest.fillers, "a forged idle part verified");
		}
		if parts.service.is_ok() {
			assert_eq!(proof.fragments, honest.fragments, "a forged service part verified");
		}
	}
}

fuzz_target!(|data: &[u8]| {
	let Some((&mode, rest)) = data.split_first() else {
		return;
	};
	match mode % 3 {
		0 => {
			let Some((&round, proof)) = rest.split_first() else {
				return;
			};
			check_against_fixture(round as usize, proof);
		}
		1 => {
			let Some((&round, edits)) = rest.split_first() else {
				return;
			};
			let mut bytes = fixture().rounds[round as usize % ROUNDS].2.clone();
			let len = bytes.len().max(1);
			for edit in edits.chunks_exact(3) {
				let offset = u16::from_le_bytes([edit[0], edit[1]]) as usize;
				if let Some(b) = bytes.get_mut(offset % len) {
					*b ^= edit[2];
				}
			}
			check_against_fixture(round as usize, &bytes);
		}
		_ => {
			let mut input = rest;
			let Ok(challenge) = Challenge::decode(&mut input) else {
				return;
			};
			let Ok(commitment) = <[u8; 32]>::decode(&mut input) else {
				return;
			};
			let Ok(roots) = <Vec<(u64, [u8; 32])>>::decode(&mut input) else {
				return;
			};
			let Ok(proof) = StorageProof::decode(&mut input) else {
				return;
			};
			let commitments = Commitments { filler_commitment: commitment, fragment_roots: &roots };
			let _ = verify(&challenge, &commitments, &proof);
			let _ = proof.encode();
		}
	}
});
