//! Production-shaped chains from an operator file: it builds, dev keys and bad files are
//! refused, the metadata has no sudo, and the distribution vests as published.

use crate::{
	currency::{CESS, TOTAL_ISSUANCE_CAP},
	distribution::{locked_at, Category, MONTH},
	operator_genesis::{
		build, build_from, genesis_room, sample_file, OperatorEndowment, NEEDS_FILE,
	},
	tests::ext_with_preset,
	Balances, Runtime, Session, System,
};
use frame_support::traits::{fungible::Inspect, Get, VestingSchedule};
use sp_core::crypto::Ss58Codec;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

fn err(file: crate::operator_genesis::OperatorFile) -> String {
	build_from(file).expect_err("refused")
}

#[test]
fn the_sample_operator_file_builds_a_production_chain() {
	let chain = build_from(sample_file()).expect("builds");
	assert_eq!(chain.id, "cess_staging");
	// 5 500 000 000 distribution + 1 000 000 faucet + 3 × 100 001 validators + 1 000 treasury.
	assert_eq!(chain.genesis_total, 5_501_301_003 * CESS);
	ext_with_preset("staging").execute_with(|| {
		assert_eq!(Session::validators().len(), 3);
		assert_eq!(pallet_timings::BlockDayOf::<Runtime>::get(), 14_400);
		assert_eq!(crate::configs::EpochDuration::get(), 600);
	});
	// The JSON form parses the same (a round trip through the node's input format).
	let json = serde_json::json!({
		"name": "N", "id": "n", "protocol_id": "n",
		"boot_nodes": ["/ip4/10.0.0.1/tcp/30333/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp"],
		"validators": [{
			"stash": sample_file().validators[0].stash,
			"bond": 10_000,
			"session_keys": {
				"babe": sample_file().validators[0].session_keys.babe,
				"grandpa": sample_file().validators[0].session_keys.grandpa,
				"im_online": sample_file().validators[0].session_keys.im_online,
				"authority_discovery": sample_file().validators[0].session_keys.authority_discovery,
			}
		}]
	});
	let chain = build(&json.to_string()).expect("builds");
	assert_eq!(chain.boot_nodes.len(), 1);
	assert_eq!(chain.genesis_total, (10_001 + 1_000) * CESS);
}

#[test]
fn staging_without_a_file_says_a_file_is_needed() {
	assert!(NEEDS_FILE.contains("staging:<file.json>"), "{NEEDS_FILE}");
	assert!(crate::genesis_config_presets::get_preset(&"staging".into()).is_none());
}

#[test]
fn every_well_known_dev_key_is_refused_by_name() {
	let alice_ss58 =
		Sr25519Keyring::Alice.to_account_id().to_ss58check_with_version(11330u16.into());
	let mut f = sample_file();
	f.validators[0].stash = alice_ss58;
	let e = err(f);
	assert!(e.contains("validators[0].stash") && e.contains("//Alice (sr25519)"), "{e}");

	let mut f = sample_file();
	f.validators[1].session_keys.grandpa =
		format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&Ed25519Keyring::Bob.public().0));
	let e = err(f);
	assert!(e.contains("grandpa") && e.contains("//Bob (ed25519)"), "{e}");

	let mut f = sample_file();
	f.distribution[2].account = Sr25519Keyring::FerdieStash.to_account_id().to_ss58check();
	let e = err(f);
	assert!(e.contains("distribution[2].account") && e.contains("//Ferdie//stash"), "{e}");

	let mut f = sample_file();
	f.endowments.push(OperatorEndowment {
		account: format!(
			"0x{}",
			sp_core::hexdisplay::HexDisplay::from(&Sr25519Keyring::Dave.public().0)
		),
		balance: 1,
	});
	assert!(err(f).contains("//Dave (sr25519)"));

	// All 14 sr25519 and 14 ed25519 development keys are known.
	assert_eq!(crate::operator_genesis::dev_keys().len(), 28);
}

#[test]
fn bad_operator_files_are_refused_with_the_reason() {
	let mut f = sample_file();
	f.validators.clear();
	assert!(err(f).contains("`validators` is empty"));

	let mut f = sample_file();
	f.validators[0].bond = 9_999;
	assert!(err(f).contains("below the minimum validator bond of 10000 CESS"));

	let mut f = sample_file();
	f.validators[0].controller = Some(f.validators[1].stash.clone());
	assert!(err(f).contains("no separate controller"));

	let mut f = sample_file();
	f.distribution[0].category = "airdrop".into();
	assert!(err(f).contains("unknown category `airdrop`"));

	// Influencers: 500 000 000 published; one more CESS is refused.
	let mut f = sample_file();
	f.distribution[0].amount += 1;
	let e = err(f);
	assert!(
		e.contains(
			"`influencers` allocations add up to 500000001 CESS, above the published 500000000"
		),
		"{e}"
	);

	let mut f = sample_file();
	f.validators[0].session_keys.babe = "0x1234".into();
	assert!(err(f).contains("is not 32 bytes"));

	let mut f = sample_file();
	f.validators[2].stash = f.validators[0].stash.clone();
	assert!(err(f).contains("listed twice"));

	assert!(build("{\"name\": \"x\"}").expect_err("refused").contains("missing field"));
	assert!(build(
		"{\"name\":\"x\",\"id\":\"x\",\"protocol_id\":\"x\",\"validators\":[],\"sudo\":\"x\"}"
	)
	.expect_err("refused")
	.contains("unknown field `sudo`"));
}

#[test]
fn genesis_plus_every_scheduled_issuance_stays_under_the_cap() {
	// The schedule: 5 844 eras × 324 688 CESS × (1 + 1/2 + 1/4 + …) ≈ 3 795 M CESS; the
	// rest of the cap is the most genesis may allocate.
	let scheduled = TOTAL_ISSUANCE_CAP - genesis_room();
	assert!(scheduled > 3_794_000_000 * CESS && scheduled < 3_795_000_000 * CESS, "{scheduled}");
	let room_cess = genesis_room() / CESS;
	// The full published distribution (55 %) plus the sample's other allocations fits.
	let chain = build_from(sample_file()).expect("builds");
	assert!(chain.genesis_total + scheduled <= TOTAL_ISSUANCE_CAP);
	// One endowment taking genesis past the room is refused.
	let mut f = sample_file();
	let over = u64::try_from(room_cess - chain.genesis_total / CESS + 1).expect("fits");
	f.endowments
		.push(OperatorEndowment { account: format!("0x{}", "11".repeat(32)), balance: over });
	let e = err(f);
	assert!(e.contains("above the 10 000 000 000 CESS cap"), "{e}");
	// Exactly at the room is accepted.
	let mut f = sample_file();
	f.endowments
		.push(OperatorEndowment { account: format!("0x{}", "11".repeat(32)), balance: over - 1 });
	let chain = build_from(f).expect("builds at the cap");
	assert!(chain.genesis_total + scheduled <= TOTAL_ISSUANCE_CAP);
}

#[test]
fn staging_metadata_has_no_sudo() {
	ext_with_preset("staging").execute_with(|| {
		let md = Runtime::metadata_ir();
		let names: Vec<&str> = md.pallets.iter().map(|p| p.name).collect();
		assert!(!names.contains(&"Sudo"), "{names:?}");
		for p in ["Preimage", "Scheduler", "ConvictionVoting", "Referenda", "Origins", "Vesting"] {
			assert!(names.contains(&p), "{p} in {names:?}");
		}
	});
}

/// Account of the sample file's allocation in `category`.
fn allocation_account(category: Category) -> crate::AccountId {
	let f = sample_file();
	let a = f.distribution.iter().find(|a| a.category == category.name()).expect("allocated");
	let raw = sp_core::bytes::from_hex(&a.account).expect("hex");
	crate::AccountId::from(<[u8; 32]>::try_from(raw.as_slice()).expect("32 bytes"))
}

fn vesting_at(who: &crate::AccountId, n: u32) -> u128 {
	System::set_block_number(n);
	pallet_vesting::Pallet::<Runtime>::vesting_balance(who).unwrap_or(0)
}

#[test]
fn each_category_vests_as_published() {
	ext_with_preset("staging").execute_with(|| {
		// Influencers: 500 000 000 CESS, 300 000 000 free at launch, 200 000 000 at the
		// 6-month cliff, block 6 × 438 300 = 2 629 800.
		let who = allocation_account(Category::Influencers);
		assert_eq!(Balances::balance(&who), 500_000_000 * CESS);
		assert_eq!(vesting_at(&who, 0), 200_000_000 * CESS);
		assert_eq!(vesting_at(&who, 1_314_900), 200_000_000 * CESS); // mid-way
		assert_eq!(vesting_at(&who, 2_629_799), 200_000_000 * CESS); // the block before
		assert_eq!(vesting_at(&who, 2_629_800), 0); // the cliff

		// Team and advisers: 1 250 000 000 CESS, 16 % = 200 000 000 free; 1 050 000 000 over
		// 72 months = 31 557 600 blocks: per block floor(1.05e27 / 31 557 600) =
		// 33 272 492 204 730 397 748 planck (≈ 33.27 CESS).
		let who = allocation_account(Category::TeamAdvisers);
		assert_eq!(vesting_at(&who, 0), 1_050_000_000 * CESS);
		assert_eq!(vesting_at(&who, 1), 1_050_000_000 * CESS - 33_272_492_204_730_397_748);
		// Mid-way, block 15 778 800: 1.05e27 − 15 778 800 × per block.
		assert_eq!(vesting_at(&who, 15_778_800), 525_000_000_000_000_000_013_857_600);
		// At 72 months the rounding leaves 27 715 200 planck, released one block later.
		assert_eq!(vesting_at(&who, 31_557_600), 27_715_200);
		assert_eq!(vesting_at(&who, 31_557_601), 0);

		// Early backers and the foundation: 1 000 000 000 CESS each, 200 000 000 free,
		// 800 000 000 over 48 months = 21 038 400 blocks: per block
		// 38 025 705 376 834 740 284 planck.
		for c in [Category::EarlyBackers, Category::Foundation] {
			let who = allocation_account(c);
			assert_eq!(vesting_at(&who, 0), 800_000_000 * CESS);
			assert_eq!(vesting_at(&who, 10_519_200), 400_000_000_000_000_000_004_547_200);
			assert_eq!(vesting_at(&who, 21_038_400), 9_094_400);
			assert_eq!(vesting_at(&who, 21_038_401), 0);
		}

		// Ecosystem (1 200 000 000) and liquidity (550 000 000): all free at launch.
		for (c, amount) in
			[(Category::Ecosystem, 1_200_000_000), (Category::Liquidity, 550_000_000)]
		{
			let who = allocation_account(c);
			assert_eq!(Balances::balance(&who), amount * CESS);
			assert_eq!(vesting_at(&who, 0), 0);
			assert!(pallet_vesting::Vesting::<Runtime>::get(&who).is_none());
		}
	});
	// The module's own formula gives the same numbers.
	let team = Category::TeamAdvisers.genesis_vesting(1_250_000_000 * CESS).expect("vests");
	assert_eq!(team, (0, 72 * MONTH, 200_000_000 * CESS));
	assert_eq!(locked_at(1_250_000_000 * CESS, team, 31_557_600), 27_715_200);
	let influencers = Category::Influencers.genesis_vesting(500_000_000 * CESS).expect("vests");
	assert_eq!(influencers, (2_629_799, 1, 300_000_000 * CESS));
	assert_eq!(Category::Ecosystem.genesis_vesting(CESS), None);
	// The six categories are 55 % of the cap; 30 % + 15 % come from issuance.
	let total: u128 = Category::ALL.iter().map(|c| c.published_amount()).sum();
	assert_eq!(total, 5_500_000_000 * CESS);
}
