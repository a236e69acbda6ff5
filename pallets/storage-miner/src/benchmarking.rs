//! Benchmarks (frame-benchmarking v2), each in its worst case:
//!
//! - state changes that touch the candidate list remove a miner that is *not* the last
//!   candidate, so the swap-remove also rewrites the moved miner's record;
//! - `increase_collateral` repays debt (a transfer to the treasury), holds the rest and
//!   unfreezes the miner (candidate insert);
//! - `change_declared_space` freezes a `Positive` miner; `commit_idle` activates one;
//! - `prepare_exit` also calls `OnLeave` (the file market queues a task).
//!
//! - `claim_rewards` runs at the maximum number of live orders: 89 orders of 89 consecutive
//!   block days each pay a step, and `MAX_PENDING_CYCLES` snapshot cycles with pending power
//!   (each closing its record) plus banked shares become the 90th order (a withdrawn account's
//!   debt payment — a second transfer and `Debts` — is added in `weights.rs`);
//! - `rewards_hook` snapshots a finished cycle;
//! - `evict` removes a `Positive` miner that is not the last candidate;
//! - `note_power` folds `MAX_PENDING_CYCLES − 1` snapshot cycles, each closing its record, and
//!   opens a new one.
//!
//! - `precommit_sectors` pre-commits `n` sectors into a deadline block whose expiry queue is
//!   one short of full; `prove_commit_sectors` proves `n` sectors of a miner the audit has not
//!   enrolled (so the activations run in the call) with a sparse fixture answering the
//!   challenges of a chosen seal seed (`sdr::sparse_seal_proof`: the verifier's full work at
//!   the configured parameters, commitments written after the draw — benchmarks only);
//!   `terminate_sectors` queues `n` terminations of an unenrolled miner (applied at once,
//!   swap-removing); `expire_precommit` forfeits a full batch; `apply_sector_change`
//!   terminates a sector that is not the last of the active list.
//!
//! `measure` (tests only) times every benchmark natively; see `weights.rs`.

use super::*;
use crate::Pallet as StorageMiner;
use cess_traits::StoragePowerInspect;
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Mutate},
	Get,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::traits::{Bounded, Saturating};

/// 1 TiB: the declaration of the benchmark miners.
const ONE_TIB: u32 = 1;

fn big<T: Config>() -> BalanceOf<T> {
	BalanceOf::<T>::max_value() / BalanceOf::<T>::from(1_000_000u32)
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, big::<T>());
	who
}

fn endpoint<T: Config>() -> Result<EndpointOf<T>, BenchmarkError> {
	EndpointOf::<T>::try_from(alloc::vec![b'x'; T::MaxEndpointLen::get() as usize])
		.map_err(|_| BenchmarkError::Stop("endpoint"))
}

fn registered<T: Config>(name: &'static str, index: u32) -> Result<T::AccountId, BenchmarkError> {
	let who = funded::<T>(name, index);
	StorageMiner::<T>::do_register(
		who.clone(),
		who.clone(),
		endpoint::<T>()?,
		ONE_TIB,
		StorageMiner::<T>::collateral_requirement(ONE_TIB),
	)?;
	Ok(who)
}

fn positive<T: Config>(name: &'static str, index: u32) -> Result<T::AccountId, BenchmarkError> {
	let who = registered::<T>(name, index)?;
	StorageMiner::<T>::do_commit_idle(who.clone(), [1u8; 32], 1)?;
	Ok(who)
}

/// A `Positive` miner with `RELEASE_STEPS − 1` live orders (one per block day, days
/// `1 ..= 89`), banked shares and `MAX_PENDING_CYCLES` snapshot cycles with pending power; the
/// block is the first of day 90, when every order still has a step to pay.
fn rewarded<T: Config>() -> Result<T::AccountId, BenchmarkError> {
	let who = positive::<T>("miner", 0)?;
	let pool = T::RewardPool::get();
	let per_cycle = big::<T>() / BalanceOf::<T>::from(1_000u32);
	T::Currency::set_balance(&pool, T::Currency::minimum_balance());
	let day = T::BlockDay::get();
	let mut cycle: CycleIndex = 0;
	let add_cycle = |cycle: &mut CycleIndex| -> Result<(), BenchmarkError> {
		T::Currency::mint_into(&pool, per_cycle)?;
		StorageMiner::<T>::do_note_power(&who, *cycle, 1_000_000);
		T::Power::benchmark_credit(*cycle, &who, 1_000_000);
		let _ = StorageMiner::<T>::snapshot_step();
		if !RewardCycles::<T>::contains_key(*cycle) {
			return Err(BenchmarkError::Stop("cycle reward not snapshot"));
		}
		*cycle = cycle.saturating_add(1);
		Ok(())
	};
	for d in 1..RELEASE_STEPS {
		frame_system::Pallet::<T>::set_block_number(day.saturating_mul(d.into()));
		add_cycle(&mut cycle)?;
		StorageMiner::<T>::do_claim_rewards(who.clone())?;
	}
	// Banked shares (the first cycle folded by the next credit), then 4 pending cycles
	// credited before any of them is snapshot, then snapshot.
	add_cycle(&mut cycle)?;
	let first = cycle;
	for c in first..first.saturating_add(MAX_PENDING_CYCLES) {
		T::Currency::mint_into(&pool, per_cycle)?;
		StorageMiner::<T>::do_note_power(&who, c, 1_000_000);
	}
	for c in first..first.saturating_add(MAX_PENDING_CYCLES) {
		T::Power::benchmark_credit(c, &who, 1_000_000);
		let _ = StorageMiner::<T>::snapshot_step();
	}
	frame_system::Pallet::<T>::set_block_number(day.saturating_mul(RELEASE_STEPS.into()));
	Ok(who)
}

/// `who` is the first of two candidates, so removing it moves the other.
fn first_of_two<T: Config>() -> Result<T::AccountId, BenchmarkError> {
	let who = positive::<T>("miner", 0)?;
	positive::<T>("miner", 1)?;
	Ok(who)
}

/// `n` pre-commit entries with distinct placeholder commitments.
fn precommit_entries<T: Config>(n: u32) -> Result<PreCommitSectorsOf<T>, BenchmarkError> {
	(0..n)
		.map(|i| {
			let mut c = [0u8; 32];
			c[..4].copy_from_slice(&i.to_le_bytes());
			PreCommitSector { comm_c: c, comm_r_last: c }
		})
		.collect::<alloc::vec::Vec<_>>()
		.try_into()
		.map_err(|_| BenchmarkError::Stop("batch bound"))
}

/// Fills the expiry queue of `block` with `count` entries of other accounts.
fn fill_expiries<T: Config>(block: BlockNumberFor<T>, count: u32) -> Result<(), BenchmarkError> {
	for i in 0..count {
		let other: T::AccountId = account("other", i, 0);
		PreCommitExpiries::<T>::try_mutate(block, |q| q.try_push((other, 0)))
			.map_err(|_| BenchmarkError::Stop("expiry bound"))?;
	}
	Ok(())
}

/// Moves to `who`'s batch's seal block with a chosen seed and answers its challenges with a
/// sparse fixture per challenged sector, writing the fixture's commitments into the batch.
fn sparse_batch_proof<T: Config>(
	who: &T::AccountId,
	batch: u64,
) -> Result<cess_storage_proof::sdr::SealProof, BenchmarkError> {
	use cess_storage_proof::sdr::{seal_challenges, seal_seed, sparse_seal_proof, SealProof};
	let mut pc = PreCommits::<T>::get(who, batch).ok_or(BenchmarkError::Stop("batch"))?;
	frame_system::Pallet::<T>::set_block_number(pc.seal_block);
	let block_seed = [7u8; 32];
	T::SealAudit::benchmark_set_seed(pc.seal_block, block_seed);
	let params = T::SealParams::get();
	let sigma = seal_seed(&block_seed, &StorageMiner::<T>::account_bytes(who), batch);
	let challenges = seal_challenges(&params, &sigma, pc.sectors.len() as u32)
		.map_err(|_| BenchmarkError::Stop("challenges"))?;
	let mut openings: alloc::vec::Vec<Option<cess_storage_proof::sdr::SealOpening>> =
		alloc::vec![None; challenges.len()];
	let sectors: alloc::collections::BTreeSet<u32> = challenges.iter().map(|c| c.sector).collect();
	for s in sectors {
		let idx: alloc::vec::Vec<usize> =
			(0..challenges.len()).filter(|&i| challenges[i].sector == s).collect();
		let mine: alloc::vec::Vec<_> = idx.iter().map(|&i| challenges[i]).collect();
		let id = StorageMiner::<T>::cc_replica_id(who, pc.first_sector_no + u64::from(s));
		let (public, proof) =
			sparse_seal_proof(&params, id, &mine, &[]).ok_or(BenchmarkError::Stop("fixture"))?;
		if let Some(entry) = pc.sectors.get_mut(s as usize) {
			*entry = PreCommitSector { comm_c: public.comm_c, comm_r_last: public.comm_r_last };
		}
		for (&i, op) in idx.iter().zip(proof.openings.into_inner()) {
			openings[i] = Some(op);
		}
	}
	PreCommits::<T>::insert(who, batch, pc);
	let openings: alloc::vec::Vec<_> = openings.into_iter().flatten().collect();
	Ok(SealProof { openings: openings.try_into().map_err(|_| BenchmarkError::Stop("bound"))? })
}

/// Gives `who` `n` active sectors numbered `0..n` (the miner is not enrolled in the mock).
fn active_sectors<T: Config>(who: &T::AccountId, n: u32) -> Result<(), BenchmarkError> {
	use cess_traits::SectorsMutate;
	for no in 0..u64::from(n) {
		let public = cess_storage_proof::sdr::SectorPublic {
			replica_id: [1; 32],
			comm_c: [2; 32],
			comm_r_last: [3; 32],
			comm_d: None,
		};
		StorageMiner::<T>::benchmark_active_sector(who, no, public)?;
	}
	Ok(())
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register() -> Result<(), BenchmarkError> {
		let who = funded::<T>("miner", 0);
		let declared = T::MaxDeclaredTib::get();
		let collateral = StorageMiner::<T>::collateral_requirement(declared);
		T::Currency::set_balance(
			&who,
			collateral.saturating_add(T::Currency::minimum_balance().saturating_mul(2u32.into())),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), who.clone(), endpoint::<T>()?, declared, collateral);

		assert!(Miners::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn increase_collateral() -> Result<(), BenchmarkError> {
		let who = first_of_two::<T>()?;
		let requirement = StorageMiner::<T>::collateral_requirement(ONE_TIB);
		// All collateral slashed plus a debt of one requirement.
		StorageMiner::<T>::do_punish(&who, requirement.saturating_add(requirement))?;
		let amount = requirement.saturating_add(requirement);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);

		let info = Miners::<T>::get(&who).ok_or(BenchmarkError::Stop("miner"))?;
		assert_eq!(info.state, MinerState::Positive);
		Ok(())
	}

	#[benchmark]
	fn change_declared_space() -> Result<(), BenchmarkError> {
		let who = first_of_two::<T>()?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), ONE_TIB.saturating_add(1));

		let info = Miners::<T>::get(&who).ok_or(BenchmarkError::Stop("miner"))?;
		assert_eq!(info.state, MinerState::Frozen);
		Ok(())
	}

	#[benchmark]
	fn update_endpoint() -> Result<(), BenchmarkError> {
		let who = registered::<T>("miner", 0)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), endpoint::<T>()?);

		Ok(())
	}

	#[benchmark]
	fn update_beneficiary() -> Result<(), BenchmarkError> {
		let who = registered::<T>("miner", 0)?;
		let beneficiary: T::AccountId = account("beneficiary", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), beneficiary.clone());

		let info = Miners::<T>::get(&who).ok_or(BenchmarkError::Stop("miner"))?;
		assert_eq!(info.beneficiary, beneficiary);
		Ok(())
	}

	#[benchmark]
	fn commit_idle() -> Result<(), BenchmarkError> {
		let who = registered::<T>("miner", 0)?;
		let fillers = u64::from(ONE_TIB).saturating_mul(TIB) / T::FillerSize::get().max(1);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), [7u8; 32], fillers);

		let info = Miners::<T>::get(&who).ok_or(BenchmarkError::Stop("miner"))?;
		assert_eq!(info.state, MinerState::Positive);
		Ok(())
	}

	#[benchmark]
	fn prepare_exit() -> Result<(), BenchmarkError> {
		let who = first_of_two::<T>()?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		let info = Miners::<T>::get(&who).ok_or(BenchmarkError::Stop("miner"))?;
		assert_eq!(info.state, MinerState::Exiting);
		Ok(())
	}

	#[benchmark]
	fn withdraw() -> Result<(), BenchmarkError> {
		let who = positive::<T>("miner", 0)?;
		StorageMiner::<T>::do_prepare_exit(who.clone())?;
		let at = frame_system::Pallet::<T>::block_number().saturating_add(T::ExitCooldown::get());
		frame_system::Pallet::<T>::set_block_number(at);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Miners::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn claim_rewards() -> Result<(), BenchmarkError> {
		let who = rewarded::<T>()?;
		let rewards = Rewards::<T>::get(&who).ok_or(BenchmarkError::Stop("rewards"))?;
		assert_eq!(rewards.orders.len(), (RELEASE_STEPS - 1) as usize);
		assert_eq!(rewards.pending.len(), MAX_PENDING_CYCLES as usize);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		let rewards = Rewards::<T>::get(&who).ok_or(BenchmarkError::Stop("rewards"))?;
		assert_eq!(rewards.orders.len(), RELEASE_STEPS as usize);
		assert!(rewards.pending.is_empty());
		Ok(())
	}

	#[benchmark]
	fn evict() -> Result<(), BenchmarkError> {
		let who = first_of_two::<T>()?;
		let by = funded::<T>("caller", 0);
		let at = frame_system::Pallet::<T>::block_number().saturating_add(T::ProveWithin::get());
		frame_system::Pallet::<T>::set_block_number(at);

		#[extrinsic_call]
		_(RawOrigin::Signed(by), who.clone());

		assert!(!Miners::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn note_power() -> Result<(), BenchmarkError> {
		let who = positive::<T>("miner", 0)?;
		T::Currency::set_balance(&T::RewardPool::get(), big::<T>());
		let pending = MAX_PENDING_CYCLES.saturating_sub(1);
		for c in 0..pending {
			StorageMiner::<T>::do_note_power(&who, c, 1_000_000);
		}
		for c in 0..pending {
			T::Power::benchmark_credit(c, &who, 1_000_000);
			let _ = StorageMiner::<T>::snapshot_step();
		}

		#[block]
		{
			StorageMiner::<T>::do_note_power(&who, pending, 1_000_000);
		}

		let rewards = Rewards::<T>::get(&who).ok_or(BenchmarkError::Stop("rewards"))?;
		assert_eq!(rewards.pending.len(), 1);
		assert_eq!(RewardCycles::<T>::iter().count(), 1);
		Ok(())
	}

	#[benchmark]
	fn rewards_hook() -> Result<(), BenchmarkError> {
		let who = positive::<T>("miner", 0)?;
		T::Currency::set_balance(&T::RewardPool::get(), big::<T>());
		StorageMiner::<T>::do_note_power(&who, 0, 1_000_000);
		T::Power::benchmark_credit(0, &who, 1_000_000);

		#[block]
		{
			StorageMiner::<T>::rewards_hook();
		}

		assert!(RewardCycles::<T>::contains_key(0));
		Ok(())
	}

	#[benchmark]
	fn precommit_sectors(
		n: Linear<1, { T::MaxPreCommitBatch::get() }>,
	) -> Result<(), BenchmarkError> {
		let who = registered::<T>("miner", 0)?;
		let now = frame_system::Pallet::<T>::block_number();
		let deadline =
			now.saturating_add(T::SealDelay::get()).saturating_add(T::ProveCommitWindow::get());
		fill_expiries::<T>(deadline, T::MaxExpiriesPerBlock::get().saturating_sub(1))?;
		let sectors = precommit_entries::<T>(n)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 0, sectors);

		assert!(PreCommits::<T>::contains_key(&who, 0));
		Ok(())
	}

	#[benchmark]
	fn prove_commit_sectors(
		n: Linear<1, { T::MaxPreCommitBatch::get() }>,
	) -> Result<(), BenchmarkError> {
		let who = registered::<T>("miner", 0)?;
		StorageMiner::<T>::do_precommit_sectors(who.clone(), 0, precommit_entries::<T>(n)?)?;
		let proof = sparse_batch_proof::<T>(&who, 0)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 0, proof);

		assert_eq!(ActiveSectorCount::<T>::get(&who), n);
		Ok(())
	}

	#[benchmark]
	fn terminate_sectors(
		n: Linear<1, { T::MaxPreCommitBatch::get() }>,
	) -> Result<(), BenchmarkError> {
		let who = registered::<T>("miner", 0)?;
		let total = T::MaxPreCommitBatch::get();
		active_sectors::<T>(&who, total)?;
		let nos: SectorNumbersOf<T> = (0..u64::from(n))
			.collect::<alloc::vec::Vec<_>>()
			.try_into()
			.map_err(|_| BenchmarkError::Stop("bound"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), nos);

		assert_eq!(ActiveSectorCount::<T>::get(&who), total - n);
		Ok(())
	}

	#[benchmark]
	fn expire_precommit() -> Result<(), BenchmarkError> {
		let who = registered::<T>("miner", 0)?;
		let entries = precommit_entries::<T>(T::MaxPreCommitBatch::get())?;
		StorageMiner::<T>::do_precommit_sectors(who.clone(), 0, entries)?;
		let deadline = PreCommits::<T>::get(&who, 0).ok_or(BenchmarkError::Stop("batch"))?.deadline;

		#[block]
		{
			StorageMiner::<T>::expire_precommits(deadline);
		}

		assert!(!PreCommits::<T>::contains_key(&who, 0));
		Ok(())
	}

	#[benchmark]
	fn apply_sector_change() -> Result<(), BenchmarkError> {
		let who = registered::<T>("miner", 0)?;
		active_sectors::<T>(&who, 2)?;
		Sectors::<T>::mutate(&who, 0, |s| {
			if let Some(s) = s {
				s.state = SectorState::Terminating { index: 0 };
			}
		});
		SectorChanges::<T>::try_mutate(&who, |q| q.try_push(SectorChange::Terminate(0)))
			.map_err(|_| BenchmarkError::Stop("queue"))?;

		#[block]
		{
			StorageMiner::<T>::apply_changes(&who, 1);
		}

		assert_eq!(ActiveSectors::<T>::get(&who, 0), Some(1));
		Ok(())
	}

	impl_benchmark_test_suite!(StorageMiner, crate::mock::new_test_ext(), crate::mock::Test);

	/// Native timing of every benchmark (the node's benchmark CLI is not available):
	///
	/// ```text
	/// cargo test --release -p pallet-storage-miner --features runtime-benchmarks -- \
	///     --ignored measure_weights --nocapture
	/// ```
	///
	/// Each benchmark's setup runs in a fresh mock externality, then only the extrinsic is
	/// timed through the benchmark's `Recording` hooks; the median of `REPEATS` runs is
	/// printed in nanoseconds.
	#[cfg(test)]
	mod measure {
		use super::*;
		use crate::mock::{new_test_ext, Test};

		const REPEATS: usize = 25;

		fn median_ns(bench: &SelectedBenchmark, components: &[(BenchmarkParameter, u32)]) -> u128 {
			let samples: Vec<u128> = (0..REPEATS)
				.map(|_| {
					new_test_ext().execute_with(|| {
						let mut timer = cess_bench_timing::Timer::default();
						<SelectedBenchmark as BenchmarkingSetup<Test>>::instance(
							bench, &mut timer, components, true,
						)
						.expect("benchmark runs");
						timer.elapsed_ns()
					})
				})
				.collect();
			cess_bench_timing::median(samples)
		}

		#[test]
		#[ignore = "timing run; see the module docs"]
		fn measure_weights() {
			let all: [(&str, SelectedBenchmark); 17] = [
				("register", SelectedBenchmark::register),
				("increase_collateral", SelectedBenchmark::increase_collateral),
				("change_declared_space", SelectedBenchmark::change_declared_space),
				("update_endpoint", SelectedBenchmark::update_endpoint),
				("update_beneficiary", SelectedBenchmark::update_beneficiary),
				("commit_idle", SelectedBenchmark::commit_idle),
				("prepare_exit", SelectedBenchmark::prepare_exit),
				("withdraw", SelectedBenchmark::withdraw),
				("rewards_hook", SelectedBenchmark::rewards_hook),
				("claim_rewards", SelectedBenchmark::claim_rewards),
				("evict", SelectedBenchmark::evict),
				("note_power", SelectedBenchmark::note_power),
				("expire_precommit", SelectedBenchmark::expire_precommit),
				("apply_sector_change", SelectedBenchmark::apply_sector_change),
				("precommit_sectors", SelectedBenchmark::precommit_sectors),
				("prove_commit_sectors", SelectedBenchmark::prove_commit_sectors),
				("terminate_sectors", SelectedBenchmark::terminate_sectors),
			];
			let max = <crate::mock::Test as Config>::MaxPreCommitBatch::get();
			for (name, bench) in all.iter() {
				// The sector benchmarks at their largest batch (`n` = MaxPreCommitBatch).
				let components = [(BenchmarkParameter::n, max)];
				println!("{name}: {} ns", median_ns(bench, &components));
			}
		}
	}
}
