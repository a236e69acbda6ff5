//! The proof a miner submits for one challenge (SCALE-encoded, every vector bounded).
//!
//! A proof mirrors its challenge item by item and leaf by leaf, restating each index so
//! a mismatch is reported precisely rather than as a failed hash. Sizes at the default
//! parameters are measured in `docs/storage-proofs.md`.

use crate::bounded::BoundedVec;
use crate::hash::Hash;
use crate::params::{
	MAX_CHALLENGED_FILLERS, MAX_CHALLENGED_FRAGMENTS, MAX_LEAVES_PER_ITEM, MAX_PAIR_NODES,
	MAX_TREE_DEPTH,
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// One opened leaf of a service fragment.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct LeafOpening {
	/// The challenged leaf index.
	pub leaf_index: u64,
	/// The 32 bytes of data stored at that leaf.
	pub leaf: Hash,
	/// Its inclusion proof against the fragment root (see [`crate::merkle`]).
	pub path: BoundedVec<Hash, MAX_TREE_DEPTH>,
}

/// One opened leaf of an idle filler, together with its predecessor.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct FillerLeafOpening {
	/// The challenged leaf index `i`.
	pub leaf_index: u64,
	/// Leaf `i - 1`, or the filler seed when `i = 0` (leaf 0 is chained to the seed).
	pub prev: Hash,
	/// Leaf `i`.
	pub leaf: Hash,
	/// Inclusion proof of leaves `i - 1` and `i` together (of leaf `0` alone if `i = 0`)
	/// against the filler root.
	pub nodes: BoundedVec<Hash, MAX_PAIR_NODES>,
}

/// The answer for one challenged filler.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct FillerProof {
	/// The challenged filler index.
	pub filler_index: u64,
	/// The filler's Merkle root.
	pub filler_root: Hash,
	/// Inclusion proof of `filler_root` in the committed filler set.
	pub set_path: BoundedVec<Hash, MAX_TREE_DEPTH>,
	/// One opening per challenged leaf, in challenge order.
	pub leaves: BoundedVec<FillerLeafOpening, MAX_LEAVES_PER_ITEM>,
}

/// The answer for one challenged service fragment.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct FragmentProof {
	/// The challenged fragment index (in `0..fragment_count`).
	pub fragment_index: u64,
	/// One opening per challenged leaf, in challenge order.
	pub leaves: BoundedVec<LeafOpening, MAX_LEAVES_PER_ITEM>,
}

/// A miner's full answer to one round's challenge: the argument of
/// `audit.submit_proof(round, proof)`.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct StorageProof {
	/// Idle part: one entry per challenged filler, in challenge order.
	pub fillers: BoundedVec<FillerProof, MAX_CHALLENGED_FILLERS>,
	/// Service part: one entry per challenged fragment, in challenge order.
	pub fragments: BoundedVec<FragmentProof, MAX_CHALLENGED_FRAGMENTS>,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn max_encoded_len_is_finite_and_as_computed() {
		let path = 5 + 32 * 32;
		let pair = 5 + 64 * 32;
		let leaf_opening = 8 + 32 + path;
		let filler_leaf = 8 + 32 + 32 + pair;
		let filler = 8 + 32 + path + 5 + 8 * filler_leaf;
		let fragment = 8 + 5 + 8 * leaf_opening;
		assert_eq!(LeafOpening::max_encoded_len(), leaf_opening);
		assert_eq!(FillerLeafOpening::max_encoded_len(), filler_leaf);
		assert_eq!(StorageProof::max_encoded_len(), 5 + 16 * filler + 5 + 16 * fragment);
	}
}
