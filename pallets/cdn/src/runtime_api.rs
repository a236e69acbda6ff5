//! Runtime API of the CD²N pallet: receipts and reward balances for wallets and explorers
//! (polkadot.js decodes it from the metadata: `api.call.cdnApi.nodeCycleReport(node, cycle)`).

use crate::{CycleIndex, NodeCycleReport};

sp_api::decl_runtime_apis! {
	/// Queries about CD²N nodes.
	pub trait CdnApi<AccountId, Balance>
	where
		AccountId: codec::Codec,
		Balance: codec::Codec,
	{
		/// The node's receipts, work and reward for `cycle`, its reward balance (including a
		/// closed cycle not yet settled) and what `claim` would pay now.
		fn node_cycle_report(node: AccountId, cycle: CycleIndex) -> NodeCycleReport<AccountId, Balance>;

		/// The open service cycle.
		fn current_cycle() -> CycleIndex;
	}
}
