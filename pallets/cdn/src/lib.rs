//! # CD²N pallet (`cdn`)
//!
//! Pays content-delivery nodes — **retrieval nodes** that serve content to users and **cache
//! nodes** that hold copies placed by retrieval nodes — for work a payer signed for (SPEC §9).
//!
//! - Nodes register with a refundable deposit (a fungible hold). There is **no slashing**.
//! - Users fund an **escrow** (a fungible hold) and sign sr25519 **tickets** for the orders
//!   they received. A node submits its tickets in bounded batches; every signature is checked,
//!   replay is impossible (strictly increasing nonce per `(signer, node)`), and the amount moves
//!   out of the signer's escrow. One bad ticket rejects the whole batch and changes nothing.
//! - Work is counted per **service cycle** (`CycleLength` blocks, 4 eras). At the end of a cycle
//!   the CD²N reward pool is split (governance-set ratio) into a retrieval pool, paid pro rata
//!   to retrieval power, and a cache pool, paid pro rata to cache points. Closing a cycle is
//!   O(1): totals are snapshotted and each node's reward is computed lazily the next time the
//!   node interacts (or by anyone asking the runtime API).
//! - `claim` pays 50 % of the reward balance, at most once per cycle.
//!
//! See `docs/cdn.md` for the formulas with a worked example and the ticket format.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

pub mod cycles;
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

pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible;

/// Balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A ticket as this runtime encodes it.
pub type TicketOf<T> =
	Ticket<<T as frame_system::Config>::AccountId, BalanceOf<T>, <T as frame_system::Config>::Hash>;

/// A signed ticket as this runtime encodes it (the element of `submit_tickets`).
pub type SignedTicketOf<T> = SignedTicket<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	<T as frame_system::Config>::Hash,
>;

/// A registered node's record.
pub type NodeInfoOf<T> = NodeInfo<BalanceOf<T>, <T as Config>::MaxEndpointLen>;

/// A user's escrow record.
pub type EscrowOf<T> = Escrow<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;

/// A receipt as stored.
pub type ReceiptOf<T> = Receipt<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// The bounded list of receipts of one node in one cycle.
pub type ReceiptsOf<T> =
	frame_support::BoundedVec<ReceiptOf<T>, <T as Config>::MaxReceiptsPerCycle>;

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

	#[pallet::pallet]
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

		/// Minimum amount of a paid ticket: the floor price of one unit of retrieval power, so
		/// a node cannot inflate its power with free tickets from accounts it controls.
		#[pallet::constant]
		type MinTicketAmount: Get<BalanceOf<Self>>;

		/// Part of retrieval income that goes to the treasury (5 %).
		#[pallet::constant]
		type TreasuryShare: Get<Perbill>;

		/// Part of the reward pool for retrieval nodes until governance sets another one.
		#[pallet::constant]
		type DefaultRetrievalShare: Get<Perbill>;

		/// Points per byte of cache orders (`PointBase`).
		#[pallet::constant]
		type PointBase: Get<u128>;

		/// Points shared among cache nodes by cached bytes each cycle (`PointsPerCycle`).
		#[pallet::constant]
		type PointsPerCycle: Get<u128>;

		/// Maximum tickets in one `submit_tickets` call.
		#[pallet::constant]
		type MaxTicketsPerBatch: Get<u32>;

		/// Maximum length of a node endpoint.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;

		/// Maximum receipts (distinct `(signer, kind)`) per node per cycle.
		#[pallet::constant]
		type MaxReceiptsPerCycle: Get<u32>;

		/// Cycles a node's receipts and work records are kept for: when a node starts work in
		/// cycle `c`, its records of cycle `c - ReceiptHistoryDepth` are removed.
		#[pallet::constant]
		type ReceiptHistoryDepth: Get<u32>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Reasons this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A node's registration deposit.
		#[codec(index = 0)]
		NodeDeposit,
		/// A user's ticket escrow.
		#[codec(index = 1)]
		Escrow,
	}

	/// Default of [`RetrievalShare`]: the runtime's configured value.
	#[pallet::type_value]
	pub fn DefaultRetrievalShareOf<T: Config>() -> Perbill {
		T::DefaultRetrievalShare::get()
	}

	/// Registered nodes.
	#[pallet::storage]
	pub type Nodes<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, NodeInfoOf<T>>;

	/// User escrows.
	#[pallet::storage]
	pub type Escrows<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, EscrowOf<T>>;

	/// Last settled nonce per `(signer, node)`; a ticket needs a strictly greater nonce.
	#[pallet::storage]
	pub type Nonces<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		u64,
		ValueQuery,
	>;

	/// The open service cycle.
	#[pallet::storage]
	pub type CurrentCycle<T> = StorageValue<_, CycleIndex, ValueQuery>;

	/// Block at which the open cycle started.
	#[pallet::storage]
	pub type CycleStart<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Totals of the open cycle.
	#[pallet::storage]
	pub type CurrentTotals<T> = StorageValue<_, CycleTotals, ValueQuery>;

	/// Closed cycles some participant has not settled yet.
	#[pallet::storage]
	pub type Snapshots<T: Config> =
		StorageMap<_, Twox64Concat, CycleIndex, CycleSnapshot<BalanceOf<T>>>;

	/// A node's work (and reward, once settled) per cycle.
	#[pallet::storage]
	pub type NodeWork<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		CycleIndex,
		NodeCycleRecord<BalanceOf<T>>,
	>;

	/// Reward ledgers (kept after unregistering, so earned rewards stay claimable).
	#[pallet::storage]
	pub type Rewards<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, RewardLedger<BalanceOf<T>>, ValueQuery>;

	/// Receipts per node per cycle, aggregated per `(signer, kind)`.
	#[pallet::storage]
	pub type Receipts<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		CycleIndex,
		ReceiptsOf<T>,
		ValueQuery,
	>;

	/// Part of the reward pool distributed to retrieval nodes; the rest goes to cache nodes.
	#[pallet::storage]
	pub type RetrievalShare<T: Config> =
		StorageValue<_, Perbill, ValueQuery, DefaultRetrievalShareOf<T>>;

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
		/// Receipt of one settled ticket: `units` bytes, `amount` taken from the signer.
		TicketSettled {
			cycle: CycleIndex,
			node: T::AccountId,
			signer: T::AccountId,
			kind: TicketKind,
			nonce: u64,
			units: u64,
			amount: BalanceOf<T>,
		},
		/// Receipt of a settled batch: totals, the node's income and the treasury share.
		BatchSettled {
			cycle: CycleIndex,
			node: T::AccountId,
			tickets: u32,
			units: u128,
			amount: BalanceOf<T>,
			income: BalanceOf<T>,
			treasury: BalanceOf<T>,
		},
		/// A cycle closed; its pools were moved from the reward pool to the pallet account.
		CycleClosed {
			cycle: CycleIndex,
			retrieval_pool: BalanceOf<T>,
			cache_pool: BalanceOf<T>,
			retrieval_power: u64,
			cached_bytes: u128,
			total_points: u128,
			participants: u32,
		},
		/// Receipt of a cycle payout: the node's reward for `cycle` was credited. `units` is
		/// the retrieval power or cache points it was paid for.
		NodeRewarded {
			cycle: CycleIndex,
			node: T::AccountId,
			units: u128,
			income: BalanceOf<T>,
			pool_share: BalanceOf<T>,
			amount: BalanceOf<T>,
		},
		/// Every participant of `cycle` settled; the rounding remainder went back to the pool.
		CycleFinalized { cycle: CycleIndex, remainder: BalanceOf<T> },
		/// A node claimed half of its reward balance.
		RewardClaimed {
			cycle: CycleIndex,
			node: T::AccountId,
			amount: BalanceOf<T>,
			remaining: BalanceOf<T>,
		},
		/// Governance changed the retrieval share of the reward pool.
		RetrievalShareSet { retrieval_share: Perbill },
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
		/// The signer's escrow does not cover the ticket (or the withdrawal request).
		InsufficientEscrow,
		/// No withdrawal was requested.
		NoWithdrawalRequested,
		/// The withdrawal's unlock block has not been reached.
		WithdrawalLocked,
		/// The batch holds no ticket.
		EmptyBatch,
		/// A ticket names another node than the submitter.
		WrongNode,
		/// A ticket was signed for another chain (genesis hash mismatch).
		WrongGenesis,
		/// A node cannot settle a ticket it signed itself.
		SelfTicket,
		/// A ticket attests zero bytes.
		ZeroBytes,
		/// The ticket kind does not match the node's kind.
		KindMismatch,
		/// A `CachedBytes` attestation carries an amount (attestations are unpaid).
		AttestationWithAmount,
		/// A `CachedBytes` attestation is not signed by a registered retrieval node.
		SignerNotRetrievalNode,
		/// A paid ticket is below `MinTicketAmount`.
		AmountBelowMinimum,
		/// The ticket's nonce is not above the last settled one: a replay or out of order.
		StaleNonce,
		/// The signature is not the signer's signature of the ticket.
		BadSignature,
		/// The node's receipt list for this cycle is full; submit in the next cycle.
		ReceiptsFull,
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

		fn integrity_test() {
			assert!(T::MaxTicketsPerBatch::get() > 0, "cdn: MaxTicketsPerBatch must be > 0");
			// One full batch from distinct signers must always fit a fresh receipt list.
			assert!(
				T::MaxReceiptsPerCycle::get() >= T::MaxTicketsPerBatch::get(),
				"cdn: MaxReceiptsPerCycle must be >= MaxTicketsPerBatch"
			);
			assert!(T::ReceiptHistoryDepth::get() > 0, "cdn: ReceiptHistoryDepth must be > 0");
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
		/// stay claimable.
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

		/// Settles a batch of tickets naming the caller as node. All-or-nothing: any invalid
		/// ticket rejects the batch with a precise error. Also settles the caller's previous
		/// cycle if it closed since the node last interacted.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::submit_tickets(tickets.len() as u32))]
		pub fn submit_tickets(origin: OriginFor<T>, tickets: TicketBatchOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit_tickets(&who, &tickets)
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
	}

	impl<T: Config> Pallet<T> {
		/// The pallet account: holds settled income and credited, unclaimed rewards.
		pub fn account_id() -> T::AccountId {
			T::PalletId::get().into_account_truncating()
		}
	}
}
