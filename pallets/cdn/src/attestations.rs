//! Cached-bytes attestations (design §2).
//!
//! A retrieval node R signs `CacheAttestation { genesis, R, C, cycle, level, version }`; the
//! cache node C submits it, or R itself (so R can lower or revoke, with level 0, a level it
//! attested: C would never submit that). There is one level per `(cycle, C, R)`: a higher version
//! replaces it (levels do not add up across attestations), and R's levels together are
//! bounded by `ρ × A_R / p`, what R was paid in the cycle. Because a cache node's payout cap
//! is linear in its levels (`k_c·τ·p·level/ρ`), everything R's attestations can ever earn is
//! at most `k_c·τ·A_R`: R must burn `τ·A_R` to back it.

use crate::{pallet::*, tickets, AttestationOf, NodeKind, SigForm};
use frame_support::{ensure, pallet_prelude::DispatchResult, traits::Get};
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding, traits::Zero, Rounding, SaturatedConversion,
};

impl<T: Config> Pallet<T> {
	/// `ρ × paid / p`: the bytes a retrieval node that was paid `paid` may attest in total.
	pub fn attestation_budget(paid: crate::BalanceOf<T>) -> u128 {
		let price: u128 = T::ReferenceBytePrice::get().saturated_into();
		if price == 0 {
			return 0;
		}
		let paid: u128 = paid.saturated_into();
		multiply_by_rational_with_rounding(
			paid,
			u128::from(T::MaxReplicas::get()),
			price,
			Rounding::Down,
		)
		.unwrap_or(u128::MAX)
	}

	/// See `attest_cached`.
	pub(crate) fn do_attest_cached(
		who: &T::AccountId,
		att: &AttestationOf<T>,
		signature: &sp_core::sr25519::Signature,
		form: SigForm,
	) -> DispatchResult {
		// The cache node submits its attestations; the signing retrieval node may submit its
		// own too, so it can lower (level 0: revoke) a level the cache would never submit.
		ensure!(att.cache == *who || att.retrieval == *who, Error::<T>::WrongAttestation);
		let cache = &att.cache;
		let node = Nodes::<T>::get(cache).ok_or(Error::<T>::NotRegistered)?;
		ensure!(node.kind == NodeKind::Cache, Error::<T>::KindMismatch);
		let cycle = CurrentCycle::<T>::get();
		let genesis = frame_system::Pallet::<T>::block_hash(
			frame_system::pallet_prelude::BlockNumberFor::<T>::zero(),
		);
		ensure!(att.cycle == cycle && att.genesis == genesis, Error::<T>::WrongAttestation);
		let signer = Nodes::<T>::get(&att.retrieval).map(|n| n.kind);
		ensure!(signer == Some(NodeKind::Retrieval), Error::<T>::SignerNotRetrievalNode);
		let (old_level, old_version) =
			CachedLevels::<T>::get((cycle, cache, &att.retrieval)).unwrap_or((0, 0));
		ensure!(att.version > old_version, Error::<T>::StaleAttestation);
		let payload = tickets::attestation_payload(att);
		ensure!(
			tickets::verify(att.retrieval.as_ref(), &payload, signature, form),
			Error::<T>::BadSignature
		);

		let r_existing = NodeWork::<T>::get(cycle, &att.retrieval);
		let r_exists = r_existing.is_some();
		let mut r_record = r_existing.unwrap_or_default();
		let attested = r_record
			.work
			.attested
			.saturating_sub(u128::from(old_level))
			.saturating_add(u128::from(att.level));
		ensure!(
			attested <= Self::attestation_budget(r_record.work.paid),
			Error::<T>::AttestationOverBudget
		);
		// A positive budget means R was paid in this cycle, so it is a participant already;
		// a zero level for an R without work writes nothing.
		if r_exists {
			r_record.work.attested = attested;
			NodeWork::<T>::insert(cycle, &att.retrieval, r_record);
		}

		let mut ledger = Self::settle_node(cache)?;
		let mut totals = CurrentTotals::<T>::get();
		let new_participant = ledger.pending_cycle.is_none();
		let mut c_record = if new_participant {
			Default::default()
		} else {
			NodeWork::<T>::get(cycle, cache).unwrap_or_default()
		};
		let mut_cached: &mut u128 = &mut c_record.work.cached_bytes;
		*mut_cached =
			mut_cached.saturating_sub(u128::from(old_level)).saturating_add(u128::from(att.level));
		totals.cached_bytes = totals
			.cached_bytes
			.saturating_sub(u128::from(old_level))
			.saturating_add(u128::from(att.level));
		if new_participant {
			Self::join_cycle(cache, cycle, &mut ledger, &mut totals);
		}
		NodeWork::<T>::insert(cycle, cache, c_record);
		CurrentTotals::<T>::put(totals);
		CachedLevels::<T>::insert((cycle, cache, &att.retrieval), (att.level, att.version));
		Self::deposit_event(Event::CachedLevelAttested {
			cycle,
			cache: cache.clone(),
			retrieval: att.retrieval.clone(),
			level: att.level,
			version: att.version,
		});
		Ok(())
	}
}
