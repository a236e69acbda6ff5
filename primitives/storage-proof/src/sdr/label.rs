//! Labels: `lab_l[v] = H(0x52 ‖ replica_id ‖ l_le32 ‖ v_le64 ‖ same-layer parents ‖
//! previous-layer parents)`.
//!
//! * Layer 1 hashes the 6 DRG parents' labels (237 bytes, 2 blake2b compressions).
//! * Layers `l ≥ 2` also hash the 8 expander parents' labels of layer `l − 1` (493 bytes,
//!   4 compressions).
//! * Node 0 has no same-layer part.
//!
//! The label is keyed by the replica id alone; the data enters only through `comm_d` in
//! the replica id, so labels can be computed before (and without) the data.

use super::graph::Graph;
use super::params::{DRG_DEGREE, EXP_DEGREE};
use crate::hash::{hash_bytes, Hash, TAG_SDR_LABEL};

/// Header bytes: tag, replica id, layer, node.
const HEADER: usize = 1 + 32 + 4 + 8;
/// Largest label input.
const MAX_INPUT: usize = HEADER + 32 * (DRG_DEGREE + EXP_DEGREE);

/// One label from its parents' labels. `drg` is ignored for node 0; `exp` is `None` in
/// layer 1 and `Some` in every later layer.
pub fn label(
	replica_id: &Hash,
	layer: u32,
	node: u64,
	drg: &[Hash; DRG_DEGREE],
	exp: Option<&[Hash; EXP_DEGREE]>,
) -> Hash {
	let mut buf = [0u8; MAX_INPUT];
	let mut pos = 0usize;
	let mut put = |bytes: &[u8], buf: &mut [u8; MAX_INPUT]| {
		for (dst, src) in buf.iter_mut().skip(pos).zip(bytes) {
			*dst = *src;
		}
		pos = pos.saturating_add(bytes.len());
	};
	put(&[TAG_SDR_LABEL], &mut buf);
	put(replica_id, &mut buf);
	put(&layer.to_le_bytes(), &mut buf);
	put(&node.to_le_bytes(), &mut buf);
	if node > 0 {
		for p in drg {
			put(p, &mut buf);
		}
	}
	if let Some(exp) = exp {
		for p in exp {
			put(p, &mut buf);
		}
	}
	hash_bytes(buf.get(..pos).unwrap_or(&buf))
}

/// Computes layer `layer` (1-based) into `cur` from `prev` (layer − 1; `None` for layer 1).
///
/// `tamper(v)` may replace node `v`'s label with another value *before* later nodes read
/// it; the honest sealer passes `|_| None`. (Tests use it to play a prover that fakes a
/// fraction of labels and computes everything else honestly from the fakes.)
///
/// Returns `false` (and computes nothing) if the slice lengths differ from the graph's.
pub fn compute_layer<F>(
	graph: &Graph,
	replica_id: &Hash,
	layer: u32,
	prev: Option<&[Hash]>,
	cur: &mut [Hash],
	mut tamper: F,
) -> bool
where
	F: FnMut(u64) -> Option<Hash>,
{
	let n = cur.len();
	if prev.is_some_and(|p| p.len() != n) || u64::try_from(n).ok() != Some(graph.nodes()) {
		return false;
	}
	let zero = [0u8; 32];
	for v in 0..n {
		let node = v as u64;
		let mut drg = [zero; DRG_DEGREE];
		if node > 0 {
			for (slot, p) in drg.iter_mut().zip(graph.drg_parents(node)) {
				*slot = cur.get(p as usize).copied().unwrap_or(zero);
			}
		}
		let exp = prev.map(|prev| {
			let mut e = [zero; EXP_DEGREE];
			for (slot, p) in e.iter_mut().zip(graph.exp_parents(node)) {
				*slot = prev.get(p as usize).copied().unwrap_or(zero);
			}
			e
		});
		let value =
			tamper(node).unwrap_or_else(|| label(replica_id, layer, node, &drg, exp.as_ref()));
		if let Some(slot) = cur.get_mut(v) {
			*slot = value;
		}
	}
	true
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::sdr::SdrParams;
	use sp_crypto_hashing::blake2_256;

	#[test]
	fn label_input_layout_is_as_documented() {
		let id = [4u8; 32];
		let drg = [[1u8; 32]; 6];
		let exp = [[2u8; 32]; 8];
		let mut input = vec![0x52];
		input.extend_from_slice(&id);
		input.extend_from_slice(&3u32.to_le_bytes());
		input.extend_from_slice(&9u64.to_le_bytes());
		assert_eq!(
			label(&id, 3, 0, &drg, None),
			blake2_256(&input[..37].iter().chain(&0u64.to_le_bytes()).copied().collect::<Vec<_>>())
		);
		for p in &drg {
			input.extend_from_slice(p);
		}
		assert_eq!(input.len(), 237);
		assert_eq!(label(&id, 3, 9, &drg, None), blake2_256(&input));
		for p in &exp {
			input.extend_from_slice(p);
		}
		assert_eq!(input.len(), 493);
		assert_eq!(label(&id, 3, 9, &drg, Some(&exp)), blake2_256(&input));
	}

	#[test]
	fn layers_chain_through_parents() {
		let p = SdrParams { log2_nodes: 8, log2_slot_nodes: 8, layers: 2, ..SdrParams::dev() };
		let g = Graph::new(&p);
		let id = [5u8; 32];
		let mut l1 = vec![[0u8; 32]; 256];
		assert!(compute_layer(&g, &id, 1, None, &mut l1, |_| None));
		let mut l2 = vec![[0u8; 32]; 256];
		assert!(compute_layer(&g, &id, 2, Some(&l1), &mut l2, |_| None));
		// Node 77 of layer 2 from its parents.
		let drg = g.drg_parents(77).map(|x| l2[x as usize]);
		let exp = g.exp_parents(77).map(|x| l1[x as usize]);
		assert_eq!(l2[77], label(&id, 2, 77, &drg, Some(&exp)));
		// Changing one early label of layer 1 changes (almost) all of layer 2.
		let mut t1 = vec![[0u8; 32]; 256];
		compute_layer(&g, &id, 1, None, &mut t1, |v| (v == 3).then_some([9u8; 32]));
		assert_eq!(t1[..3], l1[..3]);
		assert!(t1[4..].iter().zip(&l1[4..]).all(|(a, b)| a != b));
		let mut t2 = vec![[0u8; 32]; 256];
		compute_layer(&g, &id, 2, Some(&t1), &mut t2, |_| None);
		assert!(t2.iter().zip(&l2).filter(|(a, b)| a != b).count() >= 250);
		// Wrong lengths are refused.
		assert!(!compute_layer(&g, &id, 2, Some(&l1[..5]), &mut l2, |_| None));
	}
}
