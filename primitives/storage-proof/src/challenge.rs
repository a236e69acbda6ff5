//! Challenge derivation: which fillers, fragments and leaves a miner must open in a round.
//!
//! Pure and deterministic, so the runtime derives a miner's challenge on demand (nothing
//! is written per miner) and the miner agent derives the very same one:
//!
//! ```text
//! s          = H(0x20 ‖ randomness ‖ round_le32 ‖ account)
//! pick(d,j,l,n) = u128_le(H(0x21 ‖ s ‖ d ‖ j_le32 ‖ l_le32)[0..16]) mod n
//! filler j   = pick(0x00, j, 0, filler_count)           leaf l of it  = pick(0x01, j, l, filler_leaves)
//! fragment j = pick(0x02, j, 0, fragment_count)         leaf l of it  = pick(0x03, j, l, fragment_leaves)
//! ```
//!
//! The seed binds nothing the miner controls (no counts): the counts only bound the picks,
//! and the audit freezes them in the miner's snapshot before the randomness is known, so a
//! miner cannot re-roll its challenge by changing a count.
//!
//! Items are drawn independently (with replacement). Reducing a 128-bit value modulo
//! `n ≤ 2^64` has a bias below `2^-64`, which is negligible. A miner with no fillers
//! (no fragments) gets no idle (service) challenge.

use crate::bounded::BoundedVec;
use crate::hash::{AccountBytes, Hash, Input, TAG_CHALLENGE, TAG_PICK};
use crate::params::{
	Params, ParamsError, MAX_CHALLENGED_FILLERS, MAX_CHALLENGED_FRAGMENTS, MAX_LEAVES_PER_ITEM,
	MAX_TREE_LEAVES,
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Pick domain: a challenged filler.
const PICK_FILLER: u8 = 0x00;
/// Pick domain: a leaf of a challenged filler.
const PICK_FILLER_LEAF: u8 = 0x01;
/// Pick domain: a challenged fragment.
const PICK_FRAGMENT: u8 = 0x02;
/// Pick domain: a leaf of a challenged fragment.
const PICK_FRAGMENT_LEAF: u8 = 0x03;

/// Everything a challenge is derived from; all of it is on chain.
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
pub struct ChallengeInput {
	/// The round's randomness (BABE).
	pub randomness: [u8; 32],
	/// The round index (the era).
	pub round: u32,
	/// The miner's account, raw bytes.
	pub account: AccountBytes,
	/// Number of idle fillers the miner has committed.
	pub filler_count: u64,
	/// Number of service fragments the miner holds (indexed `0..fragment_count` in the
	/// order the runtime keeps them).
	pub fragment_count: u64,
}

/// One challenged filler or fragment and the leaves to open in it.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct ItemChallenge {
	/// Filler index, or fragment index in `0..fragment_count`.
	pub index: u64,
	/// Leaf indices to open, in order.
	pub leaves: BoundedVec<u64, MAX_LEAVES_PER_ITEM>,
}

/// A miner's challenge for one round, with the parameters needed to check the answer.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Challenge {
	/// The parameters the challenge was derived with (verification uses the same).
	pub params: Params,
	/// The round index.
	pub round: u32,
	/// The challenged miner (filler seeds depend on it).
	pub account: AccountBytes,
	/// The committed filler count (the width of the filler-set tree).
	pub filler_count: u64,
	/// The miner's service fragment count.
	pub fragment_count: u64,
	/// Challenged fillers, in proof order.
	pub fillers: BoundedVec<ItemChallenge, MAX_CHALLENGED_FILLERS>,
	/// Challenged fragments, in proof order.
	pub fragments: BoundedVec<ItemChallenge, MAX_CHALLENGED_FRAGMENTS>,
}

/// Why a challenge cannot be derived.
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
pub enum ChallengeError {
	/// The parameters are invalid.
	InvalidParams(ParamsError),
	/// More fillers than a filler-set tree can hold (`2^32`).
	TooManyFillers,
}

/// The per-miner, per-round challenge seed `s`: randomness, round and account only.
fn challenge_seed(input: &ChallengeInput) -> Hash {
	Input::<69>::new(TAG_CHALLENGE)
		.put(&input.randomness)
		.put(&input.round.to_le_bytes())
		.put(&input.account)
		.hash()
}

/// A uniform value in `0..bound` for one (domain, item, leaf) position; `None` if
/// `bound` is 0.
fn pick(seed: &Hash, domain: u8, item: u32, leaf: u32, bound: u64) -> Option<u64> {
	if bound == 0 {
		return None;
	}
	let h = Input::<42>::new(TAG_PICK)
		.put(seed)
		.put(&[domain])
		.put(&item.to_le_bytes())
		.put(&leaf.to_le_bytes())
		.hash();
	let mut low = [0u8; 16];
	for (dst, src) in low.iter_mut().zip(h.iter()) {
		*dst = *src;
	}
	let value = u128::from_le_bytes(low) % u128::from(bound);
	u64::try_from(value).ok()
}

/// Draws `count` items in `0..item_bound`, each with `leaves` leaves in `0..leaf_bound`.
fn draw<const N: u32>(
	seed: &Hash,
	domains: (u8, u8),
	count: u32,
	item_bound: u64,
	leaves: u32,
	leaf_bound: u64,
) -> BoundedVec<ItemChallenge, N> {
	let mut items = BoundedVec::new();
	for j in 0..count {
		let Some(index) = pick(seed, domains.0, j, 0, item_bound) else {
			break;
		};
		let mut item = ItemChallenge { index, leaves: BoundedVec::new() };
		for l in 0..leaves {
			if let Some(leaf) = pick(seed, domains.1, j, l, leaf_bound) {
				// Bounded by `Params::validate`, so this never drops a leaf.
				let _ = item.leaves.try_push(leaf);
			}
		}
		if items.try_push(item).is_err() {
			break;
		}
	}
	items
}

impl Challenge {
	/// Narrows each challenged fragment's leaves to the part that holds data.
	///
	/// A fragment shorter than `fragment_size` is zero-padded, and padding leaves are public
	/// knowledge, so sampling them proves nothing: a miner that dropped a 1 MiB fragment
	/// would still answer 7/8 of the leaves of an 8 MiB one. `data_leaves(index)` is the
	/// number of leaves holding data (`ceil(len / 32)`) of fragment `index`, when known;
	/// every challenged leaf `l` of that fragment becomes `l mod data_leaves`. Leaves are
	/// drawn over `fragment_leaves` (2^18 by default), so the modulo bias is below
	/// `data_leaves / fragment_leaves` and every data leaf stays almost equally likely.
	/// The audit pallet applies it before a challenge is answered or verified, so the
	/// runtime API already hands the miner agent the confined challenge.
	pub fn confine_fragment_leaves(&mut self, mut data_leaves: impl FnMut(u64) -> Option<u64>) {
		for position in 0..self.fragments.len() {
			let Some(item) = self.fragments.get_mut(position) else { continue };
			let Some(count) = data_leaves(item.index).filter(|n| *n > 0) else { continue };
			for leaf in 0..item.leaves.len() {
				if let Some(l) = item.leaves.get_mut(leaf) {
					*l %= count;
				}
			}
		}
	}
}

/// Derives the challenge of `input.account` for `input.round`.
pub fn derive_challenge(
	params: &Params,
	input: &ChallengeInput,
) -> Result<Challenge, ChallengeError> {
	params.validate().map_err(ChallengeError::InvalidParams)?;
	if input.filler_count > MAX_TREE_LEAVES {
		return Err(ChallengeError::TooManyFillers);
	}
	let seed = challenge_seed(input);
	Ok(Challenge {
		params: *params,
		round: input.round,
		account: input.account,
		filler_count: input.filler_count,
		fragment_count: input.fragment_count,
		fillers: draw(
			&seed,
			(PICK_FILLER, PICK_FILLER_LEAF),
			params.challenged_fillers,
			input.filler_count,
			params.leaves_per_filler,
			params.filler_leaves(),
		),
		fragments: draw(
			&seed,
			(PICK_FRAGMENT, PICK_FRAGMENT_LEAF),
			params.challenged_fragments,
			input.fragment_count,
			params.leaves_per_fragment,
			params.fragment_leaves(),
		),
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_crypto_hashing::blake2_256;

	fn input() -> ChallengeInput {
		ChallengeInput {
			randomness: [7u8; 32],
			round: 3,
			account: [1u8; 32],
			filler_count: 1000,
			fragment_count: 50,
		}
	}

	#[test]
	fn shape_follows_params_and_indices_are_in_range() {
		let p = Params::default();
		let c = derive_challenge(&p, &input()).unwrap();
		assert_eq!(c.fillers.len(), 4);
		assert_eq!(c.fragments.len(), 8);
		for f in c.fillers.iter() {
			assert!(f.index < 1000);
			assert_eq!(f.leaves.len(), 2);
			assert!(f.leaves.iter().all(|l| *l < p.filler_leaves()));
		}
		for f in c.fragments.iter() {
			assert!(f.index < 50);
			assert_eq!(f.leaves.len(), 2);
		}
		assert_eq!(derive_challenge(&p, &input()), Ok(c));
	}

	#[test]
	fn first_pick_matches_the_documented_formula() {
		let p = Params::default();
		let i = input();
		let mut s_in = vec![TAG_CHALLENGE];
		s_in.extend_from_slice(&i.randomness);
		s_in.extend_from_slice(&i.round.to_le_bytes());
		s_in.extend_from_slice(&i.account);
		let s = blake2_256(&s_in);
		let mut p_in = vec![TAG_PICK];
		p_in.extend_from_slice(&s);
		p_in.push(PICK_FILLER);
		p_in.extend_from_slice(&0u32.to_le_bytes());
		p_in.extend_from_slice(&0u32.to_le_bytes());
		let h = blake2_256(&p_in);
		let v = u128::from_le_bytes(h[..16].try_into().unwrap()) % 1000;
		assert_eq!(derive_challenge(&p, &i).unwrap().fillers[0].index, v as u64);
	}

	#[test]
	fn every_input_changes_the_challenge() {
		let p = Params::default();
		let base = derive_challenge(&p, &input()).unwrap();
		let variants = [
			ChallengeInput { randomness: [8u8; 32], ..input() },
			ChallengeInput { round: 4, ..input() },
			ChallengeInput { account: [2u8; 32], ..input() },
		];
		for v in variants {
			let c = derive_challenge(&p, &v).unwrap();
			assert_ne!((c.fillers, c.fragments), (base.fillers.clone(), base.fragments.clone()));
		}
	}

	#[test]
	fn the_seed_does_not_depend_on_the_counts() {
		// Re-roll attack: a miner that could pick its counts after seeing the randomness would
		// try counts until a challenged index suits it. The seed ignores the counts, so the
		// same pick value is reduced modulo each count: with 1 000 fillers the first pick is
		// `v mod 1000`, with 2 000 it is `v mod 2000`, and both come from one `v`.
		let p = Params::default();
		let i = input();
		let mut s_in = vec![TAG_CHALLENGE];
		s_in.extend_from_slice(&i.randomness);
		s_in.extend_from_slice(&i.round.to_le_bytes());
		s_in.extend_from_slice(&i.account);
		let s = blake2_256(&s_in);
		let mut p_in = vec![TAG_PICK];
		p_in.extend_from_slice(&s);
		p_in.push(PICK_FILLER);
		p_in.extend_from_slice(&0u32.to_le_bytes());
		p_in.extend_from_slice(&0u32.to_le_bytes());
		let v = u128::from_le_bytes(blake2_256(&p_in)[..16].try_into().unwrap());
		for count in [1000u64, 1001, 2000, 7] {
			let c = derive_challenge(&p, &ChallengeInput { filler_count: count, ..i }).unwrap();
			assert_eq!(u128::from(c.fillers[0].index), v % u128::from(count));
		}
		// The fragment picks do not move when only the filler count changes.
		let a = derive_challenge(&p, &i).unwrap();
		let b = derive_challenge(&p, &ChallengeInput { filler_count: 5, ..i }).unwrap();
		assert_eq!(a.fragments, b.fragments);
	}

	#[test]
	fn empty_sets_are_not_challenged_and_bounds_hold() {
		let p = Params::default();
		let c =
			derive_challenge(&p, &ChallengeInput { filler_count: 0, fragment_count: 0, ..input() })
				.unwrap();
		assert!(c.fillers.is_empty() && c.fragments.is_empty());
		assert_eq!(
			derive_challenge(&p, &ChallengeInput { filler_count: MAX_TREE_LEAVES + 1, ..input() }),
			Err(ChallengeError::TooManyFillers)
		);
		assert_eq!(
			derive_challenge(&Params { hash_iterations: 0, ..p }, &input()),
			Err(ChallengeError::InvalidParams(ParamsError::BadHashIterations))
		);
	}

	#[test]
	fn confined_fragment_leaves_stay_inside_the_data() {
		let p = Params::default();
		let mut c = derive_challenge(&p, &input()).unwrap();
		let original = c.clone();
		// Fragment 0..50: even indices hold 1 MiB (32 768 leaves), odd ones are unknown.
		c.confine_fragment_leaves(|i| (i % 2 == 0).then_some(32_768));
		for (item, before) in c.fragments.iter().zip(original.fragments.iter()) {
			assert_eq!(item.index, before.index);
			for (leaf, was) in item.leaves.iter().zip(before.leaves.iter()) {
				if item.index % 2 == 0 {
					assert!(*leaf < 32_768);
					assert_eq!(*leaf, *was % 32_768);
				} else {
					assert_eq!(leaf, was, "unknown lengths are left alone");
				}
			}
		}
		// Fillers are never touched; a zero length is ignored rather than dividing by zero.
		assert_eq!(c.fillers, original.fillers);
		let mut z = original.clone();
		z.confine_fragment_leaves(|_| Some(0));
		assert_eq!(z, original);
		// A one-leaf fragment: every challenged leaf is leaf 0.
		let mut one = original.clone();
		one.confine_fragment_leaves(|_| Some(1));
		assert!(one.fragments.iter().all(|f| f.leaves.iter().all(|l| *l == 0)));
	}
}
