//! Unit tests. Every reward number is worked by hand in the comments next to the assertion.
//! Mock parameters (see `mock.rs`): τ = 5 %, k_r = 80 %, k_c = 20 %, k_o = 100 %, p = 2 planck
//! per byte, ρ = 4, PointBase 1, PointsPerCycle 1 000, retrieval share 60 %, no fees.

use crate::{
	cycles, mock::*, tickets, Allowances, CacheAttestation, CachedLevels, Caps, CurrentCycle,
	Error, Escrows, Event, LotteryTicket, NodeKind, NodeWork, Nodes, PruneCursor, Receipts,
	RejectReason, Rewards, SigForm, SignedLotteryTicket, SignedTicketOf, Snapshots, TicketBatchOf,
	TicketKind, TicketOf, TicketStatus, Unsettled,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold, Mutate},
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

/// The node's random value for a ticket: deterministic per `(salt)`.
fn rand(salt: u64) -> H256 {
	H256(sp_io::hashing::blake2_256(&salt.to_le_bytes()))
}

/// A ticket from `payer` to `node` drawing on the current allowance, valid one lifetime.
fn lottery(
	payer: &AccountId,
	node: &AccountId,
	nonce: u64,
	face: Balance,
	win_prob: u64,
	kind: TicketKind,
) -> TicketOf<Test> {
	let opened = Allowances::<Test>::get(payer, node).map(|a| a.opened_at).unwrap_or(0);
	LotteryTicket {
		payer: payer.clone(),
		allowance_opened_at: opened,
		nonce,
		face_value: face,
		win_prob,
		bytes: 1_000,
		kind,
		recipient_rand_hash: tickets::commitment(&rand(nonce)),
		expires_at: System::block_number() + LIFETIME,
	}
}

/// Signs `t` (to `node`) in `form`; reveals `rand(t.nonce)`.
fn sign_as(
	pair: &sr25519::Pair,
	node: &AccountId,
	t: TicketOf<Test>,
	form: SigForm,
) -> SignedTicketOf<Test> {
	let payload = tickets::payload(&genesis(), node, &t);
	let message = match form {
		SigForm::Raw => payload,
		SigForm::Bytes => tickets::wrapped_payload(&payload),
	};
	let recipient_rand = rand(t.nonce);
	SignedLotteryTicket { ticket: t, signature: pair.sign(&message), form, recipient_rand }
}

/// A certain winner (`win_prob = u64::MAX`) of `face` from `user` to `node`, raw-signed.
fn order(
	user: Sr25519Keyring,
	node: Sr25519Keyring,
	nonce: u64,
	face: Balance,
) -> SignedTicketOf<Test> {
	let kind = match Nodes::<Test>::get(acc(node)).map(|n| n.kind) {
		Some(NodeKind::Cache) => TicketKind::CacheOrder,
		_ => TicketKind::Retrieval,
	};
	let t = lottery(&acc(user), &acc(node), nonce, face, u64::MAX, kind);
	sign_as(&user.pair(), &acc(node), t, SigForm::Raw)
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

/// `user` deposits `amount` and commits all of it to `node`.
fn fund(user: Sr25519Keyring, node: Sr25519Keyring, amount: Balance) {
	assert_ok!(Cdn::deposit(origin(user), amount));
	let current = Allowances::<Test>::get(acc(user), acc(node)).map(|a| a.balance).unwrap_or(0);
	assert_ok!(Cdn::set_allowance(origin(user), acc(node), current + amount));
}

/// `user` pays `node` exactly `amount` with one certain winner (fresh nonce).
fn pay(user: Sr25519Keyring, node: Sr25519Keyring, nonce: u64, amount: Balance) {
	fund(user, node, amount);
	submit(node, vec![order(user, node, nonce, amount)]);
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

/// What a set of accounts is worth: balances (free and held), allowances they fund and
/// credited, unclaimed rewards.
fn worth(keys: &[Sr25519Keyring]) -> Balance {
	let accounts: Vec<AccountId> = keys.iter().map(|k| acc(*k)).collect();
	let mut total = 0;
	for a in &accounts {
		total += Balances::total_balance(a);
		total += Rewards::<Test>::get(a).balance;
	}
	for (payer, _node, allowance) in Allowances::<Test>::iter() {
		if accounts.contains(&payer) {
			total += allowance.balance;
		}
	}
	total
}

/// Settles every node of `keys` (a claim-free settlement: what the cycle credited).
fn settle_all(keys: &[Sr25519Keyring]) {
	for k in keys {
		let _ = Cdn::settle(origin(ALICE), acc(*k));
	}
}

/// Signs an attestation of `level` by retrieval node `r` for cache node `c`.
fn attestation(
	r: Sr25519Keyring,
	c: Sr25519Keyring,
	level: u64,
	version: u32,
) -> (CacheAttestation<AccountId, H256>, sr25519::Signature) {
	let att = CacheAttestation {
		genesis: genesis(),
		retrieval: acc(r),
		cache: acc(c),
		cycle: CurrentCycle::<Test>::get(),
		level,
		version,
	};
	let signature = r.pair().sign(&tickets::attestation_payload(&att));
	(att, signature)
}

fn attest(
	r: Sr25519Keyring,
	c: Sr25519Keyring,
	level: u64,
	version: u32,
) -> sp_runtime::DispatchResult {
	let (att, sig) = attestation(r, c, level, version);
	Cdn::attest_cached(origin(c), att, sig, SigForm::Raw)
}

fn treasury() -> Balance {
	free(&TreasuryAccount::get())
}

// ---------------------------------------------------------------------------------------
// Pure math
// ---------------------------------------------------------------------------------------

#[test]
fn pro_rata_split_caps_and_points_math() {
	// 1000 × 1 / 3 = 333.33 → 333 (rounded down), zero total pays nothing.
	assert_eq!(cycles::pro_rata(1_000u128, 1, 3), 333);
	assert_eq!(cycles::pro_rata(1_000u128, 5, 0), 0);
	// 60 % of 10 001 = 6000.6 → 6000 retrieval, 4001 cache: adds up exactly.
	assert_eq!(cycles::split_pool(10_001u128, Perbill::from_percent(60)), (6_000, 4_001));
	// Points = 300 × 1 + 600 / 800 × 1000 = 300 + 750 = 1050.
	assert_eq!(cycles::cache_points(300, 600, 800, 1, 1_000), 1_050);
	assert_eq!(cycles::total_points(400, 800, 1, 1_000), 1_400);
	assert_eq!(cycles::total_points(400, 0, 1, 1_000), 400);
	// k·τ·A: 80 % × floor(5 % × 1 999 = 99.95 → 99) = 79.2 → 79.
	assert_eq!(cycles::capped(Perbill::from_percent(80), Perbill::from_percent(5), 1_999u128), 79);
	// Order bytes = paid / p: 1 001 / 2 = 500; declared bytes play no part.
	assert_eq!(cycles::order_bytes(1_001u128, 2), 500);
	// Cap_C = 100 % × 5 % × 1 000 + 20 % × 5 % × (2 × 4 000 / 4 = 2 000) = 50 + 20 = 70.
	let caps = Caps {
		retrieval: Perbill::from_percent(80),
		cached: Perbill::from_percent(20),
		cache_order: Perbill::from_percent(100),
	};
	assert_eq!(cycles::cache_cap(&caps, Perbill::from_percent(5), 1_000u128, 4_000, 2, 4), 70);
	// One winner stands for 2⁶⁴ / win_prob tickets: p = 1/100 → 100 (u64::MAX = always wins → 1).
	assert_eq!(tickets::represented(u64::MAX / 100 + 1), 99);
	assert_eq!(tickets::represented(1 << 57), 128);
	assert_eq!(tickets::represented(u64::MAX), 1);
}

// ---------------------------------------------------------------------------------------
// Registration, escrow, allowances
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
		assert_ok!(Cdn::unregister_node(origin(R1)));
		assert_eq!(free(&r1), INITIAL);
		assert!(Nodes::<Test>::get(&r1).is_none());
		assert_noop!(Cdn::unregister_node(origin(R1)), Error::<Test>::NotRegistered);
	});
}

#[test]
fn unregister_waits_for_pending_work_and_rewards_stay_claimable() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		pay(ALICE, R1, 1, 100);
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

#[test]
fn escrow_withdraw_waits_for_the_delay() {
	build_and_execute(|| {
		let alice = acc(ALICE);
		assert_noop!(Cdn::deposit(origin(ALICE), 0), Error::<Test>::ZeroAmount);
		assert_noop!(Cdn::deposit(origin(ALICE), INITIAL), Error::<Test>::InsufficientBalance);
		assert_noop!(Cdn::request_withdraw(origin(ALICE), 1), Error::<Test>::NoEscrow);
		assert_ok!(Cdn::deposit(origin(ALICE), 1_000));
		assert_noop!(Cdn::withdraw(origin(ALICE)), Error::<Test>::NoWithdrawalRequested);
		// Block 1 + delay 20 = unlock at 21.
		assert_ok!(Cdn::request_withdraw(origin(ALICE), 600));
		assert_noop!(Cdn::withdraw(origin(ALICE)), Error::<Test>::WithdrawalLocked);
		run_to_block(21);
		assert_ok!(Cdn::withdraw(origin(ALICE)));
		assert_eq!(Escrows::<Test>::get(&alice).map(|e| e.balance), Some(400));
		assert_eq!(free(&alice), INITIAL - 400);
	});
}

#[test]
fn overcommit_impossible_and_underfunded_reported() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(R2, NodeKind::Retrieval);
		let bob = acc(BOB);
		assert_ok!(Cdn::deposit(origin(BOB), 100));
		assert_noop!(Cdn::set_allowance(origin(BOB), acc(ALICE), 100), Error::<Test>::UnknownNode);
		assert_ok!(Cdn::set_allowance(origin(BOB), acc(R1), 100));
		// The escrow is committed to R1: R2 cannot be promised any of it.
		assert_noop!(
			Cdn::set_allowance(origin(BOB), acc(R2), 1),
			Error::<Test>::InsufficientEscrow
		);
		// Allowance held by the pallet account; 5 held as its storage deposit.
		assert_eq!(free(&bob), INITIAL - 100 - ALLOWANCE_DEPOSIT);
		assert_eq!(
			Balances::balance_on_hold(&crate::HoldReason::AllowanceDeposit.into(), &bob),
			ALLOWANCE_DEPOSIT
		);
		// A 150 winner against 100: pays the 100 left and is reported.
		submit(R1, vec![order(BOB, R1, 1, 150)]);
		assert!(events().contains(&Event::Underfunded {
			payer: bob.clone(),
			nonce: 1,
			paid: 100,
			face: 150
		}));
		assert_eq!(NodeWork::<Test>::get(0, acc(R1)).unwrap().work.paid, 100);
		// Empty now: the next winner is refused and nothing changes.
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![order(BOB, R1, 2, 10)])),
			Error::<Test>::AllowanceExhausted
		);
	});
}

#[test]
fn expired_and_reopened_allowance() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		fund(ALICE, R1, 100);
		let (alice, r1) = (acc(ALICE), acc(R1));
		let mut t = lottery(&alice, &r1, 1, 10, u64::MAX, TicketKind::Retrieval);
		t.expires_at = 0;
		let expired = sign_as(&ALICE.pair(), &r1, t.clone(), SigForm::Raw);
		assert_noop!(Cdn::submit_tickets(origin(R1), batch(vec![expired])), Error::<Test>::Expired);
		t.expires_at = 1 + LIFETIME + 1;
		let long = sign_as(&ALICE.pair(), &r1, t, SigForm::Raw);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![long])),
			Error::<Test>::LifetimeTooLong
		);

		// Close the allowance: the decrease waits 20 blocks, tickets still draw meanwhile.
		assert_ok!(Cdn::set_allowance(origin(ALICE), r1.clone(), 0));
		assert_noop!(
			Cdn::release_allowance(origin(ALICE), r1.clone()),
			Error::<Test>::AllowanceLocked
		);
		run_to_block(15);
		submit(R1, vec![order(ALICE, R1, 1, 30)]);
		run_to_block(21);
		assert_ok!(Cdn::release_allowance(origin(ALICE), r1.clone()));
		// 100 − 30 = 70 back to escrow, allowance and its deposit gone.
		assert!(events().contains(&Event::AllowanceReleased {
			payer: alice.clone(),
			node: r1.clone(),
			released: 70,
			balance: 0,
			closed: true
		}));
		assert_eq!(Escrows::<Test>::get(&alice).map(|e| e.balance), Some(70));
		assert_eq!(
			Balances::balance_on_hold(&crate::HoldReason::AllowanceDeposit.into(), &alice),
			0
		);

		// Reopened at block 21: nonce 1 is fresh again, but a ticket for the old opening
		// (block 1) is refused.
		assert_ok!(Cdn::set_allowance(origin(ALICE), r1.clone(), 70));
		let mut old = lottery(&alice, &r1, 1, 10, u64::MAX, TicketKind::Retrieval);
		assert_eq!(old.allowance_opened_at, 21);
		old.allowance_opened_at = 1;
		let old = sign_as(&ALICE.pair(), &r1, old, SigForm::Raw);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![old])),
			Error::<Test>::WrongAllowance
		);
		submit(R1, vec![order(ALICE, R1, 1, 10)]);
	});
}

// ---------------------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------------------

#[test]
fn settling_winners_draws_the_allowance_and_pays_the_treasury() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		fund(ALICE, R1, 1_000);
		let (alice, r1) = (acc(ALICE), acc(R1));
		let t3 = lottery(&alice, &r1, 3, 300, u64::MAX, TicketKind::Retrieval);
		submit(
			R1,
			vec![
				order(ALICE, R1, 1, 100),
				order(ALICE, R1, 2, 200),
				// As a browser wallet's signRaw signs: `<Bytes>payload</Bytes>`.
				sign_as(&ALICE.pair(), &r1, t3, SigForm::Bytes),
			],
		);
		// 600 paid: 5 % = 30 to the treasury at once, 570 income waits for the cycle.
		assert_eq!(treasury(), 1 + 30);
		assert_eq!(Allowances::<Test>::get(&alice, &r1).unwrap().balance, 400);
		let receipt = Receipts::<Test>::get((0, &r1, &alice)).unwrap();
		assert_eq!(
			(receipt.won, receipt.paid, receipt.expected_tickets, receipt.expected_bytes),
			(3, 600, 3, 3_000)
		);
		assert_eq!(receipt.last_nonce, 3);
		let work = NodeWork::<Test>::get(0, &r1).unwrap().work;
		assert_eq!((work.paid, work.income, work.winners), (600, 570, 3));
		assert!(events().contains(&Event::BatchSettled {
			cycle: 0,
			node: r1.clone(),
			settled: 3,
			rejected: 0,
			paid: 600,
			income: 570,
			treasury: 30
		}));
		// A raw signature presented as `<Bytes>` is not the payer's signature of that form.
		let t4 = lottery(&alice, &r1, 4, 10, u64::MAX, TicketKind::Retrieval);
		let mut wrong = sign_as(&ALICE.pair(), &r1, t4, SigForm::Raw);
		wrong.form = SigForm::Bytes;
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![wrong])),
			Error::<Test>::BadSignature
		);
	});
}

#[test]
fn bad_ticket_skipped_rest_settles() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		fund(ALICE, R1, 1_000);
		let (alice, r1, bob) = (acc(ALICE), acc(R1), acc(BOB));
		let good1 = order(ALICE, R1, 1, 100);
		let mut forged = order(ALICE, R1, 2, 100);
		forged.ticket.face_value = 500;
		let good3 = order(ALICE, R1, 3, 100);
		let no_allowance = order(BOB, R1, 1, 100);
		let res = Cdn::submit_tickets(
			origin(R1),
			batch(vec![good1.clone(), forged, good3, good1, no_allowance]),
		);
		assert_ok!(res);
		let evs = events();
		for (index, payer, nonce, reason) in [
			(1, &alice, 2, RejectReason::BadSignature),
			(3, &alice, 1, RejectReason::StaleNonce),
			(4, &bob, 1, RejectReason::NoAllowance),
		] {
			assert!(evs.contains(&Event::TicketRejected {
				index,
				payer: payer.clone(),
				nonce,
				reason
			}));
		}
		assert!(evs.contains(&Event::BatchSettled {
			cycle: 0,
			node: r1.clone(),
			settled: 2,
			rejected: 3,
			paid: 200,
			income: 190,
			treasury: 10
		}));
		assert_eq!(Allowances::<Test>::get(&alice, &r1).unwrap().balance, 800);
	});
}

#[test]
fn all_bad_fails_unchanged_with_the_first_error() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(C1, NodeKind::Cache);
		fund(ALICE, R1, 1_000);
		let mut forged = order(ALICE, R1, 2, 100);
		forged.ticket.face_value = 500;
		let mut below = order(ALICE, R1, 3, 100);
		below.ticket.face_value = MIN_FACE - 1;
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![forged.clone(), below.clone()])),
			Error::<Test>::BadSignature
		);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![below, forged])),
			Error::<Test>::FaceBelowMinimum
		);
		let mut kind = order(ALICE, R1, 4, 100);
		kind.ticket.kind = TicketKind::CacheOrder;
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![kind])),
			Error::<Test>::KindMismatch
		);
		assert_noop!(Cdn::submit_tickets(origin(R1), batch(vec![])), Error::<Test>::EmptyBatch);
		assert_noop!(
			Cdn::submit_tickets(origin(R2), batch(vec![order(ALICE, R1, 5, 100)])),
			Error::<Test>::NotRegistered
		);
		// The node's own ticket (self-dealing without even a sybil) is refused.
		let own = order(R1, R1, 1, 100);
		assert_noop!(Cdn::submit_tickets(origin(R1), batch(vec![own])), Error::<Test>::SelfTicket);
	});
}

#[test]
fn nonce_window_out_of_order_replay_jump() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		fund(ALICE, R1, 100_000);
		let (alice, r1) = (acc(ALICE), acc(R1));
		// Out of order inside the window: 5, 3, 4 all settle.
		submit(R1, vec![order(ALICE, R1, 5, 10), order(ALICE, R1, 3, 10), order(ALICE, R1, 4, 10)]);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![order(ALICE, R1, 3, 10)])),
			Error::<Test>::StaleNonce
		);
		// Highest seen 5: a jump to 5 + 2³² + 1 (or u64::MAX) is refused, 5 + 2³² accepted.
		let jump = 5 + (1u64 << 32);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![order(ALICE, R1, jump + 1, 10)])),
			Error::<Test>::NonceJump
		);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![order(ALICE, R1, u64::MAX, 10)])),
			Error::<Test>::NonceJump
		);
		submit(R1, vec![order(ALICE, R1, jump, 10)]);
		// Fill the window of 16: {3, 4, 5, jump} + 12 more.
		submit(R1, (10..22).map(|n| order(ALICE, R1, n, 10)).collect());
		let a = Allowances::<Test>::get(&alice, &r1).unwrap();
		assert_eq!((a.floor, a.recent.len()), (0, 16));
		// The 17th evicts the smallest (3), which becomes the floor.
		submit(R1, vec![order(ALICE, R1, 22, 10)]);
		assert_eq!(Allowances::<Test>::get(&alice, &r1).unwrap().floor, 3);
		assert_noop!(
			Cdn::submit_tickets(origin(R1), batch(vec![order(ALICE, R1, 2, 10)])),
			Error::<Test>::StaleNonce
		);
		assert_eq!(Cdn::ticket_status(alice.clone(), r1.clone(), 3), TicketStatus::Settled);
		assert_eq!(Cdn::ticket_status(alice.clone(), r1.clone(), 6), TicketStatus::Open);
		assert_eq!(Cdn::ticket_status(alice.clone(), r1.clone(), u64::MAX), TicketStatus::Stale);
		// 6 was never used and is above the floor: a late winner still settles.
		submit(R1, vec![order(ALICE, R1, 6, 10)]);
		assert_eq!(Allowances::<Test>::get(&alice, &r1).unwrap().floor, 4);
		// 18 winners × 10 paid.
		assert_eq!(Receipts::<Test>::get((0, &r1, &alice)).unwrap().paid, 180);
	});
}

/// A ticket with `win_prob` and the reveal of salt `nonce`, and whether it wins.
fn drawn(payer: &AccountId, node: &AccountId, nonce: u64, win_prob: u64) -> (TicketOf<Test>, bool) {
	let t = lottery(payer, node, nonce, 100, win_prob, TicketKind::Retrieval);
	let hash = tickets::ticket_hash(&tickets::payload(&genesis(), node, &t));
	let wins = tickets::wins(tickets::draw(&hash, &rand(nonce)), win_prob);
	(t, wins)
}

#[test]
fn lottery_commit_reveal_and_loser_rejected() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		fund(ALICE, R1, 1_000);
		let (alice, r1) = (acc(ALICE), acc(R1));
		// win_prob 0 never wins.
		let (never, wins) = drawn(&alice, &r1, 1, 0);
		assert!(!wins);
		assert_noop!(
			Cdn::submit_tickets(
				origin(R1),
				batch(vec![sign_as(&ALICE.pair(), &r1, never, SigForm::Raw)])
			),
			Error::<Test>::NotAWinner
		);
		// A reveal that does not match the commitment.
		let mut bad = order(ALICE, R1, 2, 100);
		bad.recipient_rand = rand(99);
		assert_noop!(Cdn::submit_tickets(origin(R1), batch(vec![bad])), Error::<Test>::BadReveal);
		// p = 1/2: find the first loser and the first winner among nonces 3...
		let half = 1u64 << 63;
		let loser = (3..).map(|n| drawn(&alice, &r1, n, half)).find(|(_, w)| !w).unwrap().0;
		let winner = (3..).map(|n| drawn(&alice, &r1, n, half)).find(|(_, w)| *w).unwrap().0;
		// Signing the loser again gives another (randomized) signature but the same draw.
		for _ in 0..3 {
			let s = sign_as(&ALICE.pair(), &r1, loser.clone(), SigForm::Raw);
			assert_noop!(
				Cdn::submit_tickets(origin(R1), batch(vec![s])),
				Error::<Test>::NotAWinner
			);
		}
		let w = sign_as(&ALICE.pair(), &r1, winner, SigForm::Raw);
		submit(R1, vec![w]);
		// The winner stands for 2⁶⁴ / 2⁶³ = 2 tickets.
		let r = Receipts::<Test>::get((0, &r1, &alice)).unwrap();
		assert_eq!((r.won, r.paid, r.expected_tickets), (1, 100, 2));
	});
}

#[test]
fn expected_value_converges() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		fund(ALICE, R1, 100_000);
		let (alice, r1) = (acc(ALICE), acc(R1));
		// 10⁴ tickets of face 100 at p ≈ 1/100: expected 100 winners, σ = √(10⁴·0.01·0.99)
		// ≈ 9.95, so 3σ bounds the winners to 71..=129 and the paid amount to 7 100..=12 900
		// against an expected value of 10 000.
		let p = u64::MAX / 100;
		let winners: Vec<TicketOf<Test>> = (1..=10_000)
			.map(|n| drawn(&alice, &r1, n, p))
			.filter(|(_, w)| *w)
			.map(|(t, _)| t)
			.collect();
		let w = winners.len() as u128;
		assert!((71..=129).contains(&w), "{w} winners");
		for chunk in winners.chunks(MAX_BATCH as usize) {
			submit(
				R1,
				chunk
					.iter()
					.map(|t| sign_as(&ALICE.pair(), &r1, t.clone(), SigForm::Raw))
					.collect(),
			);
		}
		let r = Receipts::<Test>::get((0, &r1, &alice)).unwrap();
		assert_eq!(r.paid, w * 100);
		// Each winner stands for 2⁶⁴ / p = 100 tickets.
		assert_eq!(r.expected_tickets, w * 100);
	});
}

#[test]
fn many_payers_never_full() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		let r1 = acc(R1);
		let payers: Vec<sr25519::Pair> = (0..10_000u32)
			.map(|i| {
				let mut seed = [7u8; 32];
				seed[..4].copy_from_slice(&i.to_le_bytes());
				sr25519::Pair::from_seed(&seed)
			})
			.collect();
		let mut pending = Vec::new();
		for pair in &payers {
			let who = AccountId::from(pair.public().0);
			assert_ok!(Balances::mint_into(&who, 100));
			assert_ok!(Cdn::deposit(RuntimeOrigin::signed(who.clone()), 10));
			assert_ok!(Cdn::set_allowance(RuntimeOrigin::signed(who.clone()), r1.clone(), 10));
			let t = lottery(&who, &r1, 1, 10, u64::MAX, TicketKind::Retrieval);
			pending.push(sign_as(pair, &r1, t, SigForm::Raw));
			if pending.len() == MAX_BATCH as usize {
				assert_ok!(Cdn::submit_tickets(origin(R1), batch(core::mem::take(&mut pending))));
			}
		}
		assert!(pending.is_empty());
		assert_eq!(NodeWork::<Test>::get(0, &r1).unwrap().work.paid, 100_000);
		// The paged API walks all 10 000 receipts, 1 000 per page, each payer once.
		let mut seen = std::collections::BTreeSet::new();
		let mut start = None;
		let mut pages = 0;
		loop {
			let (page, next) = Cdn::node_receipts(r1.clone(), 0, start, 1_000);
			pages += 1;
			for (payer, r) in page {
				assert_eq!((r.won, r.paid), (1, 10));
				assert!(seen.insert(payer));
			}
			match next {
				Some(n) => start = Some(n),
				None => break,
			}
		}
		assert_eq!((seen.len(), pages), (10_000, 10));
		assert_eq!(Cdn::node_cycle_report(r1, 0).receipt_count, 10_000);
	});
}

// ---------------------------------------------------------------------------------------
// Attacks: the coalition's worth across a full cycle and claim (design §6)
// ---------------------------------------------------------------------------------------

#[test]
fn c1_declared_bytes_buy_nothing() {
	build_and_execute(|| {
		register(C1, NodeKind::Cache);
		register(C2, NodeKind::Cache);
		fund_pool(10_000);
		let coalition = [BOB, C1];
		let before = worth(&coalition);
		// The attacker: one cache-order ticket declaring u64::MAX bytes for 100.
		fund(BOB, C1, 100);
		let mut t = lottery(&acc(BOB), &acc(C1), 1, 100, u64::MAX, TicketKind::CacheOrder);
		t.bytes = u64::MAX;
		submit(C1, vec![sign_as(&BOB.pair(), &acc(C1), t, SigForm::Raw)]);
		// Honest: Alice pays C2 1 000 for 500 bytes.
		pay(ALICE, C2, 1, 1_000);
		// Cache-order payments: 5 % to the treasury (5 + 50), not into the pool.
		assert_eq!(treasury(), 1 + 55);
		next_cycle();
		settle_all(&[C1, C2]);
		// Pool 10 000: P_R = 6 000 (nobody to pay: D_R = 0), P_C = 4 000. Caps: C1
		// 100 % × 5 % × 100 = 5, C2 5 % × 1 000 = 50; ΣCap_C = 5 % × 1 100 = 55.
		// D_C = min(4 000, 55) = 55: C1 55 × 5 / 55 = 5, C2 55 × 50 / 55 = 50, all paid:
		// remainder 0; 9 945 carried. (Points, reported only: 50 + 500 = 550.)
		assert!(events().contains(&Event::CycleClosed {
			cycle: 0,
			retrieval_pool: 6_000,
			cache_pool: 4_000,
			d_r: 0,
			d_c: 55,
			carried: 9_945,
			to_treasury: 0,
			retrieval_power: 0,
			cached_bytes: 0,
			total_points: 550,
			participants: 2
		}));
		let c1 = Cdn::node_cycle_report(acc(C1), 0).reward.unwrap();
		assert_eq!((c1.pro_rata, c1.cap, c1.pool_share, c1.surplus), (5, 5, 5, 0));
		assert_eq!(c1.total, 95 + 5);
		let c2 = Cdn::node_cycle_report(acc(C2), 0).reward.unwrap();
		assert_eq!((c2.pool_share, c2.total), (50, 950 + 50));
		assert!(events().contains(&Event::CycleFinalized { cycle: 0, remainder: 0 }));
		assert_ok!(Cdn::claim(origin(C1)));
		// Paid 100, got back 95 income + 5 pool: the coalition is exactly even (−fees on a
		// real chain); paying by points it would have been offered 363 here.
		assert_eq!(worth(&coalition), before);
		assert_eq!(free(&pool()), 1 + 9_945);
	});
}

#[test]
fn c2_attestation_replaces_budget_and_cap() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(R2, NodeKind::Retrieval);
		register(C1, NodeKind::Cache);
		register(C2, NodeKind::Cache);
		fund_pool(10_000);
		let coalition = [BOB, R1, C1];
		let before = worth(&coalition);
		// Nothing paid to R1 yet: its budget is zero.
		assert_noop!(attest(R1, C1, 1, 1), Error::<Test>::AttestationOverBudget);
		pay(BOB, R1, 1, 1_000);
		pay(ALICE, R2, 1, 1_000);
		// Budget ρ × A_R / p = 4 × 1 000 / 2 = 2 000 bytes.
		assert_noop!(attest(R1, C1, u64::MAX, 1), Error::<Test>::AttestationOverBudget);
		assert_ok!(attest(R1, C1, 1_500, 1));
		assert_ok!(attest(R1, C1, 2_000, 2));
		// The latest replaces: 2 000, not 3 500.
		assert_eq!(CachedLevels::<Test>::get((0, acc(C1), acc(R1))), Some((2_000, 2)));
		assert_eq!(NodeWork::<Test>::get(0, acc(C1)).unwrap().work.cached_bytes, 2_000);
		assert_noop!(attest(R1, C1, 1_000, 2), Error::<Test>::StaleAttestation);
		assert_noop!(attest(R1, C1, 2_001, 3), Error::<Test>::AttestationOverBudget);
		// The budget spans every cache: nothing left for C2.
		assert_noop!(attest(R1, C2, 1, 1), Error::<Test>::AttestationOverBudget);
		// Only a registered retrieval node can attest, only for the submitting cache.
		assert_noop!(attest(C2, C1, 1, 1), Error::<Test>::SignerNotRetrievalNode);
		let (att, sig) = attestation(R2, C2, 1, 1);
		assert_noop!(
			Cdn::attest_cached(origin(C1), att, sig, SigForm::Raw),
			Error::<Test>::WrongAttestation
		);
		// Honest: R2 attests C2's 2 000 bytes.
		assert_ok!(attest(R2, C2, 2_000, 1));

		next_cycle();
		settle_all(&[R1, R2, C1, C2]);
		// TRP = 2 000: D_R = min(6 000, 80 % × 5 % × 2 000 = 80) = 80; R1 and R2 get 40 each.
		// Cache: Cap_C1 = 20 % × 5 % × (2 × 2 000 / 4) = 10, ΣCap_C = 20 % × 5 % ×
		// (2 × 4 000 / 4) = 20, D_C = min(4 000, 20) = 20: C1 gets 20 × 10 / 20 = 10.
		let r1 = Cdn::node_cycle_report(acc(R1), 0).reward.unwrap();
		assert_eq!((r1.income, r1.pool_share, r1.total), (950, 40, 990));
		let c1 = Cdn::node_cycle_report(acc(C1), 0).reward.unwrap();
		assert_eq!((c1.pro_rata, c1.cap, c1.pool_share, c1.total), (10, 10, 10, 10));
		assert!(events().contains(&Event::CycleFinalized { cycle: 0, remainder: 0 }));
		assert_ok!(Cdn::claim(origin(R1)));
		assert_ok!(Cdn::claim(origin(C1)));
		// Paid 1 000, back 950 + 40 + 10 = 1 000: with k_r + k_c = 100 % exactly even.
		assert_eq!(worth(&coalition), before);
	});
}

/// Honest Alice pays R2 `honest`; the coalition (Bob, R1) pays R1 `a`. Returns the coalition's
/// change of worth after the cycle closed and R1 claimed.
fn farm(honest: Balance, a: Balance, k_r: Perbill) -> i128 {
	let mut delta = 0;
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(R2, NodeKind::Retrieval);
		assert_ok!(Cdn::set_caps(
			RuntimeOrigin::root(),
			Caps { retrieval: k_r, cached: Perbill::zero(), cache_order: Perbill::one() }
		));
		fund_pool(10_000);
		let coalition = [BOB, R1];
		let before = worth(&coalition) as i128;
		pay(ALICE, R2, 1, honest);
		pay(BOB, R1, 1, a);
		next_cycle();
		assert_ok!(Cdn::claim(origin(R1)));
		delta = worth(&coalition) as i128 - before;
	});
	delta
}

#[test]
fn m1_sybil_farm_net_negative() {
	// s = 50 %: TRP 2 000, D_R = min(6 000, 80 % × 5 % × 2 000 = 80), R1 gets 40.
	// −1 000 + 950 + 40 = −10 = −(1 − k_r)·τ·a.
	assert_eq!(farm(1_000, 1_000, Perbill::from_percent(80)), -10);
	// s = 90 %: TRP 10 000, D_R = 400, R1 gets 360: −9 000 + 8 550 + 360 = −90.
	assert_eq!(farm(1_000, 9_000, Perbill::from_percent(80)), -90);
	// k_r = 100 %: exactly even (never positive): R1 gets 50, then 450.
	assert_eq!(farm(1_000, 1_000, Perbill::one()), 0);
	assert_eq!(farm(1_000, 9_000, Perbill::one()), 0);
	// Almost no honest volume (10): TRP 1 010, D_R = 80 % × floor(5 % × 1 010 = 50.5) = 40,
	// R1 gets 40 × 1 000 / 1 010 = 39: −1 000 + 950 + 39 = −11.
	assert_eq!(farm(10, 1_000, Perbill::from_percent(80)), -11);
}

#[test]
fn cap_bounds_rejected() {
	build_and_execute(|| {
		let caps = |r, c| Caps {
			retrieval: Perbill::from_percent(r),
			cached: Perbill::from_percent(c),
			cache_order: Perbill::one(),
		};
		assert_noop!(Cdn::set_caps(RuntimeOrigin::root(), caps(80, 21)), Error::<Test>::CapTooHigh);
		assert_noop!(Cdn::set_caps(RuntimeOrigin::root(), caps(100, 1)), Error::<Test>::CapTooHigh);
		assert_noop!(Cdn::set_caps(origin(ALICE), caps(10, 10)), DispatchError::BadOrigin);
		assert_ok!(Cdn::set_caps(RuntimeOrigin::root(), caps(100, 0)));
		assert_eq!(crate::PoolCaps::<Test>::get(), caps(100, 0));
		assert!(events().contains(&Event::CapsSet { caps: caps(100, 0) }));
	});
}

// ---------------------------------------------------------------------------------------
// Cycles, carry-over, stragglers and pruning
// ---------------------------------------------------------------------------------------

#[test]
fn small_pool_is_shared_pro_rata_with_the_remainder_back() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(R2, NodeKind::Retrieval);
		fund_pool(50);
		pay(ALICE, R1, 1, 1_000);
		pay(BOB, R2, 1, 3_000);
		next_cycle();
		settle_all(&[R1, R2]);
		// P_R = 30, cap 80 % × 5 % × 4 000 = 160: the pool binds, D_R = 30.
		// R1: 30 × 1 000 / 4 000 = 7.5 → 7; R2: 22.5 → 22; remainder 1 back to the pool.
		assert_eq!(Cdn::node_cycle_report(acc(R1), 0).reward.unwrap().pool_share, 7);
		assert_eq!(Cdn::node_cycle_report(acc(R2), 0).reward.unwrap().pool_share, 22);
		assert!(events().contains(&Event::CycleFinalized { cycle: 0, remainder: 1 }));
		// 50 − 30 + 1 = 21 in the pool (plus its existential deposit).
		assert_eq!(free(&pool()), 1 + 21);
	});
}

#[test]
fn surplus_above_carry_cap_goes_to_the_treasury() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		fund_pool(2_000_000);
		pay(ALICE, R1, 1, 1_000);
		let t0 = treasury();
		next_cycle();
		// D_R = min(1 200 000, 80 % × 5 % × 1 000 = 40) = 40; 1 999 960 left, 1 000 000
		// carried, 999 960 to the treasury.
		assert!(events().iter().any(|e| matches!(
			e,
			Event::CycleClosed { d_r: 40, d_c: 0, carried: 1_000_000, to_treasury: 999_960, .. }
		)));
		assert_eq!(treasury(), t0 + 999_960);
		assert_eq!(free(&pool()), 1 + 1_000_000);
	});
}

#[test]
fn claim_pays_half_once_per_cycle() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		pay(ALICE, R1, 1, 1_000);
		assert_noop!(Cdn::claim(origin(R1)), Error::<Test>::NothingToClaim);
		next_cycle();
		let before = free(&acc(R1));
		assert_ok!(Cdn::claim(origin(R1)));
		// 950 − 475 = 475.
		assert_eq!(free(&acc(R1)), before + 475);
		assert_noop!(Cdn::claim(origin(R1)), Error::<Test>::AlreadyClaimedThisCycle);
		next_cycle();
		assert_ok!(Cdn::claim(origin(R1)));
		// 475 − 237 = 238 (rounded up).
		assert_eq!(free(&acc(R1)), before + 475 + 238);
	});
}

#[test]
fn no_leaks_after_gaps_and_stragglers() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(R2, NodeKind::Retrieval);
		fund_pool(10_000);
		pay(ALICE, R1, 1, 1_000);
		pay(BOB, R2, 1, 1_000);
		// Cycle 0 closes; R1 comes back, R2 never does.
		run_to_block_idle(CYCLE + 1);
		assert_ok!(Cdn::claim(origin(R1)));
		assert!(Snapshots::<Test>::contains_key(0));
		assert_noop!(Cdn::prune(origin(ALICE), 0, 100), Error::<Test>::CycleNotPrunable);
		// Settled by on_idle once 0 + SettleGrace (2) < current, i.e. in cycle 3 (block 30).
		run_to_block_idle(3 * CYCLE - 1);
		assert_eq!(CurrentCycle::<Test>::get(), 2);
		assert!(Unsettled::<Test>::contains_key(0, acc(R2)));
		run_to_block_idle(3 * CYCLE);
		assert!(!Unsettled::<Test>::contains_key(0, acc(R2)));
		assert!(!Snapshots::<Test>::contains_key(0));
		// R2: 950 + 40 credited; D_R = 80 fully paid, remainder 0.
		assert_eq!(Rewards::<Test>::get(acc(R2)).balance, 990);
		assert!(events().contains(&Event::CycleFinalized { cycle: 0, remainder: 0 }));
		// Pruned once 0 + depth (4) < current, i.e. in cycle 5 (block 50).
		run_to_block_idle(5 * CYCLE - 1);
		assert!(NodeWork::<Test>::contains_key(0, acc(R1)));
		run_to_block_idle(5 * CYCLE);
		assert!(!NodeWork::<Test>::contains_key(0, acc(R1)));
		assert!(Receipts::<Test>::iter().next().is_none());
		// A long gap, then work in cycle 40.
		run_to_block_idle(40 * CYCLE);
		assert_eq!(CurrentCycle::<Test>::get(), 40);
		pay(ALICE, R1, 2, 1_000);
		// Prune cursor: every cycle c with c + 4 < 40 done, i.e. up to 35.
		assert_eq!(PruneCursor::<Test>::get(), 36);
		assert_eq!(NodeWork::<Test>::iter().count(), 1);
		assert_eq!(Receipts::<Test>::iter().count(), 1);
		assert_eq!(Unsettled::<Test>::iter().count(), 1);
		assert_eq!(Snapshots::<Test>::iter().count(), 0);
	});
}

#[test]
fn permissionless_settle_and_prune() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		pay(ALICE, R1, 1, 1_000);
		assert_noop!(Cdn::settle(origin(BOB), acc(R1)), Error::<Test>::NothingToSettle);
		// No on_idle at all: the fallbacks do the work.
		for _ in 0..6 {
			next_cycle();
		}
		assert_ok!(Cdn::settle(origin(BOB), acc(R1)));
		assert_eq!(Rewards::<Test>::get(acc(R1)).balance, 950);
		assert_ok!(Cdn::prune(origin(BOB), 0, 1));
		// Two records (receipt, work): one per call of limit 1.
		assert_eq!(Receipts::<Test>::iter().count(), 0);
		assert!(NodeWork::<Test>::contains_key(0, acc(R1)));
		assert_ok!(Cdn::prune(origin(BOB), 0, 1));
		assert!(!NodeWork::<Test>::contains_key(0, acc(R1)));
		assert_noop!(Cdn::prune(origin(BOB), 2, 1), Error::<Test>::CycleNotPrunable);
	});
}

#[test]
fn cycle_closes_every_cycle_length_blocks() {
	build_and_execute(|| {
		// Cycle 0 started at block 0: it closes at block 10, cycle 1 at block 20.
		run_to_block(CYCLE - 1);
		assert_eq!(CurrentCycle::<Test>::get(), 0);
		run_to_block(CYCLE);
		assert_eq!(CurrentCycle::<Test>::get(), 1);
		assert_eq!(crate::CycleStart::<Test>::get(), CYCLE);
		run_to_block(2 * CYCLE);
		assert_eq!(CurrentCycle::<Test>::get(), 2);
	});
}

#[test]
fn no_unit_created_or_lost() {
	build_and_execute(|| {
		let issuance = Balances::total_issuance();
		register(R1, NodeKind::Retrieval);
		register(C1, NodeKind::Cache);
		fund_pool(10_007);
		let issuance = issuance + 10_007;
		pay(ALICE, R1, 1, 1_333);
		pay(BOB, C1, 1, 777);
		assert_ok!(attest(R1, C1, 999, 1));
		next_cycle();
		assert_ok!(Cdn::claim(origin(R1)));
		assert_ok!(Cdn::claim(origin(C1)));
		next_cycle();
		assert_eq!(Balances::total_issuance(), issuance);
		// Every unit is in a known place: users, nodes, pool, pallet account, treasury.
		let mut sum = 0;
		for k in [ALICE, BOB, R1, R2, R3, C1, C2, Sr25519Keyring::Two] {
			sum += Balances::total_balance(&acc(k));
		}
		sum += Balances::total_balance(&pool());
		sum += Balances::total_balance(&Cdn::account_id());
		sum += Balances::total_balance(&TreasuryAccount::get());
		assert_eq!(sum, issuance);
		// The pallet account holds exactly what it owes plus its existential deposit.
		let owed: Balance = Rewards::<Test>::iter_values().map(|l| l.balance).sum::<Balance>()
			+ Allowances::<Test>::iter_values().map(|a| a.balance).sum::<Balance>();
		assert_eq!(Balances::total_balance(&Cdn::account_id()), owed + 1);
	});
}

#[test]
fn on_idle_work_is_bounded_by_the_leftover_weight() {
	use crate::weights::WeightInfo;
	use frame_support::traits::Hooks;
	type W = crate::weights::SubstrateWeight<Test>;
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(R2, NodeKind::Retrieval);
		pay(ALICE, R1, 1, 1_000);
		pay(BOB, R2, 1, 1_000);
		// Cycle 0 closes at block 10; its stragglers are due from cycle 3 (block 30).
		run_to_block(3 * CYCLE);
		// No room at all: nothing happens. Room for the cursor read only: that is all it uses.
		let zero = frame_support::weights::Weight::zero();
		assert_eq!(Cdn::on_idle(3 * CYCLE, zero), zero);
		assert_eq!(Cdn::on_idle(3 * CYCLE, W::on_idle_step()), W::on_idle_step());
		assert_eq!(Unsettled::<Test>::iter_prefix(0).count(), 2);
		// Room for one step and one settlement: exactly one straggler is settled.
		let one = W::on_idle_step().saturating_add(W::on_idle_settle());
		assert_eq!(Cdn::on_idle(3 * CYCLE, one), one);
		assert_eq!(Unsettled::<Test>::iter_prefix(0).count(), 1);
		assert!(Snapshots::<Test>::contains_key(0));
		// The next block settles the other one and finalizes the cycle.
		assert_eq!(Cdn::on_idle(3 * CYCLE, one), one);
		assert_eq!(Unsettled::<Test>::iter_prefix(0).count(), 0);
		assert!(!Snapshots::<Test>::contains_key(0));
		assert_eq!(Rewards::<Test>::get(acc(R1)).balance, 950);
		assert_eq!(Rewards::<Test>::get(acc(R2)).balance, 950);
	});
}

// ---------------------------------------------------------------------------------------
// Security review fixes
// ---------------------------------------------------------------------------------------

/// H1: a node that unregisters must not lock the allowances made to it. Alice commits 1 000
/// to R1 (holding the 5 allowance deposit), R1 unregisters; Alice can no longer raise the
/// allowance, but decreases it to 0, releases it after the unlock delay and withdraws
/// everything: she ends with exactly her initial balance.
#[test]
fn h1_unregistered_node_does_not_lock_allowances() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		let (alice, r1) = (acc(ALICE), acc(R1));
		fund(ALICE, R1, 1_000);
		// 1 000 in the allowance (pallet account) + 5 deposit on hold.
		assert_eq!(free(&alice), INITIAL - 1_000 - ALLOWANCE_DEPOSIT);
		assert_ok!(Cdn::unregister_node(origin(R1)));
		assert_ok!(Cdn::deposit(origin(ALICE), 10));
		// Raising (or reopening) still needs a registered node.
		assert_noop!(
			Cdn::set_allowance(origin(ALICE), r1.clone(), 1_010),
			Error::<Test>::UnknownNode
		);
		assert_noop!(Cdn::set_allowance(origin(ALICE), acc(R2), 10), Error::<Test>::UnknownNode);
		// A decrease is always possible: requested at block 1, unlocks at 1 + 20 = 21.
		assert_ok!(Cdn::set_allowance(origin(ALICE), r1.clone(), 0));
		assert_noop!(
			Cdn::release_allowance(origin(ALICE), r1.clone()),
			Error::<Test>::AllowanceLocked
		);
		run_to_block(1 + UNLOCK);
		assert_ok!(Cdn::release_allowance(origin(ALICE), r1.clone()));
		assert!(Allowances::<Test>::get(&alice, &r1).is_none());
		// Escrow 10 + released 1 000 = 1 010; the 5 deposit is free again.
		assert_eq!(Escrows::<Test>::get(&alice).map(|e| e.balance), Some(1_010));
		assert_eq!(free(&alice), INITIAL - 1_010);
		assert_eq!(
			Balances::balance_on_hold(&crate::HoldReason::AllowanceDeposit.into(), &alice),
			0
		);
		// Withdraw at 21 + 20 = 41: back to exactly the initial balance.
		assert_ok!(Cdn::request_withdraw(origin(ALICE), 1_010));
		run_to_block(1 + UNLOCK + DELAY);
		assert_ok!(Cdn::withdraw(origin(ALICE)));
		assert_eq!(free(&alice), INITIAL);
	});
}

/// M2 scenario: honest R2 is paid 100 000 by Alice and attests 200 000 bytes cached by C2
/// (`Cap_C2 = 20 % × 5 % × (2 × 200 000 / 4) = 1 000`); the attacker pays its own cache
/// node C1 one certain 100 000 cache-order winner (`Cap_C1 = 100 % × 5 % × 100 000 =
/// 5 000`). Returns `(C1 pool share, C2 pool share, coalition (Bob, C1) change of worth,
/// C1 units, C2 units)`.
fn cache_dilution(pool_funds: Balance) -> (Balance, Balance, i128, u128, u128) {
	let mut out = (0, 0, 0, 0, 0);
	build_and_execute(|| {
		register(R2, NodeKind::Retrieval);
		register(C1, NodeKind::Cache);
		register(C2, NodeKind::Cache);
		fund_pool(pool_funds);
		let coalition = [BOB, C1];
		let before = worth(&coalition) as i128;
		pay(ALICE, R2, 1, 100_000);
		assert_ok!(attest(R2, C2, 200_000, 1));
		pay(BOB, C1, 1, 100_000);
		next_cycle();
		settle_all(&[R2, C1, C2]);
		assert_ok!(Cdn::claim(origin(C1)));
		let c1 = Cdn::node_cycle_report(acc(C1), 0).reward.unwrap();
		let c2 = Cdn::node_cycle_report(acc(C2), 0).reward.unwrap();
		assert_eq!((c1.cap, c2.cap), (5_000, 1_000));
		out =
			(c1.pool_share, c2.pool_share, worth(&coalition) as i128 - before, c1.units, c2.units);
	});
	out
}

/// M2: a self-paid cache order cannot dilute honest cache nodes for free.
#[test]
fn m2_cache_pool_dilution_costs_the_attacker() {
	// Pool 15 000: P_R = 9 000, P_C = 6 000 = ΣCap_C (5 000 + 1 000), not binding.
	// Paying by points (C1 100 000 / 2 = 50 000, C2 1 000 cached points) would have given
	// C2 6 000 × 1 000 / 51 000 = 117 and C1 its full cap 5 000: the attacker even, C2
	// robbed of 883. Paying by caps: C1 6 000 × 5 000 / 6 000 = 5 000, C2 its full 1 000.
	// Coalition: −100 000 + 95 000 income + 5 000 = 0 (only fees on a real chain).
	assert_eq!(cache_dilution(15_000), (5_000, 1_000, 0, 50_000, 1_000));
	// Pool 10 000: P_C = 4 000 < ΣCap_C = 6 000 binds; shares follow caps: C1
	// 4 000 × 5 000 / 6 000 = 3 333, C2 4 000 × 1 000 / 6 000 = 666. The attacker cut C2
	// from 1 000 to 666 (−334) at a loss of −100 000 + 95 000 + 3 333 = −1 667.
	assert_eq!(cache_dilution(10_000), (3_333, 666, -1_667, 50_000, 1_000));
}

/// L3: tickets refused after the allowance read (replayed nonce, no allowance) did a read,
/// hashing, a draw and an event: the post-dispatch weight charges them, unlike tickets
/// refused before the read.
#[test]
fn l3_rejections_after_the_allowance_read_are_charged() {
	use crate::weights::WeightInfo;
	use frame_support::traits::Get;
	type W = crate::weights::SubstrateWeight<Test>;
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		fund(ALICE, R1, 1_000);
		// Winner 1, then its replay (StaleNonce) and Bob's ticket without allowance
		// (NoAllowance): both refused after the read.
		let late = Cdn::submit_tickets(
			origin(R1),
			batch(vec![order(ALICE, R1, 1, 100), order(ALICE, R1, 1, 100), order(BOB, R1, 1, 100)]),
		)
		.unwrap()
		.actual_weight
		.unwrap();
		// Winner 2 and a ticket below the minimum face value (refused before the read).
		let mut below = order(ALICE, R1, 3, 100);
		below.ticket.face_value = MIN_FACE - 1;
		let early = Cdn::submit_tickets(origin(R1), batch(vec![order(ALICE, R1, 2, 100), below]))
			.unwrap()
			.actual_weight
			.unwrap();
		assert_eq!(early, W::submit_tickets(1));
		assert_eq!(late, W::submit_tickets(1) + W::submit_tickets_rejected(2));
		// Two rejections: 2 × (125.24 µs compute + 700 B proof + one read).
		let db_read: frame_support::weights::Weight =
			<<Test as frame_system::Config>::DbWeight as Get<
				frame_support::weights::RuntimeDbWeight,
			>>::get()
			.reads(1);
		assert_eq!(
			late - early,
			(frame_support::weights::Weight::from_parts(125_240_000, 700) + db_read) * 2
		);
		assert!(late.ref_time() > early.ref_time());
		// At most the pre-dispatch weight of three tickets (equal proof size, less ref time).
		assert!(late.all_lte(W::submit_tickets(3)));
	});
}

/// L4: the retrieval node can revoke a level it attested by submitting its own attestation
/// (the cache node would never submit a lower one). R1, paid 1 000 (budget 4 × 1 000 / 2 =
/// 2 000 bytes), attested 2 000 bytes for C1; C1 drops the data, R1 revokes (level 0) and
/// re-places the bytes on C2.
#[test]
fn l4_retrieval_node_revokes_its_attestation() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(R2, NodeKind::Retrieval);
		register(C1, NodeKind::Cache);
		register(C2, NodeKind::Cache);
		fund_pool(10_000);
		pay(BOB, R1, 1, 1_000);
		assert_ok!(attest(R1, C1, 2_000, 1));
		assert_noop!(attest(R1, C2, 1, 1), Error::<Test>::AttestationOverBudget);
		// Another node cannot submit R1's attestation; R1 itself can.
		let (att, sig) = attestation(R1, C1, 0, 2);
		assert_noop!(
			Cdn::attest_cached(origin(R2), att.clone(), sig, SigForm::Raw),
			Error::<Test>::WrongAttestation
		);
		assert_ok!(Cdn::attest_cached(origin(R1), att, sig, SigForm::Raw));
		assert_eq!(CachedLevels::<Test>::get((0, acc(C1), acc(R1))), Some((0, 2)));
		assert_eq!(NodeWork::<Test>::get(0, acc(C1)).unwrap().work.cached_bytes, 0);
		assert_eq!(NodeWork::<Test>::get(0, acc(R1)).unwrap().work.attested, 0);
		// C1 cannot bring the old level back.
		assert_noop!(attest(R1, C1, 2_000, 1), Error::<Test>::StaleAttestation);
		// The freed budget goes to C2 (submitted by R1 as well).
		let (att, sig) = attestation(R1, C2, 2_000, 1);
		assert_ok!(Cdn::attest_cached(origin(R1), att, sig, SigForm::Raw));
		next_cycle();
		settle_all(&[R1, C1, C2]);
		// ΣCap_C = Cap_C2 = 20 % × 5 % × (2 × 2 000 / 4) = 10 = D_C: C2 gets 10, C1 nothing.
		let c1 = Cdn::node_cycle_report(acc(C1), 0).reward.unwrap();
		assert_eq!((c1.cap, c1.pool_share, c1.total), (0, 0, 0));
		let c2 = Cdn::node_cycle_report(acc(C2), 0).reward.unwrap();
		assert_eq!((c2.cap, c2.pool_share, c2.total), (10, 10, 10));
	});
}

/// Claims once per cycle until the ledger of `node` is empty; returns what was paid.
fn claim_until_empty(node: Sr25519Keyring) -> Balance {
	let before = free(&acc(node));
	while Rewards::<Test>::get(acc(node)).balance > 0 {
		assert_ok!(Cdn::claim(origin(node)));
		next_cycle();
	}
	free(&acc(node)) - before
}

/// L5: reward ledgers do not stay forever. R1 earns 95 (100 − 5 %). Unregistered with 95
/// left, its ledger stays until claimed empty (95 → 47 → 23 → 11 → 5 → 2 → 1 → 0, paying
/// 48, 24, 12, 6, 3, 1, 1 = 95), then it is removed. R2 empties its ledger while registered
/// (kept: it remembers the last claim) and loses it on unregistering.
#[test]
fn l5_empty_ledgers_of_unregistered_nodes_are_removed() {
	build_and_execute(|| {
		register(R1, NodeKind::Retrieval);
		register(R2, NodeKind::Retrieval);
		pay(ALICE, R1, 1, 100);
		pay(ALICE, R2, 1, 100);
		next_cycle();
		assert_ok!(Cdn::unregister_node(origin(R1)));
		assert_eq!(Rewards::<Test>::get(acc(R1)).balance, 95);
		assert_eq!(claim_until_empty(R1), 95);
		assert!(!Rewards::<Test>::contains_key(acc(R1)));
		assert_ok!(Cdn::settle(origin(ALICE), acc(R2)));
		assert_eq!(claim_until_empty(R2), 95);
		assert!(Rewards::<Test>::contains_key(acc(R2)));
		assert_ok!(Cdn::unregister_node(origin(R2)));
		assert!(!Rewards::<Test>::contains_key(acc(R2)));
		assert_eq!(Rewards::<Test>::iter().count(), 0);
		assert_noop!(Cdn::claim(origin(R1)), Error::<Test>::NothingToClaim);
	});
}
