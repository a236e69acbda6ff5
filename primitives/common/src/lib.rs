//! Types and constants shared by the CESS runtime, its pallets and the node.
//!
//! Everything that both sides of the wasm boundary must agree on lives here: the account and
//! balance types, the token's units and the block time. Chain *timings* that differ between a
//! dev chain and production (epoch length, era length, block day) are deliberately not
//! constants: they are fixed at genesis by the chain spec, see `pallet-timings`.

#![cfg_attr(not(feature = "std"), no_std)]

use sp_runtime::{
	traits::{IdentifyAccount, Verify},
	MultiSignature,
};

/// An index to a block. `u32` lasts 800+ years at 6 s blocks.
pub type BlockNumber = u32;

/// Signature type used by transactions: sr25519, ed25519 or ecdsa, as polkadot.js signs.
pub type Signature = MultiSignature;

/// Account identifier: the 32-byte public key the signature scheme maps to.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// Balance of an account, in the smallest unit (10^-18 CESS).
pub type Balance = u128;

/// Transaction counter of an account.
pub type Nonce = u32;

/// Hash of a block or a trie node.
pub type Hash = sp_core::H256;

/// Milliseconds since the unix epoch, as reported by the timestamp inherent.
pub type Moment = u64;

/// Token units. CESS has 18 decimals, like the networks it is modelled on.
pub mod currency {
	use super::Balance;

	/// Number of decimals of the CESS token.
	pub const DECIMALS: u8 = 18;
	/// One CESS in base units.
	pub const CESS: Balance = 1_000_000_000_000_000_000;
	/// One hundredth of a CESS.
	pub const CENTS: Balance = CESS / 100;
	/// One thousandth of a CENT.
	pub const MILLICENTS: Balance = CENTS / 1_000;
	/// Hard cap on the total issuance: 10 000 000 000 CESS.
	pub const TOTAL_ISSUANCE_CAP: Balance = 10_000_000_000 * CESS;
	/// Token symbol shown by wallets (chain spec property `tokenSymbol`).
	pub const TOKEN_SYMBOL: &str = "CESS";
	/// SS58 address prefix (chain spec property `ss58Format`).
	pub const SS58_PREFIX: u16 = 11330;
}

/// Block time. Fixed for every chain: only the *number* of blocks per epoch, era or block day
/// changes between a dev chain and production.
pub mod time {
	use super::{BlockNumber, Moment};

	/// Target block time in milliseconds.
	pub const MILLISECS_PER_BLOCK: Moment = 6_000;
	/// BABE slot duration: one slot per block.
	pub const SLOT_DURATION: Moment = MILLISECS_PER_BLOCK;
	/// Blocks in one minute.
	pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
	/// Blocks in one hour.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks in one day.
	pub const DAYS: BlockNumber = HOURS * 24;
	/// BABE primary-slot probability `c = (1, 4)`: a quarter of slots have a primary author,
	/// secondary (round-robin) slots fill the rest so every slot gets a block.
	pub const PRIMARY_PROBABILITY: (u64, u64) = (1, 4);
}
