//! Property tests: honest proofs verify; every corruption, substitution or replay fails.

mod common;

use cess_storage_proof::*;
use codec::{DecodeAll, Encode, MaxEncodedLen};
use common::{small_params, Miner};
use proptest::prelude::*;

/// A random small miner: parameters, account, fillers, fragments (random lengths, so the
/// last partial fragment case is covered), and the round's randomness.
fn miner_strategy() -> impl Strategy<Value = (Miner, [u8; 32], u32)> {
	(
		2u64..=13,
		2u64..=13,
		1u32..=4,
		1u32..=4,
		1u32..=3,
		any::<[u8; 32]>(),
		1u64..=9,
		prop::collection::vec(prop::collection::vec(any::<u8>(), 0..=416), 1..=5),
		any::<[u8; 32]>(),
		any::<u32>(),
	)
		.prop_map(
			|(
				frag_leaves,
				fill_leaves,
				iters,
				challenged,
				leaves,
				account,
				count,
				data,
				rand,
				round,
			)| {
				let params = small_params(frag_leaves, fill_leaves, iters, challenged, leaves);
				let max = (frag_leaves * 32) as usize;
				let data = data.into_iter().map(|mut d| {
					d.truncate(max);
					d
				});
				(Miner::new(params, account, count, data.collect()), rand, round)
			},
		)
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

	#[test]
	fn honest_proof_verifies_and_round_trips((miner, rand, round) in miner_strategy()) {
		let challenge = miner.challenge(rand, round);
		let proof = miner.prove(&challenge);
		prop_assert_eq!(verify(&challenge, &miner.commitments(), &proof), Ok(()));
		let parts = verify_parts(&challenge, &miner.commitments(), &proof);
		prop_assert_eq!(parts, PartsOutcome { idle: Ok(()), service: Ok(()) });

		let bytes = proof.encode();
		prop_assert!(bytes.len() <= StorageProof::max_encoded_len());
		prop_assert_eq!(StorageProof::decode_all(&mut &bytes[..]).unwrap(), proof);
		// The challenge itself is SCALE-transportable (e.g. through a runtime API).
		let c = challenge.encode();
		prop_assert_eq!(Challenge::decode_all(&mut &c[..]).unwrap(), challenge);
	}

	/// Every byte of the encoded proof matters: flipping any bits of any byte (a leaf, a
	/// path node, an index, a length prefix) makes decoding or verification fail.
	#[test]
	fn flipping_any_proof_byte_fails(
		(miner, rand, round) in miner_strategy(),
		pos in any::<prop::sample::Index>(),
		mask in 1u8..=255,
	) {
		let challenge = miner.challenge(rand, round);
		let mut bytes = miner.prove(&challenge).encode();
		let i = pos.index(bytes.len());
		bytes[i] ^= mask;
		if let Ok(tampered) = StorageProof::decode_all(&mut &bytes[..]) {
			prop_assert!(verify(&challenge, &miner.commitments(), &tampered).is_err());
		}
	}

	/// Exhaustively, for one miner: every byte position, one flip each.
	#[test]
	fn flipping_each_proof_byte_fails((miner, rand, round) in miner_strategy()) {
		let challenge = miner.challenge(rand, round);
		let bytes = miner.prove(&challenge).encode();
		for i in 0..bytes.len() {
			let mut b = bytes.clone();
			b[i] ^= 0x01;
			if let Ok(tampered) = StorageProof::decode_all(&mut &b[..]) {
				prop_assert!(verify(&challenge, &miner.commitments(), &tampered).is_err(), "byte {}", i);
			}
		}
	}

	/// Flipping any byte of the on-chain values the proof is checked against fails too:
	/// the filler commitment, a fragment root, or the filler count.
	#[test]
	fn flipping_commitments_or_counts_fails(
		(miner, rand, round) in miner_strategy(),
		pos in 0usize..32,
		mask in 1u8..=255,
		which in 0usize..5,
	) {
		let challenge = miner.challenge(rand, round);
		let proof = miner.prove(&challenge);

		let mut commitment = miner.set.commitment();
		commitment[pos] ^= mask;
		let c = Commitments { filler_commitment: commitment, ..miner.commitments() };
		prop_assert!(verify_idle(&challenge, &c.filler_commitment, &proof.fillers).is_err());

		let mut roots = miner.fragment_roots.clone();
		let w = which % roots.len();
		roots[w].1[pos] ^= mask;
		let c = Commitments { fragment_roots: &roots, ..miner.commitments() };
		let challenged = challenge.fragments.iter().any(|f| f.index == w as u64);
		prop_assert_eq!(verify(&challenge, &c, &proof).is_ok(), !challenged);

		// A different filler count changes the tree shape and the commitment.
		let mut other = challenge.clone();
		other.filler_count += 1 + u64::from(mask);
		prop_assert!(verify_idle(&other, &miner.set.commitment(), &proof.fillers).is_err());
	}

	/// A proof answers one miner only: another miner's proof fails against this miner's
	/// challenge and commitments, and so does a copy of this miner's fillers committed by
	/// another account.
	#[test]
	fn proof_for_another_miner_fails((miner, rand, round) in miner_strategy(), other in any::<[u8; 32]>()) {
		prop_assume!(other != miner.account);
		let b = Miner::new(miner.params, other, miner.set.count(), miner.fragments.clone());
		let challenge = miner.challenge(rand, round);
		let b_proof = b.prove(&b.challenge(rand, round));
		prop_assert!(verify_idle(&challenge, &miner.set.commitment(), &b_proof.fillers).is_err());

		// Account `other` commits to `miner`'s fillers: every opened leaf fails its label.
		let copier = Miner::with_fillers(miner.params, other, miner.fillers.clone(), miner.fragments.clone());
		let c = copier.challenge(rand, round);
		let proof = copier.prove(&c);
		let result = verify_idle(&c, &copier.set.commitment(), &proof.fillers);
		prop_assert!(matches!(result, Err(ProofError::LabelMismatch { position: 0, leaf: 0 })), "{:?}", result);
	}

	/// A proof is for one round: replayed in another round it passes only if that round
	/// happens to challenge exactly the same items and leaves (possible with tiny
	/// parameters, which is why this is an "iff").
	#[test]
	fn proof_for_another_round_fails((miner, rand, round) in miner_strategy(), other_rand in any::<[u8; 32]>()) {
		let c1 = miner.challenge(rand, round);
		let proof = miner.prove(&c1);
		for c2 in [miner.challenge(rand, round.wrapping_add(1)), miner.challenge(other_rand, round)] {
			let same = c1.fillers == c2.fillers && c1.fragments == c2.fragments;
			prop_assert_eq!(verify(&c2, &miner.commitments(), &proof).is_ok(), same);
		}
	}

	/// A filler sealed for index j, stored and committed in slot i ≠ j, fails whenever
	/// slot i is challenged; and answering slot i with slot j's (honest) data fails too.
	#[test]
	fn filler_of_another_index_fails((miner, rand, round) in miner_strategy(), slot in 0usize..9) {
		prop_assume!(miner.fillers.len() >= 2);
		let i = slot % miner.fillers.len();
		let j = (i + 1) % miner.fillers.len();
		let mut fillers = miner.fillers.clone();
		fillers[i] = SealedFiller::from_leaves(i as u64, miner.fillers[j].leaves().to_vec());
		let swapped = Miner::with_fillers(miner.params, miner.account, fillers, miner.fragments.clone());
		let c = swapped.challenge(rand, round);
		let proof = swapped.prove(&c);
		let hit = c.fillers.iter().any(|f| f.index == i as u64);
		let result = verify_idle(&c, &swapped.set.commitment(), &proof.fillers);
		prop_assert_eq!(result.is_ok(), !hit);
		if hit {
			prop_assert!(matches!(result, Err(ProofError::LabelMismatch { .. })), "{:?}", result);
		}

		// Honest commitment, but filler i's entry is answered with filler j's entry.
		let c = miner.challenge(rand, round);
		let mut proof = miner.prove(&c);
		let j_entry = build_proof(
			&Challenge { fillers: vec![ItemChallenge { index: j as u64, leaves: c.fillers[0].leaves.clone() }].try_into().unwrap(), ..c.clone() },
			&miner.set,
			|k| miner.fillers.get(k as usize).map(|f| f.leaves().to_vec()),
			|k| miner.fragments.get(k as usize).cloned(),
		).unwrap().fillers[0].clone();
		let target = c.fillers[0].index;
		let mut entry = j_entry;
		entry.filler_index = target; // claim it answers the challenged index
		*proof.fillers.get_mut(0).unwrap() = entry;
		let result = verify_idle(&c, &miner.set.commitment(), &proof.fillers);
		prop_assert_eq!(result.is_ok(), target == j as u64);
	}
}
