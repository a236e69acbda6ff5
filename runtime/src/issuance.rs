//! Per-era issuance (SPEC §3): `324 688 CESS × 0.5^floor(era / ERAS_PER_4_YEARS)`.
//!
//! The validator share (30 % by default) is paid through pallet-staking's `EraPayout`. The
//! storage-miner and CD²N reward pools that receive the other 70 % are introduced together
//! with those pallets; until then that part is not minted at all, so total issuance only ever
//! grows by what validators are actually paid.

use crate::{currency::CESS, Balance, Runtime};
use sp_runtime::Perbill;

/// Tokens issued in era 0, before any halving.
pub const BASE_ERA_ISSUANCE: Balance = 324_688 * CESS;
/// Eras in four years of 6-hour eras (4 × 1461): the halving period.
pub const ERAS_PER_4_YEARS: u32 = 4 * 1461;
/// Default share of an era's issuance paid to validators and their nominators.
pub const VALIDATOR_SHARE: Perbill = Perbill::from_percent(30);

/// Tokens issued for `era`: the base amount halved once per four-year period.
///
/// Halving is a right shift, so it is exact for the first 128 periods and zero afterwards.
pub fn era_issuance(era: u32) -> Balance {
	let halvings = era / ERAS_PER_4_YEARS;
	BASE_ERA_ISSUANCE.checked_shr(halvings).unwrap_or(0)
}

/// The validators' part of the issuance of `era`.
pub fn validator_payout(era: u32) -> Balance {
	VALIDATOR_SHARE * era_issuance(era)
}

/// `EraPayout` for pallet-staking: pays [`validator_payout`] of the era that is ending.
pub struct CessEraPayout;

impl sp_staking::EraPayout<Balance> for CessEraPayout {
	fn era_payout(
		_total_staked: Balance,
		_total_issuance: Balance,
		_era_duration_millis: u64,
	) -> (Balance, Balance) {
		// Staking calls this while the ending era is still the active one.
		let era = pallet_staking::ActiveEra::<Runtime>::get().map(|e| e.index).unwrap_or(0);
		(validator_payout(era), 0)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn first_period_pays_the_base_amount() {
		assert_eq!(era_issuance(0), 324_688_000_000_000_000_000_000);
		assert_eq!(era_issuance(ERAS_PER_4_YEARS - 1), 324_688 * CESS);
	}

	#[test]
	fn issuance_halves_every_four_years() {
		assert_eq!(era_issuance(5_844), 162_344 * CESS);
		assert_eq!(era_issuance(2 * 5_844), 81_172 * CESS);
		assert_eq!(era_issuance(3 * 5_844 + 17), 40_586 * CESS);
		assert_eq!(era_issuance(u32::MAX), 0);
	}

	#[test]
	fn validators_get_thirty_percent() {
		// 30 % of 324 688 CESS = 97 406.4 CESS.
		assert_eq!(validator_payout(0), 97_406_400_000_000_000_000_000);
		assert_eq!(validator_payout(5_844), 48_703_200_000_000_000_000_000);
	}
}
