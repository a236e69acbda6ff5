//! A miner's confirmed service fragments, as the audit needs them to challenge "fragment `k`
//! of miner `m`" and verify the answer against the fragment's Merkle root.
//!
//! Implemented by `pallet-file-bank`; consumed by `pallet-audit`, which reads through
//! [`ServiceFragmentsInspect`] and applies deferred removals through
//! [`ServiceFragmentsMutate`] at a miner's checkpoint.
//!
//! Fragments are numbered densely `0..fragment_count(m)`. A released fragment (its file was
//! deleted, or it was moved off a leaving miner) keeps its number, root and space until the
//! audit calls [`ServiceFragmentsMutate::apply_removals`] at the miner's next checkpoint
//! (after its proof or settled miss); only then is it swap-removed. So a number never changes
//! while a challenge that counts it is open.

use sp_weights::Weight;

/// Read-only view of a miner's service fragments.
pub trait ServiceFragmentsInspect<AccountId> {
	/// Number of confirmed service fragments of `miner`.
	fn fragment_count(miner: &AccountId) -> u64;

	/// Merkle root (`cess_storage_proof::fragment_root`) of fragment `index` of `miner`.
	fn fragment_root(miner: &AccountId, index: u64) -> Option<cess_storage_proof::Hash>;

	/// Bytes of user data in fragment `index` of `miner` (the rest of the fragment is zero
	/// padding), if known. The audit challenges only leaves inside the data.
	fn fragment_data_len(_miner: &AccountId, _index: u64) -> Option<u64> {
		None
	}

	/// Credited service space of `miner`'s released fragments (deleted files, evacuated
	/// replicas) whose removal is still deferred. They stay challengeable, but earn no power:
	/// the audit's snapshot counts `service − released_space`.
	fn released_space(_miner: &AccountId) -> u64 {
		0
	}
}

/// The deferred removal of released fragments, applied by the audit when no open challenge
/// counts them.
pub trait ServiceFragmentsMutate<AccountId>: ServiceFragmentsInspect<AccountId> {
	/// Removes up to `limit` of `miner`'s released fragments (renumbering the list) and frees
	/// their service space; returns how many. The audit calls it only when no open challenge
	/// of `miner` counts them.
	fn apply_removals(_miner: &AccountId, _limit: u32) -> u32 {
		0
	}

	/// Weight of one [`apply_removals`](Self::apply_removals) step.
	fn removal_weight() -> Weight {
		Weight::zero()
	}
}

/// No file market: no service fragments.
impl<AccountId> ServiceFragmentsInspect<AccountId> for () {
	fn fragment_count(_miner: &AccountId) -> u64 {
		0
	}
	fn fragment_root(_miner: &AccountId, _index: u64) -> Option<cess_storage_proof::Hash> {
		None
	}
}

/// No file market: nothing to remove.
impl<AccountId> ServiceFragmentsMutate<AccountId> for () {}
