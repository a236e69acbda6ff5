//! Aligned fragment slots: a sector's data commitment from the declared fragment roots.
//!
//! Slot `j` of a sector holds one fragment (zero-extended to the slot size, exactly as
//! [`fragment_root`](crate::fragment_root) pads it) or zeros, at nodes
//! `j·2^s .. (j+1)·2^s`. Because the slot is an aligned subtree of the sector's data tree
//! (a perfect binary tree, the shape of [`merkle`](crate::merkle) for power-of-two widths),
//! `comm_d = Merkle(slot_root_0 … slot_root_{K−1})`, an empty slot's root being the
//! constant `Z_s`. The runtime computes it with `K − 1` hashes and never sees the data.

use super::params::SdrParams;
use crate::hash::{leaf_hash, node_hash, Hash};
use alloc::vec::Vec;

/// Root of a perfect tree of `2^k` zero leaves (`Z_0 = H(0x00 ‖ 0^32)`,
/// `Z_{k+1} = H(0x01 ‖ Z_k ‖ Z_k)`).
pub fn zero_root(k: u32) -> Hash {
	let mut z = leaf_hash(&[0u8; 32]);
	for _ in 0..k {
		z = node_hash(&z, &z);
	}
	z
}

/// Why `comm_d` cannot be computed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SlotsError {
	/// The parameters are invalid.
	InvalidParams,
	/// Not exactly `K` slots were given.
	WrongSlotCount,
	/// Fragment data is longer than a slot.
	FragmentTooLarge,
}

/// `comm_d` from one entry per slot: `Some(fragment_root)` or `None` for an empty slot.
pub fn comm_d_from_slots(params: &SdrParams, slots: &[Option<Hash>]) -> Result<Hash, SlotsError> {
	params.validate().map_err(|_| SlotsError::InvalidParams)?;
	if u64::try_from(slots.len()).ok() != Some(params.slots()) {
		return Err(SlotsError::WrongSlotCount);
	}
	let zero = zero_root(params.log2_slot_nodes);
	let mut level: Vec<Hash> = slots.iter().map(|s| s.unwrap_or(zero)).collect();
	while level.len() > 1 {
		level = level
			.chunks(2)
			.map(|pair| match pair {
				[l, r] => node_hash(l, r),
				_ => zero,
			})
			.collect();
	}
	level.first().copied().ok_or(SlotsError::WrongSlotCount)
}

/// `comm_d` of a committed-capacity sector (every slot empty): `Z_n`.
pub fn cc_comm_d(params: &SdrParams) -> Hash {
	zero_root(params.log2_nodes)
}

/// The sector's data nodes from one entry per slot (`Some(bytes)` of at most a slot, or
/// `None`), each slot zero-extended.
#[cfg(feature = "std")]
pub fn sector_data(params: &SdrParams, slots: &[Option<&[u8]>]) -> Result<Vec<Hash>, SlotsError> {
	params.validate().map_err(|_| SlotsError::InvalidParams)?;
	if u64::try_from(slots.len()).ok() != Some(params.slots()) {
		return Err(SlotsError::WrongSlotCount);
	}
	let slot_nodes = 1usize << params.log2_slot_nodes;
	let mut nodes = Vec::with_capacity(slot_nodes.saturating_mul(slots.len()));
	for slot in slots {
		let bytes = slot.unwrap_or(&[]);
		if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > params.slot_bytes() {
			return Err(SlotsError::FragmentTooLarge);
		}
		let mut leaves = crate::fragment::leaves_from_bytes(bytes);
		leaves.resize(slot_nodes, [0u8; 32]);
		nodes.extend(leaves);
	}
	Ok(nodes)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{fragment_root, merkle_root, Params};

	fn tiny() -> SdrParams {
		SdrParams { log2_nodes: 6, log2_slot_nodes: 4, layers: 3, ..SdrParams::dev() }
	}

	#[test]
	fn comm_d_from_fragment_roots_equals_the_root_of_the_sector_data() {
		let p = tiny();
		let frag = Params { fragment_size: p.slot_bytes(), ..Params::default() };
		let a: Vec<u8> = (0..300u32).map(|i| i as u8).collect();
		let b = vec![7u8; 512];
		let slots = [Some(&a[..]), None, Some(&b[..]), None];
		let roots: Vec<Option<Hash>> =
			slots.iter().map(|s| s.map(|d| fragment_root(&frag, d).unwrap())).collect();
		let data = sector_data(&p, &slots).unwrap();
		assert_eq!(data.len(), 64);
		assert_eq!(comm_d_from_slots(&p, &roots).unwrap(), merkle_root(&data));
		assert_eq!(comm_d_from_slots(&p, &[None; 4]).unwrap(), cc_comm_d(&p));
		assert_eq!(cc_comm_d(&p), merkle_root(&[[0u8; 32]; 64]));
	}

	#[test]
	fn rejects_wrong_slot_counts_and_oversize_fragments() {
		let p = tiny();
		assert_eq!(comm_d_from_slots(&p, &[None; 3]), Err(SlotsError::WrongSlotCount));
		assert_eq!(sector_data(&p, &[None; 5]), Err(SlotsError::WrongSlotCount));
		let big = vec![0u8; 513];
		assert_eq!(
			sector_data(&p, &[Some(&big[..]), None, None, None]),
			Err(SlotsError::FragmentTooLarge)
		);
		let bad = SdrParams { layers: 0, ..p };
		assert_eq!(comm_d_from_slots(&bad, &[None; 4]), Err(SlotsError::InvalidParams));
	}
}
