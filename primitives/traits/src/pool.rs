//! What the funders have put into the storage-miner reward pool.
//!
//! Implemented by `pallet-issuance` (the storage miners' share of each era's issuance, and the
//! existential deposit it mints into the pool at genesis) and `pallet-file-bank` (space
//! payments and forfeited declaration deposits); consumed by `pallet-storage-miner`'s
//! `try_state`, which checks that everything put in is still in the pool or was paid out by a
//! claim (`docs/economics.md`, "Reward accounting"). Read-only, and never used by runtime logic:
//! only the invariant reads it.

/// Cumulative amount a funder moved into the storage-miner reward pool.
pub trait RewardPoolFunding<Balance> {
	/// Everything this funder ever deposited into the pool, or `None` if it does not count
	/// (then the pool-level accounting check is skipped: mocks without the funders).
	fn funded() -> Option<Balance>;
}

/// Nobody counts: the pool-level check is skipped.
impl<Balance> RewardPoolFunding<Balance> for () {
	fn funded() -> Option<Balance> {
		None
	}
}

/// Both funders (the runtime: issuance and the file market); `None` unless both count.
impl<Balance, A, B> RewardPoolFunding<Balance> for (A, B)
where
	Balance: sp_runtime::traits::Saturating,
	A: RewardPoolFunding<Balance>,
	B: RewardPoolFunding<Balance>,
{
	fn funded() -> Option<Balance> {
		Some(A::funded()?.saturating_add(B::funded()?))
	}
}
