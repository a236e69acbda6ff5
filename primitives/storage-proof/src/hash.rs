//! The one hash function of the scheme (blake2-256) and its domain-separation tags.
//!
//! Every hash input starts with a one-byte tag naming what is being hashed, so that a
//! value computed for one purpose (a Merkle leaf, an inner node, a filler label, a
//! challenge pick, ...) can never be replayed as a value of another purpose. In
//! particular a Merkle leaf can never be passed off as an inner node (second-preimage
//! attacks on the tree shape).

#[cfg(not(feature = "host-hashing"))]
use sp_crypto_hashing::blake2_256;
/// Inside the runtime, blake2 is a host function (native code), several times faster than
/// the wasm-compiled one; natively both are the same function.
#[cfg(feature = "host-hashing")]
use sp_io::hashing::blake2_256;

/// A 32-byte value: a leaf, a Merkle node, a root, a label or a commitment.
pub type Hash = [u8; 32];

/// A miner account as raw 32 bytes (an `AccountId32` encoded), so the library needs no
/// runtime types.
pub type AccountBytes = [u8; 32];

/// Size in bytes of one leaf: the unit that is opened in a proof.
pub const LEAF_SIZE: u64 = 32;

/// The all-zero hash, used as the root of an empty tree.
pub const ZERO_HASH: Hash = [0u8; 32];

/// Tag of a Merkle leaf hash: `H(TAG_LEAF ‖ leaf)`.
pub const TAG_LEAF: u8 = 0x00;
/// Tag of a Merkle inner node: `H(TAG_NODE ‖ left ‖ right)`.
pub const TAG_NODE: u8 = 0x01;
/// Tag of the idle commitment: `H(TAG_FILLER_COMMITMENT ‖ count_le64 ‖ set_root)`.
pub const TAG_FILLER_COMMITMENT: u8 = 0x02;
/// Tag of a filler seed: `H(TAG_FILLER_SEED ‖ account ‖ filler_index_le64)`.
pub const TAG_FILLER_SEED: u8 = 0x10;
/// Tag of the first hash of a label: `H(TAG_LABEL ‖ seed ‖ leaf_index_le64 ‖ prev)`.
pub const TAG_LABEL: u8 = 0x11;
/// Tag of each further sequential hash of a label: `H(TAG_ITERATE ‖ x)`.
pub const TAG_ITERATE: u8 = 0x12;
/// Tag of the per-miner challenge seed.
pub const TAG_CHALLENGE: u8 = 0x20;
/// Tag of one challenge pick (an item or a leaf index).
pub const TAG_PICK: u8 = 0x21;

/// Tag of an SDR replica id: `H(0x50 ‖ genesis ‖ miner ‖ sector_no ‖ comm_d ‖ params_id)`.
pub const TAG_SDR_REPLICA_ID: u8 = 0x50;
/// Tag of a seal (commit) challenge seed.
pub const TAG_SDR_SEAL_SEED: u8 = 0x51;
/// Tag of an SDR label: `H(0x52 ‖ replica_id ‖ layer ‖ node ‖ parents…)`.
pub const TAG_SDR_LABEL: u8 = 0x52;
/// Tag of one step of the iterated column hash.
pub const TAG_SDR_COLUMN: u8 = 0x53;
/// Tag of `comm_r = H(0x54 ‖ comm_c ‖ comm_r_last)`.
pub const TAG_SDR_COMM_R: u8 = 0x54;
/// Tag of one SDR challenge pick (sector, node or window item).
pub const TAG_SDR_PICK: u8 = 0x55;
/// Tag of a seal-audit challenge seed.
pub const TAG_SDR_AUDIT_SEED: u8 = 0x56;
/// Tag of the public graph seed of a parameter set.
pub const TAG_SDR_GRAPH: u8 = 0x58;
/// Tag of a window-proof seed.
pub const TAG_SDR_WINDOW_SEED: u8 = 0x60;

/// blake2-256 of a variable-length input (the caller puts the domain tag first).
pub(crate) fn hash_bytes(data: &[u8]) -> Hash {
	blake2_256(data)
}

/// A fixed-size hash input assembled without any fallible indexing.
pub(crate) struct Input<const N: usize> {
	bytes: [u8; N],
	pos: usize,
}

impl<const N: usize> Input<N> {
	/// Starts an input with its domain tag.
	pub(crate) fn new(tag: u8) -> Self {
		let mut bytes = [0u8; N];
		if let Some(first) = bytes.first_mut() {
			*first = tag;
		}
		Self { bytes, pos: 1 }
	}

	/// Appends bytes (silently truncated past `N`; every caller sizes `N` exactly, which
	/// the unit tests check through known-answer values).
	pub(crate) fn put(mut self, data: &[u8]) -> Self {
		for (dst, src) in self.bytes.iter_mut().skip(self.pos).zip(data) {
			*dst = *src;
		}
		self.pos = self.pos.saturating_add(data.len());
		self
	}

	/// Hashes the assembled input.
	pub(crate) fn hash(&self) -> Hash {
		blake2_256(&self.bytes)
	}
}

/// Hash of a Merkle leaf: `H(0x00 ‖ leaf)`.
pub fn leaf_hash(leaf: &Hash) -> Hash {
	Input::<33>::new(TAG_LEAF).put(leaf).hash()
}

/// Hash of a Merkle inner node: `H(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
	Input::<65>::new(TAG_NODE).put(left).put(right).hash()
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_crypto_hashing::blake2_256;

	#[test]
	fn tags_separate_leaf_and_node() {
		let a = [7u8; 32];
		let mut leaf_input = [0u8; 33];
		leaf_input[0] = TAG_LEAF;
		leaf_input[1..].copy_from_slice(&a);
		assert_eq!(leaf_hash(&a), blake2_256(&leaf_input));

		let mut node_input = [0u8; 65];
		node_input[0] = TAG_NODE;
		node_input[1..33].copy_from_slice(&a);
		node_input[33..].copy_from_slice(&[9u8; 32]);
		assert_eq!(node_hash(&a, &[9u8; 32]), blake2_256(&node_input));
		assert_ne!(leaf_hash(&a), blake2_256(&a));
	}
}
