//! Binary Merkle trees over 32-byte leaves, and inclusion proofs for one leaf or for two
//! adjacent leaves.
//!
//! # Shape
//!
//! * Level 0 holds `leaf_hash(leaf) = H(0x00 ‖ leaf)` for every leaf, in order.
//! * Each higher level pairs neighbours left to right: `node_hash(l, r) = H(0x01 ‖ l ‖ r)`.
//! * When a level has an odd number of nodes, its last node is **promoted** unchanged to
//!   the next level (it is not duplicated, so no two leaf sequences of the same length
//!   share a root, and there is no "duplicate last leaf" ambiguity).
//! * The root of a one-leaf tree is that leaf's hash; the root of the empty tree is
//!   [`ZERO_HASH`].
//!
//! The shape is fully determined by the number of leaves (the *width*), which the
//! verifier always knows (fixed by [`Params`](crate::Params) for fragments and fillers,
//! and the committed filler count for the filler set). An inclusion proof is the list of
//! sibling nodes the verifier cannot compute itself, bottom-up; a promoted node needs no
//! sibling. The verifier consumes exactly the nodes the shape requires and rejects a
//! proof with fewer or more.

use crate::hash::{leaf_hash, node_hash, Hash, ZERO_HASH};
use alloc::vec::Vec;

/// Why an inclusion proof could not be evaluated (as opposed to evaluating to a wrong
/// root, which the caller detects by comparing roots).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MerkleError {
	/// The tree has no leaves, so nothing can be opened.
	EmptyTree,
	/// An opened index is not below the width.
	IndexOutOfRange,
	/// The proof ends before the root is reached.
	TooFewNodes,
	/// Nodes are left over once the root is reached.
	TooManyNodes,
}

/// At most two known nodes of one level, sorted by index and distinct.
#[derive(Clone, Copy)]
struct Known {
	items: [(u64, Hash); 2],
	len: usize,
}

impl Known {
	fn empty() -> Self {
		Self { items: [(0, ZERO_HASH); 2], len: 0 }
	}

	fn get(&self, i: usize) -> Option<(u64, Hash)> {
		if i < self.len {
			self.items.get(i).copied()
		} else {
			None
		}
	}

	fn push(&mut self, item: (u64, Hash)) {
		if let Some(slot) = self.items.get_mut(self.len) {
			*slot = item;
			self.len = self.len.saturating_add(1);
		}
	}
}

/// Walks a tree of `width` leaves from the known level-0 nodes to the root.
///
/// `sibling(level, index)` supplies every node that is neither known nor computable; it
/// is called in the canonical proof order (bottom-up, left to right within a level). The
/// verifier feeds proof nodes through it, the prover reads them from a built tree.
fn walk<F>(mut width: u64, mut known: Known, mut sibling: F) -> Result<Hash, MerkleError>
where
	F: FnMut(usize, u64) -> Result<Hash, MerkleError>,
{
	if width == 0 {
		return Err(MerkleError::EmptyTree);
	}
	for i in 0..known.len {
		match known.get(i) {
			Some((index, _)) if index < width => {}
			_ => return Err(MerkleError::IndexOutOfRange),
		}
	}
	let mut level = 0usize;
	while width > 1 {
		let mut next = Known::empty();
		let mut i = 0usize;
		while let Some((index, hash)) = known.get(i) {
			let sibling_index = index ^ 1;
			let parent = if index % 2 == 0 {
				match known.get(i.saturating_add(1)) {
					Some((right_index, right)) if right_index == sibling_index => {
						i = i.saturating_add(1);
						node_hash(&hash, &right)
					}
					// Last node of an odd level: promoted unchanged.
					_ if sibling_index >= width => hash,
					_ => node_hash(&hash, &sibling(level, sibling_index)?),
				}
			} else {
				// The left sibling would have been consumed above had it been known.
				node_hash(&sibling(level, sibling_index)?, &hash)
			};
			next.push((index / 2, parent));
			i = i.saturating_add(1);
		}
		known = next;
		width = width / 2 + width % 2;
		level = level.saturating_add(1);
	}
	known.get(0).map(|(_, root)| root).ok_or(MerkleError::EmptyTree)
}

/// Evaluates a proof whose nodes are given in canonical order; all must be consumed.
fn root_from_nodes(width: u64, known: Known, nodes: &[Hash]) -> Result<Hash, MerkleError> {
	let mut iter = nodes.iter();
	let root = walk(width, known, |_, _| iter.next().copied().ok_or(MerkleError::TooFewNodes))?;
	if iter.next().is_some() {
		return Err(MerkleError::TooManyNodes);
	}
	Ok(root)
}

/// The root implied by `leaf` at `index` in a tree of `width` leaves and its `path`.
///
/// The caller compares the result with the expected root.
pub fn root_from_path(
	width: u64,
	index: u64,
	leaf: &Hash,
	path: &[Hash],
) -> Result<Hash, MerkleError> {
	let mut known = Known::empty();
	known.push((index, leaf_hash(leaf)));
	root_from_nodes(width, known, path)
}

/// The root implied by the two adjacent leaves `prev` at `index - 1` and `leaf` at
/// `index` (`index ≥ 1`) and the combined `nodes` of both paths.
///
/// Opening neighbours together shares every node above the level where their paths
/// meet (for an odd `index` they are siblings and share the whole path).
pub fn root_from_pair(
	width: u64,
	index: u64,
	prev: &Hash,
	leaf: &Hash,
	nodes: &[Hash],
) -> Result<Hash, MerkleError> {
	let prev_index = index.checked_sub(1).ok_or(MerkleError::IndexOutOfRange)?;
	let mut known = Known::empty();
	known.push((prev_index, leaf_hash(prev)));
	known.push((index, leaf_hash(leaf)));
	root_from_nodes(width, known, nodes)
}

/// The root of `leaves` without keeping the tree (see the module docs for the shape).
pub fn merkle_root(leaves: &[Hash]) -> Hash {
	let mut level: Vec<Hash> = leaves.iter().map(leaf_hash).collect();
	while level.len() > 1 {
		level = next_level(&level);
	}
	level.first().copied().unwrap_or(ZERO_HASH)
}

/// Pairs the nodes of one level into the next, promoting an odd last node.
fn next_level(level: &[Hash]) -> Vec<Hash> {
	level
		.chunks(2)
		.map(|pair| match pair {
			[left, right] => node_hash(left, right),
			[single] => *single,
			_ => ZERO_HASH,
		})
		.collect()
}

/// A fully built tree, kept by a prover to extract inclusion proofs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MerkleTree {
	/// `levels[0]` are the leaf hashes, the last level is `[root]`; empty for no leaves.
	levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
	/// Builds the tree over `leaves` (about twice the leaves' memory).
	pub fn new(leaves: &[Hash]) -> Self {
		let mut levels = Vec::new();
		let mut level: Vec<Hash> = leaves.iter().map(leaf_hash).collect();
		while level.len() > 1 {
			let next = next_level(&level);
			levels.push(level);
			level = next;
		}
		if !level.is_empty() {
			levels.push(level);
		}
		Self { levels }
	}

	/// Number of leaves.
	pub fn width(&self) -> u64 {
		self.levels.first().map_or(0, |l| u64::try_from(l.len()).unwrap_or(u64::MAX))
	}

	/// The root ([`ZERO_HASH`] for an empty tree).
	pub fn root(&self) -> Hash {
		self.levels.last().and_then(|l| l.first()).copied().unwrap_or(ZERO_HASH)
	}

	/// Collects the canonical proof nodes for the known leaves.
	fn nodes_for(&self, known: Known) -> Result<Vec<Hash>, MerkleError> {
		let mut nodes = Vec::new();
		walk(self.width(), known, |level, index| {
			let node = self
				.levels
				.get(level)
				.and_then(|l| l.get(usize::try_from(index).ok()?))
				.copied()
				.ok_or(MerkleError::IndexOutOfRange)?;
			nodes.push(node);
			Ok(node)
		})?;
		Ok(nodes)
	}

	/// Known level-0 node at `index`.
	fn known_leaf(&self, index: u64) -> Result<(u64, Hash), MerkleError> {
		self.levels
			.first()
			.and_then(|l| l.get(usize::try_from(index).ok()?))
			.map(|h| (index, *h))
			.ok_or(MerkleError::IndexOutOfRange)
	}

	/// Inclusion proof of the leaf at `index`, checked by [`root_from_path`].
	pub fn path(&self, index: u64) -> Result<Vec<Hash>, MerkleError> {
		let mut known = Known::empty();
		known.push(self.known_leaf(index)?);
		self.nodes_for(known)
	}

	/// Inclusion proof of the leaves at `index - 1` and `index`, checked by
	/// [`root_from_pair`].
	pub fn pair_path(&self, index: u64) -> Result<Vec<Hash>, MerkleError> {
		let prev = index.checked_sub(1).ok_or(MerkleError::IndexOutOfRange)?;
		let mut known = Known::empty();
		known.push(self.known_leaf(prev)?);
		known.push(self.known_leaf(index)?);
		self.nodes_for(known)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn leaves(n: u8) -> Vec<Hash> {
		(0..n).map(|i| [i; 32]).collect()
	}

	#[test]
	fn roots_of_small_trees_match_the_documented_shape() {
		assert_eq!(merkle_root(&[]), ZERO_HASH);
		let l = leaves(3);
		assert_eq!(merkle_root(&l[..1]), leaf_hash(&l[0]));
		let ab = node_hash(&leaf_hash(&l[0]), &leaf_hash(&l[1]));
		assert_eq!(merkle_root(&l[..2]), ab);
		// Three leaves: the third is promoted, not duplicated.
		assert_eq!(merkle_root(&l), node_hash(&ab, &leaf_hash(&l[2])));
		assert_eq!(MerkleTree::new(&l).root(), merkle_root(&l));
		assert_eq!(MerkleTree::new(&l).width(), 3);
	}

	#[test]
	fn every_path_and_pair_verifies_for_widths_1_to_40() {
		for n in 1..=40u8 {
			let l = leaves(n);
			let tree = MerkleTree::new(&l);
			let width = u64::from(n);
			for i in 0..width {
				let leaf = &l[i as usize];
				let path = tree.path(i).unwrap();
				assert_eq!(root_from_path(width, i, leaf, &path), Ok(tree.root()));
				if i > 0 {
					let pair = tree.pair_path(i).unwrap();
					let prev = &l[i as usize - 1];
					assert_eq!(root_from_pair(width, i, prev, leaf, &pair), Ok(tree.root()));
					// A pair proof is never longer than the two single paths together.
					assert!(pair.len() <= path.len() + tree.path(i - 1).unwrap().len());
				}
			}
		}
	}

	#[test]
	fn path_lengths_follow_the_shape() {
		let tree = MerkleTree::new(&leaves(5));
		// Leaf 4 of 5 is promoted twice, then meets the left subtree root.
		assert_eq!(tree.path(4).unwrap().len(), 1);
		assert_eq!(tree.path(0).unwrap().len(), 3);
		// Odd index: its predecessor is its sibling, so the pair shares the path above.
		assert_eq!(tree.pair_path(1).unwrap().len(), 2);
		// Index 2: predecessor 1 lives in the other half of the first four leaves.
		assert_eq!(tree.pair_path(2).unwrap().len(), 3);
	}

	#[test]
	fn malformed_proofs_are_rejected() {
		let l = leaves(8);
		let tree = MerkleTree::new(&l);
		let mut path = tree.path(3).unwrap();
		assert_eq!(root_from_path(8, 8, &l[3], &path), Err(MerkleError::IndexOutOfRange));
		assert_eq!(root_from_path(0, 0, &l[3], &path), Err(MerkleError::EmptyTree));
		path.push(ZERO_HASH);
		assert_eq!(root_from_path(8, 3, &l[3], &path), Err(MerkleError::TooManyNodes));
		path.truncate(2);
		assert_eq!(root_from_path(8, 3, &l[3], &path), Err(MerkleError::TooFewNodes));
		assert_eq!(root_from_pair(8, 0, &l[0], &l[0], &[]), Err(MerkleError::IndexOutOfRange));
		assert_eq!(tree.path(8), Err(MerkleError::IndexOutOfRange));
		assert_eq!(tree.pair_path(0), Err(MerkleError::IndexOutOfRange));
		// A wrong leaf gives a different root.
		let good = tree.path(3).unwrap();
		assert_ne!(root_from_path(8, 3, &l[4], &good).unwrap(), tree.root());
		assert_eq!(MerkleTree::new(&[]).root(), ZERO_HASH);
		assert_eq!(MerkleTree::new(&[]).path(0), Err(MerkleError::IndexOutOfRange));
	}
}
