//! Rounds and challenges: opening a round (O(1)), deriving a miner's challenge on demand from
//! its frozen snapshot, and taking snapshots.

use crate::*;
use cess_storage_proof::{derive_challenge, AccountBytes, Challenge, ChallengeInput, LEAF_SIZE};
use codec::Encode;
use frame_support::traits::{Get, Randomness};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{CheckedSub, One, Saturating, Zero};

/// Domain tag of the round seed.
const SEED_CONTEXT: &[u8] = b"cess/audit/round";
/// Domain tag of a per-block seed.
const BLOCK_SEED_CONTEXT: &[u8] = b"cess/audit/block";
/// Domain tag of a miner's challenge-block draw.
const SLOT_CONTEXT: &[u8] = b"cess/audit/slot";

impl<T: Config> Pallet<T> {
	/// The longest deadline allowed: the round length minus `DeadlineReserve` (two epochs), at
	/// least one block. Proofs — and the snapshots they take — then precede the next round's
	/// randomness.
	pub fn max_deadline() -> BlockNumberFor<T> {
		T::RoundLength::get().saturating_sub(T::DeadlineReserve::get()).max(One::one())
	}

	/// The deadline a round opening now gets: the governance value, clamped to
	/// `1..=max_deadline()`.
	pub fn effective_deadline() -> BlockNumberFor<T> {
		ProofDeadline::<T>::get().min(Self::max_deadline()).max(One::one())
	}

	/// The cycle a round belongs to.
	pub fn cycle_of(round: RoundIndex) -> CycleIndex {
		round.checked_div(T::RoundsPerCycle::get()).unwrap_or(round)
	}

	/// The 32 bytes a challenge binds the miner to: the SCALE encoding of the account when it
	/// is 32 bytes (`AccountId32`), else its blake2-256 hash.
	pub fn account_bytes(who: &T::AccountId) -> AccountBytes {
		let encoded = who.encode();
		<AccountBytes>::try_from(encoded.as_slice())
			.unwrap_or_else(|_| sp_io::hashing::blake2_256(&encoded))
	}

	/// Opens round `index` at `now`: one randomness read and one write, whatever the number of
	/// miners. The seed mixes the randomness with the round index and the block, so two rounds
	/// never share a seed even if the randomness source repeats.
	pub(crate) fn open_round(index: RoundIndex, now: BlockNumberFor<T>) {
		let (random, _) = T::Randomness::random(SEED_CONTEXT);
		let seed = (SEED_CONTEXT, random, index, now).using_encoded(sp_io::hashing::blake2_256);
		let length = Self::effective_deadline();
		let deadline = now.saturating_add(length);
		let window = T::ChallengeWindow::get().min(length).max(One::one());
		CurrentRound::<T>::put(RoundInfo { index, start: now, seed, deadline, window });
		Self::deposit_event(Event::RoundOpened { round: index, seed, deadline, window });
	}

	/// Records the seed of block `now` (the runtime's randomness — under BABE the parent
	/// block's VRF output — mixed with the block number) and forgets the one of the block a
	/// round ago: one read of the randomness, one write, one removal per block.
	pub(crate) fn record_block_seed(now: BlockNumberFor<T>) {
		let (random, _) = T::Randomness::random(BLOCK_SEED_CONTEXT);
		let seed = (BLOCK_SEED_CONTEXT, random, now).using_encoded(sp_io::hashing::blake2_256);
		BlockSeeds::<T>::insert(now, seed);
		if let Some(old) = now.checked_sub(&T::RoundLength::get()) {
			BlockSeeds::<T>::remove(old);
		}
	}

	/// `who`'s challenge block in the round `info`: `start + (H(round seed ‖ account) mod
	/// (deadline − start − window + 1))`, so every window ends by the deadline. Depends on
	/// nothing the miner controls.
	pub fn challenge_block(
		who: &T::AccountId,
		info: &RoundInfo<BlockNumberFor<T>>,
	) -> BlockNumberFor<T> {
		use sp_runtime::traits::UniqueSaturatedInto;
		let span: u64 = info
			.deadline
			.saturating_sub(info.start)
			.saturating_sub(info.window)
			.unique_saturated_into();
		let h = (SLOT_CONTEXT, info.seed, Self::account_bytes(who))
			.using_encoded(sp_io::hashing::blake2_256);
		let mut low = [0u8; 8];
		low.copy_from_slice(h.get(..8).unwrap_or(&[0u8; 8]));
		let offset = u64::from_le_bytes(low).checked_rem(span.saturating_add(1)).unwrap_or(0);
		info.start.saturating_add(offset.unique_saturated_into())
	}

	/// The seed `who`'s challenge of round `info` is derived from, once its challenge block
	/// has been reached (`None` before).
	pub fn challenge_seed(
		who: &T::AccountId,
		info: &RoundInfo<BlockNumberFor<T>>,
	) -> Option<[u8; 32]> {
		let block = Self::challenge_block(who, info);
		if frame_system::Pallet::<T>::block_number() < block {
			return None;
		}
		BlockSeeds::<T>::get(block)
	}

	/// Whether the hook must open a new round at `now` (and its index).
	pub(crate) fn round_due(now: BlockNumberFor<T>) -> Option<RoundIndex> {
		match CurrentRound::<T>::get() {
			None => Some(0),
			Some(round) => {
				let length = T::RoundLength::get();
				let next = round.start.saturating_add(length);
				(!length.is_zero() && now >= next).then(|| round.index.saturating_add(1))
			}
		}
	}

	/// The challenge of `who` for `round` with seed `seed`, derived from the snapshot taken
	/// before the round opened (`None` if it asks nothing).
	pub fn challenge_of(
		who: &T::AccountId,
		audit: &MinerAudit,
		round: RoundIndex,
		seed: [u8; 32],
	) -> Result<Option<Challenge>, Error<T>> {
		let snapshot = audit.snapshot_for(round);
		if !snapshot.is_challenged() {
			return Ok(None);
		}
		let input = ChallengeInput {
			randomness: seed,
			round,
			account: Self::account_bytes(who),
			filler_count: snapshot.filler_count,
			fragment_count: snapshot.fragment_count,
		};
		let mut challenge = derive_challenge(&T::ProofParams::get(), &input)
			.map_err(|_| Error::<T>::InvalidParams)?;
		// Zero padding is public: challenge only the leaves that hold file data.
		challenge.confine_fragment_leaves(|index| {
			<T::Fragments as cess_traits::ServiceFragmentsInspect<T::AccountId>>::fragment_data_len(
				who, index,
			)
			.map(|len| len.div_ceil(LEAF_SIZE))
		});
		Ok(Some(challenge))
	}

	/// The snapshot of `who` taken now (in `round`): commitment, counts and spaces as on
	/// chain.
	pub(crate) fn take_snapshot(who: &T::AccountId, round: RoundIndex) -> Snapshot {
		use cess_traits::{MinerInspect, ServiceFragmentsInspect};
		let spaces = T::Miners::spaces(who);
		let idle = T::Miners::idle_commitment(who);
		Snapshot {
			taken_in: round,
			filler_commitment: idle.map(|c| c.commitment).unwrap_or_default(),
			filler_count: idle.map(|c| c.filler_count).unwrap_or(0),
			fragment_count: T::Fragments::fragment_count(who),
			// Sealed sectors earn power only through window proofs (still to come, issue 14):
			// until then the snapshot's idle space is the fillers' alone.
			idle: spaces.map(|s| s.idle.saturating_sub(s.sealed)).unwrap_or(0),
			// Released fragments are still challenged but earn nothing.
			service: spaces
				.map(|s| s.service.saturating_sub(T::Fragments::released_space(who)))
				.unwrap_or(0),
		}
	}
}
