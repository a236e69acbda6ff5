//! Answering a challenge from the data directory.
//!
//! The proof is built by the same library the runtime verifies with. Missing or damaged
//! data does not stop the agent from answering: it substitutes zeros, logs the loss, and
//! submits anyway. The part with lost data then fails verification (1st failure: no slash)
//! instead of being missed (always slashed), and the other part can still pass.

use crate::{
	chain::{Chain, ChainError},
	store::{DataDir, FragmentKey},
};
use cess_runtime::AccountId;
use cess_storage_proof::{build_proof, Challenge, FillerSet, Hash, StorageProof};
use std::{cell::RefCell, collections::BTreeMap};

/// A built proof and what was wrong with the local data while building it.
pub struct BuiltProof {
	/// The proof to submit.
	pub proof: StorageProof,
	/// Human-readable notes on substituted data (empty when everything was present).
	pub problems: Vec<String>,
}

/// Builds the proof for `challenge` from `dir`, using `roots` (the local filler roots,
/// in index order) for the filler set.
pub fn prove(
	chain: &Chain,
	dir: &DataDir,
	miner: &AccountId,
	challenge: &Challenge,
	roots: &[Hash],
) -> Result<BuiltProof, String> {
	let params = challenge.params;
	let count = usize::try_from(challenge.filler_count).unwrap_or(usize::MAX);
	let committed = roots.get(..count).ok_or_else(|| {
		format!("the chain has {count} fillers committed, {} are sealed here", roots.len())
	})?;
	let set = FillerSet::new(committed);
	let refs: BTreeMap<u64, FragmentKey> = if challenge.fragments.is_empty() {
		BTreeMap::new()
	} else {
		chain
			.miner_fragments(miner, challenge.fragment_count)
			.map_err(|e: ChainError| e.to_string())?
			.into_iter()
			.enumerate()
			.map(|(i, r)| {
				(i as u64, FragmentKey { file: r.file, fragment: r.fragment, replica: r.replica })
			})
			.collect()
	};
	let problems = RefCell::new(Vec::new());
	let filler_leaves = params.filler_leaves() as usize;
	let proof = build_proof(
		challenge,
		&set,
		|index| match dir.read_filler(index, params.filler_size) {
			Some(bytes) => Some(cess_storage_proof::leaves_from_bytes(&bytes)),
			None => {
				problems
					.borrow_mut()
					.push(format!("filler {index} is missing; answering with zeros"));
				Some(vec![[0u8; 32]; filler_leaves])
			}
		},
		|index| match refs.get(&index).and_then(|key| dir.read_fragment(key).map(|d| (key, d))) {
			Some((_, data)) if data.len() as u64 <= params.fragment_size => Some(data),
			Some((key, _)) => {
				problems
					.borrow_mut()
					.push(format!("fragment {key} is oversized; answering with zeros"));
				Some(Vec::new())
			}
			None => {
				problems.borrow_mut().push(format!(
					"fragment #{index} ({}) is missing; answering with zeros",
					refs.get(&index).map_or_else(|| "not on chain".into(), |k| k.to_string())
				));
				Some(Vec::new())
			}
		},
	)
	.map_err(|e| format!("building the proof: {e:?}"))?;
	Ok(BuiltProof { proof, problems: problems.into_inner() })
}
