//! Property tests of the SDR decoders and verifiers: no panic and no acceptance on any
//! input, bounded decoding, and every mutation of an honest proof rejected.

mod sdr_common;

use cess_storage_proof::sdr::*;
use codec::{Decode, DecodeAll, Encode, MaxEncodedLen};
use proptest::prelude::*;
use sdr_common::*;
use std::sync::OnceLock;

struct Honest {
	p: SdrParams,
	public: Vec<SectorPublic>,
	ch: SealChallenges,
	proof: SealProof,
	enc: Vec<u8>,
	wc: WindowChallenges,
	roots: Vec<cess_storage_proof::Hash>,
	wproof: WindowProof,
	wenc: Vec<u8>,
}

fn honest() -> &'static Honest {
	static H: OnceLock<Honest> = OnceLock::new();
	H.get_or_init(|| {
		let p = tiny();
		let fx = [service_fixture(&p, &MINER, 0), Fixture::cc(&p, &MINER, 1)];
		let public: Vec<_> = fx.iter().map(|f| f.public()).collect();
		let ch = seal_challenges(&p, &[3; 32], 2).unwrap();
		let w: Vec<_> = fx.iter().map(|f| f.witness()).collect();
		let proof = prove_seal(&p, &ch, &w, &config()).unwrap();
		let wc = window_challenges(&p, &[4; 32], 1, 1).unwrap();
		let reps: Vec<_> = wc
			.service
			.iter()
			.map(|_| (&fx[0].sealed.replica[..], &fx[0].sealed.tree_r))
			.chain(wc.idle.iter().map(|_| (&fx[1].sealed.replica[..], &fx[1].sealed.tree_r)))
			.collect();
		let roots = wc
			.service
			.iter()
			.map(|_| fx[0].sealed.comm_r_last)
			.chain(wc.idle.iter().map(|_| fx[1].sealed.comm_r_last))
			.collect();
		let wproof = prove_window(&wc, &reps).unwrap();
		let enc = proof.encode();
		let wenc = wproof.encode();
		Honest { p, public, ch, proof, enc, wc, roots, wproof, wenc }
	})
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

	#[test]
	fn arbitrary_bytes_never_verify(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
		let h = honest();
		if let Ok(proof) = SealProof::decode_all(&mut &bytes[..]) {
			prop_assert!(verify_seal(&h.p, &h.ch, &h.public, &proof).is_err());
		}
		if let Ok(proof) = WindowProof::decode_all(&mut &bytes[..]) {
			prop_assert!(verify_window(&h.p, &h.wc, &h.roots, &proof).is_err());
		}
	}

	#[test]
	fn mutated_honest_proofs_are_rejected(
		flips in prop::collection::vec((any::<u32>(), 1u8..=255), 1..4),
	) {
		let h = honest();
		let mut enc = h.enc.clone();
		for (at, x) in &flips {
			let i = *at as usize % enc.len();
			enc[i] ^= x;
		}
		if let Ok(proof) = SealProof::decode_all(&mut &enc[..]) {
			let r = verify_seal(&h.p, &h.ch, &h.public, &proof);
			prop_assert!(r.is_err() || proof == h.proof, "mutated proof accepted");
		}
		let mut wenc = h.wenc.clone();
		for (at, x) in &flips {
			let i = *at as usize % wenc.len();
			wenc[i] ^= x;
		}
		if let Ok(proof) = WindowProof::decode_all(&mut &wenc[..]) {
			let r = verify_window(&h.p, &h.wc, &h.roots, &proof);
			prop_assert!(r.is_err() || proof == h.wproof, "mutated window proof accepted");
		}
	}

	#[test]
	fn any_parameters_and_challenges_are_handled_without_panic(
		raw in any::<[u32; 8]>(),
		nodes in prop::collection::vec((0u32..4, any::<u64>()), 0..10),
		seed in any::<[u8; 32]>(),
	) {
		let h = honest();
		let p = SdrParams {
			params_id: raw[0],
			log2_nodes: raw[1] % 40,
			log2_slot_nodes: raw[2] % 40,
			layers: raw[3] % 20,
			seal_sectors: raw[4] % 70,
			seal_nodes: raw[5] % 70,
			audit_challenges: raw[6] % 70,
			window_per_part: raw[7] % 40,
		};
		// Any parameter set: the honest proof for `tiny` never verifies under another one
		// (layers or sizes differ), and nothing panics.
		if p != h.p {
			prop_assert!(verify_seal(&p, &h.ch, &h.public, &h.proof).is_err());
		}
		let _ = seal_challenges(&p, &seed, raw[0] % 200);
		let _ = window_challenges(&p, &seed, raw[1] % 5, raw[2] % 5);
		// Arbitrary (sector, node) challenges against the honest proof.
		let ch: Vec<NodeChallenge> = nodes.iter().map(|&(sector, node)| NodeChallenge { sector, node }).collect();
		let mut proof = h.proof.clone();
		let mut ops = proof.openings.clone().into_inner();
		ops.truncate(ch.len());
		proof.openings = ops.try_into().unwrap();
		let r = verify_seal(&h.p, &ch, &h.public, &proof);
		let same = ch.iter().zip(h.ch.iter()).all(|(a, b)| a == b);
		prop_assert!(r.is_err() || (same && ch.len() == h.ch.len()) || ch.is_empty());
	}
}

#[test]
fn decoding_is_bounded_before_allocation() {
	// A claimed 2^30 openings is refused by the length prefix alone.
	let bogus = codec::Compact(1u32 << 30).encode();
	assert!(SealProof::decode(&mut &bogus[..]).is_err());
	assert!(WindowProof::decode(&mut &bogus[..]).is_err());
	// The largest encodable proofs (every bound at its maximum).
	// Per opening: columns (prefix + 15 × (labels + path)), replica node + path, optional
	// data node + path. 1.62 MB: below one block's 3.75 MiB of normal-class length.
	let node = 32 + 5 + 32 * 32;
	let opening = 5 + 15 * (5 + 16 * 32 + 5 + 32 * 32) + node + 1 + node;
	assert_eq!(SealProof::max_encoded_len(), 5 + 64 * opening);
	assert_eq!(SealProof::max_encoded_len(), 1_620_357);
	assert!(WindowProof::max_encoded_len() < 70_000);
}
