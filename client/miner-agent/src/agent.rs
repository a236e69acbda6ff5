//! The agent's main loop: one pass per new best block, at most one transaction in flight.
//!
//! Each pass (1) follows the transaction in flight to its block and logs the outcome,
//! (2) logs what happened to this miner (proofs verified, slashes, rewards), then (3) picks
//! the most urgent duty: register, answer the open challenge, commit sealed fillers,
//! confirm an uploaded fragment, claim rewards. Every duty is derived from chain state
//! read in that pass, so a restarted agent simply continues.

use crate::{
	chain::{Chain, ChainError, MinerReport},
	proving::prove,
	runtime::Follower,
	sealing::{seal_fillers, SealReport},
	server::{serve, Shared, Status},
	ss58,
	store::{hash_hex, AgentState, DataDir},
	tx::{extrinsic_hash, find_in_block, mortal_era, signed_by_in_pool, InFlight, Outcome, Signer},
	AgentConfig, LOG_TARGET,
};
use cess_runtime::{AccountId, BlockNumber, Hash, RuntimeCall, RuntimeEvent};
use cess_storage_proof::{FillerSet, Hash as Root};
use codec::Encode;
use log::{error, info, warn};
use pallet_storage_miner::MinerState;
use std::{
	net::TcpListener,
	sync::{mpsc, Arc},
	time::{Duration, Instant},
};

/// Blocks to wait for a transaction before asking whether it is still in the pool.
const TX_PATIENCE: BlockNumber = 10;
/// At most this many past blocks are scanned after a gap (e.g. the node was down).
const MAX_CATCH_UP: BlockNumber = 50;

enum SealMsg {
	Progress(u64, Root),
	Done(Result<SealReport, String>),
}

struct Agent {
	cfg: AgentConfig,
	shared: Arc<Shared>,
	signer: Signer,
	genesis: Hash,
	/// The live runtime: versions to sign with, events it can read.
	runtime: Follower,
	state: AgentState,
	/// `state.filler_roots`, parsed once (the hex form is only for `state.json`).
	roots: Vec<Root>,
	/// The filler-set commitment of the first `.0` roots, kept until the roots change.
	commitment: Option<(u64, Root)>,
	sealing: Option<mpsc::Receiver<SealMsg>>,
	sealed: bool,
	target_fillers: u64,
	last_block: Option<BlockNumber>,
	in_flight: Option<(InFlight, Duty)>,
	check_pool: bool,
	said_banned: bool,
	/// The open round as this agent saw it start: (round, block, when).
	round_opened: Option<(u32, BlockNumber, Instant)>,
}

/// What a transaction is for, so its outcome can update local state.
#[derive(Clone, Debug)]
enum Duty {
	Register,
	Prove(u32),
	Commit,
	Confirm(crate::store::FragmentKey),
	Claim,
}

/// Runs the agent until the process is stopped. Returns only on a set-up error.
pub fn run(cfg: AgentConfig) -> Result<(), String> {
	let signer = Signer::from_suri(&cfg.suri)?;
	let account = signer.account().clone();
	let dir = DataDir::open(&cfg.data_dir)
		.map_err(|e| format!("data directory {}: {e}", cfg.data_dir.display()))?;
	let state = dir.load_state().map_err(|e| format!("state.json: {e}"))?;
	let chain = Chain::new(&cfg.rpc).map_err(|e| e.to_string())?;
	info!(target: LOG_TARGET, "miner {} data {} node {}", ss58(&account), cfg.data_dir.display(), chain.endpoint());

	let (genesis, runtime) = wait_for_chain(&chain, cfg.poll)?;
	let params = crate::proof_params();
	let listener = TcpListener::bind(&cfg.listen)
		.map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
	info!(target: LOG_TARGET, "HTTP endpoint on {}", cfg.listen);

	let shared = Arc::new(Shared {
		chain,
		dir,
		account: account.clone(),
		params,
		status: Default::default(),
		unconfirmed: Default::default(),
		key: signer.pair().clone(),
	});
	// Anything stored before a restart is checked once and confirmed if still pending.
	if let (Ok(stored), Ok(mut set)) = (shared.dir.stored_fragments(), shared.unconfirmed.lock()) {
		set.extend(stored);
	}
	serve(listener, shared.clone());

	let mut agent = Agent {
		cfg,
		shared,
		signer,
		genesis,
		runtime,
		roots: state.roots(),
		commitment: None,
		state,
		sealing: None,
		sealed: false,
		target_fillers: 0,
		last_block: None,
		in_flight: None,
		check_pool: true,
		said_banned: false,
		round_opened: None,
	};
	agent.start_sealing();
	// Set while the node is unreachable or failing: say so once, and once when it recovers.
	let mut failing_since: Option<Instant> = None;
	loop {
		agent.drain_sealing();
		match agent.tick() {
			Err(ChainError::RuntimeMismatch(e)) => {
				error!(target: LOG_TARGET, "stopping: {e}");
				return Err(e);
			}
			Ok(()) => {
				if let Some(since) = failing_since.take() {
					info!(target: LOG_TARGET, "node reachable again after {} s", since.elapsed().as_secs());
				}
			}
			Err(e) if failing_since.is_none() => {
				warn!(target: LOG_TARGET, "{e}; retrying every {} ms", agent.cfg.poll.as_millis());
				failing_since = Some(Instant::now());
			}
			Err(e) => log::debug!(target: LOG_TARGET, "still failing: {e}"),
		}
		std::thread::sleep(agent.cfg.poll);
	}
}

/// Waits until the node answers, checking that it runs a runtime this agent can serve
/// (`Err` if not: another chain, or a call it uses changed).
fn wait_for_chain(chain: &Chain, poll: Duration) -> Result<(Hash, Follower), String> {
	let mut said = false;
	loop {
		match chain.genesis_hash().and_then(|g| Follower::start(chain).map(|f| (g, f))) {
			Ok(found) => return Ok(found),
			Err(ChainError::RuntimeMismatch(e)) => return Err(e),
			Err(e) => {
				if !said {
					warn!(target: LOG_TARGET, "waiting for the node: {e}");
					said = true;
				}
				std::thread::sleep(poll.max(Duration::from_millis(500)));
			}
		}
	}
}

impl Agent {
	fn account(&self) -> &AccountId {
		&self.shared.account
	}

	fn chain(&self) -> &Chain {
		&self.shared.chain
	}

	/// Starts sealing towards the configured filler count on a background thread.
	fn start_sealing(&mut self) {
		let declared_tib = match self.chain().miner_info(self.account()) {
			Ok(Some(info)) => info.declared_tib,
			_ => self.cfg.declared_tib,
		};
		let params = self.shared.params;
		let declared = u64::from(declared_tib).saturating_mul(pallet_storage_miner::TIB);
		self.target_fillers =
			self.cfg.idle_fillers.unwrap_or(declared / 4 * 3 / params.filler_size.max(1));
		let known = self.roots.clone();
		info!(
			target: LOG_TARGET,
			"idle space: {} fillers of {} MiB ({} already sealed)",
			self.target_fillers,
			params.filler_size >> 20,
			known.len().min(self.target_fillers as usize)
		);
		let (tx, rx) = mpsc::channel();
		let shared = self.shared.clone();
		let account: [u8; 32] = self.account().clone().into();
		let target = self.target_fillers;
		let threads = self.cfg.seal_threads;
		std::thread::spawn(move || {
			let progress = tx.clone();
			let result =
				seal_fillers(&shared.dir, &params, &account, &known, target, threads, |i, root| {
					let _ = progress.send(SealMsg::Progress(i, root));
				});
			let _ = tx.send(SealMsg::Done(result));
		});
		self.sealing = Some(rx);
	}

	/// Takes the sealing thread's news: persists roots, notes completion.
	fn drain_sealing(&mut self) {
		let Some(rx) = &self.sealing else { return };
		let mut changed = false;
		let mut finished = None;
		while let Ok(msg) = rx.try_recv() {
			match msg {
				SealMsg::Progress(index, root) => {
					let index = index as usize;
					if index < self.roots.len() {
						if self.roots[index] != root {
							self.roots[index] = root;
							changed = true;
						}
					} else {
						self.roots.push(root);
						changed = true;
					}
				}
				SealMsg::Done(result) => finished = Some(result),
			}
		}
		if changed {
			self.state.filler_roots = self.roots.iter().map(|r| hash_hex(r)).collect();
			self.commitment = None;
			self.save_state();
		}
		if let Ok(mut status) = self.shared.status.lock() {
			status.sealed_fillers = self.roots.len().min(self.target_fillers as usize) as u64;
		}
		match finished {
			Some(Ok(report)) => {
				info!(
					target: LOG_TARGET,
					"fillers ready: {} sealed now, {} reused from disk{}",
					report.sealed,
					report.reused,
					if report.sealed > 0 {
						format!(", {:.2} MiB/s", report.bytes_per_second as f64 / 1048576.0)
					} else {
						String::new()
					}
				);
				self.sealed = true;
				self.sealing = None;
			}
			Some(Err(e)) => {
				error!(target: LOG_TARGET, "sealing failed: {e}");
				self.sealing = None;
			}
			None => {}
		}
	}

	fn save_state(&self) {
		if let Err(e) = self.shared.dir.save_state(&self.state) {
			error!(target: LOG_TARGET, "cannot save state.json: {e}");
		}
	}

	fn tick(&mut self) -> Result<(), ChainError> {
		let best = self.chain().best_number()?;
		if self.last_block == Some(best) {
			return Ok(());
		}
		// Once per new best block: an upgrade changes what we sign with (or stops us).
		let upgraded = self.runtime.refresh(&self.shared.chain)?;
		let from = match self.last_block {
			Some(last) if last < best => {
				last.saturating_add(1).max(best.saturating_sub(MAX_CATCH_UP))
			}
			_ => best,
		};
		for number in from..=best {
			if let Some(hash) = self.chain().block_hash(number)? {
				self.observe_block(number, hash)?;
			}
		}
		self.last_block = Some(best);

		let info = self.chain().miner_info(self.account())?;
		self.update_status(best, info.as_ref());

		if let (true, Some((tx, _))) = (upgraded, &mut self.in_flight) {
			// Signed with the old versions, the pool drops it: look again in two blocks.
			tx.sent_at = tx.sent_at.min(best.saturating_sub(TX_PATIENCE).saturating_add(2));
		}
		if let Some((tx, _)) = &self.in_flight {
			if best < tx.sent_at.saturating_add(TX_PATIENCE) {
				return Ok(());
			}
			if signed_by_in_pool(self.chain(), self.account())? {
				return Ok(());
			}
			warn!(target: LOG_TARGET, "{} was not included and left the pool; will retry", tx.label);
			self.in_flight = None;
		}
		if self.check_pool {
			// Sent before a restart and still waiting: do not send a second one.
			if signed_by_in_pool(self.chain(), self.account())? {
				info!(target: LOG_TARGET, "a transaction of ours is still in the pool; waiting");
				return Ok(());
			}
			self.check_pool = false;
		}
		if let Some((duty, label, call)) = self.next_duty(best, info.as_ref())? {
			self.send(duty, label, call, best)?;
		}
		Ok(())
	}

	fn update_status(&self, best: BlockNumber, info: Option<&MinerReport>) {
		let fragments = self.shared.dir.stored_fragments().map(|f| f.len() as u64).unwrap_or(0);
		if let Ok(mut status) = self.shared.status.lock() {
			*status = Status {
				account: ss58(self.account()),
				state: info.map(|i| format!("{:?}", i.state)),
				sealed_fillers: status.sealed_fillers,
				committed_fillers: info.map(|i| i.filler_count).unwrap_or(0),
				fragments,
				last_proved_round: self.state.last_proved_round,
				best_block: best,
				in_flight: self.in_flight.as_ref().map(|(tx, _)| tx.label.clone()),
			};
		}
	}

	/// Follows the transaction in flight and logs this miner's events in block `hash`.
	fn observe_block(&mut self, number: BlockNumber, hash: Hash) -> Result<(), ChainError> {
		let events = self.runtime.events(self.chain(), hash)?;
		for record in &events {
			if let RuntimeEvent::Audit(pallet_audit::Event::RoundOpened { round, .. }) =
				record.event
			{
				self.round_opened = Some((round, number, Instant::now()));
			}
			if let RuntimeEvent::FileBank(pallet_file_bank::Event::FragmentReassigned {
				file,
				fragment,
				replica,
				from,
				to: Some(to),
			}) = &record.event
			{
				if to == self.account() {
					let key = crate::store::FragmentKey {
						file: *file,
						fragment: *fragment,
						replica: *replica,
					};
					info!(target: LOG_TARGET, "#{number}: {key} moved here; fetching it from a holder");
					crate::fetch::spawn(self.shared.clone(), key, from.clone());
				}
			}
			self.log_event(number, &record.event);
		}
		let Some((tx, duty)) = self.in_flight.clone() else { return Ok(()) };
		let Some(outcome) = find_in_block(self.chain(), hash, &tx, &events)? else { return Ok(()) };
		self.in_flight = None;
		match outcome {
			Outcome::Success(_) => {
				info!(target: LOG_TARGET, "#{number}: {} included", tx.label);
				if let Duty::Prove(round) = duty {
					self.state.last_proved_round = Some(round);
					self.save_state();
					if let Some((opened, at, when)) = self.round_opened {
						if opened == round {
							info!(
								target: LOG_TARGET,
								"round {round}: proof included {} blocks ({} ms) after the round opened",
								number.saturating_sub(at),
								when.elapsed().as_millis()
							);
						}
					}
				}
			}
			Outcome::Failed(reason) => {
				warn!(target: LOG_TARGET, "#{number}: {} failed: {reason}", tx.label);
				if let (Duty::Prove(round), true) = (&duty, reason.contains("AlreadySubmitted")) {
					self.state.last_proved_round = Some(*round);
					self.save_state();
				}
			}
		}
		Ok(())
	}

	fn log_event(&self, number: BlockNumber, event: &RuntimeEvent) {
		use pallet_audit::Event as A;
		use pallet_file_bank::Event as F;
		use pallet_storage_miner::Event as M;
		let me = self.account();
		match event {
			RuntimeEvent::Audit(A::ProofVerified { miner, round, idle, service, power, cycle })
				if miner == me =>
			{
				info!(target: LOG_TARGET, "#{number}: round {round} verified: idle {idle:?}, service {service:?}, power {power} (cycle {cycle})")
			}
			RuntimeEvent::Audit(A::ProofMissed { miner, round, service_challenged })
				if miner == me =>
			{
				warn!(target: LOG_TARGET, "#{number}: round {round} MISSED (service challenged: {service_challenged})")
			}
			RuntimeEvent::Audit(A::MinerSlashed { miner, round, reason, amount, .. })
				if miner == me =>
			{
				warn!(target: LOG_TARGET, "#{number}: slashed {amount} in round {round}: {reason:?}")
			}
			RuntimeEvent::Audit(A::MinerBanned { miner, round }) if miner == me => {
				error!(target: LOG_TARGET, "#{number}: BANNED in round {round}")
			}
			RuntimeEvent::Audit(A::MinerEnrolled { miner, round }) if miner == me => {
				info!(target: LOG_TARGET, "#{number}: enrolled for challenges after round {round}")
			}
			RuntimeEvent::FileBank(F::FragmentAssigned {
				file,
				fragment,
				replica,
				miner,
				deadline,
			}) if miner == me => {
				info!(target: LOG_TARGET, "#{number}: assigned {} #{fragment} replica {replica}; upload before block {deadline}", hash_hex(file.as_bytes()))
			}
			RuntimeEvent::StorageMiner(M::RewardOrderCreated {
				miner,
				first_cycle,
				last_cycle,
				amount,
				immediate,
			}) if miner == me => {
				info!(target: LOG_TARGET, "#{number}: reward order for cycles {first_cycle}..={last_cycle}: {amount} ({immediate} at once)")
			}
			RuntimeEvent::StorageMiner(M::RewardsClaimed {
				miner,
				paid,
				unpaid,
				orders_completed,
				..
			}) if miner == me => info!(
				target: LOG_TARGET,
				"#{number}: claimed {paid} ({unpaid} kept for the next claim, {orders_completed} orders completed)"
			),
			RuntimeEvent::StorageMiner(M::StateChanged { miner, from, to }) if miner == me => {
				info!(target: LOG_TARGET, "#{number}: state {from:?} -> {to:?}")
			}
			_ => {}
		}
	}

	/// The most urgent thing to do now, as a call to send.
	fn next_duty(
		&mut self,
		best: BlockNumber,
		info: Option<&MinerReport>,
	) -> Result<Option<(Duty, String, RuntimeCall)>, ChainError> {
		let Some(info) = info else { return self.register().map(Some) };
		if info.state == MinerState::Banned {
			if !self.said_banned {
				error!(target: LOG_TARGET, "this miner is banned; nothing left to do but claim");
				self.said_banned = true;
			}
			return self.claim();
		}
		if let Some(duty) = self.prove(best)? {
			return Ok(Some(duty));
		}
		if let Some(duty) = self.commit(info) {
			return Ok(Some(duty));
		}
		if let Some(duty) = self.confirm(info)? {
			return Ok(Some(duty));
		}
		self.claim()
	}

	fn register(&self) -> Result<(Duty, String, RuntimeCall), ChainError> {
		let collateral = match self.cfg.collateral {
			Some(c) => c,
			None => self.chain().collateral_requirement(self.cfg.declared_tib)?,
		};
		let endpoint =
			self.cfg.endpoint.clone().unwrap_or_else(|| format!("http://{}", self.cfg.listen));
		let beneficiary = self.cfg.beneficiary.clone().unwrap_or_else(|| self.account().clone());
		let call = RuntimeCall::StorageMiner(pallet_storage_miner::Call::register {
			beneficiary,
			endpoint: endpoint.into_bytes().try_into().unwrap_or_default(),
			declared_tib: self.cfg.declared_tib,
			collateral,
		});
		Ok((
			Duty::Register,
			format!("register {} TiB with {collateral} collateral", self.cfg.declared_tib),
			call,
		))
	}

	fn prove(&self, best: BlockNumber) -> Result<Option<(Duty, String, RuntimeCall)>, ChainError> {
		let Some(report) = self.chain().challenge(self.account())? else { return Ok(None) };
		let Some(challenge) = report.challenge else { return Ok(None) };
		if report.proved
			|| best >= report.deadline
			|| self.state.last_proved_round == Some(report.round)
		{
			return Ok(None);
		}
		if challenge.params != self.shared.params {
			error!(target: LOG_TARGET, "the chain challenges with {:?}, this agent seals with {:?}", challenge.params, self.shared.params);
		}
		let built =
			match prove(self.chain(), &self.shared.dir, self.account(), &challenge, &self.roots) {
				Ok(built) => built,
				Err(e) => {
					error!(target: LOG_TARGET, "cannot answer round {}: {e}", report.round);
					return Ok(None);
				}
			};
		for problem in &built.problems {
			error!(target: LOG_TARGET, "round {}: {problem}", report.round);
		}
		let size = built.proof.encoded_size();
		let call = RuntimeCall::Audit(pallet_audit::Call::submit_proof {
			round: report.round,
			proof: built.proof,
		});
		Ok(Some((
			Duty::Prove(report.round),
			format!(
				"proof for round {} ({} fillers, {} fragments, {size} bytes, deadline #{})",
				report.round,
				challenge.fillers.len(),
				challenge.fragments.len(),
				report.deadline
			),
			call,
		)))
	}

	fn commit(&mut self, info: &MinerReport) -> Option<(Duty, String, RuntimeCall)> {
		if !self.sealed {
			return None;
		}
		let filler_size = self.shared.params.filler_size.max(1);
		let room = info.declared_space.saturating_sub(info.service_space) / filler_size;
		let count = (self.roots.len() as u64).min(self.target_fillers).min(room);
		// The filler-set tree is built once per count, not on every block.
		let commitment = match self.commitment {
			Some((cached, commitment)) if cached == count => commitment,
			_ => {
				let commitment = FillerSet::new(&self.roots[..count as usize]).commitment();
				self.commitment = Some((count, commitment));
				commitment
			}
		};
		if count == 0 || (info.filler_count == count && info.filler_commitment == commitment) {
			return None;
		}
		if info.state == MinerState::Frozen && count > info.filler_count {
			return None;
		}
		let call = RuntimeCall::StorageMiner(pallet_storage_miner::Call::commit_idle {
			commitment,
			filler_count: count,
		});
		Some((Duty::Commit, format!("commit {count} fillers"), call))
	}

	fn confirm(
		&self,
		info: &MinerReport,
	) -> Result<Option<(Duty, String, RuntimeCall)>, ChainError> {
		if info.state != MinerState::Positive {
			return Ok(None);
		}
		let keys: Vec<_> = match self.shared.unconfirmed.lock() {
			Ok(set) => set.iter().copied().collect(),
			Err(_) => return Ok(None),
		};
		for key in keys {
			let pending = self.chain().file_placement(key.file)?.and_then(|p| {
				p.fragments.into_iter().find(|f| f.fragment == key.fragment).and_then(|f| {
					f.replicas.into_iter().find(|r| {
						r.replica == key.replica && r.miner.as_ref() == Some(self.account())
					})
				})
			});
			match pending {
				Some(r) if !r.confirmed => {
					let call = RuntimeCall::FileBank(pallet_file_bank::Call::confirm_fragment {
						file: key.file,
						fragment: key.fragment,
						replica: key.replica,
					});
					if let Ok(mut set) = self.shared.unconfirmed.lock() {
						set.remove(&key);
					}
					let label = format!(
						"confirm {} #{} replica {}",
						hash_hex(key.file.as_bytes()),
						key.fragment,
						key.replica
					);
					return Ok(Some((Duty::Confirm(key), label, call)));
				}
				Some(_) => {}
				None => {
					// Deleted, expired or reassigned: the bytes are no longer ours to keep.
					if let Err(e) = self.shared.dir.remove_fragment(&key) {
						warn!(target: LOG_TARGET, "cannot remove {key}: {e}");
					}
				}
			}
			if let Ok(mut set) = self.shared.unconfirmed.lock() {
				set.remove(&key);
			}
		}
		Ok(None)
	}

	fn claim(&self) -> Result<Option<(Duty, String, RuntimeCall)>, ChainError> {
		if !self.cfg.claim {
			return Ok(None);
		}
		let rewards = self.chain().rewards(self.account())?;
		if rewards.frozen || rewards.claimable == 0 {
			return Ok(None);
		}
		let call = RuntimeCall::StorageMiner(pallet_storage_miner::Call::claim_rewards {});
		Ok(Some((
			Duty::Claim,
			format!(
				"claim {} ({} unclaimed cycles, {} vesting)",
				rewards.claimable, rewards.unclaimed_cycles, rewards.vesting
			),
			call,
		)))
	}

	fn send(
		&mut self,
		duty: Duty,
		label: String,
		call: RuntimeCall,
		best: BlockNumber,
	) -> Result<(), ChainError> {
		let signed = self.sign_now(call, best);
		let submitted = signed.and_then(|xt| self.chain().submit(&xt.encode()).map(|_| xt));
		match submitted {
			Ok(xt) => {
				info!(target: LOG_TARGET, "#{best}: sent {label}");
				let hash = extrinsic_hash(&xt);
				self.in_flight = Some((InFlight { label, hash, sent_at: best }, duty));
				Ok(())
			}
			Err(e) => {
				warn!(target: LOG_TARGET, "#{best}: {label} not sent: {e}");
				if let Duty::Confirm(key) = duty {
					// Retry on a later pass.
					if let Ok(mut set) = self.shared.unconfirmed.lock() {
						set.insert(key);
					}
				}
				// The runtime may have been upgraded since this block: refresh what we sign
				// with (an incompatible runtime stops the agent).
				if let Err(ChainError::RuntimeMismatch(e)) =
					self.runtime.refresh(&self.shared.chain)
				{
					return Err(ChainError::RuntimeMismatch(e));
				}
				Ok(())
			}
		}
	}

	/// Signs `call` with the next nonce, the live versions and a mortal era from `best`.
	fn sign_now(
		&self,
		call: RuntimeCall,
		best: BlockNumber,
	) -> Result<cess_runtime::UncheckedExtrinsic, ChainError> {
		let nonce = self.chain().next_nonce(self.account())?;
		let era = mortal_era(best);
		let birth = era.birth(u64::from(best)) as BlockNumber;
		let checkpoint = self
			.chain()
			.block_hash(birth)?
			.ok_or(ChainError::Decode("era checkpoint", format!("no block #{birth}")))?;
		Ok(self.signer.sign(call, nonce, self.genesis, self.runtime.live.facts, era, checkpoint))
	}
}
