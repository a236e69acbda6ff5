//! Shared fixtures of the SDR tests: a tiny parameter set and a sealed service sector.
#![allow(dead_code)]

pub mod sparse;

use cess_storage_proof::sdr::*;
use cess_storage_proof::{fragment_root, Hash, Params};

pub const GENESIS: Hash = [0x11; 32];
pub const MINER: Hash = [0x22; 32];

/// 64 nodes (2 KiB) in 4 slots of 16 nodes, 3 layers, 2 × 4 commit challenges.
pub fn tiny() -> SdrParams {
	SdrParams {
		params_id: 0xFFFF_0001,
		log2_nodes: 6,
		log2_slot_nodes: 4,
		layers: 3,
		seal_sectors: 2,
		seal_nodes: 4,
		audit_challenges: 4,
		window_per_part: 2,
	}
}

pub fn config() -> SealerConfig {
	SealerConfig { threads: 1, tree_cache_level: 2, ..SealerConfig::default() }
}

/// Fragment parameters whose fragment size is the slot size of `p`.
pub fn frag_params(p: &SdrParams) -> Params {
	Params { fragment_size: p.slot_bytes(), ..Params::default() }
}

/// A sealed sector with everything a prover and a verifier need.
pub struct Fixture {
	pub params: SdrParams,
	pub sector_no: u64,
	pub data: Vec<Hash>,
	pub data_tree: CachedTree,
	pub comm_d: Hash,
	pub service: bool,
	pub sealed: SealedSector,
}

impl Fixture {
	/// Seals `slots` (fragment bytes per slot) as sector `sector_no` of `miner`.
	pub fn seal(p: &SdrParams, miner: &Hash, sector_no: u64, slots: &[Option<Vec<u8>>]) -> Self {
		let refs: Vec<Option<&[u8]>> = slots.iter().map(|s| s.as_deref()).collect();
		let roots: Vec<Option<Hash>> =
			refs.iter().map(|s| s.map(|d| fragment_root(&frag_params(p), d).unwrap())).collect();
		let comm_d = comm_d_from_slots(p, &roots).unwrap();
		let service = roots.iter().any(|r| r.is_some());
		let data = sector_data(p, &refs).unwrap();
		let id = replica_id(&GENESIS, miner, sector_no, &comm_d, p.params_id);
		let sealed = seal(p, SealInput { replica_id: id, data: data.clone() }, &config()).unwrap();
		let data_tree = CachedTree::build(&data, 2).unwrap();
		Self { params: *p, sector_no, data, data_tree, comm_d, service, sealed }
	}

	/// A CC sector (all slots empty).
	pub fn cc(p: &SdrParams, miner: &Hash, sector_no: u64) -> Self {
		Self::seal(p, miner, sector_no, &vec![None; p.slots() as usize])
	}

	pub fn public(&self) -> SectorPublic {
		SectorPublic {
			replica_id: self.sealed.replica_id,
			comm_c: self.sealed.comm_c,
			comm_r_last: self.sealed.comm_r_last,
			comm_d: self.service.then_some(self.comm_d),
		}
	}

	pub fn witness(&self) -> (Hash, SectorWitness<'_>) {
		(
			self.sealed.replica_id,
			SectorWitness {
				replica: &self.sealed.replica,
				tree_r: &self.sealed.tree_r,
				data: self.service.then_some((&self.data[..], &self.data_tree)),
			},
		)
	}
}

/// Some fragment bytes of `len` bytes derived from `seed`.
pub fn bytes(seed: u8, len: usize) -> Vec<u8> {
	(0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

/// A service sector with two used slots of the tiny set.
pub fn service_fixture(p: &SdrParams, miner: &Hash, sector_no: u64) -> Fixture {
	let mut slots = vec![None; p.slots() as usize];
	slots[0] = Some(bytes(1, 300));
	if slots.len() > 2 {
		slots[2] = Some(bytes(2, p.slot_bytes() as usize));
	}
	Fixture::seal(p, miner, sector_no, &slots)
}

pub fn hex(h: &[u8]) -> String {
	h.iter().map(|b| format!("{b:02x}")).collect()
}

/// On-CPU time of the calling thread (Linux `schedstat`, ns resolution), so timing
/// assertions hold on a machine shared with other builds; wall time elsewhere.
pub fn thread_cpu() -> std::time::Duration {
	std::fs::read_to_string("/proc/thread-self/schedstat")
		.ok()
		.and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
		.map(std::time::Duration::from_nanos)
		.unwrap_or_else(|| {
			static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
			START.get_or_init(std::time::Instant::now).elapsed()
		})
}

/// Runs `f`, returning its result and the thread's CPU time spent in it.
pub fn cpu_timed<R>(f: impl FnOnce() -> R) -> (R, std::time::Duration) {
	let start = thread_cpu();
	let r = f();
	(r, thread_cpu().saturating_sub(start))
}
