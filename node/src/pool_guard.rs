//! Extrinsics the runtime cannot decode never reach the runtime (issue 19).
//!
//! The runtime API `TaggedTransactionQueue::validate_transaction` decodes its arguments with
//! `Decode::decode` and panics on failure (`sp-api-proc-macro` 29.0.0,
//! `impl_runtime_apis.rs:107`: "Bad input data provided to validate_transaction: …"). The
//! transaction pool asks the runtime about every submitted extrinsic, so each signed
//! extrinsic with a call index or argument the runtime does not know traps a wasm instance,
//! logs a panic with a wasm backtrace and answers the client with an opaque
//! `1002: Verification Error: Runtime error: Execution failed: Execution aborted due to trap`.
//! That costs a node far more than the sender (no fee is ever charged for it) and tells the
//! sender nothing. This wrapper decodes every extrinsic submitted from outside (RPC and the
//! network) with the node's own copy of the runtime types first and rejects what does not
//! decode as `InvalidTransaction::Call` (RPC error 1010, "Transaction call is not expected"),
//! before the pool or the runtime sees it.
//!
//! The native types are the runtime's only while the chain runs the runtime this binary was
//! built with (same `spec_name`, `spec_version` and `transaction_version`); after an on-chain
//! upgrade the node has not caught up with, the check steps aside and the runtime decides, so
//! a call only the new runtime knows is never refused here.
//!
//! Everything else is forwarded unchanged to the inner pool (fork-aware by default).

use std::{collections::HashMap, pin::Pin, sync::Arc};

use async_trait::async_trait;
use cess_runtime::opaque::Block;
use codec::{Decode, Encode};
use sc_transaction_pool_api::{
	error::Error as TxPoolError, ChainEvent, ImportNotificationStream, LocalTransactionFor,
	LocalTransactionPool, MaintainedTransactionPool, PoolStatus, ReadyTransactions, TransactionFor,
	TransactionPool, TransactionSource, TransactionStatusStreamFor, TxHash, TxInvalidityReportMap,
};
use sp_runtime::{traits::Block as BlockT, transaction_validity::InvalidTransaction};

use crate::service::FullClient;

/// The pool the node would use without the guard.
pub type InnerPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;
type Hash = <Block as BlockT>::Hash;
type Error = <InnerPool as TransactionPool>::Error;
type InPool = <InnerPool as TransactionPool>::InPoolTransaction;

/// The transaction pool with undecodable extrinsics rejected up front.
pub struct DecodeGuardedPool {
	inner: InnerPool,
	client: Arc<FullClient>,
}

impl DecodeGuardedPool {
	pub fn new(inner: InnerPool, client: Arc<FullClient>) -> Self {
		Self { inner, client }
	}

	/// Whether the runtime at `at` is the one this binary was built with.
	fn native_runtime_at(&self, at: Hash) -> bool {
		let native = &cess_runtime::VERSION;
		sp_api::CallApiAt::<Block>::runtime_version_at(
			&*self.client,
			at,
			sp_core::traits::CallContext::Offchain,
		)
		.is_ok_and(|v| {
			v.spec_name == native.spec_name
				&& v.spec_version == native.spec_version
				&& v.transaction_version == native.transaction_version
		})
	}

	/// `Err(Call)` if `xt` does not decode as the runtime's extrinsic, the way the runtime's
	/// `validate_transaction` decodes it.
	fn check(&self, at: Hash, xt: &TransactionFor<InnerPool>) -> Result<(), Error> {
		if !self.native_runtime_at(at) {
			return Ok(());
		}
		let bytes = xt.encode();
		match cess_runtime::UncheckedExtrinsic::decode(&mut &bytes[..]) {
			Ok(_) => Ok(()),
			Err(e) => {
				log::debug!(
					target: "txpool",
					"rejected an extrinsic the runtime cannot decode ({} bytes): {e}",
					bytes.len()
				);
				Err(TxPoolError::InvalidTransaction(InvalidTransaction::Call).into())
			}
		}
	}
}

#[async_trait]
impl TransactionPool for DecodeGuardedPool {
	type Block = Block;
	type Hash = <InnerPool as TransactionPool>::Hash;
	type InPoolTransaction = InPool;
	type Error = Error;

	async fn submit_at(
		&self,
		at: Hash,
		source: TransactionSource,
		xts: Vec<TransactionFor<Self>>,
	) -> Result<Vec<Result<TxHash<Self>, Self::Error>>, Self::Error> {
		// Keep the order of the results: undecodable ones are answered here, the rest by the
		// inner pool in one batch.
		let checks: Vec<Result<(), Error>> = xts.iter().map(|xt| self.check(at, xt)).collect();
		let good: Vec<_> = xts
			.into_iter()
			.zip(checks.iter())
			.filter_map(|(xt, c)| c.is_ok().then_some(xt))
			.collect();
		let mut inner = self.inner.submit_at(at, source, good).await?.into_iter();
		Ok(checks
			.into_iter()
			.map(|c| match c {
				// The inner pool answers each submitted extrinsic once.
				Ok(()) => {
					inner.next().unwrap_or_else(|| Err(TxPoolError::ImmediatelyDropped.into()))
				}
				Err(e) => Err(e),
			})
			.collect())
	}

	async fn submit_one(
		&self,
		at: Hash,
		source: TransactionSource,
		xt: TransactionFor<Self>,
	) -> Result<TxHash<Self>, Self::Error> {
		self.check(at, &xt)?;
		self.inner.submit_one(at, source, xt).await
	}

	async fn submit_and_watch(
		&self,
		at: Hash,
		source: TransactionSource,
		xt: TransactionFor<Self>,
	) -> Result<Pin<Box<TransactionStatusStreamFor<Self>>>, Self::Error> {
		self.check(at, &xt)?;
		self.inner.submit_and_watch(at, source, xt).await
	}

	async fn ready_at(
		&self,
		at: Hash,
	) -> Box<dyn ReadyTransactions<Item = Arc<Self::InPoolTransaction>> + Send> {
		self.inner.ready_at(at).await
	}

	fn ready(&self) -> Box<dyn ReadyTransactions<Item = Arc<Self::InPoolTransaction>> + Send> {
		self.inner.ready()
	}

	async fn report_invalid(
		&self,
		at: Option<Hash>,
		invalid_tx_errors: TxInvalidityReportMap<TxHash<Self>>,
	) -> Vec<Arc<Self::InPoolTransaction>> {
		self.inner.report_invalid(at, invalid_tx_errors).await
	}

	fn futures(&self) -> Vec<Self::InPoolTransaction> {
		self.inner.futures()
	}

	fn status(&self) -> PoolStatus {
		self.inner.status()
	}

	fn import_notification_stream(&self) -> ImportNotificationStream<TxHash<Self>> {
		self.inner.import_notification_stream()
	}

	fn on_broadcasted(&self, propagations: HashMap<TxHash<Self>, Vec<String>>) {
		self.inner.on_broadcasted(propagations)
	}

	fn hash_of(&self, xt: &TransactionFor<Self>) -> TxHash<Self> {
		self.inner.hash_of(xt)
	}

	fn ready_transaction(&self, hash: &TxHash<Self>) -> Option<Arc<Self::InPoolTransaction>> {
		self.inner.ready_transaction(hash)
	}

	async fn ready_at_with_timeout(
		&self,
		at: Hash,
		timeout: std::time::Duration,
	) -> Box<dyn ReadyTransactions<Item = Arc<Self::InPoolTransaction>> + Send> {
		self.inner.ready_at_with_timeout(at, timeout).await
	}
}

#[async_trait]
impl MaintainedTransactionPool for DecodeGuardedPool {
	async fn maintain(&self, event: ChainEvent<Self::Block>) {
		self.inner.maintain(event).await
	}
}

/// Offchain workers submit extrinsics the runtime built itself: forwarded unchecked.
impl LocalTransactionPool for DecodeGuardedPool {
	type Block = Block;
	type Hash = <InnerPool as LocalTransactionPool>::Hash;
	type Error = <InnerPool as LocalTransactionPool>::Error;

	fn submit_local(
		&self,
		at: Hash,
		xt: LocalTransactionFor<Self>,
	) -> Result<Self::Hash, Self::Error> {
		self.inner.submit_local(at, xt)
	}
}
