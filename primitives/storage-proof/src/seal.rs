//! Sealed idle fillers: deterministic data bound to (miner account, filler index), each
//! leaf chained to the previous one through sequential hashing.
//!
//! ```text
//! seed          = H(0x10 ‖ account ‖ filler_index_le64)
//! label(i, p)   = G^(k-1)( H(0x11 ‖ seed ‖ i_le64 ‖ p) )        G(x) = H(0x12 ‖ x)
//! leaf_0        = label(0, seed)
//! leaf_i        = label(i, leaf_{i-1})                          for 0 < i < L
//! ```
//!
//! with `k = hash_iterations` and `L = filler_size / 32`. Because the seed enters every
//! label, a filler is useless at another index or for another miner; because each label
//! needs its predecessor and `k` strictly sequential hashes, producing leaf `i` from
//! nothing costs `(i + 1)·k` sequential hashes. Checking one opened leaf costs only `k`
//! hashes given its (also opened) predecessor — see `docs/storage-proofs.md` for what
//! this does and does not buy.

use crate::hash::{AccountBytes, Hash, Input, TAG_FILLER_SEED, TAG_ITERATE, TAG_LABEL};
use crate::params::{Params, ParamsError};
use alloc::vec::Vec;

/// The per-filler seed every label of the filler depends on.
pub fn filler_seed(account: &AccountBytes, filler_index: u64) -> Hash {
	Input::<41>::new(TAG_FILLER_SEED).put(account).put(&filler_index.to_le_bytes()).hash()
}

/// The label of leaf `leaf_index` given its predecessor `prev` (the seed for leaf 0):
/// `hash_iterations` sequential blake2-256 evaluations.
pub fn label(seed: &Hash, leaf_index: u64, prev: &Hash, hash_iterations: u32) -> Hash {
	let mut x =
		Input::<73>::new(TAG_LABEL).put(seed).put(&leaf_index.to_le_bytes()).put(prev).hash();
	for _ in 1..hash_iterations {
		x = Input::<33>::new(TAG_ITERATE).put(&x).hash();
	}
	x
}

/// Generates the leaves of filler `filler_index` of `account` (`filler_size / 32` of
/// them, strictly sequentially: this is the sealing work).
pub fn seal_filler(
	params: &Params,
	account: &AccountBytes,
	filler_index: u64,
) -> Result<Vec<Hash>, ParamsError> {
	params.validate()?;
	let count = usize::try_from(params.filler_leaves()).map_err(|_| ParamsError::BadFillerSize)?;
	let seed = filler_seed(account, filler_index);
	let mut leaves = Vec::with_capacity(count);
	let mut prev = seed;
	for i in 0..params.filler_leaves() {
		prev = label(&seed, i, &prev, params.hash_iterations);
		leaves.push(prev);
	}
	Ok(leaves)
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_crypto_hashing::blake2_256;

	fn small() -> Params {
		Params { filler_size: 8 * 32, hash_iterations: 3, ..Params::default() }
	}

	#[test]
	fn label_is_the_documented_hash_chain() {
		let seed = [1u8; 32];
		let prev = [2u8; 32];
		let mut input = vec![TAG_LABEL];
		input.extend_from_slice(&seed);
		input.extend_from_slice(&5u64.to_le_bytes());
		input.extend_from_slice(&prev);
		let mut x = blake2_256(&input);
		assert_eq!(label(&seed, 5, &prev, 1), x);
		for _ in 0..2 {
			let mut it = vec![TAG_ITERATE];
			it.extend_from_slice(&x);
			x = blake2_256(&it);
		}
		assert_eq!(label(&seed, 5, &prev, 3), x);

		let mut seed_input = vec![TAG_FILLER_SEED];
		seed_input.extend_from_slice(&[9u8; 32]);
		seed_input.extend_from_slice(&7u64.to_le_bytes());
		assert_eq!(filler_seed(&[9u8; 32], 7), blake2_256(&seed_input));
	}

	#[test]
	fn fillers_are_chained_and_bound_to_account_and_index() {
		let p = small();
		let a = [1u8; 32];
		let f = seal_filler(&p, &a, 3).unwrap();
		assert_eq!(f.len(), 8);
		let seed = filler_seed(&a, 3);
		assert_eq!(f[0], label(&seed, 0, &seed, 3));
		for i in 1..8 {
			assert_eq!(f[i], label(&seed, i as u64, &f[i - 1], 3));
		}
		assert_eq!(seal_filler(&p, &a, 3).unwrap(), f);
		let other_index = seal_filler(&p, &a, 4).unwrap();
		let other_miner = seal_filler(&p, &[2u8; 32], 3).unwrap();
		for i in 0..8 {
			assert_ne!(other_index[i], f[i]);
			assert_ne!(other_miner[i], f[i]);
		}
		assert_eq!(
			seal_filler(&Params { hash_iterations: 0, ..p }, &a, 0),
			Err(ParamsError::BadHashIterations)
		);
	}
}
