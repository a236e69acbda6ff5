//! SDR decoder + verifier fuzz target: never panics, never accepts anything but the honest
//! proof.
//!
//! The first input byte selects a mode:
//! * `0 mod 3`: the rest is decoded as a `SealProof` and verified against a tiny honest
//!   batch (a service and a CC sector) and as a `WindowProof` against its window challenge;
//! * `1 mod 3`: the honest seal proof's encoding is mutated by `(offset_u16_le, xor)`
//!   triples, then decoded and verified (reaches the label and Merkle checks);
//! * `2 mod 3`: parameters, challenges, public values and proof are all decoded from the
//!   input and verified (any shape, bounded work).
#![no_main]

use cess_storage_proof::sdr::*;
use cess_storage_proof::{fragment_root, Hash, Params};
use codec::{Decode, DecodeAll, Encode};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

struct Fixture {
	p: SdrParams,
	public: Vec<SectorPublic>,
	ch: SealChallenges,
	proof: SealProof,
	enc: Vec<u8>,
	wc: WindowChallenges,
	roots: Vec<Hash>,
	wproof: WindowProof,
}

fn fixture() -> &'static Fixture {
	static F: OnceLock<Fixture> = OnceLock::new();
	F.get_or_init(|| {
		let p = SdrParams {
			params_id: 0xFFFF_00F0,
			log2_nodes: 5,
			log2_slot_nodes: 4,
			layers: 3,
			seal_sectors: 2,
			seal_nodes: 3,
			audit_challenges: 2,
			window_per_part: 2,
		};
		let cfg = SealerConfig { threads: 1, tree_cache_level: 1, ..SealerConfig::default() };
		let fp = Params { fragment_size: p.slot_bytes(), ..Params::default() };
		let frag = vec![7u8; 300];
		let service_slots = [Some(&frag[..]), None];
		let roots = [Some(fragment_root(&fp, &frag).unwrap()), None];
		let mut sealed = Vec::new();
		let mut public = Vec::new();
		let mut datas = Vec::new();
		for (no, slots, rts) in [(0u64, service_slots, roots), (1, [None, None], [None, None])] {
			let comm_d = comm_d_from_slots(&p, &rts).unwrap();
			let data = sector_data(&p, &slots).unwrap();
			let id = replica_id(&[1; 32], &[2; 32], no, &comm_d, p.params_id);
			let s = seal(&p, SealInput { replica_id: id, data: data.clone() }, &cfg).unwrap();
			let service = rts.iter().any(|r| r.is_some());
			public.push(SectorPublic {
				replica_id: id,
				comm_c: s.comm_c,
				comm_r_last: s.comm_r_last,
				comm_d: service.then_some(comm_d),
			});
			let tree = CachedTree::build(&data, 1).unwrap();
			datas.push((data, tree, service));
			sealed.push(s);
		}
		let ch = seal_challenges(&p, &[3; 32], 2).unwrap();
		let w: Vec<(Hash, SectorWitness<'_>)> = sealed
			.iter()
			.zip(&datas)
			.map(|(s, (d, t, service))| {
				(
					s.replica_id,
					SectorWitness {
						replica: &s.replica,
						tree_r: &s.tree_r,
						data: service.then_some((&d[..], t)),
					},
				)
			})
			.collect();
		let proof = prove_seal(&p, &ch, &w, &cfg).unwrap();
		let wc = window_challenges(&p, &[4; 32], 1, 1).unwrap();
		let pick: Vec<&SealedSector> = wc
			.service
			.iter()
			.map(|_| &sealed[0])
			.chain(wc.idle.iter().map(|_| &sealed[1]))
			.collect();
		let reps: Vec<(&[Hash], &CachedTree)> =
			pick.iter().map(|s| (&s.replica[..], &s.tree_r)).collect();
		let roots = pick.iter().map(|s| s.comm_r_last).collect();
		let wproof = prove_window(&wc, &reps).unwrap();
		let enc = proof.encode();
		Fixture { p, public, ch, proof, enc, wc, roots, wproof }
	})
}

fuzz_target!(|data: &[u8]| {
	let fx = fixture();
	let Some((&mode, rest)) = data.split_first() else { return };
	match mode % 3 {
		0 => {
			if let Ok(proof) = SealProof::decode_all(&mut &rest[..]) {
				let ok = verify_seal(&fx.p, &fx.ch, &fx.public, &proof).is_ok();
				assert!(!ok || proof == fx.proof, "forged seal proof accepted");
			}
			if let Ok(proof) = WindowProof::decode_all(&mut &rest[..]) {
				let ok = verify_window(&fx.p, &fx.wc, &fx.roots, &proof).is_ok();
				assert!(!ok || proof == fx.wproof, "forged window proof accepted");
			}
		}
		1 => {
			let mut enc = fx.enc.clone();
			for t in rest.chunks_exact(3) {
				let at = u16::from_le_bytes([t[0], t[1]]) as usize % enc.len();
				enc[at] ^= t[2];
			}
			if let Ok(proof) = SealProof::decode_all(&mut &enc[..]) {
				let ok = verify_seal(&fx.p, &fx.ch, &fx.public, &proof).is_ok();
				assert!(!ok || proof == fx.proof, "mutated seal proof accepted");
			}
		}
		_ => {
			let mut input = rest;
			let Ok(p) = SdrParams::decode(&mut input) else { return };
			let Ok(ch) = SealChallenges::decode(&mut input) else { return };
			let Ok(public) = Vec::<SectorPublic>::decode(&mut input) else { return };
			if public.len() > 128 {
				return;
			}
			let Ok(proof) = SealProof::decode(&mut input) else { return };
			let _ = verify_seal(&p, &ch, &public, &proof);
		}
	}
});
