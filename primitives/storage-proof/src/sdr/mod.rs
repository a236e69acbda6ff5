//! SDR-style sealed sectors (stacked depth-robust labeling) with SNARK-free proofs.
//!
//! A sector of `N = 2^n` 32-byte nodes is sealed under a [`replica_id()`] bound to (genesis,
//! miner, sector number, data commitment, parameter id):
//!
//! * `L` layers of labels ([`label()`]); each label hashes 6 same-layer DRG parents and 8
//!   previous-layer expander parents ([`Graph`]), so one layer is a chain of `N`
//!   sequential hashes and each layer needs (almost) all of the previous one;
//! * the replica is `R = D ⊕ lab_L` ([`commit::xor`]); the columns are folded into
//!   `comm_c`, the replica into `comm_r_last` ([`commit`]);
//! * the data lives in aligned fragment slots, so `comm_d` follows from the declared
//!   fragment roots ([`comm_d_from_slots`]).
//!
//! no_std: parameters, graph, labels, commitments, challenges, proof types and the
//! verifiers ([`verify_seal`], [`verify_window`]), hashing through the host with the
//! crate's `host-hashing` feature. std: the sealer ([`seal_many`]: threads across
//! sectors, memory budget, layer checkpoints), the unsealer and the provers.
//! The construction and its security argument are in `docs/storage-proofs.md`.
//!
//! ```
//! use cess_storage_proof::sdr::*;
//!
//! // A tiny parameter set so the example runs instantly (chains use `production()`/`dev()`).
//! let p = SdrParams { log2_nodes: 6, log2_slot_nodes: 6, layers: 3, ..SdrParams::dev() };
//! let config = SealerConfig { threads: 1, tree_cache_level: 2, ..SealerConfig::default() };
//!
//! // Runtime and agent: comm_d from the slot roots (a CC sector here), then the replica id.
//! let comm_d = comm_d_from_slots(&p, &[None]).unwrap();
//! let id = replica_id(&[1; 32], &[2; 32], 0, &comm_d, p.params_id);
//!
//! // Agent: seal; `comm_c` and `comm_r_last` go into the pre-commit.
//! let data = sector_data(&p, &[None]).unwrap();
//! let sealed = seal(&p, SealInput { replica_id: id, data }, &config).unwrap();
//!
//! // Both: challenges from the seal seed (randomness revealed after the pre-commit).
//! let challenges = seal_challenges(&p, &seal_seed(&[7; 32], &[2; 32], 0), 1).unwrap();
//!
//! // Agent: rerun the labeling of the challenged sector and open the columns.
//! let witness = SectorWitness { replica: &sealed.replica, tree_r: &sealed.tree_r, data: None };
//! let proof = prove_seal(&p, &challenges, &[(id, witness)], &config).unwrap();
//!
//! // Runtime: verify against the pre-committed values.
//! let public = SectorPublic {
//!     replica_id: id, comm_c: sealed.comm_c, comm_r_last: sealed.comm_r_last, comm_d: None,
//! };
//! assert_eq!(verify_seal(&p, &challenges, &[public], &proof), Ok(()));
//!
//! // Later rounds: window proofs over the replica alone.
//! let wc = window_challenges(&p, &window_seed(&[8; 32], 1, &[2; 32], 0, 1), 0, 1).unwrap();
//! let reps = vec![(&sealed.replica[..], &sealed.tree_r); wc.len()];
//! let wp = prove_window(&wc, &reps).unwrap();
//! assert_eq!(verify_window(&p, &wc, &vec![sealed.comm_r_last; wc.len()], &wp), Ok(()));
//! ```

pub mod challenge;
#[cfg(feature = "std")]
mod checkpoint;
pub mod commit;
pub mod fixture;
pub mod graph;
pub mod label;
pub mod params;
pub mod proof;
#[cfg(feature = "std")]
pub mod prove;
pub mod replica_id;
#[cfg(feature = "std")]
pub mod seal;
pub mod slots;
#[cfg(feature = "std")]
pub mod tree;
#[cfg(feature = "std")]
pub mod unseal;
pub mod verify;

pub use challenge::{
	audit_challenges, audit_seed, seal_challenges, seal_seed, window_challenges, window_seed,
	NodeChallenge, SdrChallengeError, SealChallenges, WindowChallenges,
};
pub use commit::{column_hash, comm_r};
pub use fixture::sparse_seal_proof;
pub use graph::{graph_seed, Graph, NodeSet};
pub use label::{compute_layer, label};
pub use params::*;
pub use proof::{Column, NodeProof, SealOpening, SealProof, SectorPath, SectorPublic, WindowProof};
#[cfg(feature = "std")]
pub use prove::{
	capture_columns, open_nodes, prove_seal, prove_window, CapturedColumns, ColumnSource,
	ProveError, SectorWitness,
};
pub use replica_id::replica_id;
#[cfg(feature = "std")]
pub use seal::{pipeline_bytes, seal, seal_many, SealError, SealInput, SealedSector, SealerConfig};
#[cfg(feature = "std")]
pub use slots::sector_data;
pub use slots::{cc_comm_d, comm_d_from_slots, zero_root, SlotsError};
#[cfg(feature = "std")]
pub use tree::CachedTree;
#[cfg(feature = "std")]
pub use unseal::{unseal, unseal_slot};
pub use verify::{seal_verify_hashes, verify_seal, verify_window, SdrError};
