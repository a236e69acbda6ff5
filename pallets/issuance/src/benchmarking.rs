//! Benchmarks of `pallet-issuance` (frame-benchmarking v2).

use super::*;
use frame_benchmarking::v2::*;
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
}

