//! `cess-node`: the CESS blockchain node.
#![warn(missing_docs)]
// `sc_cli::Error` and `sc_service::Error` are large by design; the node returns them as the
// Substrate APIs it implements require.
#![allow(clippy::result_large_err)]

mod cdn;
mod chain_spec;
mod cli;
mod command;
mod pool_guard;
mod rpc;
mod service;
mod storage;
mod storage_miner;

fn main() -> sc_cli::Result<()> {
	command::run()
}
