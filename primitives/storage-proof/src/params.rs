//! Tunable parameters of the scheme and the hard bounds of the proof types.
//!
//! The runtime keeps a [`Params`] value (it is SCALE-encodable, so governance may store
//! it); the miner agent reads the same value, so both sides derive the same challenge
//! and build/check the same proof. The `MAX_*` constants are compile-time bounds of the
//! proof types (they make `MaxEncodedLen` finite); [`Params::validate`] keeps every
//! tunable inside them.

use crate::hash::LEAF_SIZE;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Deepest Merkle tree the proofs can open: trees have at most 2^32 leaves (a 128 GiB
/// fragment or filler, or 2^32 fillers of one miner — far beyond any sensible value).
pub const MAX_TREE_DEPTH: u32 = 32;
/// Most leaves a tree may have (`2^MAX_TREE_DEPTH`).
pub const MAX_TREE_LEAVES: u64 = 1 << MAX_TREE_DEPTH;
/// Most sibling nodes of an opening of two adjacent leaves: one full path plus the
/// predecessor's nodes below the level where both paths meet.
pub const MAX_PAIR_NODES: u32 = 2 * MAX_TREE_DEPTH;
/// Most fillers one challenge may name.
pub const MAX_CHALLENGED_FILLERS: u32 = 16;
/// Most service fragments one challenge may name.
pub const MAX_CHALLENGED_FRAGMENTS: u32 = 16;
/// Most leaves challenged in one filler or one fragment.
pub const MAX_LEAVES_PER_ITEM: u32 = 8;
/// Most sequential hashes per filler leaf: bounds the verifier's work per opened leaf.
pub const MAX_HASH_ITERATIONS: u32 = 4096;

/// 1 MiB, for the defaults below.
const MIB: u64 = 1 << 20;

/// The tunable parameters of sealing, challenges and proofs.
///
/// Defaults (see `docs/storage-proofs.md` for the measured cost of each):
///
/// | field | default | why |
/// |---|---|---|
/// | `fragment_size` | 8 MiB | the network's space unit (SPEC §5) |
/// | `filler_size` | 8 MiB | idle space counted in the same unit |
/// | `hash_iterations` | 64 | sequential hashes per filler leaf: sealing ≈ 3 MiB/s per core, ≈ 13 µs of verification per opened filler leaf |
/// | `challenged_fillers` | 4 | fillers opened per round |
/// | `leaves_per_filler` | 2 | leaves opened per challenged filler |
/// | `challenged_fragments` | 8 | service fragments opened per round |
/// | `leaves_per_fragment` | 2 | leaves opened per challenged fragment |
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Params {
	/// Bytes per service fragment; a multiple of 32, at least 64. A fragment's Merkle
	/// tree always has `fragment_size / 32` leaves (short data is zero-padded).
	pub fragment_size: u64,
	/// Bytes per idle filler; a multiple of 32, at least 64.
	pub filler_size: u64,
	/// Sequential blake2-256 evaluations per filler leaf (≥ 1, ≤ [`MAX_HASH_ITERATIONS`]).
	pub hash_iterations: u32,
	/// Fillers challenged per round (with replacement), ≤ [`MAX_CHALLENGED_FILLERS`].
	pub challenged_fillers: u32,
	/// Leaves challenged per challenged filler, ≤ [`MAX_LEAVES_PER_ITEM`].
	pub leaves_per_filler: u32,
	/// Fragments challenged per round (with replacement), ≤ [`MAX_CHALLENGED_FRAGMENTS`].
	pub challenged_fragments: u32,
	/// Leaves challenged per challenged fragment, ≤ [`MAX_LEAVES_PER_ITEM`].
	pub leaves_per_fragment: u32,
}

impl Default for Params {
	fn default() -> Self {
		Self {
			fragment_size: 8 * MIB,
			filler_size: 8 * MIB,
			hash_iterations: 64,
			challenged_fillers: 4,
			leaves_per_filler: 2,
			challenged_fragments: 8,
			leaves_per_fragment: 2,
		}
	}
}

/// Why a [`Params`] value is unusable.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum ParamsError {
	/// `fragment_size` is not a multiple of 32, is below 64 or above 2^32 leaves.
	BadFragmentSize,
	/// `filler_size` is not a multiple of 32, is below 64 or above 2^32 leaves.
	BadFillerSize,
	/// `hash_iterations` is 0 or above [`MAX_HASH_ITERATIONS`].
	BadHashIterations,
	/// A challenge count exceeds its `MAX_*` bound.
	TooManyChallenges,
}

impl Params {
	/// Checks every field against the bounds of the proof types.
	pub fn validate(&self) -> Result<(), ParamsError> {
		if !size_ok(self.fragment_size) {
			return Err(ParamsError::BadFragmentSize);
		}
		if !size_ok(self.filler_size) {
			return Err(ParamsError::BadFillerSize);
		}
		if self.hash_iterations == 0 || self.hash_iterations > MAX_HASH_ITERATIONS {
			return Err(ParamsError::BadHashIterations);
		}
		if self.challenged_fillers > MAX_CHALLENGED_FILLERS
			|| self.challenged_fragments > MAX_CHALLENGED_FRAGMENTS
			|| self.leaves_per_filler > MAX_LEAVES_PER_ITEM
			|| self.leaves_per_fragment > MAX_LEAVES_PER_ITEM
		{
			return Err(ParamsError::TooManyChallenges);
		}
		Ok(())
	}

	/// Leaves in a fragment's tree (`fragment_size / 32`).
	pub fn fragment_leaves(&self) -> u64 {
		self.fragment_size / LEAF_SIZE
	}

	/// Leaves in a filler (`filler_size / 32`).
	pub fn filler_leaves(&self) -> u64 {
		self.filler_size / LEAF_SIZE
	}
}

/// A tree size is usable if it is whole leaves, at least two, at most `MAX_TREE_LEAVES`.
fn size_ok(size: u64) -> bool {
	let leaves = size / LEAF_SIZE;
	size.is_multiple_of(LEAF_SIZE) && (2..=MAX_TREE_LEAVES).contains(&leaves)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn defaults_are_valid_and_as_documented() {
		let p = Params::default();
		assert_eq!(p.validate(), Ok(()));
		assert_eq!(p.fragment_leaves(), 262_144);
		assert_eq!(p.filler_leaves(), 262_144);
		assert_eq!(p.hash_iterations, 64);
	}

	#[test]
	fn rejects_out_of_bound_values() {
		let p = Params::default();
		assert_eq!(Params { fragment_size: 33, ..p }.validate(), Err(ParamsError::BadFragmentSize));
		assert_eq!(Params { fragment_size: 32, ..p }.validate(), Err(ParamsError::BadFragmentSize));
		assert_eq!(
			Params { filler_size: (MAX_TREE_LEAVES + 1) * 32, ..p }.validate(),
			Err(ParamsError::BadFillerSize)
		);
		assert_eq!(
			Params { hash_iterations: 0, ..p }.validate(),
			Err(ParamsError::BadHashIterations)
		);
		assert_eq!(
			Params { hash_iterations: MAX_HASH_ITERATIONS + 1, ..p }.validate(),
			Err(ParamsError::BadHashIterations)
		);
		assert_eq!(
			Params { leaves_per_fragment: MAX_LEAVES_PER_ITEM + 1, ..p }.validate(),
			Err(ParamsError::TooManyChallenges)
		);
		assert_eq!(
			Params { challenged_fillers: MAX_CHALLENGED_FILLERS + 1, ..p }.validate(),
			Err(ParamsError::TooManyChallenges)
		);
		assert_eq!(Params { fragment_size: 64, filler_size: 64, ..p }.validate(), Ok(()));
	}
}
