//! Plain data types stored or returned by the audit pallet.
//!
//! Every stored type is `MaxEncodedLen` so every storage item has a known worst-case size.

use cess_storage_proof::{Challenge, ProofError};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Index of a challenge round (one era). Round 0 opens in the first block.
pub type RoundIndex = u32;
/// Index of a challenge cycle (`RoundsPerCycle` rounds, the reward snapshot period) and storage
/// power (bytes weighted 95 % service / 5 % idle, summed over passed challenges): the types of
/// `cess-traits`, shared with the reward orders.
pub use cess_traits::{CycleIndex, Power};

/// The open challenge round. Written once per round (O(1)); every miner's challenge is
/// derived from it on demand.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct RoundInfo<BlockNumber> {
	/// The round index.
	pub index: RoundIndex,
	/// The block the round opened in.
	pub start: BlockNumber,
	/// The round seed (BABE randomness mixed with the round index).
	pub seed: [u8; 32],
	/// First block at which proofs of this round are late. Fixed when the round opens, so a
	/// `set_deadline` never changes the rules of a round already running.
	pub deadline: BlockNumber,
	/// Blocks each miner has to answer from its challenge block (`ChallengeWindow`, at most
	/// `deadline − start`). Fixed when the round opens.
	pub window: BlockNumber,
}

/// What a miner is judged on, frozen between its proofs: the idle commitment and count, the
/// fragment count and the spaces. Taken when the miner proves (or a miss of it is settled), so
/// changes the miner makes afterwards — `commit_idle` with another commitment or a smaller
/// count — apply only from its next challenge on: the open challenge is always verified
/// against the snapshot, and nothing it challenged is excused (see `docs/challenges.md`).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
pub struct Snapshot {
	/// The round during which the snapshot was taken; it applies to later rounds only.
	pub taken_in: RoundIndex,
	/// The idle commitment (`H(0x02 ‖ count ‖ set_root)`) the idle part is verified against.
	pub filler_commitment: [u8; 32],
	/// Committed idle fillers.
	pub filler_count: u64,
	/// Confirmed service fragments.
	pub fragment_count: u64,
	/// Idle space in bytes.
	pub idle: u64,
	/// Service space in bytes.
	pub service: u64,
}

impl Snapshot {
	/// Whether a challenge derived from this snapshot asks anything (idle or service).
	pub fn is_challenged(&self) -> bool {
		self.filler_count > 0 || self.fragment_count > 0
	}
}

/// The audit's record of one enrolled miner.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct MinerAudit {
	/// Position in the roster (the dense list the settlement sweep walks).
	pub roster_index: u32,
	/// Round of enrolment: the miner is challenged from the next round on.
	pub enrolled_in: RoundIndex,
	/// Every round up to this one is decided (proved, or settled as a miss).
	pub settled_through: RoundIndex,
	/// The last round the miner submitted a proof for.
	pub last_proved: Option<RoundIndex>,
	/// The most recent snapshot.
	pub current: Snapshot,
	/// The snapshot before `current` (used while `current` is from the running round).
	pub previous: Snapshot,
	/// Consecutive service verification failures (a service pass resets it).
	pub service_failures: u32,
	/// Consecutive missed service proofs (any submission resets it); 5 ⇒ ban.
	pub service_misses: u32,
	/// Whether a challenge of this miner ever earned storage power (decides the miss slash).
	pub rewarded: bool,
	/// Consecutive rounds whose challenged service part failed or was missed (a service pass
	/// resets it); at `RepairAfterFailures` the file market repairs the miner's files.
	pub unproven_rounds: u32,
	/// The first round of the current streak of settlements that found the miner `Frozen`
	/// (`None` when the last one did not); `RepairAfterFrozenRounds` rounds later: repair.
	pub frozen_since: Option<RoundIndex>,
}

impl MinerAudit {
	/// Whether nothing of `round` is open for this miner: it was not challenged in it (enrolled
	/// in or after it), or its challenge is proved or settled as a miss.
	pub fn decided(&self, round: RoundIndex) -> bool {
		self.settled_through >= round || self.enrolled_in >= round
	}

	/// The snapshot a challenge of `round` is derived from: the latest one taken before
	/// `round` started, so it cannot depend on the round's seed.
	pub fn snapshot_for(&self, round: RoundIndex) -> Snapshot {
		if self.current.taken_in < round {
			self.current
		} else {
			self.previous
		}
	}

	/// Records a new snapshot, keeping the older one for the round it was taken in.
	pub fn record_snapshot(&mut self, snapshot: Snapshot) {
		if self.current.taken_in < snapshot.taken_in {
			self.previous = self.current;
		}
		self.current = snapshot;
	}
}

/// Progress of the settlement sweep of one round: roster positions `< cursor` are done.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct Sweep {
	/// The round whose misses are being settled.
	pub round: RoundIndex,
	/// Next roster position to visit.
	pub cursor: u32,
}

/// The result of one part (idle or service) of a submitted proof.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum PartResult {
	/// The challenge asked nothing of this part (no fillers / no fragments).
	NotChallenged,
	/// Every opening verified.
	Passed,
	/// Verification failed, with the library's precise reason.
	Failed(ProofError),
}

impl PartResult {
	/// From a verification result, or `NotChallenged` when the part asked nothing.
	pub fn from_result(challenged: bool, result: Result<(), ProofError>) -> Self {
		match (challenged, result) {
			(false, _) => Self::NotChallenged,
			(true, Ok(())) => Self::Passed,
			(true, Err(e)) => Self::Failed(e),
		}
	}

	/// Not a failure.
	pub fn is_ok(&self) -> bool {
		!matches!(self, Self::Failed(_))
	}
}

/// Why a miner was slashed.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum SlashReason {
	/// No proof before the deadline, never rewarded before: 5 % of the collateral.
	ServiceMissedNeverRewarded,
	/// No proof before the deadline, rewarded before: `SlashLimit`.
	ServiceMissed,
	/// Second or later consecutive service verification failure: `SlashLimit`.
	ServiceFailedAgain,
	/// A seal audit was not answered in time: `SlashLimit` (the audit is reissued).
	SealAuditMissed,
	/// A proven-invalid seal (or the third consecutive missed seal audit): all collateral.
	SealFraud,
}

/// A miner's seal audit of one cycle (issue 14): one active sector to prove sealed again,
/// against challenges from `seed`.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct SealAudit<BlockNumber> {
	/// The cycle it was issued for.
	pub cycle: CycleIndex,
	/// The audited sector's number.
	pub sector: u64,
	/// The audit seed (`cess_storage_proof::sdr::audit_seed`), the challenges' source.
	pub seed: [u8; 32],
	/// Block of issue (or of the last reissue).
	pub issued_at: BlockNumber,
	/// First block at which an answer is late.
	pub deadline: BlockNumber,
	/// Consecutive missed deadlines of this audit (the third is fraud).
	pub misses: u32,
	/// Not answered yet.
	pub open: bool,
}

/// Why the audit asked the file market to repair a miner's files (issue 15).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum RepairReason {
	/// The service part failed or was missed in `rounds` consecutive rounds.
	Unproven {
		/// Length of the streak.
		rounds: u32,
	},
	/// The miner has been `Frozen` for `rounds` rounds.
	Frozen {
		/// Rounds since the first settlement that found it frozen.
		rounds: u32,
	},
}

/// What the runtime API tells a miner (agent) about its audit.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct MinerChallengeReport<BlockNumber> {
	/// The open round.
	pub round: RoundIndex,
	/// Last block (exclusive) at which a proof of `round` is accepted.
	pub deadline: BlockNumber,
	/// The miner's challenge block: its challenge comes from this block's seed and is known
	/// once the block exists (`challenge` is `None` before).
	pub challenge_block: BlockNumber,
	/// First block (exclusive end of the window) at which the miner's proof is late:
	/// `challenge_block + window`.
	pub window_end: BlockNumber,
	/// The challenge to answer, if the miner is challenged in `round` and has not proved it
	/// yet: derived from the miner's snapshot, verified against the snapshot's commitment and
	/// count; nothing in it is ever excused (see `docs/challenges.md`).
	pub challenge: Option<Challenge>,
	/// The idle commitment the idle part is verified against (the snapshot's).
	pub filler_commitment: [u8; 32],
	/// Whether a proof of `round` was already recorded.
	pub proved: bool,
	/// Consecutive service verification failures.
	pub service_failures: u32,
	/// Consecutive missed service proofs (5 ⇒ ban).
	pub service_misses: u32,
	/// Whether the miner ever earned storage power.
	pub rewarded: bool,
}
