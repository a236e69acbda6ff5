//! # CD²N pallet (`cdn`)
//!
//! Pays content-delivery nodes — **retrieval nodes** that serve content to users and **cache
//! nodes** that hold copies placed by retrieval nodes — for work a payer signed for (SPEC §9).
//!
//! - Nodes register with a refundable deposit (a fungible hold). There is **no slashing**.
//! - Users fund an **escrow** (a fungible hold) and commit parts of it to single nodes as
//!   **allowances** (held by the pallet account), so one escrow can never be promised twice.
//! - Users sign sr25519 **lottery tickets**; a node submits the winners in bounded batches.
//!   Bad tickets are skipped and reported (`TicketRejected`); the call fails only when none
//!   settles. Replay is impossible (sparse nonce window per allowance), tickets expire.
//! - Work is counted per **service cycle** (`CycleLength` blocks, 4 eras) as **paid amounts**
//!   (SPEC §12): no pool payout exceeds `k × τ ×` the paid volume behind it (`k ≤ 1`), so a
//!   coalition of payers and nodes can never get back more than it paid. Closing a cycle is
//!   O(1); rewards are computed lazily when a node interacts, by `settle`, or by `on_idle`
//!   after `SettleGrace` cycles; `on_idle` also prunes cycles older than
//!   `ReceiptHistoryDepth`.
//! - `claim` pays 50 % of the reward balance, at most once per cycle.
//!
//! See `docs/cdn.md` for the formulas with a worked example and the ticket format.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

mod allowances;
mod attestations;
pub mod cycles;
pub mod idle;
mod invariants;
pub mod runtime_api;
mod settlement;
pub mod tickets;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use settlement::BatchCost;
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible;

/// Balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A lottery ticket as this runtime encodes it.
pub type TicketOf<T> = LotteryTicket<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

/// A signed lottery ticket as this runtime encodes it (the element of `submit_tickets`).
pub type SignedTicketOf<T> = SignedLotteryTicket<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

/// A cache attestation as this runtime encodes it.
pub type AttestationOf<T> =
	CacheAttestation<<T as frame_system::Config>::AccountId, <T as frame_system::Config>::Hash>;

/// A registered node's record.
pub type NodeInfoOf<T> = NodeInfo<BalanceOf<T>, <T as Config>::MaxEndpointLen>;

/// A user's escrow record.
pub type EscrowOf<T> = Escrow<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;

/// An allowance as stored.
pub type AllowanceOf<T> = Allowance<
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
	<T as Config>::NonceWindow,
>;

/// A receipt as stored.
pub type ReceiptOf<T> = Receipt<BalanceOf<T>>;

/// The batch argument of `submit_tickets`.
pub type TicketBatchOf<T> =
	frame_support::BoundedVec<SignedTicketOf<T>, <T as Config>::MaxTicketsPerBatch>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			tokens::Precision,
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{AccountIdConversion, Saturating, Zero},
		Perbill,
	};

	/// The storage layout version; a migration that changes the layout bumps it.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration. Accounts must be 32-byte sr25519 public keys (as `AccountId32` is):
	/// tickets are verified against the signer's account.
	#[pallet::config]
	pub trait Config: frame_system::Config<AccountId: AsRef<[u8; 32]> + From<[u8; 32]>> {
		/// The native currency; deposits and escrows are fungible holds.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The runtime's hold reason, which must include this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;

		/// Origin allowed to change the retrieval/cache split of the reward pool (root).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Derives the pallet account, which holds settled income and credited rewards until
		/// they are claimed.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The CD²N reward pool (fed by issuance). What it holds above the existential deposit
		/// when a cycle closes is what the cycle distributes.
		type RewardPool: Get<Self::AccountId>;

		/// Receives the treasury share of retrieval income.
		type Treasury: Get<Self::AccountId>;

		/// Length of a service cycle in blocks (4 eras). A `Get` so the runtime can read the
		/// genesis-fixed timings; a value of 0 is treated as 1.
		type CycleLength: Get<BlockNumberFor<Self>>;

		/// Blocks between `request_withdraw` and `withdraw`. Should exceed one cycle so
		/// tickets signed before the request can still be settled.
		type WithdrawDelay: Get<BlockNumberFor<Self>>;

		/// Deposit held while a node is registered; refunded in full on unregistering.
		#[pallet::constant]
		type NodeDeposit: Get<BalanceOf<Self>>;

		/// Minimum face value of a lottery ticket: keeps the fee overhead per winner small and
		/// makes every receipt entry pay for its storage.
		#[pallet::constant]
		type MinFaceValue: Get<BalanceOf<Self>>;

		/// `τ`: part of every ticket payment that goes to the treasury (5 %).
		#[pallet::constant]
		type TreasuryShare: Get<Perbill>;

		/// Part of the reward pool for retrieval nodes until governance sets another one.
		#[pallet::constant]
		type DefaultRetrievalShare: Get<Perbill>;

		/// Points per byte of cache orders (`PointBase`). Points are reported (`units`) only:
		/// cache nodes are paid by their caps, so points cannot dilute other nodes.
		#[pallet::constant]
		type PointBase: Get<u128>;

		/// Points shared among cache nodes by cached bytes each cycle (`PointsPerCycle`;
		/// reported only, like `PointBase`).
		#[pallet::constant]
		type PointsPerCycle: Get<u128>;

		/// Maximum tickets in one `submit_tickets` call.
		#[pallet::constant]
		type MaxTicketsPerBatch: Get<u32>;

		/// Maximum length of a node endpoint.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;

		/// Cycles a cycle's receipts, work records and cached levels are kept for: `on_idle`
		/// (or `prune`) removes cycle `c` once `c + ReceiptHistoryDepth < current`.
		#[pallet::constant]
		type ReceiptHistoryDepth: Get<u32>;

		/// Default `k_r` (`set_caps` may lower it).
		#[pallet::constant]
		type RetrievalCap: Get<Perbill>;

		/// Default `k_c`; `RetrievalCap + CachedCap ≤ 100 %`.
		#[pallet::constant]
		type CachedCap: Get<Perbill>;

		/// Default `k_o`.
		#[pallet::constant]
		type CacheOrderCap: Get<Perbill>;

		/// `p`: reference price in planck per byte; cache-order bytes are `amount / p`.
		#[pallet::constant]
		type ReferenceBytePrice: Get<BalanceOf<Self>>;

		/// `ρ`: replicas a retrieval node may place per byte it was paid for at `p`
		/// (budget of its attestations: `Σ levels ≤ ρ × A_R / p`).
		#[pallet::constant]
		type MaxReplicas: Get<u32>;

		/// Longest a ticket may be valid ahead of its redemption block.
		type MaxTicketLifetime: Get<BlockNumberFor<Self>>;

		/// Blocks between asking to decrease an allowance and `release_allowance`; longer than
		/// `MaxTicketLifetime`, so a node never serves against funds that can vanish.
		type AllowanceUnlockDelay: Get<BlockNumberFor<Self>>;

		/// Out-of-order winners remembered per allowance.
		#[pallet::constant]
		type NonceWindow: Get<u32>;

		/// Largest accepted jump of a nonce above the highest one seen.
		#[pallet::constant]
		type MaxNonceJump: Get<u64>;

		/// Storage deposit of an allowance (held from the payer, refunded on close).
		#[pallet::constant]
		type AllowanceDeposit: Get<BalanceOf<Self>>;

		/// Cycles after its close at which `on_idle` settles a cycle's stragglers.
		#[pallet::constant]
		type SettleGrace: Get<u32>;

		/// Most the reward pool carries into the next cycle; the excess goes to the treasury.
		#[pallet::constant]
		type CarryCap: Get<BalanceOf<Self>>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Reasons this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A node's registration deposit.
		#[codec(index = 0)]
		NodeDeposit,
		/// A user's ticket escrow (not committed to a node).
		#[codec(index = 1)]
		Escrow,
		/// Storage deposit of an allowance.
		#[codec(index = 2)]
		AllowanceDeposit,
	}

	/// Default of [`RetrievalShare`]: the runtime's configured value.
	#[pallet::type_value]
	pub fn DefaultRetrievalShareOf<T: Config>() -> Perbill {
		T::DefaultRetrievalShare::get()
	}

	/// Default of [`PoolCaps`]: the runtime's configured caps.
	#[pallet::type_value]
	pub fn DefaultCapsOf<T: Config>() -> Caps {
		Caps {
			retrieval: T::RetrievalCap::get(),
			cached: T::CachedCap::get(),
			cache_order: T::CacheOrderCap::get(),
		}
	}

	/// Registered nodes.
	#[pallet::storage]
	pub type Nodes<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, NodeInfoOf<T>>;

	/// User escrows (funds not committed to a node).
	#[pallet::storage]
	pub type Escrows<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, EscrowOf<T>>;

	/// Allowances per `(payer, node)`; their balances are held by the pallet account.
	#[pallet::storage]
	pub type Allowances<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		AllowanceOf<T>,
	>;

	/// The open service cycle.
	#[pallet::storage]
	pub type CurrentCycle<T> = StorageValue<_, CycleIndex, ValueQuery>;

	/// Block at which the open cycle started.
	#[pallet::storage]
	pub type CycleStart<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Totals of the open cycle.
	#[pallet::storage]
	pub type CurrentTotals<T: Config> = StorageValue<_, CycleTotals<BalanceOf<T>>, ValueQuery>;

	/// Closed cycles some participant has not settled yet.
	#[pallet::storage]
	pub type Snapshots<T: Config> =
		StorageMap<_, Twox64Concat, CycleIndex, CycleSnapshot<BalanceOf<T>>>;

	/// A node's work (and reward, once settled) per cycle; cycle first, so whole cycles can be
	/// pruned.
	#[pallet::storage]
	pub type NodeWork<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		CycleIndex,
		Blake2_128Concat,
		T::AccountId,
		NodeCycleRecord<BalanceOf<T>>,
	>;

	/// Participants of a cycle that have not settled it yet (what `on_idle` settles).
	#[pallet::storage]
	pub type Unsettled<T: Config> =
		StorageDoubleMap<_, Twox64Concat, CycleIndex, Blake2_128Concat, T::AccountId, ()>;

	/// Reward ledgers (kept after unregistering, so earned rewards stay claimable; removed
	/// once an unregistered node's ledger is empty).
	#[pallet::storage]
	pub type Rewards<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, RewardLedger<BalanceOf<T>>, ValueQuery>;

	/// Receipts per `(cycle, node, payer)`: no per-node cap.
	#[pallet::storage]
	pub type Receipts<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, CycleIndex>,
			NMapKey<Blake2_128Concat, T::AccountId>,
			NMapKey<Blake2_128Concat, T::AccountId>,
		),
		ReceiptOf<T>,
	>;

	/// Latest attested level per `(cycle, cache, retrieval)`: `(level, version)`.
	#[pallet::storage]
	pub type CachedLevels<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, CycleIndex>,
			NMapKey<Blake2_128Concat, T::AccountId>,
			NMapKey<Blake2_128Concat, T::AccountId>,
		),
		(u64, u32),
	>;

	/// Part of the reward pool distributed to retrieval nodes; the rest goes to cache nodes.
	#[pallet::storage]
	pub type RetrievalShare<T: Config> =
		StorageValue<_, Perbill, ValueQuery, DefaultRetrievalShareOf<T>>;

	/// Caps `k_r`, `k_c`, `k_o` in force.
	#[pallet::storage]
	pub type PoolCaps<T: Config> = StorageValue<_, Caps, ValueQuery, DefaultCapsOf<T>>;

	/// Oldest cycle whose stragglers `on_idle` may still have to settle.
	#[pallet::storage]
	pub type SettleCursor<T> = StorageValue<_, CycleIndex, ValueQuery>;

	/// Oldest cycle not pruned yet.
	#[pallet::storage]
	pub type PruneCursor<T> = StorageValue<_, CycleIndex, ValueQuery>;

	/// Genesis: makes sure the pallet account and the reward pool exist, so transfers of
	/// amounts below the existential deposit into them cannot fail.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Unused marker.
		#[serde(skip)]
		pub _phantom: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let ed = T::Currency::minimum_balance();
			for account in [Pallet::<T>::account_id(), T::RewardPool::get()] {
				if T::Currency::balance(&account) < ed {
					// Genesis only; failure would mean a broken currency configuration.
					let _ = T::Currency::mint_into(&account, ed);
				}
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A node registered and its deposit was held.
		NodeRegistered {
			node: T::AccountId,
			kind: NodeKind,
			endpoint: BoundedVec<u8, T::MaxEndpointLen>,
			deposit: BalanceOf<T>,
		},
		/// A node unregistered; its deposit was released.
		NodeUnregistered { node: T::AccountId, deposit: BalanceOf<T> },
		/// A user added funds to its escrow.
		EscrowDeposited { who: T::AccountId, amount: BalanceOf<T>, balance: BalanceOf<T> },
		/// A user asked to withdraw escrow; possible from `unlock_at`.
		WithdrawRequested { who: T::AccountId, amount: BalanceOf<T>, unlock_at: BlockNumberFor<T> },
		/// Escrow was released to its owner (at most what remained of the request).
		EscrowWithdrawn { who: T::AccountId, amount: BalanceOf<T>, remaining: BalanceOf<T> },
		/// An allowance was opened or raised to `balance` (from escrow).
		AllowanceSet {
			payer: T::AccountId,
			node: T::AccountId,
			balance: BalanceOf<T>,
			opened_at: BlockNumberFor<T>,
		},
		/// A decrease of an allowance to `to` was requested; `release_allowance` from
		/// `unlock_at`.
		AllowanceDecreaseRequested {
			payer: T::AccountId,
			node: T::AccountId,
			to: BalanceOf<T>,
			unlock_at: BlockNumberFor<T>,
		},
		/// `released` went back to the payer's escrow; `closed` if the allowance was removed.
		AllowanceReleased {
			payer: T::AccountId,
			node: T::AccountId,
			released: BalanceOf<T>,
			balance: BalanceOf<T>,
			closed: bool,
		},
		/// One winning ticket was paid: `paid` (≤ `face`) left the payer's allowance.
		TicketSettled {
			payer: T::AccountId,
			nonce: u64,
			ticket_hash: sp_core::H256,
			face: BalanceOf<T>,
			paid: BalanceOf<T>,
		},
		/// A winner was worth more than the allowance held; it paid what was left.
		Underfunded { payer: T::AccountId, nonce: u64, paid: BalanceOf<T>, face: BalanceOf<T> },
		/// Ticket `index` of a batch was skipped.
		TicketRejected { index: u32, payer: T::AccountId, nonce: u64, reason: RejectReason },
		/// Receipt of a batch: winners settled, tickets skipped, what was paid, the node's
		/// income and the treasury share.
		BatchSettled {
			cycle: CycleIndex,
			node: T::AccountId,
			settled: u32,
			rejected: u32,
			paid: BalanceOf<T>,
			income: BalanceOf<T>,
			treasury: BalanceOf<T>,
		},
		/// A retrieval node's attestation set the level of `cache` in `cycle`.
		CachedLevelAttested {
			cycle: CycleIndex,
			cache: T::AccountId,
			retrieval: T::AccountId,
			level: u64,
			version: u32,
		},
		/// A cycle closed: `d_r + d_c` moved to the pallet account, `carried` stays in the
		/// pool, `to_treasury` (above `CarryCap`) went to the treasury.
		CycleClosed {
			cycle: CycleIndex,
			retrieval_pool: BalanceOf<T>,
			cache_pool: BalanceOf<T>,
			d_r: BalanceOf<T>,
			d_c: BalanceOf<T>,
			carried: BalanceOf<T>,
			to_treasury: BalanceOf<T>,
			retrieval_power: BalanceOf<T>,
			cached_bytes: u128,
			total_points: u128,
			participants: u32,
		},
		/// Receipt of a cycle payout: the node's reward for `cycle` was credited.
		NodeRewarded {
			cycle: CycleIndex,
			node: T::AccountId,
			units: u128,
			income: BalanceOf<T>,
			pro_rata: BalanceOf<T>,
			cap: BalanceOf<T>,
			pool_share: BalanceOf<T>,
			surplus: BalanceOf<T>,
			amount: BalanceOf<T>,
		},
		/// Every participant of `cycle` settled; the rounding and cap remainder went back to
		/// the pool.
		CycleFinalized { cycle: CycleIndex, remainder: BalanceOf<T> },
		/// `removed` records of an old cycle were pruned; `done` once none is left.
		CyclePruned { cycle: CycleIndex, removed: u32, done: bool },
		/// A node claimed half of its reward balance.
		RewardClaimed {
			cycle: CycleIndex,
			node: T::AccountId,
			amount: BalanceOf<T>,
			remaining: BalanceOf<T>,
		},
		/// Governance changed the retrieval share of the reward pool.
		RetrievalShareSet { retrieval_share: Perbill },
		/// Governance changed the pool caps.
		CapsSet { caps: Caps },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered node.
		AlreadyRegistered,
		/// The account is not a registered node.
		NotRegistered,
		/// The endpoint is empty.
		EmptyEndpoint,
		/// Not enough free balance for the deposit or escrow.
		InsufficientBalance,
		/// The node has work in the open cycle; unregister after the cycle closes.
		PendingWork,
		/// Amount must be greater than zero.
		ZeroAmount,
		/// The account has no escrow.
		NoEscrow,
		/// The escrow does not cover the allowance increase (or the withdrawal request).
		InsufficientEscrow,
		/// No withdrawal was requested.
		NoWithdrawalRequested,
		/// The withdrawal's unlock block has not been reached.
		WithdrawalLocked,
		/// The batch holds no ticket.
		EmptyBatch,
		/// The ticket kind does not match the node's kind.
		KindMismatch,
		/// A node cannot settle a ticket it signed itself.
		SelfTicket,
		/// A ticket's face value is below `MinFaceValue`.
		FaceBelowMinimum,
		/// The ticket expired.
		Expired,
		/// The ticket's expiry is more than `MaxTicketLifetime` ahead.
		LifetimeTooLong,
		/// The revealed random value does not match the committed hash.
		BadReveal,
		/// The ticket lost its draw.
		NotAWinner,
		/// The payer has no allowance for the node.
		NoAllowance,
		/// The ticket names another opening of the allowance.
		WrongAllowance,
		/// The nonce was already settled or is below the window floor.
		StaleNonce,
		/// The nonce jumps more than `MaxNonceJump` above the highest seen.
		NonceJump,
		/// The signature is not the signer's signature.
		BadSignature,
		/// The allowance is empty.
		AllowanceExhausted,
		/// The target node is not registered.
		UnknownNode,
		/// No decrease of the allowance was requested.
		NoDecreaseRequested,
		/// The allowance decrease's unlock block has not been reached.
		AllowanceLocked,
		/// The attestation was signed for another chain, cycle or cache node.
		WrongAttestation,
		/// The attestation's signer is not a registered retrieval node.
		SignerNotRetrievalNode,
		/// The attestation's version is not above the stored one.
		StaleAttestation,
		/// The levels the retrieval node attested would exceed `ρ × A_R / p`.
		AttestationOverBudget,
		/// `set_caps`: `k_r + k_c > 100 %`.
		CapTooHigh,
		/// The node has no closed cycle to settle.
		NothingToSettle,
		/// The cycle is too recent, or not fully settled, to be pruned.
		CycleNotPrunable,
		/// A counter would overflow.
		Overflow,
		/// The reward balance is zero.
		NothingToClaim,
		/// `claim` already succeeded in this cycle.
		AlreadyClaimedThisCycle,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Closes the cycle when it is due: O(1), whatever the number of nodes.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			if Self::cycle_due(now) {
				Self::close_cycle(now);
				T::WeightInfo::on_initialize_close_cycle()
			} else {
				T::WeightInfo::on_initialize_idle()
			}
		}

		/// Settles stragglers of cycles past `SettleGrace` and prunes cycles past
		/// `ReceiptHistoryDepth`, within the block's leftover weight.
		fn on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::idle_work(remaining)
		}

		fn integrity_test() {
			assert!(T::MaxTicketsPerBatch::get() > 0, "cdn: MaxTicketsPerBatch must be > 0");
			assert!(T::ReceiptHistoryDepth::get() > 0, "cdn: ReceiptHistoryDepth must be > 0");
			assert!(
				T::ReceiptHistoryDepth::get() > T::SettleGrace::get(),
				"cdn: ReceiptHistoryDepth must exceed SettleGrace"
			);
			assert!(T::NonceWindow::get() > 0, "cdn: NonceWindow must be > 0");
			assert!(
				u64::from(T::RetrievalCap::get().deconstruct())
					+ u64::from(T::CachedCap::get().deconstruct())
					<= 1_000_000_000,
				"cdn: RetrievalCap + CachedCap must be <= 100 %"
			);
			assert!(T::MaxReplicas::get() > 0, "cdn: MaxReplicas must be > 0");
			assert!(!T::ReferenceBytePrice::get().is_zero(), "cdn: ReferenceBytePrice must be > 0");
			// Timings may come from (empty) storage in the integrity test: only compare them when
			// they are set.
			let lifetime = T::MaxTicketLifetime::get();
			assert!(
				lifetime.is_zero() || T::AllowanceUnlockDelay::get() > lifetime,
				"cdn: AllowanceUnlockDelay must exceed MaxTicketLifetime"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as a `kind` node reachable at `endpoint`, holding
		/// `NodeDeposit`. The deposit is what makes registrations (and thus attestation
		/// rights of retrieval nodes) costly; it is never slashed.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_node())]
		pub fn register_node(
			origin: OriginFor<T>,
			kind: NodeKind,
			endpoint: BoundedVec<u8, T::MaxEndpointLen>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!Nodes::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
			ensure!(!endpoint.is_empty(), Error::<T>::EmptyEndpoint);
			let deposit = T::NodeDeposit::get();
			T::Currency::hold(&HoldReason::NodeDeposit.into(), &who, deposit)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			Nodes::<T>::insert(&who, NodeInfo { kind, endpoint: endpoint.clone(), deposit });
			Self::deposit_event(Event::NodeRegistered { node: who, kind, endpoint, deposit });
			Ok(())
		}

		/// Unregisters the caller and releases its deposit. Fails while the node has work in
		/// the open cycle (it must be settled first, after the cycle closes). Earned rewards
		/// stay claimable; an empty reward ledger is removed. Allowances made to the node
		/// stay: their payers can still decrease and release them.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::unregister_node())]
		pub fn unregister_node(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let info = Nodes::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			let ledger = Self::settle_node(&who)?;
			ensure!(ledger.pending_cycle.is_none(), Error::<T>::PendingWork);
			T::Currency::release(
				&HoldReason::NodeDeposit.into(),
				&who,
				info.deposit,
				Precision::Exact,
			)?;
			Nodes::<T>::remove(&who);
			// An empty ledger goes with the registration; one with rewards stays until they
			// are claimed (see `store_ledger`).
			Self::store_ledger(&who, ledger);
			Self::deposit_event(Event::NodeUnregistered { node: who, deposit: info.deposit });
			Ok(())
		}

		/// Adds `amount` to the caller's ticket escrow (held, still owned by the caller).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::deposit())]
		pub fn deposit(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			T::Currency::hold(&HoldReason::Escrow.into(), &who, amount)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			let mut escrow = Escrows::<T>::get(&who).unwrap_or_default();
			escrow.balance = escrow.balance.saturating_add(amount);
			let balance = escrow.balance;
			Escrows::<T>::insert(&who, escrow);
			Self::deposit_event(Event::EscrowDeposited { who, amount, balance });
			Ok(())
		}

		/// Asks to withdraw `amount` of escrow after `WithdrawDelay` blocks. Tickets keep
		/// drawing on the escrow meanwhile (that is what the delay is for). A new request
		/// replaces the previous one and restarts the delay.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::request_withdraw())]
		pub fn request_withdraw(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let mut escrow = Escrows::<T>::get(&who).ok_or(Error::<T>::NoEscrow)?;
			ensure!(amount <= escrow.balance, Error::<T>::InsufficientEscrow);
			let unlock_at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::WithdrawDelay::get());
			escrow.withdrawal = Some(Withdrawal { amount, unlock_at });
			Escrows::<T>::insert(&who, escrow);
			Self::deposit_event(Event::WithdrawRequested { who, amount, unlock_at });
			Ok(())
		}

		/// Releases the requested escrow once unlocked: the requested amount, or what is left
		/// of the escrow if tickets consumed part of it.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut escrow = Escrows::<T>::get(&who).ok_or(Error::<T>::NoEscrow)?;
			let request = escrow.withdrawal.take().ok_or(Error::<T>::NoWithdrawalRequested)?;
			ensure!(
				frame_system::Pallet::<T>::block_number() >= request.unlock_at,
				Error::<T>::WithdrawalLocked
			);
			let amount = request.amount.min(escrow.balance);
			if !amount.is_zero() {
				T::Currency::release(&HoldReason::Escrow.into(), &who, amount, Precision::Exact)?;
			}
			escrow.balance = escrow.balance.saturating_sub(amount);
			let remaining = escrow.balance;
			if remaining.is_zero() {
				Escrows::<T>::remove(&who);
			} else {
				Escrows::<T>::insert(&who, escrow);
			}
			Self::deposit_event(Event::EscrowWithdrawn { who, amount, remaining });
			Ok(())
		}

		/// Settles a batch of winning lottery tickets paid to the caller. Bad tickets are
		/// skipped and reported (`TicketRejected`); the call fails, with the first ticket's
		/// error and no state change, only if no ticket settles. Tickets rejected before their
		/// signature check are refunded the signature check and the writes (those rejected
		/// before the allowance read also the read, hashing and draw: see
		/// `submit_tickets_weight`). Also settles the caller's previous cycle
		/// if it closed since the node last interacted.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::submit_tickets(tickets.len() as u32))]
		pub fn submit_tickets(
			origin: OriginFor<T>,
			tickets: TicketBatchOf<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let cost = Self::do_submit_tickets(&who, &tickets)?;
			Ok(Some(Self::submit_tickets_weight(cost, tickets.len() as u32)).into())
		}

		/// Pays 50 % (rounded up) of the caller's reward balance, at most once per cycle;
		/// the rest stays for later cycles. Settles a closed cycle first.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::claim())]
		pub fn claim(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim(&who)
		}

		/// Sets the part of each cycle's reward pool that goes to retrieval nodes (the rest
		/// goes to cache nodes). Applies from the next cycle close.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_retrieval_share())]
		pub fn set_retrieval_share(
			origin: OriginFor<T>,
			retrieval_share: Perbill,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			RetrievalShare::<T>::put(retrieval_share);
			Self::deposit_event(Event::RetrievalShareSet { retrieval_share });
			Ok(())
		}

		/// Commits escrow to `node`: raises the caller's allowance for `node` to `amount`
		/// (taking the difference from escrow, opening the allowance and holding
		/// `AllowanceDeposit` if there was none), or, if `amount` is lower, requests a decrease
		/// to `amount` that `release_allowance` executes after `AllowanceUnlockDelay`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_allowance())]
		pub fn set_allowance(
			origin: OriginFor<T>,
			node: T::AccountId,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_allowance(&who, &node, amount)
		}

		/// Executes a due decrease of the caller's allowance for `node`: the released part goes
		/// back to the caller's escrow; a decrease to zero closes the allowance and refunds its
		/// deposit (a new allowance gets a new `opened_at`, so old tickets cannot replay).
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::release_allowance())]
		pub fn release_allowance(origin: OriginFor<T>, node: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_release_allowance(&who, &node)
		}

		/// Records a retrieval node's signed statement of how many bytes a cache node holds
		/// for it in the open cycle. The caller is the cache node or the signing retrieval
		/// node (which can so lower or revoke, level 0, a level it attested). A higher version
		/// replaces the level; the retrieval node's levels together stay within
		/// `ρ × A_R / p`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::attest_cached())]
		pub fn attest_cached(
			origin: OriginFor<T>,
			attestation: AttestationOf<T>,
			signature: sp_core::sr25519::Signature,
			form: SigForm,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_attest_cached(&who, &attestation, &signature, form)
		}

		/// Permissionless: credits `node`'s reward for its closed, unsettled cycle.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::settle())]
		pub fn settle(origin: OriginFor<T>, node: T::AccountId) -> DispatchResult {
			ensure_signed(origin)?;
			let ledger = Rewards::<T>::get(&node);
			let due = ledger.pending_cycle.is_some_and(|c| c < CurrentCycle::<T>::get());
			ensure!(due, Error::<T>::NothingToSettle);
			Self::settle_node(&node)?;
			Ok(())
		}

		/// Permissionless: removes up to `limit` records of `cycle`, once it is older than
		/// `ReceiptHistoryDepth` and fully settled.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::prune(*limit))]
		pub fn prune(
			origin: OriginFor<T>,
			cycle: CycleIndex,
			limit: u32,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			ensure!(Self::prunable(cycle), Error::<T>::CycleNotPrunable);
			let limit = limit.min(MAX_PRUNE_PER_CALL);
			let removed = Self::prune_cycle(cycle, limit);
			Ok(Some(T::WeightInfo::prune(removed)).into())
		}

		/// Sets the pool caps (`k_r`, `k_c`, `k_o`), applied from the next cycle close.
		/// `k_r + k_c` must not exceed 100 % (`CapTooHigh`); `k_o ≤ 100 %` by its type.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::set_caps())]
		pub fn set_caps(origin: OriginFor<T>, caps: Caps) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let sum = u64::from(caps.retrieval.deconstruct())
				.saturating_add(u64::from(caps.cached.deconstruct()));
			ensure!(sum <= u64::from(Perbill::one().deconstruct()), Error::<T>::CapTooHigh);
			PoolCaps::<T>::put(caps);
			Self::deposit_event(Event::CapsSet { caps });
			Ok(())
		}
	}

	/// Most records one `prune` call removes.
	pub const MAX_PRUNE_PER_CALL: u32 = 1_000;

	impl<T: Config> Pallet<T> {
		/// The pallet account: holds settled income, allowances and credited, unclaimed
		/// rewards.
		pub fn account_id() -> T::AccountId {
			T::PalletId::get().into_account_truncating()
		}

		/// Weight actually used by a `submit_tickets` of `len` tickets that did `cost`: the
		/// verified tickets at the benchmarked rate, plus the allowance read, hashing, draw
		/// and event of every ticket refused after the allowance read; never more than the
		/// pre-dispatch weight.
		pub fn submit_tickets_weight(cost: BatchCost, len: u32) -> Weight {
			T::WeightInfo::submit_tickets(cost.verified)
				.saturating_add(T::WeightInfo::submit_tickets_rejected(cost.read_rejected))
				.min(T::WeightInfo::submit_tickets(len))
		}
	}
}
