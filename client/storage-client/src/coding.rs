//! Segments and Reed–Solomon fragments: the layout the chain checks (`pallet_file_bank::Coding`)
//! and the coder that fills it (`reed-solomon-simd`, Leopard-RS over GF(2^16)).
//!
//! A file of `size` bytes is cut into segments of `k × F` bytes (`F` = `FragmentSize`, 8 MiB;
//! the last segment shorter). Segment `s` holding `len` bytes becomes `k + m` fragments of
//! `shard_len(len)` bytes each — `ceil(len / k)` rounded up to 64 bytes when `m > 0` — the
//! first `k` being the segment's bytes in order (zero-padded), the last `m` the parity. Any `k`
//! of the `k + m` rebuild the segment. Fragment `j` of segment `s` is the file's fragment
//! `s × (k + m) + j`; its Merkle root is over its bytes zero-padded to `F`, as the miner stores
//! and the audit challenges it.

use pallet_file_bank::Coding;
use std::collections::BTreeMap;

/// Where a file's bytes go: the segment and fragment arithmetic for one (size, coding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
	/// File size in bytes.
	pub size: u64,
	/// The erasure code.
	pub coding: Coding,
	/// Bytes per fragment slot (`FragmentSize`).
	pub fragment_size: u64,
}

impl Layout {
	/// The layout of a `size`-byte file under `coding` with `fragment_size`-byte fragments.
	pub fn new(size: u64, coding: Coding, fragment_size: u64) -> Self {
		Self { size, coding, fragment_size }
	}

	/// Data and parity fragments per segment.
	pub fn width(&self) -> u32 {
		self.coding.width()
	}

	/// File bytes per full segment: `k × F`.
	pub fn segment_bytes(&self) -> u64 {
		self.coding.segment_bytes(self.fragment_size)
	}

	/// Number of segments, `ceil(size / (k × F))`.
	pub fn segments(&self) -> u32 {
		self.coding.segments(self.size, self.fragment_size) as u32
	}

	/// Number of fragments, `segments × (k + m)`: the roots a declaration carries.
	pub fn fragments(&self) -> u32 {
		self.segments().saturating_mul(self.width())
	}

	/// Offset and length of segment `s` in the file.
	pub fn segment_range(&self, s: u32) -> (u64, u64) {
		let start = u64::from(s) * self.segment_bytes();
		(start, self.size.saturating_sub(start).min(self.segment_bytes()))
	}

	/// Bytes of every fragment of segment `s` (the chain's `data_len` of each of them).
	pub fn shard_len(&self, s: u32) -> u64 {
		self.coding.shard_len(self.segment_range(s).1, self.fragment_size)
	}

	/// Lease bytes the file occupies: every fragment counts a full slot, `fragments × F`.
	pub fn lease_bytes(&self) -> u64 {
		u64::from(self.fragments()) * self.fragment_size
	}
}

/// Why coding failed.
#[derive(Debug, PartialEq, Eq)]
pub enum CodingError {
	/// The coder refused the parameters or shards.
	Coder(String),
	/// Fewer than `k` fragments of a segment were available.
	TooFewFragments {
		/// Segment number.
		segment: u32,
		/// Fragments available.
		have: usize,
		/// Fragments needed (`k`).
		need: usize,
	},
}

impl std::fmt::Display for CodingError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			CodingError::Coder(e) => write!(f, "Reed–Solomon: {e}"),
			CodingError::TooFewFragments { segment, have, need } => {
				write!(f, "segment {segment}: only {have} of the {need} fragments needed")
			}
		}
	}
}

impl std::error::Error for CodingError {}

/// Encodes one segment's bytes (`data.len()` ≤ `k × F`) into its `k + m` fragments of
/// `shard_len` bytes each: `k` data fragments (the bytes in order, the last ones zero-padded)
/// then `m` parity fragments.
pub fn encode_segment(
	coding: Coding,
	data: &[u8],
	shard_len: usize,
) -> Result<Vec<Vec<u8>>, CodingError> {
	let k = usize::from(coding.data);
	let mut shards: Vec<Vec<u8>> = (0..k)
		.map(|j| {
			let start = (j * shard_len).min(data.len());
			let end = ((j + 1) * shard_len).min(data.len());
			let mut shard = data[start..end].to_vec();
			shard.resize(shard_len, 0);
			shard
		})
		.collect();
	if coding.parity > 0 {
		let parity = reed_solomon_simd::encode(k, usize::from(coding.parity), &shards)
			.map_err(|e| CodingError::Coder(e.to_string()))?;
		shards.extend(parity);
	}
	Ok(shards)
}

/// Rebuilds a segment of `segment_len` bytes from any `k` of its fragments (`available`: the
/// fragment's position in the segment, `0..k+m`, and its `shard_len` bytes, already verified
/// against the chain's roots).
pub fn decode_segment(
	coding: Coding,
	segment: u32,
	available: &BTreeMap<usize, Vec<u8>>,
	shard_len: usize,
	segment_len: usize,
) -> Result<Vec<u8>, CodingError> {
	let k = usize::from(coding.data);
	let m = usize::from(coding.parity);
	if available.len() < k {
		return Err(CodingError::TooFewFragments { segment, have: available.len(), need: k });
	}
	if let Some((j, v)) = available.iter().find(|(_, v)| v.len() != shard_len) {
		return Err(CodingError::Coder(format!(
			"segment {segment}: fragment {j} has {} bytes, not {shard_len}",
			v.len()
		)));
	}
	let mut data: Vec<Option<&[u8]>> = (0..k).map(|j| available.get(&j).map(|v| &v[..])).collect();
	let restored;
	if data.iter().any(Option::is_none) {
		let originals = available.iter().filter(|(j, _)| **j < k).map(|(j, v)| (*j, v));
		let recovery =
			available.iter().filter(|(j, _)| **j >= k && **j < k + m).map(|(j, v)| (*j - k, v));
		restored = reed_solomon_simd::decode(k, m, originals, recovery)
			.map_err(|e| CodingError::Coder(e.to_string()))?;
		for (j, shard) in restored.iter() {
			if let Some(slot) = data.get_mut(*j) {
				*slot = Some(&shard[..]);
			}
		}
	}
	let mut out = Vec::with_capacity(segment_len);
	for shard in data {
		let shard = shard.ok_or(CodingError::TooFewFragments {
			segment,
			have: available.len(),
			need: k,
		})?;
		let take = (segment_len - out.len()).min(shard.len());
		out.extend_from_slice(&shard[..take]);
		if out.len() == segment_len {
			break;
		}
	}
	Ok(out)
}

#[cfg(test)]
mod tests {
	use super::*;

	const MIB: u64 = 1 << 20;
	const F: u64 = 8 * MIB;
	const RS42: Coding = Coding { data: 4, parity: 2 };

	#[test]
	fn a_100_mib_file_at_4_plus_2_is_4_segments_of_6_fragments() {
		let l = Layout::new(100 * MIB, RS42, F);
		// 32 MiB segments: 32 + 32 + 32 + 4 MiB.
		assert_eq!(l.segment_bytes(), 32 * MIB);
		assert_eq!(l.segments(), 4);
		assert_eq!(l.fragments(), 24);
		assert_eq!(l.segment_range(3), (96 * MIB, 4 * MIB));
		// Full segments: 8 MiB fragments; the last: 4 MiB / 4 = 1 MiB each (64-aligned already).
		assert_eq!(l.shard_len(0), F);
		assert_eq!(l.shard_len(3), MIB);
		// 24 slots of 8 MiB charged to the lease: 192 MiB.
		assert_eq!(l.lease_bytes(), 192 * MIB);
	}

	#[test]
	fn odd_sizes_round_the_last_segment_up_to_64_byte_shards() {
		// 1 000 bytes at 4 + 2: one segment, ceil(1000 / 4) = 250 → 256 bytes per fragment.
		let l = Layout::new(1_000, RS42, F);
		assert_eq!((l.segments(), l.fragments(), l.shard_len(0)), (1, 6, 256));
		// Exactly one full segment: 32 MiB → 1 segment of 8 MiB fragments.
		let l = Layout::new(32 * MIB, RS42, F);
		assert_eq!((l.segments(), l.shard_len(0)), (1, F));
		// One byte more: a second segment of 1 byte → 64-byte fragments.
		let l = Layout::new(32 * MIB + 1, RS42, F);
		assert_eq!((l.segments(), l.fragments(), l.shard_len(1)), (2, 12, 64));
		// Plain (1 + 0): the old layout, the last fragment holds the remainder exactly.
		let l = Layout::new(9 * MIB + 5, Coding::REPLICATED, F);
		assert_eq!((l.segments(), l.fragments(), l.shard_len(1)), (2, 2, MIB + 5));
		// 64 GiB at 4 + 2 is 2 048 segments, 12 288 fragments: the runtime's bound.
		let l = Layout::new(64 << 30, RS42, F);
		assert_eq!((l.segments(), l.fragments()), (2_048, 12_288));
	}

	/// The chain computes the same fragment lengths (it credits and challenges exactly these).
	#[test]
	fn the_shard_lengths_are_the_chains() {
		for size in [1u64, 63, 64, 1_000, 4 * MIB + 3, 32 * MIB, 100 * MIB] {
			let l = Layout::new(size, RS42, F);
			for s in 0..l.segments() {
				let (_, len) = l.segment_range(s);
				assert_eq!(l.shard_len(s), RS42.shard_len(len, F));
				assert!(l.shard_len(s) * 4 >= len, "4 shards hold the segment");
				assert_eq!(l.shard_len(s) % 64, 0);
			}
		}
	}

	fn sample(n: usize) -> Vec<u8> {
		(0..n).map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8).collect()
	}

	#[test]
	fn any_4_of_6_fragments_rebuild_the_segment() {
		let data = sample(1_000);
		let shards = encode_segment(RS42, &data, 256).unwrap();
		assert_eq!(shards.len(), 6);
		assert!(shards.iter().all(|s| s.len() == 256));
		// Data fragments are the bytes in order: 0..256, 256..512, 512..768, 768..1000 + 24 zeros.
		assert_eq!(&shards[0][..], &data[..256]);
		assert_eq!(&shards[3][..232], &data[768..]);
		assert_eq!(&shards[3][232..], &[0u8; 24][..]);
		// Every choice of 4 of the 6 (15 of them) decodes to the same 1 000 bytes.
		let mut choices = 0;
		for a in 0..6 {
			for b in a + 1..6 {
				let available: BTreeMap<usize, Vec<u8>> =
					(0..6).filter(|j| *j != a && *j != b).map(|j| (j, shards[j].clone())).collect();
				assert_eq!(decode_segment(RS42, 0, &available, 256, 1_000).unwrap(), data);
				choices += 1;
			}
		}
		assert_eq!(choices, 15);
		// Three fragments are not enough.
		let three: BTreeMap<usize, Vec<u8>> =
			(0..3).map(|j| (j + 3, shards[j + 3].clone())).collect();
		assert_eq!(
			decode_segment(RS42, 7, &three, 256, 1_000),
			Err(CodingError::TooFewFragments { segment: 7, have: 3, need: 4 })
		);
	}

	#[test]
	fn a_corrupted_parity_fragment_changes_the_result() {
		// The coder cannot detect a wrong fragment: that is why `get` checks every fragment's
		// Merkle root against the chain before decoding.
		let data = sample(4 * 128);
		let mut shards = encode_segment(RS42, &data, 128).unwrap();
		shards[4][0] ^= 1;
		let available: BTreeMap<usize, Vec<u8>> =
			[1, 2, 3, 4].iter().map(|j| (*j, shards[*j].clone())).collect();
		assert_ne!(decode_segment(RS42, 0, &available, 128, 512).unwrap(), data);
	}

	#[test]
	fn plain_coding_has_no_parity() {
		let data = sample(100);
		let shards = encode_segment(Coding::REPLICATED, &data, 100).unwrap();
		assert_eq!(shards, vec![data.clone()]);
		let available: BTreeMap<usize, Vec<u8>> = [(0, data.clone())].into_iter().collect();
		assert_eq!(decode_segment(Coding::REPLICATED, 0, &available, 100, 100).unwrap(), data);
	}
}

/// Throughput of the coder on this machine, one thread (`cargo test --release -p
/// cess-storage-client -- --ignored measure_coding --nocapture`); see docs/measurements.md.
#[cfg(test)]
mod measure {
	use super::*;
	use std::time::Instant;

	fn time<F: FnMut()>(bytes: usize, rounds: usize, mut f: F) -> f64 {
		f();
		let start = Instant::now();
		for _ in 0..rounds {
			f();
		}
		(bytes * rounds) as f64 / (1 << 20) as f64 / start.elapsed().as_secs_f64()
	}

	#[test]
	#[ignore]
	fn measure_coding() {
		let f = 8 << 20;
		let data: Vec<u8> =
			(0..4 * f).map(|i: usize| (i.wrapping_mul(2_654_435_761) >> 9) as u8).collect();
		let rs = Coding { data: 4, parity: 2 };
		let enc = time(data.len(), 5, || {
			encode_segment(rs, &data, f).unwrap();
		});
		let shards = encode_segment(rs, &data, f).unwrap();
		// Two data fragments lost: rebuilt from 2 data + 2 parity.
		let available: BTreeMap<usize, Vec<u8>> =
			[1usize, 3, 4, 5].iter().map(|j| (*j, shards[*j].clone())).collect();
		let dec = time(data.len(), 5, || {
			decode_segment(rs, 0, &available, f, data.len()).unwrap();
		});
		// The crate's own benchmark (`benches/benchmarks.rs`, group "main", 32:32): 1 KiB
		// shards, encoder and decoder reused, MiB/s of original + recovery bytes; decode with
		// 1 original lost ("1 %") and all 32 lost ("100 %").
		let small: Vec<Vec<u8>> =
			(0..32).map(|j| (0..1024).map(|i| (i * 7 + j * 13) as u8).collect()).collect();
		let rec = reed_solomon_simd::encode(32, 32, &small).unwrap();
		let total = 64 * 1024;
		let mut encoder = reed_solomon_simd::ReedSolomonEncoder::new(32, 32, 1024).unwrap();
		let enc32 = time(total, 20_000, || {
			for o in &small {
				encoder.add_original_shard(o).unwrap();
			}
			encoder.encode().unwrap();
		});
		let mut decoder = reed_solomon_simd::ReedSolomonDecoder::new(32, 32, 1024).unwrap();
		let mut decode32 = |lost: usize| {
			time(total, 5_000, || {
				for (i, o) in small.iter().enumerate().skip(lost) {
					decoder.add_original_shard(i, o).unwrap();
				}
				for (i, r) in rec.iter().enumerate().take(lost) {
					decoder.add_recovery_shard(i, r).unwrap();
				}
				decoder.decode().unwrap();
			})
		};
		let dec32_1 = decode32(1);
		let dec32_100 = decode32(32);
		println!(
			"4+2, 8 MiB fragments: encode {enc:.0} MiB/s, decode (2 data lost) {dec:.0} MiB/s; \
			 crate shape 32:32 × 1 KiB (total bytes): encode {enc32:.0} MiB/s, decode 1 % \
			 {dec32_1:.0} MiB/s, 100 % {dec32_100:.0} MiB/s"
		);
	}
}
