//! Benchmarks of `pallet-issuance` (frame-benchmarking v2).

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;
use sp_runtime::Perbill;

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_split() -> Result<(), BenchmarkError> {
		let origin =
			T::SplitOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let split = IssuanceSplit {
			validators: Perbill::from_percent(40),
			storage_miners: Perbill::from_percent(50),
			cdn: Perbill::from_percent(10),
		};

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, split);

		assert_eq!(Split::<T>::get(), split);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);

	/// Native timing of the benchmarks: the source of the figures in `weights.rs`.
	/// `SKIP_WASM_BUILD=1 cargo test --release -p pallet-issuance --features runtime-benchmarks
	/// -- --ignored --nocapture measure_weights`
	#[cfg(test)]
	mod timing {
		use super::*;
		use crate::mock::{new_test_ext, Test};
		use frame_benchmarking::BenchmarkingSetup;

		const REPEATS: usize = 101;

		#[test]
		#[ignore = "timing run"]
		fn measure_weights() {
			let samples: Vec<u128> = (0..REPEATS)
				.map(|_| {
					new_test_ext().execute_with(|| {
						let mut timer = cess_bench_timing::Timer::default();
						<SelectedBenchmark as BenchmarkingSetup<Test>>::instance(
							&SelectedBenchmark::set_split,
							&mut timer,
							&[],
							true,
						)
						.expect("benchmark runs");
						timer.elapsed_ns()
					})
				})
				.collect();
			println!(
				"set_split: median {} ns over {REPEATS} runs",
				cess_bench_timing::median(samples)
			);
		}
	}
}
