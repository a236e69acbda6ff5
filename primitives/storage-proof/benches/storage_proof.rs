//! Cost of the storage-proof scheme at the default parameters.
//!
//! Run (short, one job):
//! `CARGO_TARGET_DIR=$HOME/.cache/cess-node/target-proof cargo bench -j1 -p cess-storage-proof -- --warm-up-time 1 --measurement-time 3`
//!
//! * `hash/blake2_256_33B`: one sequential hash of a label chain (the unit of all costs).
//! * `seal/filler_1MiB`: sealing throughput per core (same per-leaf cost as 8 MiB).
//! * `prove/1TiB_miner`: building a full default proof for a miner with 512 GiB of
//!   fillers and 512 GiB of service fragments, from the challenged items' stored data.
//! * `prove/one_filler`, `prove/one_fragment`: the per-challenged-item parts of that.
//! * `verify/1TiB_miner`: native verification of that proof (what the runtime does).
//!
//! The proof's encoded size is printed once at start-up.

use cess_storage_proof::*;
use codec::Encode;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sp_crypto_hashing::blake2_256;

const ACCOUNT: AccountBytes = [7u8; 32];
const FILLERS: u64 = 65_536; // 512 GiB of 8 MiB fillers
const FRAGMENTS: u64 = 65_536; // 512 GiB of 8 MiB fragments

/// A 1 TiB miner: only the challenged fillers are really sealed (the others only
/// contribute their root to the filler set, which is all the prover keeps of them).
struct Fixture {
	challenge: Challenge,
	set: FillerSet,
	fillers: Vec<(u64, Vec<Hash>)>,
	fragment: Vec<u8>,
	fragment_roots: Vec<(u64, Hash)>,
}

impl Fixture {
	fn new() -> Self {
		let params = Params::default();
		let input = ChallengeInput {
			randomness: [3u8; 32],
			round: 100,
			account: ACCOUNT,
			filler_count: FILLERS,
			fragment_count: FRAGMENTS,
		};
		let challenge = derive_challenge(&params, &input).expect("valid params");
		let mut roots: Vec<Hash> = (0..FILLERS).map(|i| blake2_256(&i.to_le_bytes())).collect();
		let mut fillers = Vec::new();
		for item in challenge.fillers.iter() {
			if fillers.iter().any(|(i, _)| *i == item.index) {
				continue;
			}
			let filler = SealedFiller::seal(&params, &ACCOUNT, item.index).expect("seal");
			roots[item.index as usize] = filler.root();
			fillers.push((item.index, filler.leaves().to_vec()));
		}
		let set = FillerSet::new(&roots);
		let fragment: Vec<u8> = (0..params.fragment_size).map(|i| (i % 253) as u8).collect();
		let root = fragment_root(&params, &fragment).expect("fragment");
		let fragment_roots = challenge.fragments.iter().map(|f| (f.index, root)).collect();
		Self { challenge, set, fillers, fragment, fragment_roots }
	}

	fn prove(&self, challenge: &Challenge) -> StorageProof {
		build_proof(
			challenge,
			&self.set,
			|i| self.fillers.iter().find(|(j, _)| *j == i).map(|(_, l)| l.clone()),
			|_| Some(self.fragment.clone()),
		)
		.expect("prove")
	}

	fn commitments(&self) -> Commitments<'_> {
		Commitments {
			filler_commitment: self.set.commitment(),
			fragment_roots: &self.fragment_roots,
		}
	}
}

fn bench_hash(c: &mut Criterion) {
	let mut input = [0u8; 33];
	input[0] = 0x12;
	c.bench_function("hash/blake2_256_33B", |b| b.iter(|| blake2_256(black_box(&input))));
}

fn bench_seal(c: &mut Criterion) {
	let mut group = c.benchmark_group("seal");
	group.sample_size(10);
	let params = Params { filler_size: 1 << 20, ..Params::default() };
	group.throughput(Throughput::Bytes(params.filler_size));
	group.bench_with_input(
		BenchmarkId::new("filler_1MiB", params.hash_iterations),
		&params,
		|b, p| b.iter(|| SealedFiller::seal(p, &ACCOUNT, black_box(5)).expect("seal").root()),
	);
	group.finish();
}

fn bench_prove_verify(c: &mut Criterion) {
	let fx = Fixture::new();
	let proof = fx.prove(&fx.challenge);
	assert_eq!(verify(&fx.challenge, &fx.commitments(), &proof), Ok(()));
	let filler_bytes: usize = proof.fillers.encode().len();
	let fragment_bytes: usize = proof.fragments.encode().len();
	eprintln!(
		"proof size at default params (1 TiB miner, {FILLERS} fillers + {FRAGMENTS} fragments): \
         {} bytes (idle part {filler_bytes}, service part {fragment_bytes})",
		proof.encode().len()
	);

	let mut group = c.benchmark_group("prove");
	group.sample_size(10);
	group.bench_function("1TiB_miner", |b| b.iter(|| fx.prove(black_box(&fx.challenge))));
	let one_filler = Challenge {
		fragments: BoundedVec::new(),
		fillers: fx.challenge.fillers.as_slice()[..1].to_vec().try_into().expect("bounded"),
		..fx.challenge.clone()
	};
	group.bench_function("one_filler", |b| b.iter(|| fx.prove(black_box(&one_filler))));
	let one_fragment = Challenge {
		fillers: BoundedVec::new(),
		fragments: fx.challenge.fragments.as_slice()[..1].to_vec().try_into().expect("bounded"),
		..fx.challenge.clone()
	};
	group.bench_function("one_fragment", |b| b.iter(|| fx.prove(black_box(&one_fragment))));
	group.finish();

	let mut group = c.benchmark_group("verify");
	let commitments = fx.commitments();
	group.bench_function("1TiB_miner", |b| {
		b.iter(|| verify(black_box(&fx.challenge), &commitments, black_box(&proof)))
	});
	group.bench_function("derive_challenge", |b| {
		let input = ChallengeInput {
			randomness: [3u8; 32],
			round: 100,
			account: ACCOUNT,
			filler_count: FILLERS,
			fragment_count: FRAGMENTS,
		};
		b.iter(|| derive_challenge(&Params::default(), black_box(&input)))
	});
	group.finish();
}

criterion_group!(benches, bench_hash, bench_seal, bench_prove_verify);
criterion_main!(benches);
