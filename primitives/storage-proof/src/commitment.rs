//! The idle commitment: one 32-byte value binding a miner's filler roots and their count.
//!
//! ```text
//! set_root   = merkle_root([filler_root_0, …, filler_root_{n-1}])   (ZERO_HASH if n = 0)
//! commitment = H(0x02 ‖ n_le64 ‖ set_root)
//! ```
//!
//! The runtime stores `commitment` and `n` (set together by the miner); a challenged
//! filler is proven to be committed by a Merkle path from its root to `set_root`, which
//! the verifier then hashes with the on-chain `n` and compares with `commitment`.

use crate::hash::{Hash, Input, TAG_FILLER_COMMITMENT};
use crate::merkle::merkle_root;

/// The commitment to a filler set whose Merkle root is `set_root` and size `count`.
pub fn filler_commitment(set_root: &Hash, count: u64) -> Hash {
	Input::<41>::new(TAG_FILLER_COMMITMENT).put(&count.to_le_bytes()).put(set_root).hash()
}

/// The commitment to the fillers whose roots are `filler_roots` (in index order).
pub fn filler_set_commitment(filler_roots: &[Hash]) -> Hash {
	let count = u64::try_from(filler_roots.len()).unwrap_or(u64::MAX);
	filler_commitment(&merkle_root(filler_roots), count)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::hash::ZERO_HASH;
	use sp_crypto_hashing::blake2_256;

	#[test]
	fn commitment_binds_count_and_root() {
		let roots = [[1u8; 32], [2u8; 32], [3u8; 32]];
		let set_root = merkle_root(&roots);
		let mut input = vec![TAG_FILLER_COMMITMENT];
		input.extend_from_slice(&3u64.to_le_bytes());
		input.extend_from_slice(&set_root);
		assert_eq!(filler_set_commitment(&roots), blake2_256(&input));
		assert_ne!(filler_commitment(&set_root, 4), filler_set_commitment(&roots));
		assert_ne!(filler_set_commitment(&roots[..2]), filler_set_commitment(&roots));
		assert_eq!(filler_set_commitment(&[]), filler_commitment(&ZERO_HASH, 0));
	}
}
