//! Service fragments: turning a fragment's bytes into Merkle leaves and a root.
//!
//! A fragment's tree always has exactly `fragment_size / 32` leaves, whatever the length
//! of its data, so the runtime never needs to know a fragment's byte length to check an
//! opening. Data shorter than `fragment_size` (the last, partial fragment of a file) is
//! treated as if zero-extended to `fragment_size`: the last partial 32-byte leaf is
//! padded with zero bytes, and every leaf past the end of the data is the all-zero leaf.
//! A challenge that lands in that padding is answered with a zero leaf (which is all the
//! miner was asked to keep there).

use crate::hash::{Hash, LEAF_SIZE};
use crate::merkle::merkle_root;
use crate::params::Params;
use alloc::vec::Vec;

/// Why fragment data cannot be turned into leaves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FragmentError {
	/// The data is longer than `fragment_size`.
	TooLarge,
	/// The parameters are invalid.
	InvalidParams,
}

/// Splits `data` into 32-byte leaves, zero-padding the last partial one.
pub fn leaves_from_bytes(data: &[u8]) -> Vec<Hash> {
	data.chunks(32)
		.map(|chunk| {
			let mut leaf = [0u8; 32];
			for (dst, src) in leaf.iter_mut().zip(chunk) {
				*dst = *src;
			}
			leaf
		})
		.collect()
}

/// The leaves of a fragment: its data as leaves, zero-extended to `fragment_size / 32`.
pub fn fragment_leaves(params: &Params, data: &[u8]) -> Result<Vec<Hash>, FragmentError> {
	params.validate().map_err(|_| FragmentError::InvalidParams)?;
	let len = u64::try_from(data.len()).map_err(|_| FragmentError::TooLarge)?;
	if len > params.fragment_size {
		return Err(FragmentError::TooLarge);
	}
	let count =
		usize::try_from(params.fragment_size / LEAF_SIZE).map_err(|_| FragmentError::TooLarge)?;
	let mut leaves = leaves_from_bytes(data);
	leaves.resize(count, [0u8; 32]);
	Ok(leaves)
}

/// The Merkle root of a fragment, as declared on chain for a file's fragment (see the
/// module docs for the padding rule).
pub fn fragment_root(params: &Params, data: &[u8]) -> Result<Hash, FragmentError> {
	Ok(merkle_root(&fragment_leaves(params, data)?))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn small() -> Params {
		Params { fragment_size: 5 * 32, ..Params::default() }
	}

	#[test]
	fn partial_data_is_zero_extended() {
		let p = small();
		let data: Vec<u8> = (1..=40u8).collect();
		let leaves = fragment_leaves(&p, &data).unwrap();
		assert_eq!(leaves.len(), 5);
		assert_eq!(&leaves[0][..], &data[..32]);
		assert_eq!(&leaves[1][..8], &data[32..]);
		assert_eq!(&leaves[1][8..], &[0u8; 24]);
		assert_eq!(leaves[2], [0u8; 32]);
		assert_eq!(leaves[4], [0u8; 32]);

		// Trailing zero bytes do not change the root: the root commits to the padded data.
		let mut padded = data.clone();
		padded.resize(5 * 32, 0);
		assert_eq!(fragment_root(&p, &data), fragment_root(&p, &padded));
		assert_eq!(fragment_root(&p, &data).unwrap(), merkle_root(&leaves));
		assert_ne!(fragment_root(&p, &data), fragment_root(&p, &data[..39]));
	}

	#[test]
	fn oversize_data_is_rejected() {
		let p = small();
		assert_eq!(fragment_root(&p, &[0u8; 161]), Err(FragmentError::TooLarge));
		assert!(fragment_root(&p, &[0u8; 160]).is_ok());
		assert_eq!(fragment_leaves(&p, &[]).unwrap(), vec![[0u8; 32]; 5]);
	}
}
