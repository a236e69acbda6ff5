//! `Config` implementations of every pallet, one module per concern.

mod cdn;
mod consensus;
mod economics;
mod heartbeat;
mod staking;
mod storage;
mod system;
mod treasury;
mod vesting;

pub use cdn::*;
pub use consensus::*;
pub use economics::*;
pub use heartbeat::*;
pub use staking::*;
pub use storage::*;
pub use system::*;
pub use treasury::*;
pub use vesting::*;
