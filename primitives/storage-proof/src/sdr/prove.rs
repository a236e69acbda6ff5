//! Proof building (std): seal openings from the labels of the challenged columns, and
//! window openings from the stored replica.
//!
//! The sealer does not keep its layers, so an honest prover reruns the labeling of each
//! challenged sector ([`capture_columns`]) and keeps only the columns it needs plus the
//! accumulator for the `comm_c` paths (no scratch disk; the cost of one seal per
//! challenged sector). [`open_nodes`] works from any [`ColumnSource`], which is how the
//! tests play provers holding forged layers.

use super::challenge::{NodeChallenge, WindowChallenges};
use super::graph::Graph;
use super::params::SdrParams;
use super::proof::{Column, NodeProof, SealOpening, SealProof, SectorPath, WindowProof};
use super::seal::{run_labeling, SealError, SealerConfig};
use super::tree::CachedTree;
use crate::bounded::BoundedVec;
use crate::hash::Hash;
use std::collections::BTreeMap;
use std::vec::Vec;

/// Why a proof could not be built.
#[derive(Debug, PartialEq, Eq)]
pub enum ProveError {
	/// The labeling rerun failed.
	Seal(SealError),
	/// A challenge names a sector or node the prover was not given.
	UnknownNode,
	/// A vector exceeds its bound (parameters outside the proof bounds).
	Bounds,
}

impl From<SealError> for ProveError {
	fn from(e: SealError) -> Self {
		Self::Seal(e)
	}
}

/// Where a prover reads the labels of challenged columns and their `comm_c` paths.
pub trait ColumnSource {
	/// Label of `node` in `layer` (1-based).
	fn label(&self, layer: u32, node: u64) -> Option<Hash>;
	/// Path of `node`'s column hash in the `comm_c` tree.
	fn column_path(&self, node: u64) -> Option<Vec<Hash>>;
}

/// Columns captured by a labeling rerun, with the accumulator for `comm_c` paths.
pub struct CapturedColumns {
	labels: BTreeMap<u64, Vec<Hash>>,
	acc: Vec<Hash>,
	tree_c: CachedTree,
}

impl CapturedColumns {
	/// The `comm_c` root the rerun produced.
	pub fn comm_c(&self) -> Hash {
		self.tree_c.root()
	}
}

impl ColumnSource for CapturedColumns {
	fn label(&self, layer: u32, node: u64) -> Option<Hash> {
		self.labels.get(&node)?.get(usize::try_from(layer).ok()?.checked_sub(1)?).copied()
	}

	fn column_path(&self, node: u64) -> Option<Vec<Hash>> {
		self.tree_c.path(node, &self.acc)
	}
}

/// The node sets of all `nodes`, merged.
fn needed(graph: &Graph, nodes: &[u64]) -> Vec<u64> {
	let mut all: Vec<u64> =
		nodes.iter().flat_map(|&v| graph.node_set(v).as_slice().to_vec()).collect();
	all.sort_unstable();
	all.dedup();
	all
}

/// Reruns the labeling of `replica_id` and captures the columns that openings of `nodes`
/// need (2 layers + accumulator of RAM, like sealing).
pub fn capture_columns(
	params: &SdrParams,
	replica_id: &Hash,
	nodes: &[u64],
	config: &SealerConfig,
) -> Result<CapturedColumns, ProveError> {
	let graph = Graph::new(params);
	let want = needed(&graph, nodes);
	let mut labels: BTreeMap<u64, Vec<Hash>> = want.iter().map(|&x| (x, Vec::new())).collect();
	let plain = SealerConfig { checkpoint_dir: None, stop_after_layer: None, ..config.clone() };
	let run = run_labeling(params, replica_id, true, &plain, |_, layer| {
		for (x, col) in labels.iter_mut() {
			if let Some(l) = usize::try_from(*x).ok().and_then(|i| layer.get(i)) {
				col.push(*l);
			}
		}
	})?;
	let acc = run.acc.ok_or(ProveError::Seal(SealError::InvalidParams))?;
	let tree_c = CachedTree::build(&acc, config.tree_cache_level)
		.ok_or(ProveError::Seal(SealError::WrongLength))?;
	Ok(CapturedColumns { labels, acc, tree_c })
}

/// What a prover holds of one sector besides its columns.
pub struct SectorWitness<'a> {
	/// The replica nodes.
	pub replica: &'a [Hash],
	/// The replica tree.
	pub tree_r: &'a CachedTree,
	/// The data nodes and their tree (service sectors), `None` for a CC sector.
	pub data: Option<(&'a [Hash], &'a CachedTree)>,
}

fn bounded_path(path: Option<Vec<Hash>>) -> Result<SectorPath, ProveError> {
	SectorPath::try_from(path.ok_or(ProveError::UnknownNode)?).map_err(|_| ProveError::Bounds)
}

fn node_proof(nodes: &[Hash], tree: &CachedTree, v: u64) -> Result<NodeProof, ProveError> {
	let node =
		*usize::try_from(v).ok().and_then(|i| nodes.get(i)).ok_or(ProveError::UnknownNode)?;
	Ok(NodeProof { node, path: bounded_path(tree.path(v, nodes))? })
}

/// Openings of `nodes` of one sector.
pub fn open_nodes(
	params: &SdrParams,
	nodes: &[u64],
	columns: &dyn ColumnSource,
	sector: &SectorWitness<'_>,
) -> Result<Vec<SealOpening>, ProveError> {
	let graph = Graph::new(params);
	nodes
		.iter()
		.map(|&v| {
			let mut cols = BoundedVec::new();
			for &x in graph.node_set(v).as_slice() {
				let labels = (1..=params.layers)
					.map(|l| columns.label(l, x).ok_or(ProveError::UnknownNode))
					.collect::<Result<Vec<_>, _>>()?;
				let col = Column {
					labels: BoundedVec::try_from(labels).map_err(|_| ProveError::Bounds)?,
					path: bounded_path(columns.column_path(x))?,
				};
				cols.try_push(col).map_err(|_| ProveError::Bounds)?;
			}
			let data = match sector.data {
				Some((d, tree)) => Some(node_proof(d, tree, v)?),
				None => None,
			};
			Ok(SealOpening {
				columns: cols,
				replica: node_proof(sector.replica, sector.tree_r, v)?,
				data,
			})
		})
		.collect()
}

/// An honest seal proof: reruns the labeling of each challenged sector once.
/// `sectors[i] = (replica_id, witness)` of batch entry `i`.
pub fn prove_seal(
	params: &SdrParams,
	challenges: &[NodeChallenge],
	sectors: &[(Hash, SectorWitness<'_>)],
	config: &SealerConfig,
) -> Result<SealProof, ProveError> {
	let mut by_sector: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
	for c in challenges {
		by_sector.entry(c.sector).or_default().push(c.node);
	}
	let mut openings: BTreeMap<(u32, u64), SealOpening> = BTreeMap::new();
	for (&s, nodes) in &by_sector {
		let (replica_id, witness) = sectors.get(s as usize).ok_or(ProveError::UnknownNode)?;
		let cols = capture_columns(params, replica_id, nodes, config)?;
		for (&v, op) in nodes.iter().zip(open_nodes(params, nodes, &cols, witness)?) {
			openings.insert((s, v), op);
		}
	}
	let mut out = BoundedVec::new();
	for c in challenges {
		let op = openings.get(&(c.sector, c.node)).cloned().ok_or(ProveError::UnknownNode)?;
		out.try_push(op).map_err(|_| ProveError::Bounds)?;
	}
	Ok(SealProof { openings: out })
}

/// A window proof; `replicas[i]` is the sector challenge `i` (proof order) names.
pub fn prove_window(
	challenges: &WindowChallenges,
	replicas: &[(&[Hash], &CachedTree)],
) -> Result<WindowProof, ProveError> {
	let mut out = BoundedVec::new();
	for (c, (nodes, tree)) in challenges.iter().zip(replicas) {
		out.try_push(node_proof(nodes, tree, c.node)?).map_err(|_| ProveError::Bounds)?;
	}
	if out.len() != challenges.len() {
		return Err(ProveError::UnknownNode);
	}
	Ok(WindowProof { openings: out })
}
