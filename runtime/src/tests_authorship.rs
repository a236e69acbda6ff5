//! Hook order between `Session` and `Authorship` (issue 19).
//!
//! `pallet_authorship` notes a block's author in its `on_initialize` (to im-online's
//! `AuthoredBlocks` of the *current* session and to staking's era points). When it ran before
//! `pallet_session`, the first block of every session was credited to the session that had
//! just ended; a validator whose only block in a session was that first one (a one-block
//! session: two epoch changes one block apart, which happens when slots are missed) counted as
//! offline and was reported by im-online although it had authored. `Authorship` is now
//! declared after `Session` (pallet indices unchanged), so the session rotates first.

use crate::{
	tests::ext_with_preset, Authorship, Babe, Executive, Runtime, RuntimeEvent, RuntimeOrigin,
	Session, System, Timestamp,
};
use codec::Encode;
use frame_support::traits::{OnFinalize, PalletInfoAccess};
use sp_consensus_babe::{
	digests::{PreDigest, SecondaryPlainPreDigest},
	BABE_ENGINE_ID,
};
use sp_runtime::{
	generic::{Digest, DigestItem},
	traits::Header as _,
};

/// Runs `Executive::initialize_block` for block `number` at `slot`, authored by the
/// validator at `authority_index`; the parent is the current block.
fn start_block(number: u32, slot: u64, authority_index: u32) {
	let pre =
		PreDigest::SecondaryPlain(SecondaryPlainPreDigest { authority_index, slot: slot.into() });
	let digest = Digest { logs: vec![DigestItem::PreRuntime(BABE_ENGINE_ID, pre.encode())] };
	let header = crate::Header::new(
		number,
		Default::default(),
		Default::default(),
		System::parent_hash(),
		digest,
	);
	Executive::initialize_block(&header);
}

/// Sets the block's timestamp to its slot (as the inherent does) and runs every
/// `on_finalize`.
fn end_block(number: u32, slot: u64) {
	let now = slot * Babe::slot_duration();
	Timestamp::set(RuntimeOrigin::none(), now).expect("timestamp inherent");
	<crate::AllPalletsWithSystem as OnFinalize<u32>>::on_finalize(number);
}

fn validator(index: usize) -> crate::AccountId {
	Session::validators()[index].clone()
}

fn offline_reports() -> Vec<Vec<crate::AccountId>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::ImOnline(pallet_im_online::Event::SomeOffline { offline }) => {
				Some(offline.into_iter().map(|(who, _)| who).collect())
			}
			_ => None,
		})
		.collect()
}

#[test]
fn session_rotates_before_the_author_is_noted_and_indices_are_unchanged() {
	// The order changed, the encoded pallet indices (calls, events, storage) did not.
	assert_eq!(<Authorship as PalletInfoAccess>::index(), 4);
	assert_eq!(<Session as PalletInfoAccess>::index(), 10);
	ext_with_preset("local_testnet").execute_with(|| {
		// local_testnet: three validators, 10-slot epochs (one session per epoch).
		assert_eq!(Session::validators().len(), 3);
		start_block(1, 1, 0);
		end_block(1, 1);
		assert_eq!(Session::current_index(), 0);
		assert_eq!(pallet_im_online::AuthoredBlocks::<Runtime>::get(0, validator(0)), 1);

		// Slot 11 is ten slots after the genesis slot: the epoch, and the session, change in
		// this block, and its author (validator 1) is credited to the new session 1.
		System::reset_events();
		start_block(2, 11, 1);
		assert_eq!(Session::current_index(), 1);
		assert_eq!(pallet_im_online::AuthoredBlocks::<Runtime>::get(1, validator(1)), 1);
		assert_eq!(pallet_im_online::AuthoredBlocks::<Runtime>::get(0, validator(1)), 0);
		assert_eq!(Authorship::author(), Some(validator(1)));
	});
}

#[test]
fn a_sessions_first_block_is_credited_to_it_and_a_one_block_sessions_author_is_not_reported() {
	ext_with_preset("local_testnet").execute_with(|| {
		let [v0, v1, v2] = [validator(0), validator(1), validator(2)];
		start_block(1, 1, 0);
		end_block(1, 1);
		// Session 1 is one block long: block 2 (slot 11) opens it, block 3 (slot 21) ends it.
		start_block(2, 11, 1);
		end_block(2, 11);
		assert_eq!(Session::current_index(), 1);
		System::reset_events();
		// Authority 0: session 2 opens era 1, elected after session 0's report chilled the
		// two validators that had not authored, so its set may be smaller.
		start_block(3, 21, 0);
		assert_eq!(Session::current_index(), 2);

		// Session 1's report: validator 1 authored its only block and is not reported; the
		// two others sent no heartbeat and authored nothing in it.
		let reports = offline_reports();
		assert_eq!(reports.len(), 1, "one report for session 1: {reports:?}");
		let mut reported = reports[0].clone();
		reported.sort();
		let mut expected = vec![v0, v2];
		expected.sort();
		assert_eq!(reported, expected);
		assert!(!reports[0].contains(&v1));
		// And block 3's author is already counted in session 2.
		let author = Authorship::author().expect("block 3 has an author");
		assert_eq!(author, validator(0));
		assert_eq!(pallet_im_online::AuthoredBlocks::<Runtime>::get(2, &author), 1);
	});
}
