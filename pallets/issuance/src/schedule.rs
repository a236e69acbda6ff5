//! The issuance schedule and its split, as pure functions the pallet, its tests and the docs
//! share.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{traits::Zero, Perbill};

/// How one era's issuance is divided. The three parts always add up to 100 %.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct IssuanceSplit {
	/// Paid to validators and nominators through pallet-staking.
	pub validators: Perbill,
	/// Sent to the storage-miner reward pool.
	pub storage_miners: Perbill,
	/// Sent to the CD²N reward pool.
	pub cdn: Perbill,
}

impl Default for IssuanceSplit {
	/// SPEC §3 default: 30 % / 60 % / 10 %.
	fn default() -> Self {
		Self {
			validators: Perbill::from_percent(30),
			storage_miners: Perbill::from_percent(60),
			cdn: Perbill::from_percent(10),
		}
	}
}

impl IssuanceSplit {
	/// Whether the parts add up to exactly 100 %.
	pub fn is_whole(&self) -> bool {
		let total = u64::from(self.validators.deconstruct())
			+ u64::from(self.storage_miners.deconstruct())
			+ u64::from(self.cdn.deconstruct());
		total == u64::from(Perbill::one().deconstruct())
	}

	/// Divides `issued` into (validators, storage pool, CD²N pool). Validators and the storage
	/// pool get their share rounded down; the CD²N pool gets the remainder, so the three
	/// amounts always sum to `issued`.
	pub fn divide(&self, issued: u128) -> EraShares {
		let validators = self.validators.mul_floor(issued);
		let storage_pool = self.storage_miners.mul_floor(issued);
		let cdn_pool = issued.saturating_sub(validators).saturating_sub(storage_pool);
		EraShares { validators, storage_pool, cdn_pool }
	}
}

/// One era's issuance divided between its three recipients.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct EraShares {
	/// Validators' and nominators' reward (minted when `payoutStakers` is called).
	pub validators: u128,
	/// Storage-miner reward pool's share (minted at the end of the era).
	pub storage_pool: u128,
	/// CD²N reward pool's share (minted at the end of the era).
	pub cdn_pool: u128,
}

impl EraShares {
	/// Everything the era issued.
	pub fn total(&self) -> u128 {
		self.validators.saturating_add(self.storage_pool).saturating_add(self.cdn_pool)
	}
}

/// `base × 0.5^floor(era / halving_period)`: a right shift, exact for the first 127 halvings
/// and zero after that (or for a zero halving period, which would otherwise divide by zero).
pub fn era_issuance(base: u128, halving_period: u32, era: u32) -> u128 {
	if halving_period.is_zero() {
		return 0;
	}
	base.checked_shr(era / halving_period).unwrap_or(0)
}

/// The whole schedule: what all eras together ever issue. The sum over each halving period
/// is `period × (base >> k)`, so this is a loop over at most 128 periods.
pub fn total_scheduled(base: u128, halving_period: u32) -> u128 {
	(0..128u32).fold(0u128, |acc, k| {
		acc.saturating_add(u128::from(halving_period).saturating_mul(base >> k))
	})
}
