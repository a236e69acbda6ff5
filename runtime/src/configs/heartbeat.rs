//! When im-online validators send their heartbeat.
//!
//! Stock im-online waits: a validator sends its heartbeat at a random point after 10 % of the
//! session, and unconditionally only once 80 % has passed. On a 10-block session (dev and local
//! chains) that leaves two blocks for the heartbeat to reach an author and be included; a
//! validator whose node is slow for a moment (two cores shared by four nodes and the test
//! suite) misses them, authors nothing that session by chance, and is reported unresponsive
//! and chilled although it is honest. im-online therefore sees the session progress
//! [`HEARTBEAT_SPEEDUP`] times faster than BABE reports it: every validator heartbeats by 10 %
//! of the session (the first block of a 10-block session), leaving nine blocks — three
//! resubmissions at im-online's 3-block inclusion threshold — for inclusion. On production
//! sessions (600 blocks) heartbeats still spread at random over blocks 8–60.

use crate::{Babe, BlockNumber};
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

impl EstimateNextSessionRotation<BlockNumber> for HeartbeatProgress {
	fn average_session_length() -> BlockNumber {
		<Babe as EstimateNextSessionRotation<BlockNumber>>::average_session_length()
	}

	fn estimate_current_session_progress(now: BlockNumber) -> (Option<Permill>, Weight) {
		let (progress, weight) =
			<Babe as EstimateNextSessionRotation<BlockNumber>>::estimate_current_session_progress(
				now,
			);
		(progress.map(heartbeat_progress), weight)
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
}
