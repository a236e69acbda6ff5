//! Storage miners, as the audit and the file market see them.
//!
//! Implemented by `pallet-storage-miner`; consumed by `pallet-audit` (states, idle
//! commitments, punishments, power credits, bans) and `pallet-file-bank` (candidates for
//! assignment, service space). A consumer that only reads asks for [`MinerInspect`]; one that
//! changes a miner asks for [`MinerMutate`], which includes it.

use crate::types::{
	CycleIndex, IdleCommitment, MinerSpaces, MinerState, Power, Punishment, ServiceSpaceError,
};
use sp_runtime::{DispatchError, DispatchResult};

/// Read-only view of the storage miners. Nothing here writes storage.
pub trait MinerInspect<AccountId> {
	/// The currency's balance type (collateral, punishments).
	type Balance;

	/// State of a registered miner (`None` if not registered; a banned account whose record
	/// was removed reports `Some(Banned)`).
	fn state(who: &AccountId) -> Option<MinerState>;

	/// Declared, idle and service space of a registered miner, in bytes.
	fn spaces(who: &AccountId) -> Option<MinerSpaces>;

	/// The idle-filler commitment and count the audit checks idle proofs against.
	fn idle_commitment(who: &AccountId) -> Option<IdleCommitment>;

	/// Whether the miner may be rewarded now (`Positive`: not frozen, not exiting, not banned).
	fn can_earn_rewards(who: &AccountId) -> bool;

	/// Held collateral and debt of a registered miner.
	fn collateral_and_debt(who: &AccountId) -> Option<(Self::Balance, Self::Balance)>;

	/// Number of `Positive` miners, the population fragments are assigned from.
	fn candidate_count() -> u32;

	/// The `index`-th `Positive` miner (`index < candidate_count()`); the order is arbitrary
	/// but stable between changes, so a random index picks a random miner in O(1).
	fn candidate(index: u32) -> Option<AccountId>;
}

/// Changes to storage miners requested by the audit and the file market.
pub trait MinerMutate<AccountId>: MinerInspect<AccountId> {
	/// Adds `bytes` of confirmed service space. Only a `Positive` miner accepts it, and only
	/// if idle + service + `bytes` fits the declared space.
	fn add_service_space(who: &AccountId, bytes: u64) -> Result<(), ServiceSpaceError>;

	/// Removes `bytes` of service space (a deleted or moved fragment). Saturates at zero and
	/// works in every state, so freeing space can never fail.
	fn remove_service_space(who: &AccountId, bytes: u64);

	/// Punishes a miner by `amount`: the held collateral pays first (moved to the treasury),
	/// the rest becomes debt. The miner becomes `Frozen` if it was `Positive` or `Registered`.
	fn punish(
		who: &AccountId,
		amount: Self::Balance,
	) -> Result<Punishment<Self::Balance>, DispatchError>;

	/// The audit credited `power` (> 0) to `who` in `cycle` for a passed challenge. The reward
	/// orders keep their own copy of every miner's power, so no earned power depends on how
	/// long the audit keeps its history (`pallet_storage_miner::MinerRewards`). O(1): at most
	/// `MAX_PENDING_CYCLES` small records.
	fn note_power(who: &AccountId, cycle: CycleIndex, power: Power);

	/// Bans a miner for good: its fragments move to other miners, it may withdraw what is left
	/// of its collateral after the exit cooldown, and the account can never register again.
	fn ban(who: &AccountId) -> DispatchResult;

	/// Benchmarks only: registers `who` (funding it) with `declared_tib` of declared space,
	/// enough collateral and one committed filler, so it is `Positive`.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_positive_miner(who: &AccountId, declared_tib: u32) -> DispatchResult;
}
