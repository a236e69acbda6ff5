//! Every way a proof can be wrong, each with the position where it went wrong.
//!
//! Positions are indices into the proof (`position` = which filler/fragment entry,
//! `leaf` = which opening inside it), so a miner agent can tell exactly what it got
//! wrong; the pallet maps them onto its own `Error` variants and outcomes.

use crate::params::ParamsError;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Why a proof failed verification.
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
pub enum ProofError {
	/// The challenge carries invalid parameters.
	InvalidParams(ParamsError),
	/// The idle part has a different number of fillers than challenged.
	FillerCountMismatch {
		/// Fillers challenged.
		expected: u32,
		/// Fillers in the proof.
		got: u32,
	},
	/// A filler entry names another filler index than challenged.
	FillerIndexMismatch {
		/// Entry position.
		position: u32,
	},
	/// A filler's set path has the wrong number of nodes or its index is out of range.
	MalformedSetPath {
		/// Entry position.
		position: u32,
	},
	/// The filler root and set path do not hash to the on-chain filler commitment.
	FillerNotCommitted {
		/// Entry position.
		position: u32,
	},
	/// A filler entry has a different number of leaf openings than challenged.
	FillerLeafCountMismatch {
		/// Entry position.
		position: u32,
	},
	/// A filler leaf opening names another leaf index than challenged.
	FillerLeafIndexMismatch {
		/// Entry position.
		position: u32,
		/// Opening position.
		leaf: u32,
	},
	/// A filler leaf opening has the wrong number of nodes for the tree shape.
	MalformedFillerPath {
		/// Entry position.
		position: u32,
		/// Opening position.
		leaf: u32,
	},
	/// The opened filler leaves do not hash to the filler root.
	FillerLeafNotInFiller {
		/// Entry position.
		position: u32,
		/// Opening position.
		leaf: u32,
	},
	/// Leaf 0 was opened with a predecessor other than the filler seed.
	SeedMismatch {
		/// Entry position.
		position: u32,
		/// Opening position.
		leaf: u32,
	},
	/// The opened leaf is not the sealed label of its predecessor (wrong data, another
	/// miner's or another index's filler).
	LabelMismatch {
		/// Entry position.
		position: u32,
		/// Opening position.
		leaf: u32,
	},
	/// The service part has a different number of fragments than challenged.
	FragmentCountMismatch {
		/// Fragments challenged.
		expected: u32,
		/// Fragments in the proof.
		got: u32,
	},
	/// A fragment entry names another fragment index than challenged.
	FragmentIndexMismatch {
		/// Entry position.
		position: u32,
	},
	/// The caller supplied no root for a challenged fragment.
	FragmentRootMissing {
		/// Entry position.
		position: u32,
	},
	/// A fragment entry has a different number of leaf openings than challenged.
	FragmentLeafCountMismatch {
		/// Entry position.
		position: u32,
	},
	/// A fragment leaf opening names another leaf index than challenged.
	FragmentLeafIndexMismatch {
		/// Entry position.
		position: u32,
		/// Opening position.
		leaf: u32,
	},
	/// A fragment leaf path has the wrong number of nodes for the tree shape.
	MalformedFragmentPath {
		/// Entry position.
		position: u32,
		/// Opening position.
		leaf: u32,
	},
	/// The opened leaf and path do not hash to the fragment root.
	FragmentLeafNotInFragment {
		/// Entry position.
		position: u32,
		/// Opening position.
		leaf: u32,
	},
}
