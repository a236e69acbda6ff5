//! Commitments of a sealed sector.
//!
//! * Column hash of node `v`, **iterated** over the layers:
//!   `c_1 = H(0x53 ‖ lab_1[v])`, `c_l = H(0x53 ‖ c_{l−1} ‖ lab_l[v])`, `col_v = c_L`.
//!   The sealer keeps one N × 32-byte accumulator and drops each layer once folded in.
//! * `comm_c = Merkle(col_0 … col_{N−1})`, `comm_r_last = Merkle(R_0 … R_{N−1})` where
//!   `R = D ⊕ lab_L`, and `comm_r = H(0x54 ‖ comm_c ‖ comm_r_last)`.
//!
//! The trees are [`merkle`](crate::merkle)'s (perfect for the power-of-two widths here).

use crate::hash::{Hash, Input, TAG_SDR_COLUMN, TAG_SDR_COMM_R};

/// First step of a column hash (layer 1).
pub fn column_start(label_1: &Hash) -> Hash {
	Input::<33>::new(TAG_SDR_COLUMN).put(label_1).hash()
}

/// One further step of a column hash (layers 2..L).
pub fn column_step(acc: &Hash, label: &Hash) -> Hash {
	Input::<65>::new(TAG_SDR_COLUMN).put(acc).put(label).hash()
}

/// The column hash of a full column (`labels[l − 1]` is layer `l`); the zero hash for an
/// empty column.
pub fn column_hash(labels: &[Hash]) -> Hash {
	let mut iter = labels.iter();
	let Some(first) = iter.next() else { return [0u8; 32] };
	iter.fold(column_start(first), |acc, l| column_step(&acc, l))
}

/// `comm_r = H(0x54 ‖ comm_c ‖ comm_r_last)`: the one value that names a sealed replica.
pub fn comm_r(comm_c: &Hash, comm_r_last: &Hash) -> Hash {
	Input::<65>::new(TAG_SDR_COMM_R).put(comm_c).put(comm_r_last).hash()
}

/// `a ⊕ b` on 32-byte nodes (replica = data ⊕ key, and back).
pub fn xor(a: &Hash, b: &Hash) -> Hash {
	let mut out = [0u8; 32];
	for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
		*o = x ^ y;
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_crypto_hashing::blake2_256;

	#[test]
	fn column_hash_is_iterated_as_documented() {
		let l = [[1u8; 32], [2u8; 32], [3u8; 32]];
		let mut c = blake2_256(&[&[0x53u8][..], &l[0]].concat());
		for x in &l[1..] {
			c = blake2_256(&[&[0x53u8][..], &c, x].concat());
		}
		assert_eq!(column_hash(&l), c);
		assert_eq!(column_hash(&l[..1]), column_start(&l[0]));
		assert_ne!(column_hash(&l[..2]), column_hash(&[l[1], l[0]]));
		assert_eq!(comm_r(&l[0], &l[1]), blake2_256(&[&[0x54u8][..], &l[0], &l[1]].concat()));
		assert_eq!(xor(&xor(&l[0], &l[2]), &l[2]), l[0]);
	}
}
