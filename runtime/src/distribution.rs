//! The published token distribution (docs/economics.md, "Token distribution") and the vesting
//! schedules it turns into at genesis.
//!
//! Of the 10 000 000 000 CESS cap, 45 % is never allocated at genesis: storage nodes (30 %)
//! and consensus nodes (15 %) are paid from the era issuance (`pallet-issuance`). The other
//! 55 % are six categories, each with a release rule:
//!
//! | category | share | at launch | then |
//! |---|---|---|---|
//! | influencers | 5 % | 60 % | 40 % after 6 months (a cliff) |
//! | team and advisers | 12.5 % | 16 % | 84 % linearly over 72 months |
//! | ecosystem and community | 12 % | 100 % | — |
//! | early backers | 10 % | 20 % | 80 % linearly over 48 months |
//! | foundation | 10 % | 20 % | 80 % linearly over 48 months |
//! | market liquidity | 5.5 % | 100 % | — |
//!
//! Months are [`MONTH`] blocks (30.4375 days of 14 400 blocks: 365.25 / 12). The accounts
//! and amounts of each category are chain-spec input (the operator file of
//! `crate::operator_genesis`); this module only knows the rules. A rule becomes one
//! `pallet-vesting` schedule `(begin, length, liquid)` at genesis: the pallet locks
//! `amount − liquid` and releases `per_block = locked / length` (rounded down) per block
//! after `begin`, so a cliff is `begin = cliff − 1, length = 1` (everything at the cliff
//! block) and a linear release is `begin = 0, length = months × MONTH`.

use crate::{currency::TOTAL_ISSUANCE_CAP, Balance, BlockNumber};
use sp_runtime::Perbill;

/// A month in blocks: 30.4375 days × 14 400 blocks.
pub const MONTH: BlockNumber = 438_300;

/// Part of the cap paid to storage nodes from issuance (not allocated at genesis).
pub const STORAGE_NODES_SHARE: Perbill = Perbill::from_percent(30);
/// Part of the cap paid to consensus nodes from issuance (not allocated at genesis).
pub const CONSENSUS_NODES_SHARE: Perbill = Perbill::from_percent(15);

/// A genesis distribution category.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Category {
	/// Influencers: 5 %.
	Influencers,
	/// Team and advisers: 12.5 %.
	TeamAdvisers,
	/// Ecosystem and community: 12 %.
	Ecosystem,
	/// Early backers: 10 %.
	EarlyBackers,
	/// Foundation: 10 %.
	Foundation,
	/// Market liquidity: 5.5 %.
	Liquidity,
}

/// How a category's tokens are released.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Release {
	/// The category's share of the 10 B cap.
	pub share: Perbill,
	/// Part free at launch.
	pub at_launch: Perbill,
	/// The rest is released all at once at this block (0: no cliff).
	pub cliff: BlockNumber,
	/// Or linearly over this many blocks from launch (0: not linear).
	pub linear: BlockNumber,
}

impl Category {
	/// Every category, in the order of the published table.
	pub const ALL: [Category; 6] = [
		Category::Influencers,
		Category::TeamAdvisers,
		Category::Ecosystem,
		Category::EarlyBackers,
		Category::Foundation,
		Category::Liquidity,
	];

	/// The name used in operator files and docs.
	pub fn name(self) -> &'static str {
		match self {
			Category::Influencers => "influencers",
			Category::TeamAdvisers => "team_advisers",
			Category::Ecosystem => "ecosystem",
			Category::EarlyBackers => "early_backers",
			Category::Foundation => "foundation",
			Category::Liquidity => "liquidity",
		}
	}

	/// The category called `name`, if any.
	pub fn from_name(name: &str) -> Option<Category> {
		Self::ALL.into_iter().find(|c| c.name() == name)
	}

	/// The published release rule.
	pub fn release(self) -> Release {
		let p = Perbill::from_percent;
		match self {
			Category::Influencers => {
				Release { share: p(5), at_launch: p(60), cliff: 6 * MONTH, linear: 0 }
			}
			Category::TeamAdvisers => Release {
				share: Perbill::from_parts(125_000_000),
				at_launch: p(16),
				cliff: 0,
				linear: 72 * MONTH,
			},
			Category::Ecosystem => Release { share: p(12), at_launch: p(100), cliff: 0, linear: 0 },
			Category::EarlyBackers => {
				Release { share: p(10), at_launch: p(20), cliff: 0, linear: 48 * MONTH }
			}
			Category::Foundation => {
				Release { share: p(10), at_launch: p(20), cliff: 0, linear: 48 * MONTH }
			}
			Category::Liquidity => Release {
				share: Perbill::from_parts(55_000_000),
				at_launch: p(100),
				cliff: 0,
				linear: 0,
			},
		}
	}

	/// The category's published amount: its share of the 10 B cap.
	pub fn published_amount(self) -> Balance {
		self.release().share.mul_floor(TOTAL_ISSUANCE_CAP)
	}

	/// The `pallet-vesting` genesis schedule `(begin, length, liquid)` of an allocation of
	/// `amount` in this category, or `None` if it is all free at launch.
	pub fn genesis_vesting(self, amount: Balance) -> Option<(BlockNumber, BlockNumber, Balance)> {
		let r = self.release();
		let liquid = r.at_launch.mul_floor(amount);
		if liquid >= amount {
			return None;
		}
		if r.cliff > 0 {
			Some((r.cliff.saturating_sub(1), 1, liquid))
		} else if r.linear > 0 {
			Some((0, r.linear, liquid))
		} else {
			None
		}
	}
}

/// What `pallet-vesting` still locks at block `n` of a genesis schedule `(begin, length,
/// liquid)` over `amount`: `locked − per_block × (n − begin)`, floored at 0, with
/// `locked = amount − liquid` and `per_block = locked / length` (at least 1).
pub fn locked_at(
	amount: Balance,
	schedule: (BlockNumber, BlockNumber, Balance),
	n: BlockNumber,
) -> Balance {
	let (begin, length, liquid) = schedule;
	let locked = amount.saturating_sub(liquid);
	let per_block = (locked / Balance::from(length.max(1))).max(1);
	let elapsed = Balance::from(n.saturating_sub(begin));
	locked.saturating_sub(per_block.saturating_mul(elapsed))
}
