//! A miner stops serving or its record is removed.
//!
//! Consumed by `pallet-storage-miner` (it tells, and asks before letting a miner go);
//! implemented by `pallet-file-bank` (moves the fragments) and `pallet-audit` (forgets the
//! record, holds a miner with an open challenge). The runtime wires both as a tuple.

/// Told when a miner stops serving (exit or ban), so the file market can move its fragments to
/// other miners (`withdraw` waits until the miner's service space is back to zero), and when
/// its record is removed (withdraw or eviction), so the audit drops its record, counters and
/// snapshot: a later registration of the same account starts clean.
pub trait OnMinerLeave<AccountId> {
	/// `who` entered `Exiting` or `Banned`.
	fn on_miner_leave(who: &AccountId);
	/// `who`'s miner record was removed.
	fn on_miner_withdrawn(_who: &AccountId) {}
	/// Whether `who` still has a challenge that is neither proved nor settled as a miss.
	/// `withdraw` and `evict` wait for it: leaving never excuses a challenge (issue 15).
	fn challenge_open(_who: &AccountId) -> bool {
		false
	}
}

/// No file market, no audit: nothing to do.
impl<AccountId> OnMinerLeave<AccountId> for () {
	fn on_miner_leave(_who: &AccountId) {}
}

/// Both are told, `A` first (the runtime: the file market, then the audit).
impl<AccountId, A: OnMinerLeave<AccountId>, B: OnMinerLeave<AccountId>> OnMinerLeave<AccountId>
	for (A, B)
{
	fn on_miner_leave(who: &AccountId) {
		A::on_miner_leave(who);
		B::on_miner_leave(who);
	}
	fn on_miner_withdrawn(who: &AccountId) {
		A::on_miner_withdrawn(who);
		B::on_miner_withdrawn(who);
	}
	fn challenge_open(who: &AccountId) -> bool {
		A::challenge_open(who) || B::challenge_open(who)
	}
}
