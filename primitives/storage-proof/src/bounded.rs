//! A minimal `Vec` with a compile-time length bound.
//!
//! Proof types travel as call arguments and must implement `MaxEncodedLen`, and a
//! decoder must refuse an over-long vector *before* allocating for it. `frame-support`'s
//! `BoundedVec` does exactly that but would pull the whole FRAME stack into this light
//! crate, so this is the same idea reduced to what the proofs need. The encoding is
//! identical to a `Vec<T>` (compact length prefix, then the items), so SCALE clients see
//! a plain vector.

use alloc::vec::Vec;
use codec::{Compact, Decode, DecodeWithMemTracking, Encode, EncodeLike, Input, MaxEncodedLen};
use core::ops::Deref;
use scale_info::{build::Fields, meta_type, Path, Type, TypeInfo, TypeParameter};

/// A vector holding at most `N` items; decoding rejects longer input without allocating.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BoundedVec<T, const N: u32>(Vec<T>);

/// The error returned when an operation would exceed the bound.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BoundExceeded;

impl<T, const N: u32> BoundedVec<T, N> {
	/// The bound, as a `usize` for comparisons with lengths.
	pub fn bound() -> usize {
		usize::try_from(N).unwrap_or(usize::MAX)
	}

	/// An empty vector.
	pub fn new() -> Self {
		Self(Vec::new())
	}

	/// Appends an item, failing (and leaving the vector unchanged) if it is full.
	pub fn try_push(&mut self, item: T) -> Result<(), BoundExceeded> {
		if self.0.len() >= Self::bound() {
			return Err(BoundExceeded);
		}
		self.0.push(item);
		Ok(())
	}

	/// The items as a slice.
	pub fn as_slice(&self) -> &[T] {
		&self.0
	}

	/// Gives the inner vector back.
	pub fn into_inner(self) -> Vec<T> {
		self.0
	}

	/// Mutable access to one item (the length cannot change through it).
	pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
		self.0.get_mut(index)
	}
}

impl<T, const N: u32> Default for BoundedVec<T, N> {
	fn default() -> Self {
		Self::new()
	}
}

impl<T, const N: u32> TryFrom<Vec<T>> for BoundedVec<T, N> {
	type Error = BoundExceeded;

	fn try_from(items: Vec<T>) -> Result<Self, BoundExceeded> {
		if items.len() > Self::bound() {
			return Err(BoundExceeded);
		}
		Ok(Self(items))
	}
}

impl<T, const N: u32> Deref for BoundedVec<T, N> {
	type Target = [T];

	fn deref(&self) -> &[T] {
		&self.0
	}
}

impl<T: Encode, const N: u32> Encode for BoundedVec<T, N> {
	fn size_hint(&self) -> usize {
		self.0.size_hint()
	}

	fn encode_to<W: codec::Output + ?Sized>(&self, dest: &mut W) {
		self.0.encode_to(dest)
	}
}

impl<T: Encode, const N: u32> EncodeLike for BoundedVec<T, N> {}

impl<T: Decode, const N: u32> Decode for BoundedVec<T, N> {
	fn decode<I: Input>(input: &mut I) -> Result<Self, codec::Error> {
		let len = <Compact<u32>>::decode(input)?.0;
		if len > N {
			return Err("BoundedVec: length exceeds its bound".into());
		}
		let len = usize::try_from(len).map_err(|_| codec::Error::from("BoundedVec: length"))?;
		let items = codec::decode_vec_with_len(input, len)?;
		Ok(Self(items))
	}
}

impl<T: DecodeWithMemTracking, const N: u32> DecodeWithMemTracking for BoundedVec<T, N> {}

impl<T: MaxEncodedLen, const N: u32> MaxEncodedLen for BoundedVec<T, N> {
	fn max_encoded_len() -> usize {
		Compact::<u32>::max_encoded_len()
			.saturating_add(Self::bound().saturating_mul(T::max_encoded_len()))
	}
}

impl<T: TypeInfo + 'static, const N: u32> TypeInfo for BoundedVec<T, N> {
	type Identity = Self;

	fn type_info() -> Type {
		Type::builder()
			.path(Path::new("BoundedVec", module_path!()))
			.type_params(alloc::vec![TypeParameter::new("T", Some(meta_type::<T>()))])
			.docs(&["A vector with a compile-time length bound, encoded as a `Vec<T>`."])
			.composite(Fields::unnamed().field(|f| f.ty::<Vec<T>>()))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	#[test]
	fn encodes_like_a_vec_and_rejects_overlong_input() {
		let v: BoundedVec<u16, 3> = BoundedVec::try_from(vec![1u16, 2, 3]).unwrap();
		assert_eq!(v.encode(), vec![1u16, 2, 3].encode());
		assert_eq!(BoundedVec::<u16, 3>::decode(&mut &v.encode()[..]).unwrap(), v);

		let long = vec![1u16, 2, 3, 4].encode();
		assert!(BoundedVec::<u16, 3>::decode(&mut &long[..]).is_err());
		assert!(BoundedVec::<u16, 3>::try_from(vec![0u16; 4]).is_err());

		// A huge claimed length is refused before any allocation.
		let bogus = Compact(u32::MAX).encode();
		assert!(BoundedVec::<u16, 3>::decode(&mut &bogus[..]).is_err());
	}

	#[test]
	fn push_respects_bound_and_max_len_is_exact() {
		let mut v: BoundedVec<u8, 2> = BoundedVec::new();
		assert_eq!(v.try_push(1), Ok(()));
		assert_eq!(v.try_push(2), Ok(()));
		assert_eq!(v.try_push(3), Err(BoundExceeded));
		assert_eq!(v.as_slice(), &[1, 2]);
		// compact(u32) is at most 5 bytes, plus 2 items of 1 byte.
		assert_eq!(BoundedVec::<u8, 2>::max_encoded_len(), 7);
		assert_eq!(BoundedVec::<[u8; 32], 4>::max_encoded_len(), 5 + 128);
	}
}
