//! The miner logic behind the calls and the [`MinerInspect`]/[`MinerMutate`] traits: collateral and debt,
//! the state machine, the candidate list of `Positive` miners.

use crate::*;
use frame_support::{
	ensure,
	traits::{
		fungible::{Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
		Get,
	},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchError, DispatchResult,
};

impl<T: Config> Pallet<T> {
	/// Collateral required for `declared_tib` TiB: `CollateralPerTiB × declared_tib`.
	pub fn collateral_requirement(declared_tib: u32) -> BalanceOf<T> {
		T::CollateralPerTiB::get().saturating_mul(BalanceOf::<T>::from(declared_tib))
	}

	/// Declared space in bytes (`declared_tib ≤ MaxDeclaredTib`, checked at every change; a
	/// larger stored value would saturate rather than wrap).
	pub(crate) fn declared_bytes(info: &MinerInfoOf<T>) -> u64 {
		u64::from(info.declared_tib).saturating_mul(TIB)
	}

	/// Idle space in bytes: the committed fillers (the product was checked when the count was
	/// committed) plus the active sealed sectors.
	pub(crate) fn idle_bytes(info: &MinerInfoOf<T>) -> u64 {
		Self::filler_bytes(info).saturating_add(Self::sealed_bytes(info))
	}

	/// Bytes of committed fillers.
	pub(crate) fn filler_bytes(info: &MinerInfoOf<T>) -> u64 {
		info.filler_count.saturating_mul(T::FillerSize::get())
	}

	/// Bytes of one sealed sector.
	pub(crate) fn sector_size() -> u64 {
		T::SealParams::get().sector_bytes()
	}

	/// Idle bytes of the active sealed sectors.
	pub(crate) fn sealed_bytes(info: &MinerInfoOf<T>) -> u64 {
		u64::from(info.sectors_active).saturating_mul(Self::sector_size())
	}

	/// Declared space in use: fillers, every sector not yet removed (pre-committed, proven,
	/// active or terminating) and service space.
	pub(crate) fn used_bytes(info: &MinerInfoOf<T>) -> u64 {
		Self::filler_bytes(info)
			.saturating_add(u64::from(info.sectors_reserved).saturating_mul(Self::sector_size()))
			.saturating_add(info.service_space)
	}

	fn check_declared(declared_tib: u32) -> DispatchResult {
		ensure!(declared_tib > 0, Error::<T>::ZeroDeclaredSpace);
		ensure!(declared_tib <= T::MaxDeclaredTib::get(), Error::<T>::DeclaredSpaceTooLarge);
		Ok(())
	}

	/// Whether the miner's collateral fails its requirement or it has debt — the condition of
	/// `Frozen`, applied whatever the state label (an `Exiting` or `Banned` miner keeps its
	/// label but is just as unable to claim rewards).
	pub(crate) fn under_collateralised(info: &MinerInfoOf<T>) -> bool {
		!info.debt.is_zero() || info.collateral < Self::collateral_requirement(info.declared_tib)
	}

	/// The state the rules give a miner that is not exiting or banned.
	fn target_state(info: &MinerInfoOf<T>) -> MinerState {
		match info.state {
			MinerState::Exiting | MinerState::Banned => info.state,
			_ => {
				if Self::under_collateralised(info) {
					MinerState::Frozen
				} else if info.activated {
					MinerState::Positive
				} else {
					MinerState::Registered
				}
			}
		}
	}

	/// Moves the miner to the state the rules give it (after any change of collateral, debt,
	/// declared space or commitment), keeping the candidate list in step and emitting
	/// `StateChanged`. The caller writes `info` back.
	pub(crate) fn refresh_state(who: &T::AccountId, info: &mut MinerInfoOf<T>) {
		let target = Self::target_state(info);
		Self::set_state(who, info, target);
	}

	/// Sets the state, maintaining the candidate list; emits `StateChanged` on a change.
	fn set_state(who: &T::AccountId, info: &mut MinerInfoOf<T>, to: MinerState) {
		let from = info.state;
		if from == to {
			return;
		}
		if from == MinerState::Positive {
			Self::remove_candidate(info);
		}
		if to == MinerState::Positive {
			Self::add_candidate(who, info);
		}
		info.state = to;
		Self::deposit_event(Event::StateChanged { miner: who.clone(), from, to });
	}

	fn add_candidate(who: &T::AccountId, info: &mut MinerInfoOf<T>) {
		let index = CandidateCount::<T>::get();
		Candidates::<T>::insert(index, who);
		info.candidate_index = Some(index);
		CandidateCount::<T>::put(index.saturating_add(1));
	}

	/// Swap-remove: the last candidate takes the hole, so indices stay dense.
	fn remove_candidate(info: &mut MinerInfoOf<T>) {
		let Some(index) = info.candidate_index.take() else {
			return;
		};
		let count = CandidateCount::<T>::get();
		let last = count.saturating_sub(1);
		if index != last {
			if let Some(moved) = Candidates::<T>::get(last) {
				Candidates::<T>::insert(index, &moved);
				Miners::<T>::mutate(&moved, |m| {
					if let Some(m) = m {
						m.candidate_index = Some(index);
					}
				});
			}
		}
		Candidates::<T>::remove(last);
		CandidateCount::<T>::put(last);
	}

	pub(crate) fn do_register(
		who: T::AccountId,
		beneficiary: T::AccountId,
		endpoint: EndpointOf<T>,
		declared_tib: u32,
		collateral: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!BannedAccounts::<T>::contains_key(&who), Error::<T>::AccountBanned);
		ensure!(!Miners::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		ensure!(!endpoint.is_empty(), Error::<T>::EmptyEndpoint);
		Self::check_declared(declared_tib)?;
		ensure!(
			collateral >= Self::collateral_requirement(declared_tib),
			Error::<T>::InsufficientCollateral
		);
		let count = MinerCount::<T>::get();
		ensure!(count < T::MaxMiners::get(), Error::<T>::TooManyMiners);
		// Debt left by an earlier withdrawal is paid first (a registration is a top-up).
		if let Some(debt) = Debts::<T>::take(&who) {
			T::Currency::transfer(&who, &T::Treasury::get(), debt, Preservation::Preserve)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Self::deposit_event(Event::DebtRepaid {
				miner: who.clone(),
				amount: debt,
				debt: Zero::zero(),
			});
		}
		if !collateral.is_zero() {
			T::Currency::hold(&HoldReason::Collateral.into(), &who, collateral)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
		}
		let info = MinerInfo {
			beneficiary: beneficiary.clone(),
			endpoint,
			state: MinerState::Registered,
			declared_tib,
			collateral,
			debt: Zero::zero(),
			filler_commitment: [0u8; 32],
			filler_count: 0,
			service_space: 0,
			sectors_reserved: 0,
			sectors_active: 0,
			activated: false,
			registered_at: frame_system::Pallet::<T>::block_number(),
			active_at: frame_system::Pallet::<T>::block_number(),
			exit_at: None,
			candidate_index: None,
		};
		Miners::<T>::insert(&who, info);
		MinerCount::<T>::put(count.saturating_add(1));
		Self::deposit_event(Event::MinerRegistered {
			miner: who,
			beneficiary,
			declared_tib,
			collateral,
		});
		Ok(())
	}

	pub(crate) fn do_increase_collateral(
		who: T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut info = Miners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		let debt_repaid = amount.min(info.debt);
		let added = amount.saturating_sub(debt_repaid);
		if !debt_repaid.is_zero() {
			T::Currency::transfer(&who, &T::Treasury::get(), debt_repaid, Preservation::Preserve)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
		}
		if !added.is_zero() {
			T::Currency::hold(&HoldReason::Collateral.into(), &who, added)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
		}
		info.debt = info.debt.saturating_sub(debt_repaid);
		info.collateral = info.collateral.saturating_add(added);
		Self::refresh_state(&who, &mut info);
		let (collateral, debt) = (info.collateral, info.debt);
		Miners::<T>::insert(&who, info);
		Self::deposit_event(Event::CollateralIncreased {
			miner: who,
			amount,
			debt_repaid,
			collateral,
			debt,
		});
		Ok(())
	}

	/// `Exiting` and `Banned` miners cannot change their space.
	fn ensure_active(info: &MinerInfoOf<T>) -> DispatchResult {
		match info.state {
			MinerState::Exiting => Err(Error::<T>::MinerExiting.into()),
			MinerState::Banned => Err(Error::<T>::MinerBanned.into()),
			_ => Ok(()),
		}
	}

	pub(crate) fn do_change_declared_space(who: T::AccountId, declared_tib: u32) -> DispatchResult {
		let mut info = Miners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		Self::ensure_active(&info)?;
		Self::check_declared(declared_tib)?;
		let used = Self::used_bytes(&info);
		ensure!(u64::from(declared_tib).saturating_mul(TIB) >= used, Error::<T>::DeclaredBelowUsed);
		info.declared_tib = declared_tib;
		Self::refresh_state(&who, &mut info);
		Miners::<T>::insert(&who, info);
		Self::deposit_event(Event::DeclaredSpaceChanged {
			miner: who,
			declared_tib,
			requirement: Self::collateral_requirement(declared_tib),
		});
		Ok(())
	}

	pub(crate) fn do_commit_idle(
		who: T::AccountId,
		commitment: Commitment,
		filler_count: u64,
	) -> DispatchResult {
		let mut info = Miners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		Self::ensure_active(&info)?;
		ensure!(
			!(info.state == MinerState::Frozen && filler_count > info.filler_count),
			Error::<T>::MinerFrozen
		);
		let idle_space =
			filler_count.checked_mul(T::FillerSize::get()).ok_or(Error::<T>::Overflow)?;
		let sectors = u64::from(info.sectors_reserved).saturating_mul(Self::sector_size());
		let used = idle_space
			.checked_add(info.service_space)
			.and_then(|u| u.checked_add(sectors))
			.ok_or(Error::<T>::Overflow)?;
		ensure!(used <= Self::declared_bytes(&info), Error::<T>::ExceedsDeclaredSpace);
		info.filler_commitment = commitment;
		info.filler_count = filler_count;
		if filler_count > 0 {
			info.activated = true;
		}
		Self::refresh_state(&who, &mut info);
		Miners::<T>::insert(&who, info);
		Self::deposit_event(Event::IdleCommitted {
			miner: who,
			commitment,
			filler_count,
			idle_space,
		});
		Ok(())
	}

	pub(crate) fn do_prepare_exit(who: T::AccountId) -> DispatchResult {
		let mut info = Miners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		Self::ensure_active(&info)?;
		let exit_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::ExitCooldown::get());
		Self::set_state(&who, &mut info, MinerState::Exiting);
		info.exit_at = Some(exit_at);
		Miners::<T>::insert(&who, info);
		Self::deposit_event(Event::ExitPrepared { miner: who.clone(), exit_at });
		T::OnLeave::on_miner_leave(&who);
		Ok(())
	}

	pub(crate) fn do_withdraw(who: T::AccountId) -> DispatchResult {
		let info = Miners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		let exit_at = match (info.state, info.exit_at) {
			(MinerState::Exiting | MinerState::Banned, Some(at)) => at,
			_ => return Err(Error::<T>::NotExiting.into()),
		};
		ensure!(frame_system::Pallet::<T>::block_number() >= exit_at, Error::<T>::CooldownNotOver);
		ensure!(info.service_space == 0, Error::<T>::ServiceSpaceNotReleased);
		Self::ensure_no_sectors(&who, &info)?;
		ensure!(!T::OnLeave::challenge_open(&who), Error::<T>::ChallengeOpen);
		Self::remove_miner(&who, info)
	}

	/// A miner leaves only without sectors or open pre-commits (their records and deposits
	/// would otherwise outlive it).
	fn ensure_no_sectors(who: &T::AccountId, info: &MinerInfoOf<T>) -> DispatchResult {
		ensure!(
			info.sectors_reserved == 0 && OpenPreCommits::<T>::get(who) == 0,
			Error::<T>::SectorsRemain
		);
		Ok(())
	}

	/// `evict` (see the call): the squatting rule.
	pub(crate) fn do_evict(by: T::AccountId, who: T::AccountId) -> DispatchResult {
		let info = Miners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(info.service_space == 0, Error::<T>::ServiceSpaceNotReleased);
		let now = frame_system::Pallet::<T>::block_number();
		let leaving = matches!(info.state, MinerState::Exiting | MinerState::Banned);
		let evictable = if leaving {
			info.exit_at.is_some_and(|at| now >= at)
		} else {
			now >= info.active_at.saturating_add(T::ProveWithin::get())
		};
		ensure!(evictable, Error::<T>::NotEvictable);
		Self::ensure_no_sectors(&who, &info)?;
		ensure!(!T::OnLeave::challenge_open(&who), Error::<T>::ChallengeOpen);
		if !leaving {
			// Fragments assigned but not yet confirmed go elsewhere.
			T::OnLeave::on_miner_leave(&who);
		}
		Self::remove_miner(&who, info)?;
		Self::deposit_event(Event::MinerEvicted { miner: who, by });
		Ok(())
	}

	/// Removes a miner (withdraw, eviction): the debt is paid from the collateral first (to the
	/// treasury), the rest is released; debt left over is recorded in [`Debts`]. The audit is
	/// told (`OnLeave::on_miner_withdrawn`) so a new registration starts with a clean record.
	fn remove_miner(who: &T::AccountId, mut info: MinerInfoOf<T>) -> DispatchResult {
		let repay = info.collateral.min(info.debt);
		if !repay.is_zero() {
			T::Currency::transfer_on_hold(
				&HoldReason::Collateral.into(),
				who,
				&T::Treasury::get(),
				repay,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			)?;
		}
		let returned = info.collateral.saturating_sub(repay);
		if !returned.is_zero() {
			T::Currency::release(&HoldReason::Collateral.into(), who, returned, Precision::Exact)?;
		}
		let debt = info.debt.saturating_sub(repay);
		if !debt.is_zero() {
			Debts::<T>::mutate(who, |d| {
				*d = Some(d.unwrap_or_else(Zero::zero).saturating_add(debt))
			});
		}
		Self::remove_candidate(&mut info);
		Miners::<T>::remove(who);
		MinerCount::<T>::mutate(|c| *c = c.saturating_sub(1));
		T::OnLeave::on_miner_withdrawn(who);
		Self::deposit_event(Event::MinerExited { miner: who.clone(), returned, debt });
		Ok(())
	}

	/// Punishment (see [`MinerMutate::punish`]).
	pub(crate) fn do_punish(
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<Punishment<BalanceOf<T>>, DispatchError> {
		let mut info = Miners::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
		let to_slash = amount.min(info.collateral);
		let slashed = if to_slash.is_zero() {
			Zero::zero()
		} else {
			T::Currency::transfer_on_hold(
				&HoldReason::Collateral.into(),
				who,
				&T::Treasury::get(),
				to_slash,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			)?
		};
		let debt_added = amount.saturating_sub(slashed);
		info.collateral = info.collateral.saturating_sub(slashed);
		info.debt = info.debt.saturating_add(debt_added);
		Self::refresh_state(who, &mut info);
		let (collateral, debt) = (info.collateral, info.debt);
		Miners::<T>::insert(who, info);
		Self::deposit_event(Event::MinerPunished {
			miner: who.clone(),
			amount,
			slashed,
			debt_added,
			collateral,
			debt,
		});
		Ok(Punishment { slashed, debt_added })
	}

	/// Ban (see [`MinerMutate::ban`]). Idempotent.
	pub(crate) fn do_ban(who: &T::AccountId) -> DispatchResult {
		let mut info = Miners::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
		if info.state == MinerState::Banned {
			return Ok(());
		}
		let was_exiting = info.state == MinerState::Exiting;
		let now = frame_system::Pallet::<T>::block_number();
		let exit_at = now.saturating_add(T::ExitCooldown::get());
		Self::set_state(who, &mut info, MinerState::Banned);
		info.exit_at = Some(exit_at);
		Miners::<T>::insert(who, info);
		BannedAccounts::<T>::insert(who, now);
		Self::deposit_event(Event::MinerBanned { miner: who.clone(), exit_at });
		if !was_exiting {
			T::OnLeave::on_miner_leave(who);
		}
		Ok(())
	}

	/// The runtime API's view of a miner (also for a banned account without a record).
	pub fn miner_report(who: &T::AccountId) -> Option<MinerReportOf<T>> {
		let Some(info) = Miners::<T>::get(who) else {
			return BannedAccounts::<T>::contains_key(who).then(|| MinerReport {
				state: MinerState::Banned,
				beneficiary: None,
				endpoint: alloc::vec::Vec::new(),
				declared_tib: 0,
				declared_space: 0,
				idle_space: 0,
				service_space: 0,
				free_space: 0,
				filler_count: 0,
				filler_commitment: [0u8; 32],
				collateral: Zero::zero(),
				debt: Zero::zero(),
				requirement: Zero::zero(),
				shortfall: Zero::zero(),
				exit_at: None,
			});
		};
		let declared_space = Self::declared_bytes(&info);
		let idle_space = Self::idle_bytes(&info);
		let used = Self::used_bytes(&info);
		let requirement = Self::collateral_requirement(info.declared_tib);
		Some(MinerReport {
			state: info.state,
			beneficiary: Some(info.beneficiary.clone()),
			endpoint: info.endpoint.to_vec(),
			declared_tib: info.declared_tib,
			declared_space,
			idle_space,
			service_space: info.service_space,
			free_space: declared_space.saturating_sub(used),
			filler_count: info.filler_count,
			filler_commitment: info.filler_commitment,
			collateral: info.collateral,
			debt: info.debt,
			requirement,
			shortfall: info.debt.saturating_add(requirement.saturating_sub(info.collateral)),
			exit_at: info.exit_at,
		})
	}
}

impl<T: Config> MinerInspect<T::AccountId> for Pallet<T> {
	type Balance = BalanceOf<T>;

	fn state(who: &T::AccountId) -> Option<MinerState> {
		Miners::<T>::get(who)
			.map(|m| m.state)
			.or_else(|| BannedAccounts::<T>::contains_key(who).then_some(MinerState::Banned))
	}

	fn spaces(who: &T::AccountId) -> Option<MinerSpaces> {
		Miners::<T>::get(who).map(|info| MinerSpaces {
			state: info.state,
			declared: Self::declared_bytes(&info),
			idle: Self::idle_bytes(&info),
			sealed: Self::sealed_bytes(&info),
			service: info.service_space,
		})
	}

	fn idle_commitment(who: &T::AccountId) -> Option<IdleCommitment> {
		Miners::<T>::get(who).map(|info| IdleCommitment {
			commitment: info.filler_commitment,
			filler_count: info.filler_count,
		})
	}

	fn can_earn_rewards(who: &T::AccountId) -> bool {
		Miners::<T>::get(who).is_some_and(|m| m.state == MinerState::Positive)
	}

	fn collateral_and_debt(who: &T::AccountId) -> Option<(BalanceOf<T>, BalanceOf<T>)> {
		Miners::<T>::get(who).map(|m| (m.collateral, m.debt))
	}

	fn candidate_count() -> u32 {
		CandidateCount::<T>::get()
	}

	fn candidate(index: u32) -> Option<T::AccountId> {
		Candidates::<T>::get(index)
	}
}

impl<T: Config> MinerMutate<T::AccountId> for Pallet<T> {
	fn add_service_space(who: &T::AccountId, bytes: u64) -> Result<(), ServiceSpaceError> {
		let mut info = Miners::<T>::get(who).ok_or(ServiceSpaceError::NotRegistered)?;
		match info.state {
			MinerState::Positive => {}
			MinerState::Frozen => return Err(ServiceSpaceError::Frozen),
			_ => return Err(ServiceSpaceError::NotPositive),
		}
		let service = info.service_space.checked_add(bytes).ok_or(ServiceSpaceError::Overflow)?;
		let declared = Self::declared_bytes(&info);
		if service > declared {
			return Err(ServiceSpaceError::ExceedsDeclaredSpace);
		}
		if service
			.saturating_add(Self::filler_bytes(&info))
			.saturating_add(u64::from(info.sectors_reserved).saturating_mul(Self::sector_size()))
			> declared
		{
			return Err(ServiceSpaceError::ReleaseFillersFirst);
		}
		info.service_space = service;
		Miners::<T>::insert(who, info);
		Ok(())
	}

	fn remove_service_space(who: &T::AccountId, bytes: u64) {
		Miners::<T>::mutate(who, |m| {
			if let Some(info) = m {
				info.service_space = info.service_space.saturating_sub(bytes);
			}
		});
	}

	fn punish(
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<Punishment<BalanceOf<T>>, DispatchError> {
		Self::do_punish(who, amount)
	}

	fn note_power(who: &T::AccountId, cycle: CycleIndex, power: Power) {
		Self::do_note_power(who, cycle, power)
	}

	fn ban(who: &T::AccountId) -> DispatchResult {
		Self::do_ban(who)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_positive_miner(who: &T::AccountId, declared_tib: u32) -> DispatchResult {
		let collateral = Self::collateral_requirement(declared_tib);
		let funds = collateral.saturating_mul(2u32.into()).saturating_add(
			<T::Currency as frame_support::traits::fungible::Inspect<_>>::minimum_balance()
				.saturating_mul(1_000u32.into()),
		);
		T::Currency::set_balance(who, funds);
		let endpoint = EndpointOf::<T>::try_from(alloc::vec![b'x'; 1])
			.map_err(|_| DispatchError::Other("endpoint"))?;
		Self::do_register(who.clone(), who.clone(), endpoint, declared_tib, collateral)?;
		Self::do_commit_idle(who.clone(), [1u8; 32], 1)
	}
}
