//! Benchmarks (frame-benchmarking v2), each in its worst case:
//!
//! - calls that settle a node (`submit_tickets`, `claim`, `unregister_node`) start with a
//!   closed, unsettled cycle in which the node is the last participant, so the settlement
//!   also returns the cycle's rounding remainder to the pool (an extra transfer);
//! - `submit_tickets` uses `n` distinct signers (each its own escrow, nonce and balance
//!   entries), real sr25519 signatures made in the benchmark through the keystore host
//!   functions — `<Bytes>`-wrapped, so each ticket costs two verifications — and a receipt list already filled to `MaxReceiptsPerCycle - n` so every
//!   ticket scans a full list before appending.
//!
//! `measure` (tests only) times every benchmark natively; see `weights.rs`.

use super::*;
use crate::Pallet as Cdn;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		EnsureOrigin, Get, Hooks,
	},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_core::{crypto::KeyTypeId, sr25519};
use sp_runtime::{
	traits::{Bounded, One, Saturating, Zero},
	Perbill,
};

/// Key type of the throw-away signing keys the benchmarks create.
const KEY: KeyTypeId = KeyTypeId(*b"cdnb");

/// A balance large enough for any deposit or ticket of the runtime.
fn big<T: Config>() -> BalanceOf<T> {
	BalanceOf::<T>::max_value() / BalanceOf::<T>::from(1_000_000u32)
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, big::<T>());
	who
}

/// The pallet account, the reward pool and the treasury exist (as the runtime's genesis
/// guarantees).
fn ensure_system_accounts<T: Config>() {
	let ed = T::Currency::minimum_balance();
	for who in [Cdn::<T>::account_id(), T::RewardPool::get(), T::Treasury::get()] {
		if T::Currency::balance(&who) < ed {
			T::Currency::set_balance(&who, ed);
		}
	}
}

fn register<T: Config>(who: &T::AccountId, kind: NodeKind) -> Result<(), BenchmarkError> {
	let endpoint = BoundedVec::try_from(alloc::vec![b'x'; T::MaxEndpointLen::get() as usize])
		.map_err(|_| BenchmarkError::Stop("endpoint"))?;
	Cdn::<T>::register_node(RawOrigin::Signed(who.clone()).into(), kind, endpoint)?;
	Ok(())
}

/// Leaves `node` with work in a cycle that has just closed, as its last unsettled
/// participant (power 1 of 3, so 2/3 of the pool is a remainder returned on settlement).
fn pending_closed_cycle<T: Config>(node: &T::AccountId) -> Result<(), BenchmarkError> {
	let cycle = CurrentCycle::<T>::get();
	let income = T::MinTicketAmount::get().max(T::Currency::minimum_balance());
	let pool = income.saturating_mul(BalanceOf::<T>::from(3u32));
	NodeWork::<T>::insert(
		node,
		cycle,
		NodeCycleRecord {
			work: CycleWork { orders: 1, income, cache_order_bytes: 0, cached_bytes: 0 },
			reward: None,
		},
	);
	let mut ledger = Rewards::<T>::get(node);
	ledger.balance = ledger.balance.saturating_add(income);
	ledger.pending_cycle = Some(cycle);
	Rewards::<T>::insert(node, ledger);
	Snapshots::<T>::insert(
		cycle,
		CycleSnapshot {
			totals: CycleTotals { retrieval_power: 3, participants: 1, ..Default::default() },
			retrieval_pool: pool,
			cache_pool: Zero::zero(),
			total_points: 0,
			point_base: T::PointBase::get(),
			points_per_cycle: T::PointsPerCycle::get(),
			unpaid: pool,
			unsettled: 1,
		},
	);
	T::Currency::mint_into(
		&Cdn::<T>::account_id(),
		income.saturating_add(income).saturating_add(pool),
	)?;
	CurrentCycle::<T>::put(cycle.saturating_add(1));
	Ok(())
}

/// A new sr25519 key in the keystore and its account.
fn sr25519_account<T: Config>() -> (sr25519::Public, T::AccountId) {
	let public = sp_io::crypto::sr25519_generate(KEY, None);
	(public, T::AccountId::from(public.0))
}

fn signed<T: Config>(
	public: &sr25519::Public,
	ticket: TicketOf<T>,
) -> Result<SignedTicketOf<T>, BenchmarkError> {
	// `<Bytes>`-wrapped, the worst case: the raw form is verified (and fails) first.
	let message = tickets::wrapped_payload(&tickets::payload(&ticket));
	let signature = sp_io::crypto::sr25519_sign(KEY, public, &message)
		.ok_or(BenchmarkError::Stop("sr25519 signing failed"))?;
	Ok(SignedTicket { ticket, signature })
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_node() -> Result<(), BenchmarkError> {
		let who = funded::<T>("node", 0);
		let endpoint = BoundedVec::try_from(alloc::vec![b'x'; T::MaxEndpointLen::get() as usize])
			.map_err(|_| BenchmarkError::Stop("endpoint"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), NodeKind::Retrieval, endpoint);

		assert!(Nodes::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn unregister_node() -> Result<(), BenchmarkError> {
		ensure_system_accounts::<T>();
		let who = funded::<T>("node", 0);
		register::<T>(&who, NodeKind::Retrieval)?;
		pending_closed_cycle::<T>(&who)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Nodes::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn deposit() -> Result<(), BenchmarkError> {
		let who = funded::<T>("user", 0);
		let amount = T::MinTicketAmount::get().max(T::Currency::minimum_balance());
		Cdn::<T>::deposit(RawOrigin::Signed(who.clone()).into(), amount)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);

		assert_eq!(Escrows::<T>::get(&who).map(|e| e.balance), Some(amount.saturating_add(amount)));
		Ok(())
	}

	#[benchmark]
	fn request_withdraw() -> Result<(), BenchmarkError> {
		let who = funded::<T>("user", 0);
		let amount = T::MinTicketAmount::get().max(T::Currency::minimum_balance());
		Cdn::<T>::deposit(RawOrigin::Signed(who.clone()).into(), amount)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);

		assert!(Escrows::<T>::get(&who).and_then(|e| e.withdrawal).is_some());
		Ok(())
	}

	#[benchmark]
	fn withdraw() -> Result<(), BenchmarkError> {
		let who = funded::<T>("user", 0);
		let amount = T::MinTicketAmount::get().max(T::Currency::minimum_balance());
		let twice = amount.saturating_add(amount);
		Cdn::<T>::deposit(RawOrigin::Signed(who.clone()).into(), twice)?;
		Cdn::<T>::request_withdraw(RawOrigin::Signed(who.clone()).into(), amount)?;
		let unlock =
			frame_system::Pallet::<T>::block_number().saturating_add(T::WithdrawDelay::get());
		frame_system::Pallet::<T>::set_block_number(unlock);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert_eq!(Escrows::<T>::get(&who).map(|e| e.balance), Some(amount));
		Ok(())
	}

	#[benchmark]
	fn submit_tickets(
		n: Linear<1, { T::MaxTicketsPerBatch::get() }>,
	) -> Result<(), BenchmarkError> {
		ensure_system_accounts::<T>();
		let node = funded::<T>("node", 0);
		register::<T>(&node, NodeKind::Retrieval)?;
		pending_closed_cycle::<T>(&node)?;
		let cycle = CurrentCycle::<T>::get();

		let mut receipts = ReceiptsOf::<T>::default();
		for i in 0..T::MaxReceiptsPerCycle::get().saturating_sub(n) {
			receipts
				.try_push(Receipt {
					signer: account("filler", i, 0),
					kind: TicketKind::Retrieval,
					tickets: 1,
					units: 1,
					amount: Zero::zero(),
					last_nonce: 1,
				})
				.map_err(|_| BenchmarkError::Stop("receipts"))?;
		}
		Receipts::<T>::insert(&node, cycle, receipts);

		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let amount = T::MinTicketAmount::get().max(T::Currency::minimum_balance());
		let mut batch = Vec::new();
		for _ in 0..n {
			let (public, user) = sr25519_account::<T>();
			T::Currency::set_balance(&user, big::<T>());
			Cdn::<T>::deposit(
				RawOrigin::Signed(user.clone()).into(),
				amount.saturating_add(amount),
			)?;
			let ticket = Ticket {
				genesis,
				signer: user,
				node: node.clone(),
				nonce: 1,
				bytes: u64::MAX,
				amount,
				kind: TicketKind::Retrieval,
			};
			batch.push(signed::<T>(&public, ticket)?);
		}
		let batch: TicketBatchOf<T> =
			batch.try_into().map_err(|_| BenchmarkError::Stop("batch too long"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(node.clone()), batch);

		assert_eq!(Rewards::<T>::get(&node).pending_cycle, Some(cycle));
		assert_eq!(NodeWork::<T>::get(&node, cycle).map(|r| r.work.orders), Some(n));
		Ok(())
	}

	#[benchmark]
	fn claim() -> Result<(), BenchmarkError> {
		ensure_system_accounts::<T>();
		let who = funded::<T>("node", 0);
		register::<T>(&who, NodeKind::Retrieval)?;
		pending_closed_cycle::<T>(&who)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert_eq!(Rewards::<T>::get(&who).last_claim, Some(CurrentCycle::<T>::get()));
		Ok(())
	}

	#[benchmark]
	fn set_retrieval_share() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, Perbill::from_percent(42));

		assert_eq!(RetrievalShare::<T>::get(), Perbill::from_percent(42));
		Ok(())
	}

	#[benchmark]
	fn on_initialize_close_cycle() -> Result<(), BenchmarkError> {
		ensure_system_accounts::<T>();
		T::Currency::mint_into(&T::RewardPool::get(), big::<T>())?;
		CurrentTotals::<T>::put(CycleTotals {
			retrieval_power: 1,
			cache_order_bytes: 1,
			cached_bytes: 1,
			participants: 2,
		});
		let cycle = CurrentCycle::<T>::get();
		let now = CycleStart::<T>::get().saturating_add(T::CycleLength::get().max(One::one()));

		#[block]
		{
			Cdn::<T>::on_initialize(now);
		}

		assert_eq!(CurrentCycle::<T>::get(), cycle.saturating_add(1));
		assert!(Snapshots::<T>::contains_key(cycle));
		Ok(())
	}

	#[benchmark]
	fn on_initialize_idle() -> Result<(), BenchmarkError> {
		let cycle = CurrentCycle::<T>::get();
		let now = CycleStart::<T>::get();

		#[block]
		{
			Cdn::<T>::on_initialize(now);
		}

		assert_eq!(CurrentCycle::<T>::get(), cycle);
		Ok(())
	}

	impl_benchmark_test_suite!(Cdn, crate::mock::new_test_ext(), crate::mock::Test);

	/// Native timing of every benchmark (the node's benchmark CLI is not available):
	///
	/// ```text
	/// cargo test --release -p pallet-cdn --features runtime-benchmarks -- \
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
			let max = <Test as Config>::MaxTicketsPerBatch::get();
			let fixed: [(&str, SelectedBenchmark); 9] = [
				("register_node", SelectedBenchmark::register_node),
				("unregister_node", SelectedBenchmark::unregister_node),
				("deposit", SelectedBenchmark::deposit),
				("request_withdraw", SelectedBenchmark::request_withdraw),
				("withdraw", SelectedBenchmark::withdraw),
				("claim", SelectedBenchmark::claim),
				("set_retrieval_share", SelectedBenchmark::set_retrieval_share),
				("on_initialize_close_cycle", SelectedBenchmark::on_initialize_close_cycle),
				("on_initialize_idle", SelectedBenchmark::on_initialize_idle),
			];
			for (name, bench) in fixed.iter() {
				println!("{name}: {} ns", median_ns(bench, &[]));
			}
			for n in [1, max / 2, max] {
				let t =
					median_ns(&SelectedBenchmark::submit_tickets, &[(BenchmarkParameter::n, n)]);
				println!("submit_tickets(n = {n}): {t} ns");
			}
		}
	}
}
