//! CD²N retrieval and cache nodes (SPEC §9), paid from the CD²N reward pool.

use crate::{
	configs::TreasuryAccount,
	currency::{CESS, MILLICENTS},
	AccountId, Balances, BlockNumber, Runtime, RuntimeHoldReason,
};
use frame_support::{
	parameter_types,
	traits::{ConstU128, ConstU32, Get},
	PalletId,
};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

parameter_types! {
	/// The CD²N pallet's own account (escrow settlement, cycle pots): `modl` + `cess/cdn`.
	pub const CdnPalletId: PalletId = PalletId(*b"cess/cdn");
	/// The CD²N reward pool the era issuance pays into.
	pub CdnRewardPool: AccountId = pallet_issuance::Pallet::<Runtime>::cdn_pool();
	/// 5 % of retrieval income goes to the treasury.
	pub const CdnTreasuryShare: Perbill = Perbill::from_percent(5);
	/// Half of each cycle's pool for retrieval power, half for cache points, until governance
	/// changes it.
	pub const CdnDefaultRetrievalShare: Perbill = Perbill::from_percent(50);
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

impl pallet_cdn::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdminOrigin = EnsureRoot<AccountId>;
	type PalletId = CdnPalletId;
	type RewardPool = CdnRewardPool;
	type Treasury = TreasuryAccount;
	type CycleLength = CdnCycleLength;
	type WithdrawDelay = CdnWithdrawDelay;
	type NodeDeposit = ConstU128<{ 100 * CESS }>;
	type MinTicketAmount = ConstU128<{ MILLICENTS }>;
	type TreasuryShare = CdnTreasuryShare;
	type DefaultRetrievalShare = CdnDefaultRetrievalShare;
	// One point per byte of cache orders; holding attested content is worth as much as serving
	// 1 TiB of cache orders in a cycle.
	type PointBase = ConstU128<1>;
	type PointsPerCycle = ConstU128<1_099_511_627_776>;
	type MaxTicketsPerBatch = ConstU32<64>;
	type MaxEndpointLen = ConstU32<128>;
	type MaxReceiptsPerCycle = ConstU32<128>;
	type ReceiptHistoryDepth = ConstU32<28>;
	type WeightInfo = pallet_cdn::weights::SubstrateWeight<Runtime>;
}
