//! Runtime API of the CD²N pallet for wallets, nodes and explorers (polkadot.js decodes it
//! from the metadata: `api.call.cdnApi.nodeCycleReport(node, cycle)`).

use crate::{AllowanceView, CycleIndex, CycleSnapshot, NodeCycleReport, Receipt, TicketStatus};
use alloc::vec::Vec;

/// Most receipts one `node_receipts` page returns.
pub const MAX_RECEIPTS_PAGE: u32 = 1_000;

sp_api::decl_runtime_apis! {
	/// Queries about CD²N nodes.
	pub trait CdnApi<AccountId, Balance, BlockNumber>
	where
		AccountId: codec::Codec,
		Balance: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// The node's work and reward for `cycle`, its receipt count, its reward balance
		/// (including a closed cycle not yet settled) and what `claim` would pay now.
		fn node_cycle_report(node: AccountId, cycle: CycleIndex) -> NodeCycleReport<Balance>;

		/// One page (at most `limit`, ≤ 1 000) of the node's receipts of `cycle`, per payer,
		/// starting after payer `start_after`; the second value is the `start_after` of the
		/// next page (`None` at the end).
		fn node_receipts(
			node: AccountId,
			cycle: CycleIndex,
			start_after: Option<AccountId>,
			limit: u32,
		) -> (Vec<(AccountId, Receipt<Balance>)>, Option<AccountId>);

		/// The payer's allowance for the node.
		fn allowance(payer: AccountId, node: AccountId) -> Option<AllowanceView<Balance, BlockNumber>>;

		/// Whether a winning ticket with `nonce` from `payer` to `node` would be accepted.
		fn ticket_status(payer: AccountId, node: AccountId, nonce: u64) -> TicketStatus;

		/// The snapshot of a closed cycle that is not fully settled yet.
		fn cycle_summary(cycle: CycleIndex) -> Option<CycleSnapshot<Balance>>;

		/// The open service cycle.
		fn current_cycle() -> CycleIndex;
	}
}
