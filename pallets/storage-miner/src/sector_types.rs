//! Stored types of the commit protocol (sealed sectors, issue 14): pre-commit batches, proven
//! sectors and the queue of changes to a miner's active list.
//!
//! Every type is `MaxEncodedLen`; a sector record is 177 bytes, i.e. ≈ 22 KB of state per TiB
//! of 8 GiB production sectors.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::BoundedVec;
use scale_info::TypeInfo;
use sp_core::Get;

/// A 32-byte commitment.
pub type SectorHash = cess_storage_proof::Hash;

/// One sector of a pre-commit: the commitments the sealer computed. v1 seals committed-capacity
/// (CC) sectors only (every slot empty, `comm_d = Z_n`); service sectors come with the file
/// market's part of issue 14.
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
pub struct PreCommitSector {
	/// Root of the column hashes (`comm_c`).
	pub comm_c: SectorHash,
	/// Root of the replica (`comm_r_last`).
	pub comm_r_last: SectorHash,
}

/// A pre-committed batch awaiting its proof. Sector `i` of the batch is sector number
/// `first_sector_no + i` of the miner.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
#[scale_info(skip_type_params(MaxBatch))]
pub struct PreCommitBatch<Balance, BlockNumber, MaxBatch: Get<u32>> {
	/// Number of the batch's first sector.
	pub first_sector_no: u64,
	/// The sectors' commitments, fixed before the challenge randomness exists.
	pub sectors: BoundedVec<PreCommitSector, MaxBatch>,
	/// `b_pc`, the block of the pre-commit.
	pub precommitted_at: BlockNumber,
	/// `b_pc + SealDelay`: the seal challenges come from this block's seed.
	pub seal_block: BlockNumber,
	/// `seal_block + ProveCommitWindow`: the first block at which the proof is late; in this
	/// block's `on_initialize` the deposit is forfeited.
	pub deadline: BlockNumber,
	/// The held deposit: `PreCommitDeposit × sectors`.
	pub deposit: Balance,
}

/// Where a proven sector stands.
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
pub enum SectorState {
	/// Proven; joins the active list at the miner's next checkpoint.
	PendingActivation,
	/// In the active list at `index` (counts as idle space; challenged by seal audits).
	Active {
		/// Position in the miner's active list.
		index: u32,
	},
	/// Termination queued; leaves the active list (and stops counting) at the miner's next
	/// checkpoint. Still challengeable until then.
	Terminating {
		/// Position in the miner's active list.
		index: u32,
	},
}

/// A proven sector. The values a seal proof is checked against are fixed at pre-commit.
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
pub struct SectorInfo<BlockNumber> {
	/// The key every label of the sector is derived under.
	pub replica_id: SectorHash,
	/// Column commitment.
	pub comm_c: SectorHash,
	/// Replica commitment.
	pub comm_r_last: SectorHash,
	/// Data commitment; `None` for a CC sector (all data zero).
	pub comm_d: Option<SectorHash>,
	/// The parameter set it was sealed with.
	pub params_id: u32,
	/// Block of the prove-commit.
	pub proven_at: BlockNumber,
	/// State.
	pub state: SectorState,
}

/// A queued change to a miner's active list, applied at its checkpoints (between proofs).
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
pub enum SectorChange {
	/// A proven sector joins the active list.
	Activate(u64),
	/// A terminating sector leaves it (and its record is removed).
	Terminate(u64),
}
