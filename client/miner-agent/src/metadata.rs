//! Is the live runtime still the one this agent speaks? A check against live metadata.
//!
//! The agent encodes calls, transaction extensions and runtime-API arguments with the types
//! it was compiled with. A runtime upgrade keeps them valid as long as their layout did not
//! change, which the live metadata (V15) tells: for each thing the agent uses, the pallet and
//! call indices and a *shape hash* of the types involved are compared with the compiled
//! runtime's own metadata. The shape hash covers how a type encodes (composites, variants
//! with their indices, sequences, arrays, tuples, primitives, compacts, bit sequences) and
//! the field and variant names, but not docs or Rust type paths, so a moved or renamed
//! Rust type does not stop the agent while a changed field does.

use codec::Decode;
use frame_metadata::{
	v15::{RuntimeMetadataV15, StorageEntryType},
	RuntimeMetadata, RuntimeMetadataPrefixed,
};
use scale_info::{form::PortableForm, Field, PortableRegistry, TypeDef};
use std::collections::{BTreeSet, HashMap};

/// The calls the agent sends: (pallet, call).
pub const CALLS: [(&str, &str); 5] = [
	("StorageMiner", "register"),
	("StorageMiner", "commit_idle"),
	("StorageMiner", "claim_rewards"),
	("Audit", "submit_proof"),
	("FileBank", "confirm_fragment"),
];

/// The runtime-API methods the agent (and the user client, through [`crate::chain::Chain`])
/// calls: (API, method), as in `state_call`'s `API_method`.
pub const APIS: [(&str, &str); 7] = [
	("StorageMinerApi", "miner_info"),
	("StorageMinerApi", "collateral_requirement"),
	("StorageMinerRewardsApi", "rewards"),
	("AuditApi", "miner_challenge"),
	("FileBankApi", "file_placement"),
	("FileBankApi", "miner_fragments"),
	("FileBankApi", "lease"),
];

/// Events the agent acts on (not only logs): a transaction's outcome, and a replica moved
/// to this miner. If one of them changed the agent must stop; other events it does not
/// understand it skips.
pub const NEEDED_EVENTS: [(&str, &str); 3] = [
	("System", "ExtrinsicSuccess"),
	("System", "ExtrinsicFailed"),
	("FileBank", "FragmentReassigned"),
];

/// The metadata version the agent reads (the first with runtime APIs).
pub const METADATA_VERSION: u32 = 15;

/// Decodes a `RuntimeMetadataPrefixed` that must be V15.
pub fn decode_v15(bytes: &[u8]) -> Result<RuntimeMetadataV15, String> {
	match RuntimeMetadataPrefixed::decode(&mut &bytes[..]).map_err(|e| e.to_string())?.1 {
		RuntimeMetadata::V15(m) => Ok(m),
		_ => Err("not V15 metadata".into()),
	}
}

/// The compiled runtime's metadata, built natively. Building it evaluates the pallets'
/// constants, some of which read storage, so it runs in empty externalities (the values
/// differ from the chain's, the types do not).
pub fn compiled() -> Result<RuntimeMetadataV15, String> {
	let opaque = sp_io::TestExternalities::default()
		.execute_with(|| cess_runtime::Runtime::metadata_at_version(METADATA_VERSION))
		.ok_or("the compiled runtime has no V15 metadata")?;
	decode_v15(&opaque)
}

/// Shape hashes of one registry's types (see the module docs), memoised.
pub struct Shapes<'a> {
	registry: &'a PortableRegistry,
	memo: HashMap<u32, [u8; 32]>,
	visiting: Vec<u32>,
}

impl<'a> Shapes<'a> {
	/// Shapes of `registry`'s types.
	pub fn new(registry: &'a PortableRegistry) -> Self {
		Self { registry, memo: HashMap::new(), visiting: Vec::new() }
	}

	/// The shape hash of type `id`. A recursive type refers back to its ancestor by depth,
	/// so equal structures hash equal in both registries whatever their ids.
	pub fn of(&mut self, id: u32) -> [u8; 32] {
		if let Some(hash) = self.memo.get(&id) {
			return *hash;
		}
		if let Some(pos) = self.visiting.iter().position(|v| *v == id) {
			let back = (self.visiting.len() - pos) as u32;
			return sp_crypto_hashing::blake2_256(
				&[b"rec".as_slice(), &back.to_le_bytes()].concat(),
			);
		}
		if self.visiting.len() > 128 {
			return sp_crypto_hashing::blake2_256(b"too deep");
		}
		self.visiting.push(id);
		let mut out = Vec::new();
		match self.registry.resolve(id).map(|t| &t.type_def) {
			None => out.extend_from_slice(b"missing"),
			Some(TypeDef::Composite(c)) => {
				out.push(b'C');
				self.fields(&mut out, &c.fields);
			}
			Some(TypeDef::Variant(v)) => {
				out.push(b'V');
				let mut variants: Vec<_> = v.variants.iter().collect();
				variants.sort_by_key(|v| v.index);
				for variant in variants {
					out.push(variant.index);
					name(&mut out, Some(&variant.name));
					self.fields(&mut out, &variant.fields);
				}
			}
			Some(TypeDef::Sequence(s)) => {
				out.push(b'S');
				out.extend_from_slice(&self.of(s.type_param.id));
			}
			Some(TypeDef::Array(a)) => {
				out.push(b'A');
				out.extend_from_slice(&a.len.to_le_bytes());
				out.extend_from_slice(&self.of(a.type_param.id));
			}
			Some(TypeDef::Tuple(t)) => {
				out.push(b'T');
				out.extend_from_slice(&(t.fields.len() as u32).to_le_bytes());
				for f in &t.fields {
					out.extend_from_slice(&self.of(f.id));
				}
			}
			Some(TypeDef::Primitive(p)) => {
				out.push(b'P');
				out.extend_from_slice(format!("{p:?}").as_bytes());
			}
			Some(TypeDef::Compact(c)) => {
				out.push(b'K');
				out.extend_from_slice(&self.of(c.type_param.id));
			}
			Some(TypeDef::BitSequence(b)) => {
				out.push(b'B');
				out.extend_from_slice(&self.of(b.bit_store_type.id));
				// The bit order types are empty structs told apart only by their path.
				let order = self.registry.resolve(b.bit_order_type.id);
				let path = order.map(|t| t.path.segments.join("::")).unwrap_or_default();
				out.extend_from_slice(path.as_bytes());
			}
		}
		self.visiting.pop();
		let hash = sp_crypto_hashing::blake2_256(&out);
		self.memo.insert(id, hash);
		hash
	}

	fn fields(&mut self, out: &mut Vec<u8>, fields: &[Field<PortableForm>]) {
		out.extend_from_slice(&(fields.len() as u32).to_le_bytes());
		for f in fields {
			name(out, f.name.as_deref());
			out.extend_from_slice(&self.of(f.ty.id));
		}
	}
}

fn name(out: &mut Vec<u8>, name: Option<&str>) {
	let name = name.unwrap_or("");
	out.extend_from_slice(&(name.len() as u32).to_le_bytes());
	out.extend_from_slice(name.as_bytes());
}

/// `StorageMiner` → `storageMiner`, the way polkadot.js and operators name pallets.
fn lower(pallet: &str) -> String {
	let mut chars = pallet.chars();
	chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// What the agent may rely on in a compatible live runtime.
#[derive(Debug, Clone)]
pub struct Compatibility {
	/// (pallet index, event index) of every live event whose layout equals the compiled one.
	pub known_events: BTreeSet<(u8, u8)>,
	/// Whether the whole event type is unchanged (then events decode without walking).
	pub same_events: bool,
	/// Live type id of `System.Events` (a `Vec` of event records).
	pub events_ty: u32,
	/// Live type id of one event record.
	pub record_ty: u32,
	/// Events the agent will skip, as `pallet.Event`, for one log line.
	pub unknown_events: Vec<String>,
}

/// Compares everything the agent uses in `live` (runtime `spec_version`) with `compiled`.
/// `Err` names each change, e.g. "audit.submit_proof changed in runtime v101: argument 1
/// (proof) type differs; upgrade the agent".
pub fn check(
	compiled: &RuntimeMetadataV15,
	live: &RuntimeMetadataV15,
	spec_version: u32,
) -> Result<Compatibility, String> {
	let mut c = Shapes::new(&compiled.types);
	let mut l = Shapes::new(&live.types);
	let mut problems = Vec::new();
	let mut changed = |what: String, detail: String| {
		problems.push(format!("{what} changed in runtime v{spec_version}: {detail}"))
	};

	for (pallet, call) in CALLS {
		let what = format!("{}.{call}", lower(pallet));
		if let Err(detail) = compare_call(compiled, live, &mut c, &mut l, pallet, call) {
			changed(what, detail);
		}
	}
	if let Err(detail) = compare_extrinsic(compiled, live, &mut c, &mut l) {
		changed("the transaction format".into(), detail);
	}
	for (api, method) in APIS {
		if let Err(detail) = compare_api(compiled, live, &mut c, &mut l, api, method) {
			changed(format!("runtime API {api}_{method}"), detail);
		}
	}
	let events = match compare_events(compiled, live, &mut c, &mut l) {
		Ok(events) => Some(events),
		Err(detail) => {
			changed("system.Events".into(), detail);
			None
		}
	};
	if let Some(compat) = &events {
		for (pallet, event) in NEEDED_EVENTS {
			let known = event_indices(live, pallet, event)
				.is_some_and(|index| compat.known_events.contains(&index));
			if !known {
				changed(
					format!("event {}.{event}", lower(pallet)),
					"gone or its fields differ".into(),
				);
			}
		}
	}
	match events {
		Some(events) if problems.is_empty() => Ok(events),
		_ => Err(format!(
			"{}; upgrade the agent (built for v{})",
			problems.join("; "),
			cess_runtime::VERSION.spec_version
		)),
	}
}

/// Checks further `calls` and runtime-API `apis` (used by other clients built on this crate,
/// e.g. the CD²N node) the way [`check`] checks the agent's own.
pub fn check_uses(
	compiled: &RuntimeMetadataV15,
	live: &RuntimeMetadataV15,
	calls: &[(&str, &str)],
	apis: &[(&str, &str)],
) -> Result<(), String> {
	let mut c = Shapes::new(&compiled.types);
	let mut l = Shapes::new(&live.types);
	let mut problems = Vec::new();
	for (pallet, call) in calls {
		if let Err(d) = compare_call(compiled, live, &mut c, &mut l, pallet, call) {
			problems.push(format!("{}.{call}: {d}", lower(pallet)));
		}
	}
	for (api, method) in apis {
		if let Err(d) = compare_api(compiled, live, &mut c, &mut l, api, method) {
			problems.push(format!("runtime API {api}_{method}: {d}"));
		}
	}
	if problems.is_empty() {
		Ok(())
	} else {
		Err(format!("the live runtime changed: {}", problems.join("; ")))
	}
}

fn compare_call(
	compiled: &RuntimeMetadataV15,
	live: &RuntimeMetadataV15,
	c: &mut Shapes,
	l: &mut Shapes,
	pallet: &str,
	call: &str,
) -> Result<(), String> {
	let (ci, Some(cv)) =
		find_call(compiled, pallet, call).ok_or("the compiled runtime lacks it")?
	else {
		return Err("the compiled runtime lacks it".into());
	};
	let (li, lv) =
		find_call(live, pallet, call).ok_or(format!("pallet {pallet} or its calls are gone"))?;
	let lv = lv.ok_or("the call is gone")?;
	if ci != li {
		return Err(format!("pallet index {ci} -> {li}"));
	}
	if cv.index != lv.index {
		return Err(format!("call index {} -> {}", cv.index, lv.index));
	}
	compare_fields("argument", &cv.fields, &lv.fields, c, l)
}

/// The pallet index of `pallet` and its call variant `call`, if any.
fn find_call<'a>(
	m: &'a RuntimeMetadataV15,
	pallet: &str,
	call: &str,
) -> Option<(u8, Option<&'a scale_info::Variant<PortableForm>>)> {
	let p = m.pallets.iter().find(|p| p.name == pallet)?;
	let ty = m.types.resolve(p.calls.as_ref()?.ty.id)?;
	let TypeDef::Variant(v) = &ty.type_def else { return None };
	Some((p.index, v.variants.iter().find(|v| v.name == call)))
}

fn compare_fields(
	noun: &str,
	compiled: &[Field<PortableForm>],
	live: &[Field<PortableForm>],
	c: &mut Shapes,
	l: &mut Shapes,
) -> Result<(), String> {
	if compiled.len() != live.len() {
		return Err(format!("{noun} count {} -> {}", compiled.len(), live.len()));
	}
	for (i, (cf, lf)) in compiled.iter().zip(live).enumerate() {
		let label = cf.name.as_deref().unwrap_or("");
		if cf.name != lf.name {
			return Err(format!(
				"{noun} {i} renamed {label} -> {}",
				lf.name.as_deref().unwrap_or("")
			));
		}
		if c.of(cf.ty.id) != l.of(lf.ty.id) {
			return Err(format!("{noun} {i} ({label}) type differs"));
		}
	}
	Ok(())
}

fn compare_extrinsic(
	compiled: &RuntimeMetadataV15,
	live: &RuntimeMetadataV15,
	c: &mut Shapes,
	l: &mut Shapes,
) -> Result<(), String> {
	let (ce, le) = (&compiled.extrinsic, &live.extrinsic);
	if ce.version != le.version {
		return Err(format!("extrinsic version {} -> {}", ce.version, le.version));
	}
	if c.of(ce.address_ty.id) != l.of(le.address_ty.id) {
		return Err("the address type differs".into());
	}
	if c.of(ce.signature_ty.id) != l.of(le.signature_ty.id) {
		return Err("the signature type differs".into());
	}
	let names = |e: &frame_metadata::v15::ExtrinsicMetadata<PortableForm>| {
		e.signed_extensions.iter().map(|x| x.identifier.clone()).collect::<Vec<_>>()
	};
	if names(ce) != names(le) {
		return Err(format!(
			"transaction extensions [{}] -> [{}]",
			names(ce).join(", "),
			names(le).join(", ")
		));
	}
	for (cx, lx) in ce.signed_extensions.iter().zip(&le.signed_extensions) {
		if c.of(cx.ty.id) != l.of(lx.ty.id)
			|| c.of(cx.additional_signed.id) != l.of(lx.additional_signed.id)
		{
			return Err(format!("transaction extension {} differs", cx.identifier));
		}
	}
	Ok(())
}

fn compare_api(
	compiled: &RuntimeMetadataV15,
	live: &RuntimeMetadataV15,
	c: &mut Shapes,
	l: &mut Shapes,
	api: &str,
	method: &str,
) -> Result<(), String> {
	let find = |m: &RuntimeMetadataV15| {
		m.apis.iter().find(|a| a.name == api)?.methods.iter().find(|x| x.name == method).cloned()
	};
	let cm = find(compiled).ok_or("the compiled runtime lacks it")?;
	let lm = find(live).ok_or("the method is gone")?;
	if cm.inputs.len() != lm.inputs.len() {
		return Err(format!("input count {} -> {}", cm.inputs.len(), lm.inputs.len()));
	}
	for (i, (ci, li)) in cm.inputs.iter().zip(&lm.inputs).enumerate() {
		if c.of(ci.ty.id) != l.of(li.ty.id) {
			return Err(format!("input {i} ({}) type differs", ci.name));
		}
	}
	if c.of(cm.output.id) != l.of(lm.output.id) {
		return Err("the output type differs".into());
	}
	Ok(())
}

/// `System.Events`' type ids: (the `Vec`, one record, the record's `event` field).
fn events_types(m: &RuntimeMetadataV15) -> Option<(u32, u32, u32)> {
	let system = m.pallets.iter().find(|p| p.name == "System")?;
	let entry = system.storage.as_ref()?.entries.iter().find(|e| e.name == "Events")?;
	let StorageEntryType::Plain(vec) = &entry.ty else { return None };
	let TypeDef::Sequence(s) = &m.types.resolve(vec.id)?.type_def else { return None };
	let TypeDef::Composite(record) = &m.types.resolve(s.type_param.id)?.type_def else {
		return None;
	};
	let event = record.fields.iter().find(|f| f.name.as_deref() == Some("event"))?;
	Some((vec.id, s.type_param.id, event.ty.id))
}

fn compare_events(
	compiled: &RuntimeMetadataV15,
	live: &RuntimeMetadataV15,
	c: &mut Shapes,
	l: &mut Shapes,
) -> Result<Compatibility, String> {
	let (_, c_record, c_event) = events_types(compiled).ok_or("the compiled runtime lacks it")?;
	let (events_ty, record_ty, l_event) = events_types(live).ok_or("the storage entry is gone")?;
	// The record around the event (phase, topics) must be unchanged.
	let record_fields = |m: &RuntimeMetadataV15, id: u32| match m.types.resolve(id) {
		Some(t) => match &t.type_def {
			TypeDef::Composite(r) => r.fields.clone(),
			_ => Vec::new(),
		},
		None => Vec::new(),
	};
	let (cf, lf) = (record_fields(compiled, c_record), record_fields(live, record_ty));
	if cf.len() != lf.len() {
		return Err("the event record layout differs".into());
	}
	for (cx, lx) in cf.iter().zip(&lf) {
		if cx.name != lx.name {
			return Err("the event record layout differs".into());
		}
		if cx.name.as_deref() != Some("event") && c.of(cx.ty.id) != l.of(lx.ty.id) {
			return Err(format!(
				"the event record's {} differs",
				cx.name.as_deref().unwrap_or("field")
			));
		}
	}
	let pallets = |m: &RuntimeMetadataV15, id: u32| match m.types.resolve(id).map(|t| &t.type_def) {
		Some(TypeDef::Variant(v)) => v.variants.clone(),
		_ => Vec::new(),
	};
	let compiled_pallets = pallets(compiled, c_event);
	let mut known_events = BTreeSet::new();
	let mut unknown_events = Vec::new();
	for lp in pallets(live, l_event) {
		let cp = compiled_pallets.iter().find(|p| p.index == lp.index && p.name == lp.name);
		let inner = |m: &RuntimeMetadataV15, p: Option<&scale_info::Variant<PortableForm>>| {
			let [only] = p?.fields.as_slice() else { return None };
			match &m.types.resolve(only.ty.id)?.type_def {
				TypeDef::Variant(v) => Some(v.variants.clone()),
				_ => None,
			}
		};
		let c_inner = inner(compiled, cp).unwrap_or_default();
		for lv in inner(live, Some(&lp)).unwrap_or_default() {
			let same = c_inner
				.iter()
				.find(|v| v.index == lv.index && v.name == lv.name)
				.is_some_and(|cv| compare_fields("field", &cv.fields, &lv.fields, c, l).is_ok());
			if same {
				known_events.insert((lp.index, lv.index));
			} else {
				unknown_events.push(format!("{}.{}", lower(&lp.name), lv.name));
			}
		}
	}
	Ok(Compatibility {
		same_events: c.of(c_event) == l.of(l_event) && unknown_events.is_empty(),
		known_events,
		events_ty,
		record_ty,
		unknown_events,
	})
}

/// (pallet index, event index) of `pallet.event` in `m`.
fn event_indices(m: &RuntimeMetadataV15, pallet: &str, event: &str) -> Option<(u8, u8)> {
	let p = m.pallets.iter().find(|p| p.name == pallet)?;
	let TypeDef::Variant(v) = &m.types.resolve(p.event.as_ref()?.ty.id)?.type_def else {
		return None;
	};
	Some((p.index, v.variants.iter().find(|v| v.name == event)?.index))
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;
	use scale_info::TypeDefPrimitive;

	/// The id of the first type in `m` that is the primitive `p`.
	pub(crate) fn primitive(m: &RuntimeMetadataV15, p: TypeDefPrimitive) -> u32 {
		m.types.types.iter().find(|t| t.ty.type_def == TypeDef::Primitive(p.clone())).unwrap().id
	}

	/// The variants of type `id`, to edit.
	pub(crate) fn variants_mut(
		m: &mut RuntimeMetadataV15,
		id: u32,
	) -> &mut Vec<scale_info::Variant<PortableForm>> {
		match &mut m.types.types[id as usize].ty.type_def {
			TypeDef::Variant(v) => &mut v.variants,
			_ => panic!("type {id} is not an enum"),
		}
	}

	fn call_ty(m: &RuntimeMetadataV15, pallet: &str) -> u32 {
		m.pallets.iter().find(|p| p.name == pallet).unwrap().calls.as_ref().unwrap().ty.id
	}

	pub(crate) fn event_ty(m: &RuntimeMetadataV15, pallet: &str) -> u32 {
		m.pallets.iter().find(|p| p.name == pallet).unwrap().event.as_ref().unwrap().ty.id
	}

	#[test]
	fn the_compiled_runtime_is_compatible_with_itself() {
		let m = compiled().unwrap();
		let compat = check(&m, &m, 100).unwrap();
		assert!(compat.same_events);
		assert!(compat.unknown_events.is_empty());
		// Every event of every pallet is known: count them in the metadata.
		let total: usize = m
			.pallets
			.iter()
			.filter_map(|p| p.event.as_ref())
			.map(|e| match &m.types.resolve(e.ty.id).unwrap().type_def {
				TypeDef::Variant(v) => v.variants.len(),
				_ => 0,
			})
			.sum();
		assert!(total > 40, "only {total} events");
		assert_eq!(compat.known_events.len(), total);
		// The audit pallet is index 21 in construct_runtime!, RoundOpened its event 0.
		assert_eq!(event_indices(&m, "Audit", "RoundOpened"), Some((21, 0)));
		assert!(compat.known_events.contains(&(21, 0)));
	}

	#[test]
	fn every_call_and_api_the_agent_uses_exists() {
		let m = compiled().unwrap();
		for (pallet, call) in CALLS {
			assert!(matches!(find_call(&m, pallet, call), Some((_, Some(_)))), "{pallet}.{call}");
		}
		for (api, method) in APIS {
			let found = m
				.apis
				.iter()
				.find(|a| a.name == api)
				.is_some_and(|a| a.methods.iter().any(|x| x.name == method));
			assert!(found, "{api}_{method}");
		}
	}

	/// The lists above are what the check covers: every call the agent builds and every
	/// runtime API it calls must be on them (read from the sources, so a new one cannot be
	/// forgotten).
	#[test]
	fn the_lists_cover_every_call_and_api_in_the_sources() {
		let mut calls = Vec::new();
		for src in [include_str!("agent.rs"), include_str!("fetch.rs"), include_str!("server.rs")] {
			for piece in src.split("RuntimeCall::").skip(1) {
				let pallet: String = piece.chars().take_while(|c| c.is_alphanumeric()).collect();
				let call = piece.split("::Call::").nth(1).unwrap_or_default();
				let call: String =
					call.chars().take_while(|c| *c == '_' || c.is_alphanumeric()).collect();
				calls.push((pallet, call));
			}
		}
		calls.sort();
		let mut listed: Vec<_> =
			CALLS.iter().map(|(p, c)| (p.to_string(), c.to_string())).collect();
		listed.sort();
		assert_eq!(calls, listed);

		let mut apis: Vec<String> = include_str!("chain.rs")
			.split('"')
			.filter(|s| s.contains("Api_") && !s.contains(' '))
			.map(String::from)
			.collect();
		apis.sort();
		let mut listed: Vec<String> = APIS.iter().map(|(a, m)| format!("{a}_{m}")).collect();
		listed.sort();
		assert_eq!(apis, listed);
	}

	#[test]
	fn a_changed_argument_type_is_named() {
		let compiled = compiled().unwrap();
		let mut live = compiled.clone();
		let u64_ty = primitive(&live, TypeDefPrimitive::U64);
		let audit = call_ty(&live, "Audit");
		let submit = variants_mut(&mut live, audit).iter_mut().find(|v| v.name == "submit_proof");
		submit.unwrap().fields[1].ty = u64_ty.into();
		assert_eq!(
			check(&compiled, &live, 101).unwrap_err(),
			"audit.submit_proof changed in runtime v101: argument 1 (proof) type differs; \
			 upgrade the agent (built for v100)"
		);
	}

	#[test]
	fn a_moved_call_a_renamed_argument_and_a_gone_call_are_named() {
		let compiled = compiled().unwrap();
		let mut live = compiled.clone();
		let miner = call_ty(&live, "StorageMiner");
		let calls = variants_mut(&mut live, miner);
		let commit = calls.iter().position(|v| v.name == "commit_idle").unwrap();
		let old = calls[commit].index;
		calls[commit].index = 200;
		let register = calls.iter_mut().find(|v| v.name == "register").unwrap();
		register.fields[0].name = Some("payee".into());
		calls.retain(|v| v.name != "claim_rewards");
		assert_eq!(
			check(&compiled, &live, 102).unwrap_err(),
			format!(
				"storageMiner.register changed in runtime v102: argument 0 renamed beneficiary -> \
				 payee; storageMiner.commit_idle changed in runtime v102: call index {old} -> \
				 200; storageMiner.claim_rewards changed in runtime v102: the call is gone; \
				 upgrade the agent (built for v100)"
			)
		);
	}

	#[test]
	fn changed_transaction_extensions_and_apis_are_named() {
		let compiled = compiled().unwrap();
		let mut live = compiled.clone();
		let last = live.extrinsic.signed_extensions.pop().unwrap();
		assert_eq!(last.identifier, "CheckProof");
		let u64_ty = primitive(&live, TypeDefPrimitive::U64);
		let api = live.apis.iter_mut().find(|a| a.name == "AuditApi").unwrap();
		api.methods.iter_mut().find(|x| x.name == "miner_challenge").unwrap().output =
			u64_ty.into();
		let err = check(&compiled, &live, 103).unwrap_err();
		assert!(
			err.starts_with(
				"the transaction format changed in runtime v103: transaction extensions \
				 [AuthorizeCall, CheckNonZeroSender, CheckSpecVersion, CheckTxVersion, CheckGenesis, \
				 CheckMortality, CheckNonce, CheckWeight, ChargeTransactionPayment, CheckProof] -> \
				 [AuthorizeCall, CheckNonZeroSender"
			),
			"{err}"
		);
		assert!(
			err.ends_with(
				"runtime API AuditApi_miner_challenge changed in runtime v103: the output type \
				 differs; upgrade the agent (built for v100)"
			),
			"{err}"
		);
	}

	#[test]
	fn a_new_event_elsewhere_is_skipped_but_a_needed_event_change_stops() {
		let compiled = compiled().unwrap();
		let mut live = compiled.clone();
		let u64_ty = primitive(&live, TypeDefPrimitive::U64);
		let balances = event_ty(&live, "Balances");
		let events = variants_mut(&mut live, balances);
		let mut new = events[0].clone();
		new.name = "Upgraded".into();
		new.index = 250;
		new.fields.truncate(1);
		new.fields[0].ty = u64_ty.into();
		events.push(new);
		let compat = check(&compiled, &live, 101).unwrap();
		assert!(!compat.same_events);
		assert_eq!(compat.unknown_events, vec!["balances.Upgraded".to_string()]);
		assert!(!compat.known_events.contains(&(5, 250)));
		assert!(compat.known_events.contains(&(5, 0)));

		// FragmentReassigned is how a replica moved here is learnt: a change stops the agent.
		let file_bank = event_ty(&live, "FileBank");
		let moved = variants_mut(&mut live, file_bank)
			.iter_mut()
			.find(|v| v.name == "FragmentReassigned")
			.unwrap();
		moved.fields[2].ty = u64_ty.into();
		assert_eq!(
			check(&compiled, &live, 101).unwrap_err(),
			"event fileBank.FragmentReassigned changed in runtime v101: gone or its fields \
			 differ; upgrade the agent (built for v100)"
		);
	}

	#[test]
	fn shapes_ignore_docs_and_type_paths_but_not_layout() {
		let compiled = compiled().unwrap();
		let mut live = compiled.clone();
		for t in &mut live.types.types {
			t.ty.docs.clear();
			t.ty.path.segments.iter_mut().for_each(|s| s.push_str("_moved"));
		}
		assert!(check(&compiled, &live, 101).unwrap().same_events);
		let audit = call_ty(&compiled, "Audit");
		let (mut c, mut l) = (Shapes::new(&compiled.types), Shapes::new(&live.types));
		assert_eq!(c.of(audit), l.of(audit));
		let u32_ty = primitive(&live, TypeDefPrimitive::U32);
		live.types.types[u32_ty as usize].ty.type_def = TypeDef::Primitive(TypeDefPrimitive::U64);
		let mut l = Shapes::new(&live.types);
		assert_ne!(c.of(audit), l.of(audit));
	}
}
