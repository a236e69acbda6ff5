//! The governance origins: one per referendum track other than root. A referendum on a track
//! dispatches its call from that track's origin; each origin reaches only the parameters of
//! its concern (docs/governance.md, "Origins and what they may set").

pub use pallet_custom_origins::*;

#[frame_support::pallet]
pub mod pallet_custom_origins {
	use crate::{currency::CESS, Balance};
	use frame_support::pallet_prelude::*;

	#[pallet::config]
	pub trait Config: frame_system::Config {}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// A track's origin. The indices are part of the encoding of `OriginCaller`: never reuse
	/// one.
	#[derive(
		PartialEq, Eq, Clone, MaxEncodedLen, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug,
	)]
	#[pallet::origin]
	pub enum Origin {
		/// Storage economy: space price (`fileBank.setPrice`), proof deadline
		/// (`audit.setDeadline`), CD²N retrieval share and pool caps (`cdn.setRetrievalShare`,
		/// `cdn.setCaps`).
		#[codec(index = 0)]
		StorageAdmin,
		/// The issuance split between validators, storage miners and CD²N
		/// (`issuance.setSplit`).
		#[codec(index = 1)]
		IssuanceAdmin,
		/// pallet-staking's admin calls (validator count, staking configs, cancelling a
		/// deferred slash).
		#[codec(index = 2)]
		StakingAdmin,
		/// Treasury spends up to [`TREASURER_CAP`]; rejects proposals.
		#[codec(index = 3)]
		Treasurer,
		/// Cancels a referendum (deposits refunded).
		#[codec(index = 4)]
		ReferendumCanceller,
		/// Kills a referendum (deposits slashed).
		#[codec(index = 5)]
		ReferendumKiller,
		/// Treasury spends up to [`SMALL_SPENDER_CAP`].
		#[codec(index = 6)]
		SmallSpender,
		/// Treasury spends up to [`MEDIUM_SPENDER_CAP`].
		#[codec(index = 7)]
		MediumSpender,
		/// Treasury spends up to [`BIG_SPENDER_CAP`].
		#[codec(index = 8)]
		BigSpender,
	}

	/// Most a small-spender referendum may spend at once: 10 000 CESS.
	pub const SMALL_SPENDER_CAP: Balance = 10_000 * CESS;
	/// Most a medium-spender referendum may spend at once: 100 000 CESS.
	pub const MEDIUM_SPENDER_CAP: Balance = 100_000 * CESS;
	/// Most a big-spender referendum may spend at once: 1 000 000 CESS.
	pub const BIG_SPENDER_CAP: Balance = 1_000_000 * CESS;
	/// Most a treasurer referendum may spend at once: 10 000 000 CESS.
	pub const TREASURER_CAP: Balance = 10_000_000 * CESS;

	macro_rules! decl_unit_ensures {
		( $name:ident ) => {
			/// Ensures the origin of the track of the same name.
			pub struct $name;
			impl<O: OriginTrait + From<Origin>> EnsureOrigin<O> for $name
			where
				for<'a> &'a O::PalletsOrigin: TryInto<&'a Origin>,
			{
				type Success = ();
				fn try_origin(o: O) -> Result<Self::Success, O> {
					if let Ok(Origin::$name) = o.caller().try_into() {
						return Ok(());
					}
					Err(o)
				}
				#[cfg(feature = "runtime-benchmarks")]
				fn try_successful_origin() -> Result<O, ()> {
					Ok(O::from(Origin::$name))
				}
			}
		};
		( $name:ident, $( $rest:ident ),+ ) => {
			decl_unit_ensures! { $name }
			decl_unit_ensures! { $( $rest ),+ }
		};
	}
	decl_unit_ensures!(
		StorageAdmin,
		IssuanceAdmin,
		StakingAdmin,
		Treasurer,
		ReferendumCanceller,
		ReferendumKiller
	);

	/// The spender origins, each succeeding with the most it may spend at once.
	pub struct Spender;
	impl<O: OriginTrait + From<Origin>> EnsureOrigin<O> for Spender
	where
		for<'a> &'a O::PalletsOrigin: TryInto<&'a Origin>,
	{
		type Success = Balance;
		fn try_origin(o: O) -> Result<Self::Success, O> {
			let cap = match o.caller().try_into() {
				Ok(Origin::SmallSpender) => Some(SMALL_SPENDER_CAP),
				Ok(Origin::MediumSpender) => Some(MEDIUM_SPENDER_CAP),
				Ok(Origin::BigSpender) => Some(BIG_SPENDER_CAP),
				Ok(Origin::Treasurer) => Some(TREASURER_CAP),
				_ => None,
			};
			cap.ok_or(o)
		}
		#[cfg(feature = "runtime-benchmarks")]
		fn try_successful_origin() -> Result<O, ()> {
			Ok(O::from(Origin::Treasurer))
		}
	}
}
