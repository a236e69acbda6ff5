//! The sealer (std): labels layer by layer, folds each layer into the column accumulator,
//! and outputs the replica `R = D ⊕ lab_L` with its commitments.
//!
//! * **Memory**: two layers and the accumulator (3 S) plus the data buffer, which becomes
//!   the replica in place (S): [`pipeline_bytes`] ≈ 4 S per sector being sealed. A
//!   [`SealerConfig::memory_budget`] admits as many parallel pipelines as fit.
//! * **Threads**: [`seal_many`] seals different sectors on different threads (one
//!   sector's labeling is sequential by construction).
//! * **Resumable**: with [`SealerConfig::checkpoint_dir`], the state after each layer is
//!   saved (`sdr/checkpoint.rs`) and a restarted seal continues after the
//!   last saved layer; the checkpoint is deleted when the sector is sealed.

use super::checkpoint::Checkpointer;
use super::commit::{column_start, column_step, comm_r, xor};
use super::graph::Graph;
use super::label::compute_layer;
use super::params::SdrParams;
use super::tree::CachedTree;
use crate::hash::Hash;
use std::path::PathBuf;
use std::sync::Mutex;
use std::vec::Vec;

/// Why a seal (or unseal, or proof rerun) failed.
#[derive(Debug, PartialEq, Eq)]
pub enum SealError {
	/// The parameters are invalid.
	InvalidParams,
	/// The data (or replica) does not have `N` nodes.
	WrongLength,
	/// One pipeline needs more memory than the budget.
	MemoryBudget {
		/// Bytes one pipeline needs.
		needed: u64,
		/// The configured budget.
		budget: u64,
	},
	/// Stopped after this layer on request ([`SealerConfig::stop_after_layer`]); with a
	/// checkpoint directory the seal resumes there.
	Interrupted {
		/// Last finished layer.
		layer: u32,
	},
	/// A checkpoint could not be written.
	Io(String),
}

/// How the sealer may use the machine.
#[derive(Clone, Debug)]
pub struct SealerConfig {
	/// Most sectors sealed at once (threads).
	pub threads: usize,
	/// Bytes of RAM the sealer may use; pipelines = min(threads, budget / [`pipeline_bytes`]).
	pub memory_budget: u64,
	/// Directory for layer checkpoints (none: not resumable).
	pub checkpoint_dir: Option<PathBuf>,
	/// Tree levels below this are not kept (rebuilt per opening from the replica).
	pub tree_cache_level: u32,
	/// Stop after this layer with [`SealError::Interrupted`] (a controlled shutdown; tests
	/// use it to play a crash).
	pub stop_after_layer: Option<u32>,
}

impl Default for SealerConfig {
	fn default() -> Self {
		Self {
			threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
			memory_budget: u64::MAX,
			checkpoint_dir: None,
			tree_cache_level: 6,
			stop_after_layer: None,
		}
	}
}

/// One sector to seal: its replica id and its `N` data nodes (all zero for a CC sector).
#[derive(Clone, Debug)]
pub struct SealInput {
	/// The replica id ([`replica_id()`](super::replica_id::replica_id)).
	pub replica_id: Hash,
	/// The sector data ([`sector_data`](super::sector_data)).
	pub data: Vec<Hash>,
}

/// A sealed sector: what the miner keeps.
#[derive(Clone, Debug)]
pub struct SealedSector {
	/// The replica id it was sealed under.
	pub replica_id: Hash,
	/// `R = D ⊕ K`, N nodes.
	pub replica: Vec<Hash>,
	/// Column commitment.
	pub comm_c: Hash,
	/// Replica commitment (root of `tree_r`).
	pub comm_r_last: Hash,
	/// `H(0x54 ‖ comm_c ‖ comm_r_last)`.
	pub comm_r: Hash,
	/// The replica tree's upper levels, for window and seal openings.
	pub tree_r: CachedTree,
	/// Layers computed by this call (fewer than L after a resume).
	pub layers_computed: u32,
}

/// RAM of one sealing pipeline: two layers, the accumulator and the data/replica buffer.
pub fn pipeline_bytes(params: &SdrParams) -> u64 {
	params.sector_bytes().saturating_mul(4)
}

/// The labeling's result.
pub(crate) struct Labeling {
	pub last: Vec<Hash>,
	pub acc: Option<Vec<Hash>>,
	pub layers_computed: u32,
}

/// Runs layers 1..L (resuming from a checkpoint if one exists), calling `on_layer` with
/// each layer computed here.
pub(crate) fn run_labeling<F>(
	params: &SdrParams,
	replica_id: &Hash,
	with_acc: bool,
	config: &SealerConfig,
	mut on_layer: F,
) -> Result<Labeling, SealError>
where
	F: FnMut(u32, &[Hash]),
{
	params.validate().map_err(|_| SealError::InvalidParams)?;
	let graph = Graph::new(params);
	let n = usize::try_from(params.nodes()).map_err(|_| SealError::InvalidParams)?;
	let ckpt = config
		.checkpoint_dir
		.as_ref()
		.map(|d| Checkpointer::new(d, params.params_id, params.log2_nodes, *replica_id));
	let (done, mut prev, mut acc) = match ckpt.as_ref().and_then(|c| c.load(n, with_acc)) {
		Some(c) if c.layer < params.layers => (c.layer, c.labels, c.acc),
		_ => (0, vec![[0u8; 32]; n], with_acc.then(|| vec![[0u8; 32]; n])),
	};
	let mut cur = vec![[0u8; 32]; n];
	let mut computed = 0u32;
	for layer in done + 1..=params.layers {
		let prev_layer = (layer > 1).then_some(&prev[..]);
		if !compute_layer(&graph, replica_id, layer, prev_layer, &mut cur, |_| None) {
			return Err(SealError::WrongLength);
		}
		if let Some(acc) = acc.as_mut() {
			for (a, l) in acc.iter_mut().zip(&cur) {
				*a = if layer == 1 { column_start(l) } else { column_step(a, l) };
			}
		}
		on_layer(layer, &cur);
		std::mem::swap(&mut prev, &mut cur);
		computed += 1;
		if layer < params.layers {
			if let Some(c) = &ckpt {
				c.save(layer, &prev, acc.as_deref()).map_err(|e| SealError::Io(e.to_string()))?;
			}
			if config.stop_after_layer == Some(layer) {
				return Err(SealError::Interrupted { layer });
			}
		}
	}
	if let Some(c) = &ckpt {
		c.clear();
	}
	Ok(Labeling { last: prev, acc, layers_computed: computed })
}

/// Seals one sector.
pub fn seal(
	params: &SdrParams,
	input: SealInput,
	config: &SealerConfig,
) -> Result<SealedSector, SealError> {
	if u64::try_from(input.data.len()).ok() != Some(params.nodes()) {
		return Err(SealError::WrongLength);
	}
	let labeling = run_labeling(params, &input.replica_id, true, config, |_, _| {})?;
	let acc = labeling.acc.ok_or(SealError::InvalidParams)?;
	let comm_c =
		CachedTree::build(&acc, config.tree_cache_level).ok_or(SealError::WrongLength)?.root();
	drop(acc);
	let mut replica = input.data;
	for (r, k) in replica.iter_mut().zip(&labeling.last) {
		*r = xor(r, k);
	}
	drop(labeling.last);
	let tree_r =
		CachedTree::build(&replica, config.tree_cache_level).ok_or(SealError::WrongLength)?;
	let comm_r_last = tree_r.root();
	Ok(SealedSector {
		replica_id: input.replica_id,
		replica,
		comm_c,
		comm_r_last,
		comm_r: comm_r(&comm_c, &comm_r_last),
		tree_r,
		layers_computed: labeling.layers_computed,
	})
}

/// Seals many sectors, as many at once as threads and the memory budget allow; results are
/// in input order.
pub fn seal_many(
	params: &SdrParams,
	inputs: Vec<SealInput>,
	config: &SealerConfig,
) -> Vec<Result<SealedSector, SealError>> {
	let needed = pipeline_bytes(params);
	let fit = usize::try_from(config.memory_budget / needed.max(1)).unwrap_or(usize::MAX);
	let workers = config.threads.min(fit).min(inputs.len());
	if workers == 0 {
		let err = || SealError::MemoryBudget { needed, budget: config.memory_budget };
		return inputs.iter().map(|_| Err(err())).collect();
	}
	let count = inputs.len();
	let queue = Mutex::new(inputs.into_iter().enumerate().rev().collect::<Vec<_>>());
	let results: Mutex<Vec<Option<Result<SealedSector, SealError>>>> =
		Mutex::new((0..count).map(|_| None).collect());
	std::thread::scope(|s| {
		for _ in 0..workers {
			s.spawn(|| loop {
				let next = queue.lock().ok().and_then(|mut q| q.pop());
				let Some((i, input)) = next else { break };
				let out = seal(params, input, config);
				if let Ok(mut r) = results.lock() {
					if let Some(slot) = r.get_mut(i) {
						*slot = Some(out);
					}
				}
			});
		}
	});
	results
		.into_inner()
		.unwrap_or_default()
		.into_iter()
		.map(|r| r.unwrap_or(Err(SealError::Io("worker lost".into()))))
		.collect()
}
