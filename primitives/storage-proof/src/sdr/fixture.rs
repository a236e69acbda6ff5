//! Production-depth seal proofs without sealing a sector: sparse trees (no_std).
//!
//! The verifier recomputes only the challenged node's labels from the opened parents; it
//! never checks a parent's own label. So a fixture can give every parent column arbitrary
//! (deterministic) labels, compute each challenged node's labels honestly from them, and
//! commit to those columns in Merkle trees whose other leaves are all zero (roots and paths
//! from `Z_k`). The proof has exactly the shape and verification cost of a real one; only
//! the fixture's sector is fake. The pallets' benchmarks (wasm, no sealer) and unit tests
//! use it: it is not a way to cheat, because the commitments it produces are only known
//! *after* the challenges, whereas the chain fixes them at pre-commit.

use super::challenge::NodeChallenge;
use super::commit::column_hash;
use super::graph::Graph;
use super::label::label;
use super::params::SdrParams;
use super::proof::{Column, NodeProof, SealOpening, SealProof, SectorPath, SectorPublic};
use super::slots::zero_root;
use crate::bounded::BoundedVec;
use crate::hash::{leaf_hash, node_hash, Hash};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// A perfect tree of `2^depth` leaves that are zero except the given ones.
struct SparseTree {
	levels: Vec<BTreeMap<u64, Hash>>,
	zeros: Vec<Hash>,
}

impl SparseTree {
	fn new(depth: u32, leaves: &BTreeMap<u64, Hash>) -> Self {
		let zeros: Vec<Hash> = (0..=depth).map(zero_root).collect();
		let mut levels: Vec<BTreeMap<u64, Hash>> =
			alloc::vec![leaves.iter().map(|(&i, l)| (i, leaf_hash(l))).collect()];
		for k in 0..depth as usize {
			let z = zeros.get(k).copied().unwrap_or_default();
			let mut next = BTreeMap::new();
			if let Some(cur) = levels.last() {
				for &i in cur.keys() {
					let l = *cur.get(&(i & !1)).unwrap_or(&z);
					let r = *cur.get(&(i | 1)).unwrap_or(&z);
					next.insert(i / 2, node_hash(&l, &r));
				}
			}
			levels.push(next);
		}
		Self { levels, zeros }
	}

	fn root(&self) -> Hash {
		self.levels.last().and_then(|l| l.get(&0)).copied().unwrap_or_default()
	}

	fn path(&self, index: u64) -> Vec<Hash> {
		let depth = self.levels.len().saturating_sub(1);
		(0..depth)
			.map(|k| {
				let z = self.zeros.get(k).copied().unwrap_or_default();
				self.levels.get(k).and_then(|l| l.get(&((index >> k) ^ 1))).copied().unwrap_or(z)
			})
			.collect()
	}
}

/// The labels a fixture gives a parent column: deterministic filler.
fn filler(x: u64, l: u32) -> Hash {
	let mut h = [0xA5u8; 32];
	for (d, s) in h.iter_mut().zip(x.to_le_bytes().iter().chain(l.to_le_bytes().iter())) {
		*d = *s;
	}
	h
}

/// A committed-capacity seal proof at `p` for `challenges` over **one** sector (every
/// challenge's `sector` is ignored), with the public values it verifies against. `forge`
/// lists challenged nodes whose layer-`L` label is replaced by junk *and committed*: the
/// proof then fails with `LabelMismatch` (the fraud evidence of a mislabelled sector).
/// (Forging a node another challenged node depends on makes that one fail too.) `None` if a
/// bound is exceeded (parameters outside the proof bounds).
pub fn sparse_seal_proof(
	p: &SdrParams,
	replica_id: Hash,
	challenges: &[NodeChallenge],
	forge: &[u64],
) -> Option<(SectorPublic, SealProof)> {
	let g = Graph::new(p);
	let mut cols: BTreeMap<u64, Vec<Hash>> = BTreeMap::new();
	for c in challenges {
		for &x in g.node_set(c.node).as_slice() {
			cols.entry(x).or_insert_with(|| (1..=p.layers).map(|l| filler(x, l)).collect());
		}
	}
	// Layer by layer, challenged nodes ascending: a challenged node's same-layer parents are
	// smaller (computed earlier in the pass) and its expander parents are in the previous
	// layer (computed in the previous pass), so every challenged label is honest even when
	// challenged nodes are each other's parents.
	let mut nodes: Vec<u64> = challenges.iter().map(|c| c.node).collect();
	nodes.sort_unstable();
	nodes.dedup();
	for l in 1..=p.layers {
		let i = (l as usize).saturating_sub(1);
		for &v in &nodes {
			let get = |x: u64, layer: u32| -> Hash {
				cols.get(&x)
					.and_then(|c| c.get((layer as usize).saturating_sub(1)))
					.copied()
					.unwrap_or_default()
			};
			let drg = g.drg_parents(v).map(|x| if x != v { get(x, l) } else { [0; 32] });
			let exp = g.exp_parents(v).map(|x| if l >= 2 { get(x, l - 1) } else { [0; 32] });
			let lab = label(&replica_id, l, v, &drg, (l >= 2).then_some(&exp));
			if let Some(slot) = cols.get_mut(&v).and_then(|c| c.get_mut(i)) {
				*slot = lab;
			}
		}
	}
	for v in forge {
		if let Some(last) = cols.get_mut(v).and_then(|c| c.last_mut()) {
			*last = [0xEE; 32];
		}
	}
	let col_leaves: BTreeMap<u64, Hash> = cols.iter().map(|(&x, c)| (x, column_hash(c))).collect();
	let tree_c = SparseTree::new(p.log2_nodes, &col_leaves);
	let rep_leaves: BTreeMap<u64, Hash> = challenges
		.iter()
		.map(|c| (c.node, cols.get(&c.node).and_then(|c| c.last()).copied().unwrap_or_default()))
		.collect();
	let tree_r = SparseTree::new(p.log2_nodes, &rep_leaves);
	let mut openings = BoundedVec::new();
	for c in challenges {
		let mut columns = BoundedVec::new();
		for &x in g.node_set(c.node).as_slice() {
			let labels = cols.get(&x)?.clone();
			columns
				.try_push(Column {
					labels: BoundedVec::try_from(labels).ok()?,
					path: SectorPath::try_from(tree_c.path(x)).ok()?,
				})
				.ok()?;
		}
		openings
			.try_push(SealOpening {
				columns,
				replica: NodeProof {
					node: *rep_leaves.get(&c.node)?,
					path: SectorPath::try_from(tree_r.path(c.node)).ok()?,
				},
				data: None,
			})
			.ok()?;
	}
	let public = SectorPublic {
		replica_id,
		comm_c: tree_c.root(),
		comm_r_last: tree_r.root(),
		comm_d: None,
	};
	Some((public, SealProof { openings }))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::sdr::{audit_challenges, verify_seal, SdrError};

	#[test]
	fn sparse_proofs_verify_at_production_depth_and_forgeries_are_label_mismatches() {
		let p = SdrParams::production();
		let ch = audit_challenges(&p, &[3; 32]).unwrap();
		let (public, proof) = sparse_seal_proof(&p, [7; 32], &ch, &[]).unwrap();
		assert_eq!(verify_seal(&p, &ch, &[public], &proof), Ok(()));
		let bad = ch[5].node;
		let (public, proof) = sparse_seal_proof(&p, [7; 32], &ch, &[bad]).unwrap();
		// Dense: 48 challenges on a 64-node sector, many of them each other's parents.
		let tiny = SdrParams {
			log2_nodes: 6,
			log2_slot_nodes: 6,
			layers: 3,
			audit_challenges: 48,
			..SdrParams::dev()
		};
		let dense = audit_challenges(&tiny, &[9; 32]).unwrap();
		let (pub_t, proof_t) = sparse_seal_proof(&tiny, [8; 32], &dense, &[]).unwrap();
		assert_eq!(verify_seal(&tiny, &dense, &[pub_t], &proof_t), Ok(()));
		let first = ch.iter().position(|c| c.node == bad).unwrap() as u32;
		assert_eq!(
			verify_seal(&p, &ch, &[public], &proof),
			Err(SdrError::LabelMismatch { opening: first, layer: p.layers })
		);
	}
}
