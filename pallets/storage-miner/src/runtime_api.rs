//! Runtime API of the storage-miner pallet: a miner's state, spaces, collateral, debt and
//! requirement for wallets, explorers and the miner agent (polkadot.js:
//! `api.call.storageMinerApi.minerInfo(account)`).

use crate::{MinerReport, RewardReport};

sp_api::decl_runtime_apis! {
	/// Queries about storage miners.
	pub trait StorageMinerApi<AccountId, Balance, BlockNumber>
	where
		AccountId: codec::Codec,
		Balance: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// The miner's state, spaces, collateral, debt and collateral requirement; `None` if
		/// the account is not a miner (a banned account reports state `Banned`).
		fn miner_info(who: AccountId) -> Option<MinerReport<AccountId, Balance, BlockNumber>>;

		/// Collateral required to declare `declared_tib` TiB.
		fn collateral_requirement(declared_tib: u32) -> Balance;
	}
}

sp_api::decl_runtime_apis! {
	/// Reward orders of storage miners (SPEC §8); polkadot.js:
	/// `api.call.storageMinerRewardsApi.rewards(account)`.
	pub trait StorageMinerRewardsApi<AccountId, Balance, BlockNumber>
	where
		AccountId: codec::Codec,
		Balance: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// What `claim_rewards` would pay now, what would still vest after it, the block of the
		/// next release step, and whether the miner is frozen (then it cannot claim).
		fn rewards(who: AccountId) -> RewardReport<Balance, BlockNumber>;
	}
}
