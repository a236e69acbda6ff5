//! Runtime-level tests against the real `Runtime`: genesis presets and the fee split.

use crate::{
	currency::{CESS, TOTAL_ISSUANCE_CAP},
	fees::DealWithFees,
	genesis_config_presets::{get_preset, preset_names, TREASURY_ENDOWMENT},
	Balances, Runtime, RuntimeGenesisConfig, Session, System, Treasury,
};
use codec::Encode;
use frame_support::{
	genesis_builder_helper::build_state,
	traits::{
		fungible::{Balanced, Inspect},
		Get, OnUnbalanced,
	},
};
use sp_consensus_babe::{
	digests::{PreDigest, SecondaryPlainPreDigest},
	BABE_ENGINE_ID,
};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{Digest, DigestItem};

/// Externalities holding the genesis state of `preset`.
fn ext_with_preset(preset: &str) -> sp_io::TestExternalities {
	let json = get_preset(&preset.into()).expect("preset exists");
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| build_state::<RuntimeGenesisConfig>(json).expect("preset builds"));
	ext
}

/// Starts block 1 with a BABE pre-digest naming validator `authority_index` as author.
fn start_block_authored_by(authority_index: u32) {
	let pre = PreDigest::SecondaryPlain(SecondaryPlainPreDigest {
		authority_index,
		slot: 1u64.into(),
	});
	let digest =
		Digest { logs: vec![DigestItem::PreRuntime(BABE_ENGINE_ID, pre.encode())] };
	System::initialize(&1, &Default::default(), &digest);
}

#[test]
fn every_preset_builds_with_its_timings() {
	for (preset, epoch, sessions, day, validators) in [
		("development", 10u64, 2u32, 10u32, 1usize),
		("local_testnet", 10, 2, 10, 3),
		("staging", 600, 6, 14_400, 3),
	] {
		ext_with_preset(preset).execute_with(|| {
			assert_eq!(crate::configs::EpochDuration::get(), epoch, "{preset}");
			assert_eq!(crate::configs::SessionsPerEra::get(), sessions, "{preset}");
			assert_eq!(pallet_timings::BlockDayOf::<Runtime>::get(), day, "{preset}");
			assert_eq!(Session::validators().len(), validators, "{preset}");
			assert_eq!(Balances::balance(&Treasury::account_id()), TREASURY_ENDOWMENT);
			assert!(Balances::total_issuance() < TOTAL_ISSUANCE_CAP);
		});
	}
	assert_eq!(preset_names().len(), 3);
	assert!(get_preset(&"no-such-preset".into()).is_none());
}

#[test]
fn fees_and_tips_split_20_80_with_no_unit_lost() {
	ext_with_preset("development").execute_with(|| {
		start_block_authored_by(0);
		let author = Sr25519Keyring::Alice.to_account_id();
		let treasury = Treasury::account_id();
		let author_before = Balances::balance(&author);
		let treasury_before = Balances::balance(&treasury);

		// fee 1 000 000 007 + tip 336 = 1 000 000 343 base units, an odd total:
		// author = floor(20 % × 1 000 000 343) = floor(200 000 068.6) = 200 000 068,
		// treasury = 1 000 000 343 − 200 000 068 = 800 000 275.
		let fee = <Balances as Balanced<_>>::issue(1_000_000_007);
		let tip = <Balances as Balanced<_>>::issue(336);
		let issuance_with_credits = Balances::total_issuance();
		DealWithFees::on_unbalanceds([fee, tip].into_iter());

		assert_eq!(Balances::balance(&author) - author_before, 200_000_068);
		assert_eq!(Balances::balance(&treasury) - treasury_before, 800_000_275);
		assert_eq!(Balances::total_issuance(), issuance_with_credits);
	});
}

#[test]
fn fee_of_one_unit_goes_to_the_treasury() {
	ext_with_preset("development").execute_with(|| {
		start_block_authored_by(0);
		let author = Sr25519Keyring::Alice.to_account_id();
		let author_before = Balances::balance(&author);
		let treasury_before = Balances::balance(&Treasury::account_id());

		// floor(20 % × 1) = 0 for the author, the single unit for the treasury.
		DealWithFees::on_unbalanceds([<Balances as Balanced<_>>::issue(1)].into_iter());

		assert_eq!(Balances::balance(&author), author_before);
		assert_eq!(Balances::balance(&Treasury::account_id()) - treasury_before, 1);
	});
}

#[test]
fn without_a_known_author_everything_goes_to_the_treasury() {
	ext_with_preset("development").execute_with(|| {
		// No BABE pre-digest: the block has no author.
		System::initialize(&1, &Default::default(), &Default::default());
		let treasury_before = Balances::balance(&Treasury::account_id());
		let fee = <Balances as Balanced<_>>::issue(5 * CESS);
		DealWithFees::on_unbalanceds([fee].into_iter());
		assert_eq!(Balances::balance(&Treasury::account_id()) - treasury_before, 5 * CESS);
	});
}
