//! Sealed sectors (issue 14), between the storage miners and the audit.
//!
//! * [`SectorsInspect`] / [`SectorsMutate`]: implemented by `pallet-storage-miner`, which
//!   runs the commit protocol (pre-commit, prove-commit, terminations) and keeps each
//!   miner's **active list** of proven sectors; consumed by `pallet-audit`, which draws one
//!   sector per miner per cycle for a seal audit, and applies the queued list changes
//!   (activations, terminations) at the miner's checkpoints, i.e. only between its proofs —
//!   the list a challenge is drawn from is frozen while that challenge is open.
//! * [`SealAuditInspect`]: implemented by `pallet-audit`; consumed by the storage miners for
//!   the per-block seeds the seal challenges come from (randomness revealed after a
//!   pre-commit) and for whether a miner is enrolled (a miner the audit does not know yet has
//!   nothing open, so its list changes apply at once).

use cess_storage_proof::sdr::{SdrParams, SectorPublic};
use cess_storage_proof::Hash;
use sp_weights::Weight;

/// Read-only view of a miner's proven sectors.
pub trait SectorsInspect<AccountId> {
	/// The SDR parameters sectors are sealed with on this chain.
	fn seal_params() -> SdrParams;
	/// Length of `who`'s active list (changes only through [`SectorsMutate::apply_sector_changes`]).
	fn active_sector_count(who: &AccountId) -> u32;
	/// The sector number at `index` of `who`'s active list.
	fn active_sector(who: &AccountId, index: u32) -> Option<u64>;
	/// The public values a seal proof of `who`'s sector `sector_no` is checked against,
	/// fixed at pre-commit.
	fn sector_public(who: &AccountId, sector_no: u64) -> Option<SectorPublic>;
}

/// Changes the audit applies to a miner's active list.
pub trait SectorsMutate<AccountId>: SectorsInspect<AccountId> {
	/// Applies at most `limit` of `who`'s queued sector changes (oldest first); returns how
	/// many were applied. Called by the audit only when nothing of `who` is open.
	fn apply_sector_changes(who: &AccountId, limit: u32) -> u32;
	/// Weight of applying one queued change (worst case).
	fn sector_change_weight() -> Weight;

	/// Benchmarks only: gives `who` an active sector `sector_no` with the public values
	/// `public` (the audit's `submit_seal_audit` benchmark answers a sparse fixture for it).
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_active_sector(
		_who: &AccountId,
		_sector_no: u64,
		_public: SectorPublic,
	) -> sp_runtime::DispatchResult {
		Err(sp_runtime::DispatchError::Other("no sectors"))
	}
}

/// No sectors (chains or mocks without the commit protocol).
impl<AccountId> SectorsInspect<AccountId> for () {
	fn seal_params() -> SdrParams {
		SdrParams::dev()
	}
	fn active_sector_count(_who: &AccountId) -> u32 {
		0
	}
	fn active_sector(_who: &AccountId, _index: u32) -> Option<u64> {
		None
	}
	fn sector_public(_who: &AccountId, _sector_no: u64) -> Option<SectorPublic> {
		None
	}
}

impl<AccountId> SectorsMutate<AccountId> for () {
	fn apply_sector_changes(_who: &AccountId, _limit: u32) -> u32 {
		0
	}
	fn sector_change_weight() -> Weight {
		Weight::zero()
	}
}

/// What the storage miners read from the audit.
pub trait SealAuditInspect<AccountId, BlockNumber> {
	/// The seed of block `block` (from the block's randomness; `None` if not yet reached or
	/// already forgotten).
	fn block_seed(block: BlockNumber) -> Option<Hash>;
	/// Whether the audit has a record of `who` (enrolled): then its sector changes wait for
	/// the audit's checkpoints; otherwise they apply at once.
	fn enrolled(who: &AccountId) -> bool;

	/// Benchmarks only: sets the seed of `block` (the prove-commit benchmark answers the
	/// challenges of a seed it chose).
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_set_seed(_block: BlockNumber, _seed: Hash) {}
}

/// No audit: no seeds (nothing can be proven), nobody enrolled.
impl<AccountId, BlockNumber> SealAuditInspect<AccountId, BlockNumber> for () {
	fn block_seed(_block: BlockNumber) -> Option<Hash> {
		None
	}
	fn enrolled(_who: &AccountId) -> bool {
		false
	}
}
