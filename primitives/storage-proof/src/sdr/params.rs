//! SDR parameter sets: sector size, slot size, layers and challenge counts.
//!
//! A chain fixes its parameter set at genesis, and every sector records the `params_id` it
//! was sealed with, so a later, stronger set applies to new sectors while old ones keep
//! verifying. `params_id` enters the replica id and the graph seed, so two sets never share
//! labels. The degrees are fixed (Filecoin's SDR values, `BASE_DEGREE = 6`,
//! `EXP_DEGREE = 8`): they size the label input.
//!
//! The `MAX_*` constants bound the proof types (they make `MaxEncodedLen` finite and every
//! verification's work bounded); [`SdrParams::validate`] keeps each set inside them.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Same-layer (depth-robust) parents per label: 5 bucket-sampled plus the predecessor.
pub const DRG_DEGREE: usize = 6;
/// Previous-layer (expander) parents per label.
pub const EXP_DEGREE: usize = 8;
/// Most distinct nodes a challenge opens: the node and its 14 parents.
pub const MAX_COLUMNS: u32 = 1 + DRG_DEGREE as u32 + EXP_DEGREE as u32;
/// Largest sector: 2^32 nodes (128 GiB).
pub const MAX_LOG2_NODES: u32 = 32;
/// Most layers (bounds the labels per column and the verifier's work).
pub const MAX_LAYERS: u32 = 16;
/// Most node openings in one seal proof (commit or audit).
pub const MAX_SEAL_OPENINGS: u32 = 64;
/// Most openings per part (service, idle) of a window proof.
pub const MAX_WINDOW_PER_PART: u32 = 32;
/// Most sectors in one pre-commit batch.
pub const MAX_BATCH_SECTORS: u32 = 128;

/// `params_id` of the production preset, version 1.
pub const PARAMS_ID_PRODUCTION_V1: u32 = 1;
/// `params_id` of the dev preset, version 1.
pub const PARAMS_ID_DEV_V1: u32 = 2;
/// `params_id` of the scaled production presets used for measurements (the production
/// graph rules at a smaller sector; `log2_nodes` is added so each size is its own set).
pub const PARAMS_ID_SCALED_V1: u32 = 0x100;

/// One SDR parameter set.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct SdrParams {
	/// Version of this set; part of the replica id and of the graph seed.
	pub params_id: u32,
	/// A sector has `N = 2^log2_nodes` nodes of 32 bytes.
	pub log2_nodes: u32,
	/// A fragment slot has `2^log2_slot_nodes` nodes (8 MiB = 2^18), an aligned subtree of
	/// the sector's data tree, so `comm_d` follows from the slots' fragment roots.
	pub log2_slot_nodes: u32,
	/// Layers of labels `L`; the last one is the key.
	pub layers: u32,
	/// Sectors challenged per pre-commit batch (with replacement).
	pub seal_sectors: u32,
	/// Nodes challenged per challenged sector at commit.
	pub seal_nodes: u32,
	/// Nodes challenged in one seal audit (one sector).
	pub audit_challenges: u32,
	/// Sectors (one node each) opened per part of a window proof.
	pub window_per_part: u32,
}

impl SdrParams {
	/// Production: 8 GiB sectors of 1024 slots, 11 layers, 8 × 8 commit challenges,
	/// 16 audit challenges, 16 + 16 window openings. The security argument is in
	/// `docs/storage-proofs.md` (regeneration ≥ 10 · 2^28 sequential labels).
	pub const fn production() -> Self {
		Self {
			params_id: PARAMS_ID_PRODUCTION_V1,
			log2_nodes: 28,
			log2_slot_nodes: 18,
			layers: 11,
			seal_sectors: 8,
			seal_nodes: 8,
			audit_challenges: 16,
			window_per_part: 16,
		}
	}

	/// Dev: one 8 MiB slot, 2 layers, 2 × 2 commit challenges, 2 window openings per part.
	/// No security; the same code seals a sector in well under a second.
	pub const fn dev() -> Self {
		Self {
			params_id: PARAMS_ID_DEV_V1,
			log2_nodes: 18,
			log2_slot_nodes: 18,
			layers: 2,
			seal_sectors: 2,
			seal_nodes: 2,
			audit_challenges: 4,
			window_per_part: 2,
		}
	}

	/// The production rules (layers, degrees, challenge counts) on a sector of
	/// `2^log2_nodes` nodes: what the measurements run and extrapolate from.
	pub const fn scaled_production(log2_nodes: u32) -> Self {
		let p = Self::production();
		let slot = if log2_nodes < p.log2_slot_nodes { log2_nodes } else { p.log2_slot_nodes };
		Self { params_id: PARAMS_ID_SCALED_V1 + log2_nodes, log2_nodes, log2_slot_nodes: slot, ..p }
	}

	/// Checks every field against the bounds of the proof types.
	pub fn validate(&self) -> Result<(), SdrParamsError> {
		if self.log2_nodes == 0 || self.log2_nodes > MAX_LOG2_NODES {
			return Err(SdrParamsError::BadSectorSize);
		}
		if self.log2_slot_nodes == 0 || self.log2_slot_nodes > self.log2_nodes {
			return Err(SdrParamsError::BadSlotSize);
		}
		if self.layers == 0 || self.layers > MAX_LAYERS {
			return Err(SdrParamsError::BadLayers);
		}
		let seal = self.seal_sectors.checked_mul(self.seal_nodes);
		if seal.is_none_or(|t| t == 0 || t > MAX_SEAL_OPENINGS)
			|| self.audit_challenges == 0
			|| self.audit_challenges > MAX_SEAL_OPENINGS
			|| self.window_per_part == 0
			|| self.window_per_part > MAX_WINDOW_PER_PART
		{
			return Err(SdrParamsError::BadChallenges);
		}
		Ok(())
	}

	/// Nodes per sector `N`.
	pub fn nodes(&self) -> u64 {
		1u64 << self.log2_nodes.min(MAX_LOG2_NODES)
	}

	/// Bytes per sector `S = 32 N`.
	pub fn sector_bytes(&self) -> u64 {
		self.nodes().saturating_mul(32)
	}

	/// Fragment slots per sector `K`.
	pub fn slots(&self) -> u64 {
		1u64 << self.log2_nodes.saturating_sub(self.log2_slot_nodes).min(MAX_LOG2_NODES)
	}

	/// Bytes per slot (the fragment size these parameters expect).
	pub fn slot_bytes(&self) -> u64 {
		(1u64 << self.log2_slot_nodes.min(MAX_LOG2_NODES)).saturating_mul(32)
	}

	/// Openings in one commit proof (`seal_sectors × seal_nodes`).
	pub fn seal_openings(&self) -> u32 {
		self.seal_sectors.saturating_mul(self.seal_nodes)
	}

	/// Labels a prover without the replica must compute strictly one after another before
	/// it can answer a challenged node: layers 1..L−1 in full (layer L up to the node is
	/// not counted, which makes the bound conservative).
	pub fn sequential_labels(&self) -> u64 {
		u64::from(self.layers.saturating_sub(1)).saturating_mul(self.nodes())
	}
}

/// Why an [`SdrParams`] value is unusable.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum SdrParamsError {
	/// `log2_nodes` is 0 or above [`MAX_LOG2_NODES`].
	BadSectorSize,
	/// `log2_slot_nodes` is 0 or above `log2_nodes`.
	BadSlotSize,
	/// `layers` is 0 or above [`MAX_LAYERS`].
	BadLayers,
	/// A challenge count is 0 or above its `MAX_*` bound.
	BadChallenges,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn presets_are_valid_and_as_documented() {
		let p = SdrParams::production();
		assert_eq!(p.validate(), Ok(()));
		assert_eq!(p.sector_bytes(), 8 << 30);
		assert_eq!(p.slots(), 1024);
		assert_eq!(p.slot_bytes(), 8 << 20);
		assert_eq!(p.seal_openings(), 64);
		assert_eq!(p.sequential_labels(), 10 << 28);
		let d = SdrParams::dev();
		assert_eq!(d.validate(), Ok(()));
		assert_eq!((d.sector_bytes(), d.slots(), d.layers), (8 << 20, 1, 2));
		let s = SdrParams::scaled_production(12);
		assert_eq!(s.validate(), Ok(()));
		assert_eq!((s.layers, s.log2_slot_nodes, s.params_id), (11, 12, 0x10c));
	}

	#[test]
	fn rejects_out_of_bound_values() {
		let p = SdrParams::dev();
		let bad = |q: SdrParams| q.validate().unwrap_err();
		assert_eq!(bad(SdrParams { log2_nodes: 0, ..p }), SdrParamsError::BadSectorSize);
		assert_eq!(bad(SdrParams { log2_nodes: 33, ..p }), SdrParamsError::BadSectorSize);
		assert_eq!(bad(SdrParams { log2_slot_nodes: 19, ..p }), SdrParamsError::BadSlotSize);
		assert_eq!(bad(SdrParams { log2_slot_nodes: 0, ..p }), SdrParamsError::BadSlotSize);
		assert_eq!(bad(SdrParams { layers: 0, ..p }), SdrParamsError::BadLayers);
		assert_eq!(bad(SdrParams { layers: 17, ..p }), SdrParamsError::BadLayers);
		assert_eq!(bad(SdrParams { seal_nodes: 33, ..p }), SdrParamsError::BadChallenges);
		assert_eq!(bad(SdrParams { seal_sectors: 0, ..p }), SdrParamsError::BadChallenges);
		assert_eq!(
			bad(SdrParams { seal_sectors: u32::MAX, seal_nodes: 2, ..p }),
			SdrParamsError::BadChallenges
		);
		assert_eq!(bad(SdrParams { audit_challenges: 65, ..p }), SdrParamsError::BadChallenges);
		assert_eq!(bad(SdrParams { window_per_part: 0, ..p }), SdrParamsError::BadChallenges);
	}
}
