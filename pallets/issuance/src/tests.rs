//! Issuance: schedule, split, cap and pool funding, with hand-worked numbers.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Balanced, Inspect},
};
use sp_runtime::{DispatchError, Perbill};
use sp_staking::EraPayout;

const BASE: u128 = 324_688 * CESS;

#[test]
fn schedule_halves_every_5844_eras() {
	assert_eq!(era_issuance(BASE, 5_844, 0), 324_688 * CESS);
	assert_eq!(era_issuance(BASE, 5_844, 5_843), 324_688 * CESS);
	assert_eq!(era_issuance(BASE, 5_844, 5_844), 162_344 * CESS);
	assert_eq!(era_issuance(BASE, 5_844, 3 * 5_844), 40_586 * CESS);
	// 324 688 × 10^18 < 2^79: 78 halvings leave a single base unit, the 79th leaves nothing.
	assert_eq!(era_issuance(BASE, 5_844, 78 * 5_844), 1);
	assert_eq!(era_issuance(BASE, 5_844, 79 * 5_844), 0);
	assert_eq!(era_issuance(BASE, 0, 7), 0);
}

#[test]
fn whole_schedule_fits_under_the_cap_with_the_documented_total() {
	// Walk every era until issuance reaches zero, as the chain would.
	let mut total = 0u128;
	let mut era = 0u32;
	loop {
		let issued = era_issuance(BASE, 5_844, era);
		if issued == 0 {
			break;
		}
		total += issued;
		era += 1;
	}
	// 79 halving periods of 5 844 eras each (≈ 316 years).
	assert_eq!(era, 79 * 5_844);
	// ≈ 2 × 5 844 × 324 688 CESS = 3 794 953 344 CESS, minus the units the right shifts drop.
	assert_eq!(total, 3_794_953_343_999_999_999_999_812_992);
	assert_eq!(total, total_scheduled(BASE, 5_844));
	// Room left under the 10 B cap for the genesis allocation: 6 205 046 656 CESS.
	let cap = 10_000_000_000 * CESS;
	assert_eq!(cap - total, 6_205_046_656_000_000_000_000_187_008);
}

#[test]
fn default_split_is_30_60_10_and_divides_exactly() {
	let split = IssuanceSplit::default();
	assert!(split.is_whole());
	// Era 0: 324 688 CESS → 97 406.4 / 194 812.8 / 32 468.8 CESS.
	let shares = split.divide(BASE);
	assert_eq!(shares.validators, 97_406_400_000_000_000_000_000);
	assert_eq!(shares.storage_pool, 194_812_800_000_000_000_000_000);
	assert_eq!(shares.cdn_pool, 32_468_800_000_000_000_000_000);
	// An odd amount: 30 % and 60 % of 1 000 000 001 are rounded down, the CD²N pool gets the rest.
	let odd = split.divide(1_000_000_001);
	assert_eq!(
		(odd.validators, odd.storage_pool, odd.cdn_pool),
		(300_000_000, 600_000_000, 100_000_001)
	);
	assert_eq!(odd.total(), 1_000_000_001);
}

#[test]
fn genesis_creates_both_pools_with_the_existential_deposit() {
	new_test_ext().execute_with(|| {
		assert_eq!(Balances::balance(&Issuance::storage_pool()), ED);
		assert_eq!(Balances::balance(&Issuance::cdn_pool()), ED);
		assert_ne!(Issuance::storage_pool(), Issuance::cdn_pool());
		// The storage pool's existential deposit is counted as funded (the reward accounting
		// starts from it); the CD²N pool's is not part of that counter.
		assert_eq!(StoragePoolFunded::<Test>::get(), ED);
		assert_eq!(Split::<Test>::get(), IssuanceSplit::default());
	});
}

#[test]
fn era_payout_pays_validators_30_percent_and_funds_the_pools() {
	new_test_ext().execute_with(|| {
		CurrentEra::set(Some(0));
		let issuance_before = Balances::total_issuance();
		let (validators, rest) = <Issuance as EraPayout<u128>>::era_payout(0, 0, 0);
		assert_eq!(validators, 97_406_400_000_000_000_000_000);
		assert_eq!(rest, 227_281_600_000_000_000_000_000);

		// pallet-staking mints `rest` and hands it to the remainder handler.
		let credit = <Balances as Balanced<u64>>::issue(rest);
		<Issuance as OnUnbalanced<_>>::on_unbalanced(credit);

		assert_eq!(
			Balances::balance(&Issuance::storage_pool()),
			ED + 194_812_800_000_000_000_000_000
		);
		assert_eq!(Balances::balance(&Issuance::cdn_pool()), ED + 32_468_800_000_000_000_000_000);
		assert_eq!(Balances::total_issuance(), issuance_before + rest);
		// The counter the storage-miner's reward accounting reads: exactly the pool's balance.
		assert_eq!(StoragePoolFunded::<Test>::get(), ED + 194_812_800_000_000_000_000_000);
		assert_eq!(
			<Issuance as cess_traits::RewardPoolFunding<u128>>::funded(),
			Some(Balances::balance(&Issuance::storage_pool()))
		);
		assert!(PendingPoolShares::<Test>::get().is_none());
		System::assert_has_event(
			Event::EraIssued {
				era: 0,
				issued: BASE,
				validators,
				storage_pool: 194_812_800_000_000_000_000_000,
				cdn_pool: 32_468_800_000_000_000_000_000,
			}
			.into(),
		);
	});
}

#[test]
fn the_era_after_a_halving_issues_half() {
	new_test_ext().execute_with(|| {
		CurrentEra::set(Some(5_844));
		let (validators, rest) = <Issuance as EraPayout<u128>>::era_payout(0, 0, 0);
		// 162 344 CESS: 48 703.2 to validators, 113 640.8 to the pools.
		assert_eq!(validators, 48_703_200_000_000_000_000_000);
		assert_eq!(rest, 113_640_800_000_000_000_000_000);
	});
}

#[test]
fn issuance_is_clamped_to_the_room_under_the_cap() {
	new_test_ext().execute_with(|| {
		// Leave only 1 000 base units of room.
		Cap::set(Balances::total_issuance() + 1_000);
		let (validators, rest) = <Issuance as EraPayout<u128>>::era_payout(0, 0, 0);
		assert_eq!((validators, rest), (300, 700));
		let credit = <Balances as Balanced<u64>>::issue(rest);
		<Issuance as OnUnbalanced<_>>::on_unbalanced(credit);
		// Pools are minted now; the validators' 300 are minted at payout: still under the cap.
		assert_eq!(Balances::total_issuance() + validators, Cap::get());
		Cap::set(10_000_000_000 * CESS);
	});
}

#[test]
fn without_recorded_shares_the_credit_is_divided_pro_rata() {
	new_test_ext().execute_with(|| {
		// 700 units, pools 60 : 10 → storage floor(700 × 6/7) = 600, CD²N 100.
		let credit = <Balances as Balanced<u64>>::issue(700);
		<Issuance as OnUnbalanced<_>>::on_unbalanced(credit);
		assert_eq!(Balances::balance(&Issuance::storage_pool()), ED + 600);
		assert_eq!(Balances::balance(&Issuance::cdn_pool()), ED + 100);
	});
}

#[test]
fn set_split_needs_root_and_a_whole_split() {
	new_test_ext().execute_with(|| {
		let split = IssuanceSplit {
			validators: Perbill::from_percent(40),
			storage_miners: Perbill::from_percent(50),
			cdn: Perbill::from_percent(10),
		};
		assert_noop!(
			Issuance::set_split(RuntimeOrigin::signed(1), split),
			DispatchError::BadOrigin
		);
		let broken = IssuanceSplit { cdn: Perbill::from_percent(11), ..split };
		assert_noop!(
			Issuance::set_split(RuntimeOrigin::root(), broken),
			Error::<Test>::SplitNotWhole
		);

		assert_ok!(Issuance::set_split(RuntimeOrigin::root(), split));
		assert_eq!(Split::<Test>::get(), split);
		System::assert_last_event(Event::SplitChanged { split }.into());
		// Era 0 under 40/50/10: 129 875.2 CESS to validators.
		let (validators, rest) = <Issuance as EraPayout<u128>>::era_payout(0, 0, 0);
		assert_eq!(validators, 129_875_200_000_000_000_000_000);
		assert_eq!(validators + rest, BASE);
	});
}
