//! A sector tree that keeps only its levels at and above `cache_level` (std, prover side).
//!
//! A perfect tree over `2^n` leaves (the [`merkle`](crate::merkle) shape). Storing levels
//! ≥ c costs `2^(n−c+1) × 32` bytes (c = 6: 1/32 of the sector, the design's 6.3 % for the
//! two trees together); a path's lower `c` siblings are rebuilt from the `2^c` leaves of
//! the node's subtree (2 KiB read, 127 hashes for c = 6).

use crate::hash::{leaf_hash, node_hash, Hash};
use std::vec::Vec;

/// A perfect Merkle tree with its lower levels dropped.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CachedTree {
	log2_leaves: u32,
	cache_level: u32,
	/// `levels[k]` is tree level `cache_level + k`; the last is `[root]`.
	levels: Vec<Vec<Hash>>,
}

/// The next level of a perfect tree (an even number of nodes).
fn pair_up(level: &[Hash]) -> Vec<Hash> {
	level
		.chunks(2)
		.map(|p| match p {
			[l, r] => node_hash(l, r),
			_ => [0u8; 32],
		})
		.collect()
}

/// Root of a perfect subtree over `leaves` (a power of two, ≥ 1).
fn subtree_root(leaves: &[Hash]) -> Hash {
	let mut level: Vec<Hash> = leaves.iter().map(leaf_hash).collect();
	while level.len() > 1 {
		level = pair_up(&level);
	}
	level.first().copied().unwrap_or([0u8; 32])
}

impl CachedTree {
	/// Builds the tree over `leaves` (`2^n` of them), keeping levels ≥ `cache_level`
	/// (clamped to `n`). Returns `None` if the width is not a power of two.
	pub fn build(leaves: &[Hash], cache_level: u32) -> Option<Self> {
		if !leaves.len().is_power_of_two() {
			return None;
		}
		let log2_leaves = leaves.len().trailing_zeros();
		let cache_level = cache_level.min(log2_leaves);
		let chunk = 1usize << cache_level;
		let mut level: Vec<Hash> = leaves.chunks(chunk).map(subtree_root).collect();
		let mut levels = Vec::new();
		while level.len() > 1 {
			let next = pair_up(&level);
			levels.push(level);
			level = next;
		}
		levels.push(level);
		Some(Self { log2_leaves, cache_level, levels })
	}

	/// The root.
	pub fn root(&self) -> Hash {
		self.levels.last().and_then(|l| l.first()).copied().unwrap_or([0u8; 32])
	}

	/// Bytes held by the cached levels.
	pub fn cached_bytes(&self) -> usize {
		self.levels.iter().map(|l| l.len() * 32).sum()
	}

	/// The path of leaf `index`, rebuilding the lower levels from `leaves` (the same leaves
	/// the tree was built over). `None` if `index` or `leaves` do not fit.
	pub fn path(&self, index: u64, leaves: &[Hash]) -> Option<Vec<Hash>> {
		if leaves.len() != 1usize << self.log2_leaves {
			return None;
		}
		let index = usize::try_from(index).ok().filter(|&i| i < leaves.len())?;
		let chunk = 1usize << self.cache_level;
		let start = index / chunk * chunk;
		let mut level: Vec<Hash> =
			leaves.get(start..start.checked_add(chunk)?)?.iter().map(leaf_hash).collect();
		let mut path = Vec::with_capacity(self.log2_leaves as usize);
		let mut i = index - start;
		while level.len() > 1 {
			path.push(*level.get(i ^ 1)?);
			level = pair_up(&level);
			i /= 2;
		}
		let mut i = index / chunk;
		for l in self.levels.iter().take(self.levels.len().saturating_sub(1)) {
			path.push(*l.get(i ^ 1)?);
			i /= 2;
		}
		Some(path)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::merkle::{merkle_root, root_from_path};

	#[test]
	fn matches_merkle_and_paths_verify_at_every_cache_level() {
		let leaves: Vec<Hash> = (0..64u8).map(|i| [i; 32]).collect();
		for c in [0u32, 1, 3, 6, 9] {
			let t = CachedTree::build(&leaves, c).unwrap();
			assert_eq!(t.root(), merkle_root(&leaves));
			for i in [0u64, 1, 17, 63] {
				let path = t.path(i, &leaves).unwrap();
				assert_eq!(path.len(), 6);
				assert_eq!(root_from_path(64, i, &leaves[i as usize], &path), Ok(t.root()));
			}
			assert_eq!(t.path(64, &leaves), None);
		}
		assert_eq!(CachedTree::build(&leaves, 3).unwrap().cached_bytes(), (8 + 4 + 2 + 1) * 32);
		assert_eq!(CachedTree::build(&leaves[..63], 3), None);
	}
}
