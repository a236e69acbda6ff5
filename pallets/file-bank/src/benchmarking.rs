//! Benchmarks (frame-benchmarking v2), each in its worst case:
//!
//! - `buy_space`/`renew_space`: the expiry lists of the first `EXPIRY_SLACK − 1` candidate
//!   blocks are full, so the lease lands in the last one (16 list reads); `renew_space` also
//!   removes the lease from a full list;
//! - `declare_file(f)`: `f` fragments (no assignment: the placement runs in the hook);
//!   `declare_coded_file(s)`: `s` segments of `MaxSegmentWidth` fragments;
//! - `on_initialize_placements(n)`: one due file of `n` single-replica fragments; the
//!   candidate list holds `MaxSelectionAttempts` miners of which only one is eligible, the
//!   others full, so probes fail before they succeed;
//! - `confirm_fragment`: the last replica of a file (the file becomes `Stored`), and it was
//!   migrating off a banned miner, so the confirmation also releases and removes the old copy
//!   (issue 15);
//! - `delete_file`: the owner has `MaxFilesPerUser` files and deletes the last one listed;
//! - `on_initialize_expiries(e)`: `e` leases end in the block;
//! - `on_initialize_steps(n)`: `n` due deadlines whose reassignment probes
//!   `MaxSelectionAttempts` miners and finds none (every candidate full): the costliest step;
//! - `on_initialize_repairs(n)`: `n` repair steps, each starting the migration of one fragment
//!   of a miner under repair whose new-holder draw probes `MaxSelectionAttempts` miners and
//!   finds none.
//!
//! `measure` (tests only) times every benchmark natively; see `weights.rs`.

use super::*;
use crate::{market::EXPIRY_SLACK, Pallet as FileBank};
use cess_traits::MinerMutate;
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, EnsureOrigin, Get, Hooks},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::traits::{Bounded, One, Saturating};

fn big<T: Config>() -> BalanceOf<T> {
	BalanceOf::<T>::max_value() / BalanceOf::<T>::from(1_000_000u32)
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, big::<T>());
	who
}

/// `f` distinct roots; `salt` makes files of the same size distinct.
fn roots<T: Config>(f: u32, salt: u32) -> Result<RootsOf<T>, BenchmarkError> {
	BoundedVec::try_from(
		(0..f)
			.map(|i| sp_io::hashing::blake2_256(&(i, salt).encode()))
			.collect::<alloc::vec::Vec<_>>(),
	)
	.map_err(|_| BenchmarkError::Stop("roots"))
}

/// Declares a file of `f` full fragments × `r` replicas and places it at once (as its
/// placement block's hook would). Returns its hash.
fn placed<T: Config>(
	who: &T::AccountId,
	f: u32,
	r: u8,
	salt: u32,
) -> Result<FileHash, BenchmarkError> {
	let size = u64::from(f).saturating_mul(T::FragmentSize::get());
	let file = FileBank::<T>::do_declare_file(
		who.clone(),
		size,
		roots::<T>(f, salt)?,
		r,
		Coding::REPLICATED,
	)?;
	let info = Files::<T>::get(file).ok_or(BenchmarkError::Stop("declared"))?;
	FileBank::<T>::place_file(file, info);
	match Files::<T>::get(file).map(|i| i.state) {
		Some(FileState::Pending) => Ok(file),
		_ => Err(BenchmarkError::Stop("placement")),
	}
}

/// A lease big enough for anything the benchmarks declare.
fn lease<T: Config>(who: &T::AccountId) -> Result<(), BenchmarkError> {
	SpacePrice::<T>::put(BalanceOf::<T>::from(1u32));
	FileBank::<T>::do_buy_space(who.clone(), 1 << 20, 100)?;
	Ok(())
}

/// Fills the expiry lists of `EXPIRY_SLACK − 1` blocks from `from` with dummy accounts.
fn fill_expiries<T: Config>(from: BlockNumberFor<T>) -> Result<(), BenchmarkError> {
	let mut block = from;
	for b in 0..EXPIRY_SLACK.saturating_sub(1) {
		let list: alloc::vec::Vec<T::AccountId> = (0..T::MaxExpiriesPerBlock::get())
			.map(|i| account("filler", b.saturating_mul(1_000).saturating_add(i), 0))
			.collect();
		let list = BoundedVec::try_from(list).map_err(|_| BenchmarkError::Stop("expiries"))?;
		LeaseExpiries::<T>::insert(block, list);
		block = block.saturating_add(One::one());
	}
	Ok(())
}

/// `eligible` Positive miners, plus full ones up to `MaxSelectionAttempts` candidates.
fn miners<T: Config>(eligible: u32) -> Result<alloc::vec::Vec<T::AccountId>, BenchmarkError> {
	let total = T::MaxSelectionAttempts::get().max(eligible);
	let mut good = alloc::vec::Vec::new();
	for i in 0..total {
		let who: T::AccountId = account("miner", i, 0);
		T::Miners::benchmark_positive_miner(&who, 1024)?;
		if i < total.saturating_sub(eligible) {
			MinerFragmentCount::<T>::insert(&who, T::MaxFragmentsPerMiner::get());
		} else {
			good.push(who);
		}
	}
	Ok(good)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_price() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let price = BalanceOf::<T>::from(42u32);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, price);

		assert_eq!(SpacePrice::<T>::get(), price);
		Ok(())
	}

	#[benchmark]
	fn buy_space() -> Result<(), BenchmarkError> {
		let who = funded::<T>("user", 0);
		let now = frame_system::Pallet::<T>::block_number();
		fill_expiries::<T>(now.saturating_add(FileBank::<T>::blocks_per_day()))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 1024, 1);

		assert!(Leases::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn expand_space() -> Result<(), BenchmarkError> {
		let who = funded::<T>("user", 0);
		lease::<T>(&who)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 1024);

		Ok(())
	}

	#[benchmark]
	fn renew_space() -> Result<(), BenchmarkError> {
		let who = funded::<T>("user", 0);
		let now = frame_system::Pallet::<T>::block_number();
		let day = FileBank::<T>::blocks_per_day();
		// The current end's list is full (the lease is its last entry).
		fill_expiries::<T>(now.saturating_add(day))?;
		LeaseExpiries::<T>::mutate(now.saturating_add(day), |l| {
			l.pop();
		});
		FileBank::<T>::do_buy_space(who.clone(), 1024, 1)?;
		let end = now.saturating_add(day).saturating_add(day);
		fill_expiries::<T>(end)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 1);

		Ok(())
	}

	#[benchmark]
	fn declare_file(f: Linear<1, { T::MaxFragmentsPerFile::get() }>) -> Result<(), BenchmarkError> {
		miners::<T>(T::MaxRedundancy::get())?;
		let who = funded::<T>("user", 0);
		lease::<T>(&who)?;
		let size = u64::from(f).saturating_mul(T::FragmentSize::get());
		let roots = roots::<T>(f, 0)?;
		let file = file_hash(&who, size, &roots);
		let r = T::MaxRedundancy::get() as u8;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), size, roots, r);

		assert_eq!(Files::<T>::get(file).map(|i| i.state), Some(FileState::Declared));
		Ok(())
	}

	/// An erasure-coded file of `s` segments at `MaxSegmentWidth` fragments each (1 data +
	/// the rest parity): the same linear cost per root as `declare_file`, charged with its
	/// weight function at `f = s × width`.
	#[benchmark]
	fn declare_coded_file(
		s: Linear<1, { T::MaxFragmentsPerFile::get() / T::MaxSegmentWidth::get() }>,
	) -> Result<(), BenchmarkError> {
		let width = T::MaxSegmentWidth::get();
		miners::<T>(width)?;
		let who = funded::<T>("user", 0);
		lease::<T>(&who)?;
		let coding = Coding { data: 1, parity: (width as u8).saturating_sub(1) };
		let size = u64::from(s).saturating_mul(T::FragmentSize::get());
		let roots = roots::<T>(s.saturating_mul(width), 0)?;
		let file = file_hash(&who, size, &roots);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), size, roots, coding);

		assert_eq!(Files::<T>::get(file).map(|i| i.state), Some(FileState::Declared));
		Ok(())
	}

	#[benchmark]
	fn confirm_fragment() -> Result<(), BenchmarkError> {
		let good = miners::<T>(2)?;
		let who = funded::<T>("user", 0);
		lease::<T>(&who)?;
		let file = placed::<T>(&who, 1, 1, 0)?;
		let assigned = |f: FileHash| {
			Slots::<T>::get(f, (0u32, 0u8))
				.and_then(|s| s.miner)
				.ok_or(BenchmarkError::Stop("assigned"))
		};
		let old = assigned(file)?;
		FileBank::<T>::do_confirm_fragment(old.clone(), file, 0, 0)?;
		// The replica migrates to the other eligible miner; its old holder is banned, so the
		// confirmation releases and removes its copy at once.
		FileBank::<T>::start_migration(&old, 0, &mut None);
		let miner = assigned(file)?;
		if miner == old || !good.contains(&miner) {
			return Err(BenchmarkError::Stop("migration target"));
		}
		T::Miners::ban(&old)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(miner), file, 0, 0);

		assert_eq!(Files::<T>::get(file).map(|f| f.state), Some(FileState::Stored));
		assert_eq!(MinerFragmentCount::<T>::get(&old), 0);
		Ok(())
	}

	#[benchmark]
	fn delete_file() -> Result<(), BenchmarkError> {
		miners::<T>(1)?;
		let who = funded::<T>("user", 0);
		lease::<T>(&who)?;
		let max = T::MaxFilesPerUser::get();
		let mut last = FileHash::zero();
		for i in 0..max {
			last = placed::<T>(&who, 1, 1, i)?;
		}

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), last);

		assert_eq!(Files::<T>::get(last).map(|f| f.state), Some(FileState::Deleting));
		Ok(())
	}

	#[benchmark]
	fn on_initialize_placements(
		n: Linear<1, { T::MaxPlacementWork::get().min(T::MaxFragmentsPerFile::get()) }>,
	) -> Result<(), BenchmarkError> {
		// One due file of n single-replica fragments; one eligible miner behind
		// `MaxSelectionAttempts − 1` full ones. One block places at most `MaxPlacementWork`
		// fragments, so a larger file would not finish in the measured block.
		miners::<T>(1)?;
		let who = funded::<T>("user", 0);
		lease::<T>(&who)?;
		let size = u64::from(n).saturating_mul(T::FragmentSize::get());
		let file =
			FileBank::<T>::do_declare_file(who, size, roots::<T>(n, 0)?, 1, Coding::REPLICATED)?;
		let due = FileBank::<T>::place_at(frame_system::Pallet::<T>::block_number());
		frame_system::Pallet::<T>::set_block_number(due);

		#[block]
		{
			FileBank::<T>::fold_seed(due);
			FileBank::<T>::run_placements(due);
		}

		assert_eq!(Files::<T>::get(file).map(|i| i.state), Some(FileState::Pending));
		Ok(())
	}

	#[benchmark]
	fn on_initialize_expiries(
		e: Linear<0, { T::MaxExpiriesPerBlock::get() }>,
	) -> Result<(), BenchmarkError> {
		let now = frame_system::Pallet::<T>::block_number();
		let end = now.saturating_add(FileBank::<T>::blocks_per_day());
		for i in 0..e {
			let who = funded::<T>("user", i);
			FileBank::<T>::do_buy_space(who, 1, 1)?;
		}
		frame_system::Pallet::<T>::set_block_number(end);
		// No background step may run: measure the expiries alone.
		let tail = TaskTail::<T>::get();

		#[block]
		{
			FileBank::<T>::expire_leases(end);
		}

		assert_eq!(TaskTail::<T>::get(), tail.saturating_add(u64::from(e)));
		Ok(())
	}

	#[benchmark]
	fn on_initialize_steps(n: Linear<0, { T::MaxHookWork::get() }>) -> Result<(), BenchmarkError> {
		// One file of n single-replica fragments, all due, all candidates then full.
		let good = miners::<T>(1)?;
		let who = funded::<T>("user", 0);
		lease::<T>(&who)?;
		if n > 0 {
			placed::<T>(&who, n, 1, 0)?;
		}
		for m in good.iter() {
			MinerFragmentCount::<T>::insert(m, T::MaxFragmentsPerMiner::get());
		}
		let due =
			frame_system::Pallet::<T>::block_number().saturating_add(T::AssignmentTimeout::get());
		frame_system::Pallet::<T>::set_block_number(due);
		let head = PendingHead::<T>::get();

		#[block]
		{
			FileBank::<T>::on_initialize(due);
		}

		assert_eq!(PendingHead::<T>::get(), head.saturating_add(u64::from(n)));
		Ok(())
	}

	#[benchmark]
	fn on_initialize_repairs(
		n: Linear<0, { T::MaxRepairWork::get() }>,
	) -> Result<(), BenchmarkError> {
		// A miner under repair holding n confirmed single-replica fragments; every other
		// candidate is full, so each move probes `MaxSelectionAttempts` miners and finds none.
		let good = miners::<T>(1)?;
		let repaired = good.first().cloned().ok_or(BenchmarkError::Stop("miner"))?;
		let who = funded::<T>("user", 0);
		lease::<T>(&who)?;
		for i in 0..n {
			let file = placed::<T>(&who, 1, 1, i)?;
			FileBank::<T>::do_confirm_fragment(repaired.clone(), file, 0, 0)?;
		}
		// A full list (MaxFragmentsPerMiner) would not change a step's cost; the count only
		// bounds the scan.
		if n > 0 && !FileBank::<T>::request_repair(&repaired) {
			return Err(BenchmarkError::Stop("repair"));
		}
		let head = RepairHead::<T>::get();

		#[block]
		{
			FileBank::<T>::run_repairs(&mut None);
		}

		assert_eq!(Migrations::<T>::iter().count() as u32, n);
		// At the full budget every step was a move (the repair is not finished yet).
		if n == T::MaxRepairWork::get() {
			assert_eq!(RepairHead::<T>::get(), head);
		}
		Ok(())
	}

	impl_benchmark_test_suite!(FileBank, crate::mock::new_test_ext(), crate::mock::Test);

	/// Native timing of every benchmark (the node's benchmark CLI is not available):
	///
	/// ```text
	/// cargo test --release -p pallet-file-bank --features runtime-benchmarks -- \
	///     --ignored measure_weights --nocapture
	/// ```
	///
	/// Each benchmark's setup runs in a fresh mock externality, then only the extrinsic (or
	/// `#[block]`) is timed through the benchmark's `Recording` hooks; the median of
	/// `REPEATS` runs is printed in nanoseconds.
	#[cfg(test)]
	mod measure {
		use super::*;
		use crate::mock::{new_test_ext, Test};

		const REPEATS: usize = 15;

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
			let fixed: [(&str, SelectedBenchmark); 6] = [
				("set_price", SelectedBenchmark::set_price),
				("buy_space", SelectedBenchmark::buy_space),
				("expand_space", SelectedBenchmark::expand_space),
				("renew_space", SelectedBenchmark::renew_space),
				("confirm_fragment", SelectedBenchmark::confirm_fragment),
				("delete_file", SelectedBenchmark::delete_file),
			];
			for (name, bench) in fixed.iter() {
				println!("{name}: {} ns", median_ns(bench, &[]));
			}
			let max_s: u32 = <<Test as Config>::MaxFragmentsPerFile as Get<u32>>::get()
				/ <<Test as Config>::MaxSegmentWidth as Get<u32>>::get();
			for segments in [1, max_s] {
				let t = median_ns(
					&SelectedBenchmark::declare_coded_file,
					&[(BenchmarkParameter::s, segments)],
				);
				println!("declare_coded_file(s = {segments}): {t} ns");
			}
			let max_f = <Test as Config>::MaxFragmentsPerFile::get();
			for f in [1, max_f] {
				let t = median_ns(&SelectedBenchmark::declare_file, &[(BenchmarkParameter::f, f)]);
				println!("declare_file(f = {f}): {t} ns");
			}
			let max_p = <Test as Config>::MaxPlacementWork::get().min(max_f);
			for n in [1, max_p] {
				let t = median_ns(
					&SelectedBenchmark::on_initialize_placements,
					&[(BenchmarkParameter::n, n)],
				);
				println!("on_initialize_placements(n = {n}): {t} ns");
			}
			let max_e = <Test as Config>::MaxExpiriesPerBlock::get();
			for e in [0, max_e] {
				let t = median_ns(
					&SelectedBenchmark::on_initialize_expiries,
					&[(BenchmarkParameter::e, e)],
				);
				println!("on_initialize_expiries(e = {e}): {t} ns");
			}
			let max_n = <Test as Config>::MaxHookWork::get();
			for n in [0, max_n] {
				let t = median_ns(
					&SelectedBenchmark::on_initialize_steps,
					&[(BenchmarkParameter::n, n)],
				);
				println!("on_initialize_steps(n = {n}): {t} ns");
			}
			let max_n = <Test as Config>::MaxRepairWork::get();
			for n in [0, max_n] {
				let t = median_ns(
					&SelectedBenchmark::on_initialize_repairs,
					&[(BenchmarkParameter::n, n)],
				);
				println!("on_initialize_repairs(n = {n}): {t} ns");
			}
		}
	}
}
