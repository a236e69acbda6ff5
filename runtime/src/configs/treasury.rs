//! Treasury: receives 80 % of fees and tips, slashes, and reward remainders.

use crate::{
	governance::{TreasurerOrigin, TreasurySpender},
	AccountId, Balances, BlockNumber, Runtime, RuntimeEvent, System,
};
use frame_support::{
	parameter_types,
	traits::tokens::{pay::PayFromAccount, UnityAssetBalanceConversion},
	PalletId,
};
use sp_runtime::{traits::IdentityLookup, Permill};

parameter_types! {
	/// The treasury's account is derived from this id (`py/trsry`).
	pub const TreasuryPalletId: PalletId = PalletId(*b"py/trsry");
	/// Approved spends are paid out once per day (production timings).
	pub const SpendPeriod: BlockNumber = crate::time::DAYS;
	/// Nothing is burnt: unspent funds stay in the treasury.
	pub const Burn: Permill = Permill::zero();
	/// A spend can be claimed for 30 days.
	pub const PayoutPeriod: BlockNumber = 30 * crate::time::DAYS;
	/// The treasury's own account.
	pub TreasuryAccountId: AccountId = crate::Treasury::account_id();
}

impl pallet_treasury::Config for Runtime {
	type Currency = Balances;
	type RejectOrigin = TreasurerOrigin;
	type RuntimeEvent = RuntimeEvent;
	type SpendPeriod = SpendPeriod;
	type Burn = Burn;
	type PalletId = TreasuryPalletId;
	type BurnDestination = ();
	type WeightInfo = pallet_treasury::weights::SubstrateWeight<Runtime>;
	type SpendFunds = ();
	type MaxApprovals = frame_support::traits::ConstU32<100>;
	// Root spends any amount; a spender track up to its cap (10 k / 100 k / 1 M CESS, the
	// treasurer track 10 M).
	type SpendOrigin = TreasurySpender;
	type AssetKind = ();
	type Beneficiary = AccountId;
	type BeneficiaryLookup = IdentityLookup<AccountId>;
	type Paymaster = PayFromAccount<Balances, TreasuryAccountId>;
	type BalanceConverter = UnityAssetBalanceConversion;
	type PayoutPeriod = PayoutPeriod;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
	type BlockNumberProvider = System;
}
