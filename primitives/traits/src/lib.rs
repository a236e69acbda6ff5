//! # CESS cross-pallet traits (`cess-traits`)
//!
//! The storage pallets talk to each other only through the traits and value types of this
//! crate, the way `sp-staking` sits between `pallet-staking` and `pallet-nomination-pools`. No
//! pallet compiles another pallet: each depends on this crate, the runtime plugs the
//! implementations into the `Config` types, and every pallet's tests use mocks or the real
//! pallets only as dev-dependencies.
//!
//! ```text
//!                         cess-traits (this crate)
//!          ▲ implements                ▲ implements              ▲ implements
//!  pallet-storage-miner          pallet-file-bank             pallet-audit
//!   MinerInspect/Mutate     ServiceFragmentsInspect/Mutate   StoragePowerInspect
//!                                OnMinerLeave                   OnMinerLeave
//!          consumes:                 consumes:                   consumes:
//!   OnMinerLeave (file bank,     MinerInspect/Mutate         MinerInspect/Mutate,
//!   audit), StoragePowerInspect                              ServiceFragmentsInspect/Mutate
//!   (audit)
//! ```
//!
//! ## Inspect and mutate halves
//!
//! Each interface is split in a read-only `…Inspect` trait and a `…Mutate` trait that extends
//! it. A consumer states which half it needs, so a reader of a `Config` sees at once whether a
//! pallet can change another's state:
//!
//! | trait | implemented by | consumed by |
//! |---|---|---|
//! | [`MinerInspect`]: state, spaces, idle commitment, collateral/debt, candidates | storage miner | audit, file bank |
//! | [`MinerMutate`]: add/remove service space, punish, note power, ban | storage miner | audit (punish, note power, ban), file bank (service space) |
//! | [`ServiceFragmentsInspect`]: count, roots, data length, released space | file bank | audit |
//! | [`ServiceFragmentsMutate`]: apply deferred removals | file bank | audit (at a miner's checkpoint) |
//! | [`StoragePowerInspect`]: cycle and miner power, finished and oldest retained cycle | audit | storage miner (reward snapshot), runtime APIs |
//! | [`SectorsInspect`]/[`SectorsMutate`]: seal parameters, active sector list, sector commitments; apply queued list changes | storage miner | audit (seal audits, checkpoints) |
//! | [`SealAuditInspect`]: per-block seeds, enrolment | audit | storage miner (seal challenges) |
//! | [`OnMinerLeave`]: leave, withdrawn, open challenge | file bank, audit (a tuple) | storage miner |
//! | [`RewardPoolFunding`]: cumulative deposits into the reward pool | issuance, file bank (a tuple) | storage miner (`try_state` only) |
//!
//! Storage power has no mutate half: only the audit's own settlement credits it (and tells the
//! reward orders through [`MinerMutate::note_power`]).
//!
//! ## Value types
//!
//! [`types`] holds the values these traits pass ([`MinerState`], [`MinerSpaces`],
//! [`IdleCommitment`], [`Punishment`], [`ServiceSpaceError`], [`CycleIndex`], [`Power`],
//! [`GIB`], [`TIB`]). `pallet-storage-miner` re-exports them unchanged, so their SCALE
//! encoding and the runtime APIs are the same as when that pallet defined them.
//!
//! ## Benchmarks
//!
//! The `runtime-benchmarks` feature adds benchmark-only helpers
//! (`MinerMutate::benchmark_positive_miner`, `StoragePowerInspect::benchmark_credit`);
//! every crate that implements or consumes them forwards its own feature to it.

#![cfg_attr(not(feature = "std"), no_std)]

pub mod fragments;
pub mod leave;
pub mod miner;
pub mod pool;
pub mod power;
pub mod sectors;
pub mod types;

pub use fragments::{ServiceFragmentsInspect, ServiceFragmentsMutate};
pub use leave::OnMinerLeave;
pub use miner::{MinerInspect, MinerMutate};
pub use pool::RewardPoolFunding;
pub use power::StoragePowerInspect;
pub use sectors::{SealAuditInspect, SectorsInspect, SectorsMutate};
pub use types::*;
