//! no_std verification of seal proofs (commit, audit) and window proofs.
//!
//! Seal opening of node `v` in a sector (B.2 of the design):
//! 1. the columns are exactly the node set `{v} ∪ parents(v)`, each with `L` labels;
//! 2. every column hash opens in `comm_c` at its node;
//! 3. for `l = 1..L` the label of `v` equals the label recomputed from the opened
//!    parents' labels (same layer `l`, previous layer `l − 1`);
//! 4. the replica node opens in `comm_r_last` at `v`, the data node (service sectors) in
//!    `comm_d`, and `replica = data ⊕ lab_L[v]`.
//!
//! Steps 1–2 run for every column before any label is checked, so a
//! [`SdrError::LabelMismatch`] always comes with columns consistent with `comm_c`: it is
//! evidence of a mislabelled sector (fraud), not of a malformed proof.
//!
//! Work is bounded: the lengths are checked against the parameters before any hashing, so
//! one opening costs at most 15 × (L + 32) + L + 64 hashes.

use super::challenge::{NodeChallenge, WindowChallenges};
use super::commit::{column_hash, xor};
use super::graph::Graph;
use super::label::label;
use super::params::{SdrParams, DRG_DEGREE, EXP_DEGREE};
use super::proof::{NodeProof, SealOpening, SealProof, SectorPublic, WindowProof};
use crate::hash::Hash;
use crate::merkle::root_from_path;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Why an SDR proof failed; `opening` is the index of the challenge in proof order.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum SdrError {
	/// The parameters are invalid.
	InvalidParams,
	/// The proof has a different number of openings than challenges.
	OpeningCount {
		/// Challenges.
		expected: u32,
		/// Openings.
		got: u32,
	},
	/// A challenge names a sector outside the given list, or a node outside the sector.
	ChallengeOutOfRange {
		/// Opening index.
		opening: u32,
	},
	/// The opening has a different number of columns than the node set.
	ColumnCount {
		/// Opening index.
		opening: u32,
	},
	/// A column has a different number of labels than layers.
	ColumnLayers {
		/// Opening index.
		opening: u32,
		/// Column index.
		column: u32,
	},
	/// A column does not open in `comm_c` (or its path is malformed).
	ColumnNotCommitted {
		/// Opening index.
		opening: u32,
		/// Column index.
		column: u32,
	},
	/// The node's label in `layer` does not follow from its committed parents: **fraud**.
	LabelMismatch {
		/// Opening index.
		opening: u32,
		/// Layer (1-based).
		layer: u32,
	},
	/// The replica node does not open in `comm_r_last` (or its path is malformed).
	ReplicaNotCommitted {
		/// Opening index.
		opening: u32,
	},
	/// A service sector's opening lacks the data node, or a CC sector's has one.
	DataPresence {
		/// Opening index.
		opening: u32,
	},
	/// The data node does not open in `comm_d`.
	DataNotCommitted {
		/// Opening index.
		opening: u32,
	},
	/// `replica ≠ data ⊕ key`.
	ReplicaMismatch {
		/// Opening index.
		opening: u32,
	},
}

fn idx(i: usize) -> u32 {
	u32::try_from(i).unwrap_or(u32::MAX)
}

/// Whether `proof` opens `leaf` at `index` in the tree of `root` (`N` leaves).
fn opens(params: &SdrParams, root: &Hash, index: u64, leaf: &Hash, path: &[Hash]) -> bool {
	// A perfect tree of 2^n leaves needs exactly n siblings; checked before hashing.
	if u32::try_from(path.len()).ok() != Some(params.log2_nodes) {
		return false;
	}
	root_from_path(params.nodes(), index, leaf, path).is_ok_and(|r| r == *root)
}

/// Upper bound of the hash calls [`verify_seal`] makes for `openings` openings at `params`:
/// per opening, 15 columns × (`L` column-hash steps + `n` path nodes), `L` labels (each up to
/// 4 blake2b compressions, counted as 4), and the replica and data paths (`n` each). What the
/// pallets' weights charge per opening.
pub fn seal_verify_hashes(params: &SdrParams, openings: u32) -> u64 {
	let l = u64::from(params.layers);
	let n = u64::from(params.log2_nodes);
	let cols = u64::from(super::params::MAX_COLUMNS);
	let per = cols.saturating_mul(l.saturating_add(n)).saturating_add(4 * l).saturating_add(2 * n);
	per.saturating_mul(u64::from(openings))
}

/// Verifies a seal proof (commit proof for a batch, or audit proof with a one-sector list)
/// against the challenges and the batch's public values (`sectors[c.sector]`).
pub fn verify_seal(
	params: &SdrParams,
	challenges: &[NodeChallenge],
	sectors: &[SectorPublic],
	proof: &SealProof,
) -> Result<(), SdrError> {
	params.validate().map_err(|_| SdrError::InvalidParams)?;
	if challenges.len() != proof.openings.len() {
		return Err(SdrError::OpeningCount {
			expected: idx(challenges.len()),
			got: idx(proof.openings.len()),
		});
	}
	let graph = Graph::new(params);
	for (i, (c, op)) in challenges.iter().zip(proof.openings.iter()).enumerate() {
		let sector = sectors
			.get(c.sector as usize)
			.filter(|_| c.node < params.nodes())
			.ok_or(SdrError::ChallengeOutOfRange { opening: idx(i) })?;
		verify_opening(params, &graph, idx(i), c.node, sector, op)?;
	}
	Ok(())
}

fn verify_opening(
	params: &SdrParams,
	graph: &Graph,
	opening: u32,
	v: u64,
	sector: &SectorPublic,
	op: &SealOpening,
) -> Result<(), SdrError> {
	let set = graph.node_set(v);
	if set.as_slice().len() != op.columns.len() {
		return Err(SdrError::ColumnCount { opening });
	}
	let layers = params.layers as usize;
	for (j, col) in op.columns.iter().enumerate() {
		if col.labels.len() != layers {
			return Err(SdrError::ColumnLayers { opening, column: idx(j) });
		}
	}
	for (j, (col, &x)) in op.columns.iter().zip(set.as_slice()).enumerate() {
		if !opens(params, &sector.comm_c, x, &column_hash(&col.labels), &col.path) {
			return Err(SdrError::ColumnNotCommitted { opening, column: idx(j) });
		}
	}
	// Label of node x in layer l (1-based), from the opened columns.
	let lab = |x: u64, l: usize| -> Hash {
		set.position(x)
			.and_then(|p| op.columns.get(p))
			.and_then(|c| c.labels.get(l.wrapping_sub(1)))
			.copied()
			.unwrap_or([0u8; 32])
	};
	let drg_nodes = graph.drg_parents(v);
	let exp_nodes = graph.exp_parents(v);
	let mut key = [0u8; 32];
	for l in 1..=layers {
		let drg: [Hash; DRG_DEGREE] = drg_nodes.map(|x| lab(x, l));
		let exp: [Hash; EXP_DEGREE] = exp_nodes.map(|x| lab(x, l.wrapping_sub(1)));
		let layer = idx(l);
		let expected = label(&sector.replica_id, layer, v, &drg, (l >= 2).then_some(&exp));
		key = lab(v, l);
		if key != expected {
			return Err(SdrError::LabelMismatch { opening, layer });
		}
	}
	if !opens(params, &sector.comm_r_last, v, &op.replica.node, &op.replica.path) {
		return Err(SdrError::ReplicaNotCommitted { opening });
	}
	let data = match (&sector.comm_d, &op.data) {
		(None, None) => [0u8; 32],
		(Some(comm_d), Some(d)) => {
			if !opens(params, comm_d, v, &d.node, &d.path) {
				return Err(SdrError::DataNotCommitted { opening });
			}
			d.node
		}
		_ => return Err(SdrError::DataPresence { opening }),
	};
	if op.replica.node != xor(&data, &key) {
		return Err(SdrError::ReplicaMismatch { opening });
	}
	Ok(())
}

/// Verifies a window proof: opening `i` must open the challenged node in `comm_r_lasts[i]`
/// (the root of the sector challenge `i` names, looked up by the caller).
pub fn verify_window(
	params: &SdrParams,
	challenges: &WindowChallenges,
	comm_r_lasts: &[Hash],
	proof: &WindowProof,
) -> Result<(), SdrError> {
	params.validate().map_err(|_| SdrError::InvalidParams)?;
	if challenges.len() != proof.openings.len() || comm_r_lasts.len() != challenges.len() {
		return Err(SdrError::OpeningCount {
			expected: idx(challenges.len()),
			got: idx(proof.openings.len()),
		});
	}
	for (i, ((c, root), NodeProof { node, path })) in
		challenges.iter().zip(comm_r_lasts).zip(proof.openings.iter()).enumerate()
	{
		if c.node >= params.nodes() {
			return Err(SdrError::ChallengeOutOfRange { opening: idx(i) });
		}
		if !opens(params, root, c.node, node, path) {
			return Err(SdrError::ReplicaNotCommitted { opening: idx(i) });
		}
	}
	Ok(())
}
