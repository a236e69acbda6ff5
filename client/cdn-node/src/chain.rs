//! What the node reads from the chain, through the miner agent's JSON-RPC client
//! (`cess_miner_agent::chain::Chain`): the `CdnApi` runtime API and two storage items, plus
//! the live-metadata check of every call and API the node uses.

use cess_miner_agent::{auth::cdn_node_key, chain::Chain, metadata};
use cess_runtime::{AccountId, Balance, BlockNumber, Runtime};
use codec::Decode;
use frame_support::traits::Get;
use pallet_cdn::{
	AllowanceView, CycleIndex, NodeCycleReport, NodeInfo, RewardLedger, TicketStatus,
};

/// Calls the node sends: (pallet, call).
pub const CALLS: [(&str, &str); 5] = [
	("Cdn", "register_node"),
	("Cdn", "submit_tickets"),
	("Cdn", "claim"),
	("Cdn", "set_allowance"),
	("Cdn", "attest_cached"),
];

/// Runtime-API methods the node calls.
pub const APIS: [(&str, &str); 4] = [
	("CdnApi", "allowance"),
	("CdnApi", "ticket_status"),
	("CdnApi", "current_cycle"),
	("CdnApi", "node_cycle_report"),
];

/// A registered node.
pub type Node = NodeInfo<Balance, <Runtime as pallet_cdn::Config>::MaxEndpointLen>;

/// `MinFaceValue` of the compiled runtime.
pub fn min_face() -> Balance {
	<<Runtime as pallet_cdn::Config>::MinFaceValue as Get<Balance>>::get()
}

/// `MaxNonceJump`.
pub fn max_jump() -> u64 {
	<<Runtime as pallet_cdn::Config>::MaxNonceJump as Get<u64>>::get()
}

/// `MaxTicketsPerBatch`.
pub fn max_batch() -> usize {
	<<Runtime as pallet_cdn::Config>::MaxTicketsPerBatch as Get<u32>>::get() as usize
}

/// `ReferenceBytePrice` (planck per byte).
pub fn reference_price() -> Balance {
	<<Runtime as pallet_cdn::Config>::ReferenceBytePrice as Get<Balance>>::get()
}

/// `MaxReplicas` (`ρ`).
pub fn max_replicas() -> u32 {
	<<Runtime as pallet_cdn::Config>::MaxReplicas as Get<u32>>::get()
}

/// Checks that the live runtime still has the calls and APIs above with the compiled shapes.
pub fn check_live(chain: &Chain) -> Result<(), String> {
	let compiled = metadata::compiled()?;
	let at = chain.best_hash().map_err(|e| e.to_string())?;
	let live = chain.metadata(at).map_err(|e| e.to_string())?;
	metadata::check_uses(&compiled, &live, &CALLS, &APIS)
}

/// A constant of the live runtime's metadata, SCALE-decoded (e.g. `Cdn.MaxTicketLifetime`,
/// which the runtime computes from genesis-set timings, so the compiled value cannot be used).
pub fn live_constant<T: Decode>(chain: &Chain, pallet: &str, name: &str) -> Result<T, String> {
	let at = chain.best_hash().map_err(|e| e.to_string())?;
	let m = chain.metadata(at).map_err(|e| e.to_string())?;
	let c = m
		.pallets
		.iter()
		.find(|p| p.name == pallet)
		.and_then(|p| p.constants.iter().find(|c| c.name == name))
		.ok_or_else(|| format!("the live runtime has no {pallet}.{name}"))?;
	T::decode(&mut &c.value[..]).map_err(|e| format!("{pallet}.{name}: {e}"))
}

/// `Cdn::Nodes(who)`.
pub fn node(chain: &Chain, who: &AccountId) -> Result<Option<Node>, String> {
	match chain.storage(&cdn_node_key(who), None).map_err(|e| e.to_string())? {
		Some(raw) => Node::decode(&mut &raw[..]).map(Some).map_err(|e| format!("Cdn::Nodes: {e}")),
		None => Ok(None),
	}
}

/// `Cdn::Rewards(who)`.
pub fn rewards(chain: &Chain, who: &AccountId) -> Result<RewardLedger<Balance>, String> {
	let raw: &[u8; 32] = who.as_ref();
	let mut k = sp_crypto_hashing::twox_128(b"Cdn").to_vec();
	k.extend_from_slice(&sp_crypto_hashing::twox_128(b"Rewards"));
	k.extend_from_slice(&sp_crypto_hashing::blake2_128(raw));
	k.extend_from_slice(raw);
	match chain.storage(&k, None).map_err(|e| e.to_string())? {
		Some(raw) => RewardLedger::decode(&mut &raw[..]).map_err(|e| format!("Cdn::Rewards: {e}")),
		None => Ok(RewardLedger { balance: 0, last_claim: None, pending_cycle: None }),
	}
}

/// `CdnApi::allowance(payer, node)`.
pub fn allowance(
	chain: &Chain,
	payer: &AccountId,
	node: &AccountId,
) -> Result<Option<AllowanceView<Balance, BlockNumber>>, String> {
	chain.runtime_call("allowance", "CdnApi_allowance", (payer, node)).map_err(|e| e.to_string())
}

/// `CdnApi::ticket_status(payer, node, nonce)`.
pub fn ticket_status(
	chain: &Chain,
	payer: &AccountId,
	node: &AccountId,
	nonce: u64,
) -> Result<TicketStatus, String> {
	chain
		.runtime_call("ticket status", "CdnApi_ticket_status", (payer, node, nonce))
		.map_err(|e| e.to_string())
}

/// `CdnApi::current_cycle()`.
pub fn current_cycle(chain: &Chain) -> Result<CycleIndex, String> {
	chain.runtime_call("current cycle", "CdnApi_current_cycle", ()).map_err(|e| e.to_string())
}

/// `CdnApi::node_cycle_report(node, cycle)`.
pub fn cycle_report(
	chain: &Chain,
	node: &AccountId,
	cycle: CycleIndex,
) -> Result<NodeCycleReport<Balance>, String> {
	chain
		.runtime_call("cycle report", "CdnApi_node_cycle_report", (node, cycle))
		.map_err(|e| e.to_string())
}

/// Storage key of `Cdn::CachedLevels((cycle, cache, retrieval))`.
pub fn cached_level_key(cycle: CycleIndex, cache: &AccountId, retrieval: &AccountId) -> Vec<u8> {
	let mut k = sp_crypto_hashing::twox_128(b"Cdn").to_vec();
	k.extend_from_slice(&sp_crypto_hashing::twox_128(b"CachedLevels"));
	let c = cycle.to_le_bytes();
	k.extend_from_slice(&sp_crypto_hashing::twox_64(&c));
	k.extend_from_slice(&c);
	for who in [cache, retrieval] {
		let raw: &[u8; 32] = who.as_ref();
		k.extend_from_slice(&sp_crypto_hashing::blake2_128(raw));
		k.extend_from_slice(raw);
	}
	k
}

/// `Cdn::CachedLevels((cycle, cache, retrieval))`: `(level, version)`, `(0, 0)` if none.
pub fn cached_level(
	chain: &Chain,
	cycle: CycleIndex,
	cache: &AccountId,
	retrieval: &AccountId,
) -> Result<(u64, u32), String> {
	match chain
		.storage(&cached_level_key(cycle, cache, retrieval), None)
		.map_err(|e| e.to_string())?
	{
		Some(raw) => {
			<(u64, u32)>::decode(&mut &raw[..]).map_err(|e| format!("Cdn::CachedLevels: {e}"))
		}
		None => Ok((0, 0)),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_cached_levels_key_is_the_pallets() {
		let (cache, retrieval) = (AccountId::from([1; 32]), AccountId::from([2; 32]));
		assert_eq!(
			cached_level_key(7, &cache, &retrieval),
			pallet_cdn::CachedLevels::<Runtime>::hashed_key_for((7u32, &cache, &retrieval))
		);
	}
}
