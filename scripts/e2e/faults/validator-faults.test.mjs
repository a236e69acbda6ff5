// Faults on four local validators (Alice, Bob, Charlie, Dave from genesis; loopback only;
// faults made with signals on our own processes), each checked with exact numbers:
// - Dave paused (SIGSTOP) for two whole sessions: finality goes on with 3 of 4, and Dave is
//   reported for exactly those two sessions at x = 1 of n = 4 (the zero region of the SPEC §4
//   formula: no slash), chilled; he calls `staking.validate` again;
// - Bob killed (SIGKILL) and restarted on the same base path: its database survives, it syncs,
//   authors again and never equivocates (nor is it reported at all);
// - a 2/2 split (Charlie and Dave paused for a whole session): finality stops (nothing built
//   after the pause is finalised), resumes when they come back, and the two are reported
//   together, x = 2 of 4: 375 CESS each, exactly the formula;
// - throughout: honest validators are never reported, no two conflicting blocks are ever
//   finalised on any node, and no author ever signs two blocks for one slot.
// Finality lag (best − finalized, at each new best block), heal-to-finality and
// restart-to-authoring times are printed as diagnostics (docs/measurements.md).
//
// About 20 minutes: not in the default README run; `scripts/test.sh --faults` runs it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { submitAndWatch } from '../lib/node.mjs';
import { chainReader, lostTo, slashReports } from '../lib/offences.mjs';
import {
  CESS, NAMES, bestNumber, finalizedNumber, onlineInSession, percentile, startFourValidators, until,
} from '../lib/validators.mjs';

const MINUTE = 60_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const BOND = 100_000n * CESS;

describe('four validators under faults', () => {
  let net;
  let api;
  let addr;
  let chain;
  const lag = { idle: [], paused: [], restart: [], split: [], healed: [] };
  let phase = 'idle';
  let finalizedNow = 0;
  // Every finalized head any node announced: [node, number, hash].
  const finalizedSeen = [];
  // Every header Alice imported (forks included), by BABE (slot, authority index).
  const headersBySlot = new Map();
  const timings = {};

  /** Records `name`'s finalized heads until its API disconnects. */
  async function watchFinality(name) {
    const a = await net.connect(name);
    await a.rpc.chain.subscribeFinalizedHeads((h) => {
      finalizedSeen.push([name, h.number.toNumber(), h.hash.toHex()]);
    });
  }

  before(async () => {
    net = await startFourValidators();
    ({ api, addr } = net);
    chain = chainReader(api);
    await api.rpc.chain.subscribeFinalizedHeads((h) => {
      finalizedNow = h.number.toNumber();
      finalizedSeen.push(['alice', finalizedNow, h.hash.toHex()]);
    });
    await api.rpc.chain.subscribeNewHeads((h) => {
      if (finalizedNow > 0) lag[phase]?.push(h.number.toNumber() - finalizedNow);
    });
    await api.rpc.chain.subscribeAllHeads((h) => {
      for (const log of h.digest.logs) {
        if (!log.isPreRuntime || log.asPreRuntime[0].toString() !== 'BABE') continue;
        const inner = api.createType('RawBabePreDigest', log.asPreRuntime[1]).value;
        const key = `${inner.slotNumber.toString()}/${inner.authorityIndex.toNumber()}`;
        if (!headersBySlot.has(key)) headersBySlot.set(key, new Set());
        headersBySlot.get(key).add(h.hash.toHex());
      }
    });
    for (const n of NAMES.slice(1)) await watchFinality(n);
  });

  after(async () => {
    if (net) await net.stop();
  });

  /** All reports on Alice's finalized chain; none may name a validator in `honest`. */
  async function reportsNow(honest, head) {
    const blocks = await chain(head ?? await api.rpc.chain.getFinalizedHead());
    const reports = await slashReports(api, blocks);
    for (const r of reports) {
      assert.ok(!honest.includes(r.validator),
        `honest ${r.validator} reported at block ${r.block} (${r.kind}, x = ${r.x} of ${r.n})\n${net.logs()}`);
      assert.equal(r.kind, 'im-online:offlin', `${r.kind} offence of ${r.validator} at block ${r.block}`);
    }
    return { blocks, reports };
  }

  /**
   * Waits until every one of `names` is online in the current session, in Alice's finalized
   * state (so no reorganisation can undo it), with best and finalized in the same session.
   * Returns that session.
   */
  async function onlineNow(names) {
    return until(`${names} online in the current session`, async () => {
      const at = await api.at(await api.rpc.chain.getFinalizedHead());
      const session = (await at.query.session.currentIndex()).toNumber();
      if ((await api.query.session.currentIndex()).toNumber() !== session) return null;
      for (const n of names) if ((await onlineInSession(at, addr[n])) !== session) return null;
      return { session };
    }, { timeoutMs: 3 * MINUTE, everyMs: 1_000 });
  }

  const session = async () => (await api.query.session.currentIndex()).toNumber();
  const candidates = async () => (await api.query.staking.validators.keys()).map((k) => k.args[0].toString());

  /** Waits until all four are in this session's set and the next one's. */
  async function fourInSet() {
    await until('four validators in this session and the next', async () => {
      const now = (await api.query.session.validators()).map(String);
      const queued = (await api.query.session.queuedKeys()).map(([v]) => v.toString());
      return NAMES.every((n) => now.includes(addr[n]) && queued.includes(addr[n]));
    }, { timeoutMs: 8 * MINUTE, everyMs: 3_000 });
  }

  test('four validators author and finalize', async () => {
    const authors = new Set();
    await until('all four authored', async () => {
      const head = await api.rpc.chain.getHeader();
      for (let n = head.number.toNumber(), h = head; n > 0 && n > head.number.toNumber() - 40; n--) {
        const derived = await api.derive.chain.getHeader(h.hash);
        if (derived.author) authors.add(derived.author.toString());
        h = await api.rpc.chain.getHeader(h.parentHash);
      }
      return NAMES.every((n) => authors.has(addr[n]));
    }, { timeoutMs: 6 * MINUTE, everyMs: 6_000 }).catch((e) => { throw new Error(`${e.message}\n${net.logs()}`); });
    assert.equal((await api.query.grandpa.authorities()).length, 4);
    const f = await finalizedNumber(api);
    await until('finality advances', async () => (await finalizedNumber(api)) > f + 3);
    // Idle lag over at least 20 blocks, then nobody reported in the first sessions.
    await until('20 idle samples', async () => lag.idle.length >= 20, { timeoutMs: 4 * MINUTE });
    const { reports } = await reportsNow(Object.values(addr));
    assert.deepEqual(reports, []);
  });

  test('Dave paused for two sessions: finality continues, Dave is reported by the formula', async () => {
    const honest = [addr.alice, addr.bob, addr.charlie];
    // Paused once online in session s: offline for the whole of s + 1 and s + 2.
    const { session: s } = await onlineNow(['dave']);
    const f0 = await finalizedNumber(api);
    phase = 'paused';
    net.signal('dave', 'SIGSTOP');
    const pausedFrom = await bestNumber(api);
    await until('two whole sessions pass', async () => (await session()) >= s + 3, { timeoutMs: 6 * MINUTE });
    const f1 = await finalizedNumber(api);
    net.signal('dave', 'SIGCONT');
    phase = 'restart';
    // Three of four voters are a supermajority: what existed at the pause, and more, was
    // finalised while Dave was paused.
    assert.ok(f1 > pausedFrom && f1 > f0 + 5, `finalized ${f0} → ${f1} while Dave was paused (best ${pausedFrom})`);

    const { blocks, reports } = await until('Dave reported for both sessions', async () => {
      const r = await reportsNow(honest);
      return r.reports.filter((x) => x.validator === addr.dave).length >= 2 ? r : null;
    }, { timeoutMs: 4 * MINUTE });
    const mine = reports.filter((r) => r.validator === addr.dave);
    // Exactly the two sessions he missed, each alone of four: x = 1 ≤ 4/10 + 1, the zero
    // region: fraction 0, no slash.
    assert.deepEqual(mine.map((r) => r.session), [s + 1, s + 2]);
    for (const r of mine) {
      assert.equal(r.x, 1n);
      assert.equal(r.n, 4n);
      assert.equal(r.amount, 0n);
      assert.equal(r.fraction, 0n);
    }
    assert.equal(reports.length, 2, 'nobody else reported');
    const { expected, applied } = lostTo(api, blocks, reports, addr.dave);
    assert.equal(expected, 0n);
    assert.equal(applied, 0n);
    const at = await api.at(await api.rpc.chain.getFinalizedHead());
    assert.equal((await at.query.staking.ledger(addr.dave)).unwrap().active.toBigInt(), BOND);
    assert.ok(!(await candidates()).includes(addr.dave), 'Dave chilled');

    // The operator fixes the cause and validates again.
    const validate = await submitAndWatch(api, api.tx.staking.validate({ commission: 0, blocked: false }), net.pair.dave);
    assert.equal(validate.dispatchError, undefined, 'validate');
    assert.ok((await candidates()).includes(addr.dave));
  });

  test('Bob killed and restarted on the same base path: keeps its data, syncs, authors again', async () => {
    const bob = await net.connect('bob');
    const bobFinalizedBefore = await finalizedNumber(bob);
    const lastBefore = await bestNumber(api);
    await net.kill('bob');
    const killedAt = Date.now();
    await sleep(6_000);
    const restartedAt = Date.now();
    net.start('bob');
    const bobAgain = await net.connect('bob');
    await watchFinality('bob');
    // No state lost: the database still holds what Bob had finalized.
    assert.ok((await finalizedNumber(bobAgain)) >= bobFinalizedBefore,
      `Bob finalized ${bobFinalizedBefore} before the kill`);
    const target = await bestNumber(api);
    await until('Bob synced', async () => (await bestNumber(bobAgain)) >= target, { everyMs: 500 });
    const syncedAt = Date.now();

    // Bob's first block after the restart on Alice's best chain (its slot is after the
    // restart), then one of them final.
    const bobSince = async (from, to) => {
      for (let n = from; n <= to; n++) {
        const hash = await api.rpc.chain.getBlockHash(n);
        if ((await api.derive.chain.getHeader(hash)).author?.toString() !== addr.bob) continue;
        if ((await (await api.at(hash)).query.timestamp.now()).toNumber() >= restartedAt) return n;
      }
      return null;
    };
    const authored = await until('Bob authors again', async () => {
      const n = await bobSince(lastBefore + 1, await bestNumber(api));
      return n ? { number: n, at: Date.now() } : null;
    }, { timeoutMs: 5 * MINUTE, everyMs: 500 }).catch((e) => { throw new Error(`${e.message}\n${net.logs()}`); });
    await until('a block of Bob\'s after the restart final', async () =>
      bobSince(lastBefore + 1, await finalizedNumber(api)), { timeoutMs: 5 * MINUTE, everyMs: 2_000 });
    timings.restart = {
      synced: (syncedAt - restartedAt) / 1000,
      authored: (authored.at - restartedAt) / 1000,
      down: (restartedAt - killedAt) / 1000,
    };
  });

  test('a 2/2 split: finality stops, resumes on heal; the two are slashed as x = 2 of 4', async (t) => {
    const honest = [addr.alice, addr.bob];
    await fourInSet();
    const before = await reportsNow(honest);
    const { session: s } = await onlineNow(['charlie', 'dave']);
    const fPause = await finalizedNumber(api);
    phase = 'split';
    net.signal('charlie', 'SIGSTOP');
    net.signal('dave', 'SIGSTOP');
    const pausedAt = Date.now();
    // Anything Charlie or Dave may have voted for existed on Alice or Bob by now.
    const bestAtPause = Math.max(await bestNumber(api), await bestNumber(await net.connect('bob')));
    await until('a whole session without them', async () => (await session()) >= s + 2, { timeoutMs: 6 * MINUTE });
    const bestAtHeal = await bestNumber(api);
    const fHeal = await finalizedNumber(api);
    // Two voters of four: nothing built after the pause can be final.
    assert.ok(fHeal <= bestAtPause, `finalized ${fHeal} during the split, best was ${bestAtPause} at the pause`);
    assert.ok(bestAtHeal >= bestAtPause + 4, `best grew ${bestAtPause} → ${bestAtHeal} during the split`);
    net.signal('charlie', 'SIGCONT');
    net.signal('dave', 'SIGCONT');
    const healedAt = Date.now();
    phase = 'healed';
    await until('finality resumes', async () => (await finalizedNumber(api)) > fHeal, { everyMs: 250 });
    const resumedAt = Date.now();
    await until('the split\'s blocks final', async () => (await finalizedNumber(api)) >= bestAtHeal, { everyMs: 250 });
    const caughtUpAt = Date.now();
    timings.split = {
      paused: (healedAt - pausedAt) / 1000,
      resumed: (resumedAt - healedAt) / 1000,
      caughtUp: (caughtUpAt - healedAt) / 1000,
      stalledAt: fHeal, fPause, bestAtPause, bestAtHeal,
    };

    // Offline together for the whole of session s + 1: x = 2 of n = 4,
    // min(3·(2 − (4/10 + 1))/4, 1) × 5 % × MSA = 0.75 × 5 % × 10 000 CESS = 375 CESS each.
    const msa = (await api.query.staking.minValidatorBond()).toBigInt();
    assert.equal(msa, 10_000n * CESS);
    const { blocks, reports } = await until('both reported', async () => {
      const r = await reportsNow(honest);
      return r.reports.length >= before.reports.length + 2 ? r : null;
    }, { timeoutMs: 4 * MINUTE });
    const fresh = reports.slice(before.reports.length);
    assert.deepEqual(fresh.map((r) => r.validator).sort(), [addr.charlie, addr.dave].sort());
    const head = await api.rpc.chain.getFinalizedHead();
    const at = await api.at(head);
    for (const r of fresh) {
      assert.equal(r.session, s + 1);
      assert.equal(r.x, 2n);
      assert.equal(r.n, 4n);
      assert.equal(r.amount, 375n * CESS);
      // The fraction of the exposure that takes 375 CESS; the slash is that fraction of the
      // own stake (100 000 CESS up to the election's vote-weight rounding).
      assert.ok(r.slash > 375n * CESS - 1_000_000n && r.slash <= 375n * CESS, `${r.slash}`);
      const { expected, applied } = lostTo(api, blocks, reports, r.validator);
      assert.equal(applied, expected, `${r.validator}: slashes applied = the formula amounts`);
      assert.equal((await at.query.staking.ledger(r.validator)).unwrap().active.toBigInt(), BOND - expected);
      assert.ok(!(await candidates()).includes(r.validator), `${r.validator} chilled`);
    }
    t.diagnostic(`split: ${JSON.stringify(timings.split)}`);
  });

  test('no conflicting finality and no double-signed slot anywhere', async (t) => {
    const f = await finalizedNumber(api);
    for (const [node, number, hash] of finalizedSeen) {
      if (number > f) continue;
      assert.equal((await api.rpc.chain.getBlockHash(number)).toHex(), hash,
        `${node} finalized ${hash} at ${number}, Alice's chain has another block there`);
    }
    // Each node's own view, now: its finalized block is on Alice's chain.
    for (const n of NAMES) {
      const a = await net.connect(n);
      const fin = await a.rpc.chain.getFinalizedHead();
      const num = (await a.rpc.chain.getHeader(fin)).number.toNumber();
      if (num <= f) assert.equal((await api.rpc.chain.getBlockHash(num)).toHex(), fin.toHex(), `${n} at ${num}`);
    }
    assert.ok(finalizedSeen.length > 50, `${finalizedSeen.length} finalized heads seen`);
    const doubled = [...headersBySlot].filter(([, hashes]) => hashes.size > 1);
    assert.deepEqual(doubled, [], 'two blocks for one slot by one author');
    const fmt = (a) => `p50 ${percentile(a, 0.5)} p95 ${percentile(a, 0.95)} max ${Math.max(...a)} (n = ${a.length})`;
    t.diagnostic(`restart (s): ${JSON.stringify(timings.restart)}`);
    t.diagnostic(`finality lag in blocks: idle ${fmt(lag.idle)}; Dave paused ${fmt(lag.paused)}; ` +
      `after (incl. Bob's restart) ${fmt(lag.restart)}; split ${fmt(lag.split)}; healed ${fmt(lag.healed)}`);
    t.diagnostic(`headers seen ${headersBySlot.size}, finalized heads seen ${finalizedSeen.length}`);
  });
});
