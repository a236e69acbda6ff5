//! Runtime-level tests against the real `Runtime`: genesis presets and the fee split.

use crate::{
	configs::{BaseEraIssuance, HalvingPeriod},
	currency::{CESS, TOTAL_ISSUANCE_CAP},
	fees::DealWithFees,
	genesis_config_presets::{get_preset, preset_names, TREASURY_ENDOWMENT},
	offences::{unresponsiveness_fraction, IdentificationTuple, MsaScaledSlashing},
	Balances, Runtime, RuntimeGenesisConfig, RuntimeOrigin, Session, Staking, System, Treasury,
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
use sp_runtime::{Digest, DigestItem, Perbill};

/// Externalities holding the genesis state of `preset`; `staging` is the chain built from
/// the sample operator file (`operator_genesis::sample_file`: production timings, three
/// validators, the whole published distribution).
pub(crate) fn ext_with_preset(preset: &str) -> sp_io::TestExternalities {
	let json = if preset == "staging" {
		let chain = crate::operator_genesis::build_from(crate::operator_genesis::sample_file())
			.expect("the sample operator file builds");
		serde_json::to_vec(&chain.genesis).expect("serialises")
	} else {
		get_preset(&preset.into()).expect("preset exists")
	};
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| build_state::<RuntimeGenesisConfig>(json).expect("preset builds"));
	ext
}

/// Starts block 1 with a BABE pre-digest naming validator `authority_index` as author.
pub(crate) fn start_block_authored_by(authority_index: u32) {
	let pre =
		PreDigest::SecondaryPlain(SecondaryPlainPreDigest { authority_index, slot: 1u64.into() });
	let digest = Digest { logs: vec![DigestItem::PreRuntime(BABE_ENGINE_ID, pre.encode())] };
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
	assert_eq!(preset_names().len(), 2, "dev and local; staging needs an operator file");
	assert!(get_preset(&"staging".into()).is_none());
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

#[test]
fn genesis_allocation_plus_the_whole_schedule_stays_under_the_cap() {
	let schedule = pallet_issuance::total_scheduled(BaseEraIssuance::get(), HalvingPeriod::get());
	for preset in ["development", "local_testnet", "staging"] {
		ext_with_preset(preset).execute_with(|| {
			let genesis = Balances::total_issuance();
			// Dev/local: 14 development accounts × 1 000 000 CESS + 1 000 CESS treasury. Staging
			// (sample operator file): the published 5 500 000 000 CESS distribution + a
			// 1 000 000 CESS faucet + 3 validators × (100 000 bond + 1) + 1 000 treasury. Plus
			// ED in each of the two reward pools and the CD²N pallet account.
			let expected = if preset == "staging" { 5_501_301_003 } else { 14_001_000 };
			assert_eq!(genesis, expected * CESS + 3 * crate::currency::CENTS, "{preset}");
			assert!(genesis + schedule <= TOTAL_ISSUANCE_CAP, "{preset}");
		});
	}
}

#[test]
fn validator_rewards_can_be_claimed_for_84_eras_and_not_after() {
	use pallet_staking::{CurrentEra, ErasValidatorReward};
	ext_with_preset("development").execute_with(|| {
		assert_eq!(<Runtime as pallet_staking::Config>::HistoryDepth::get(), 84);
		CurrentEra::<Runtime>::put(100);
		ErasValidatorReward::<Runtime>::insert(15, 1_000 * CESS);
		ErasValidatorReward::<Runtime>::insert(16, 1_000 * CESS);
		let alice = Sr25519Keyring::Alice.to_account_id();
		let bob = RuntimeOrigin::signed(Sr25519Keyring::Bob.to_account_id());
		// Era 15 is 85 eras old: outside the window.
		assert_eq!(
			Staking::payout_stakers(bob.clone(), alice.clone(), 15).map_err(|e| e.error),
			Err(pallet_staking::Error::<Runtime>::InvalidEraToReward.into())
		);
		// Era 16 is exactly 84 eras old: still inside the window.
		assert_ne!(
			Staking::payout_stakers(bob, alice, 16).map_err(|e| e.error),
			Err(pallet_staking::Error::<Runtime>::InvalidEraToReward.into())
		);
	});
}

#[test]
fn unresponsive_validator_loses_the_formula_amount_and_is_chilled() {
	use sp_staking::offence::{OffenceDetails, OnOffenceHandler};
	ext_with_preset("development").execute_with(|| {
		start_block_authored_by(0);
		let alice = Sr25519Keyring::Alice.to_account_id();
		let treasury_before = Balances::balance(&Treasury::account_id());
		let bonded_before = pallet_staking::Ledger::<Runtime>::get(&alice).expect("bonded").active;
		assert_eq!(bonded_before, 100_000 * CESS);
		assert!(pallet_staking::Validators::<Runtime>::contains_key(&alice));

		// x = 2 of n = 4 unresponsive: 3·(2 − 1)/4 × 5 % × MSA (10 000 CESS) = 375 CESS.
		let offenders: Vec<OffenceDetails<crate::AccountId, IdentificationTuple>> =
			vec![OffenceDetails { offender: (alice.clone(), ()), reporters: vec![] }];
		MsaScaledSlashing::on_offence(&offenders, &[unresponsiveness_fraction(2, 4)], 0);

		// Staking slashes a fraction of the exposure, and exposures are stored as vote weights
		// (99 999.999999999999954 CESS here), so the 375 CESS become
		// floor-ish(0.375 % × exposure): 374.999999999999999827 CESS, 173 units short.
		let exposure = Staking::eras_stakers(0, &alice);
		let fraction = Perbill::from_rational(375 * CESS, exposure.total);
		assert_eq!(fraction, Perbill::from_parts(3_750_000));
		let expected = fraction * exposure.own;
		assert_eq!(expected, 374_999_999_999_999_999_827);
		let bonded_after = pallet_staking::Ledger::<Runtime>::get(&alice).expect("bonded").active;
		assert_eq!(bonded_before - bonded_after, expected);
		assert_eq!(Balances::balance(&Treasury::account_id()) - treasury_before, expected);
		assert!(!pallet_staking::Validators::<Runtime>::contains_key(&alice), "chilled");
	});
}

/// Measures the era-change work (election + era bookkeeping) for 10, 100 and 1 000 stakers,
/// half validators and half nominators (16 nominations each): native wall time of the
/// session rotation that plans the new era, and the weight the runtime charges for it
/// (`staking::new_era` + the on-chain Phragmén election, from their benchmarks).
/// `cargo test --release -p cess-runtime -- --ignored --nocapture era_change_timing`
#[test]
#[ignore = "timing run"]
fn era_change_timing() {
	use frame_election_provider_support::weights::{
		SubstrateWeight as ElectionWeight, WeightInfo as _,
	};
	use pallet_staking::WeightInfo as _;
	use sp_core::crypto::AccountId32;

	for total in [10u32, 100, 1_000] {
		let validators = total / 2;
		let nominators = total - validators;
		let account = |i: u32| AccountId32::new(sp_io::hashing::blake2_256(&i.to_le_bytes()));
		let validator_ids: Vec<AccountId32> = (0..validators).map(account).collect();

		let json = get_preset(&"development".into()).expect("preset exists");
		let mut patch: serde_json::Value = serde_json::from_slice(&json).expect("json");
		let mut balances = Vec::new();
		let mut stakers = Vec::new();
		for (i, v) in validator_ids.iter().enumerate() {
			balances.push((v.clone(), 20_000 * CESS));
			stakers.push((
				v.clone(),
				v.clone(),
				10_000 * CESS + i as u128,
				pallet_staking::StakerStatus::<AccountId32>::Validator,
			));
		}
		for n in 0..nominators {
			let who = account(1_000_000 + n);
			let targets = (0..16)
				.map(|k| validator_ids[((n + k) % validators) as usize].clone())
				.collect::<Vec<_>>();
			balances.push((who.clone(), 20_000 * CESS));
			stakers.push((
				who.clone(),
				who,
				10_000 * CESS,
				pallet_staking::StakerStatus::<AccountId32>::Nominator(targets),
			));
		}
		let extend = |value: &mut serde_json::Value, items: serde_json::Value| {
			if let (Some(list), Some(more)) = (value.as_array_mut(), items.as_array()) {
				list.extend(more.iter().cloned());
			}
		};
		extend(&mut patch["balances"]["balances"], serde_json::to_value(&balances).expect("ser"));
		extend(&mut patch["staking"]["stakers"], serde_json::to_value(&stakers).expect("ser"));

		let mut ext = sp_io::TestExternalities::new_empty();
		ext.execute_with(|| {
			build_state::<RuntimeGenesisConfig>(serde_json::to_vec(&patch).expect("ser"))
				.expect("genesis builds");
			start_block_authored_by(0);
			let start_era = pallet_staking::ActiveEra::<Runtime>::get().map(|e| e.index);
			let mut slowest = std::time::Duration::ZERO;
			for _ in 0..4 {
				// This test produces no blocks: count every validator as having authored one,
				// or im-online would report them all offline and chill them.
				for v in Session::validators() {
					pallet_im_online::AuthoredBlocks::<Runtime>::insert(
						Session::current_index(),
						v,
						1,
					);
				}
				let started = std::time::Instant::now();
				Session::rotate_session();
				slowest = slowest.max(started.elapsed());
			}
			let end_era = pallet_staking::ActiveEra::<Runtime>::get().map(|e| e.index);
			assert!(
				end_era > start_era,
				"an era change happened: {start_era:?} → {end_era:?}, current {:?}, session {}",
				pallet_staking::CurrentEra::<Runtime>::get(),
				Session::current_index()
			);
			let voters = validators + nominators;
			let weight =
				<Runtime as pallet_staking::Config>::WeightInfo::new_era(validators, nominators)
					.saturating_add(ElectionWeight::<Runtime>::phragmen(
						voters, validators, validators,
					));
			println!(
				"era change with {validators} validators + {nominators} nominators: \
				 slowest rotation {} µs native, charged weight {} µs ref-time, {} KiB proof",
				slowest.as_micros(),
				weight.ref_time() / 1_000_000,
				weight.proof_size() / 1024,
			);
		});
	}
}

/// Prints the worst-case bytes of one entry (key + value) of every storage item of the
/// storage-network pallets, from their `MaxEncodedLen` bounds.
/// `cargo test --release -p cess-runtime -- --ignored --nocapture storage_footprint`
#[test]
#[ignore = "measurement run"]
fn storage_footprint() {
	use frame_support::traits::StorageInfoTrait;
	for info in [
		crate::Cdn::storage_info(),
		crate::StorageMiner::storage_info(),
		crate::FileBank::storage_info(),
		crate::Issuance::storage_info(),
	]
	.concat()
	{
		println!(
			"{}.{}: max {} bytes per entry (key + value), max entries {:?}",
			String::from_utf8_lossy(&info.pallet_name),
			String::from_utf8_lossy(&info.storage_name),
			info.max_size.map(|s| s + info.prefix.len() as u32).unwrap_or(0),
			info.max_values,
		);
	}
}

#[test]
fn audit_settles_a_full_roster_within_a_round_on_every_preset() {
	for preset in ["development", "local_testnet", "staging"] {
		ext_with_preset(preset).execute_with(|| {
			assert!(pallet_audit::Pallet::<Runtime>::capacity_covers_roster(), "{preset}");
		});
	}
}

/// Proofs per block: what a full roster (`MaxMiners`) needs if every miner answers within the
/// default deadline, against what a block carries by weight and by length (proofs are
/// `Operational`: the whole 2 s and 5 MiB, less the audit's worst-case hook weight), for every
/// preset. The largest proof at the default `Params` (2^27 fillers, every filler-leaf opening
/// at 34 nodes) encodes to 22 858 bytes; with ≈ 120 bytes of signed envelope, 22 978.
///
/// Worked numbers (ParityDb weights: read 8 µs, write 50 µs): a proof declares 515 µs +
/// 31 × 8 + 20 × 50 = 1 763 µs (the reward orders' `note_power` and its `RewardTotals` counter
/// included), plus 8 removals ×
/// (18 + 8 × 8 + 8 × 50 = 482 µs) = 3 856 µs, plus the 108 µs extrinsic base = 5 727 µs. The audit hook at its worst: base 385 µs + open
/// 77.5 µs + 500 × 772 µs (sweep) + 64 × 482 µs (removals) + 500 × 273 µs (enrolment) +
/// 500 × 171.5 µs (pruning) ≈ 640.3 ms. So by weight
/// ⌊(2 000 − 640.3) / 5.727⌋ ≈ 237 proofs per block (237 with the exact weights); by length
/// ⌊5 242 880 / 22 978⌋ = 228.
/// Length binds: **228 proofs per block**.
///
/// Production timings (staging): deadline 1 800 blocks → 10 000 miners need ⌈10 000 / 1 800⌉ =
/// 6 per block (2.6 % of a block). Fast timings (development, local_testnet): the deadline is
/// 10 blocks, so one round carries 10 × 228 = 2 280 proofs — a dev chain audits at most 2 280
/// miners per round, not `MaxMiners`.
#[test]
fn audit_proofs_fit_in_blocks_by_weight_and_length_on_every_preset() {
	use frame_support::{dispatch::DispatchClass, traits::Get, weights::Weight};
	use pallet_audit::WeightInfo as _;
	use pallet_file_bank::WeightInfo as _;
	const MAX_PROOF_EXTRINSIC: u64 = 22_858 + 120;
	for (preset, deadline, miners_per_round) in
		[("development", 10, 1_050u64), ("local_testnet", 10, 1_050), ("staging", 1_800, 189_000)]
	{
		ext_with_preset(preset).execute_with(|| {
			type A = pallet_audit::weights::SubstrateWeight<Runtime>;
			type F = pallet_file_bank::weights::SubstrateWeight<Runtime>;
			let weights = <Runtime as frame_system::Config>::BlockWeights::get();
			let length = <Runtime as frame_system::Config>::BlockLength::get();
			let op = weights.get(DispatchClass::Operational);
			let max_total = op.max_total.expect("operational limit");
			type M = pallet_storage_miner::weights::SubstrateWeight<Runtime>;
			use pallet_storage_miner::WeightInfo as _;
			// Issue 14: a proof's checkpoint also applies up to 4 queued sector changes.
			let per_proof = A::submit_proof()
				.saturating_add(F::apply_removal().saturating_mul(8))
				.saturating_add(M::apply_sector_change().saturating_mul(4))
				.saturating_add(op.base_extrinsic);
			// The per-block seed is priced like `open_round` plus a removal.
			let hooks = A::on_initialize_base()
				.saturating_add(A::open_round())
				.saturating_add(A::open_round())
				.saturating_add(<Runtime as frame_system::Config>::DbWeight::get().writes(1))
				.saturating_add(A::settle_miner().saturating_mul(500))
				// Issue 14: each visited miner's seal-audit step (worst case: fraud) and 64
				// queued sector changes per block.
				.saturating_add(A::seal_audit_step().saturating_mul(500))
				.saturating_add(M::apply_sector_change().saturating_mul(64))
				.saturating_add(F::apply_removal().saturating_mul(64))
				.saturating_add(A::enrol_miner().saturating_mul(500))
				.saturating_add(A::prune_entry().saturating_mul(500));
			let room: Weight = max_total.saturating_sub(hooks);
			let by_weight = room.ref_time() / per_proof.ref_time();
			let by_length =
				u64::from(*length.max.get(DispatchClass::Operational)) / MAX_PROOF_EXTRINSIC;
			// Issue 15: each settled miner may also ask for a repair (+7 reads, 3 writes), so
			// the sweep's worst case grew by 500 × 209 µs, and the reward counters of the
			// try_state accounting add 1 read and 1 write to a proof: weight (211) now limits
			// before length (228). Issue 14: the sweep's worst case adds 500 seal-audit steps
			// (each a fraud: 864 µs) and 64 sector changes (413 µs each), a proof 4 sector
			// changes: by weight 105 (hand-derived weights, see docs/storage-proofs.md)
			// before length (228).
			assert_eq!((by_weight, by_length), (105, 228), "{preset}");
			let d = u64::from(pallet_audit::Pallet::<Runtime>::effective_deadline());
			assert_eq!(d, deadline, "{preset}");
			let capacity = d * by_weight.min(by_length);
			assert_eq!(capacity, miners_per_round, "{preset}");
			let max_miners =
				u64::from(<<Runtime as pallet_audit::Config>::MaxMiners as Get<u32>>::get());
			let needed_per_block = max_miners.div_ceil(d);
			if preset == "staging" {
				assert_eq!(needed_per_block, 6);
				assert!(capacity >= max_miners, "production timings carry a full roster");
			} else {
				assert_eq!(needed_per_block, 1_000);
				assert!(capacity < max_miners, "documented dev limit: 1 050 miners per round");
			}
		});
	}
}

/// Issue 15, `try_state`'s reward accounting against the real funders: from genesis and after
/// an era's payout (what pallet-staking does at the end of an era), every unit issuance put
/// into the storage-miner pool is in the pool, and `StorageMiner::do_try_state` passes.
#[test]
fn storage_pool_accounting_holds_from_genesis_through_an_era_payout() {
	use cess_traits::RewardPoolFunding;
	use sp_staking::EraPayout;
	type Funders = (crate::Issuance, crate::FileBank);
	ext_with_preset("development").execute_with(|| {
		let pool = pallet_issuance::Pallet::<Runtime>::storage_pool();
		assert_eq!(crate::StorageMiner::do_try_state(), Ok(()));
		let (pool_before, funded_before) =
			(Balances::balance(&pool), Funders::funded().expect("counted"));
		let (_, rest) = <crate::Issuance as EraPayout<u128>>::era_payout(0, 0, 0);
		let credit = <Balances as Balanced<_>>::issue(rest);
		<crate::Issuance as OnUnbalanced<_>>::on_unbalanced(credit);
		let funded = Funders::funded().expect("counted");
		// 60 % of the era's 324 688 CESS reaches the storage pool, and is counted exactly.
		assert_eq!(funded - funded_before, 194_812_800 * CESS / 1_000);
		assert_eq!(Balances::balance(&pool) - pool_before, funded - funded_before);
		assert_eq!(crate::StorageMiner::do_try_state(), Ok(()));
	});
}

/// Issue 14, commit protocol: the prove-commit window never outlives the seal block's seed
/// (the audit keeps a block's seed for one round), and the per-sector deposit is the sector's
/// share of the collateral rule: dev preset 2 000 CESS × 2^23 / 2^40 = 2 000 / 131 072 CESS
/// = 15 258 789 062 500 000 planck, exactly (2 000 × 10^18 = 2^22 × 5^21 is divisible by 2^17).
#[test]
fn seal_commit_window_fits_the_seed_retention_and_the_deposit_is_as_documented() {
	use crate::configs::{AuditRoundLength, SectorDeposit};
	for preset in ["development", "local_testnet", "staging"] {
		ext_with_preset(preset).execute_with(|| {
			let round = AuditRoundLength::get();
			let window =
				<<Runtime as pallet_storage_miner::Config>::ProveCommitWindow as Get<u32>>::get();
			let delay = <<Runtime as pallet_storage_miner::Config>::SealDelay as Get<u32>>::get();
			assert!(window <= round, "{preset}: seed of the seal block kept for the window");
			assert_eq!(delay, 10, "{preset}");
			assert_eq!(SectorDeposit::get(), 15_258_789_062_500_000, "{preset}");
			assert_eq!(SectorDeposit::get() * 131_072, 2_000 * CESS, "{preset}: exact");
		});
	}
}
