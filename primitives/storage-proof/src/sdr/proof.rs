//! SCALE types of the seal proof (commit and audit) and the window proof.
//!
//! Every vector is a [`BoundedVec`], so a decoder refuses over-long input before
//! allocating, `MaxEncodedLen` is finite, and the verifier's work is bounded by the
//! `MAX_*` constants of [`params`](super::params) whatever the input.
//!
//! The columns of one opening are the distinct nodes `{v} ∪ parents(v)` in ascending order
//! ([`Graph::node_set`](super::Graph::node_set)), so they carry no node indices.

use super::params::{
	MAX_COLUMNS, MAX_LAYERS, MAX_LOG2_NODES, MAX_SEAL_OPENINGS, MAX_WINDOW_PER_PART,
};
use crate::bounded::BoundedVec;
use crate::hash::Hash;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A Merkle path in a sector tree (sibling nodes bottom-up).
pub type SectorPath = BoundedVec<Hash, MAX_LOG2_NODES>;

/// One column: the labels of a node in layers 1..L and its path in the `comm_c` tree.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Column {
	/// `labels[l − 1]` is the node's label in layer `l`.
	pub labels: BoundedVec<Hash, MAX_LAYERS>,
	/// Path of the column hash in the `comm_c` tree.
	pub path: SectorPath,
}

/// A node and its Merkle path.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct NodeProof {
	/// The 32-byte node.
	pub node: Hash,
	/// Its path.
	pub path: SectorPath,
}

/// The answer to one seal challenge.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct SealOpening {
	/// Columns of the challenged node and its parents, ascending by node index.
	pub columns: BoundedVec<Column, MAX_COLUMNS>,
	/// The replica node against `comm_r_last`.
	pub replica: NodeProof,
	/// The data node against `comm_d`; `None` in a committed-capacity sector (data 0).
	pub data: Option<NodeProof>,
}

/// A commit or audit proof: one opening per challenge, in challenge order.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct SealProof {
	/// The openings.
	pub openings: BoundedVec<SealOpening, MAX_SEAL_OPENINGS>,
}

/// A window proof: one replica node per challenge, service part then idle part.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct WindowProof {
	/// The openings against each challenged sector's `comm_r_last`.
	pub openings: BoundedVec<NodeProof, { 2 * MAX_WINDOW_PER_PART }>,
}

/// The public values a seal opening is checked against, fixed at pre-commit.
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
pub struct SectorPublic {
	/// The sector's replica id.
	pub replica_id: Hash,
	/// Column commitment.
	pub comm_c: Hash,
	/// Replica commitment.
	pub comm_r_last: Hash,
	/// Data commitment; `None` for a committed-capacity sector (all data zero).
	pub comm_d: Option<Hash>,
}
