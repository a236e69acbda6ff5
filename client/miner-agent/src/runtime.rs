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

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		metadata::{
			check, compiled,
			tests::{event_ty, primitive, variants_mut},
		},
		scale_walk::split_sequence,
	};
	use cess_runtime::{AccountId, RuntimeEvent};
	use codec::{Compact, Encode};
	use frame_system::DispatchEventInfo;
	use frame_system::Phase;
	use scale_info::TypeDefPrimitive;
	use sp_core::H256;
	use sp_runtime::{DispatchError, ModuleError};

	fn record(phase: Phase, event: RuntimeEvent, topics: Vec<H256>) -> EventRecord {
		EventRecord { phase, event, topics }
	}

	/// Records of six pallets, with options, arrays, a module error and topics.
	fn native_records() -> Vec<EventRecord> {
		let (a, b) = (AccountId::from([1u8; 32]), AccountId::from([2u8; 32]));
		vec![
			record(
				Phase::Initialization,
				RuntimeEvent::Audit(pallet_audit::Event::RoundOpened {
					round: 7,
					seed: [9u8; 32],
					deadline: 130,
					window: 30,
				}),
				vec![],
			),
			record(
				Phase::ApplyExtrinsic(1),
				RuntimeEvent::Balances(pallet_balances::Event::Transfer {
					from: a.clone(),
					to: b.clone(),
					amount: 12_345_678_901_234_567_890,
				}),
				vec![H256::repeat_byte(3)],
			),
			record(
				Phase::ApplyExtrinsic(1),
				RuntimeEvent::FileBank(pallet_file_bank::Event::FragmentReassigned {
					file: H256::repeat_byte(4),
					fragment: 2,
					replica: 1,
					from: Some(a.clone()),
					to: None,
				}),
				vec![],
			),
			record(
				Phase::ApplyExtrinsic(1),
				RuntimeEvent::StorageMiner(pallet_storage_miner::Event::RewardsClaimed {
					miner: a.clone(),
					beneficiary: b,
					paid: 5,
					unpaid: 0,
					orders_completed: 1,
				}),
				vec![],
			),
			record(
				Phase::ApplyExtrinsic(1),
				RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess {
					dispatch_info: DispatchEventInfo::default(),
				}),
				vec![],
			),
			record(
				Phase::ApplyExtrinsic(2),
				RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
					dispatch_error: DispatchError::Module(ModuleError {
						index: 21,
						error: [3, 0, 0, 0],
						message: None,
					}),
					dispatch_info: DispatchEventInfo::default(),
				}),
				vec![],
			),
			record(
				Phase::Finalization,
				RuntimeEvent::Audit(pallet_audit::Event::ProofVerified {
					miner: a,
					round: 7,
					idle: pallet_audit::PartResult::Passed,
					service: pallet_audit::PartResult::NotChallenged,
					power: 1 << 70,
					cycle: 3,
				}),
				vec![],
			),
		]
	}

	#[test]
	fn the_walker_cuts_native_events_into_the_same_records() {
		let m = compiled().unwrap();
		let mut compat = check(&m, &m, 100).unwrap();
		let records = native_records();
		let bytes = records.encode();
		let ranges = split_sequence(&m.types, compat.events_ty, &bytes).unwrap();
		assert_eq!(ranges.len(), records.len());
		for (range, original) in ranges.iter().zip(&records) {
			assert_eq!(*range, original.encode().as_slice());
		}
		// Walking (not the all-at-once fast path) yields every record unchanged.
		compat.same_events = false;
		assert_eq!(decode_events(&m.types, &compat, &bytes).unwrap(), records);
		compat.same_events = true;
		assert_eq!(decode_events(&m.types, &compat, &bytes).unwrap(), records);
	}

	#[test]
	fn events_a_new_runtime_added_are_skipped_and_the_rest_is_read() {
		let compiled = compiled().unwrap();
		let mut live = compiled.clone();
		// The upgrade adds `Balances::Upgraded { amount: u64 }` as event 250.
		let u64_ty = primitive(&live, TypeDefPrimitive::U64);
		let balances = event_ty(&live, "Balances");
		let events = variants_mut(&mut live, balances);
		let mut new = events[0].clone();
		(new.name, new.index) = ("Upgraded".into(), 250);
		new.fields.truncate(1);
		new.fields[0].ty = u64_ty.into();
		events.push(new);
		let compat = check(&compiled, &live, 101).unwrap();

		let records = native_records();
		// Live bytes: the native records with the new event after the second one.
		let mut unknown = Phase::ApplyExtrinsic(1).encode();
		unknown.extend([5u8, 250]);
		unknown.extend(77u64.encode());
		unknown.extend(vec![H256::repeat_byte(8)].encode());
		let mut bytes = Compact(records.len() as u32 + 1).encode();
		for (i, r) in records.iter().enumerate() {
			bytes.extend(r.encode());
			if i == 1 {
				bytes.extend(&unknown);
			}
		}
		// The compiled type alone cannot read this block at all...
		assert!(Vec::<EventRecord>::decode_all(&mut &bytes[..]).is_err());
		// ...the walker skips exactly the unknown record.
		assert_eq!(decode_events(&live.types, &compat, &bytes).unwrap(), records);
	}

	#[test]
	fn a_block_from_before_the_upgrade_is_read_with_the_compiled_layout() {
		let compiled = compiled().unwrap();
		let mut live = compiled.clone();
		// The new runtime gives `Balances::Transfer` a fourth field: old bytes do not walk.
		let balances = event_ty(&live, "Balances");
		let transfer =
			variants_mut(&mut live, balances).iter_mut().find(|v| v.name == "Transfer").unwrap();
		let extra = transfer.fields[2].clone();
		transfer.fields.push(extra);
		let compat = check(&compiled, &live, 101).unwrap();
		assert_eq!(compat.unknown_events, vec!["balances.Transfer".to_string()]);
		let records = native_records();
		let bytes = records.encode();
		assert!(split_sequence(&live.types, compat.events_ty, &bytes).is_err());
		assert_eq!(decode_events(&live.types, &compat, &bytes).unwrap(), records);
		// Garbage fits neither layout and is reported, not misread.
		let err = decode_events(&live.types, &compat, &[8, 0, 1, 2]).unwrap_err();
		assert!(err.starts_with("events fit neither the live layout"), "{err}");
	}
}
