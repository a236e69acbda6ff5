// Faults on four local validators (Alice, Bob, Charlie, Dave from genesis; loopback only;
// faults made with signals on our own processes):
// - Dave paused (SIGSTOP) for two sessions: finality goes on with 3 of 4; Dave is reported
//   exactly per the SPEC §4 formula for its x of n (x = 1 of 4: the zero region), chilled;
// - Bob killed (SIGKILL) and restarted on the same base path: its database survives, it syncs,
//   authors canonical blocks again and is never reported for equivocation (nor at all).
// Finality lag (best − finalized, at each new best block) is measured per phase.
//
// Not in the README test command: on the shared 2-core machine under the full suite it is not
// yet deterministic (one run of two had an honest validator reported while Dave was paused).
// Run on request: `cd scripts/e2e && node --test faults/`.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { connectApi, freePort, nodeBinary, tail } from '../lib/node.mjs';
import { chainReader, lostTo, slashReports } from '../lib/offences.mjs';

const CESS = 10n ** 18n;
const MINUTE = 60_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, check, { timeoutMs = 5 * MINUTE, everyMs = 2_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(everyMs);
  }
}

/** Nearest-rank percentile of `values` (numbers). */
function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)];
}

function run(args) {
  const out = spawnSync(nodeBinary(), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`cess-node ${args.join(' ')}: ${out.stderr}`);
  return out.stdout;
}

describe('four validators under faults', () => {
  const names = ['alice', 'bob', 'charlie', 'dave'];
  const nodes = {};
  let dir;
  let spec;
  let bootnode;
  let api;
  let chain;
  let keyring;
  const addr = {};
  const lag = { idle: [], paused: [], restart: [] };
  let phase = 'idle';
  let finalizedNumber = 0;

  function startValidator(name) {
    const n = nodes[name];
    const args = [
      '--chain', spec, `--${name}`, '--base-path', join(dir, name),
      '--listen-addr', `/ip4/127.0.0.1/tcp/${n.p2p}`, '--rpc-port', String(n.rpc), '--rpc-cors', 'all',
      '--no-mdns', '--no-telemetry', '--no-prometheus', '--allow-private-ip',
      '--node-key-file', join(dir, `${name}.node-key`),
      ...(name === 'alice' ? [] : ['--bootnodes', bootnode]),
    ];
    const log = openSync(n.log, 'a');
    n.child = spawn(nodeBinary(), args, { stdio: ['ignore', log, log] });
    n.exited = new Promise((r) => n.child.once('exit', r));
  }

  const logs = () => names.map((n) => `--- ${n} ---\n${tail(nodes[n].log, 12)}`).join('\n');
  const best = async (a = api) => (await a.rpc.chain.getHeader()).number.toNumber();
  const finalized = async (a = api) =>
    (await a.rpc.chain.getHeader(await a.rpc.chain.getFinalizedHead())).number.toNumber();

  before(async () => {
    await cryptoWaitReady();
    // Chain addresses use the CESS prefix (11330); the chain spec JSON the generic one (42).
    keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    const generic = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const uri = (n) => `//${n[0].toUpperCase()}${n.slice(1)}`;
    for (const n of names) addr[n] = keyring.addFromUri(uri(n)).address;
    dir = mkdtempSync(join(tmpdir(), 'cess-e2e-faults-'));

    // The local chain spec with Dave as a fourth genesis validator (stake and session keys:
    // the dev keys `--dave` puts into its keystore). The spec text is edited, not re-serialised:
    // its balances exceed JavaScript's number precision.
    let text = run(['build-spec', '--chain', 'local', '--disable-default-bootnode']);
    const gran = run(['key', 'inspect', '--scheme', 'ed25519', '//Dave']).match(/SS58 Address:\s+(\S+)/)[1];
    const d = generic.addFromUri('//Dave').address;
    const keys = `{"authority_discovery":"${d}","babe":"${d}","grandpa":"${gran}","im_online":"${d}"}`;
    const withStaker = text.replace(/("stakers":\s*\[)/, `$1["${d}","${d}",100000000000000000000000,"Validator"],`);
    const withKeys = withStaker.replace(/("session":\s*\{\s*"keys":\s*\[)/, `$1["${d}","${d}",${keys}],`);
    assert.notEqual(withStaker, text, 'stakers patched');
    assert.notEqual(withKeys, withStaker, 'session keys patched');
    text = withKeys;
    spec = join(dir, 'spec.json');
    writeFileSync(spec, text);

    for (const n of names) {
      nodes[n] = { p2p: await freePort(), rpc: await freePort(), log: join(dir, `${n}.log`) };
    }
    writeFileSync(join(dir, 'alice.node-key'), '1'.padStart(64, '0'));
    for (const n of names.slice(1)) run(['key', 'generate-node-key', '--file', join(dir, `${n}.node-key`)]);
    const alicePeer = run(['key', 'inspect-node-key', '--file', join(dir, 'alice.node-key')]).trim();
    bootnode = `/ip4/127.0.0.1/tcp/${nodes.alice.p2p}/p2p/${alicePeer}`;
    for (const n of names) startValidator(n);

    ({ api } = await connectApi(nodes.alice.rpc));
    chain = chainReader(api);
    await api.rpc.chain.subscribeFinalizedHeads((h) => { finalizedNumber = h.number.toNumber(); });
    await api.rpc.chain.subscribeNewHeads((h) => {
      if (finalizedNumber > 0) lag[phase]?.push(h.number.toNumber() - finalizedNumber);
    });
  });

  after(async () => {
    if (api) await api.disconnect().catch(() => {});
    for (const n of Object.values(nodes)) {
      if (n.api) await n.api.disconnect().catch(() => {});
      if (n.child && n.child.exitCode === null && n.child.signalCode === null) {
        n.child.kill('SIGCONT');
        n.child.kill('SIGTERM');
        await Promise.race([n.exited, sleep(5_000)]);
        if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
      }
    }
  });

  const honestReportsCheck = async (head, honest) => {
    const blocks = await chain(head);
    const reports = await slashReports(api, blocks);
    for (const r of reports) {
      assert.ok(!honest.includes(r.validator), `honest ${r.validator} reported at block ${r.block}\n${logs()}`);
    }
    return { blocks, reports };
  };

  test('four validators author and finalize', async () => {
    const authors = new Set();
    await until('all four authored', async () => {
      const head = await api.rpc.chain.getHeader();
      for (let n = head.number.toNumber(), h = head; n > 0 && n > head.number.toNumber() - 40; n--) {
        const derived = await api.derive.chain.getHeader(h.hash);
        if (derived.author) authors.add(derived.author.toString());
        h = await api.rpc.chain.getHeader(h.parentHash);
      }
      return names.every((n) => authors.has(addr[n]));
    }, { timeoutMs: 6 * MINUTE, everyMs: 6_000 }).catch((e) => { throw new Error(`${e.message}\n${logs()}`); });
    assert.equal((await api.query.grandpa.authorities()).length, 4);
    const f = await finalized();
    await until('finality advances', async () => (await finalized()) > f + 3);
    // Idle lag over at least 15 blocks.
    await until('15 idle samples', async () => lag.idle.length >= 15, { timeoutMs: 4 * MINUTE });
    const { reports } = await honestReportsCheck(await api.rpc.chain.getFinalizedHead(), Object.values(addr));
    assert.deepEqual(reports, []);
  });

  test('Dave paused for two sessions: finality continues, Dave is reported by the formula', async (t) => {
    const s0 = (await api.query.session.currentIndex()).toNumber();
    const f0 = await finalized();
    const pausedFrom = await best();
    phase = 'paused';
    nodes.dave.child.kill('SIGSTOP');
    await until('two sessions pass', async () =>
      (await api.query.session.currentIndex()).toNumber() >= s0 + 2, { timeoutMs: 6 * MINUTE });
    const f1 = await finalized();
    nodes.dave.child.kill('SIGCONT');
    phase = 'restart';
    // Two 10-block sessions with 3 of 4 voters: finality kept up — everything that existed
    // when Dave paused, and more, was finalised while he was paused.
    assert.ok(f1 > pausedFrom && f1 > f0 + 5, `finalized ${f0} → ${f1} while Dave was paused (best ${pausedFrom})`);

    const honest = [addr.alice, addr.bob, addr.charlie];
    const { blocks, reports } = await until('Dave reported', async () => {
      const r = await honestReportsCheck(await api.rpc.chain.getFinalizedHead(), honest);
      return r.reports.some((x) => x.validator === addr.dave) ? r : null;
    }, { timeoutMs: 4 * MINUTE });
    const mine = reports.filter((r) => r.validator === addr.dave);
    for (const r of mine) {
      assert.ok(r.block > pausedFrom, `reported at ${r.block}, paused from ${pausedFrom}`);
      // Alone of four: x = 1 ≤ 4/10 + 1, the zero region: fraction 0, no slash.
      assert.equal(r.x, 1n);
      assert.equal(r.n, 4n);
      assert.equal(r.fraction, 0n);
    }
    const { expected, applied } = lostTo(api, blocks, reports, addr.dave);
    assert.equal(expected, 0n);
    assert.equal(applied, 0n);
    const at = await api.at(await api.rpc.chain.getFinalizedHead());
    assert.equal((await at.query.staking.ledger(addr.dave)).unwrap().active.toBigInt(), 100_000n * CESS);
    await until('Dave chilled', async () => (await api.query.staking.validators.keys())
      .every((k) => k.args[0].toString() !== addr.dave));
    t.diagnostic(`finalized ${f0} → ${f1} during the pause (sessions ${s0} → ${s0 + 2})`);
  });

  test('Bob killed and restarted on the same base path: keeps its data, syncs, authors again', async (t) => {
    ({ api: nodes.bob.api } = await connectApi(nodes.bob.rpc));
    const bobFinalizedBefore = await finalized(nodes.bob.api);
    await nodes.bob.api.disconnect();
    nodes.bob.child.kill('SIGKILL');
    await nodes.bob.exited;
    const killedAt = Date.now();
    await sleep(6_000);
    const restartedAt = Date.now();
    startValidator('bob');
    ({ api: nodes.bob.api } = await connectApi(nodes.bob.rpc));
    // No state lost: the database still holds what Bob had finalized.
    assert.ok((await finalized(nodes.bob.api)) >= bobFinalizedBefore,
      `Bob finalized ${bobFinalizedBefore} before the kill`);
    const target = await best();
    await until('Bob synced', async () => (await best(nodes.bob.api)) >= target, { everyMs: 500 });
    const syncedAt = Date.now();

    // A block authored by Bob after the restart that became final on Alice's chain.
    const startBlock = target;
    let authoredAt = null;
    const authored = await until('Bob authors a finalized block', async () => {
      const f = await finalized();
      for (let n = startBlock + 1; n <= f; n++) {
        const h = await api.derive.chain.getHeader(await api.rpc.chain.getBlockHash(n));
        if (h.author?.toString() === addr.bob) { authoredAt ??= Date.now(); return n; }
      }
      return null;
    }, { timeoutMs: 5 * MINUTE, everyMs: 1_000 }).catch((e) => { throw new Error(`${e.message}\n${logs()}`); });
    assert.ok(authored > startBlock);

    // Never reported, for equivocation or anything else (slashReports also refuses any
    // non-im-online offence on the chain).
    const { reports } = await honestReportsCheck(await api.rpc.chain.getFinalizedHead(),
      [addr.alice, addr.bob, addr.charlie]);
    assert.ok(reports.every((r) => r.validator === addr.dave));

    const fmt = (a) => `p50 ${percentile(a, 0.5)} p95 ${percentile(a, 0.95)} (n = ${a.length})`;
    t.diagnostic(`restart→synced ${(syncedAt - restartedAt) / 1000} s, restart→authored (final) ` +
      `${(authoredAt - restartedAt) / 1000} s, kill→restart ${(restartedAt - killedAt) / 1000} s`);
    t.diagnostic(`finality lag in blocks: idle ${fmt(lag.idle)}; Dave paused ${fmt(lag.paused)}; ` +
      `after (incl. Bob's restart) ${fmt(lag.restart)}`);
  });
});
