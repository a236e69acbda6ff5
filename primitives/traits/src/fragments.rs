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

	/// Credited service space of `miner`'s released fragments (deleted files) whose removal is
	/// still deferred, plus that of its replicas migrating to new holders (exit, ban, repair).
	/// They stay challengeable, but earn no power: the audit's snapshot counts
	/// `service − released_space`.
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

	// ---- issue 15, repair (added by the `repair` branch) ----

	/// The audit found `miner` failing or missing its service proofs for `RepairAfterFailures`
	/// consecutive rounds, or `Frozen` for `RepairAfterFrozenRounds` rounds: the file market
	/// starts moving its replicas to other miners ("migrate, release on confirm": each stays on
	/// `miner`, challengeable but earning no power, until its new holder confirms). Returns
	/// whether a repair was started now (`false`: one is running, nothing is left to move, or
	/// the miner is leaving and its evacuation does the same). O(1); the moves run in the file
	/// market's hook with their own budget.
	fn start_repair(_miner: &AccountId) -> bool {
		false
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
