// Four genesis validators (Alice, Bob, Charlie, Dave) of the `local` chain on loopback, as
// separate `cess-node` processes with their own base paths, for the fault tests and the
// finality benchmark. Faults are made with signals on these processes only.
//
// The spec is `build-spec --chain local` with Dave added as a fourth staker with the session
// keys `--dave` puts into its keystore. The spec text is edited, not re-serialised: its
// balances exceed JavaScript's number precision.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { connectApi, freePort, nodeBinary, tail } from './node.mjs';

export const CESS = 10n ** 18n;
export const NAMES = ['alice', 'bob', 'charlie', 'dave'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `cess-node args…` to completion and returns its stdout. */
export function runNode(args) {
  const out = spawnSync(nodeBinary(), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`cess-node ${args.join(' ')}: ${out.stderr}`);
  return out.stdout;
}

/** Polls `check()` until it returns a truthy value. */
export async function until(what, check, { timeoutMs = 5 * 60_000, everyMs = 2_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(everyMs);
  }
}

/** Nearest-rank percentile of `values` (numbers). */
export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)];
}

/**
 * Builds the four-validator spec and starts all four nodes. `extraArgs` are added to every
 * node's command line (e.g. `['-l', 'runtime::im-online=debug']`; `$CESS_E2E_NODE_ARGS`, split
 * on spaces, is appended too). Returns the network handle described below.
 */
export async function startFourValidators({ extraArgs = [] } = {}) {
  await cryptoWaitReady();
  // Chain addresses use the CESS prefix (11330); the chain spec JSON the generic one (42).
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 11330 });
  const generic = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const uri = (n) => `//${n[0].toUpperCase()}${n.slice(1)}`;
  const addr = {};
  const pair = {};
  for (const n of NAMES) {
    pair[n] = keyring.addFromUri(uri(n));
    addr[n] = pair[n].address;
  }
  const dir = mkdtempSync(join(tmpdir(), 'cess-e2e-validators-'));
  const envArgs = (process.env.CESS_E2E_NODE_ARGS ?? '').split(' ').filter(Boolean);

  let text = runNode(['build-spec', '--chain', 'local', '--disable-default-bootnode']);
  const gran = runNode(['key', 'inspect', '--scheme', 'ed25519', '//Dave']).match(/SS58 Address:\s+(\S+)/)[1];
  const d = generic.addFromUri('//Dave').address;
  const keys = `{"authority_discovery":"${d}","babe":"${d}","grandpa":"${gran}","im_online":"${d}"}`;
  const withStaker = text.replace(/("stakers":\s*\[)/, `$1["${d}","${d}",100000000000000000000000,"Validator"],`);
  const withKeys = withStaker.replace(/("session":\s*\{\s*"keys":\s*\[)/, `$1["${d}","${d}",${keys}],`);
  if (withStaker === text || withKeys === withStaker) throw new Error('could not patch the local spec');
  text = withKeys;
  const chainId = text.match(/"id":\s*"([^"]+)"/)[1];
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, text);

  const nodes = {};
  const add = async (name) => {
    nodes[name] = { name, p2p: await freePort(), rpc: await freePort(), log: join(dir, `${name}.log`) };
    return nodes[name];
  };
  for (const n of NAMES) await add(n);
  writeFileSync(join(dir, 'alice.node-key'), '1'.padStart(64, '0'));
  for (const n of NAMES.slice(1)) runNode(['key', 'generate-node-key', '--file', join(dir, `${n}.node-key`)]);
  const alicePeer = runNode(['key', 'inspect-node-key', '--file', join(dir, 'alice.node-key')]).trim();
  const bootnode = `/ip4/127.0.0.1/tcp/${nodes.alice.p2p}/p2p/${alicePeer}`;

  /** Starts (or restarts, on the same base path) node `name`; `role` is `--<name>` by default. */
  function start(name, role = [`--${name}`]) {
    const n = nodes[name];
    const args = [
      '--chain', spec, ...role, '--base-path', join(dir, name),
      '--listen-addr', `/ip4/127.0.0.1/tcp/${n.p2p}`, '--rpc-port', String(n.rpc), '--rpc-cors', 'all',
      '--no-mdns', '--no-telemetry', '--no-prometheus', '--allow-private-ip',
      '--node-key-file', join(dir, `${name}.node-key`),
      ...(name === 'alice' ? [] : ['--bootnodes', bootnode]),
      ...extraArgs, ...envArgs,
    ];
    const log = openSync(n.log, 'a');
    n.child = spawn(nodeBinary(), args, { stdio: ['ignore', log, log] });
    n.exited = new Promise((r) => n.child.once('exit', r));
  }

  const running = (n) => n.child && n.child.exitCode === null && n.child.signalCode === null;

  const net = {
    dir, spec, chainId, nodes, addr, pair, keyring, bootnode, start,
    /** Alice's API (the observer the tests read the chain through). */
    api: null,
    /** Sends `signal` to node `name`. */
    signal(name, signal) { nodes[name].child.kill(signal); },
    /** SIGKILLs node `name` and waits for it to exit. */
    async kill(name) {
      const n = nodes[name];
      if (n.api) { await n.api.disconnect().catch(() => {}); n.api = null; }
      n.child.kill('SIGKILL');
      await n.exited;
    },
    /** An API connected to node `name` (cached). */
    async connect(name) {
      const n = nodes[name];
      if (!n.api) ({ api: n.api } = await connectApi(n.rpc));
      return n.api;
    },
    /**
     * Starts `name` as a second validator node holding `of`'s session keys: the operator
     * mistake of §8 of docs/operators/validator.md. The keys are put into its keystore with
     * `cess-node key insert` (`--<of>` keeps the dev keys in memory only, so there is no
     * keystore directory to copy).
     */
    async startWithKeysOf(name, of) {
      const n = await add(name);
      runNode(['key', 'generate-node-key', '--file', join(dir, `${name}.node-key`)]);
      const suri = `//${of[0].toUpperCase()}${of.slice(1)}`;
      for (const [type, scheme] of [['babe', 'sr25519'], ['gran', 'ed25519'], ['imon', 'sr25519'], ['audi', 'sr25519']]) {
        runNode(['key', 'insert', '--base-path', join(dir, name), '--chain', spec,
          '--key-type', type, '--scheme', scheme, '--suri', suri]);
      }
      start(name, ['--validator', '--name', name]);
      return n;
    },
    /** The last lines of every node's log. */
    logs(lines = 12) {
      return Object.keys(nodes).map((n) => `--- ${n} ---\n${tail(nodes[n].log, lines)}`).join('\n');
    },
    /** Stops every node (resuming paused ones first). */
    async stop() {
      if (net.api) await net.api.disconnect().catch(() => {});
      for (const n of Object.values(nodes)) {
        if (n.api) await n.api.disconnect().catch(() => {});
        if (running(n)) {
          n.child.kill('SIGCONT');
          n.child.kill('SIGTERM');
          await Promise.race([n.exited, sleep(5_000)]);
          if (running(n)) { n.child.kill('SIGKILL'); await n.exited; }
        }
      }
    },
  };
  for (const n of NAMES) start(n);
  ({ api: net.api } = await connectApi(nodes.alice.rpc));
  return net;
}

/** Best block number as seen by `api`. */
export const bestNumber = async (api) => (await api.rpc.chain.getHeader()).number.toNumber();

/** Finalized block number as seen by `api`. */
export const finalizedNumber = async (api) =>
  (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();

/**
 * Whether `stash` is online (im-online's view: a heartbeat received or a block authored) in
 * the session of the state `at`. Returns the session index, or null.
 */
export async function onlineInSession(at, stash) {
  const session = (await at.query.session.currentIndex()).toNumber();
  const validators = (await at.query.session.validators()).map(String);
  const index = validators.indexOf(stash);
  if (index < 0) return null;
  const heartbeat = (await at.query.imOnline.receivedHeartbeats(session, index)).isSome;
  const authored = (await at.query.imOnline.authoredBlocks(session, stash)).toNumber() > 0;
  return heartbeat || authored ? session : null;
}
