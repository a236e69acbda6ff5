//! Walking SCALE bytes with a type registry, without decoding them.
//!
//! After a runtime upgrade the chain may encode types this agent was not compiled with (a
//! pallet gained an event, a field changed). The live metadata's [`PortableRegistry`] still
//! says how long every value is, so the agent can cut a block's `System.Events` into one byte
//! range per record and decode only the records whose layout it knows (see
//! [`crate::runtime`]).

use codec::{Compact, Decode};
use scale_info::{PortableRegistry, TypeDef, TypeDefPrimitive};

/// Nesting deeper than this is refused (no real runtime type comes close; it keeps hostile
/// or corrupt metadata from exhausting the stack).
const MAX_DEPTH: u32 = 128;

/// Why bytes could not be walked.
#[derive(Debug, PartialEq, Eq)]
pub enum WalkError {
	/// A type id the registry does not have.
	UnknownType(u32),
	/// The bytes ended inside a value.
	Eof,
	/// An enum byte names no variant of its type.
	BadVariant(u32, u8),
	/// A compact integer or a length could not be read.
	BadCompact,
	/// Types nest deeper than [`MAX_DEPTH`].
	TooDeep,
}

impl std::fmt::Display for WalkError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			WalkError::UnknownType(id) => write!(f, "type {id} not in the registry"),
			WalkError::Eof => write!(f, "bytes end inside a value"),
			WalkError::BadVariant(id, v) => write!(f, "type {id} has no variant {v}"),
			WalkError::BadCompact => write!(f, "bad compact integer"),
			WalkError::TooDeep => write!(f, "types nest deeper than {MAX_DEPTH}"),
		}
	}
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> Result<&'a [u8], WalkError> {
	if input.len() < n {
		return Err(WalkError::Eof);
	}
	let (head, rest) = input.split_at(n);
	*input = rest;
	Ok(head)
}

/// Reads a compact-encoded length (or any compact integer that fits `u64`).
pub fn read_compact_len(input: &mut &[u8]) -> Result<u64, WalkError> {
	Compact::<u64>::decode(input).map(|c| c.0).map_err(|_| WalkError::BadCompact)
}

/// Skips one compact integer of any width (`Compact<u128>` included) without decoding it.
fn skip_compact(input: &mut &[u8]) -> Result<(), WalkError> {
	let first = *input.first().ok_or(WalkError::Eof)?;
	let len = match first & 0b11 {
		0 => 1,
		1 => 2,
		2 => 4,
		_ => usize::from(first >> 2) + 5,
	};
	take(input, len).map(|_| ())
}

fn primitive_len(p: &TypeDefPrimitive) -> Option<usize> {
	Some(match p {
		TypeDefPrimitive::Bool | TypeDefPrimitive::U8 | TypeDefPrimitive::I8 => 1,
		TypeDefPrimitive::U16 | TypeDefPrimitive::I16 => 2,
		TypeDefPrimitive::U32 | TypeDefPrimitive::I32 | TypeDefPrimitive::Char => 4,
		TypeDefPrimitive::U64 | TypeDefPrimitive::I64 => 8,
		TypeDefPrimitive::U128 | TypeDefPrimitive::I128 => 16,
		TypeDefPrimitive::U256 | TypeDefPrimitive::I256 => 32,
		TypeDefPrimitive::Str => return None,
	})
}

/// Advances `input` past one value of type `id`.
pub fn skip(registry: &PortableRegistry, id: u32, input: &mut &[u8]) -> Result<(), WalkError> {
	skip_at(registry, id, input, 0)
}

fn skip_at(
	registry: &PortableRegistry,
	id: u32,
	input: &mut &[u8],
	depth: u32,
) -> Result<(), WalkError> {
	if depth > MAX_DEPTH {
		return Err(WalkError::TooDeep);
	}
	let ty = registry.resolve(id).ok_or(WalkError::UnknownType(id))?;
	let next = depth + 1;
	match &ty.type_def {
		TypeDef::Composite(c) => {
			c.fields.iter().try_for_each(|f| skip_at(registry, f.ty.id, input, next))
		}
		TypeDef::Variant(v) => {
			let index = *take(input, 1)?.first().ok_or(WalkError::Eof)?;
			let variant = v
				.variants
				.iter()
				.find(|var| var.index == index)
				.ok_or(WalkError::BadVariant(id, index))?;
			variant.fields.iter().try_for_each(|f| skip_at(registry, f.ty.id, input, next))
		}
		TypeDef::Sequence(s) => {
			let len = read_compact_len(input)?;
			skip_many(registry, s.type_param.id, len, input, next)
		}
		TypeDef::Array(a) => skip_many(registry, a.type_param.id, u64::from(a.len), input, next),
		TypeDef::Tuple(t) => t.fields.iter().try_for_each(|f| skip_at(registry, f.id, input, next)),
		TypeDef::Primitive(p) => match primitive_len(p) {
			Some(n) => take(input, n).map(|_| ()),
			None => {
				let len = read_compact_len(input)?;
				take(input, usize::try_from(len).map_err(|_| WalkError::Eof)?).map(|_| ())
			}
		},
		TypeDef::Compact(_) => skip_compact(input),
		TypeDef::BitSequence(b) => {
			let bits = read_compact_len(input)?;
			let store = match registry.resolve(b.bit_store_type.id).map(|t| &t.type_def) {
				Some(TypeDef::Primitive(p)) => primitive_len(p).unwrap_or(1) as u64,
				_ => return Err(WalkError::UnknownType(b.bit_store_type.id)),
			};
			let words = bits.div_ceil(store * 8);
			take(input, usize::try_from(words * store).map_err(|_| WalkError::Eof)?).map(|_| ())
		}
	}
}

/// Skips `len` values of type `id`; byte-sized elements are skipped in one step.
fn skip_many(
	registry: &PortableRegistry,
	id: u32,
	len: u64,
	input: &mut &[u8],
	depth: u32,
) -> Result<(), WalkError> {
	let ty = registry.resolve(id).ok_or(WalkError::UnknownType(id))?;
	if let TypeDef::Primitive(TypeDefPrimitive::U8 | TypeDefPrimitive::I8) = ty.type_def {
		return take(input, usize::try_from(len).map_err(|_| WalkError::Eof)?).map(|_| ());
	}
	if len > input.len() as u64 && !zero_sized(registry, id, 0) {
		// Every element takes at least one byte: a length beyond the input is corrupt.
		return Err(WalkError::Eof);
	}
	(0..len).try_for_each(|_| skip_at(registry, id, input, depth))
}

/// Whether values of `id` encode to no bytes (empty tuple, empty composite, ...).
fn zero_sized(registry: &PortableRegistry, id: u32, depth: u32) -> bool {
	if depth > MAX_DEPTH {
		return false;
	}
	let next = depth + 1;
	match registry.resolve(id).map(|t| &t.type_def) {
		Some(TypeDef::Composite(c)) => c.fields.iter().all(|f| zero_sized(registry, f.ty.id, next)),
		Some(TypeDef::Tuple(t)) => t.fields.iter().all(|f| zero_sized(registry, f.id, next)),
		Some(TypeDef::Array(a)) => a.len == 0 || zero_sized(registry, a.type_param.id, next),
		_ => false,
	}
}

/// Cuts an encoded `Vec<T>` (the registry's type `vec_id`) into one byte range per element.
pub fn split_sequence<'a>(
	registry: &PortableRegistry,
	vec_id: u32,
	bytes: &'a [u8],
) -> Result<Vec<&'a [u8]>, WalkError> {
	let element = match registry.resolve(vec_id).map(|t| &t.type_def) {
		Some(TypeDef::Sequence(s)) => s.type_param.id,
		_ => return Err(WalkError::UnknownType(vec_id)),
	};
	let mut input = bytes;
	let len = read_compact_len(&mut input)?;
	if len > input.len() as u64 {
		// Records are never empty: more of them than bytes left is corrupt.
		return Err(WalkError::Eof);
	}
	let mut out = Vec::new();
	for _ in 0..len {
		let before = input;
		skip(registry, element, &mut input)?;
		out.push(&before[..before.len() - input.len()]);
	}
	if !input.is_empty() {
		return Err(WalkError::Eof);
	}
	Ok(out)
}

/// The first byte of every variant-typed value on the path to the field named `field` of a
/// composite `id` (e.g. the pallet index and event index of an event record's `event`),
/// reading at most `depth` nested enum tags.
pub fn variant_path(
	registry: &PortableRegistry,
	id: u32,
	field: &str,
	record: &[u8],
	depth: usize,
) -> Result<Vec<u8>, WalkError> {
	let ty = registry.resolve(id).ok_or(WalkError::UnknownType(id))?;
	let TypeDef::Composite(c) = &ty.type_def else { return Err(WalkError::UnknownType(id)) };
	let mut input = record;
	for f in &c.fields {
		if f.name.as_deref() == Some(field) {
			return enum_tags(registry, f.ty.id, input, depth);
		}
		skip(registry, f.ty.id, &mut input)?;
	}
	Err(WalkError::UnknownType(id))
}

/// The tags of up to `depth` enums nested as single fields (`RuntimeEvent::Audit(Event::X)`).
fn enum_tags(
	registry: &PortableRegistry,
	mut id: u32,
	input: &[u8],
	depth: usize,
) -> Result<Vec<u8>, WalkError> {
	let mut tags = Vec::new();
	for &byte in input.iter().take(depth) {
		let Some(TypeDef::Variant(v)) = registry.resolve(id).map(|t| &t.type_def) else { break };
		let variant = v
			.variants
			.iter()
			.find(|var| var.index == byte)
			.ok_or(WalkError::BadVariant(id, byte))?;
		tags.push(byte);
		match variant.fields.as_slice() {
			[only] => id = only.ty.id,
			_ => break,
		}
	}
	Ok(tags)
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::Encode;
	use scale_info::{meta_type, Registry, TypeInfo};

	#[derive(Encode, TypeInfo)]
	enum Shape {
		Empty,
		Pair(u16, Option<bool>),
		Named { text: String, big: Compact<u128>, tail: [u8; 3] },
	}

	#[derive(Encode, TypeInfo)]
	struct Record {
		tag: u8,
		shapes: Vec<Shape>,
		nested: Vec<Vec<u32>>,
		unit: (),
		tuple: (i64, bool),
		bytes: Vec<u8>,
	}

	fn registry_of<T: TypeInfo + 'static>() -> (PortableRegistry, u32) {
		let mut registry = Registry::new();
		let id = registry.register_type(&meta_type::<T>()).id;
		(registry.into(), id)
	}

	fn sample() -> Record {
		Record {
			tag: 7,
			shapes: vec![
				Shape::Empty,
				Shape::Pair(513, Some(true)),
				Shape::Named { text: "élan".into(), big: Compact(u128::MAX), tail: [1, 2, 3] },
				Shape::Named { text: String::new(), big: Compact(63), tail: [0; 3] },
				Shape::Pair(0, None),
			],
			nested: vec![vec![], vec![1, 2, 3], vec![u32::MAX]],
			unit: (),
			tuple: (-5, true),
			bytes: vec![9; 300],
		}
	}

	#[test]
	fn skips_exactly_one_value_of_every_kind() {
		let (registry, id) = registry_of::<Record>();
		let bytes = sample().encode();
		let mut input = &bytes[..];
		skip(&registry, id, &mut input).unwrap();
		assert!(input.is_empty());
		// Every truncation is an error, never a silent short read.
		for cut in 0..bytes.len() {
			let mut input = &bytes[..cut];
			assert!(skip(&registry, id, &mut input).is_err(), "cut at {cut}");
		}
	}

	#[test]
	fn sequences_split_and_bad_input_is_refused() {
		let (registry, id) = registry_of::<Vec<Record>>();
		let items = vec![sample(), sample()];
		let bytes = items.encode();
		let parts = split_sequence(&registry, id, &bytes).unwrap();
		assert_eq!(parts, vec![items[0].encode().as_slice(), items[1].encode().as_slice()]);
		// Trailing bytes, an unknown variant and an absurd length are all refused.
		let mut trailing = bytes.clone();
		trailing.push(0);
		assert_eq!(split_sequence(&registry, id, &trailing), Err(WalkError::Eof));
		let mut bad = bytes.clone();
		bad[3] = 9; // the first shape's variant byte (len, tag, shapes len, variant)
		assert!(matches!(split_sequence(&registry, id, &bad), Err(WalkError::BadVariant(_, 9))));
		let huge = Compact(u64::MAX).encode();
		assert_eq!(split_sequence(&registry, id, &huge), Err(WalkError::Eof));
	}
}
