//! Storage proofs for the CESS storage network.
//!
//! One library, used twice: the runtime (`no_std`, wasm) derives each miner's challenge
//! and verifies the submitted proof in `audit.submit_proof`; the miner agent (`std`)
//! seals its idle fillers, commits to them and builds the proofs. Sharing the code makes
//! "the agent builds exactly what the runtime checks" true by construction.
//!
//! * [`merkle`]: binary Merkle trees over 32-byte leaves (blake2-256, leaf/node domain
//!   separation, odd nodes promoted) with single and adjacent-pair inclusion proofs.
//! * [`fragment`]: a service fragment's leaves and root (zero-padded to `fragment_size`).
//! * [`seal`]: sealed idle fillers bound to (account, filler index), each leaf chained to
//!   its predecessor through `hash_iterations` sequential hashes.
//! * [`commitment`]: the idle commitment over all filler roots and their count.
//! * [`challenge`]: the pure challenge derivation from (randomness, round, account,
//!   filler count, fragment count).
//! * [`proof`]: the SCALE proof types, every vector bounded ([`BoundedVec`]).
//! * [`verify()`]: verification with a precise [`ProofError`] for each failure.
//! * `prover` (feature `std`): sealing and proof building for the miner agent.
//! * [`sdr`]: SDR-style sealed sectors (stacked DRG/expander labeling, replica = data ⊕
//!   key, column commitments) with no_std seal and window verifiers; the replacement of
//!   the filler scheme (not yet used by the pallets).
//!
//! The construction, its security argument and measured costs are in
//! `docs/storage-proofs.md`.
//!
//! ```
//! use cess_storage_proof::*;
//!
//! // Small parameters so the example runs instantly; the chain uses `Params::default()`.
//! let params = Params { fragment_size: 256, filler_size: 256, hash_iterations: 4, ..Params::default() };
//! let account = [1u8; 32];
//!
//! // Agent: seal fillers, commit (commitment and count go on chain with one call).
//! let fillers: Vec<SealedFiller> =
//!     (0..3).map(|i| SealedFiller::seal(&params, &account, i).unwrap()).collect();
//! let roots: Vec<Hash> = fillers.iter().map(|f| f.root()).collect();
//! let set = FillerSet::new(&roots);
//! let fragment = b"user data".to_vec();
//! let fragment_roots = [(0u64, fragment_root(&params, &fragment).unwrap())];
//!
//! // Both sides derive the same challenge from on-chain values.
//! let input = ChallengeInput {
//!     randomness: [9u8; 32], round: 1, account, filler_count: set.count(), fragment_count: 1,
//! };
//! let challenge = derive_challenge(&params, &input).unwrap();
//!
//! // Agent: answer from stored data.
//! let proof = build_proof(
//!     &challenge,
//!     &set,
//!     |i| fillers.get(i as usize).map(|f| f.leaves().to_vec()),
//!     |_| Some(fragment.clone()),
//! ).unwrap();
//!
//! // Runtime: verify against the on-chain commitment and fragment roots.
//! let commitments = Commitments { filler_commitment: set.commitment(), fragment_roots: &fragment_roots };
//! assert_eq!(verify(&challenge, &commitments, &proof), Ok(()));
//! ```

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(
	not(test),
	deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]
#![warn(missing_docs)]

extern crate alloc;

pub mod bounded;
pub mod challenge;
pub mod commitment;
pub mod error;
pub mod fragment;
pub mod hash;
pub mod merkle;
pub mod params;
pub mod proof;
#[cfg(feature = "std")]
pub mod prover;
pub mod sdr;
pub mod seal;
pub mod verify;

pub use bounded::{BoundExceeded, BoundedVec};
pub use challenge::{derive_challenge, Challenge, ChallengeError, ChallengeInput, ItemChallenge};
pub use commitment::{filler_commitment, filler_set_commitment};
pub use error::ProofError;
pub use fragment::{fragment_leaves, fragment_root, leaves_from_bytes, FragmentError};
pub use hash::{AccountBytes, Hash, LEAF_SIZE};
pub use merkle::{merkle_root, MerkleError, MerkleTree};
pub use params::{
	Params, ParamsError, MAX_CHALLENGED_FILLERS, MAX_CHALLENGED_FRAGMENTS, MAX_HASH_ITERATIONS,
	MAX_LEAVES_PER_ITEM, MAX_PAIR_NODES, MAX_TREE_DEPTH, MAX_TREE_LEAVES,
};
pub use proof::{FillerLeafOpening, FillerProof, FragmentProof, LeafOpening, StorageProof};
#[cfg(feature = "std")]
pub use prover::{build_proof, FillerSet, ProveError, SealedFiller};
pub use seal::{filler_seed, label, seal_filler};
pub use verify::{verify, verify_idle, verify_parts, verify_service, Commitments, PartsOutcome};
