//! Runtime APIs: what the node (block production, finality, transaction pool, offchain
//! workers) and clients such as polkadot.js call into the runtime for.

use crate::{
	AccountId, Babe, Balance, Block, BlockNumber, Executive, Grandpa, Historical, InherentDataExt,
	Nonce, Runtime, RuntimeCall, RuntimeGenesisConfig, SessionKeys, Staking, System,
	TransactionPayment, BABE_GENESIS_EPOCH_CONFIG, VERSION,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	genesis_builder_helper::{build_state, get_preset},
	traits::{Get, KeyOwnerProofSystem},
	weights::Weight,
};
use pallet_transaction_payment::{FeeDetails, RuntimeDispatchInfo};
use sp_api::impl_runtime_apis;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_inherents::{CheckInherentsResult, InherentData};
use sp_runtime::{
	traits::{Block as BlockT, NumberFor},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult, ExtrinsicInclusionMode,
};
use sp_session::OpaqueGeneratedSessionKeys;
use sp_version::RuntimeVersion;

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: InherentData,
		) -> CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_babe::BabeApi<Block> for Runtime {
		fn configuration() -> sp_consensus_babe::BabeConfiguration {
			let epoch_config = Babe::epoch_config().unwrap_or(BABE_GENESIS_EPOCH_CONFIG);
			sp_consensus_babe::BabeConfiguration {
				slot_duration: Babe::slot_duration(),
				epoch_length: crate::configs::EpochDuration::get(),
				c: epoch_config.c,
				authorities: Babe::authorities().to_vec(),
				randomness: Babe::randomness(),
				allowed_slots: epoch_config.allowed_slots,
			}
		}

		fn current_epoch_start() -> sp_consensus_babe::Slot {
			Babe::current_epoch_start()
		}

		fn current_epoch() -> sp_consensus_babe::Epoch {
			Babe::current_epoch()
		}

		fn next_epoch() -> sp_consensus_babe::Epoch {
			Babe::next_epoch()
		}

		fn generate_key_ownership_proof(
			_slot: sp_consensus_babe::Slot,
			authority_id: sp_consensus_babe::AuthorityId,
		) -> Option<sp_consensus_babe::OpaqueKeyOwnershipProof> {
			Historical::prove((sp_consensus_babe::KEY_TYPE, authority_id))
				.map(|p| p.encode())
				.map(sp_consensus_babe::OpaqueKeyOwnershipProof::new)
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			equivocation_proof: sp_consensus_babe::EquivocationProof<<Block as BlockT>::Header>,
			key_owner_proof: sp_consensus_babe::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			let key_owner_proof = key_owner_proof.decode()?;
			Babe::submit_unsigned_equivocation_report(equivocation_proof, key_owner_proof)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			pallet_grandpa::CurrentSetId::<Runtime>::get()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			let key_owner_proof = key_owner_proof.decode()?;
			Grandpa::submit_unsigned_equivocation_report(equivocation_proof, key_owner_proof)
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			authority_id: sp_consensus_grandpa::AuthorityId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			Historical::prove((sp_consensus_grandpa::KEY_TYPE, authority_id))
				.map(|p| p.encode())
				.map(sp_consensus_grandpa::OpaqueKeyOwnershipProof::new)
		}
	}

	impl sp_authority_discovery::AuthorityDiscoveryApi<Block> for Runtime {
		fn authorities() -> Vec<sp_authority_discovery::AuthorityId> {
			pallet_authority_discovery::Pallet::<Runtime>::current_authorities().to_vec()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance>
		for Runtime
	{
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}

		fn query_fee_details(uxt: <Block as BlockT>::Extrinsic, len: u32) -> FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}

		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}

		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<
		Block,
		Balance,
		RuntimeCall,
	> for Runtime {
		fn query_call_info(call: RuntimeCall, len: u32) -> RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}

		fn query_call_fee_details(call: RuntimeCall, len: u32) -> FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}

		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}

		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_staking_runtime_api::StakingApi<Block, Balance, AccountId> for Runtime {
		fn nominations_quota(balance: Balance) -> u32 {
			Staking::api_nominations_quota(balance)
		}

		fn eras_stakers_page_count(era: sp_staking::EraIndex, account: AccountId) -> sp_staking::Page {
			Staking::api_eras_stakers_page_count(era, account)
		}

		fn pending_rewards(era: sp_staking::EraIndex, account: AccountId) -> bool {
			Staking::api_pending_rewards(era, account)
		}
	}

	impl pallet_cdn::runtime_api::CdnApi<Block, AccountId, Balance, BlockNumber> for Runtime {
		fn node_cycle_report(
			node: AccountId,
			cycle: pallet_cdn::CycleIndex,
		) -> pallet_cdn::NodeCycleReport<Balance> {
			crate::Cdn::node_cycle_report(node, cycle)
		}

		fn node_receipts(
			node: AccountId,
			cycle: pallet_cdn::CycleIndex,
			start_after: Option<AccountId>,
			limit: u32,
		) -> (Vec<(AccountId, pallet_cdn::Receipt<Balance>)>, Option<AccountId>) {
			crate::Cdn::node_receipts(node, cycle, start_after, limit)
		}

		fn allowance(
			payer: AccountId,
			node: AccountId,
		) -> Option<pallet_cdn::AllowanceView<Balance, BlockNumber>> {
			crate::Cdn::allowance_view(payer, node)
		}

		fn ticket_status(payer: AccountId, node: AccountId, nonce: u64) -> pallet_cdn::TicketStatus {
			crate::Cdn::ticket_status(payer, node, nonce)
		}

		fn cycle_summary(cycle: pallet_cdn::CycleIndex) -> Option<pallet_cdn::CycleSnapshot<Balance>> {
			pallet_cdn::Snapshots::<Runtime>::get(cycle)
		}

		fn current_cycle() -> pallet_cdn::CycleIndex {
			pallet_cdn::CurrentCycle::<Runtime>::get()
		}
	}

	impl pallet_storage_miner::runtime_api::StorageMinerApi<Block, AccountId, Balance, BlockNumber>
		for Runtime
	{
		fn miner_info(
			who: AccountId,
		) -> Option<pallet_storage_miner::MinerReport<AccountId, Balance, BlockNumber>> {
			crate::StorageMiner::miner_report(&who)
		}

		fn collateral_requirement(declared_tib: u32) -> Balance {
			crate::StorageMiner::collateral_requirement(declared_tib)
		}
	}

	impl pallet_file_bank::runtime_api::FileBankApi<Block, AccountId, BlockNumber> for Runtime {
		fn file_placement(
			file: pallet_file_bank::FileHash,
		) -> Option<pallet_file_bank::FilePlacement<AccountId, BlockNumber>> {
			crate::FileBank::file_placement(file)
		}

		fn miner_fragments(
			miner: AccountId,
			start: u32,
			limit: u32,
		) -> Vec<pallet_file_bank::FragmentRef> {
			crate::FileBank::miner_fragments(&miner, start, limit)
		}

		fn lease(who: AccountId) -> Option<pallet_file_bank::Lease<BlockNumber>> {
			pallet_file_bank::Leases::<Runtime>::get(&who)
		}
	}

	impl pallet_storage_miner::runtime_api::StorageMinerRewardsApi<
		Block,
		AccountId,
		Balance,
		BlockNumber,
	> for Runtime {
		fn rewards(who: AccountId) -> pallet_storage_miner::RewardReport<Balance, BlockNumber> {
			crate::StorageMiner::reward_report(&who)
		}
	}

	impl pallet_audit::runtime_api::AuditApi<Block, AccountId, BlockNumber> for Runtime {
		fn miner_challenge(
			miner: AccountId,
		) -> Option<pallet_audit::MinerChallengeReport<BlockNumber>> {
			crate::Audit::miner_challenge_report(&miner)
		}

		fn cycle_power(cycle: pallet_audit::CycleIndex) -> pallet_audit::Power {
			<crate::Audit as cess_traits::StoragePowerInspect<AccountId>>::cycle_power(cycle)
		}

		fn miner_power(cycle: pallet_audit::CycleIndex, miner: AccountId) -> pallet_audit::Power {
			<crate::Audit as cess_traits::StoragePowerInspect<AccountId>>::miner_power(cycle, &miner)
		}

		fn finished_cycle() -> Option<pallet_audit::CycleIndex> {
			<crate::Audit as cess_traits::StoragePowerInspect<AccountId>>::finished_cycle()
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			// try-runtime tooling only (never in a production build): a failed migration
			// check must abort the dry run loudly.
			let weight = Executive::try_runtime_upgrade(checks)
				.unwrap_or_else(|e| panic!("try_runtime_upgrade failed: {e:?}"));
			(weight, crate::configs::RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			Executive::try_execute_block(block, state_root_check, signature_check, select)
				.unwrap_or_else(|e| panic!("try_execute_block failed: {e:?}"))
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, crate::genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			crate::genesis_config_presets::preset_names()
		}
	}
}
