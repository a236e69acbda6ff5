//! Challenge seeds and the challenged (sector, node) pairs, derived identically by the
//! runtime and the agent.
//!
//! * Commit: `σ = H(0x51 ‖ Seed(b_pc + Δ) ‖ miner ‖ batch_no)`; `seal_sectors` sectors of
//!   the batch (with replacement) and `seal_nodes` nodes in each.
//! * Audit: `H(0x56 ‖ seed ‖ miner ‖ cycle ‖ sector_no)`; `audit_challenges` nodes of one
//!   sector.
//! * Window: `H(0x60 ‖ Seed(b_c) ‖ round ‖ miner ‖ n_srv ‖ n_idle)`; `window_per_part`
//!   sectors of the service list and as many of the idle list, one node each.
//!
//! Every pick is `H(0x55 ‖ seed ‖ i_le32 ‖ j_le32)` read as a little-endian u64; node
//! picks are masked to `N − 1` (exactly uniform), sector picks reduced modulo the list
//! length (bias below 2^-56 for lists under 2^8).

use super::params::{SdrParams, MAX_SEAL_OPENINGS, MAX_WINDOW_PER_PART};
use crate::bounded::BoundedVec;
use crate::hash::{
	AccountBytes, Hash, Input, TAG_SDR_AUDIT_SEED, TAG_SDR_PICK, TAG_SDR_SEAL_SEED,
	TAG_SDR_WINDOW_SEED,
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// `j` value of a sector pick (node picks use `j < 2^31`).
const SECTOR_PICK: u32 = u32::MAX;

/// Seal (commit) seed of a pre-commit batch.
pub fn seal_seed(block_seed: &Hash, miner: &AccountBytes, batch_no: u64) -> Hash {
	Input::<73>::new(TAG_SDR_SEAL_SEED)
		.put(block_seed)
		.put(miner)
		.put(&batch_no.to_le_bytes())
		.hash()
}

/// Seal-audit seed of one sector in one cycle.
pub fn audit_seed(block_seed: &Hash, miner: &AccountBytes, cycle: u32, sector_no: u64) -> Hash {
	Input::<77>::new(TAG_SDR_AUDIT_SEED)
		.put(block_seed)
		.put(miner)
		.put(&cycle.to_le_bytes())
		.put(&sector_no.to_le_bytes())
		.hash()
}

/// Window-proof seed of one miner in one round, bound to its frozen list lengths.
pub fn window_seed(
	block_seed: &Hash,
	round: u32,
	miner: &AccountBytes,
	n_srv: u32,
	n_idle: u32,
) -> Hash {
	Input::<77>::new(TAG_SDR_WINDOW_SEED)
		.put(block_seed)
		.put(&round.to_le_bytes())
		.put(miner)
		.put(&n_srv.to_le_bytes())
		.put(&n_idle.to_le_bytes())
		.hash()
}

/// One pick.
fn pick(seed: &Hash, i: u32, j: u32) -> u64 {
	let h =
		Input::<41>::new(TAG_SDR_PICK).put(seed).put(&i.to_le_bytes()).put(&j.to_le_bytes()).hash();
	let mut b = [0u8; 8];
	for (dst, src) in b.iter_mut().zip(h.iter()) {
		*dst = *src;
	}
	u64::from_le_bytes(b)
}

/// One challenged node: `sector` indexes the batch (commit), is 0 (audit), or indexes the
/// part's sector list (window).
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
pub struct NodeChallenge {
	/// Index of the sector in the list the challenge is over.
	pub sector: u32,
	/// Node index in the sector (`< N`).
	pub node: u64,
}

/// The challenged nodes of one seal proof, in proof order.
pub type SealChallenges = BoundedVec<NodeChallenge, MAX_SEAL_OPENINGS>;

/// Why a challenge cannot be derived.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SdrChallengeError {
	/// The parameters are invalid.
	InvalidParams,
	/// The batch is empty or larger than [`MAX_BATCH_SECTORS`](super::MAX_BATCH_SECTORS).
	BadBatchSize,
}

/// Challenges of a commit proof for a batch of `batch_len` sectors.
pub fn seal_challenges(
	params: &SdrParams,
	seed: &Hash,
	batch_len: u32,
) -> Result<SealChallenges, SdrChallengeError> {
	params.validate().map_err(|_| SdrChallengeError::InvalidParams)?;
	if batch_len == 0 || batch_len > super::params::MAX_BATCH_SECTORS {
		return Err(SdrChallengeError::BadBatchSize);
	}
	let mask = params.nodes() - 1;
	let mut out = SealChallenges::new();
	for i in 0..params.seal_sectors {
		let sector = (pick(seed, i, SECTOR_PICK) % u64::from(batch_len)) as u32;
		for j in 0..params.seal_nodes {
			let node = pick(seed, i, j) & mask;
			out.try_push(NodeChallenge { sector, node })
				.map_err(|_| SdrChallengeError::InvalidParams)?;
		}
	}
	Ok(out)
}

/// Challenges of a seal audit of one sector (`sector` is always 0).
pub fn audit_challenges(
	params: &SdrParams,
	seed: &Hash,
) -> Result<SealChallenges, SdrChallengeError> {
	params.validate().map_err(|_| SdrChallengeError::InvalidParams)?;
	let mask = params.nodes() - 1;
	let mut out = SealChallenges::new();
	for j in 0..params.audit_challenges {
		out.try_push(NodeChallenge { sector: 0, node: pick(seed, 0, j) & mask })
			.map_err(|_| SdrChallengeError::InvalidParams)?;
	}
	Ok(out)
}

/// The challenged nodes of a window proof: service part first, then idle part.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct WindowChallenges {
	/// Service part (`sector` indexes the active service list); empty if that list is.
	pub service: BoundedVec<NodeChallenge, MAX_WINDOW_PER_PART>,
	/// Idle part (`sector` indexes the active committed-capacity list).
	pub idle: BoundedVec<NodeChallenge, MAX_WINDOW_PER_PART>,
}

impl WindowChallenges {
	/// Both parts in proof order.
	pub fn iter(&self) -> impl Iterator<Item = &NodeChallenge> {
		self.service.iter().chain(self.idle.iter())
	}

	/// Total openings.
	pub fn len(&self) -> usize {
		self.service.len().saturating_add(self.idle.len())
	}

	/// No openings (the miner has no active sector).
	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

/// Window challenges over `n_srv` service and `n_idle` idle sectors.
pub fn window_challenges(
	params: &SdrParams,
	seed: &Hash,
	n_srv: u32,
	n_idle: u32,
) -> Result<WindowChallenges, SdrChallengeError> {
	params.validate().map_err(|_| SdrChallengeError::InvalidParams)?;
	let mask = params.nodes() - 1;
	let part = |tag: u32, n: u32| {
		let mut out = BoundedVec::new();
		if n == 0 {
			return Ok(out);
		}
		for k in 0..params.window_per_part {
			let sector = (pick(seed, tag, 2 * k) % u64::from(n)) as u32;
			let node = pick(seed, tag, 2 * k + 1) & mask;
			out.try_push(NodeChallenge { sector, node })
				.map_err(|_| SdrChallengeError::InvalidParams)?;
		}
		Ok(out)
	};
	Ok(WindowChallenges { service: part(1, n_srv)?, idle: part(2, n_idle)? })
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn challenges_are_deterministic_in_range_and_seed_dependent() {
		let p = SdrParams::production();
		let c = seal_challenges(&p, &[1; 32], 100).unwrap();
		assert_eq!(c.len(), 64);
		assert!(c.iter().all(|x| x.sector < 100 && x.node < p.nodes()));
		assert_eq!(c, seal_challenges(&p, &[1; 32], 100).unwrap());
		assert_ne!(c, seal_challenges(&p, &[2; 32], 100).unwrap());
		// Each challenged sector gets `seal_nodes` consecutive entries.
		assert!(c.chunks(8).all(|ch| ch.iter().all(|x| x.sector == ch[0].sector)));
		assert_eq!(seal_challenges(&p, &[1; 32], 0), Err(SdrChallengeError::BadBatchSize));
		assert_eq!(seal_challenges(&p, &[1; 32], 129), Err(SdrChallengeError::BadBatchSize));
		assert_eq!(audit_challenges(&p, &[3; 32]).unwrap().len(), 16);

		let w = window_challenges(&p, &[4; 32], 3, 0).unwrap();
		assert_eq!((w.service.len(), w.idle.len()), (16, 0));
		assert!(w.service.iter().all(|x| x.sector < 3));
		assert!(window_challenges(&p, &[4; 32], 0, 0).unwrap().is_empty());
		assert_ne!(
			window_seed(&[0; 32], 1, &[0; 32], 3, 4),
			window_seed(&[0; 32], 1, &[0; 32], 4, 3)
		);
		assert_ne!(seal_seed(&[0; 32], &[0; 32], 1), seal_seed(&[0; 32], &[0; 32], 2));
		assert_ne!(audit_seed(&[0; 32], &[0; 32], 1, 5), audit_seed(&[0; 32], &[0; 32], 1, 6));
	}
}
