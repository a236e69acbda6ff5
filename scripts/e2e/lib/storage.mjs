// Shared by the storage e2e files: a per-block event log of the whole chain, and one
// `cess-node storage-miner run` agent process (`extraArgs` adds agent flags such as
// `--no-claim`), with signed fragment requests. Used by the storage-miner e2e files.

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { freePort, nodeBinary, repoRoot, tail } from './node.mjs';

const tmpRoot = join(repoRoot, 'scripts', 'e2e', '.tmp');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Records the events of every block from block 1 on (catching up on blocks the head
 * subscription skipped), so later assertions can look at everything that happened, in order.
 */
export class ChainLog {
  constructor(api) {
    this.api = api;
    this.records = []; // { block, hash, event, phase }
    this.hashes = new Map(); // block number → hash (hex)
    this.head = 0;
    this.next = 1;
    this.error = null;
    this.listeners = new Set();
    this.queue = Promise.resolve();
  }

  async start() {
    this.unsub = await this.api.rpc.chain.subscribeNewHeads((header) => {
      const n = header.number.toNumber();
      this.queue = this.queue.then(() => this.catchUp(n)).catch((e) => {
        this.error = e;
        this.notify();
      });
    });
  }

  stop() {
    if (this.unsub) this.unsub();
    this.unsub = null;
  }

  async catchUp(n) {
    while (this.next <= n) {
      const k = this.next;
      let attempt = 0;
      for (;;) {
        try {
          const hash = await this.api.rpc.chain.getBlockHash(k);
          const records = await this.eventsAt(hash, attempt);
          const hex = hash.toHex();
          for (const { event, phase } of records) this.records.push({ block: k, hash: hex, event, phase });
          this.hashes.set(k, hex);
          break;
        } catch (e) {
          if (++attempt >= 5) throw new Error(`reading the events of block ${k}: ${e.message}`);
          await sleep(1_000);
        }
      }
      this.next = k + 1;
      this.head = k;
      this.notify();
    }
  }

  /**
   * The events of block `hash`. After a failed attempt they are decoded with the parent's
   * types: the block that enacts a runtime upgrade holds events of the old runtime, while
   * polkadot.js may decode them with the new one's registry (seen in runtime-upgrade.test.mjs).
   */
  async eventsAt(hash, attempt) {
    if (attempt === 0) return (await this.api.at(hash)).query.system.events();
    const header = await this.api.rpc.chain.getHeader(hash);
    const parent = await this.api.at(header.parentHash);
    let raw = await this.api.rpc.state.getStorage(parent.query.system.events.key(), hash);
    if (typeof raw.isSome === 'boolean') raw = raw.unwrap();
    return parent.registry.createType('Vec<FrameSystemEventRecord>', raw.toU8a(true));
  }

  notify() {
    for (const l of [...this.listeners]) l();
  }

  /** Collected events `section.method` whose data satisfy `filter(data, record)`. */
  find(section, method, filter = () => true) {
    return this.records.filter(
      (r) => r.event.section === section && r.event.method === method && filter(r.event.data, r),
    );
  }

  /**
   * Resolves with the first truthy value of `check()` (sync or async), evaluated now and after
   * every collected block; rejects when `check` throws (fail fast) or after `timeoutMs`.
   */
  waitFor(check, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      let done = false;
      let busy = false;
      let again = false;
      const finish = (fn, value) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.listeners.delete(tick);
        fn(value);
      };
      const tick = async () => {
        if (done) return;
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        try {
          do {
            again = false;
            if (this.error) throw this.error;
            const value = await check();
            if (value) {
              finish(resolve, value);
              return;
            }
          } while (again && !done);
        } catch (e) {
          finish(reject, e);
        } finally {
          busy = false;
        }
      };
      const timer = setTimeout(
        () => finish(reject, new Error(
          `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what} (chain at #${this.head})`)),
        timeoutMs,
      );
      this.listeners.add(tick);
      tick();
    });
  }

  /** The last `n` storage-related events, one line each, for failure messages. */
  summary(n = 80) {
    const sections = new Set(['audit', 'storageMiner', 'fileBank']);
    return this.records
      .filter((r) => sections.has(r.event.section) && r.event.method !== 'RoundSettled')
      .slice(-n)
      .map((r) => `#${r.block} ${r.event.section}.${r.event.method} ${JSON.stringify(r.event.data.toHuman())}`)
      .join('\n');
  }
}

/** One `cess-node storage-miner run` process (restartable with the same data directory). */
/**
 * The bytes a fragment request signature covers (client/miner-agent/src/auth.rs `message`):
 * "cess/fragment-request/v1" ‖ method (0 GET, 1 PUT) ‖ file ‖ fragment u32 LE ‖ replica u8 ‖
 * block u32 LE.
 */
export function fragmentRequestMessage(method, fileHex, fragment, replica, block) {
  const domain = new TextEncoder().encode('cess/fragment-request/v1');
  const file = hexToU8a(fileHex);
  if (file.length !== 32) throw new Error(`file hash ${fileHex} is not 32 bytes`);
  const m = new Uint8Array(domain.length + 1 + 32 + 4 + 1 + 4);
  const view = new DataView(m.buffer);
  m.set(domain, 0);
  let o = domain.length;
  m[o++] = method === 'PUT' ? 1 : 0;
  m.set(file, o); o += 32;
  view.setUint32(o, fragment, true); o += 4;
  m[o++] = replica;
  view.setUint32(o, block, true);
  return m;
}

/** The X-CESS-* headers of `method` on `/fragments/<file>/<fragment>/<replica>` signed by `pair`. */
export function fragmentRequestHeaders(pair, method, path, block) {
  const m = /^\/fragments\/(0x[0-9a-fA-F]{64})\/(\d+)\/(\d+)$/.exec(path);
  if (!m) throw new Error(`not a fragment path: ${path}`);
  const message = fragmentRequestMessage(method, m[1], Number(m[2]), Number(m[3]), block);
  return {
    'x-cess-account': u8aToHex(pair.publicKey),
    'x-cess-block': String(block),
    'x-cess-signature': u8aToHex(pair.sign(message)),
  };
}

export class Agent {
  constructor(name, pair, { extraArgs = [] } = {}) {
    this.name = name;
    this.extraArgs = extraArgs;
    this.pair = pair;
    this.address = pair.address;
    this.dataDir = join(tmpRoot, `agent-${name}-${process.pid}`);
    this.logFiles = [];
    this.child = null;
    this.exited = null;
    this.intentional = false;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get logFile() {
    return this.logFiles[this.logFiles.length - 1];
  }

  async start(rpcPort, suri) {
    if (!this.port) this.port = await freePort();
    this.rpcPort = rpcPort;
    this.suri = suri;
    const logFile = join(tmpRoot, `agent-${this.name}-${process.pid}-${this.logFiles.length + 1}.log`);
    this.logFiles.push(logFile);
    const fd = openSync(logFile, 'w');
    this.exited = null;
    this.intentional = false;
    const child = spawn(
      nodeBinary(),
      [
        'storage-miner', 'run',
        '--data-dir', this.dataDir,
        '--rpc', `http://127.0.0.1:${rpcPort}`,
        '--suri', suri,
        '--declared-tib', '1',
        '--idle-fillers', '2',
        '--listen', `127.0.0.1:${this.port}`,
        ...this.extraArgs,
      ],
      { stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    this.child = child;
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        if (this.child === child) this.exited = { code, signal };
        resolve();
      });
      child.on('error', (e) => {
        if (this.child === child) this.exited = { error: e.message };
        resolve();
      });
    });
  }

  /** SIGTERM, then SIGKILL after 15 s. Returns how it ended. */
  async stop() {
    this.intentional = true;
    if (!this.child || this.exited) return this.exited;
    this.child.kill('SIGTERM');
    const graceful = await Promise.race([this.exitPromise.then(() => true), sleep(15_000).then(() => false)]);
    if (!graceful) {
      this.child.kill('SIGKILL');
      await this.exitPromise;
    }
    return { ...this.exited, graceful };
  }

  /** Throws (with the log tail) if the process died without being asked to. */
  assertRunning() {
    if (this.exited && !this.intentional) {
      throw new Error(`agent ${this.name} exited unexpectedly ${JSON.stringify(this.exited)}\n` +
        `--- ${this.logFile} ---\n${tail(this.logFile)}`);
    }
  }

  log(run = this.logFiles.length - 1) {
    try {
      return readFileSync(this.logFiles[run], 'utf8');
    } catch {
      return '';
    }
  }

  fragmentPath(fileHash, fragment, replica) {
    return join(this.dataDir, 'fragments', `${fileHash}-${fragment}-${replica}.bin`);
  }

  /**
   * An HTTP request to the agent. With `{ signer, api }`, a `/fragments/…` request is signed by
   * `signer` at the best block `api` sees (see `fragmentRequestHeaders`).
   */
  async request(method, path, body, { signer, api } = {}) {
    const headers = body ? { 'content-type': 'application/octet-stream' } : {};
    if (signer) {
      const block = (await api.rpc.chain.getHeader()).number.toNumber();
      Object.assign(headers, fragmentRequestHeaders(signer, method, path, block));
    }
    const res = await fetch(`${this.url}${path}`, {
      method,
      body,
      headers,
      signal: AbortSignal.timeout(120_000),
    });
    const buf = Buffer.from(await res.arrayBuffer());
    return { status: res.status, buf, text: buf.toString('utf8') };
  }

  /** `GET /status` as JSON, or null while the endpoint does not answer. */
  async status() {
    try {
      const r = await this.request('GET', '/status');
      return r.status === 200 ? JSON.parse(r.text) : null;
    } catch {
      return null;
    }
  }
}
