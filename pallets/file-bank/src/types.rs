//! Plain data types stored or returned by the file-bank pallet.
//!
//! Every stored type is `MaxEncodedLen`, so every storage item has a known worst-case size
//! (no `without_storage_info`).

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

/// One GiB in bytes: space is bought in GiB.
pub const GIB: u64 = 1 << 30;

/// A file's identifier: [`crate::file_hash`] of its owner and content commitment (size and
/// fragment roots), computed by the chain at declaration.
pub type FileHash = H256;

/// A fragment's Merkle root (`cess_storage_proof::fragment_root`).
pub type FragmentRoot = cess_storage_proof::Hash;

/// A user's purchased space. `used` counts what the user's files occupy on miners
/// (`fragments × FragmentSize × redundancy`).
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct Lease<BlockNumber> {
	/// Purchased space in GiB.
	pub space_gib: u32,
	/// Bytes used by the user's files.
	pub used: u64,
	/// The lease ends at the start of this block; the user's files are then deleted.
	pub expires_at: BlockNumber,
	/// The lease has ended and its files are being deleted; a new lease can be bought once
	/// that finishes.
	pub expiring: bool,
}

/// Where a file is in its life.
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
pub enum FileState {
	/// Some fragment replicas are not confirmed by a miner yet.
	#[codec(index = 0)]
	Pending,
	/// Every fragment replica is confirmed.
	#[codec(index = 1)]
	Stored,
	/// Deleted by its owner or by lease expiry; its slots are being released.
	#[codec(index = 2)]
	Deleting,
	/// Declared, awaiting placement (`PlacementDelay` blocks after the declaration): no slot
	/// exists yet.
	#[codec(index = 3)]
	Declared,
}

/// How a file's bytes become fragments: the file is cut into **segments** of
/// `data × FragmentSize` bytes (the last one shorter); each segment is Reed–Solomon coded by
/// the client into `data` data fragments and `parity` parity fragments (any `data` of them
/// rebuild the segment), and every fragment of a segment — each of its replicas too — is
/// placed on a **distinct** miner, so losing up to `parity` miners of a segment loses no data.
///
/// `data = 1, parity = 0` ([`Coding::REPLICATED`]) is the plain layout of `declare_file`:
/// one segment per fragment, the fragment's bytes are the file's bytes, and redundancy comes
/// from `redundancy` identical replicas. The recommended client default is 4 + 2 (1.5× the
/// file size stored, any 2 of the 6 miners of a segment may fail); see
/// `docs/users/storing-files.md`.
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
pub struct Coding {
	/// Data fragments per segment (k ≥ 1).
	pub data: u8,
	/// Parity fragments per segment (m).
	pub parity: u8,
}

impl Coding {
	/// Plain fragments, no erasure code (what `declare_file` declares).
	pub const REPLICATED: Coding = Coding { data: 1, parity: 0 };

	/// Fragments per segment, `data + parity`.
	pub fn width(&self) -> u32 {
		u32::from(self.data).saturating_add(u32::from(self.parity))
	}

	/// File bytes per segment: `data × fragment_size`.
	pub fn segment_bytes(&self, fragment_size: u64) -> u64 {
		u64::from(self.data).saturating_mul(fragment_size)
	}

	/// Segments of a file of `size` bytes: `ceil(size / (data × fragment_size))`.
	pub fn segments(&self, size: u64, fragment_size: u64) -> u64 {
		size.div_ceil(self.segment_bytes(fragment_size).max(1))
	}

	/// Bytes of every fragment of a segment holding `segment_len` file bytes (≤
	/// `data × fragment_size`): `ceil(segment_len / data)`, rounded up to
	/// [`SHARD_ALIGN`] when there is parity (the coder works on 64-byte blocks, so parity
	/// bytes exist up to the aligned length). The rest of the `fragment_size` slot is zero
	/// padding, which is neither credited nor challenged.
	pub fn shard_len(&self, segment_len: u64, fragment_size: u64) -> u64 {
		let shard = segment_len.div_ceil(u64::from(self.data.max(1)));
		let shard = if self.parity > 0 { shard.div_ceil(SHARD_ALIGN) * SHARD_ALIGN } else { shard };
		shard.min(fragment_size)
	}
}

/// Alignment of the fragments of an erasure-coded segment (bytes): the Reed–Solomon coder
/// (`reed-solomon-simd`) processes shards in 64-byte blocks.
pub const SHARD_ALIGN: u64 = 64;

/// A declared file: `fragments = segments × coding.width()` fragments, fragment `i` (segment
/// `i / width`, position `i % width`) with root `FragmentRoots[(file, i)]`; each fragment is
/// stored `redundancy` times, and all replicas of all fragments of one segment are on
/// distinct miners.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct FileInfo<AccountId, BlockNumber> {
	/// Who declared (and pays for) the file.
	pub owner: AccountId,
	/// Size in bytes; `fragments = ceil(size / (data × FragmentSize)) × (data + parity)`.
	pub size: u64,
	/// Replicas per fragment.
	pub redundancy: u8,
	/// The erasure code (segment shape).
	pub coding: Coding,
	/// Number of fragments (their roots are in `FragmentRoots`, not here, so confirming one
	/// fragment of a large file never reads or writes every root).
	pub fragments: u32,
	/// Segments already placed (placement runs a bounded number of segments per block).
	pub placed: u32,
	/// Bytes charged to the owner's lease: `(fragments × redundancy − lost) × FragmentSize`.
	pub stored_space: u64,
	/// Confirmed replicas.
	pub confirmed: u32,
	/// Replicas lost (never confirmed after `MaxReassignments` reassignments): their slots
	/// are gone and their space is no longer charged to the lease.
	pub lost: u32,
	/// Life-cycle state.
	pub state: FileState,
	/// Block of the declaration.
	pub declared_at: BlockNumber,
}

/// Status of one replica slot of one fragment.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub enum SlotStatus<BlockNumber> {
	/// Waiting for the miner's confirmation until `deadline`; `seq` is the entry of the
	/// deadline queue that watches it.
	#[codec(index = 0)]
	Pending {
		/// After this block the slot goes to another miner.
		deadline: BlockNumber,
		/// Key of the watching entry in `PendingQueue`.
		seq: u64,
		/// Times this slot has already timed out and been reassigned; at
		/// `MaxReassignments` the next timeout marks it lost.
		reassigned: u8,
	},
	/// Stored by the miner, as its service fragment number `index`.
	#[codec(index = 1)]
	Confirmed {
		/// Position in the miner's fragment list (`MinerFragments`).
		index: u32,
	},
}

/// One replica of one fragment: who holds (or should hold) it.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct Slot<AccountId, BlockNumber> {
	/// The assigned miner; `None` while no eligible miner was found (retried at the deadline).
	pub miner: Option<AccountId>,
	/// Pending or confirmed.
	pub status: SlotStatus<BlockNumber>,
}

/// A confirmed service fragment in a miner's list: what the audit challenges.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct FragmentRef {
	/// The file.
	pub file: FileHash,
	/// Fragment number in the file.
	pub fragment: u32,
	/// Replica number.
	pub replica: u8,
	/// The fragment's Merkle root.
	pub root: FragmentRoot,
	/// Bytes of file data in the fragment (the last fragment of a file is shorter than
	/// `FragmentSize`; the rest is zero padding, which the audit does not challenge).
	pub data_len: u32,
}

/// An entry of the assignment-deadline queue: the slot it watches.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct SlotRef {
	/// The file.
	pub file: FileHash,
	/// Fragment number.
	pub fragment: u32,
	/// Replica number.
	pub replica: u8,
}

/// A replica being moved off `from` (exit, ban or repair): its slot is pending on the new
/// holder while `from` keeps the copy as its fragment number `index` — listed, challengeable,
/// its service space held but earning no power — until the new holder confirms; only then is
/// `from`'s copy released (deferred removal at `from`'s next audit checkpoint).
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct Migration<AccountId> {
	/// The miner the replica is moving off (it still holds it).
	pub from: AccountId,
	/// The replica's number in `from`'s fragment list (kept current when the list is
	/// renumbered by a removal).
	pub index: u32,
}

/// Background work done a bounded step at a time by `on_initialize`.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub enum Job<AccountId> {
	/// Release a deleted file's slots, one per step, starting at linear slot `next`
	/// (`fragment × redundancy + replica`), then remove the file.
	#[codec(index = 0)]
	DeleteFile {
		/// The file.
		file: FileHash,
		/// Next slot to release.
		next: u32,
	},
	/// Move a leaving miner's fragments to other miners, one per step, from the end of its
	/// list down (released and already moving fragments are skipped). Each moved replica stays
	/// on the miner (a [`Migration`]) until its new holder confirms; then it is released and
	/// leaves the list at the miner's next audit checkpoint.
	#[codec(index = 1)]
	Evacuate {
		/// The leaving miner.
		miner: AccountId,
		/// Fragment numbers below this one are still to be looked at.
		next: u32,
	},
	/// Start deleting an expired lease's files, one file per step, then remove the lease.
	#[codec(index = 2)]
	ExpireLease {
		/// The lease owner.
		owner: AccountId,
	},
}

/// Placement of one replica, for the runtime API.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ReplicaPlacement<AccountId, BlockNumber> {
	/// Replica number.
	pub replica: u8,
	/// Assigned miner (`None` with a `deadline`: waiting for an eligible miner; `None` without
	/// one: lost after `MaxReassignments` reassignments).
	pub miner: Option<AccountId>,
	/// Whether the miner confirmed it.
	pub confirmed: bool,
	/// The fragment's number in the miner's list, once confirmed.
	pub miner_index: Option<u32>,
	/// Confirmation deadline while pending.
	pub deadline: Option<BlockNumber>,
}

/// Placement of one fragment, for the runtime API.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct FragmentPlacement<AccountId, BlockNumber> {
	/// Fragment number.
	pub fragment: u32,
	/// Its Merkle root.
	pub root: FragmentRoot,
	/// Its replicas.
	pub replicas: alloc::vec::Vec<ReplicaPlacement<AccountId, BlockNumber>>,
}

/// A file and where its fragments are, for the runtime API.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct FilePlacement<AccountId, BlockNumber> {
	/// Owner.
	pub owner: AccountId,
	/// Size in bytes.
	pub size: u64,
	/// Replicas per fragment.
	pub redundancy: u8,
	/// The erasure code: fragments `s × width … (s + 1) × width − 1` are segment `s`.
	pub coding: Coding,
	/// State.
	pub state: FileState,
	/// Bytes charged to the lease.
	pub stored_space: u64,
	/// While `Declared`: the block its replicas are placed in (no replica is assigned
	/// before). `None` once placed.
	pub place_at: Option<BlockNumber>,
	/// Every fragment with its replicas.
	pub fragments: alloc::vec::Vec<FragmentPlacement<AccountId, BlockNumber>>,
}
