//! The referendum tracks. Production periods are written in blocks of 6 s for a 14 400-block
//! day; every period is scaled by the chain's block day (`pallet-timings`), so the dev and
//! local chains (10-block days) run the same tracks about 1 440 times faster and one wasm
//! serves every chain. The reasoning behind each number is in `docs/governance.md`.

use super::{origins, scale};
use crate::{
	currency::CESS,
	time::{DAYS, HOURS, MINUTES},
	Balance, BlockNumber, RuntimeOrigin,
};
use alloc::borrow::Cow;
use pallet_referenda::{Curve, Track, TrackInfo};
use sp_runtime::str_array as s;

const fn percent(x: i32) -> sp_arithmetic::FixedI64 {
	sp_arithmetic::FixedI64::from_rational(x as u128, 100)
}

// Approval (ayes / (ayes + nays), conviction-weighted) and support (aye capital / active
// issuance) a referendum needs, as curves over its decision period (28 = the whole period).
const APP_ROOT: Curve = Curve::make_reciprocal(4, 28, percent(80), percent(50), percent(100));
const SUP_ROOT: Curve = Curve::make_linear(28, 28, percent(0), percent(50));
const APP_ADMIN: Curve = Curve::make_linear(17, 28, percent(50), percent(100));
const SUP_ADMIN: Curve = Curve::make_reciprocal(12, 28, percent(1), percent(0), percent(50));
const APP_ISSUANCE: Curve = Curve::make_linear(28, 28, percent(66), percent(100));
const SUP_ISSUANCE: Curve = Curve::make_linear(28, 28, percent(10), percent(50));
const APP_TREASURER: Curve = Curve::make_reciprocal(4, 28, percent(80), percent(50), percent(100));
const SUP_TREASURER: Curve = Curve::make_linear(28, 28, percent(0), percent(50));
const APP_SMALL: Curve = Curve::make_linear(17, 28, percent(50), percent(100));
const SUP_SMALL: Curve = Curve::make_reciprocal(12, 28, percent(1), percent(0), percent(50));
const APP_MEDIUM: Curve = Curve::make_linear(23, 28, percent(50), percent(100));
const SUP_MEDIUM: Curve = Curve::make_reciprocal(16, 28, percent(1), percent(0), percent(50));
const APP_BIG: Curve = Curve::make_linear(28, 28, percent(50), percent(100));
const SUP_BIG: Curve = Curve::make_reciprocal(20, 28, percent(1), percent(0), percent(50));

/// Track ids (`referenda.submit` picks the track from the proposal's origin).
pub mod id {
	/// `Root`: runtime upgrades and everything else.
	pub const ROOT: u16 = 0;
	/// `ReferendumCanceller`.
	pub const REFERENDUM_CANCELLER: u16 = 1;
	/// `ReferendumKiller`.
	pub const REFERENDUM_KILLER: u16 = 2;
	/// `StorageAdmin`: space price, proof deadline, CD²N share and caps.
	pub const STORAGE_ECONOMY: u16 = 10;
	/// `IssuanceAdmin`: the issuance split.
	pub const ISSUANCE: u16 = 11;
	/// `StakingAdmin`.
	pub const STAKING_ADMIN: u16 = 12;
	/// `Treasurer`.
	pub const TREASURER: u16 = 20;
	/// `SmallSpender`.
	pub const SMALL_SPENDER: u16 = 30;
	/// `MediumSpender`.
	pub const MEDIUM_SPENDER: u16 = 31;
	/// `BigSpender`.
	pub const BIG_SPENDER: u16 = 32;
}

/// The tracks at production timings (a 14 400-block day), sorted by id.
pub const PRODUCTION_TRACKS: [Track<u16, Balance, BlockNumber>; 10] = [
	Track {
		id: id::ROOT,
		info: TrackInfo {
			name: s("root"),
			max_deciding: 1,
			decision_deposit: 100_000 * CESS,
			prepare_period: 2 * HOURS,
			decision_period: 28 * DAYS,
			confirm_period: DAYS,
			min_enactment_period: DAYS,
			min_approval: APP_ROOT,
			min_support: SUP_ROOT,
		},
	},
	Track {
		id: id::REFERENDUM_CANCELLER,
		info: TrackInfo {
			name: s("referendum_canceller"),
			max_deciding: 1_000,
			decision_deposit: 10_000 * CESS,
			prepare_period: 2 * HOURS,
			decision_period: 7 * DAYS,
			confirm_period: 3 * HOURS,
			min_enactment_period: 10 * MINUTES,
			min_approval: APP_ADMIN,
			min_support: SUP_ADMIN,
		},
	},
	Track {
		id: id::REFERENDUM_KILLER,
		info: TrackInfo {
			name: s("referendum_killer"),
			max_deciding: 1_000,
			decision_deposit: 50_000 * CESS,
			prepare_period: 2 * HOURS,
			decision_period: 28 * DAYS,
			confirm_period: 3 * HOURS,
			min_enactment_period: 10 * MINUTES,
			min_approval: APP_ADMIN,
			min_support: SUP_ADMIN,
		},
	},
	Track {
		id: id::STORAGE_ECONOMY,
		info: TrackInfo {
			name: s("storage_economy"),
			max_deciding: 10,
			decision_deposit: 20_000 * CESS,
			prepare_period: 2 * HOURS,
			decision_period: 14 * DAYS,
			confirm_period: DAYS,
			min_enactment_period: DAYS,
			min_approval: APP_ADMIN,
			min_support: SUP_ADMIN,
		},
	},
	Track {
		id: id::ISSUANCE,
		info: TrackInfo {
			name: s("issuance"),
			max_deciding: 1,
			decision_deposit: 100_000 * CESS,
			prepare_period: DAYS,
			decision_period: 28 * DAYS,
			confirm_period: 7 * DAYS,
			min_enactment_period: 7 * DAYS,
			min_approval: APP_ISSUANCE,
			min_support: SUP_ISSUANCE,
		},
	},
	Track {
		id: id::STAKING_ADMIN,
		info: TrackInfo {
			name: s("staking_admin"),
			max_deciding: 10,
			decision_deposit: 20_000 * CESS,
			prepare_period: 2 * HOURS,
			decision_period: 28 * DAYS,
			confirm_period: 3 * HOURS,
			min_enactment_period: 10 * MINUTES,
			min_approval: APP_ADMIN,
			min_support: SUP_ADMIN,
		},
	},
	Track {
		id: id::TREASURER,
		info: TrackInfo {
			name: s("treasurer"),
			max_deciding: 10,
			decision_deposit: 50_000 * CESS,
			prepare_period: 2 * HOURS,
			decision_period: 28 * DAYS,
			confirm_period: 7 * DAYS,
			min_enactment_period: DAYS,
			min_approval: APP_TREASURER,
			min_support: SUP_TREASURER,
		},
	},
	Track {
		id: id::SMALL_SPENDER,
		info: TrackInfo {
			name: s("small_spender"),
			max_deciding: 50,
			decision_deposit: 1_000 * CESS,
			prepare_period: 4 * HOURS,
			decision_period: 28 * DAYS,
			confirm_period: 12 * HOURS,
			min_enactment_period: DAYS,
			min_approval: APP_SMALL,
			min_support: SUP_SMALL,
		},
	},
	Track {
		id: id::MEDIUM_SPENDER,
		info: TrackInfo {
			name: s("medium_spender"),
			max_deciding: 50,
			decision_deposit: 5_000 * CESS,
			prepare_period: 4 * HOURS,
			decision_period: 28 * DAYS,
			confirm_period: DAYS,
			min_enactment_period: DAYS,
			min_approval: APP_MEDIUM,
			min_support: SUP_MEDIUM,
		},
	},
	Track {
		id: id::BIG_SPENDER,
		info: TrackInfo {
			name: s("big_spender"),
			max_deciding: 50,
			decision_deposit: 20_000 * CESS,
			prepare_period: 4 * HOURS,
			decision_period: 28 * DAYS,
			confirm_period: 2 * DAYS,
			min_enactment_period: DAYS,
			min_approval: APP_BIG,
			min_support: SUP_BIG,
		},
	},
];

/// A track with its four periods scaled to a chain whose block day is `block_day`.
pub fn scaled(
	track: &Track<u16, Balance, BlockNumber>,
	block_day: u32,
) -> Track<u16, Balance, BlockNumber> {
	let mut t = track.clone();
	t.info.prepare_period = scale(t.info.prepare_period, block_day);
	t.info.decision_period = scale(t.info.decision_period, block_day);
	t.info.confirm_period = scale(t.info.confirm_period, block_day);
	t.info.min_enactment_period = scale(t.info.min_enactment_period, block_day);
	t
}

/// The tracks of this chain: [`PRODUCTION_TRACKS`] scaled by its block day.
pub struct TracksInfo;
impl pallet_referenda::TracksInfo<Balance, BlockNumber> for TracksInfo {
	type Id = u16;
	type RuntimeOrigin = <RuntimeOrigin as frame_support::traits::OriginTrait>::PalletsOrigin;

	fn tracks() -> impl Iterator<Item = Cow<'static, Track<Self::Id, Balance, BlockNumber>>> {
		let block_day = pallet_timings::BlockDay::<crate::Runtime>::get();
		PRODUCTION_TRACKS.iter().map(move |t| {
			if block_day == super::PRODUCTION_BLOCK_DAY {
				Cow::Borrowed(t)
			} else {
				Cow::Owned(scaled(t, block_day))
			}
		})
	}

	fn track_for(id: &Self::RuntimeOrigin) -> Result<Self::Id, ()> {
		if let Ok(system_origin) = frame_system::RawOrigin::try_from(id.clone()) {
			match system_origin {
				frame_system::RawOrigin::Root => Ok(id::ROOT),
				_ => Err(()),
			}
		} else if let Ok(custom_origin) = origins::Origin::try_from(id.clone()) {
			Ok(match custom_origin {
				origins::Origin::StorageAdmin => id::STORAGE_ECONOMY,
				origins::Origin::IssuanceAdmin => id::ISSUANCE,
				origins::Origin::StakingAdmin => id::STAKING_ADMIN,
				origins::Origin::Treasurer => id::TREASURER,
				origins::Origin::ReferendumCanceller => id::REFERENDUM_CANCELLER,
				origins::Origin::ReferendumKiller => id::REFERENDUM_KILLER,
				origins::Origin::SmallSpender => id::SMALL_SPENDER,
				origins::Origin::MediumSpender => id::MEDIUM_SPENDER,
				origins::Origin::BigSpender => id::BIG_SPENDER,
			})
		} else {
			Err(())
		}
	}
}
