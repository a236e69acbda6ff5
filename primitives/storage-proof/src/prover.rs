//! The miner agent's side: sealing fillers, committing to them and building proofs.
//!
//! Only the challenged fillers' and fragments' stored data is needed to answer a
//! challenge: each one's Merkle tree is rebuilt from its data (one pass of leaf and node
//! hashes), and the filler-set tree is kept in memory (32 bytes per filler).

use crate::bounded::BoundedVec;
use crate::challenge::Challenge;
use crate::commitment::filler_commitment;
use crate::fragment::{fragment_leaves, leaves_from_bytes, FragmentError};
use crate::hash::{AccountBytes, Hash};
use crate::merkle::{MerkleError, MerkleTree};
use crate::params::{Params, ParamsError};
use crate::proof::{FillerLeafOpening, FillerProof, FragmentProof, LeafOpening, StorageProof};
use crate::seal::{filler_seed, seal_filler};
use std::collections::btree_map::{BTreeMap, Entry};
use std::vec::Vec;

/// Why a proof could not be built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProveError {
	/// The challenge carries invalid parameters.
	InvalidParams(ParamsError),
	/// The filler set's size differs from the challenge's `filler_count`.
	FillerCountMismatch,
	/// The data of a challenged filler is unavailable.
	MissingFiller(u64),
	/// A challenged filler's data has the wrong number of leaves.
	WrongFillerSize(u64),
	/// The data of a challenged fragment is unavailable.
	MissingFragment(u64),
	/// A challenged fragment's data is unusable (e.g. longer than `fragment_size`).
	Fragment(FragmentError),
	/// An opening could not be extracted (index out of range for the data given).
	Merkle(MerkleError),
	/// An opening exceeds a proof bound (parameters beyond the proof types' limits).
	BoundExceeded,
}

impl From<MerkleError> for ProveError {
	fn from(e: MerkleError) -> Self {
		Self::Merkle(e)
	}
}

impl From<crate::bounded::BoundExceeded> for ProveError {
	fn from(_: crate::bounded::BoundExceeded) -> Self {
		Self::BoundExceeded
	}
}

/// A sealed filler with its Merkle tree.
#[derive(Clone, Debug)]
pub struct SealedFiller {
	index: u64,
	leaves: Vec<Hash>,
	tree: MerkleTree,
}

impl SealedFiller {
	/// Seals filler `index` of `account` (the expensive, sequential step).
	pub fn seal(params: &Params, account: &AccountBytes, index: u64) -> Result<Self, ParamsError> {
		Ok(Self::from_leaves(index, seal_filler(params, account, index)?))
	}

	/// Rebuilds a filler from its stored leaves (no sealing work, one tree pass).
	pub fn from_leaves(index: u64, leaves: Vec<Hash>) -> Self {
		let tree = MerkleTree::new(&leaves);
		Self { index, leaves, tree }
	}

	/// Rebuilds a filler from its stored bytes (as written by [`Self::to_bytes`]).
	pub fn from_bytes(index: u64, bytes: &[u8]) -> Self {
		Self::from_leaves(index, leaves_from_bytes(bytes))
	}

	/// The filler's bytes, to be stored by the miner.
	pub fn to_bytes(&self) -> Vec<u8> {
		self.leaves.iter().flat_map(|l| l.iter().copied()).collect()
	}

	/// The filler index.
	pub fn index(&self) -> u64 {
		self.index
	}

	/// The filler's leaves.
	pub fn leaves(&self) -> &[Hash] {
		&self.leaves
	}

	/// The filler's Merkle root (its entry in the filler set).
	pub fn root(&self) -> Hash {
		self.tree.root()
	}

	/// Opens leaf `leaf_index` with its predecessor (the seed for leaf 0).
	pub fn open(
		&self,
		account: &AccountBytes,
		leaf_index: u64,
	) -> Result<FillerLeafOpening, ProveError> {
		let at = |i: u64| -> Result<Hash, ProveError> {
			usize::try_from(i)
				.ok()
				.and_then(|i| self.leaves.get(i))
				.copied()
				.ok_or(ProveError::Merkle(MerkleError::IndexOutOfRange))
		};
		let (prev, nodes) = match leaf_index.checked_sub(1) {
			None => (filler_seed(account, self.index), self.tree.path(0)?),
			Some(prev_index) => (at(prev_index)?, self.tree.pair_path(leaf_index)?),
		};
		Ok(FillerLeafOpening {
			leaf_index,
			prev,
			leaf: at(leaf_index)?,
			nodes: BoundedVec::try_from(nodes)?,
		})
	}
}

/// A miner's committed filler set (the roots of all its fillers, in index order).
#[derive(Clone, Debug)]
pub struct FillerSet {
	tree: MerkleTree,
}

impl FillerSet {
	/// Builds the set from the filler roots, in index order.
	pub fn new(filler_roots: &[Hash]) -> Self {
		Self { tree: MerkleTree::new(filler_roots) }
	}

	/// Number of fillers (the count submitted on chain).
	pub fn count(&self) -> u64 {
		self.tree.width()
	}

	/// The commitment submitted on chain with [`Self::count`].
	pub fn commitment(&self) -> Hash {
		filler_commitment(&self.tree.root(), self.count())
	}

	/// Inclusion proof of filler `index`'s root in the set.
	pub fn path(&self, index: u64) -> Result<Vec<Hash>, MerkleError> {
		self.tree.path(index)
	}
}

/// Builds the proof for `challenge`.
///
/// `filler_leaves(index)` returns a challenged filler's stored leaves and
/// `fragment_data(index)` a challenged fragment's stored bytes; each is asked for once
/// per distinct index. The result is what the runtime's [`crate::verify`] accepts if the
/// data is intact.
pub fn build_proof<FL, FD>(
	challenge: &Challenge,
	filler_set: &FillerSet,
	mut filler_leaves: FL,
	mut fragment_data: FD,
) -> Result<StorageProof, ProveError>
where
	FL: FnMut(u64) -> Option<Vec<Hash>>,
	FD: FnMut(u64) -> Option<Vec<u8>>,
{
	let params = &challenge.params;
	params.validate().map_err(ProveError::InvalidParams)?;
	if !challenge.fillers.is_empty() && filler_set.count() != challenge.filler_count {
		return Err(ProveError::FillerCountMismatch);
	}

	let mut fillers: BTreeMap<u64, SealedFiller> = BTreeMap::new();
	let mut proof = StorageProof::default();
	for item in challenge.fillers.iter() {
		let filler = match fillers.entry(item.index) {
			Entry::Occupied(slot) => slot.into_mut(),
			Entry::Vacant(slot) => {
				let leaves =
					filler_leaves(item.index).ok_or(ProveError::MissingFiller(item.index))?;
				if u64::try_from(leaves.len()).ok() != Some(params.filler_leaves()) {
					return Err(ProveError::WrongFillerSize(item.index));
				}
				slot.insert(SealedFiller::from_leaves(item.index, leaves))
			}
		};
		let mut entry = FillerProof {
			filler_index: item.index,
			filler_root: filler.root(),
			set_path: BoundedVec::try_from(filler_set.path(item.index)?)?,
			leaves: BoundedVec::new(),
		};
		for leaf_index in item.leaves.iter() {
			entry.leaves.try_push(filler.open(&challenge.account, *leaf_index)?)?;
		}
		proof.fillers.try_push(entry)?;
	}

	let mut fragments: BTreeMap<u64, (Vec<Hash>, MerkleTree)> = BTreeMap::new();
	for item in challenge.fragments.iter() {
		let (leaves, tree) = match fragments.entry(item.index) {
			Entry::Occupied(slot) => slot.into_mut(),
			Entry::Vacant(slot) => {
				let data =
					fragment_data(item.index).ok_or(ProveError::MissingFragment(item.index))?;
				let leaves = fragment_leaves(params, &data).map_err(ProveError::Fragment)?;
				let tree = MerkleTree::new(&leaves);
				slot.insert((leaves, tree))
			}
		};
		let mut entry = FragmentProof { fragment_index: item.index, leaves: BoundedVec::new() };
		for leaf_index in item.leaves.iter() {
			let leaf = usize::try_from(*leaf_index)
				.ok()
				.and_then(|i| leaves.get(i))
				.copied()
				.ok_or(ProveError::Merkle(MerkleError::IndexOutOfRange))?;
			entry.leaves.try_push(LeafOpening {
				leaf_index: *leaf_index,
				leaf,
				path: BoundedVec::try_from(tree.path(*leaf_index)?)?,
			})?;
		}
		proof.fragments.try_push(entry)?;
	}
	Ok(proof)
}
