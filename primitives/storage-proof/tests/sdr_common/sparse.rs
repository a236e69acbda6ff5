//! Production-depth seal proofs without sealing 8 GiB: sparse trees.
//!
//! The verifier recomputes only the challenged node's labels from the opened parents; it
//! never checks a parent's own label. So a fixture can give every parent column arbitrary
//! (deterministic) labels, compute the challenged node's labels honestly from them, and
//! commit to those columns in Merkle trees whose other leaves are all zero (roots and
//! paths from `Z_k`). The proof is byte-for-byte the shape a real production proof has and
//! costs the verifier exactly as much; only the soundness of the fixture's sector is fake.

use cess_storage_proof::hash::{leaf_hash, node_hash};
use cess_storage_proof::sdr::commit::column_hash;
use cess_storage_proof::sdr::*;
use cess_storage_proof::{BoundedVec, Hash};
use std::collections::BTreeMap;

/// A perfect tree of `2^depth` leaves that are zero except the given ones.
pub struct SparseTree {
	/// `levels[k]`: known nodes of level k.
	levels: Vec<BTreeMap<u64, Hash>>,
	zeros: Vec<Hash>,
}

impl SparseTree {
	pub fn new(depth: u32, leaves: &BTreeMap<u64, Hash>) -> Self {
		let zeros: Vec<Hash> = (0..=depth).map(zero_root).collect();
		let mut levels =
			vec![leaves.iter().map(|(&i, l)| (i, leaf_hash(l))).collect::<BTreeMap<_, _>>()];
		for k in 0..depth as usize {
			let cur = &levels[k];
			let mut next = BTreeMap::new();
			for &i in cur.keys() {
				let l = *cur.get(&(i & !1)).unwrap_or(&zeros[k]);
				let r = *cur.get(&(i | 1)).unwrap_or(&zeros[k]);
				next.insert(i / 2, node_hash(&l, &r));
			}
			levels.push(next);
		}
		Self { levels, zeros }
	}

	pub fn root(&self) -> Hash {
		*self.levels.last().unwrap().get(&0).unwrap()
	}

	pub fn path(&self, index: u64) -> Vec<Hash> {
		let depth = self.levels.len() - 1;
		(0..depth)
			.map(|k| *self.levels[k].get(&((index >> k) ^ 1)).unwrap_or(&self.zeros[k]))
			.collect()
	}
}

/// A CC-sector seal proof at `p` for `challenges` (one sector), with its public values.
pub fn sparse_seal_proof(
	p: &SdrParams,
	replica_id: Hash,
	challenges: &[NodeChallenge],
) -> (SectorPublic, SealProof) {
	let g = Graph::new(p);
	let filler = |x: u64, l: u32| -> Hash {
		let mut h = [0u8; 32];
		h[..8].copy_from_slice(&x.to_le_bytes());
		h[8..12].copy_from_slice(&l.to_le_bytes());
		h[31] = 0xA5;
		h
	};
	// Columns of every opened node: parents arbitrary, challenged nodes computed.
	let mut cols: BTreeMap<u64, Vec<Hash>> = BTreeMap::new();
	for c in challenges {
		for &x in g.node_set(c.node).as_slice() {
			cols.entry(x).or_insert_with(|| (1..=p.layers).map(|l| filler(x, l)).collect());
		}
	}
	for c in challenges {
		let v = c.node;
		let mut mine: Vec<Hash> = Vec::new();
		for l in 1..=p.layers {
			let get = |x: u64, layer: u32| -> Hash {
				if x == v {
					mine[layer as usize - 1]
				} else {
					cols[&x][layer as usize - 1]
				}
			};
			let drg = g.drg_parents(v).map(|x| if x != v { get(x, l) } else { [0; 32] });
			let exp = g.exp_parents(v).map(|x| if l >= 2 { get(x, l - 1) } else { [0; 32] });
			mine.push(label(&replica_id, l, v, &drg, (l >= 2).then_some(&exp)));
		}
		cols.insert(v, mine);
	}
	let col_leaves: BTreeMap<u64, Hash> = cols.iter().map(|(&x, c)| (x, column_hash(c))).collect();
	let tree_c = SparseTree::new(p.log2_nodes, &col_leaves);
	let rep_leaves: BTreeMap<u64, Hash> =
		challenges.iter().map(|c| (c.node, *cols[&c.node].last().unwrap())).collect();
	let tree_r = SparseTree::new(p.log2_nodes, &rep_leaves);
	let mut openings = BoundedVec::new();
	for c in challenges {
		let columns: Vec<Column> = g
			.node_set(c.node)
			.as_slice()
			.iter()
			.map(|&x| Column {
				labels: cols[&x].clone().try_into().unwrap(),
				path: tree_c.path(x).try_into().unwrap(),
			})
			.collect();
		openings
			.try_push(SealOpening {
				columns: columns.try_into().unwrap(),
				replica: NodeProof {
					node: rep_leaves[&c.node],
					path: tree_r.path(c.node).try_into().unwrap(),
				},
				data: None,
			})
			.unwrap();
	}
	let public = SectorPublic {
		replica_id,
		comm_c: tree_c.root(),
		comm_r_last: tree_r.root(),
		comm_d: None,
	};
	(public, SealProof { openings })
}
