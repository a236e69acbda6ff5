//! im-online heartbeats are accepted by the runtime (issue 19).
//!
//! Heartbeats are *authorized* general transactions: `frame_system::AuthorizeCall` must be in
//! the transaction-extension pipeline to give them their origin. Without it the runtime refused
//! every heartbeat with `UnknownOrigin`, so a validator counted as online only in sessions in
//! which it happened to author a block, and honest validators were reported and chilled.

use crate::{tests::ext_with_preset, Executive, Runtime, RuntimeCall, Session};
use codec::Encode;
use frame_system::offchain::CreateAuthorizedTransaction;
use pallet_im_online::{sr25519::AuthoritySignature, Heartbeat};
use sp_core::Pair;
use sp_keyring::Sr25519Keyring;
use sp_runtime::transaction_validity::{
	InvalidTransaction, TransactionSource, TransactionValidityError,
};

/// Alice's heartbeat for the current session, signed with her im-online key, exactly as the
/// offchain worker builds it.
fn alice_heartbeat(corrupt: bool) -> crate::UncheckedExtrinsic {
	let keys = pallet_im_online::Keys::<Runtime>::get();
	let alice = Sr25519Keyring::Alice;
	let index = keys
		.iter()
		.position(|k| AsRef::<[u8]>::as_ref(k) == &alice.public().0[..])
		.expect("Alice has an im-online key");
	let heartbeat = Heartbeat {
		block_number: frame_system::Pallet::<Runtime>::block_number(),
		session_index: Session::current_index(),
		authority_index: index as u32,
		validators_len: keys.len() as u32,
	};
	let mut payload = heartbeat.encode();
	if corrupt {
		payload[0] ^= 1;
	}
	let signature = AuthoritySignature::from(alice.pair().sign(&payload));
	let call: RuntimeCall = pallet_im_online::Call::heartbeat { heartbeat, signature }.into();
	<Runtime as CreateAuthorizedTransaction<RuntimeCall>>::create_authorized_transaction(call)
}

#[test]
fn an_offchain_worker_heartbeat_is_valid_and_a_forged_one_is_not() {
	ext_with_preset("local_testnet").execute_with(|| {
		let parent = frame_system::Pallet::<Runtime>::parent_hash();
		let valid = Executive::validate_transaction(
			TransactionSource::Local,
			alice_heartbeat(false),
			parent,
		)
		.expect("the heartbeat is valid");
		assert!(valid.propagate, "peers receive it");
		assert_eq!(valid.priority, crate::configs::ImOnlineUnsignedPriority::get());
		// The same from the network: valid too, so any author includes it.
		assert!(Executive::validate_transaction(
			TransactionSource::External,
			alice_heartbeat(false),
			parent
		)
		.is_ok());
		// A heartbeat whose signature does not match its content is refused.
		assert_eq!(
			Executive::validate_transaction(
				TransactionSource::External,
				alice_heartbeat(true),
				parent
			),
			Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof))
		);
	});
}
