//! CD²N retrieval and cache nodes (SPEC §9), paid from the CD²N reward pool.

use crate::{
	configs::TreasuryAccount,
	currency::{CENTS, CESS},
	AccountId, Balances, BlockNumber, Runtime, RuntimeHoldReason,
};
use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Get},
	PalletId,
};
use sp_runtime::Perbill;

parameter_types! {
	/// The CD²N pallet's own account (escrow settlement, cycle pots): `modl` + `cess/cdn`.
	pub const CdnPalletId: PalletId = PalletId(*b"cess/cdn");
	/// The CD²N reward pool the era issuance pays into.
	pub CdnRewardPool: AccountId = pallet_issuance::Pallet::<Runtime>::cdn_pool();
	/// `τ`: 5 % of every ticket payment goes to the treasury.
	pub const CdnTreasuryShare: Perbill = Perbill::from_percent(5);
	/// Half of each cycle's pool for retrieval power, half for cache points, until governance
	/// changes it.
	pub const CdnDefaultRetrievalShare: Perbill = Perbill::from_percent(50);
	/// `k_r`, `k_c`, `k_o` (SPEC §12): pool payouts never exceed the treasury share of the
	/// paid volume behind them; `k_r + k_c ≤ 100 %` is enforced.
	pub const CdnRetrievalCap: Perbill = Perbill::from_percent(80);
	pub const CdnCachedCap: Perbill = Perbill::from_percent(20);
	pub const CdnCacheOrderCap: Perbill = Perbill::from_percent(100);
}

/// A CD²N service cycle: 4 eras of the genesis-fixed timings (dev 80 blocks, production
/// 14 400 blocks).
pub struct CdnCycleLength;
impl Get<BlockNumber> for CdnCycleLength {
	fn get() -> BlockNumber {
		let epoch = BlockNumber::try_from(pallet_timings::EpochDurationOf::<Runtime>::get())
			.unwrap_or(BlockNumber::MAX);
		epoch.saturating_mul(pallet_timings::SessionsPerEraOf::<Runtime>::get()).saturating_mul(4)
	}
}

/// Escrow unlocks two cycles after a withdrawal request, so every ticket signed before the
/// request can still be settled.
pub struct CdnWithdrawDelay;
impl Get<BlockNumber> for CdnWithdrawDelay {
	fn get() -> BlockNumber {
		CdnCycleLength::get().saturating_mul(2)
	}
}

/// A ticket may be valid at most one cycle ahead of its redemption.
pub struct CdnTicketLifetime;
impl Get<BlockNumber> for CdnTicketLifetime {
	fn get() -> BlockNumber {
		CdnCycleLength::get()
	}
}

/// Allowance decreases wait two cycles, longer than a ticket's lifetime.
pub type CdnAllowanceUnlockDelay = CdnWithdrawDelay;

/// `p` = 0.01 CESS per GiB = 10¹⁶ / 2³⁰ ≈ 9 313 225 planck per byte.
pub const CDN_REFERENCE_BYTE_PRICE: u128 = CENTS / 1_073_741_824;

impl pallet_cdn::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdminOrigin = crate::governance::StorageAdminOrigin;
	type PalletId = CdnPalletId;
	type RewardPool = CdnRewardPool;
	type Treasury = TreasuryAccount;
	type CycleLength = CdnCycleLength;
	type WithdrawDelay = CdnWithdrawDelay;
	type NodeDeposit = ConstU128<{ 100 * CESS }>;
	// 1 CESS: the fee of a winner (≈ 0.041 CESS) stays ≤ 4.1 % of what it pays.
	type MinFaceValue = ConstU128<CESS>;
	type TreasuryShare = CdnTreasuryShare;
	type DefaultRetrievalShare = CdnDefaultRetrievalShare;
	// Points (one per byte of cache orders, bytes = paid / p; attested content worth 1 TiB of
	// orders a cycle) are reported in `units` only: cache payouts follow the caps, so points
	// cannot be used to dilute honest caches (docs/cdn.md).
	type PointBase = ConstU128<1>;
	type PointsPerCycle = ConstU128<1_099_511_627_776>;
	type MaxTicketsPerBatch = ConstU32<256>;
	type MaxEndpointLen = ConstU32<128>;
	type ReceiptHistoryDepth = ConstU32<28>;
	type RetrievalCap = CdnRetrievalCap;
	type CachedCap = CdnCachedCap;
	type CacheOrderCap = CdnCacheOrderCap;
	type ReferenceBytePrice = ConstU128<CDN_REFERENCE_BYTE_PRICE>;
	type MaxReplicas = ConstU32<4>;
	type MaxTicketLifetime = CdnTicketLifetime;
	type AllowanceUnlockDelay = CdnAllowanceUnlockDelay;
	type NonceWindow = ConstU32<16>;
	type MaxNonceJump = ConstU64<{ 1u64 << 32 }>;
	// 0.1 CESS pays for the allowance's storage; refunded when it closes.
	type AllowanceDeposit = ConstU128<{ CESS / 10 }>;
	type SettleGrace = ConstU32<2>;
	// One cycle of CD²N issuance: 324 688 × 10 % × 4 = 129 875.2 CESS.
	type CarryCap = ConstU128<{ 129_875 * CESS + CESS / 5 }>;
	type WeightInfo = pallet_cdn::weights::SubstrateWeight<Runtime>;
}
