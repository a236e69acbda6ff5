//! A miner fixture shared by the integration tests: small parameters, real sealing.

#![allow(dead_code)]

use cess_storage_proof::*;

/// A miner with sealed fillers and service fragments, and the proof for one round.
#[derive(Debug)]
pub struct Miner {
	pub params: Params,
	pub account: AccountBytes,
	pub fillers: Vec<SealedFiller>,
	pub set: FillerSet,
	pub fragments: Vec<Vec<u8>>,
	pub fragment_roots: Vec<(u64, Hash)>,
}

impl Miner {
	/// Seals `filler_count` fillers and stores `fragments`.
	pub fn new(
		params: Params,
		account: AccountBytes,
		filler_count: u64,
		fragments: Vec<Vec<u8>>,
	) -> Self {
		let fillers: Vec<SealedFiller> =
			(0..filler_count).map(|i| SealedFiller::seal(&params, &account, i).unwrap()).collect();
		Self::with_fillers(params, account, fillers, fragments)
	}

	/// A miner holding the given fillers in this order (slot `i` = filler index `i` on
	/// chain, whatever the filler was sealed for).
	pub fn with_fillers(
		params: Params,
		account: AccountBytes,
		fillers: Vec<SealedFiller>,
		fragments: Vec<Vec<u8>>,
	) -> Self {
		let roots: Vec<Hash> = fillers.iter().map(|f| f.root()).collect();
		let set = FillerSet::new(&roots);
		let fragment_roots = fragments
			.iter()
			.enumerate()
			.map(|(i, d)| (i as u64, fragment_root(&params, d).unwrap()))
			.collect();
		Self { params, account, fillers, set, fragments, fragment_roots }
	}

	pub fn input(&self, randomness: [u8; 32], round: u32) -> ChallengeInput {
		ChallengeInput {
			randomness,
			round,
			account: self.account,
			filler_count: self.set.count(),
			fragment_count: self.fragments.len() as u64,
		}
	}

	pub fn challenge(&self, randomness: [u8; 32], round: u32) -> Challenge {
		derive_challenge(&self.params, &self.input(randomness, round)).unwrap()
	}

	/// Builds the proof from the stored data; slot `i` answers with the leaves stored in
	/// slot `i`.
	pub fn prove(&self, challenge: &Challenge) -> StorageProof {
		build_proof(
			challenge,
			&self.set,
			|i| self.fillers.get(i as usize).map(|f| f.leaves().to_vec()),
			|i| self.fragments.get(i as usize).cloned(),
		)
		.unwrap()
	}

	pub fn commitments(&self) -> Commitments<'_> {
		Commitments {
			filler_commitment: self.set.commitment(),
			fragment_roots: &self.fragment_roots,
		}
	}
}

/// Small parameters: trees of a few leaves with odd sizes, a few iterations.
pub fn small_params(
	fragment_leaves: u64,
	filler_leaves: u64,
	hash_iterations: u32,
	challenged: u32,
	leaves: u32,
) -> Params {
	Params {
		fragment_size: fragment_leaves * 32,
		filler_size: filler_leaves * 32,
		hash_iterations,
		challenged_fillers: challenged,
		leaves_per_filler: leaves,
		challenged_fragments: challenged,
		leaves_per_fragment: leaves,
	}
}
