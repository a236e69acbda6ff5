//! # CESS runtime
//!
//! A BABE + GRANDPA + NPoS-staking solochain runtime. This file composes the pallets; the
//! configuration of each concern lives in its own module:
//!
//! - [`configs`]: `Config` implementations, grouped by concern (system, consensus, staking,
//!   treasury);
//! - [`fees`]: the 20 % author / 80 % treasury split of transaction fees and tips;
//! - [`offences`]: validator offence penalties relative to the minimum validator bond;
//! - [`apis`]: the runtime APIs the node and polkadot.js call;
//! - [`genesis_config_presets`]: the `dev`, `local` and `staging` genesis presets.
//!
//! Chain timings (epoch, era, block day) are not compiled in: they are written at genesis by
//! `pallet-timings`, so one wasm serves the dev chain and production.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime!` does a lot of recursion.
#![recursion_limit = "512"]

extern crate alloc;

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

pub mod apis;
pub mod configs;
pub mod distribution;
pub mod fees;
pub mod genesis_config_presets;
pub mod governance;
pub mod offences;
#[cfg(feature = "std")]
pub mod operator_genesis;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_authorship;
#[cfg(test)]
mod tests_governance;
#[cfg(test)]
mod tests_heartbeat;
#[cfg(test)]
mod tests_migrations;
#[cfg(test)]
mod tests_offences;
#[cfg(test)]
mod tests_operator_genesis;
#[cfg(test)]
mod tests_repair;

use alloc::{borrow::Cow, vec::Vec};
use sp_runtime::{generic, impl_opaque_keys};
use sp_version::RuntimeVersion;

pub use cess_primitives::{
	currency, time, AccountId, Balance, BlockNumber, Hash, Moment, Nonce, Signature,
};
pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_staking::StakerStatus;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Opaque types used by the node: it does not need to know the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Block header type as expected by this runtime.
	pub type Header = generic::Header<BlockNumber, sp_runtime::traits::BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
}

impl_opaque_keys! {
	/// The session keys a validator registers with `session.setKeys`: one per consensus
	/// protocol it takes part in.
	pub struct SessionKeys {
		pub babe: Babe,
		pub grandpa: Grandpa,
		pub im_online: ImOnline,
		pub authority_discovery: AuthorityDiscovery,
	}
}

/// Runtime version. Bump `spec_version` on every behaviour change.
#[cfg(not(feature = "upgrade-test"))]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("cess"),
	impl_name: Cow::Borrowed("cess-node"),
	authoring_version: 1,
	spec_version: 100,
	impl_version: 0,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// The same runtime under a higher version, for the runtime-upgrade e2e
/// (`scripts/e2e/tests/runtime-upgrade.test.mjs` builds it with `--features upgrade-test`
/// and enacts it with `system.setCode`). `spec_version` must stay above the real one's
/// (`runtime_version` needs literals, hence a second constant); `transaction_version` is
/// bumped too so clients must follow both.
#[cfg(feature = "upgrade-test")]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("cess"),
	impl_name: Cow::Borrowed("cess-node"),
	authoring_version: 1,
	spec_version: 1_000_100,
	impl_version: 0,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// BABE epoch configuration at genesis: see [`time::PRIMARY_PROBABILITY`]. Secondary slots
/// carry a VRF output too (`PrimaryAndSecondaryVRFSlots`), so every block has fresh
/// randomness: the audit's round seed mixes in the parent block's VRF output
/// (`configs::storage::AuditRandomness`), unknown until that block exists.
pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
	sp_consensus_babe::BabeEpochConfiguration {
		c: time::PRIMARY_PROBABILITY,
		allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
	};

/// The address format for describing accounts.
pub type Address = sp_runtime::MultiAddress<AccountId, ()>;
/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, sp_runtime::traits::BlakeTwo256>;
/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block that has been signed by a GRANDPA justification set.
pub type SignedBlock = generic::SignedBlock<Block>;
/// BlockId type as expected by this runtime.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions, in the order polkadot.js signs them.
pub type TxExtension = (
	// Gives *authorized* general transactions (`#[pallet::authorize]` calls: im-online
	// heartbeats) their origin; without it every heartbeat is refused with `UnknownOrigin`.
	// No payload: signed extrinsics encode and sign exactly as before.
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	// Rejects `audit.submit_proof` spam in the pool and prioritises admissible proofs (no
	// payload: polkadot.js signs it as an empty extension).
	pallet_audit::CheckProof<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations applied on runtime upgrade (each checks the pallet's storage version,
/// so one that already ran is a single read). Remove a migration once every live chain has it.
pub type Migrations = (pallet_issuance::migrations::v1::MigrateV0ToV1<Runtime>,);

/// Executive: dispatches incoming extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

// Order matters. Genesis: `Timings` must build before `Babe`, `Session` and `Staking` read the
// epoch and era lengths. Hooks run in declaration order: `Babe` (which decides the epoch
// change) before `Session` (which rotates on it), and `Authorship` after `Session`, so a
// session's first block is credited to that session (im-online's authored blocks, era points)
// and not to the one that just ended (runtime/src/tests_authorship.rs). The indices are what
// the encoding uses; the order does not change them.
frame_support::construct_runtime!(
	pub enum Runtime {
		System: frame_system = 0,
		Timings: pallet_timings = 1,
		Timestamp: pallet_timestamp = 2,
		Babe: pallet_babe = 3,
		Balances: pallet_balances = 5,
		TransactionPayment: pallet_transaction_payment = 6,
		Staking: pallet_staking = 7,
		Offences: pallet_offences = 8,
		Historical: pallet_session::historical = 9,
		Session: pallet_session = 10,
		Authorship: pallet_authorship = 4,
		Grandpa: pallet_grandpa = 11,
		ImOnline: pallet_im_online = 12,
		AuthorityDiscovery: pallet_authority_discovery = 13,
		Treasury: pallet_treasury = 14,
		Utility: pallet_utility = 16,
		Issuance: pallet_issuance = 17,
		Cdn: pallet_cdn = 18,
		StorageMiner: pallet_storage_miner = 19,
		FileBank: pallet_file_bank = 20,
		Audit: pallet_audit = 21,
		Vesting: pallet_vesting = 22,

		// OpenGov (docs/governance.md). Index 15 (the former Sudo) stays unused.
		Preimage: pallet_preimage = 30,
		Scheduler: pallet_scheduler = 31,
		ConvictionVoting: pallet_conviction_voting = 32,
		Referenda: pallet_referenda = 33,
		Origins: governance::origins::pallet_custom_origins = 34,
	}
);
