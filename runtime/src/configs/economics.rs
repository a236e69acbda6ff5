//! Era issuance and the reward pools (SPEC §3).

use crate::{
	configs::staking::TreasuryAccount,
	currency::{CESS, TOTAL_ISSUANCE_CAP},
	Balances, Runtime,
};
use frame_support::{parameter_types, PalletId};

parameter_types! {
	/// Issuance of every era before the first halving: 324 688 CESS.
	pub const BaseEraIssuance: u128 = 324_688 * CESS;
	/// Eras in four years of 6-hour eras (4 × 1461): issuance halves after each.
	pub const HalvingPeriod: u32 = 4 * 1461;
	/// Hard cap on total issuance: 10 000 000 000 CESS.
	pub const IssuanceCap: u128 = TOTAL_ISSUANCE_CAP;
	/// Storage-miner reward pool account id (`modl` + `cess/smp`).
	pub const StoragePoolId: PalletId = PalletId(*b"cess/smp");
	/// CD²N reward pool account id (`modl` + `cess/cdp`).
	pub const CdnPoolId: PalletId = PalletId(*b"cess/cdp");
}

/// The era pallet-staking is closing when it asks for the era payout.
pub struct ActiveEraIndex;
impl frame_support::traits::Get<Option<u32>> for ActiveEraIndex {
	fn get() -> Option<u32> {
		pallet_staking::ActiveEra::<Runtime>::get().map(|era| era.index)
	}
}

impl pallet_issuance::Config for Runtime {
	type Currency = Balances;
	type BaseEraIssuance = BaseEraIssuance;
	type HalvingPeriod = HalvingPeriod;
	type IssuanceCap = IssuanceCap;
	type StoragePoolId = StoragePoolId;
	type CdnPoolId = CdnPoolId;
	type Treasury = TreasuryAccount;
	type CurrentEra = ActiveEraIndex;
	type SplitOrigin = crate::governance::IssuanceAdminOrigin;
	type WeightInfo = pallet_issuance::weights::SubstrateWeight<Runtime>;
}
