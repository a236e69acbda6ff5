//! Signing transactions the way the runtime checks them, and following them to inclusion.
//!
//! Transactions are mortal ([`MORTAL_PERIOD`] blocks from the best block, whose hash is the
//! era's checkpoint), so a transaction the pool dropped cannot come back long after, and
//! signed with the live runtime's versions ([`crate::runtime`]); they are tip-free. The agent
//! keeps at most one transaction in flight: it waits for inclusion (or for the transaction
//! to drop out of the pool) before it sends the next, so a restart or a slow block can never
//! make it submit the same duty twice.

use crate::chain::{Chain, ChainError, EventRecord, RuntimeFacts};
use cess_runtime::{
	AccountId, Address, BlockNumber, Hash, Runtime, RuntimeCall, RuntimeEvent, Signature,
	SignedPayload, TxExtension, UncheckedExtrinsic,
};
use codec::Encode;
use frame_system::Phase;
use sp_core::{crypto::Pair as _, sr25519, H256};
use sp_runtime::{generic::Era, traits::IdentifyAccount, MultiSigner};

/// The miner's signing key.
pub struct Signer {
	pair: sr25519::Pair,
	account: AccountId,
}

impl Signer {
	/// A signer from a secret URI (`//Dave`, a mnemonic, `0x…` seed, with optional
	/// derivation and `///password`).
	pub fn from_suri(suri: &str) -> Result<Self, String> {
		let pair = sr25519::Pair::from_string(suri, None)
			.map_err(|e| format!("invalid secret URI: {e:?}"))?;
		let account = MultiSigner::from(pair.public()).into_account();
		Ok(Self { pair, account })
	}

	/// The account the key controls.
	pub fn account(&self) -> &AccountId {
		&self.account
	}

	/// The key pair (to sign fragment requests to other miners).
	pub fn pair(&self) -> &sr25519::Pair {
		&self.pair
	}

	/// Builds a signed, tip-free extrinsic for `call` with `nonce`, valid in `era`, whose
	/// birth block has hash `checkpoint` (the genesis hash for an immortal era).
	pub fn sign(
		&self,
		call: RuntimeCall,
		nonce: u32,
		genesis: Hash,
		facts: RuntimeFacts,
		era: Era,
		checkpoint: Hash,
	) -> UncheckedExtrinsic {
		let extension: TxExtension = (
			frame_system::AuthorizeCall::<Runtime>::new(),
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(era),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
			pallet_audit::CheckProof::<Runtime>::new(),
		);
		let implicit = (
			(),
			(),
			facts.spec_version,
			facts.transaction_version,
			genesis,
			checkpoint,
			(),
			(),
			(),
			(),
		);
		let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
		let signature = payload.using_encoded(|bytes| self.pair.sign(bytes));
		UncheckedExtrinsic::new_signed(
			call,
			Address::Id(self.account.clone()),
			Signature::Sr25519(signature),
			extension,
		)
	}
}

/// Blocks a transaction stays valid after the best block it was signed at (a power of two;
/// ~6.4 minutes at 6-second blocks: well past the agent's patience of 10 blocks).
pub const MORTAL_PERIOD: u64 = 64;

/// The era of a transaction signed when block `best` is the best block.
pub fn mortal_era(best: BlockNumber) -> Era {
	Era::mortal(MORTAL_PERIOD, u64::from(best))
}

/// A transaction sent and not yet seen in a block.
#[derive(Clone, Debug)]
pub struct InFlight {
	/// What the transaction does, for log lines.
	pub label: String,
	/// Its hash (blake2-256 of the encoding).
	pub hash: H256,
	/// Best block when it was sent.
	pub sent_at: BlockNumber,
}

/// How an included transaction ended.
#[derive(Debug)]
pub enum Outcome {
	/// Dispatched successfully; the events it emitted.
	Success(Vec<RuntimeEvent>),
	/// Dispatch failed with this error (pallet and variant when known).
	Failed(String),
}

/// Looks for `tx` in block `hash`, whose `events` the caller has already read; returns its
/// outcome if it is there.
pub fn find_in_block(
	chain: &Chain,
	block: H256,
	tx: &InFlight,
	events: &[EventRecord],
) -> Result<Option<Outcome>, ChainError> {
	let extrinsics = chain.block_extrinsics(block)?;
	let Some(index) =
		extrinsics.iter().position(|x| H256::from(sp_crypto_hashing::blake2_256(x)) == tx.hash)
	else {
		return Ok(None);
	};
	let index = index as u32;
	let mut emitted = Vec::new();
	for record in events {
		if record.phase != Phase::ApplyExtrinsic(index) {
			continue;
		}
		match &record.event {
			RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error, ..
			}) => {
				let reason = cess_runtime::RuntimeError::from_dispatch_error(*dispatch_error)
					.map(|e| format!("{e:?}"))
					.unwrap_or_else(|| format!("{dispatch_error:?}"));
				return Ok(Some(Outcome::Failed(reason)));
			}
			RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { .. }) => {
				return Ok(Some(Outcome::Success(emitted)));
			}
			event => emitted.push(event.clone()),
		}
	}
	Ok(Some(Outcome::Success(emitted)))
}

/// Whether an extrinsic signed by `who` waits in the node's pool (e.g. sent before a
/// restart): the agent then waits instead of sending another.
pub fn signed_by_in_pool(chain: &Chain, who: &AccountId) -> Result<bool, ChainError> {
	use codec::Decode;
	Ok(chain.pending_extrinsics()?.iter().any(|raw| {
		UncheckedExtrinsic::decode(&mut &raw[..])
			.ok()
			.and_then(|x| match x.preamble {
				sp_runtime::generic::Preamble::Signed(Address::Id(signer), ..) => Some(signer),
				_ => None,
			})
			.is_some_and(|signer| &signer == who)
	}))
}

/// The hash a node reports for an encoded extrinsic.
pub fn extrinsic_hash(xt: &UncheckedExtrinsic) -> H256 {
	H256::from(sp_crypto_hashing::blake2_256(&xt.encode()))
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::Decode;
	use sp_runtime::{
		traits::Checkable,
		transaction_validity::{InvalidTransaction, TransactionValidityError},
	};

	const GENESIS: H256 = H256::repeat_byte(0xAA);
	const CHECKPOINT: H256 = H256::repeat_byte(0xCC);

	fn compiled_facts() -> RuntimeFacts {
		let v = &cess_runtime::VERSION;
		RuntimeFacts { spec_version: v.spec_version, transaction_version: v.transaction_version }
	}

	fn signed(facts: RuntimeFacts, best: BlockNumber, checkpoint: H256) -> Vec<u8> {
		let signer = Signer::from_suri("//Dave").unwrap();
		let call = RuntimeCall::StorageMiner(pallet_storage_miner::Call::claim_rewards {});
		signer.sign(call, 4, GENESIS, facts, mortal_era(best), checkpoint).encode()
	}

	/// Runs the runtime's own signature check on `bytes` at block `now`, with the chain
	/// knowing the genesis hash and `CHECKPOINT` as the hash of block 1000.
	fn runtime_check(
		bytes: &[u8],
		now: BlockNumber,
	) -> Result<AccountId, TransactionValidityError> {
		let xt = UncheckedExtrinsic::decode(&mut &bytes[..]).unwrap();
		sp_io::TestExternalities::default().execute_with(|| {
			frame_system::BlockHash::<Runtime>::insert(0, GENESIS);
			frame_system::BlockHash::<Runtime>::insert(1000, CHECKPOINT);
			frame_system::Pallet::<Runtime>::set_block_number(now);
			let checked = xt.check(&frame_system::ChainContext::<Runtime>::default())?;
			match checked.format {
				sp_runtime::generic::ExtrinsicFormat::Signed(who, _) => Ok(who),
				_ => panic!("not signed"),
			}
		})
	}

	#[test]
	fn mortal_transactions_verify_within_their_era_only() {
		let dave = Signer::from_suri("//Dave").unwrap().account().clone();
		let bytes = signed(compiled_facts(), 1000, CHECKPOINT);
		let xt = UncheckedExtrinsic::decode(&mut &bytes[..]).unwrap();
		let sp_runtime::generic::Preamble::Signed(_, _, extension) = &xt.preamble else {
			panic!("not signed")
		};
		// Era: period 64 from block 1000 (phase 1000 % 64 = 40).
		// Extension 5 (after AuthorizeCall, CheckNonZeroSender, the versions and genesis).
		assert_eq!(extension.5, frame_system::CheckEra::<Runtime>::from(Era::mortal(64, 1000)));
		assert_eq!(Era::mortal(64, 1000), Era::Mortal(64, 40));
		// Valid while block 1000 is the era's birth: blocks 1000..=1063.
		assert_eq!(runtime_check(&bytes, 1001), Ok(dave.clone()));
		assert_eq!(runtime_check(&bytes, 1063), Ok(dave));
		// From block 1064 the era points at block 1064's hash (unknown): invalid.
		assert_eq!(
			runtime_check(&bytes, 1064),
			Err(TransactionValidityError::Invalid(InvalidTransaction::AncientBirthBlock))
		);
		// A wrong checkpoint hash is a bad signature.
		let forged = signed(compiled_facts(), 1000, H256::repeat_byte(0xDD));
		assert_eq!(
			runtime_check(&forged, 1001),
			Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof))
		);
	}

	#[test]
	fn the_live_versions_are_signed() {
		let live = RuntimeFacts {
			spec_version: compiled_facts().spec_version + 1,
			transaction_version: compiled_facts().transaction_version + 1,
		};
		let bytes = signed(live, 1000, CHECKPOINT);
		// The compiled runtime (the old versions) rejects it: the versions are in the payload.
		assert_eq!(
			runtime_check(&bytes, 1001),
			Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof))
		);
		// The signature verifies against the payload with the live versions.
		let xt = UncheckedExtrinsic::decode(&mut &bytes[..]).unwrap();
		let sp_runtime::generic::Preamble::Signed(_, Signature::Sr25519(sig), extension) =
			xt.preamble
		else {
			panic!("not signed")
		};
		let implicit = (
			(),
			(),
			live.spec_version,
			live.transaction_version,
			GENESIS,
			CHECKPOINT,
			(),
			(),
			(),
			(),
		);
		let payload = SignedPayload::from_raw(xt.function, extension, implicit);
		let dave = Signer::from_suri("//Dave").unwrap();
		assert!(payload.using_encoded(|p| sr25519::Pair::verify(&sig, p, &dave.pair.public())));
	}
}
