//! Benchmark fixtures: real `submit_proof` proofs at the default [`Params`] (the largest proof
//! the chain asks for), built offline with the std prover because the benchmark runs in wasm.
//!
//! Each fixture answers the challenge of round [`FIXTURE_ROUND`] with seed [`FIXTURE_SEED`] of
//! the benchmark miner `account("miner", 0, 0)` (one fixture per account encoding: `u64` for
//! the mock, `AccountId32` for the runtime), derived exactly as the pallet derives it from the
//! miner's snapshot of `filler_count` fillers and `fragment_count` fragments:
//!
//! - `filler_count = 2^27` (1 PiB of 8 MiB fillers: the storage-miner `MaxDeclaredTib`), so the
//!   filler-set paths are as deep as they can be; only the challenged fillers are sealed, every
//!   other filler root is a constant (the verifier only sees the challenged ones);
//! - `fragment_count = 2^20`; the challenged fragments hold patterned 8 MiB data, and their
//!   `(index, root)` pairs are in the fixture for the runtime to store.
//!
//! Regenerate (≈ 30 s, seals 4 fillers per account) with
//! `SKIP_WASM_BUILD=1 cargo test --release -p pallet-audit --features runtime-benchmarks --
//! --ignored --nocapture generate_benchmark_fixtures`.

use cess_storage_proof::{Hash, Params, StorageProof};
use codec::{Decode, Encode};

/// The round the fixture proofs answer.
pub const FIXTURE_ROUND: crate::RoundIndex = 2;
/// The round seed the fixture challenges are derived from.
pub const FIXTURE_SEED: [u8; 32] = *b"cess/audit/benchmark/round-seed!";
/// Committed fillers of the benchmark miner (1 PiB at 8 MiB per filler).
pub const FIXTURE_FILLERS: u64 = 1 << 27;
/// Service fragments of the benchmark miner.
pub const FIXTURE_FRAGMENTS: u64 = 1 << 20;

/// One benchmark miner's state and its proof.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct Fixture {
	/// The parameters the proof was built with (`Params::default()`).
	pub params: Params,
	/// The 32 bytes the challenge binds the miner to (`Pallet::account_bytes`).
	pub account: [u8; 32],
	/// The idle commitment over `FIXTURE_FILLERS` filler roots.
	pub filler_commitment: Hash,
	/// `(index, root)` of every challenged fragment.
	pub fragment_roots: alloc::vec::Vec<(u64, Hash)>,
	/// The proof of round `FIXTURE_ROUND`.
	pub proof: StorageProof,
}

/// The SCALE-encoded fixtures.
const FIXTURES: [&[u8]; 2] = [
	include_bytes!("benchmark_fixture/account_u64.scale"),
	include_bytes!("benchmark_fixture/account_id32.scale"),
];

/// The fixture of the miner whose account bytes are `account`, if one was generated.
pub fn fixture_for(account: &[u8; 32]) -> Option<Fixture> {
	FIXTURES
		.iter()
		.filter_map(|bytes| Fixture::decode(&mut &bytes[..]).ok())
		.find(|f| &f.account == account)
}

#[cfg(all(test, feature = "runtime-benchmarks"))]
mod generate {
	use super::*;
	use cess_storage_proof::{
		build_proof, derive_challenge, filler_commitment, fragment_root,
		hash::{leaf_hash, node_hash},
		verify, BoundedVec, ChallengeInput, Commitments, FillerProof, FillerSet, SealedFiller,
	};
	use std::collections::BTreeMap;

	/// Depth of the filler set (`FIXTURE_FILLERS = 2^DEPTH`).
	const DEPTH: u32 = 27;
	/// Root of every unchallenged filler.
	const OTHER_ROOT: Hash = [0x5a; 32];

	fn account_bytes(encoded: &[u8]) -> [u8; 32] {
		<[u8; 32]>::try_from(encoded).unwrap_or_else(|_| sp_io::hashing::blake2_256(encoded))
	}

	/// Node `index` of `level` in the filler-set tree (a perfect tree of 2^DEPTH leaves)
	/// whose leaves are `OTHER_ROOT` except at the `real` indices.
	fn node(level: u32, index: u64, real: &BTreeMap<u64, Hash>, uniform: &[Hash]) -> Hash {
		let first = index << level;
		let last = first + (1u64 << level);
		if real.range(first..last).next().is_none() {
			return uniform[level as usize];
		}
		if level == 0 {
			return leaf_hash(&real[&index]);
		}
		node_hash(
			&node(level - 1, 2 * index, real, uniform),
			&node(level - 1, 2 * index + 1, real, uniform),
		)
	}

	fn fragment_data(index: u64) -> Vec<u8> {
		let p = Params::default();
		(0..p.fragment_size).map(|j| (j.wrapping_mul(31) ^ index.wrapping_mul(7)) as u8).collect()
	}

	fn build(account: [u8; 32]) -> Fixture {
		let params = Params::default();
		let input = ChallengeInput {
			randomness: FIXTURE_SEED,
			round: FIXTURE_ROUND,
			account,
			filler_count: FIXTURE_FILLERS,
			fragment_count: FIXTURE_FRAGMENTS,
		};
		let challenge = derive_challenge(&params, &input).expect("challenge");
		assert_eq!(challenge.fillers.len() as u32, params.challenged_fillers);
		assert_eq!(challenge.fragments.len() as u32, params.challenged_fragments);

		// Seal only the challenged fillers.
		let mut sealed: BTreeMap<u64, SealedFiller> = BTreeMap::new();
		for item in challenge.fillers.iter() {
			sealed.entry(item.index).or_insert_with(|| {
				SealedFiller::seal(&params, &account, item.index).expect("seal")
			});
		}
		let real: BTreeMap<u64, Hash> = sealed.iter().map(|(i, f)| (*i, f.root())).collect();
		let mut uniform = vec![leaf_hash(&OTHER_ROOT)];
		for l in 0..DEPTH as usize {
			uniform.push(node_hash(&uniform[l], &uniform[l]));
		}
		let set_root = node(DEPTH, 0, &real, &uniform);
		let commitment = filler_commitment(&set_root, FIXTURE_FILLERS);

		// The service part with the library's prover (the idle part is built below).
		let mut service_only = challenge.clone();
		service_only.fillers = BoundedVec::new();
		let mut proof =
			build_proof(&service_only, &FillerSet::new(&[]), |_| None, |i| Some(fragment_data(i)))
				.expect("service proof");

		for item in challenge.fillers.iter() {
			let filler = &sealed[&item.index];
			let path: Vec<Hash> = (0..DEPTH)
				.map(|level| node(level, (item.index >> level) ^ 1, &real, &uniform))
				.collect();
			let mut entry = FillerProof {
				filler_index: item.index,
				filler_root: filler.root(),
				set_path: BoundedVec::try_from(path).expect("path"),
				leaves: BoundedVec::new(),
			};
			for leaf in item.leaves.iter() {
				entry.leaves.try_push(filler.open(&account, *leaf).expect("open")).expect("leaf");
			}
			proof.fillers.try_push(entry).expect("filler");
		}

		let mut fragment_roots: Vec<(u64, Hash)> = Vec::new();
		for item in challenge.fragments.iter() {
			if !fragment_roots.iter().any(|(i, _)| *i == item.index) {
				let root = fragment_root(&params, &fragment_data(item.index)).expect("root");
				fragment_roots.push((item.index, root));
			}
		}
		let commitments =
			Commitments { filler_commitment: commitment, fragment_roots: &fragment_roots };
		assert_eq!(verify(&challenge, &commitments, &proof), Ok(()));
		Fixture { params, account, filler_commitment: commitment, fragment_roots, proof }
	}

	#[test]
	#[ignore = "writes the fixture files"]
	fn generate_benchmark_fixtures() {
		let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/benchmark_fixture");
		let u64_account: u64 = frame_benchmarking::account("miner", 0, 0);
		let id32_account: sp_runtime::AccountId32 = frame_benchmarking::account("miner", 0, 0);
		for (name, encoded) in [
			("account_u64.scale", u64_account.encode()),
			("account_id32.scale", id32_account.encode()),
		] {
			let started = std::time::Instant::now();
			let fixture = build(account_bytes(&encoded));
			let bytes = fixture.encode();
			std::fs::write(dir.join(name), &bytes).expect("write fixture");
			println!(
				"{name}: {} bytes (proof {} bytes) in {:?}",
				bytes.len(),
				fixture.proof.encoded_size(),
				started.elapsed()
			);
		}
	}
}
