//! The commit protocol of sealed sectors (issue 14; design `sealed-sectors.md` B.1):
//!
//! 1. `precommit_sectors` at block `b_pc`: the miner fixes each sector's `comm_c` and
//!    `comm_r_last`, the runtime computes `comm_d` (CC: `Z_n`) and the replica id, reserves the
//!    space and holds `PreCommitDeposit` per sector.
//! 2. The seal seed is `σ = seal_seed(Seed(b_pc + SealDelay), miner, batch)`: the seed of a block
//!    after the pre-commit, so the commitments cannot depend on it.
//! 3. `prove_commit_sectors` in `[b_pc + Δ, b_pc + Δ + ProveCommitWindow)` answers
//!    `seal_challenges(σ)`; the proof is verified here with the library's no_std verifier. On
//!    success the deposit is released and the sectors are proven; an invalid proof is an
//!    error (the call changes nothing, so it may be retried with a correct proof within the
//!    window — σ is fixed, nothing is re-rolled).
//! 4. Without a valid proof the whole batch's deposit is forfeited at the deadline
//!    (`sector_queue.rs`). A garbage sector therefore costs the **whole batch**: one proof
//!    covers the batch, and a batch that cannot answer a challenge on any of its sectors
//!    cannot be proven at all (the decision recorded in `docs/storage-proofs.md`).

use crate::*;
use cess_storage_proof::sdr::{
	cc_comm_d, replica_id, seal_challenges, seal_seed, verify_seal, SdrError, SealProof,
	SectorPublic,
};
use codec::Encode;
use frame_support::{
	ensure,
	traits::{fungible::MutateHold, tokens::Precision, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchError, DispatchResult,
};

impl<T: Config> Pallet<T> {
	/// The 32 bytes a replica id and a seal seed bind the miner to: the SCALE encoding of the
	/// account when it is 32 bytes (`AccountId32`), else its blake2-256 hash (as the audit).
	pub fn account_bytes(who: &T::AccountId) -> [u8; 32] {
		let encoded = who.encode();
		<[u8; 32]>::try_from(encoded.as_slice())
			.unwrap_or_else(|_| sp_io::hashing::blake2_256(&encoded))
	}

	/// The genesis hash replica ids are bound to.
	pub fn genesis_hash() -> [u8; 32] {
		ChainGenesis::<T>::get().unwrap_or_else(|| {
			let h = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
			<[u8; 32]>::try_from(h.as_ref()).unwrap_or_default()
		})
	}

	/// The replica id of `who`'s CC sector `sector_no` under the chain's parameters.
	pub fn cc_replica_id(who: &T::AccountId, sector_no: u64) -> [u8; 32] {
		let params = T::SealParams::get();
		replica_id(
			&Self::genesis_hash(),
			&Self::account_bytes(who),
			sector_no,
			&cc_comm_d(&params),
			params.params_id,
		)
	}

	/// The seal seed of `who`'s batch, once its seal block has a seed.
	pub fn batch_seal_seed(who: &T::AccountId, batch: u64) -> Option<[u8; 32]> {
		let pc = PreCommits::<T>::get(who, batch)?;
		let block_seed = T::SealAudit::block_seed(pc.seal_block)?;
		Some(seal_seed(&block_seed, &Self::account_bytes(who), batch))
	}

	/// Worst-case weight of a prove-commit of `n` sectors: verification at the chain's
	/// parameters (every opening at its hash bound) plus `n` activations (a miner the audit
	/// has not enrolled activates at once).
	pub fn prove_commit_weight(n: u32) -> frame_support::weights::Weight {
		let params = T::SealParams::get();
		let hashes = cess_storage_proof::sdr::seal_verify_hashes(&params, params.seal_openings());
		T::WeightInfo::prove_commit_sectors(n, hashes)
			.saturating_add(T::WeightInfo::apply_sector_change().saturating_mul(n.into()))
	}

	pub(crate) fn do_precommit_sectors(
		who: T::AccountId,
		first_sector: u64,
		sectors: PreCommitSectorsOf<T>,
	) -> DispatchResult {
		let mut info = Miners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		match info.state {
			MinerState::Exiting => return Err(Error::<T>::MinerExiting.into()),
			MinerState::Banned => return Err(Error::<T>::MinerBanned.into()),
			MinerState::Frozen => return Err(Error::<T>::MinerFrozen.into()),
			MinerState::Registered | MinerState::Positive => {}
		}
		ensure!(!sectors.is_empty(), Error::<T>::EmptyBatch);
		ensure!(first_sector == NextSectorNo::<T>::get(&who), Error::<T>::SectorNumberMismatch);
		let open = OpenPreCommits::<T>::get(&who);
		ensure!(open < T::MaxOpenPreCommits::get(), Error::<T>::TooManyPreCommits);
		let count = sectors.len() as u32;
		let reserved = info.sectors_reserved.checked_add(count).ok_or(Error::<T>::Overflow)?;
		let used = Self::used_bytes(&info)
			.checked_add(u64::from(count).saturating_mul(Self::sector_size()))
			.ok_or(Error::<T>::Overflow)?;
		ensure!(used <= Self::declared_bytes(&info), Error::<T>::ExceedsDeclaredSpace);

		let now = frame_system::Pallet::<T>::block_number();
		let seal_block = now.saturating_add(T::SealDelay::get());
		let deadline = seal_block.saturating_add(T::ProveCommitWindow::get());
		let batch = NextBatchNo::<T>::get(&who);
		PreCommitExpiries::<T>::try_mutate(deadline, |q| q.try_push((who.clone(), batch)))
			.map_err(|_| Error::<T>::ExpiryQueueFull)?;
		let deposit = T::PreCommitDeposit::get().saturating_mul(BalanceOf::<T>::from(count));
		if !deposit.is_zero() {
			T::Currency::hold(&HoldReason::PreCommitDeposit.into(), &who, deposit)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
		}
		PreCommits::<T>::insert(
			&who,
			batch,
			PreCommitBatch {
				first_sector_no: first_sector,
				sectors,
				precommitted_at: now,
				seal_block,
				deadline,
				deposit,
			},
		);
		OpenPreCommits::<T>::insert(&who, open.saturating_add(1));
		NextBatchNo::<T>::insert(&who, batch.saturating_add(1));
		NextSectorNo::<T>::insert(&who, first_sector.saturating_add(u64::from(count)));
		info.sectors_reserved = reserved;
		Miners::<T>::insert(&who, info);
		Self::deposit_event(Event::SectorsPreCommitted {
			miner: who,
			batch,
			first_sector,
			count,
			deposit,
			seal_block,
			deadline,
		});
		Ok(())
	}

	/// The error of a seal proof that failed verification.
	pub(crate) fn seal_error(e: SdrError) -> Error<T> {
		match e {
			SdrError::InvalidParams => Error::<T>::InvalidSealParams,
			SdrError::OpeningCount { .. } => Error::<T>::SealProofOpeningCount,
			SdrError::ChallengeOutOfRange { .. }
			| SdrError::ColumnCount { .. }
			| SdrError::ColumnLayers { .. }
			| SdrError::DataPresence { .. } => Error::<T>::SealProofMalformed,
			SdrError::ColumnNotCommitted { .. } => Error::<T>::SealColumnNotCommitted,
			SdrError::LabelMismatch { .. } => Error::<T>::SealLabelMismatch,
			SdrError::ReplicaNotCommitted { .. }
			| SdrError::DataNotCommitted { .. }
			| SdrError::ReplicaMismatch { .. } => Error::<T>::SealReplicaMismatch,
		}
	}

	/// Verifies and applies a prove-commit; returns the batch size (for the weight).
	pub(crate) fn do_prove_commit_sectors(
		who: T::AccountId,
		batch: u64,
		proof: SealProof,
	) -> Result<u32, DispatchError> {
		let pc = PreCommits::<T>::get(&who, batch).ok_or(Error::<T>::UnknownPreCommit)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now >= pc.seal_block, Error::<T>::SealSeedNotRevealed);
		ensure!(now < pc.deadline, Error::<T>::ProveCommitTooLate);
		let seed = Self::batch_seal_seed(&who, batch).ok_or(Error::<T>::SealSeedUnavailable)?;
		let params = T::SealParams::get();
		let count = pc.sectors.len() as u32;
		let challenges =
			seal_challenges(&params, &seed, count).map_err(|_| Error::<T>::InvalidSealParams)?;
		let publics: alloc::vec::Vec<SectorPublic> = pc
			.sectors
			.iter()
			.enumerate()
			.map(|(i, s)| SectorPublic {
				replica_id: Self::cc_replica_id(&who, pc.first_sector_no.saturating_add(i as u64)),
				comm_c: s.comm_c,
				comm_r_last: s.comm_r_last,
				comm_d: None,
			})
			.collect();
		// Room for the activations is checked before anything is written.
		let queued = SectorChanges::<T>::decode_len(&who).unwrap_or(0) as u32;
		ensure!(
			queued.saturating_add(count) <= T::MaxSectorChanges::get(),
			Error::<T>::SectorChangesFull
		);
		verify_seal(&params, &challenges, &publics, &proof).map_err(Self::seal_error)?;

		// Valid: release the deposit, record the sectors, queue their activation.
		if !pc.deposit.is_zero() {
			T::Currency::release(
				&HoldReason::PreCommitDeposit.into(),
				&who,
				pc.deposit,
				Precision::Exact,
			)?;
		}
		PreCommits::<T>::remove(&who, batch);
		OpenPreCommits::<T>::mutate(&who, |n| *n = n.saturating_sub(1));
		for (i, (public, s)) in publics.iter().zip(pc.sectors.iter()).enumerate() {
			let no = pc.first_sector_no.saturating_add(i as u64);
			Sectors::<T>::insert(
				&who,
				no,
				SectorInfo {
					replica_id: public.replica_id,
					comm_c: s.comm_c,
					comm_r_last: s.comm_r_last,
					comm_d: None,
					params_id: params.params_id,
					proven_at: now,
					state: SectorState::PendingActivation,
				},
			);
		}
		Self::deposit_event(Event::SectorsProven {
			miner: who.clone(),
			batch,
			first_sector: pc.first_sector_no,
			count,
			deposit_released: pc.deposit,
		});
		let changes = (0..u64::from(count))
			.map(|i| SectorChange::Activate(pc.first_sector_no.saturating_add(i)));
		Self::queue_changes(&who, changes)?;
		Ok(count)
	}

	pub(crate) fn do_terminate_sectors(
		who: T::AccountId,
		sectors: SectorNumbersOf<T>,
	) -> DispatchResult {
		ensure!(Miners::<T>::contains_key(&who), Error::<T>::NotRegistered);
		let queued = SectorChanges::<T>::decode_len(&who).unwrap_or(0) as u32;
		ensure!(
			queued.saturating_add(sectors.len() as u32) <= T::MaxSectorChanges::get(),
			Error::<T>::SectorChangesFull
		);
		for &no in sectors.iter() {
			Sectors::<T>::try_mutate(&who, no, |s| -> DispatchResult {
				let sector = s.as_mut().ok_or(Error::<T>::SectorNotActive)?;
				match sector.state {
					SectorState::Active { index } => {
						sector.state = SectorState::Terminating { index };
						Ok(())
					}
					_ => Err(Error::<T>::SectorNotActive.into()),
				}
			})?;
		}
		Self::deposit_event(Event::SectorTerminationQueued {
			miner: who.clone(),
			sectors: sectors.clone(),
		});
		Self::queue_changes(&who, sectors.iter().map(|&no| SectorChange::Terminate(no)))
	}
}

impl<T: Config> SectorsInspect<T::AccountId> for Pallet<T> {
	fn seal_params() -> cess_storage_proof::sdr::SdrParams {
		T::SealParams::get()
	}

	fn active_sector_count(who: &T::AccountId) -> u32 {
		ActiveSectorCount::<T>::get(who)
	}

	fn active_sector(who: &T::AccountId, index: u32) -> Option<u64> {
		ActiveSectors::<T>::get(who, index)
	}

	fn sector_public(who: &T::AccountId, sector_no: u64) -> Option<SectorPublic> {
		Sectors::<T>::get(who, sector_no).map(|s| SectorPublic {
			replica_id: s.replica_id,
			comm_c: s.comm_c,
			comm_r_last: s.comm_r_last,
			comm_d: s.comm_d,
		})
	}
}

impl<T: Config> SectorsMutate<T::AccountId> for Pallet<T> {
	fn apply_sector_changes(who: &T::AccountId, limit: u32) -> u32 {
		Self::apply_changes(who, limit)
	}

	fn sector_change_weight() -> frame_support::weights::Weight {
		T::WeightInfo::apply_sector_change()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_active_sector(
		who: &T::AccountId,
		sector_no: u64,
		public: SectorPublic,
	) -> DispatchResult {
		let mut info = Miners::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
		Sectors::<T>::insert(
			who,
			sector_no,
			SectorInfo {
				replica_id: public.replica_id,
				comm_c: public.comm_c,
				comm_r_last: public.comm_r_last,
				comm_d: public.comm_d,
				params_id: T::SealParams::get().params_id,
				proven_at: frame_system::Pallet::<T>::block_number(),
				state: SectorState::PendingActivation,
			},
		);
		info.sectors_reserved = info.sectors_reserved.saturating_add(1);
		Miners::<T>::insert(who, info);
		SectorChanges::<T>::try_mutate(who, |q| q.try_push(SectorChange::Activate(sector_no)))
			.map_err(|_| Error::<T>::SectorChangesFull)?;
		Self::apply_changes(who, 1);
		NextSectorNo::<T>::mutate(who, |n| *n = (*n).max(sector_no.saturating_add(1)));
		Ok(())
	}
}
