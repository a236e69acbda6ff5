//! Unit tests. Every reward number is worked by hand in the comments next to the assertion.

use crate::{
	cycles, mock::*, tickets, CurrentCycle, CycleStart, Error, Escrows, Event, NodeKind, Nodes,
	Receipt, Receipts, RewardBreakdown, Rewards, SignedTicket, SignedTicketOf, Snapshots, Ticket,
	TicketBatchOf, TicketKind,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Inspect, InspectHold, Mutate},
		Hooks,
	},
};
use sp_core::{sr25519, Pair, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{DispatchError, Perbill};

fn acc(k: Sr25519Keyring) -> AccountId {
	k.to_account_id()
}

fn genesis() -> H256 {
	System::block_hash(0)
}

fn ticket(
	signer: &AccountId,
	node: &AccountId,
	nonce: u64,
	bytes: u64,
	amount: Balance,
	kind: TicketKind,
) -> Ticket<AccountId, Balance, H256> {
	Ticket {
		genesis: genesis(),
		signer: signer.clone(),
		node: node.clone(),
		nonce,
		bytes,
		amount,
		kind,
	}
}

/// Signs the raw payload with `pair`.
fn sign(pair: &sr25519::Pair, t: Ticket<AccountId, Balance, H256>) -> SignedTicketOf<Test> {
	let signature = pair.sign(&tickets::payload(&t));
	SignedTicket { ticket: t, signature }
}

/// Signs as polkadot.js `signRaw` does: `<Bytes>payload</Bytes>`.
fn sign_wrapped(pair: &sr25519::Pair, t: Ticket<AccountId, Balance, H256>) -> SignedTicketOf<Test> {
	let signature = pair.sign(&tickets::wrapped_payload(&tickets::payload(&t)));
	SignedTicket { ticket: t, signature }
}

/// A retrieval order from keyring user `user` to `node`.
fn order(
	user: Sr25519Keyring,
	node: Sr25519Keyring,
	nonce: u64,
	amount: Balance,
) -> SignedTicketOf<Test> {
	sign(&user.pair(), ticket(&acc(user), &acc(node), nonce, 1_000, amount, TicketKind::Retrieval))
}

fn batch(tickets: Vec<SignedTicketOf<Test>>) -> TicketBatchOf<Test> {
	tickets.try_into().expect("batch within bound")
}

fn origin(k: Sr25519Keyring) -> RuntimeOrigin {
	RuntimeOrigin::signed(acc(k))
}

fn register(k: Sr25519Keyring, kind: NodeKind) {
	assert_ok!(Cdn::register_node(
		origin(k),
		kind,
		b"/dns/node.example/tcp/443".to_vec().try_into().unwrap()
	));
}

fn submit(node: Sr25519Keyring, tickets: Vec<SignedTicketOf<Test>>) {
	assert_ok!(Cdn::submit_tickets(origin(node), batch(tickets)));
}

fn pool() -> AccountId {
	RewardPoolAccount::get()
}

fn fund_pool(amount: Balance) {
	assert_ok!(Balances::mint_into(&pool(), amount));
}

fn free(who: &AccountId) -> Balance {
	Balances::balance(who)
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Cdn(e) = r.event { Some(e) } else { None })
		.collect()
}

fn report_reward(k: Sr25519Keyring, cycle: u32) -> Option<RewardBreakdown<Balance>> {
	Cdn::node_cycle_report(acc(k), cycle).reward
}

// ---------------------------------------------------------------------------------------
// Pure math
// ---------------------------------------------------------------------------------------

#[test]
fn pro_rata_split_and_points_math() {
	// 1000 × 1 / 3 = 333.33 → 333 (rounded down), zero total pays nothing.
	assert_eq!(cycles::pro_rata(1_000u128, 1, 3), 333);
	assert_eq!(cycles::pro_rata(1_000u128, 5, 0), 0);
	assert_eq!(cycles::pro_rata(u128::MAX, 3, 4), u128::MAX / 4 * 3 + 2);
	// 60 % of 10 001 = 6000.6 → 6000 retrieval, 4001 cache: adds up exactly.
	assert_eq!(cycles::split_pool(10_001u128, Perbill::from_percent(60)), (6_000, 4_001));
	// Points = 300 × 1 + 600 / 800 × 1000 = 300 + 750 = 1050.
	assert_eq!(cycles::cache_points(300, 600, 800, 1, 1_000), 1_050);
	// Nothing cached anywhere: only the order-bytes term.
	assert_eq!(cycles::cache_points(300, 0, 0, 2, 1_000), 600);
	// TotalPoints = 400 × 1 + 1000 (something was cached) = 1400; nothing cached: 400.
	assert_eq!(cycles::total_points(400, 800, 1, 1_000), 1_400);
	assert_eq!(cycles::total_points(400, 0, 1, 1_000), 400);
}

// ---------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------

#[test]
fn register_and_unregister_hold_and_release_the_deposit() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		let r1 = acc(R1);
		assert_eq!(
			Balances::balance_on_hold(&crate::HoldReason::NodeDeposit.into(), &r1),
			NODE_DEPOSIT
		);
		assert_eq!(free(&r1), INITIAL - NODE_DEPOSIT);
		assert_noop!(
			Cdn::register_node(origin(R1), NodeKind::Cache, b"x".to_vec().try_into().unwrap()),
			Error::<Test>::AlreadyRegistered
		);
		assert_noop!(
			Cdn::register_node(origin(R2), NodeKind::Cache, Default::default()),
			Error::<Test>::EmptyEndpoint
		);
		// Holding must leave the existential deposit free: 100 of 100 cannot be held.
		let poor = AccountId::new([9; 32]);
		assert_ok!(Balances::mint_into(&poor, NODE_DEPOSIT));
		assert_noop!(
			Cdn::register_node(
				RuntimeOrigin::signed(poor),
				NodeKind::Cache,
				b"x".to_vec().try_into().unwrap()
			),
			Error::<Test>::InsufficientBalance
		);

		assert_ok!(Cdn::unregister_node(origin(R1)));
		assert_eq!(free(&r1), INITIAL);
		assert!(Nodes::<Test>::get(&r1).is_none());
		assert_noop!(Cdn::unregister_node(origin(R1)), Error::<Test>::NotRegistered);
		assert!(events().contains(&Event::NodeUnregistered { node: r1, deposit: NODE_DEPOSIT }));
	});
}

#[test]
fn unregister_waits_for_pending_work_and_rewards_stay_claimable() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		assert_ok!(Cdn::deposit(origin(ALICE), 1_000));
		submit(R1, vec![order(ALICE, R1, 1, 100)]);
		// Work in the open cycle: the deposit stays until the cycle closes.
		assert_noop!(Cdn::unregister_node(origin(R1)), Error::<Test>::PendingWork);
		next_cycle();
		assert_ok!(Cdn::unregister_node(origin(R1)));
		// Income 100 − 5 % = 95 (empty pool): credited on settlement, claimable unregistered.
		assert_eq!(Rewards::<Test>::get(acc(R1)).balance, 95);
		let before = free(&acc(R1));
		assert_ok!(Cdn::claim(origin(R1)));
		// 95 − 95 / 2 = 48 (half, rounded up).
		assert_eq!(free(&acc(R1)), before + 48);
	});
}

// ---------------------------------------------------------------------------------------
// Escrow
// ---------------------------------------------------------------------------------------

#[test]
fn escrow_withdraw_waits_for_the_delay_and_tickets_still_settle() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		let alice = acc(ALICE);
		assert_noop!(Cdn::deposit(origin(ALICE), 0), Error::<Test>::ZeroAmount);
		assert_noop!(Cdn::deposit(origin(ALICE), INITIAL), Error::<Test>::InsufficientBalance);
		assert_noop!(Cdn::request_withdraw(origin(ALICE), 1), Error::<Test>::NoEscrow);
		assert_noop!(Cdn::withdraw(origin(ALICE)), Error::<Test>::NoEscrow);

		assert_ok!(Cdn::deposit(origin(ALICE), 1_000));
		assert_eq!(Balances::balance_on_hold(&crate::HoldReason::Escrow.into(), &alice), 1_000);
		assert_noop!(Cdn::withdraw(origin(ALICE)), Error::<Test>::NoWithdrawalRequested);
		assert_noop!(Cdn::request_withdraw(origin(ALICE), 0), Error::<Test>::ZeroAmount);
		assert_noop!(
			Cdn::request_withdraw(origin(ALICE), 1_001),
			Error::<Test>::InsufficientEscrow
		);

		// Block 1 + delay 20 = unlock at 21.
		assert_ok!(Cdn::request_withdraw(origin(ALICE), 600));
		assert!(events().contains(&Event::WithdrawRequested {
			who: alice.clone(),
			amount: 600,
			unlock_at: 21
		}));
		assert_noop!(Cdn::withdraw(origin(ALICE)), Error::<Test>::WithdrawalLocked);
		run_to_block(20);
		assert_noop!(Cdn::withdraw(origin(ALICE)), Error::<Test>::WithdrawalLocked);

		// A ticket signed before the request still settles during the delay.
		submit(R1, vec![order(ALICE, R1, 1, 500)]);
		run_to_block(21);
		assert_ok!(Cdn::withdraw(origin(ALICE)));
		// Requested 600, but only 1000 − 500 = 500 was left: 500 released, escrow gone.
		assert!(events().contains(&Event::EscrowWithdrawn {
			who: alice.clone(),
			amount: 500,
			remaining: 0
		}));
		assert!(Escrows::<Test>::get(&alice).is_none());
		assert_eq!(free(&alice), INITIAL - 500);
		assert_eq!(Balances::balance_on_hold(&crate::HoldReason::Escrow.into(), &alice), 0);
	});
}

#[test]
fn partial_withdraw_keeps_the_rest_in_escrow() {
	build_and_execute(|| {
		assert_ok!(Cdn::deposit(origin(ALICE), 1_000));
		assert_ok!(Cdn::request_withdraw(origin(ALICE), 300));
		run_to_block(1 + DELAY);
		assert_ok!(Cdn::withdraw(origin(ALICE)));
		let escrow = Escrows::<Test>::get(acc(ALICE)).unwrap();
		assert_eq!((escrow.balance, escrow.withdrawal), (700, None));
		assert_eq!(free(&acc(ALICE)), INITIAL - 700);
	});
}

// ---------------------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------------------

#[test]
fn settling_tickets_moves_escrow_and_pays_the_treasury() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		assert_ok!(Cdn::deposit(origin(ALICE), 1_000));
		let treasury_before = free(&TreasuryAccount::get());
		submit(R1, vec![order(ALICE, R1, 1, 100), order(ALICE, R1, 5, 300)]);
		// 400 settled: treasury 5 % = 20, node income 380 (held by the pallet until cycle end).
		assert_eq!(Escrows::<Test>::get(acc(ALICE)).unwrap().balance, 600);
		assert_eq!(free(&TreasuryAccount::get()), treasury_before + 20);
		assert_eq!(crate::Nonces::<Test>::get(acc(ALICE), acc(R1)), 5);
		assert!(events().contains(&Event::TicketSettled {
			cycle: 0,
			node: acc(R1),
			signer: acc(ALICE),
			kind: TicketKind::Retrieval,
			nonce: 5,
			units: 1_000,
			amount: 300,
		}));
		assert!(events().contains(&Event::BatchSettled {
			cycle: 0,
			node: acc(R1),
			tickets: 2,
			units: 2_000,
			amount: 400,
			income: 380,
			treasury: 20,
		}));
		// One receipt per (signer, kind).
		assert_eq!(
			Receipts::<Test>::get(acc(R1), 0).into_inner(),
			vec![Receipt {
				signer: acc(ALICE),
				kind: TicketKind::Retrieval,
				tickets: 2,
				units: 2_000,
				amount: 400,
				last_nonce: 5
			}]
		);
	});
}

#[test]
fn bytes_wrapped_signature_from_polkadot_js_is_accepted() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		assert_ok!(Cdn::deposit(origin(ALICE), 1_000));
		let t = ticket(&acc(ALICE), &acc(R1), 1, 1_000, 100, TicketKind::Retrieval);
		submit(R1, vec![sign_wrapped(&ALICE.pair(), t)]);
		assert_eq!(Escrows::<Test>::get(acc(ALICE)).unwrap().balance, 900);
		// A signature over some other wrapping is still rejected.
		let t2 = ticket(&acc(ALICE), &acc(R1), 2, 1_000, 100, TicketKind::Retrieval);
		let mut bad = b"<Bytes> ".to_vec();
		bad.extend(tickets::payload(&t2));
		bad.extend(b"</Bytes>");
		let forged = SignedTicket { ticket: t2, signature: ALICE.pair().sign(&bad) };
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![forged])),
			Error::<Test>::BadSignature
		);
	});
}

#[test]
fn replayed_forged_wrong_genesis_and_over_escrow_tickets_change_nothing() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		assert_ok!(Cdn::deposit(origin(ALICE), 1_000));
		let first = order(ALICE, R1, 3, 100);
		submit(R1, vec![first.clone()]);

		// Replay of the same ticket, and an older nonce.
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![first])),
			Error::<Test>::StaleNonce
		);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![order(ALICE, R1, 2, 100)])),
			Error::<Test>::StaleNonce
		);
		// Forged: Bob signs a ticket that names Alice as payer.
		let forged =
			sign(&BOB.pair(), ticket(&acc(ALICE), &acc(R1), 4, 1_000, 100, TicketKind::Retrieval));
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![forged])),
			Error::<Test>::BadSignature
		);
		// Tampered: the node raises the amount after Alice signed.
		let mut tampered = order(ALICE, R1, 4, 100);
		tampered.ticket.amount = 900;
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![tampered])),
			Error::<Test>::BadSignature
		);
		// Signed for another chain.
		let mut t = ticket(&acc(ALICE), &acc(R1), 4, 1_000, 100, TicketKind::Retrieval);
		t.genesis = H256::repeat_byte(7);
		let other_chain = sign(&ALICE.pair(), t);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![other_chain])),
			Error::<Test>::WrongGenesis
		);
		// More than the escrow left (1000 − 100 = 900), and a payer with no escrow.
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![order(ALICE, R1, 4, 901)])),
			Error::<Test>::InsufficientEscrow
		);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![order(BOB, R1, 1, 100)])),
			Error::<Test>::InsufficientEscrow
		);
		// A valid ticket followed by a bad one: the whole batch is rejected, the valid one
		// included (assert_noop checks the storage root).
		assert_noop!(
			Cdn::submit_tickets(
				origin(R1),
				batch(vec![order(ALICE, R1, 4, 100), order(ALICE, R1, 5, 901)])
			),
			Error::<Test>::InsufficientEscrow
		);
		// Two copies of one ticket in a batch: the second is a replay.
		let dup = order(ALICE, R1, 4, 100);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![dup.clone(), dup.clone()])),
			Error::<Test>::StaleNonce
		);
		// And the valid ticket alone still settles.
		submit(R1, vec![dup]);
		assert_eq!(Escrows::<Test>::get(acc(ALICE)).unwrap().balance, 800);
	});
}

#[test]
fn ticket_shape_errors_are_precise_and_change_nothing() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(R2, NodeKind::Retrieval);
		register(C1, NodeKind::Cache);
		assert_ok!(Cdn::deposit(origin(ALICE), 1_000));
		assert_ok!(Cdn::deposit(origin(R1), 1_000));
		let alice = acc(ALICE);
		let s =
			|k: Sr25519Keyring, signer: &AccountId, node: Sr25519Keyring, bytes, amount, kind| {
				batch(vec![sign(&k.pair(), ticket(signer, &acc(node), 1, bytes, amount, kind))])
			};
		assert_noop!(Cdn::submit_tickets(origin(R1), batch(vec![])), Error::<Test>::EmptyBatch);
		assert_noop!(
			Cdn::submit_tickets(origin(BOB), s(ALICE, &alice, BOB, 1, 100, TicketKind::Retrieval)),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), s(ALICE, &alice, R2, 1, 100, TicketKind::Retrieval)),
			Error::<Test>::WrongNode
		);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), s(ALICE, &alice, R1, 1, 100, TicketKind::CacheOrder)),
			Error::<Test>::KindMismatch
		);
		assert_noop!(
			Cdn::submit_tickets(origin(C1), s(ALICE, &alice, C1, 1, 100, TicketKind::Retrieval)),
			Error::<Test>::KindMismatch
		);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), s(R1, &acc(R1), R1, 1, 100, TicketKind::Retrieval)),
			Error::<Test>::SelfTicket
		);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), s(ALICE, &alice, R1, 0, 100, TicketKind::Retrieval)),
			Error::<Test>::ZeroBytes
		);
		assert_noop!(
			Cdn::submit_tickets(
				origin(R1),
				s(ALICE, &alice, R1, 1, MIN_TICKET - 1, TicketKind::Retrieval)
			),
			Error::<Test>::AmountBelowMinimum
		);
		assert_noop!(
			Cdn::submit_tickets(origin(C1), s(R1, &acc(R1), C1, 1, 5, TicketKind::CachedBytes)),
			Error::<Test>::AttestationWithAmount
		);
		assert_noop!(
			Cdn::submit_tickets(origin(C1), s(ALICE, &alice, C1, 1, 0, TicketKind::CachedBytes)),
			Error::<Test>::SignerNotRetrievalNode
		);
		// A ticket signed for one kind cannot be replayed as another.
		let mut t =
			sign(&ALICE.pair(), ticket(&alice, &acc(C1), 1, 10, 100, TicketKind::CacheOrder));
		t.ticket.kind = TicketKind::CachedBytes;
		t.ticket.amount = 0;
		assert_noop!(
			Cdn::submit_tickets(origin(C1), batch(vec![t])),
			Error::<Test>::SignerNotRetrievalNode
		);
	});
}

#[test]
fn receipts_are_bounded_per_node_per_cycle() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		let users: Vec<sr25519::Pair> =
			(0..=MAX_RECEIPTS as u8).map(|i| sr25519::Pair::from_seed(&[i + 1; 32])).collect();
		for p in &users {
			let who = AccountId::from(p.public());
			assert_ok!(Balances::mint_into(&who, 1_000));
			assert_ok!(Cdn::deposit(RuntimeOrigin::signed(who), 100));
		}
		let t = |p: &sr25519::Pair| {
			sign(
				p,
				ticket(
					&AccountId::from(p.public()),
					&acc(R1),
					1,
					1,
					MIN_TICKET,
					TicketKind::Retrieval,
				),
			)
		};
		submit(R1, users[..MAX_RECEIPTS as usize].iter().map(t).collect());
		assert_eq!(Receipts::<Test>::get(acc(R1), 0).len() as u32, MAX_RECEIPTS);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![t(&users[MAX_RECEIPTS as usize])])),
			Error::<Test>::ReceiptsFull
		);
		// Next cycle has a fresh list.
		next_cycle();
		submit(R1, vec![t(&users[MAX_RECEIPTS as usize])]);
	});
}

// ---------------------------------------------------------------------------------------
// Cycles and rewards
// ---------------------------------------------------------------------------------------

#[test]
fn cycle_closes_every_cycle_length_blocks_with_constant_work() {
	build_and_execute(|| {
		run_to_block(CYCLE - 1);
		assert_eq!(CurrentCycle::<Test>::get(), 0);
		assert_eq!(Cdn::on_initialize(CYCLE - 1), <() as crate::WeightInfo>::on_initialize_idle());
		run_to_block(CYCLE);
		assert_eq!((CurrentCycle::<Test>::get(), CycleStart::<Test>::get()), (1, CYCLE));
		run_to_block(2 * CYCLE);
		assert_eq!(CurrentCycle::<Test>::get(), 2);
	});
}

#[test]
fn cycle_with_no_orders_keeps_the_pool_for_the_next_cycle() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		fund_pool(10_000);
		next_cycle();
		assert!(events().contains(&Event::CycleClosed {
			cycle: 0,
			retrieval_pool: 0,
			cache_pool: 0,
			retrieval_power: 0,
			cached_bytes: 0,
			total_points: 0,
			participants: 0,
		}));
		assert!(Snapshots::<Test>::get(0).is_none());
		// Pool untouched: ED 1 + 10 000.
		assert_eq!(free(&pool()), 10_001);

		// Cycle 1: one minimum ticket of 10. Treasury 5 % × 10 = 0.5 → 0 (rounded down),
		// income 10. Retrieval pool = 60 % × 10 000 = 6000, all of it to the only node.
		assert_ok!(Cdn::deposit(origin(ALICE), 1_000));
		submit(R1, vec![order(ALICE, R1, 1, 10)]);
		next_cycle();
		assert_eq!(
			report_reward(R1, 1),
			Some(RewardBreakdown { income: 10, pool_share: 6_000, units: 1, total: 6_010 })
		);
		// Cache pool (4000) had no points: it stayed in the pool with the ED.
		assert_eq!(free(&pool()), 4_001);
	});
}

#[test]
fn retrieval_reward_worked_example() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(R2, NodeKind::Retrieval);
		register(R3, NodeKind::Retrieval);
		assert_ok!(Cdn::deposit(origin(ALICE), 10_000));
		assert_ok!(Cdn::deposit(origin(BOB), 10_000));
		fund_pool(10_000);
		let treasury_before = free(&TreasuryAccount::get());

		// R1: 3 orders, 100 + 200 + 300 = 600 → treasury 30, income 570.
		submit(
			R1,
			vec![order(ALICE, R1, 1, 100), order(ALICE, R1, 2, 200), order(ALICE, R1, 3, 300)],
		);
		// R2: 1 order of 400 → treasury 20, income 380. R3: nothing (zero power).
		submit(R2, vec![order(BOB, R2, 1, 400)]);
		assert_eq!(free(&TreasuryAccount::get()), treasury_before + 50);

		next_cycle();
		// Pool 10 000 (above ED): retrieval 60 % = 6000, cache 4000 (no points → stays).
		assert!(events().contains(&Event::CycleClosed {
			cycle: 0,
			retrieval_pool: 6_000,
			cache_pool: 0,
			retrieval_power: 4,
			cached_bytes: 0,
			total_points: 0,
			participants: 2,
		}));
		assert_eq!(free(&pool()), 4_001);

		// R1 = 570 + 3/4 × 6000 = 570 + 4500 = 5070; R2 = 380 + 1/4 × 6000 = 1880.
		assert_eq!(
			report_reward(R1, 0),
			Some(RewardBreakdown { income: 570, pool_share: 4_500, units: 3, total: 5_070 })
		);
		assert_eq!(
			report_reward(R2, 0),
			Some(RewardBreakdown { income: 380, pool_share: 1_500, units: 1, total: 1_880 })
		);
		// R3 had zero power: no reward, nothing to claim.
		assert_eq!(report_reward(R3, 0), None);
		assert_eq!(Cdn::node_cycle_report(acc(R3), 0).reward_balance, 0);
		assert_noop!(Cdn::claim(origin(R3)), Error::<Test>::NothingToClaim);

		// The report shows the unsettled reward before the node interacts.
		let report = Cdn::node_cycle_report(acc(R1), 0);
		assert_eq!(
			(report.reward_balance, report.claimable_now, report.current_cycle),
			(5_070, 2_535, 1)
		);
		assert_eq!(report.receipts.len(), 1);
		assert_eq!(report.work.map(|w| (w.orders, w.income)), Some((3, 570)));

		let r1_before = free(&acc(R1));
		assert_ok!(Cdn::claim(origin(R1)));
		assert!(events().contains(&Event::NodeRewarded {
			cycle: 0,
			node: acc(R1),
			units: 3,
			income: 570,
			pool_share: 4_500,
			amount: 5_070,
		}));
		// Claim pays 5070 / 2 = 2535.
		assert_eq!(free(&acc(R1)), r1_before + 2_535);
		assert_ok!(Cdn::claim(origin(R2)));
		// 4500 + 1500 = 6000: nothing left over, snapshot removed.
		assert!(events().contains(&Event::CycleFinalized { cycle: 0, remainder: 0 }));
		assert!(Snapshots::<Test>::get(0).is_none());
		assert_eq!(Rewards::<Test>::get(acc(R2)).balance, 940);
	});
}

#[test]
fn cache_points_worked_example_with_remainder_back_to_the_pool() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(C1, NodeKind::Cache);
		register(C2, NodeKind::Cache);
		assert_ok!(Cdn::set_retrieval_share(RuntimeOrigin::root(), Perbill::from_percent(50)));
		assert!(events()
			.contains(&Event::RetrievalShareSet { retrieval_share: Perbill::from_percent(50) }));
		assert_ok!(Cdn::deposit(origin(ALICE), 10_000));
		assert_ok!(Cdn::deposit(origin(BOB), 10_000));
		fund_pool(10_000);

		let attest = |node: Sr25519Keyring, bytes| {
			sign(&R1.pair(), ticket(&acc(R1), &acc(node), 1, bytes, 0, TicketKind::CachedBytes))
		};
		let cache_order = |user: Sr25519Keyring, node: Sr25519Keyring, bytes| {
			sign(&user.pair(), ticket(&acc(user), &acc(node), 1, bytes, 50, TicketKind::CacheOrder))
		};
		// C1: 300 order bytes, 600 cached (attested by R1). C2: 100 order bytes, 200 cached.
		// The two cache orders pay 50 each into the reward pool.
		submit(C1, vec![cache_order(ALICE, C1, 300), attest(C1, 600)]);
		submit(C2, vec![cache_order(BOB, C2, 100), attest(C2, 200)]);
		assert_eq!(free(&pool()), 1 + 10_100);

		next_cycle();
		// Pool 10 100: 50 % → retrieval 5050 (no power → stays), cache 5050.
		// Points C1 = 300 × 1 + 600/800 × 1000 = 1050; C2 = 100 + 200/800 × 1000 = 350.
		// TotalPoints = 400 × 1 + 1000 = 1400.
		assert!(events().contains(&Event::CycleClosed {
			cycle: 0,
			retrieval_pool: 0,
			cache_pool: 5_050,
			retrieval_power: 0,
			cached_bytes: 800,
			total_points: 1_400,
			participants: 2,
		}));
		assert_eq!(free(&pool()), 1 + 10_100 - 5_050);
		// C1 = 5050 × 1050 / 1400 = 3787.5 → 3787; C2 = 5050 × 350 / 1400 = 1262.5 → 1262.
		assert_eq!(
			report_reward(C1, 0),
			Some(RewardBreakdown { income: 0, pool_share: 3_787, units: 1_050, total: 3_787 })
		);
		assert_eq!(
			report_reward(C2, 0),
			Some(RewardBreakdown { income: 0, pool_share: 1_262, units: 350, total: 1_262 })
		);
		let c1_before = free(&acc(C1));
		assert_ok!(Cdn::claim(origin(C1)));
		// 3787 − 3787 / 2 = 3787 − 1893 = 1894.
		assert_eq!(free(&acc(C1)), c1_before + 1_894);
		assert_ok!(Cdn::claim(origin(C2)));
		// 5050 − 3787 − 1262 = 1 unit of rounding goes back to the pool.
		assert!(events().contains(&Event::CycleFinalized { cycle: 0, remainder: 1 }));
		assert_eq!(free(&pool()), 1 + 10_100 - 5_050 + 1);
	});
}

#[test]
fn claim_pays_half_once_per_cycle() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		assert_ok!(Cdn::set_retrieval_share(RuntimeOrigin::root(), Perbill::one()));
		assert_ok!(Cdn::deposit(origin(ALICE), 1_000));
		assert_noop!(Cdn::claim(origin(R1)), Error::<Test>::NothingToClaim);

		// Cycle 0: order of 20 → treasury 1, income 19; pool 981 → reward 19 + 981 = 1000.
		fund_pool(981);
		submit(R1, vec![order(ALICE, R1, 1, 20)]);
		next_cycle();
		let r1 = acc(R1);
		let start = free(&r1);
		assert_ok!(Cdn::claim(origin(R1)));
		// 1000 → claim 500, 500 stays.
		assert_eq!(free(&r1), start + 500);
		assert_eq!(Rewards::<Test>::get(&r1).balance, 500);
		assert_noop!(Cdn::claim(origin(R1)), Error::<Test>::AlreadyClaimedThisCycle);
		assert_eq!(Cdn::node_cycle_report(r1.clone(), 1).claimable_now, 0);

		// Cycle 1: income 19 + pool 181 = +200.
		fund_pool(181);
		submit(R1, vec![order(ALICE, R1, 2, 20)]);
		next_cycle();
		assert_ok!(Cdn::claim(origin(R1)));
		// 500 + 200 = 700 → claim 350, 350 stays.
		assert_eq!(free(&r1), start + 500 + 350);
		assert_eq!(Rewards::<Test>::get(&r1).balance, 350);
		assert!(events().contains(&Event::RewardClaimed {
			cycle: 2,
			node: r1,
			amount: 350,
			remaining: 350
		}));
	});
}

#[test]
fn set_retrieval_share_needs_root() {
	build_and_execute(|| {
		assert_noop!(
			Cdn::set_retrieval_share(origin(ALICE), Perbill::from_percent(10)),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn no_unit_is_created_or_lost() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(R2, NodeKind::Retrieval);
		register(C1, NodeKind::Cache);
		fund_pool(1_001);
		let issuance = Balances::total_issuance();
		assert_ok!(Cdn::deposit(origin(ALICE), 5_000));
		assert_ok!(Cdn::deposit(origin(BOB), 5_000));
		// Powers 2 and 1 of a 600 retrieval pool... shares with remainders.
		submit(R1, vec![order(ALICE, R1, 1, 33), order(BOB, R1, 1, 77)]);
		submit(R2, vec![order(ALICE, R2, 1, 19)]);
		submit(
			C1,
			vec![sign(
				&ALICE.pair(),
				ticket(&acc(ALICE), &acc(C1), 1, 7, 11, TicketKind::CacheOrder),
			)],
		);
		next_cycle();
		for k in [R1, R2, C1] {
			assert_ok!(Cdn::claim(origin(k)));
		}
		next_cycle();
		for k in [R1, R2, C1] {
			assert_ok!(Cdn::claim(origin(k)));
		}
		assert_eq!(Balances::total_issuance(), issuance);
		assert!(Snapshots::<Test>::iter().next().is_none());
	});
}
