// OpenGov helpers for the e2e tests: note a preimage, submit a referendum from a track origin,
// place the decision deposit, vote from enough accounts to pass the 50 % support curve, and
// follow the referendum to its enactment.

import assert from 'node:assert/strict';
import { blake2AsHex } from '@polkadot/util-crypto';
import { submitAndWatch } from './node.mjs';

export const CESS = 10n ** 18n;

/** The 14 well-known development accounts of the dev chain, each endowed with 1 000 000 CESS. */
export const VOTERS = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie',
  '//Alice//stash', '//Bob//stash', '//Charlie//stash', '//Dave//stash', '//Eve//stash', '//Ferdie//stash',
  '//One', '//Two'];

/** Submits `tx` and asserts it dispatched; returns { block, events }. */
export async function ok(api, tx, signer, what) {
  const r = await submitAndWatch(api, tx, signer);
  if (r.dispatchError) {
    let msg = r.dispatchError.toString();
    if (r.dispatchError.isModule) {
      const d = api.registry.findMetaError(r.dispatchError.asModule);
      msg = `${d.section}.${d.name}`;
    }
    assert.fail(`${what}: ${msg}`);
  }
  const block = (await api.rpc.chain.getHeader(r.blockHash)).number.toNumber();
  return { block, events: r.events, blockHash: r.blockHash };
}

/**
 * Runs one referendum: notes `call` as a preimage (or inlines it), submits it from `origin`
 * (e.g. `{ Origins: 'StorageAdmin' }`, `{ system: 'Root' }`), places the decision deposit and
 * votes aye from `voters` (keyring pairs) with convictions Locked1x, Locked2x, …. Returns the
 * referendum index, the submission block and the voting blocks.
 */
export async function propose(api, { call, origin, enactment = { After: 0 }, proposer, voters, inline = false, voteBalance = 990_000n * CESS }) {
  const bytes = call.method.toHex();
  let proposal;
  const out = {};
  if (inline) {
    proposal = { Inline: bytes };
  } else {
    const hash = blake2AsHex(bytes, 256);
    const noted = await ok(api, api.tx.preimage.notePreimage(bytes), proposer, 'preimage.notePreimage');
    assert.ok(noted.events.some((e) => e.section === 'preimage' && e.method === 'Noted' && e.data.hash_.toHex() === hash),
      'preimage.Noted with the hash of the call');
    out.noteBlock = noted.block;
    proposal = { Lookup: { hash, len: (bytes.length - 2) / 2 } };
  }
  const submitTx = api.tx.referenda.submit(origin, proposal, enactment);
  const submitted = await ok(api, submitTx, proposer, 'referenda.submit');
  const ev = submitted.events.find((e) => e.section === 'referenda' && e.method === 'Submitted');
  assert.ok(ev, 'referenda.Submitted');
  out.index = ev.data.index.toNumber();
  out.track = ev.data.track.toNumber();
  out.submitBlock = submitted.block;
  out.submitTx = submitTx;
  const convictions = ['Locked1x', 'Locked2x', 'Locked3x', 'Locked4x', 'Locked5x', 'Locked6x'];
  // The deposit first (the proposer also votes: one transaction at a time per account), then
  // every vote at once.
  const deposit = await ok(api, api.tx.referenda.placeDecisionDeposit(out.index), proposer, 'placeDecisionDeposit');
  out.depositBlock = deposit.block;
  const votes = await Promise.all(voters.map((v, i) => ok(api,
    api.tx.convictionVoting.vote(out.index, { Standard: { vote: { aye: true, conviction: convictions[i % 6] }, balance: voteBalance } }),
    v, `vote ${i}`)));
  out.lastVoteBlock = Math.max(...votes.map((r) => r.block));
  return out;
}
