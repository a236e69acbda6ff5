//! `try_state` invariants: holds add up, spaces fit, states follow the rules.

use crate::{
	pallet::*, BalanceOf, CycleIndex, HoldReason, MinerInfoOf, MinerState, SectorState,
	RELEASE_STEPS,
};
use cess_traits::RewardPoolFunding;
use frame_support::{
	ensure,
	traits::{
		fungible::{Inspect, InspectHold},
		tokens::{Fortitude, Preservation},
		Get,
	},
};
use sp_runtime::{
	traits::{CheckedAdd, Saturating, UniqueSaturatedFrom, Zero},
	TryRuntimeError,
};

impl<T: Config> Pallet<T> {
	/// Checks, by iterating all records (never called from runtime logic):
	///
	/// - every miner's `collateral` is exactly its `Collateral` hold;
	/// - debt only exists once the collateral is gone (`debt > 0 ⇒ collateral = 0`);
	/// - idle + service space never exceeds declared space;
	/// - `Registered`/`Positive`/`Frozen` is what the collateral, debt and commitment give;
	///   exiting and banned miners have an `exit_at`, banned ones are in `BannedAccounts`;
	/// - the candidate list is exactly the `Positive` miners, densely indexed;
	/// - `MinerCount` counts the records.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let mut count: u32 = 0;
		let mut positive: u32 = 0;
		for (who, info) in Miners::<T>::iter() {
			count = count.saturating_add(1);
			let held = T::Currency::balance_on_hold(&HoldReason::Collateral.into(), &who);
			ensure!(held == info.collateral, "storage-miner: collateral differs from hold");
			ensure!(
				info.debt.is_zero() || info.collateral.is_zero(),
				"storage-miner: debt while collateral remains"
			);
			let used = Self::used_bytes(&info);
			ensure!(
				used <= Self::declared_bytes(&info),
				"storage-miner: idle + service exceeds declared space"
			);
			Self::check_sectors(&who, &info)?;
			match info.state {
				MinerState::Exiting | MinerState::Banned => {
					ensure!(info.exit_at.is_some(), "storage-miner: leaving without exit_at");
					ensure!(
						info.candidate_index.is_none(),
						"storage-miner: leaving miner is a candidate"
					);
					if info.state == MinerState::Banned {
						ensure!(
							BannedAccounts::<T>::contains_key(&who),
							"storage-miner: banned miner not recorded"
						);
					}
				}
				state => {
					let covered = info.debt.is_zero()
						&& info.collateral >= Self::collateral_requirement(info.declared_tib);
					let expected = if !covered {
						MinerState::Frozen
					} else if info.activated {
						MinerState::Positive
					} else {
						MinerState::Registered
					};
					ensure!(state == expected, "storage-miner: state differs from rules");
				}
			}
			if info.state == MinerState::Positive {
				positive = positive.saturating_add(1);
				let index =
					info.candidate_index.ok_or("storage-miner: positive miner not a candidate")?;
				ensure!(
					Candidates::<T>::get(index).as_ref() == Some(&who),
					"storage-miner: candidate index mismatch"
				);
			} else {
				ensure!(
					info.candidate_index.is_none(),
					"storage-miner: non-positive miner is a candidate"
				);
			}
		}
		ensure!(MinerCount::<T>::get() == count, "storage-miner: MinerCount differs from records");
		ensure!(
			CandidateCount::<T>::get() == positive,
			"storage-miner: CandidateCount differs from positive miners"
		);
		ensure!(
			Candidates::<T>::iter_keys().all(|i| i < positive),
			"storage-miner: candidate index out of range"
		);
		Self::try_state_rewards()
	}

	/// Reward invariants:
	///
	/// - `RewardsReserved` is exactly what is promised: the unallocated part of every cycle
	///   record, plus every miner's banked shares, unpaid amount and unreleased vesting (so
	///   `pool ≥ promised`, and everything put into the pool is `pool + RewardsPaid`);
	/// - every cycle record's `holders` is the number of miners with pending power in it, and
	///   every pending entry has its record (nothing earned can be lost); a record of a cycle not
	///   snapshot yet has no reward;
	/// - no cycle allocated more than its total; orders are sorted by day, one per day, at most
	///   90 days apart from the last claim, each step ≤ vesting / 90;
	/// - recorded debt is positive and only for accounts that are not registered miners.
	pub fn try_state_rewards() -> Result<(), TryRuntimeError> {
		let mut promised = BalanceOf::<T>::zero();
		let next = NextRewardCycle::<T>::get();
		let mut holders = alloc::collections::BTreeMap::<CycleIndex, u32>::new();
		for (_, rewards) in Rewards::<T>::iter() {
			promised = promised.saturating_add(rewards.unpaid).saturating_add(rewards.banked);
			let mut previous_cycle: Option<CycleIndex> = None;
			for p in rewards.pending.iter() {
				ensure!(
					previous_cycle.is_none_or(|c| c < p.cycle),
					"storage-miner: pending cycles unsorted"
				);
				previous_cycle = Some(p.cycle);
				ensure!(p.power > 0, "storage-miner: empty pending entry");
				let h = holders.entry(p.cycle).or_default();
				*h = h.saturating_add(1);
			}
			let mut previous: Option<u32> = None;
			for order in rewards.orders.iter() {
				ensure!(previous.is_none_or(|d| d < order.day), "storage-miner: orders unsorted");
				previous = Some(order.day);
				ensure!(order.day <= rewards.last_day, "storage-miner: order after last claim");
				ensure!(
					rewards.last_day.saturating_sub(order.day) < RELEASE_STEPS,
					"storage-miner: fully paid order kept"
				);
				ensure!(
					order.step.saturating_mul(RELEASE_STEPS.into()) <= order.vesting,
					"storage-miner: step too large"
				);
				let released = Self::released(order, rewards.last_day.saturating_sub(order.day));
				promised = promised.saturating_add(order.vesting.saturating_sub(released));
			}
		}
		let mut records = 0usize;
		for (cycle, record) in RewardCycles::<T>::iter() {
			records = records.saturating_add(1);
			ensure!(record.allocated <= record.total, "storage-miner: cycle over-allocated");
			ensure!(
				cycle < next || record.total.is_zero(),
				"storage-miner: reward before the snapshot"
			);
			ensure!(
				holders.get(&cycle).copied().unwrap_or(0) == record.holders && record.holders > 0,
				"storage-miner: cycle holders differ from the pending entries"
			);
			promised = promised.saturating_add(record.total.saturating_sub(record.allocated));
		}
		ensure!(records == holders.len(), "storage-miner: pending power without a cycle record");
		ensure!(
			RewardsReserved::<T>::get() == promised,
			"storage-miner: RewardsReserved differs from what is promised"
		);
		let pool = T::Currency::reducible_balance(
			&T::RewardPool::get(),
			Preservation::Preserve,
			Fortitude::Polite,
		);
		ensure!(pool >= promised, "storage-miner: reward pool below what is promised");
		for (who, debt) in Debts::<T>::iter() {
			ensure!(!debt.is_zero(), "storage-miner: zero debt recorded");
			ensure!(!Miners::<T>::contains_key(&who), "storage-miner: recorded debt of a miner");
		}
		Self::try_state_accounting()
	}

	/// Reward accounting: nothing is created, lost or paid twice between the funders, the
	/// pool, the reward records and the miners (issue 15).
	///
	/// 1. **Flow identity, exact:** `snapshotted = RewardsPaid + RewardsReserved + returned`
	///    ([`RewardTotals`]). `RewardsReserved` changes in exactly three places, each moving
	///    the same amount to or from one other counter: a snapshot adds `total` to it and to
	///    `snapshotted`; a claim's successful transfer subtracts the amount and adds it to
	///    `RewardsPaid`; a closing cycle record subtracts its remainder and adds it to
	///    `returned`. With `RewardsReserved = promised` (checked above) this ties every unit
	///    ever snapshot to exactly one of: paid, still owed (unallocated cycle remainders,
	///    banked shares, unpaid amounts, unreleased vesting), or returned to the free pool.
	///
	/// 2. **Rounding dust, bounded:** `returned + closed ≤ shares`. A closed record of total
	///    `T` and power `P` had `n ≥ 1` holders whose pending powers `p_1 … p_n` sum to `P`
	///    (the audit adds every credit to the cycle total and, through `note_power`, to exactly
	///    one holder's entry). Holder `k` took `⌊T·p_k / P⌋` (the cap `total − allocated` never
	///    binds, since the floors sum to at most `T`), so the remainder is
	///    `r = T − Σ ⌊T·p_k/P⌋ < T − Σ (T·p_k/P − 1) = n`, hence `r ≤ n − 1` in base units
	///    (`T = 0` when `P = 0`: `r = 0`). Summing over closed records,
	///    `returned ≤ Σ n − closed ≤ shares − closed` (`shares` also counts shares taken from
	///    records still open). Vesting adds no dust: an order pays `A − ⌊A/2⌋` at once and its
	///    90 steps release exactly `⌊A/2⌋` (the last step is the remainder). A violation means
	///    power reached a cycle total without reaching a holder: a reward was lost.
	///
	/// 3. **Pool, against what the funders put in** (when `PoolFunding` counts them): nothing
	///    leaves the pool account except a claim's transfer, counted in `RewardsPaid`; the
	///    rounding dust of (2) stays in it. So `pool balance + RewardsPaid = funded +
	///    donations`, where `pool balance = free part + RewardsReserved` (owed) and
	///    `donations ≥ 0` is what arrived by plain transfers to the pool account (anyone may
	///    make one, so they cannot be excluded): `pool + paid ≥ funded`, with equality on a
	///    chain where nobody donated (the tests check the equality).
	pub fn try_state_accounting() -> Result<(), TryRuntimeError> {
		let totals = RewardTotals::<T>::get();
		let paid = RewardsPaid::<T>::get();
		let reserved = RewardsReserved::<T>::get();
		ensure!(
			paid.checked_add(&reserved).and_then(|x| x.checked_add(&totals.returned))
				== Some(totals.snapshotted),
			"storage-miner: snapshot totals differ from paid + reserved + returned"
		);
		let dust_room = totals.shares.saturating_sub(totals.closed);
		ensure!(
			totals.closed <= totals.shares
				&& totals.returned <= BalanceOf::<T>::unique_saturated_from(dust_room),
			"storage-miner: rounding remainders exceed one unit per share"
		);
		if let Some(funded) = T::PoolFunding::funded() {
			let pool = T::Currency::balance(&T::RewardPool::get());
			ensure!(
				pool.saturating_add(paid) >= funded,
				"storage-miner: pool + paid below what the funders put in"
			);
		}
		Ok(())
	}
}

impl<T: Config> Pallet<T> {
	/// The sector invariants of one miner: the active list is dense and as long as
	/// `sectors_active`; every active entry names an `Active` sector at its index; the
	/// pre-commit deposit hold equals the open pre-commits' deposits; reserved sectors cover
	/// the open pre-commits and the sector records.
	fn check_sectors(who: &T::AccountId, info: &MinerInfoOf<T>) -> Result<(), TryRuntimeError> {
		let count = ActiveSectorCount::<T>::get(who);
		ensure!(count == info.sectors_active, "storage-miner: active count differs");
		for index in 0..count {
			let no = ActiveSectors::<T>::get(who, index).ok_or("storage-miner: hole in list")?;
			let sector =
				Sectors::<T>::get(who, no).ok_or("storage-miner: active list names no sector")?;
			ensure!(
				matches!(
					sector.state,
					SectorState::Active { index: i } | SectorState::Terminating { index: i } if i == index
				),
				"storage-miner: active entry at the wrong index"
			);
		}
		let mut deposits: BalanceOf<T> = Zero::zero();
		let mut precommitted: u32 = 0;
		for (_, batch) in PreCommits::<T>::iter_prefix(who) {
			deposits = deposits.saturating_add(batch.deposit);
			precommitted = precommitted.saturating_add(batch.sectors.len() as u32);
		}
		let held = T::Currency::balance_on_hold(&HoldReason::PreCommitDeposit.into(), who);
		ensure!(held == deposits, "storage-miner: deposit hold differs from pre-commits");
		let records = Sectors::<T>::iter_prefix(who).count() as u32;
		ensure!(
			info.sectors_reserved == precommitted.saturating_add(records),
			"storage-miner: reserved sectors differ from pre-commits + records"
		);
		Ok(())
	}
}
