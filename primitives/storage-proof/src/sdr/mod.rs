//! SDR-style sealed sectors (stacked depth-robust labeling) with SNARK-free proofs.
//!
//! A sector of `N = 2^n` 32-byte nodes is sealed under a [`replica_id`] bound to (genesis,
//! miner, sector number, data commitment, parameter id):
//!
//! * `L` layers of labels ([`label`]); each label hashes 6 same-layer DRG parents and 8
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

pub mod challenge;
#[cfg(feature = "std")]
mod checkpoint;
pub mod commit;
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
pub use verify::{verify_seal, verify_window, SdrError};
