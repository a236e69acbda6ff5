//! Benchmarks (frame-benchmarking v2), each in its worst case:
//!
//! - calls that settle a node (`submit_tickets`, `claim`, `unregister_node`, `settle`,
//!   `attest_cached`, the `on_idle` settle step) start with a closed, unsettled cycle in which
//!   the node is the last participant, so the settlement also returns the cycle's remainder
//!   to the pool (an extra transfer);
//! - `submit_tickets` uses `n` distinct payers, each with its own allowance whose nonce
//!   window is full (so every winner evicts the smallest nonce) and a new receipt; real
//!   sr25519 signatures made through the keystore host functions, `<Bytes>`-wrapped (the
//!   longer message);
//! - `prune(n)` / `on_idle_prune(n)` remove `n` receipts.
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
	let income = T::MinFaceValue::get().max(T::Currency::minimum_balance());
	let pool = income.saturating_mul(BalanceOf::<T>::from(3u32));
	let power = income.saturating_mul(BalanceOf::<T>::from(3u32));
	NodeWork::<T>::insert(
		cycle,
		node,
		NodeCycleRecord {
			work: CycleWork { paid: income, income, winners: 1, ..Default::default() },
			reward: None,
		},
	);
	let mut ledger = Rewards::<T>::get(node);
	ledger.balance = ledger.balance.saturating_add(income);
	ledger.pending_cycle = Some(cycle);
	Rewards::<T>::insert(node, ledger);
	Unsettled::<T>::insert(cycle, node, ());
	Snapshots::<T>::insert(
		cycle,
		CycleSnapshot {
			totals: CycleTotals { retrieval_power: power, participants: 1, ..Default::default() },
			retrieval_pool: pool,
			cache_pool: Zero::zero(),
			d_r: pool,
			d_c: Zero::zero(),
			total_points: 0,
			point_base: T::PointBase::get(),
			points_per_cycle: T::PointsPerCycle::get(),
			caps: PoolCaps::<T>::get(),
			byte_price: T::ReferenceBytePrice::get(),
			replicas: T::MaxReplicas::get(),
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

/// A certain winner from `public`'s account to `node`, `<Bytes>`-wrapped.
fn signed<T: Config>(
	public: &sr25519::Public,
	node: &T::AccountId,
	ticket: TicketOf<T>,
	rand: sp_core::H256,
) -> Result<SignedTicketOf<T>, BenchmarkError> {
	let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
	let message = tickets::wrapped_payload(&tickets::payload(&genesis, node, &ticket));
	let signature = sp_io::crypto::sr25519_sign(KEY, public, &message)
		.ok_or(BenchmarkError::Stop("sr25519 signing failed"))?;
	Ok(SignedLotteryTicket { ticket, signature, form: SigForm::Bytes, recipient_rand: rand })
}

/// `payer` has an allowance of `amount` to `node` with a full nonce window `1..=NonceWindow`.
fn full_allowance<T: Config>(
	payer: &T::AccountId,
	node: &T::AccountId,
	amount: BalanceOf<T>,
) -> Result<(), BenchmarkError> {
	Cdn::<T>::deposit(RawOrigin::Signed(payer.clone()).into(), amount)?;
	Cdn::<T>::set_allowance(RawOrigin::Signed(payer.clone()).into(), node.clone(), amount)?;
	Allowances::<T>::try_mutate(payer, node, |a| -> Result<(), BenchmarkError> {
		let a = a.as_mut().ok_or(BenchmarkError::Stop("allowance"))?;
		for nonce in 1..=u64::from(T::NonceWindow::get()) {
			a.recent.try_push(nonce).map_err(|_| BenchmarkError::Stop("window"))?;
		}
		Ok(())
	})
}

/// Cycle 0 with `n` receipts, old enough to be pruned.
fn fill_old_cycle<T: Config>(n: u32) {
	for i in 0..n {
		let payer: T::AccountId = account("payer", i, 0);
		Receipts::<T>::insert(
			(0u32, account::<T::AccountId>("node", 0, 0), payer),
			Receipt { won: 1, ..Default::default() },
		);
	}
	CurrentCycle::<T>::put(T::ReceiptHistoryDepth::get().saturating_add(1));
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
		let amount = T::MinFaceValue::get().max(T::Currency::minimum_balance());
		Cdn::<T>::deposit(RawOrigin::Signed(who.clone()).into(), amount)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);

		assert_eq!(Escrows::<T>::get(&who).map(|e| e.balance), Some(amount.saturating_add(amount)));
		Ok(())
	}

	#[benchmark]
	fn request_withdraw() -> Result<(), BenchmarkError> {
		let who = funded::<T>("user", 0);
		let amount = T::MinFaceValue::get().max(T::Currency::minimum_balance());
		Cdn::<T>::deposit(RawOrigin::Signed(who.clone()).into(), amount)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);

		assert!(Escrows::<T>::get(&who).and_then(|e| e.withdrawal).is_some());
		Ok(())
	}

	#[benchmark]
	fn withdraw() -> Result<(), BenchmarkError> {
		let who = funded::<T>("user", 0);
		let amount = T::MinFaceValue::get().max(T::Currency::minimum_balance());
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
		let face = T::MinFaceValue::get().max(T::Currency::minimum_balance());
		let now = frame_system::Pallet::<T>::block_number();
		let mut batch = Vec::new();
		for i in 0..n {
			let (public, payer) = sr25519_account::<T>();
			T::Currency::set_balance(&payer, big::<T>());
			full_allowance::<T>(&payer, &node, face.saturating_add(face))?;
			let rand = sp_core::H256::repeat_byte(i as u8);
			let ticket = LotteryTicket {
				payer,
				allowance_opened_at: now,
				nonce: u64::from(T::NonceWindow::get()).saturating_add(1),
				face_value: face,
				win_prob: u64::MAX,
				bytes: u64::MAX,
				kind: TicketKind::Retrieval,
				recipient_rand_hash: tickets::commitment(&rand),
				expires_at: now.saturating_add(T::MaxTicketLifetime::get()),
			};
			batch.push(signed::<T>(&public, &node, ticket, rand)?);
		}
		let batch: TicketBatchOf<T> =
			batch.try_into().map_err(|_| BenchmarkError::Stop("batch too long"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(node.clone()), batch);

		assert_eq!(Rewards::<T>::get(&node).pending_cycle, Some(cycle));
		assert_eq!(NodeWork::<T>::get(cycle, &node).map(|r| r.work.winners), Some(n));
		Ok(())
	}

	#[benchmark]
	fn set_allowance() -> Result<(), BenchmarkError> {
		let node = funded::<T>("node", 0);
		register::<T>(&node, NodeKind::Retrieval)?;
		let payer = funded::<T>("user", 0);
		let amount = T::MinFaceValue::get().max(T::Currency::minimum_balance());
		Cdn::<T>::deposit(RawOrigin::Signed(payer.clone()).into(), amount)?;
		ensure_system_accounts::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(payer.clone()), node.clone(), amount);

		assert_eq!(Allowances::<T>::get(&payer, &node).map(|a| a.balance), Some(amount));
		Ok(())
	}

	#[benchmark]
	fn release_allowance() -> Result<(), BenchmarkError> {
		ensure_system_accounts::<T>();
		let node = funded::<T>("node", 0);
		register::<T>(&node, NodeKind::Retrieval)?;
		let payer = funded::<T>("user", 0);
		let amount = T::MinFaceValue::get().max(T::Currency::minimum_balance());
		Cdn::<T>::deposit(RawOrigin::Signed(payer.clone()).into(), amount)?;
		Cdn::<T>::set_allowance(RawOrigin::Signed(payer.clone()).into(), node.clone(), amount)?;
		Cdn::<T>::set_allowance(
			RawOrigin::Signed(payer.clone()).into(),
			node.clone(),
			Zero::zero(),
		)?;
		let unlock = frame_system::Pallet::<T>::block_number()
			.saturating_add(T::AllowanceUnlockDelay::get());
		frame_system::Pallet::<T>::set_block_number(unlock);

		#[extrinsic_call]
		_(RawOrigin::Signed(payer.clone()), node.clone());

		assert!(Allowances::<T>::get(&payer, &node).is_none());
		Ok(())
	}

	#[benchmark]
	fn attest_cached() -> Result<(), BenchmarkError> {
		ensure_system_accounts::<T>();
		let (public, retrieval) = sr25519_account::<T>();
		T::Currency::set_balance(&retrieval, big::<T>());
		register::<T>(&retrieval, NodeKind::Retrieval)?;
		let cache = funded::<T>("cache", 0);
		register::<T>(&cache, NodeKind::Cache)?;
		pending_closed_cycle::<T>(&cache)?;
		let cycle = CurrentCycle::<T>::get();
		let paid = T::MinFaceValue::get().max(T::Currency::minimum_balance());
		NodeWork::<T>::insert(
			cycle,
			&retrieval,
			NodeCycleRecord { work: CycleWork { paid, ..Default::default() }, reward: None },
		);
		// A level to replace.
		CachedLevels::<T>::insert((cycle, &cache, &retrieval), (0u64, 1u32));
		let level = u64::try_from(Cdn::<T>::attestation_budget(paid)).unwrap_or(u64::MAX);
		let att = CacheAttestation {
			genesis: frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()),
			retrieval: retrieval.clone(),
			cache: cache.clone(),
			cycle,
			level,
			version: 2,
		};
		let message = tickets::wrapped_payload(&tickets::attestation_payload(&att));
		let signature = sp_io::crypto::sr25519_sign(KEY, &public, &message)
			.ok_or(BenchmarkError::Stop("sr25519 signing failed"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(cache.clone()), att, signature, SigForm::Bytes);

		assert_eq!(CachedLevels::<T>::get((cycle, &cache, &retrieval)), Some((level, 2)));
		Ok(())
	}

	#[benchmark]
	fn settle() -> Result<(), BenchmarkError> {
		ensure_system_accounts::<T>();
		let node = funded::<T>("node", 0);
		register::<T>(&node, NodeKind::Retrieval)?;
		pending_closed_cycle::<T>(&node)?;
		let caller = funded::<T>("caller", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), node.clone());

		assert_eq!(Rewards::<T>::get(&node).pending_cycle, None);
		Ok(())
	}

	#[benchmark]
	fn prune(n: Linear<1, 1_000>) -> Result<(), BenchmarkError> {
		fill_old_cycle::<T>(n);
		let caller = funded::<T>("caller", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), 0, n);

		assert_eq!(Receipts::<T>::iter_prefix((0u32,)).count(), 0);
		Ok(())
	}

	#[benchmark]
	fn set_caps() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let caps = Caps {
			retrieval: Perbill::from_percent(50),
			cached: Perbill::from_percent(50),
			cache_order: Perbill::from_percent(50),
		};

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, caps);

		assert_eq!(PoolCaps::<T>::get(), caps);
		Ok(())
	}

	#[benchmark]
	fn on_idle_step() -> Result<(), BenchmarkError> {
		// An empty old cycle: one cursor step each for settling and pruning.
		CurrentCycle::<T>::put(T::ReceiptHistoryDepth::get().saturating_add(2));
		// Room for the initial read and one cursor advance.
		let budget = <T as Config>::WeightInfo::on_idle_step().saturating_mul(2);

		#[block]
		{
			Cdn::<T>::idle_work(budget);
		}

		assert!(SettleCursor::<T>::get() >= 1);
		Ok(())
	}

	#[benchmark]
	fn on_idle_settle() -> Result<(), BenchmarkError> {
		ensure_system_accounts::<T>();
		let node = funded::<T>("node", 0);
		register::<T>(&node, NodeKind::Retrieval)?;
		pending_closed_cycle::<T>(&node)?;
		CurrentCycle::<T>::put(T::SettleGrace::get().saturating_add(1));
		let budget = <T as Config>::WeightInfo::on_idle_step()
			.saturating_add(<T as Config>::WeightInfo::on_idle_settle());

		#[block]
		{
			Cdn::<T>::idle_work(budget);
		}

		assert_eq!(Rewards::<T>::get(&node).pending_cycle, None);
		Ok(())
	}

	#[benchmark]
	fn on_idle_prune(n: Linear<1, { crate::idle::PRUNE_CHUNK }>) -> Result<(), BenchmarkError> {
		fill_old_cycle::<T>(n);
		SettleCursor::<T>::put(1);

		#[block]
		{
			Cdn::<T>::prune_cycle(0, crate::idle::PRUNE_CHUNK);
		}

		assert_eq!(Receipts::<T>::iter_prefix((0u32,)).count(), 0);
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
			retrieval_power: big::<T>(),
			order_paid: big::<T>(),
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
			let fixed: [(&str, SelectedBenchmark); 16] = [
				("set_allowance", SelectedBenchmark::set_allowance),
				("release_allowance", SelectedBenchmark::release_allowance),
				("attest_cached", SelectedBenchmark::attest_cached),
				("settle", SelectedBenchmark::settle),
				("set_caps", SelectedBenchmark::set_caps),
				("on_idle_step", SelectedBenchmark::on_idle_step),
				("on_idle_settle", SelectedBenchmark::on_idle_settle),
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
			for n in [1, 1_000] {
				let t = median_ns(&SelectedBenchmark::prune, &[(BenchmarkParameter::n, n)]);
				println!("prune(n = {n}): {t} ns");
			}
			let chunk = crate::idle::PRUNE_CHUNK;
			let t = median_ns(&SelectedBenchmark::on_idle_prune, &[(BenchmarkParameter::n, chunk)]);
			println!("on_idle_prune(n = {chunk}): {t} ns");
		}
	}
}
