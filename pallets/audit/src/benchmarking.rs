//! Benchmarks of `pallet-audit` (frame-benchmarking v2).
//!
//! `settle_miner` is the worst case of one sweep step: a rewarded miner with a challenged
//! service part misses its fifth consecutive proof, is slashed `SlashLimit` and banned.
//!
//! `submit_proof` verifies a real proof at the default `Params` (4 fillers × 2 leaves with
//! 64 sequential hashes each, 8 fragments × 2 leaves, filler-set paths 27 deep: the largest
//! proof the chain asks for) from [`crate::benchmark_fixture`]; the miner is set up by
//! `T::BenchmarkHelper`. It also settles the caller's missed previous round in the call
//! (a `SlashLimit` slash), the heaviest thing the call can do besides verifying.
//!
//! `submit_seal_audit` answers a seal audit at the configured SDR parameters with a sparse
//! fixture (`sdr::sparse_seal_proof`) whose last challenged node is forged: every opening is
//! verified and the answer is fraud (all collateral slashed, the ban), its worst case.
//! `seal_audit_step` is the sweep's seal-audit part in its worst case: the third missed
//! deadline, i.e. fraud.
//!
//! The hook steps: `open_round`, `enrol_miner` (a new `Positive` candidate enrolled),
//! `prune_entry` (the last power record of a pruned cycle, which finishes the pruning) and
//! `on_initialize_base` (the fixed part of the hook in its worst case: an empty roster whose
//! round settles, closing a cycle, scheduling and finishing a pruning).

use super::*;
use crate::benchmark_fixture::{
	fixture_for, FIXTURE_FILLERS, FIXTURE_FRAGMENTS, FIXTURE_ROUND, FIXTURE_SEED,
};
use cess_traits::{MinerInspect, MinerMutate};
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{traits::One, Saturating};

/// A `Positive`, enrolled miner with an open seal audit of sector 0 (the sector itself is
/// created by the caller, matching its fixture).
fn seal_audited<T: Config>() -> Result<T::AccountId, BenchmarkError> {
	let miner: T::AccountId = account("miner", 0, 0);
	T::Miners::benchmark_positive_miner(&miner, 1024)
		.map_err(|_| BenchmarkError::Stop("miner setup"))?;
	let now = frame_system::Pallet::<T>::block_number();
	Pallet::<T>::open_round(0, now);
	if !Pallet::<T>::enrol(&miner) {
		return Err(BenchmarkError::Stop("enrol"));
	}
	SealAudits::<T>::insert(
		&miner,
		SealAudit {
			cycle: 0,
			sector: 0,
			seed: [3; 32],
			issued_at: now,
			deadline: now.saturating_add(T::SealAuditWindow::get()),
			misses: 0,
			open: true,
		},
	);
	Ok(miner)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_deadline() -> Result<(), BenchmarkError> {
		let blocks: BlockNumberFor<T> = One::one();

		#[extrinsic_call]
		_(RawOrigin::Root, blocks);

		assert_eq!(ProofDeadline::<T>::get(), blocks);
		Ok(())
	}

	#[benchmark]
	fn settle_miner() -> Result<(), BenchmarkError> {
		let miner: T::AccountId = account("miner", 0, 0);
		T::Miners::benchmark_positive_miner(&miner, 1024)
			.map_err(|_| BenchmarkError::Stop("miner setup"))?;
		Pallet::<T>::open_round(0, frame_system::Pallet::<T>::block_number());
		if !Pallet::<T>::enrol(&miner) {
			return Err(BenchmarkError::Stop("enrol"));
		}
		let mut audit = Audits::<T>::get(&miner).ok_or(BenchmarkError::Stop("record"))?;
		let snapshot = Snapshot {
			taken_in: 0,
			filler_commitment: [0u8; 32],
			filler_count: 1,
			fragment_count: 1,
			idle: 1 << 30,
			service: 1 << 30,
		};
		audit.current = snapshot;
		audit.previous = snapshot;
		audit.rewarded = true;
		audit.service_misses = BAN_AFTER_MISSES - 1;
		Audits::<T>::insert(&miner, audit);
		let now = frame_system::Pallet::<T>::block_number();
		CurrentRound::<T>::put(RoundInfo {
			index: 1,
			start: now,
			seed: [0u8; 32],
			deadline: now,
			window: One::one(),
		});
		ActiveSweep::<T>::put(Sweep { round: 1, cursor: 0 });

		#[block]
		{
			Pallet::<T>::sweep_step(now, 1);
		}

		assert_eq!(T::Miners::state(&miner), Some(cess_traits::MinerState::Banned));
		assert_eq!(RosterLen::<T>::get(), 0);
		assert_eq!(LastSettledRound::<T>::get(), Some(1));
		let _ = T::SettlePerBlock::get();
		Ok(())
	}

	#[benchmark]
	fn submit_proof() -> Result<(), BenchmarkError> {
		let miner: T::AccountId = account("miner", 0, 0);
		let fixture = fixture_for(&Pallet::<T>::account_bytes(&miner))
			.ok_or(BenchmarkError::Stop("no fixture for this AccountId encoding"))?;
		T::BenchmarkHelper::setup_miner(
			&miner,
			fixture.filler_commitment,
			FIXTURE_FILLERS,
			FIXTURE_FRAGMENTS,
			fixture.fragment_roots.clone(),
		)
		.map_err(BenchmarkError::Stop)?;
		if T::ProofParams::get() != fixture.params {
			return Err(BenchmarkError::Stop("ProofParams differ from the fixture's (default)"));
		}
		let now = frame_system::Pallet::<T>::block_number();
		Pallet::<T>::open_round(0, now);
		if !Pallet::<T>::enrol(&miner) {
			return Err(BenchmarkError::Stop("enrol"));
		}
		// Rewarded before, so the unswept miss of the previous round costs `SlashLimit`.
		Audits::<T>::mutate(&miner, |a| {
			if let Some(a) = a {
				a.rewarded = true;
			}
		});
		CurrentRound::<T>::put(RoundInfo {
			index: FIXTURE_ROUND,
			start: now,
			seed: FIXTURE_SEED,
			deadline: now.saturating_add(Pallet::<T>::effective_deadline()),
			// The whole deadline: the miner's challenge block is `now`, whose seed is the
			// fixture's.
			window: Pallet::<T>::effective_deadline(),
		});
		BlockSeeds::<T>::insert(now, FIXTURE_SEED);
		let proof = fixture.proof;

		#[extrinsic_call]
		_(RawOrigin::Signed(miner.clone()), FIXTURE_ROUND, proof);

		let audit = Audits::<T>::get(&miner).ok_or(BenchmarkError::Stop("record"))?;
		assert_eq!(audit.last_proved, Some(FIXTURE_ROUND));
		assert_eq!(audit.settled_through, FIXTURE_ROUND);
		assert_eq!(audit.service_failures, 0);
		let passed = frame_system::Pallet::<T>::events().iter().any(|r| {
			let event: <T as frame_system::Config>::RuntimeEvent = Event::<T>::ProofVerified {
				miner: miner.clone(),
				round: FIXTURE_ROUND,
				idle: PartResult::Passed,
				service: PartResult::Passed,
				power: 0,
				cycle: Pallet::<T>::cycle_of(FIXTURE_ROUND),
			}
			.into();
			r.event == event
		});
		assert!(passed, "the fixture proof passes both parts");
		// The missed previous round was slashed in the call (which freezes the miner).
		assert_eq!(T::Miners::state(&miner), Some(cess_traits::MinerState::Frozen));
		Ok(())
	}

	#[benchmark]
	fn submit_seal_audit() -> Result<(), BenchmarkError> {
		use cess_storage_proof::sdr::{audit_challenges, sparse_seal_proof};
		use cess_traits::{SectorsInspect, SectorsMutate};
		let miner = seal_audited::<T>()?;
		let a = SealAudits::<T>::get(&miner).ok_or(BenchmarkError::Stop("audit"))?;
		let params = T::Sectors::seal_params();
		let ch = audit_challenges(&params, &a.seed).map_err(|_| BenchmarkError::Stop("ch"))?;
		let last = ch.last().map(|c| c.node).unwrap_or_default();
		let (public, proof) = sparse_seal_proof(&params, [5; 32], &ch, &[last])
			.ok_or(BenchmarkError::Stop("fixture"))?;
		T::Sectors::benchmark_active_sector(&miner, 0, public)
			.map_err(|_| BenchmarkError::Stop("sector"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(miner.clone()), proof);

		assert_eq!(T::Miners::state(&miner), Some(cess_traits::MinerState::Banned));
		Ok(())
	}

	#[benchmark]
	fn seal_audit_step() -> Result<(), BenchmarkError> {
		let miner = seal_audited::<T>()?;
		SealAudits::<T>::mutate(&miner, |a| {
			if let Some(a) = a {
				a.misses = crate::seal_audit::SEAL_MISSES_FRAUD - 1;
			}
		});
		let a = SealAudits::<T>::get(&miner).ok_or(BenchmarkError::Stop("audit"))?;
		let audit = Audits::<T>::get(&miner).ok_or(BenchmarkError::Stop("record"))?;

		#[block]
		{
			Pallet::<T>::seal_audit_step(&miner, a.deadline, 0, &audit);
		}

		assert_eq!(T::Miners::state(&miner), Some(cess_traits::MinerState::Banned));
		Ok(())
	}

	#[benchmark]
	fn open_round() -> Result<(), BenchmarkError> {
		let now = frame_system::Pallet::<T>::block_number();
		Pallet::<T>::open_round(0, now);

		#[block]
		{
			Pallet::<T>::open_round(1, now);
		}

		assert_eq!(CurrentRound::<T>::get().map(|r| r.index), Some(1));
		Ok(())
	}

	#[benchmark]
	fn enrol_miner() -> Result<(), BenchmarkError> {
		let miner: T::AccountId = account("miner", 0, 0);
		T::Miners::benchmark_positive_miner(&miner, 1024)
			.map_err(|_| BenchmarkError::Stop("miner setup"))?;
		Pallet::<T>::open_round(0, frame_system::Pallet::<T>::block_number());

		#[block]
		{
			Pallet::<T>::enrol_step(1);
		}

		assert_eq!(RosterLen::<T>::get(), 1);
		assert!(Audits::<T>::contains_key(&miner));
		Ok(())
	}

	#[benchmark]
	fn prune_entry() -> Result<(), BenchmarkError> {
		let miner: T::AccountId = account("miner", 0, 0);
		MinerPower::<T>::insert(0, &miner, 1);
		CyclePower::<T>::insert(0, 1);
		PruningCycle::<T>::put(0);

		#[block]
		{
			Pallet::<T>::prune_step(1);
		}

		assert!(!MinerPower::<T>::contains_key(0, &miner));
		assert_eq!(PruningCycle::<T>::get(), None);
		Ok(())
	}

	#[benchmark]
	fn on_initialize_base() -> Result<(), BenchmarkError> {
		// Round `p·k + k - 1` (the last of cycle `p`, `k = RoundsPerCycle`, `p = PowerHistory`)
		// is due for settling with an empty roster: the hook settles it, finishes the cycle,
		// schedules the pruning of cycle 0 (empty) and finishes that too, in this one block.
		let per_cycle = T::RoundsPerCycle::get();
		let last = T::PowerHistory::get().saturating_add(1).saturating_mul(per_cycle) - 1;
		let now = frame_system::Pallet::<T>::block_number();
		CurrentRound::<T>::put(RoundInfo {
			index: last + 1,
			start: now,
			seed: [0u8; 32],
			deadline: now,
			window: One::one(),
		});
		LastSettledRound::<T>::put(last - 1);

		#[block]
		{
			Pallet::<T>::do_on_initialize(now);
		}

		assert_eq!(LastSettledRound::<T>::get(), Some(last));
		assert_eq!(FinishedCycle::<T>::get(), Some(T::PowerHistory::get()));
		assert_eq!(PruningCycle::<T>::get(), None);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);

	/// Native timing of the benchmarks: the source of the figures in `weights.rs`.
	/// `SKIP_WASM_BUILD=1 cargo test --release -p pallet-audit --features runtime-benchmarks
	/// -- --ignored --nocapture measure_weights`
	#[cfg(test)]
	mod timing {
		use super::*;
		use crate::mock::{new_test_ext, Test};
		use frame_benchmarking::BenchmarkingSetup;

		const REPEATS: usize = 101;

		fn median(benchmark: SelectedBenchmark) -> u128 {
			let samples: Vec<u128> = (0..REPEATS)
				.map(|_| {
					new_test_ext().execute_with(|| {
						frame_system::Pallet::<Test>::set_block_number(1);
						let mut timer = cess_bench_timing::Timer::default();
						<SelectedBenchmark as BenchmarkingSetup<Test>>::instance(
							&benchmark,
							&mut timer,
							&[],
							true,
						)
						.expect("benchmark runs");
						timer.elapsed_ns()
					})
				})
				.collect();
			cess_bench_timing::median(samples)
		}

		#[test]
		#[ignore = "timing run"]
		fn measure_weights() {
			println!("set_deadline: median {} ns", median(SelectedBenchmark::set_deadline));
			println!("settle_miner: median {} ns", median(SelectedBenchmark::settle_miner));
			println!("submit_proof: median {} ns", median(SelectedBenchmark::submit_proof));
			println!("open_round: median {} ns", median(SelectedBenchmark::open_round));
			println!("enrol_miner: median {} ns", median(SelectedBenchmark::enrol_miner));
			println!("prune_entry: median {} ns", median(SelectedBenchmark::prune_entry));
			println!(
				"submit_seal_audit: median {} ns",
				median(SelectedBenchmark::submit_seal_audit)
			);
			println!("seal_audit_step: median {} ns", median(SelectedBenchmark::seal_audit_step));
			println!(
				"on_initialize_base: median {} ns",
				median(SelectedBenchmark::on_initialize_base)
			);
		}
	}
}
