//! The unsealer (std): reruns the labeling from the replica id alone and recovers
//! `D = R ⊕ lab_L` (the same sequential work as sealing, without the accumulator).

use super::commit::xor;
use super::params::SdrParams;
use super::seal::{run_labeling, SealError, SealerConfig};
use crate::hash::Hash;
use std::vec::Vec;

/// The sector data of `replica`, sealed under `replica_id`.
pub fn unseal(
	params: &SdrParams,
	replica_id: &Hash,
	replica: &[Hash],
	config: &SealerConfig,
) -> Result<Vec<Hash>, SealError> {
	if u64::try_from(replica.len()).ok() != Some(params.nodes()) {
		return Err(SealError::WrongLength);
	}
	let plain = SealerConfig { checkpoint_dir: None, stop_after_layer: None, ..config.clone() };
	let key = run_labeling(params, replica_id, false, &plain, |_, _| {})?.last;
	Ok(replica.iter().zip(&key).map(|(r, k)| xor(r, k)).collect())
}

/// The bytes of slot `slot` (a fragment zero-extended to the slot size) of `replica`.
pub fn unseal_slot(
	params: &SdrParams,
	replica_id: &Hash,
	replica: &[Hash],
	slot: u64,
	config: &SealerConfig,
) -> Result<Vec<u8>, SealError> {
	if slot >= params.slots() {
		return Err(SealError::WrongLength);
	}
	let data = unseal(params, replica_id, replica, config)?;
	let per = 1usize << params.log2_slot_nodes;
	let start = usize::try_from(slot).map_err(|_| SealError::WrongLength)?.saturating_mul(per);
	let nodes = data.get(start..start.saturating_add(per)).ok_or(SealError::WrongLength)?;
	Ok(nodes.iter().flatten().copied().collect())
}
