//! A file's hash: the hash of its owner and content commitment, never a free choice.
//!
//! `file_hash(owner, size, roots) = blake2_256(FILE_HASH_DOMAIN ‖ SCALE(owner) ‖ size as u64
//! little-endian ‖ roots[0] ‖ … ‖ roots[n−1])` (each root 32 bytes, no length prefix: `n` is
//! fixed by `size`). For an `AccountId32` owner `SCALE(owner)` is its 32 raw bytes.
//!
//! The owner is part of it so that nobody can front-run a declaration: someone who sees my
//! `declare_file` in the pool and declares the same roots first gets a different hash, so my
//! declaration never fails with `FileExists` because of them (and two users may store the same
//! content). The hash decides nothing about placement — that comes from randomness drawn
//! after the declaration (see [`crate::placement`]) — so choosing the owner or the content
//! gains nothing. The miner agent and the `storage-miner fragment-roots` CLI call this
//! function, and the e2e tests recompute it in JS; the golden vector below pins the bytes.

use crate::{FileHash, FragmentRoot};
use codec::Encode;

/// Domain separator of [`file_hash`].
pub const FILE_HASH_DOMAIN: &[u8] = b"cess/file-bank/file/v1";

/// The hash a file declared by `owner` with `size` bytes and fragment roots `roots` gets.
pub fn file_hash<AccountId: Encode>(
	owner: &AccountId,
	size: u64,
	roots: &[FragmentRoot],
) -> FileHash {
	let mut bytes = alloc::vec::Vec::with_capacity(
		FILE_HASH_DOMAIN.len().saturating_add(48).saturating_add(roots.len().saturating_mul(32)),
	);
	bytes.extend_from_slice(FILE_HASH_DOMAIN);
	owner.encode_to(&mut bytes);
	bytes.extend_from_slice(&size.to_le_bytes());
	for root in roots {
		bytes.extend_from_slice(root);
	}
	FileHash::from(sp_io::hashing::blake2_256(&bytes))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn hex(bytes: &[u8]) -> alloc::string::String {
		bytes.iter().map(|b| alloc::format!("{b:02x}")).collect()
	}

	/// Golden vector, shared with the miner agent's test and the e2e tests: owner = 32 bytes
	/// `0x01`, size = 9 MiB (`0x0000_0000_0090_0000`), roots `[0x11; 32]`, `[0x22; 32]`.
	pub const GOLDEN: &str = "02e8e9a7acbf93d0aea767ed21f17f3d9380d8fc508545137e8019852437812a";

	#[test]
	fn file_hash_is_blake2_of_domain_owner_size_roots() {
		let owner = [1u8; 32];
		let roots = [[0x11u8; 32], [0x22u8; 32]];
		let size: u64 = 9 << 20;
		// By hand: 22 domain bytes, 32 owner bytes, 8 size bytes (00 00 90 00 00 00 00 00), 64
		// root bytes = 126 bytes.
		let mut by_hand = b"cess/file-bank/file/v1".to_vec();
		by_hand.extend_from_slice(&[1u8; 32]);
		by_hand.extend_from_slice(&[0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00]);
		by_hand.extend_from_slice(&[0x11u8; 32]);
		by_hand.extend_from_slice(&[0x22u8; 32]);
		assert_eq!(by_hand.len(), 126);
		let h = file_hash(&owner, size, &roots);
		assert_eq!(h.0, sp_io::hashing::blake2_256(&by_hand));
		assert_eq!(hex(&h.0), GOLDEN);
		// Any change of owner, size or a root changes it.
		assert_ne!(file_hash(&[2u8; 32], size, &roots), h);
		assert_ne!(file_hash(&owner, size - 1, &roots), h);
		assert_ne!(file_hash(&owner, size, &[[0x11u8; 32], [0x23u8; 32]]), h);
	}
}
