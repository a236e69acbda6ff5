//! The replica id: the key every label of a sector is derived under.
//!
//! `replica_id = H(0x50 ‖ genesis ‖ miner ‖ sector_no_le64 ‖ comm_d ‖ params_id_le32)`.
//! Binding the genesis hash makes parameters and replicas per chain; the miner and the
//! (never reused) sector number make two copies of the same data unrelated (sybil
//! accounts cannot share one copy); `comm_d` makes the key depend on the data, so a
//! self-dealer cannot choose data equal to the key (an all-zero replica); `params_id`
//! versions the construction per sector.

use crate::hash::{AccountBytes, Hash, Input, TAG_SDR_REPLICA_ID};

/// The replica id of sector `sector_no` of `miner` on the chain `genesis`.
pub fn replica_id(
	genesis: &Hash,
	miner: &AccountBytes,
	sector_no: u64,
	comm_d: &Hash,
	params_id: u32,
) -> Hash {
	Input::<109>::new(TAG_SDR_REPLICA_ID)
		.put(genesis)
		.put(miner)
		.put(&sector_no.to_le_bytes())
		.put(comm_d)
		.put(&params_id.to_le_bytes())
		.hash()
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_crypto_hashing::blake2_256;

	#[test]
	fn layout_is_as_documented_and_every_field_matters() {
		let mut input = vec![0x50];
		input.extend_from_slice(&[1u8; 32]);
		input.extend_from_slice(&[2u8; 32]);
		input.extend_from_slice(&7u64.to_le_bytes());
		input.extend_from_slice(&[3u8; 32]);
		input.extend_from_slice(&5u32.to_le_bytes());
		assert_eq!(input.len(), 109);
		let id = replica_id(&[1; 32], &[2; 32], 7, &[3; 32], 5);
		assert_eq!(id, blake2_256(&input));
		assert_ne!(id, replica_id(&[9; 32], &[2; 32], 7, &[3; 32], 5));
		assert_ne!(id, replica_id(&[1; 32], &[9; 32], 7, &[3; 32], 5));
		assert_ne!(id, replica_id(&[1; 32], &[2; 32], 8, &[3; 32], 5));
		assert_ne!(id, replica_id(&[1; 32], &[2; 32], 7, &[9; 32], 5));
		assert_ne!(id, replica_id(&[1; 32], &[2; 32], 7, &[3; 32], 6));
	}
}
