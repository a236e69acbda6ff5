//! Proof verification, as run by the runtime inside `audit.submit_proof`.
//!
//! The two parts are checked separately because the chain treats their failures
//! differently (an idle failure only forfeits the reward, a service failure can be
//! slashed): see [`verify_parts`]. Cheap structural and Merkle checks run before the
//! `hash_iterations`-long label checks, so a malformed proof is rejected cheaply; the
//! worst case (and the weight to charge) is an honest proof.
//!
//! Cost of an honest proof: per opened filler leaf `hash_iterations` label hashes plus
//! about `2 + depth(filler)` Merkle hashes; per challenged filler `2 + depth(set)`; per
//! opened fragment leaf `1 + depth(fragment)`.

use crate::challenge::{Challenge, ItemChallenge};
use crate::commitment::filler_commitment;
use crate::error::ProofError;
use crate::hash::Hash;
use crate::merkle::{root_from_pair, root_from_path, MerkleError};
use crate::proof::{FillerLeafOpening, FillerProof, FragmentProof, StorageProof};
use crate::seal::{filler_seed, label};

/// What the runtime looked up for this miner.
#[derive(Clone, Copy, Debug)]
pub struct Commitments<'a> {
	/// The miner's on-chain idle commitment (`H(0x02 ‖ count ‖ set_root)`); its count is
	/// the `filler_count` the challenge was derived from.
	pub filler_commitment: Hash,
	/// `(fragment index, fragment root)` for (at least) every challenged fragment.
	pub fragment_roots: &'a [(u64, Hash)],
}

/// The result of each part, for callers that treat them differently.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PartsOutcome {
	/// Result of the idle (filler) part.
	pub idle: Result<(), ProofError>,
	/// Result of the service (fragment) part.
	pub service: Result<(), ProofError>,
}

/// Verifies both parts; `Ok` only if both pass (the idle part's error is reported first).
pub fn verify(
	challenge: &Challenge,
	commitments: &Commitments<'_>,
	proof: &StorageProof,
) -> Result<(), ProofError> {
	let outcome = verify_parts(challenge, commitments, proof);
	outcome.idle.and(outcome.service)
}

/// Verifies both parts and reports each result.
pub fn verify_parts(
	challenge: &Challenge,
	commitments: &Commitments<'_>,
	proof: &StorageProof,
) -> PartsOutcome {
	PartsOutcome {
		idle: verify_idle(challenge, &commitments.filler_commitment, &proof.fillers),
		service: verify_service(
			challenge,
			|index| {
				commitments.fragment_roots.iter().find(|(i, _)| *i == index).map(|(_, root)| *root)
			},
			&proof.fragments,
		),
	}
}

/// A collection length as the `u32` used in errors (bounded vectors always fit).
fn count_u32(len: usize) -> u32 {
	u32::try_from(len).unwrap_or(u32::MAX)
}

/// Checks the idle part against the miner's filler commitment.
pub fn verify_idle(
	challenge: &Challenge,
	commitment: &Hash,
	fillers: &[FillerProof],
) -> Result<(), ProofError> {
	challenge.params.validate().map_err(ProofError::InvalidParams)?;
	if fillers.len() != challenge.fillers.len() {
		return Err(ProofError::FillerCountMismatch {
			expected: count_u32(challenge.fillers.len()),
			got: count_u32(fillers.len()),
		});
	}
	for (position, (item, proof)) in challenge.fillers.iter().zip(fillers).enumerate() {
		verify_filler(challenge, commitment, count_u32(position), item, proof)?;
	}
	Ok(())
}

/// Checks one challenged filler: membership in the commitment, then every opening.
fn verify_filler(
	challenge: &Challenge,
	commitment: &Hash,
	position: u32,
	item: &ItemChallenge,
	proof: &FillerProof,
) -> Result<(), ProofError> {
	if proof.filler_index != item.index {
		return Err(ProofError::FillerIndexMismatch { position });
	}
	let set_root =
		root_from_path(challenge.filler_count, item.index, &proof.filler_root, &proof.set_path)
			.map_err(|_| ProofError::MalformedSetPath { position })?;
	if filler_commitment(&set_root, challenge.filler_count) != *commitment {
		return Err(ProofError::FillerNotCommitted { position });
	}
	if proof.leaves.len() != item.leaves.len() {
		return Err(ProofError::FillerLeafCountMismatch { position });
	}
	let seed = filler_seed(&challenge.account, item.index);
	for (leaf_pos, (leaf_index, opening)) in item.leaves.iter().zip(proof.leaves.iter()).enumerate()
	{
		let leaf = count_u32(leaf_pos);
		verify_filler_leaf(challenge, &seed, &proof.filler_root, *leaf_index, opening)
			.map_err(|e| e.at(position, leaf))?;
	}
	Ok(())
}

/// A filler-leaf failure before its position is attached.
enum LeafFault {
	Index,
	Malformed,
	NotInFiller,
	Seed,
	Label,
}

impl LeafFault {
	fn at(self, position: u32, leaf: u32) -> ProofError {
		match self {
			Self::Index => ProofError::FillerLeafIndexMismatch { position, leaf },
			Self::Malformed => ProofError::MalformedFillerPath { position, leaf },
			Self::NotInFiller => ProofError::FillerLeafNotInFiller { position, leaf },
			Self::Seed => ProofError::SeedMismatch { position, leaf },
			Self::Label => ProofError::LabelMismatch { position, leaf },
		}
	}
}

/// Checks one opened filler leaf: index, Merkle inclusion (with its predecessor), then
/// the label relation `leaf = label(seed, i, prev)`.
fn verify_filler_leaf(
	challenge: &Challenge,
	seed: &Hash,
	filler_root: &Hash,
	leaf_index: u64,
	opening: &FillerLeafOpening,
) -> Result<(), LeafFault> {
	if opening.leaf_index != leaf_index {
		return Err(LeafFault::Index);
	}
	let width = challenge.params.filler_leaves();
	let root = if leaf_index == 0 {
		if opening.prev != *seed {
			return Err(LeafFault::Seed);
		}
		root_from_path(width, 0, &opening.leaf, &opening.nodes)
	} else {
		root_from_pair(width, leaf_index, &opening.prev, &opening.leaf, &opening.nodes)
	}
	.map_err(|_: MerkleError| LeafFault::Malformed)?;
	if root != *filler_root {
		return Err(LeafFault::NotInFiller);
	}
	if label(seed, leaf_index, &opening.prev, challenge.params.hash_iterations) != opening.leaf {
		return Err(LeafFault::Label);
	}
	Ok(())
}

/// Checks the service part; `fragment_root(index)` returns the on-chain root of the
/// miner's fragment `index` (the runtime reads it from storage).
pub fn verify_service<F>(
	challenge: &Challenge,
	mut fragment_root: F,
	fragments: &[FragmentProof],
) -> Result<(), ProofError>
where
	F: FnMut(u64) -> Option<Hash>,
{
	challenge.params.validate().map_err(ProofError::InvalidParams)?;
	if fragments.len() != challenge.fragments.len() {
		return Err(ProofError::FragmentCountMismatch {
			expected: count_u32(challenge.fragments.len()),
			got: count_u32(fragments.len()),
		});
	}
	let width = challenge.params.fragment_leaves();
	for (pos, (item, proof)) in challenge.fragments.iter().zip(fragments).enumerate() {
		let position = count_u32(pos);
		if proof.fragment_index != item.index {
			return Err(ProofError::FragmentIndexMismatch { position });
		}
		if proof.leaves.len() != item.leaves.len() {
			return Err(ProofError::FragmentLeafCountMismatch { position });
		}
		let root = fragment_root(item.index).ok_or(ProofError::FragmentRootMissing { position })?;
		for (leaf_pos, (leaf_index, opening)) in
			item.leaves.iter().zip(proof.leaves.iter()).enumerate()
		{
			let leaf = count_u32(leaf_pos);
			if opening.leaf_index != *leaf_index {
				return Err(ProofError::FragmentLeafIndexMismatch { position, leaf });
			}
			let computed = root_from_path(width, *leaf_index, &opening.leaf, &opening.path)
				.map_err(|_| ProofError::MalformedFragmentPath { position, leaf })?;
			if computed != root {
				return Err(ProofError::FragmentLeafNotInFragment { position, leaf });
			}
		}
	}
	Ok(())
}
