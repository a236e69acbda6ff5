//! The public SDR graph of a parameter set: depth-robust parents in the same layer and
//! expander parents in the previous layer, both recomputed on demand from a 128-bit graph
//! seed (integer-only, no floats, no parent cache).
//!
//! * **DRG** (DRSample bucket sampling, as rust-fil-proofs' `BucketGraph` without floats):
//!   node `v ≥ 2` gets 5 parents at a log-uniformly distributed distance plus its
//!   predecessor `v − 1`, so labeling a layer is a strict chain of `N` hashes; node 1 has
//!   node 0 six times; node 0 has none.
//! * **Expander** (Pinsker random bipartite graph): 8 uniform parents in the previous
//!   layer, so a label of layer `l + 1` needs (almost) all of layer `l`.
//!
//! Parents cost well under 0.1 µs per node, so neither sealer nor verifier keeps a cache
//! (Filecoin keeps 56 bytes per node).

use super::params::{SdrParams, DRG_DEGREE, EXP_DEGREE, MAX_COLUMNS};
use crate::hash::{hash_bytes, Hash, TAG_SDR_GRAPH};

/// Domain string of version 1 of this graph construction.
const GRAPH_DOMAIN: &[u8; 11] = b"cess/sdr/v1";

/// SplitMix64's finaliser: a fast bijective 64-bit mixer.
const fn mix64(mut z: u64) -> u64 {
	z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
	z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
	z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
	z ^ (z >> 31)
}

/// The graph of one parameter set.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Graph {
	g0: u64,
	g1: u64,
	mask: u64,
}

/// The distinct nodes one challenge opens (the node and its parents), sorted ascending.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct NodeSet {
	nodes: [u64; MAX_COLUMNS as usize],
	len: usize,
}

impl NodeSet {
	/// The nodes, ascending and distinct.
	pub fn as_slice(&self) -> &[u64] {
		self.nodes.get(..self.len).unwrap_or(&[])
	}

	/// Position of `node` in the set.
	pub fn position(&self, node: u64) -> Option<usize> {
		self.as_slice().binary_search(&node).ok()
	}
}

/// `graph_seed = H(0x58 ‖ "cess/sdr/v1" ‖ params_id ‖ log2_nodes ‖ layers)`.
pub fn graph_seed(params: &SdrParams) -> Hash {
	let mut input = [0u8; 24];
	let parts: [&[u8]; 5] = [
		&[TAG_SDR_GRAPH],
		GRAPH_DOMAIN,
		&params.params_id.to_le_bytes(),
		&params.log2_nodes.to_le_bytes(),
		&params.layers.to_le_bytes(),
	];
	let mut pos = 0usize;
	for part in parts {
		for (dst, src) in input.iter_mut().skip(pos).zip(part) {
			*dst = *src;
		}
		pos = pos.saturating_add(part.len());
	}
	hash_bytes(&input)
}

impl Graph {
	/// The graph of `params` (which the caller has validated).
	pub fn new(params: &SdrParams) -> Self {
		let seed = graph_seed(params);
		let word = |i: usize| {
			let mut b = [0u8; 8];
			for (dst, src) in b.iter_mut().zip(seed.iter().skip(i * 8)) {
				*dst = *src;
			}
			u64::from_le_bytes(b)
		};
		Self { g0: word(0), g1: word(1), mask: params.nodes().wrapping_sub(1) }
	}

	/// Nodes per layer `N`.
	pub fn nodes(&self) -> u64 {
		self.mask.wrapping_add(1)
	}

	/// Keyed pseudo-random word: `kind` and `j < 16` occupy bits the node index (< 2^52)
	/// never reaches, so no two (kind, v, j) share an input.
	fn prf(&self, kind: u64, v: u64, j: u64) -> u64 {
		mix64(self.g1 ^ mix64(self.g0 ^ (kind << 60) ^ (j << 52) ^ v))
	}

	/// Same-layer parents of node `v` (all `< v`; `p[5] = v − 1`). For `v = 0` the result
	/// is unused (node 0 has no same-layer parents).
	pub fn drg_parents(&self, v: u64) -> [u64; DRG_DEGREE] {
		if v < 2 {
			return [0; DRG_DEGREE];
		}
		let meta = v.saturating_mul(5);
		let buckets = 64 - u64::from((meta - 1).leading_zeros()); // ceil(log2(meta))
		let mut p = [v - 1; DRG_DEGREE];
		for (k, slot) in (0u64..).zip(p.iter_mut().take(DRG_DEGREE - 1)) {
			let b = 1 + self.prf(1, v, 2 * k) % buckets;
			let hi = meta.min(1u64 << b);
			let lo = (hi >> 1).max(2);
			let d = lo + self.prf(1, v, 2 * k + 1) % (hi - lo + 1);
			*slot = (meta - d) / 5;
		}
		p
	}

	/// Previous-layer parents of node `v`: 8 uniform nodes.
	pub fn exp_parents(&self, v: u64) -> [u64; EXP_DEGREE] {
		let mut p = [0u64; EXP_DEGREE];
		for (j, slot) in (0u64..).zip(p.iter_mut()) {
			*slot = self.prf(2, v, j) & self.mask;
		}
		p
	}

	/// The node and all its parents, sorted and deduplicated: the columns a challenge on
	/// `v` opens.
	pub fn node_set(&self, v: u64) -> NodeSet {
		let mut nodes = [u64::MAX; MAX_COLUMNS as usize];
		let mut len = 0usize;
		let mut add = |x: u64, nodes: &mut [u64; MAX_COLUMNS as usize]| {
			if !nodes.iter().take(len).any(|&y| y == x) {
				if let Some(slot) = nodes.get_mut(len) {
					*slot = x;
					len += 1;
				}
			}
		};
		add(v, &mut nodes);
		if v > 0 {
			for x in self.drg_parents(v) {
				add(x, &mut nodes);
			}
		}
		for x in self.exp_parents(v) {
			add(x, &mut nodes);
		}
		if let Some(used) = nodes.get_mut(..len) {
			used.sort_unstable();
		}
		NodeSet { nodes, len }
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn drg_parents_are_earlier_and_chain_to_the_predecessor() {
		let p = SdrParams::scaled_production(14);
		let g = Graph::new(&p);
		assert_eq!(g.drg_parents(1), [0; 6]);
		let mut short = 0u64;
		let mut total = 0u64;
		for v in 2..p.nodes() {
			let ps = g.drg_parents(v);
			assert_eq!(ps[5], v - 1);
			for &x in &ps {
				assert!(x < v, "parent {x} of {v}");
				total += 1;
				if v - x <= 16 {
					short += 1;
				}
			}
			for x in g.exp_parents(v) {
				assert!(x < p.nodes());
			}
		}
		// Log-uniform distances: the 5 sampled parents land within 16 of v with
		// probability ≈ log2(80)/log2(5v) ≈ 6.3/15 here; with the predecessor edge about
		// half the edges are short, but far from all (the graph is not a chain).
		let frac = short as f64 / total as f64;
		assert!((0.35..0.75).contains(&frac), "short-edge fraction {frac}");
	}

	#[test]
	fn expander_parents_are_uniform() {
		let p = SdrParams::scaled_production(12);
		let g = Graph::new(&p);
		let mut hits = [0u32; 16];
		for v in 0..p.nodes() {
			for x in g.exp_parents(v) {
				hits[(x * 16 / p.nodes()) as usize] += 1;
			}
		}
		// 32 768 edges over 16 buckets: 2 048 each, σ ≈ 44; allow 5σ.
		for h in hits {
			assert!((1828..=2268).contains(&h), "bucket {h}");
		}
	}

	#[test]
	fn node_sets_are_sorted_distinct_and_contain_all_parents() {
		let g = Graph::new(&SdrParams::dev());
		for v in [0u64, 1, 2, 3, 1000, (1 << 18) - 1] {
			let s = g.node_set(v);
			assert!(s.as_slice().windows(2).all(|w| w[0] < w[1]));
			assert!(s.position(v).is_some());
			for x in g.exp_parents(v) {
				assert!(s.position(x).is_some());
			}
			if v > 0 {
				for x in g.drg_parents(v) {
					assert!(s.position(x).is_some());
				}
			}
		}
		assert_eq!(g.node_set(1).as_slice().first(), Some(&0));
	}

	#[test]
	fn graphs_differ_per_parameter_set() {
		let a = Graph::new(&SdrParams::dev());
		let b = Graph::new(&SdrParams { params_id: 99, ..SdrParams::dev() });
		assert_ne!(a.exp_parents(5), b.exp_parents(5));
	}
}
