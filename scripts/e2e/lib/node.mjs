// Starts and stops real `cess-node` processes for end-to-end tests.
//
// Every node gets free loopback ports and a temporary base path, logs to a file under
// scripts/e2e/.tmp/ (printed when a test fails), and is always killed by `stop()`.

import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { mkdirSync, openSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..', '..');
const tmpRoot = join(repoRoot, 'scripts', 'e2e', '.tmp');

/** Path of the node binary: $CESS_NODE_BIN, else the shared cargo target directory. */
export function nodeBinary() {
  if (process.env.CESS_NODE_BIN) return process.env.CESS_NODE_BIN;
  const target =
    process.env.CARGO_TARGET_DIR || join(process.env.HOME, '.cache', 'cess-node', 'target');
  const bin = join(target, 'release', 'cess-node');
  if (!existsSync(bin)) throw new Error(`cess-node not built: ${bin} (run scripts/test.sh)`);
  return bin;
}

/**
 * How long a starting node may take to open its RPC port. Building a chain's genesis took up
 * to 121 s with four e2e files and a build sharing the two cores, so the limit is 5 minutes
 * (override with NODE_START_TIMEOUT_MS); a node that exits while starting fails at once.
 */
export const NODE_START_TIMEOUT_MS = Number(process.env.NODE_START_TIMEOUT_MS || 300_000);

/**
 * Connects @polkadot/api to a node already listening on `rpcPort`. `alive()`, when given, is
 * asked while waiting: a `false` (the process that should open the port has exited) fails at
 * once instead of at the deadline.
 */
export async function connectApi(rpcPort, { timeoutMs = NODE_START_TIMEOUT_MS, alive } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (!(await portOpen(rpcPort))) {
    if (alive && !alive()) throw new Error(`the process that should listen on RPC port ${rpcPort} exited`);
    if (Date.now() > deadline) throw new Error(`nothing listens on RPC port ${rpcPort}`);
    await sleep(500);
  }
  const provider = new WsProvider(`ws://127.0.0.1:${rpcPort}`);
  const api = await withTimeout(
    ApiPromise.create({ provider, noInitWarn: true }),
    Math.max(deadline - Date.now(), 10_000),
    'connecting @polkadot/api',
  );
  return { api, provider };
}

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function portOpen(port) {
  return new Promise((ok) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); ok(true); });
    socket.once('error', () => { socket.destroy(); ok(false); });
  });
}

/** Rejects if `promise` does not settle within `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`timed out: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Starts `cess-node` with `args` (e.g. ['--dev']) on free ports (Prometheus only with
 * `prometheus: true`). Returns { api, rpcPort, p2pPort, prometheusPort, logFile, stop, running }.
 */
export async function startNode(name, args, { timeoutMs = NODE_START_TIMEOUT_MS, prometheus = false } = {}) {
  mkdirSync(tmpRoot, { recursive: true });
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const prometheusPort = prometheus ? await freePort() : null;
  const logFile = join(tmpRoot, `${name}-${process.pid}-${rpcPort}.log`);
  const log = openSync(logFile, 'w');
  const child = spawn(
    nodeBinary(),
    [
      // `{p2pPort}` in an argument stands for the node's own p2p port.
      ...args.map((a) => a.replaceAll('{p2pPort}', String(p2pPort))),
      '--tmp',
      '--rpc-port', String(rpcPort),
      ...(prometheus ? ['--prometheus-port', String(prometheusPort)] : ['--no-prometheus']),
      '--no-telemetry',
      '--no-mdns',
      '--rpc-cors', 'all',
      '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
    ],
    { stdio: ['ignore', log, log] },
  );
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  const stop = async () => {
    if (api) await api.disconnect().catch(() => {});
    if (exited) return;
    child.kill('SIGTERM');
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    if (!exited) child.kill('SIGKILL');
  };

  let api = null;
  let provider = null;
  const deadline = Date.now() + timeoutMs;
  try {
    // Wait for the RPC port to accept TCP connections, then connect the API once.
    while (!(await portOpen(rpcPort))) {
      if (exited) throw new Error(`cess-node exited early (${JSON.stringify(exited)})`);
      if (Date.now() > deadline) throw new Error('cess-node RPC did not come up in time');
      await sleep(500);
    }
    provider = new WsProvider(`ws://127.0.0.1:${rpcPort}`);
    api = await withTimeout(
      ApiPromise.create({ provider, noInitWarn: true }),
      Math.max(deadline - Date.now(), 10_000),
      'connecting @polkadot/api',
    );
  } catch (e) {
    await stop();
    throw new Error(`${e.message}\n--- ${logFile} ---\n${tail(logFile)}`);
  }
  return {
    api, provider, rpcPort, p2pPort, prometheusPort, logFile, stop, logTail: () => tail(logFile),
    /** Whether the process has not exited. */
    running: () => exited === null,
  };
}

/** The last lines of a log file, for failure messages. */
export function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Resolves once `predicate(header)` holds for a new best (or finalized) head. */
export function waitForHead(api, predicate, { finalized = false, timeoutMs = 120_000 } = {}) {
  return new Promise((ok, fail) => {
    let unsub = null;
    const timer = setTimeout(() => {
      if (unsub) unsub();
      fail(new Error(`timed out waiting for ${finalized ? 'finalized' : 'best'} head`));
    }, timeoutMs);
    const sub = finalized ? api.rpc.chain.subscribeFinalizedHeads : api.rpc.chain.subscribeNewHeads;
    sub((header) => {
      if (predicate(header)) {
        clearTimeout(timer);
        if (unsub) unsub();
        ok(header);
      }
    }).then((u) => { unsub = u; });
  });
}

/**
 * Signs and submits `tx`, resolves when it is in a block with
 * { blockHash, events, dispatchError } (events are this extrinsic's only).
 */
export function submitAndWatch(api, tx, signer, options = {}, { timeoutMs = 120_000 } = {}) {
  return new Promise((ok, fail) => {
    let unsub = null;
    const timer = setTimeout(() => {
      if (unsub) unsub();
      fail(new Error('transaction not included in time'));
    }, timeoutMs);
    tx.signAndSend(signer, options, (result) => {
      if (result.isError) {
        clearTimeout(timer);
        if (unsub) unsub();
        fail(new Error(`transaction failed in pool: ${result.status.type}`));
        return;
      }
      if (result.status.isInBlock) {
        clearTimeout(timer);
        if (unsub) unsub();
        ok({
          blockHash: result.status.asInBlock,
          events: result.events.map(({ event }) => event),
          dispatchError: result.dispatchError,
        });
      }
    })
      .then((u) => { unsub = u; })
      .catch((e) => { clearTimeout(timer); fail(e); });
  });
}

/**
 * The account of a pallet id (e.g. the treasury's `py/trsry`), as the runtime derives it:
 * `"modl" ++ id`, zero-padded to 32 bytes.
 */
export function palletAccount(palletId) {
  const bytes = new Uint8Array(32);
  bytes.set(new TextEncoder().encode('modl'), 0);
  bytes.set(palletId instanceof Uint8Array ? palletId : palletId.toU8a(), 4);
  return u8aToHex(bytes);
}

/** Perbill::from_rational(p, q) as the runtime computes it (rounded down, at most 100 %). */
export function perbillFromRational(p, q) {
  if (q === 0n) return 0n;
  const parts = (p * 1_000_000_000n) / q;
  return parts > 1_000_000_000n ? 1_000_000_000n : parts;
}

/** `Perbill(parts) * x` as the runtime computes it (nearest, ties rounded down). */
export function perbillMul(parts, x) {
  const acc = 1_000_000_000n;
  const m = (x % acc) * parts;
  const correction = m / acc + (m % acc > acc / 2n ? 1n : 0n);
  return (x / acc) * parts + correction;
}

/** Collects events matching `filter` from new blocks until `done(found)` returns true. */
export function collectEvents(api, filter, done, { timeoutMs = 300_000 } = {}) {
  return new Promise((ok, fail) => {
    const found = [];
    let unsub = null;
    const timer = setTimeout(() => {
      if (unsub) unsub();
      fail(new Error(`timed out collecting events (${found.length} found)`));
    }, timeoutMs);
    api.query.system.events((records) => {
      for (const { event } of records) if (filter(event)) found.push(event);
      if (done(found)) {
        clearTimeout(timer);
        if (unsub) unsub();
        ok(found);
      }
    }).then((u) => { unsub = u; });
  });
}
