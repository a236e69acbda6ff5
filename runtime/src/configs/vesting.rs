//! Vesting: the locked parts of the genesis token distribution (`crate::distribution`) and
//! vested transfers.

use crate::{currency::CESS, Balance, Balances, Runtime, RuntimeEvent, System};
use frame_support::{parameter_types, traits::WithdrawReasons};
use sp_runtime::traits::ConvertInto;

parameter_types! {
	/// A vested transfer must move at least 1 CESS (keeps the 28 schedule slots from being
	/// filled with dust).
	pub const MinVestedTransfer: Balance = CESS;
	/// Locked funds pay neither transfers nor reserves; they may pay fees and tips.
	pub UnvestedFundsAllowedWithdrawReasons: WithdrawReasons =
		WithdrawReasons::except(WithdrawReasons::TRANSFER | WithdrawReasons::RESERVE);
}

impl pallet_vesting::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	// Blocks and balances are both integers: a schedule releases `per_block` per block.
	type BlockNumberToBalance = ConvertInto;
	type MinVestedTransfer = MinVestedTransfer;
	type WeightInfo = pallet_vesting::weights::SubstrateWeight<Runtime>;
	type UnvestedFundsAllowedWithdrawReasons = UnvestedFundsAllowedWithdrawReasons;
	type BlockNumberProvider = System;
	const MAX_VESTING_SCHEDULES: u32 = 28;
}
