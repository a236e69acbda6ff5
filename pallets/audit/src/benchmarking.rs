//! Benchmarks of `pallet-audit` (frame-benchmarking v2).
//!
//! `settle_miner` is the worst case of one sweep step: a rewarded miner with a challenged
//! service part misses its fifth consecutive proof, is slashed `SlashLimit` and banned.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_storage_miner::StorageMinerInterface;
use sp_runtime::traits::One;

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
		CurrentRound::<T>::put(RoundInfo { index: 1, start: now, seed: [0u8; 32] });
		ActiveSweep::<T>::put(Sweep { round: 1, cursor: 0 });

		#[block]
		{
			Pallet::<T>::sweep_step(now, 1);
		}

		assert_eq!(T::Miners::state(&miner), Some(pallet_storage_miner::MinerState::Banned));
		assert_eq!(RosterLen::<T>::get(), 0);
		assert_eq!(LastSettledRound::<T>::get(), Some(1));
		let _ = T::SettlePerBlock::get();
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
		use std::time::{Duration, Instant};

		const REPEATS: usize = 101;

		#[derive(Default)]
		struct Timer {
			started: Option<Instant>,
			elapsed: Duration,
		}

		impl frame_benchmarking::Recording for Timer {
			fn start(&mut self) {
				self.started = Some(Instant::now());
			}
			fn stop(&mut self) {
				if let Some(started) = self.started.take() {
					self.elapsed = started.elapsed();
				}
			}
		}

		fn median(benchmark: SelectedBenchmark) -> u128 {
			let mut samples: Vec<u128> = (0..REPEATS)
				.map(|_| {
					new_test_ext().execute_with(|| {
						frame_system::Pallet::<Test>::set_block_number(1);
						let mut timer = Timer::default();
						<SelectedBenchmark as BenchmarkingSetup<Test>>::instance(
							&benchmark,
							&mut timer,
							&[],
							true,
						)
						.expect("benchmark runs");
						timer.elapsed.as_nanos()
					})
				})
				.collect();
			samples.sort_unstable();
			samples[REPEATS / 2]
		}

		#[test]
		#[ignore = "timing run"]
		fn measure_weights() {
			println!("set_deadline: median {} ns", median(SelectedBenchmark::set_deadline));
			println!("settle_miner: median {} ns", median(SelectedBenchmark::settle_miner));
		}
	}
}
