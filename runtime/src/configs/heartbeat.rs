//! When im-online validators send their heartbeat.
//!
//! Stock im-online waits: a validator sends its heartbeat at a random point after 10 % of the
//! session, and unconditionally only once 80 % has passed. On a 10-block session (dev and local
//! chains) that leaves two blocks for the heartbeat to reach an author and be included; a
//! validator whose node is slow for a moment (two cores shared by four nodes and the test
//! suite) misses them, authors nothing that session by chance, and is reported unresponsive
//! and chilled although it is honest. im-online therefore sees the session progress
//! [`HEARTBEAT_SPEEDUP`] times faster than BABE reports it: 10 % of the session is 80 % for
//! im-online, so every validator heartbeats as early as allowed — in the second block of a
//! 10-block session (see below), leaving eight blocks, two resubmissions at im-online's
//! 3-block inclusion threshold, for inclusion. On production sessions (600 blocks) heartbeats
//! still spread at random over blocks 8–60.
//!
//! **Never in the session's first block.** A heartbeat names its session, and a pool that
//! validates it against the state of the previous session finds it `Stale` and drops it
//! silently. The offchain worker of block `N` runs as soon as `N` is imported, so when `N`
//! opened the session, the heartbeat races `N` everywhere: the peers it is gossiped to
//! validate it against their best block, which is still `N − 1` on every peer that has not
//! finished importing `N` yet (most of them, when the sender authored `N`), and the sender's
//! own fork-aware pool validates it against the views it holds at that instant (its
//! `submit_local` ignores the block it is given), possibly only `N − 1`'s. Dropped everywhere,
//! never gossiped again (each peer gets a transaction once), the heartbeat is only resent
//! three blocks later (im-online's inclusion threshold). Measured on four local validators
//! (issue 19): at every session start each node dropped 2–4 of its peers' heartbeats as
//! `Stale`. With a validator down, its slots stay empty and a 10-slot session has about 7
//! blocks, so a validator that authored nothing that session could be reported although it
//! was online. From the session's second block on, the parent of every block any node is
//! importing is in the heartbeat's session: [`heartbeat_progress_at`] reports 0 % progress
//! (too early for im-online) in the block that opened the session.

use crate::{Babe, BlockNumber, Runtime};
use frame_support::{traits::EstimateNextSessionRotation, weights::Weight};
use sp_runtime::{PerThing, Permill};

/// How much faster than real session progress im-online's view of it runs.
pub const HEARTBEAT_SPEEDUP: u32 = 8;

/// BABE's session progress scaled by [`HEARTBEAT_SPEEDUP`] (capped at 100 %); the session
/// length and rotation estimates are BABE's.
pub struct HeartbeatProgress;

/// `progress × HEARTBEAT_SPEEDUP`, capped at 100 %.
pub fn heartbeat_progress(progress: Permill) -> Permill {
	Permill::from_parts(
		progress.deconstruct().saturating_mul(HEARTBEAT_SPEEDUP).min(Permill::ACCURACY),
	)
}

/// im-online's session progress in block `now`: [`heartbeat_progress`], except 0 % in the
/// block that opened the session (`session_start`, > 0; the genesis session has none).
pub fn heartbeat_progress_at(
	progress: Permill,
	now: BlockNumber,
	session_start: BlockNumber,
) -> Permill {
	if session_start > 0 && now == session_start {
		return Permill::zero();
	}
	heartbeat_progress(progress)
}

impl EstimateNextSessionRotation<BlockNumber> for HeartbeatProgress {
	fn average_session_length() -> BlockNumber {
		<Babe as EstimateNextSessionRotation<BlockNumber>>::average_session_length()
	}

	fn estimate_current_session_progress(now: BlockNumber) -> (Option<Permill>, Weight) {
		let (progress, weight) =
			<Babe as EstimateNextSessionRotation<BlockNumber>>::estimate_current_session_progress(
				now,
			);
		// Epoch == session: the block that started the current epoch started the session.
		let (_, session_start) = pallet_babe::EpochStart::<Runtime>::get();
		let weight =
			weight.saturating_add(<Runtime as frame_system::Config>::DbWeight::get().reads(1));
		(progress.map(|p| heartbeat_progress_at(p, now, session_start)), weight)
	}

	fn estimate_next_session_rotation(now: BlockNumber) -> (Option<BlockNumber>, Weight) {
		<Babe as EstimateNextSessionRotation<BlockNumber>>::estimate_next_session_rotation(now)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn first_block_of_a_ten_block_session_is_past_the_unconditional_point() {
		// BABE reports (slot − epoch start + 1) / 10 on a 10-slot epoch: 10 % in its first block.
		// im-online sends unconditionally from 80 %: 10 % × 8 = 80 %.
		assert_eq!(heartbeat_progress(Permill::from_percent(10)), Permill::from_percent(80));
		assert_eq!(heartbeat_progress(Permill::from_percent(20)), Permill::one());
		assert_eq!(heartbeat_progress(Permill::one()), Permill::one());
		// 600-block session: block 8 (1.33 %) is past im-online's 10 % random start; block 60
		// (10 %) the unconditional point.
		assert!(heartbeat_progress(Permill::from_rational(8u32, 600)) >= Permill::from_percent(10));
		assert!(heartbeat_progress(Permill::from_rational(7u32, 600)) < Permill::from_percent(10));
		assert_eq!(
			heartbeat_progress(Permill::from_rational(60u32, 600)),
			Permill::from_percent(80)
		);
	}

	#[test]
	fn never_in_the_block_that_opened_the_session() {
		// Session opened by block 41: block 41 is too early (0 % < im-online's 10 %), block 42
		// (slot 2 of 10: 20 % × 8, capped) sends unconditionally.
		assert_eq!(heartbeat_progress_at(Permill::from_percent(10), 41, 41), Permill::zero());
		assert_eq!(heartbeat_progress_at(Permill::from_percent(20), 42, 41), Permill::one());
		// The first block of a session whose first slots were empty is still skipped.
		assert_eq!(heartbeat_progress_at(Permill::from_percent(40), 41, 41), Permill::zero());
		// The genesis session (start block 0): block 1 may send.
		assert_eq!(
			heartbeat_progress_at(Permill::from_percent(10), 1, 0),
			Permill::from_percent(80)
		);
	}
}
