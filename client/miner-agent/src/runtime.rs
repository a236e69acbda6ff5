//! Following the live runtime across upgrades.
//!
//! The agent reads `state_getRuntimeVersion` once per new best block. When the version
//! changes it fetches the new runtime's metadata and checks, with [`crate::metadata::check`],
//! that every call, transaction extension, runtime API and event it relies on kept its
//! layout. Compatible: it signs with the new `spec_version`/`transaction_version` from the
//! next transaction on. Incompatible (or another `spec_name`): it stops with a message naming
//! what changed, since carrying on would only produce rejected transactions.
//!
//! Events are read robustly: when the live event type differs from the compiled one (a
//! pallet gained an event, say), the block's `System.Events` is cut into records with the
//! live type registry ([`crate::scale_walk`]) and only records whose layout the agent knows
//! are decoded; the others are skipped.

use crate::{
	chain::{Chain, ChainError, EventRecord, RuntimeFacts},
	metadata::{self, Compatibility},
	scale_walk::{split_sequence, variant_path},
	LOG_TARGET,
};
use cess_runtime::Hash;
use codec::DecodeAll;
use frame_metadata::v15::RuntimeMetadataV15;
use log::{debug, info};
use scale_info::PortableRegistry;

/// The runtime the chain runs now, as far as the agent uses it.
pub struct Live {
	/// Versions to sign with.
	pub facts: RuntimeFacts,
	/// The live type registry (to walk events).
	pub types: PortableRegistry,
	/// What the agent may rely on.
	pub compat: Compatibility,
}

/// Follows the chain's runtime; see the module docs.
pub struct Follower {
	compiled: RuntimeMetadataV15,
	/// The runtime in force at the last check.
	pub live: Live,
}

/// Checks the runtime at block `at` against `compiled`.
fn load(chain: &Chain, compiled: &RuntimeMetadataV15, at: Hash) -> Result<Live, ChainError> {
	let (spec_name, facts) = chain.runtime_version(Some(at))?;
	let built = &cess_runtime::VERSION;
	if spec_name != *built.spec_name {
		return Err(ChainError::RuntimeMismatch(format!(
			"the chain runs {spec_name}, this agent serves {}",
			built.spec_name
		)));
	}
	let live = chain.metadata(at)?;
	let compat = metadata::check(compiled, &live, facts.spec_version)
		.map_err(ChainError::RuntimeMismatch)?;
	if !compat.unknown_events.is_empty() {
		info!(
			target: LOG_TARGET,
			"runtime v{}: {} events differ from the ones this agent was built with; it skips them ({})",
			facts.spec_version,
			compat.unknown_events.len(),
			compat.unknown_events.join(", ")
		);
	}
	Ok(Live { facts, types: live.types, compat })
}

impl Follower {
	/// Checks the runtime of the best block.
	pub fn start(chain: &Chain) -> Result<Self, ChainError> {
		let compiled = metadata::compiled().map_err(|e| ChainError::Decode("metadata", e))?;
		let live = load(chain, &compiled, chain.best_hash()?)?;
		info!(
			target: LOG_TARGET,
			"chain runs {} v{} (transaction version {}); this agent was built for v{}",
			cess_runtime::VERSION.spec_name,
			live.facts.spec_version,
			live.facts.transaction_version,
			cess_runtime::VERSION.spec_version
		);
		Ok(Self { compiled, live })
	}

	/// Re-reads the best block's runtime version; after an upgrade, re-checks compatibility
	/// and switches to the new versions. Returns whether the runtime changed.
	pub fn refresh(&mut self, chain: &Chain) -> Result<bool, ChainError> {
		let (_, facts) = chain.runtime_version(None)?;
		if facts == self.live.facts {
			return Ok(false);
		}
		let at = chain.best_hash()?;
		let live = load(chain, &self.compiled, at)?;
		info!(
			target: LOG_TARGET,
			"runtime upgraded: v{} -> v{} (transaction version {} -> {}); the calls this agent uses are unchanged, carrying on",
			self.live.facts.spec_version,
			live.facts.spec_version,
			self.live.facts.transaction_version,
			live.facts.transaction_version
		);
		self.live = live;
		Ok(true)
	}

	/// The events of block `hash` that this agent understands.
	pub fn events(&self, chain: &Chain, hash: Hash) -> Result<Vec<EventRecord>, ChainError> {
		match chain.events_raw(hash)? {
			None => Ok(Vec::new()),
			Some(bytes) => decode_events(&self.live.types, &self.live.compat, &bytes)
				.map_err(|e| ChainError::Decode("events", e)),
		}
	}
}

/// Decodes `System.Events` bytes: all at once when the live event type is the compiled one,
/// else record by record, skipping records whose layout changed. Bytes that do not fit the
/// live layout (a block executed before the upgrade) are tried with the compiled layout.
pub fn decode_events(
	types: &PortableRegistry,
	compat: &Compatibility,
	bytes: &[u8],
) -> Result<Vec<EventRecord>, String> {
	if compat.same_events {
		if let Ok(all) = Vec::<EventRecord>::decode_all(&mut &bytes[..]) {
			return Ok(all);
		}
	}
	let records =
		match split_sequence(types, compat.events_ty, bytes) {
			Ok(records) => records,
			Err(live) => {
				return Vec::<EventRecord>::decode_all(&mut &bytes[..]).map_err(|compiled| {
					format!("events fit neither the live layout ({live}) nor the compiled one ({compiled})")
				})
			}
		};
	let mut out = Vec::with_capacity(records.len());
	for record in records {
		let tags = variant_path(types, compat.record_ty, "event", record, 2).unwrap_or_default();
		let known = matches!(tags.as_slice(), [p, e] if compat.known_events.contains(&(*p, *e)));
		match known.then(|| EventRecord::decode_all(&mut &record[..])) {
			Some(Ok(event)) => out.push(event),
			_ => {
				debug!(target: LOG_TARGET, "skipping an event this agent does not know ({tags:?})")
			}
		}
	}
	Ok(out)
}
