//! Runtime API of the audit: what a miner agent needs to answer its challenge, and the power
//! totals wallets and the reward orders show (`api.call.auditApi.minerChallenge(miner)`).

use crate::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::Saturating;

sp_api::decl_runtime_apis! {
	/// Queries about challenges and storage power.
	pub trait AuditApi<AccountId, BlockNumber>
	where
		AccountId: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// The open round, the miner's challenge block and window, its challenge once that
		/// block exists (derived from and verified against its frozen snapshot) and its failure
		/// counters; `None` if the miner is not enrolled or no
		/// round is open.
		fn miner_challenge(miner: AccountId) -> Option<MinerChallengeReport<BlockNumber>>;

		/// Total storage power of `cycle`.
		fn cycle_power(cycle: CycleIndex) -> Power;

		/// Storage power `miner` earned in `cycle`.
		fn miner_power(cycle: CycleIndex, miner: AccountId) -> Power;

		/// The latest cycle whose power totals are final.
		fn finished_cycle() -> Option<CycleIndex>;
	}
}

impl<T: Config> Pallet<T> {
	/// The answer of [`AuditApi::miner_challenge`].
	pub fn miner_challenge_report(
		who: &T::AccountId,
	) -> Option<MinerChallengeReport<BlockNumberFor<T>>> {
		let info = CurrentRound::<T>::get()?;
		let audit = Audits::<T>::get(who)?;
		let proved = audit.last_proved == Some(info.index);
		let challenge_block = Self::challenge_block(who, &info);
		let challenge = if proved || audit.enrolled_in >= info.index {
			None
		} else {
			Self::challenge_seed(who, &info)
				.and_then(|seed| Self::challenge_of(who, &audit, info.index, seed).ok().flatten())
		};
		Some(MinerChallengeReport {
			round: info.index,
			deadline: info.deadline,
			challenge_block,
			window_end: challenge_block.saturating_add(info.window),
			challenge,
			filler_commitment: audit.snapshot_for(info.index).filler_commitment,
			proved,
			service_failures: audit.service_failures,
			service_misses: audit.service_misses,
			rewarded: audit.rewarded,
		})
	}
}
