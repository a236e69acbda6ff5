// The user client (`cess-node storage put|get|ls|rm|status`) end to end on one dev chain.
//
// Six storage-miner agents run next to `cess-node --dev`. A user (//Charlie) stores a random
// file with 4 + 2 erasure coding through `storage put --yes` (the client buys the lease,
// declares, uploads every fragment to its miner and waits for `FileStored`), lists it, checks
// that each segment's six fragments are on six distinct miners, that a fragment download
// without a signature (401) and an upload by someone else (403) are refused, stops two agents
// and gets the file back bit for bit from the other four, then deletes it and watches the
// miners' service space drop to zero.
//
// File size: CESS_E2E_CLIENT_MIB (default 100, as in issue 20). About 6 minutes on 2 cores.
// CESS_E2E_MEASURE=1 also times a raw copy of the same bytes (curl PUT to, and GET from, a
// local HTTP server) for docs/measurements.md.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { nodeBinary, repoRoot, startNode, tail } from '../lib/node.mjs';
import { Agent, ChainLog } from '../lib/storage.mjs';

const execFileP = promisify(execFile);
const MiB = 1 << 20;
const MIN = 60_000;
const SIZE_MIB = Number(process.env.CESS_E2E_CLIENT_MIB || 100);
const FRAGMENT = 8 * MiB;
const tmpRoot = join(repoRoot, 'scripts', 'e2e', '.tmp');
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

describe('the user client: put, ls, status, get with two miners down, rm', () => {
  let node;
  let api;
  let log;
  let user;
  let stranger;
  const agents = [];
  let failed = false;
  const file = {};
  const seeds = ['//Dave', '//Eve', '//Ferdie', '//Bob', '//Dave//stash', '//Eve//stash'];

  const client = async (args, timeoutMs = 10 * MIN) => {
    const started = Date.now();
    const { stdout, stderr } = await execFileP(
      nodeBinary(),
      ['storage', ...args, '--rpc', `http://127.0.0.1:${node.rpcPort}`, '--suri', '//Charlie', '--json'],
      { maxBuffer: 64 << 20, timeout: timeoutMs },
    );
    return { json: JSON.parse(stdout.trim().split('\n').pop()), stderr, seconds: (Date.now() - started) / 1000 };
  };

  const minerInfo = async (who) => {
    const info = await api.call.storageMinerApi.minerInfo(who);
    return info.isSome ? info.unwrap() : null;
  };

  const diag = (fn) => async () => {
    try {
      await fn();
    } catch (e) {
      failed = true;
      const parts = [e.stderr ? `--- client stderr ---\n${e.stderr}` : ''];
      for (const a of agents) parts.push(`--- agent ${a.name} ---\n${tail(a.logFile, 20)}`);
      if (log) parts.push(`--- events ---\n${log.summary(40)}`);
      const err = new Error(`${e.message}\n${parts.join('\n')}`);
      err.cause = e;
      throw err;
    }
  };

  before(async () => {
    await cryptoWaitReady();
    mkdirSync(tmpRoot, { recursive: true });
    node = await startNode('storage-client', ['--dev']);
    api = node.api;
    log = new ChainLog(api);
    await log.start();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
    user = keyring.addFromUri('//Charlie');
    stranger = keyring.addFromUri('//Ferdie//stash');
    seeds.forEach((seed, i) => agents.push(new Agent(`M${i + 1}`, keyring.addFromUri(seed))));
    for (const a of agents) rmSync(a.dataDir, { recursive: true, force: true });
    for (const [i, a] of agents.entries()) await a.start(node.rpcPort, seeds[i]);
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.stop().catch(() => {})));
    if (log) log.stop();
    if (node) await node.stop();
    if (!failed) {
      for (const a of agents) rmSync(a.dataDir, { recursive: true, force: true });
      for (const p of [file.path, file.out]) if (p) rmSync(p, { force: true });
    }
  });

  test('six agents become Positive and enrolled', { timeout: 10 * MIN }, diag(async () => {
    await log.waitFor(async () => {
      for (const a of agents) a.assertRunning();
      for (const a of agents) {
        const info = await minerInfo(a.address);
        if (!info || info.state.type !== 'Positive') return false;
        if (log.find('audit', 'MinerEnrolled', (d) => d.miner.toString() === a.address).length === 0) return false;
      }
      return true;
    }, 9 * MIN, 'six Positive, enrolled miners');
  }));

  test(`put: a ${SIZE_MIB} MiB random file at 4 + 2 is stored on six distinct miners`, { timeout: 15 * MIN }, diag(async () => {
    file.content = randomBytes(SIZE_MIB * MiB);
    file.sha256 = sha256(file.content);
    file.path = join(tmpRoot, `client-file-${process.pid}.bin`);
    file.out = join(tmpRoot, `client-file-${process.pid}.out`);
    writeFileSync(file.path, file.content);
    const { json, seconds } = await client(['put', file.path, '--yes'], 14 * MIN);
    file.hash = json.file;
    file.putSeconds = seconds;
    const segments = Math.ceil(SIZE_MIB / 32);
    assert.equal(json.size, SIZE_MIB * MiB);
    assert.equal(json.segments, segments, '32 MiB segments');
    assert.equal(json.fragments, segments * 6, '6 fragments per segment');
    assert.equal(json.uploaded, segments * 6, 'every fragment uploaded once');
    console.log(`put ${SIZE_MIB} MiB: ${seconds.toFixed(1)} s (${JSON.stringify(json.seconds)})`);

    // The chain: the client bought 1 GiB (24 slots of 8 MiB = 192 MiB for 100 MiB), declared
    // a coded file and every fragment is confirmed.
    const bought = log.find('fileBank', 'SpaceBought', (d) => d.who.toString() === user.address);
    assert.equal(bought.length, 1, 'the client bought a lease');
    const lease = (await api.call.fileBankApi.lease(user.address)).unwrap();
    assert.equal(lease.used.toBigInt(), BigInt(segments * 6 * FRAGMENT), 'lease used = fragments × 8 MiB');
    const declared = log.find('fileBank', 'FileDeclared', (d) => d.file.toHex() === file.hash);
    assert.equal(declared.length, 1);
    assert.deepEqual(declared[0].event.data.coding.toJSON(), { data: 4, parity: 2 });
    await log.waitFor(() => log.find('fileBank', 'FileStored', (d) => d.file.toHex() === file.hash).length === 1,
      MIN, 'FileStored');
    const p = (await api.call.fileBankApi.filePlacement(file.hash)).unwrap();
    assert.equal(p.state.type, 'Stored');
    assert.equal(p.fragments.length, segments * 6);
    file.holders = [];
    for (let s = 0; s < segments; s++) {
      const miners = p.fragments.slice(s * 6, s * 6 + 6).map((f) => f.replicas[0].miner.unwrap().toString());
      assert.equal(new Set(miners).size, 6, `segment ${s} is on 6 distinct miners`);
      file.holders.push(miners);
    }
    // The last segment's fragments are credited with their shard length only.
    const lastLen = Math.ceil((SIZE_MIB * MiB - (segments - 1) * 32 * MiB) / 4 / 64) * 64;
    const holder = agents.find((a) => a.address === file.holders[segments - 1][0]);
    const frags = await api.call.fileBankApi.minerFragments(holder.address, 0, 100);
    const last = frags.find((f) => f.file.toHex() === file.hash && f.fragment.toNumber() === (segments - 1) * 6);
    assert.equal(last.dataLen.toNumber(), lastLen, `last segment: ${lastLen}-byte fragments`);
  }));

  test('ls and status show the file and its health', { timeout: 2 * MIN }, diag(async () => {
    assert.ok(file.hash, 'stored by the previous test');
    const { json: ls } = await client(['ls']);
    const entry = ls.files.find((f) => f.file === file.hash);
    assert.ok(entry, 'ls lists the file');
    assert.equal(entry.size, SIZE_MIB * MiB);
    assert.equal(entry.coding, '4+2');
    assert.equal(entry.state, 'stored');
    assert.equal(entry.health.confirmed, file.holders.length * 6);
    assert.equal(entry.health.spare, 2, 'every segment can lose 2 more holders');
    assert.ok(ls.lease.expires_at > 0);
    const { json: st } = await client(['status', file.hash]);
    assert.equal(st.state, 'stored');
    assert.deepEqual(st.coding, { data: 4, parity: 2 });
    assert.equal(st.fragments.length, file.holders.length * 6);
    assert.ok(st.fragments.every((f) => f.replicas[0].confirmed));
  }));

  test('an unsigned fragment GET is refused with 401, an upload by a non-owner with 403', { timeout: 2 * MIN }, diag(async () => {
    const holder = agents.find((a) => a.address === file.holders[0][0]);
    const path = `/fragments/${file.hash}/0/0`;
    const unsigned = await holder.request('GET', path);
    assert.equal(unsigned.status, 401, `unsigned GET: ${unsigned.status} ${unsigned.text}`);
    const byStranger = await holder.request('GET', path, undefined, { signer: stranger, api });
    assert.equal(byStranger.status, 403, `GET by a stranger: ${byStranger.status} ${byStranger.text}`);
    const put = await holder.request('PUT', path, randomBytes(1024), { signer: stranger, api });
    assert.equal(put.status, 403, `PUT by a non-owner: ${put.status} ${put.text}`);
    const owner = await holder.request('GET', path, undefined, { signer: user, api });
    assert.equal(owner.status, 200, 'the owner may download');
    assert.equal(owner.buf.length, FRAGMENT);
    assert.ok(owner.buf.equals(file.content.subarray(0, FRAGMENT)), 'fragment 0 is the first 8 MiB');
  }));

  test('get with two holders of every segment down returns the same sha256', { timeout: 10 * MIN }, diag(async () => {
    // Stop the holders of data fragments 0 and 1 of segment 0: that segment must be rebuilt
    // from parity (so must every other segment those two miners hold data fragments of).
    const down = agents.filter((a) => a.address === file.holders[0][0] || a.address === file.holders[0][1]);
    assert.equal(down.length, 2);
    await Promise.all(down.map((a) => a.stop()));
    const { json, seconds } = await client(['get', file.hash, '-o', file.out]);
    console.log(`get ${SIZE_MIB} MiB with 2 miners down: ${seconds.toFixed(1)} s (${JSON.stringify(json)})`);
    const got = readFileSync(file.out);
    assert.equal(got.length, file.content.length);
    assert.equal(sha256(got), file.sha256, 'bit-identical');
    assert.ok(json.decoded_segments >= 1, 'segment 0 was rebuilt from parity');
    assert.ok(json.failures >= 2, 'the two stopped miners were tried and skipped');
    for (const [i, a] of agents.entries()) if (down.includes(a)) await a.start(node.rpcPort, seeds[i]);
    if (process.env.CESS_E2E_MEASURE) await rawCopy(seconds);
  }));

  /** Times curl PUT and GET of the file against a local HTTP server (the loopback baseline). */
  async function rawCopy(getSeconds) {
    const copy = join(tmpRoot, `client-copy-${process.pid}.bin`);
    const server = createServer((req, res) => {
      if (req.method === 'PUT') {
        const out = createWriteStream(copy);
        req.pipe(out);
        out.on('finish', () => res.end('ok'));
      } else {
        res.end(readFileSync(copy));
      }
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${server.address().port}/file`;
    let t = Date.now();
    await execFileP('curl', ['-sS', '-T', file.path, url]);
    const put = (Date.now() - t) / 1000;
    t = Date.now();
    await execFileP('curl', ['-sS', '-o', `${copy}.back`, url]);
    const get = (Date.now() - t) / 1000;
    server.close();
    rmSync(copy, { force: true });
    rmSync(`${copy}.back`, { force: true });
    const mib = SIZE_MIB;
    console.log(`raw copy ${mib} MiB: curl PUT ${(mib / put).toFixed(1)} MiB/s, GET ${(mib / get).toFixed(1)} MiB/s; ` +
      `client put ${(mib / file.putSeconds).toFixed(1)} MiB/s (ratio ${(put / file.putSeconds).toFixed(3)}), ` +
      `get ${(mib / getSeconds).toFixed(1)} MiB/s (ratio ${(get / getSeconds).toFixed(3)})`);
  }

  test('rm frees the lease at once and the miners\' service space at their next checkpoint', { timeout: 8 * MIN }, diag(async () => {
    const before = await Promise.all(agents.map(async (a) => (await minerInfo(a.address)).serviceSpace.toBigInt()));
    assert.ok(before.every((s) => s > 0n), `every miner holds service space (${before})`);
    const { stderr } = await execFileP(nodeBinary(), ['storage', 'rm', file.hash, '--rpc',
      `http://127.0.0.1:${node.rpcPort}`, '--suri', '//Charlie']);
    assert.match(stderr, /deletion started/);
    // The client returns once its extrinsic is in a block; the event log may still be reading it.
    const started = () => log.find('fileBank', 'FileDeletionStarted', (d) => d.file.toHex() === file.hash);
    await log.waitFor(() => started().length > 0, MIN, 'FileDeletionStarted');
    assert.equal(started().length, 1);
    const lease = (await api.call.fileBankApi.lease(user.address)).unwrap();
    assert.equal(lease.used.toBigInt(), 0n, 'lease space free at once');
    await log.waitFor(async () => {
      for (const a of agents) {
        if ((await minerInfo(a.address)).serviceSpace.toBigInt() !== 0n) return false;
      }
      return true;
    }, 7 * MIN, 'service space 0 on all six miners');
    const { json: ls } = await client(['ls']);
    assert.ok(!ls.files.some((f) => f.file === file.hash), 'ls no longer lists it');
  }));
});
