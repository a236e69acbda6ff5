// What a validator must have lost to offences, computed from the chain itself: every
// `staking.SlashReported` for it on the chain ending at a given block, each checked against
// the SPEC §4 formula for the offence's x of n (unresponsiveness for im-online reports, the
// equivocation rule for BABE and GRANDPA reports), combined the way pallet-staking combines
// slashes (the largest fraction per era; each report lands in the offence's era, which then
// ends the slashing span, so eras add up). Shared by the multi-validator tests.

import { perbillFromRational, perbillMul } from './node.mjs';

const BILLION = 1_000_000_000n;
/** 5 % as a Perbill: the maximum penalty of both rules. */
const MAX_PENALTY = 50_000_000n;
const IM_ONLINE = 'im-online:offlin';
/** Offence kinds (16 bytes) of BABE and GRANDPA equivocations, and their report calls. */
export const EQUIVOCATIONS = {
  'babe:equivocatio': 'babe',
  'grandpa:equivoca': 'grandpa',
};

/** `Perbill * Perbill` as the runtime computes it (rounded down). */
const perbillTimesPerbill = (a, b) => (a * b) / BILLION;

/** Unresponsiveness as parts per billion of MSA: `min(3·(x − (n/10 + 1)) / n, 1) × 5 %`. */
export function unresponsivenessFraction(x, n) {
  const free = n / 10n + 1n;
  if (x <= free) return 0n;
  return perbillTimesPerbill(perbillFromRational(3n * (x - free), n), MAX_PENALTY);
}

/** Equivocation as parts per billion of MSA: `min((3x/n)², 1) × 5 %`. */
export function equivocationFraction(x, n) {
  const base = perbillFromRational(3n * x, n);
  return perbillTimesPerbill(perbillTimesPerbill(base, base), MAX_PENALTY);
}

/** `Perbill::mul_floor(msa)`: the penalty amount. */
export const penalty = (fraction, msa) => (fraction * msa) / BILLION;

/**
 * Blocks of the chain ending at `head`, oldest first, each `{ hash, parentHash, number, events }`.
 * Headers and events are cached by hash, so repeated calls only fetch new blocks.
 */
export function chainReader(api) {
  const cache = new Map();
  async function block(hash) {
    const key = hash.toString();
    if (!cache.has(key)) {
      const [header, events] = await Promise.all([
        api.rpc.chain.getHeader(hash),
        (await api.at(hash)).query.system.events(),
      ]);
      cache.set(key, {
        hash: header.hash,
        parentHash: header.parentHash,
        number: header.number.toNumber(),
        events: events.map((r) => r.event),
      });
    }
    return cache.get(key);
  }
  return async function chain(head) {
    const blocks = [];
    let b = await block(head);
    while (b.number > 0) {
      blocks.push(b);
      b = await block(b.parentHash);
    }
    return blocks.reverse();
  };
}

/**
 * Every slash report on `blocks` (from `chainReader`), each checked against the formula:
 * `{ validator, block, era, kind, session, fraction, x, n, amount, slash }` where `slash` is
 * `fraction × own exposure of the era`. Throws (naming the report) if a report's fraction is
 * not the formula's, or an offence kind is neither im-online nor an equivocation.
 *
 * x is the number of offenders of the offence (same kind and time slot). n is, for im-online,
 * the number of im-online keys of the session that ended (the parent block's); for an
 * equivocation, the validator count of the key-ownership proof in the report extrinsic — what
 * the runtime itself uses.
 */
export async function slashReports(api, blocks) {
  const reports = [];
  for (const b of blocks) {
    const slashReported = b.events.filter((e) => api.events.staking.SlashReported.is(e));
    if (slashReported.length === 0) continue;
    const at = await api.at(b.hash);
    const parent = await api.at(b.parentHash);
    const msa = (await parent.query.staking.minValidatorBond()).toBigInt();
    // Offenders of each offence reported in this block.
    const offences = [];
    for (const e of b.events.filter((ev) => api.events.offences.Offence.is(ev))) {
      const [kindBytes, timeslot] = e.data;
      const kind = new TextDecoder().decode(kindBytes.toU8a());
      const ids = await at.query.offences.concurrentReportsIndex(kindBytes, timeslot);
      const offenders = [];
      for (const id of ids) {
        offenders.push((await at.query.offences.reports(id)).unwrap().offender[0].toString());
      }
      offences.push({ kind, timeslot, offenders });
    }
    let proofs = null;
    for (const e of slashReported) {
      const validator = e.data.validator.toString();
      const era = e.data.slashEra.toNumber();
      const fraction = e.data.fraction.toBigInt();
      const offence = offences.find((o) => o.offenders.includes(validator));
      if (!offence) throw new Error(`block ${b.number}: no offence names ${validator}`);
      const x = BigInt(offence.offenders.length);
      let n;
      let session;
      let ofMsa;
      if (offence.kind === IM_ONLINE) {
        // im-online reports at the end of session `timeslot`, whose validators (and im-online
        // keys) are those of the parent block.
        session = (await parent.query.session.currentIndex()).toNumber();
        const timeslot = api.createType('u32', offence.timeslot.toU8a(true)).toNumber();
        if (timeslot !== session) {
          throw new Error(`block ${b.number}: im-online offence for session ${timeslot}, parent in ${session}`);
        }
        n = BigInt((await parent.query.imOnline.keys()).length);
        ofMsa = unresponsivenessFraction(x, n);
      } else if (EQUIVOCATIONS[offence.kind]) {
        proofs ??= await equivocationProofs(api, b.hash);
        const proof = proofs.find((p) => p.pallet === EQUIVOCATIONS[offence.kind] && p.offender === validator);
        if (!proof) throw new Error(`block ${b.number}: ${offence.kind} offence of ${validator} without its report`);
        n = BigInt(proof.validatorCount);
        session = proof.session;
        ofMsa = equivocationFraction(x, n);
      } else {
        throw new Error(`block ${b.number}: unexpected ${offence.kind} offence of ${validator}`);
      }
      const amount = penalty(ofMsa, msa);
      const exposure = (await at.query.staking.erasStakersOverview(era, validator)).unwrapOrDefault();
      const total = exposure.total.toBigInt();
      const expected = total === 0n ? 0n : perbillFromRational(amount, total);
      if (fraction !== expected) {
        throw new Error(`block ${b.number}: ${validator} reported with fraction ${fraction}, ` +
          `formula (${offence.kind}, x = ${x} of n = ${n}, ${amount} of exposure ${total}) gives ${expected}`);
      }
      reports.push({
        validator, block: b.number, era, kind: offence.kind, session, fraction, x, n, amount,
        slash: perbillMul(fraction, exposure.own.toBigInt()),
      });
    }
  }
  return reports;
}

/**
 * The equivocation reports (`babe`/`grandpa.reportEquivocationUnsigned`) in block `hash`:
 * `{ pallet, offender (stash), session, validatorCount }` from each key-ownership proof.
 */
export async function equivocationProofs(api, hash) {
  const block = await api.rpc.chain.getBlock(hash);
  const at = await api.at(hash);
  const found = [];
  for (const xt of block.block.extrinsics) {
    const { section, method } = xt.method;
    if (method !== 'reportEquivocationUnsigned' && method !== 'reportEquivocation') continue;
    if (section !== 'babe' && section !== 'grandpa') continue;
    const proof = xt.method.args[1];
    const session = proof.session.toNumber();
    // The offender's stash: the owner of the equivocating key in that session.
    const evidence = xt.method.args[0];
    const key = section === 'babe' ? evidence.offender : evidence.equivocation.value.identity;
    const keyType = section === 'babe' ? 'babe' : 'gran';
    const owner = await at.query.session.keyOwner([keyType, key.toHex()]);
    found.push({
      pallet: section, session, validatorCount: proof.validatorCount.toNumber(),
      offender: owner.isSome ? owner.unwrap().toString() : null,
    });
  }
  return found;
}

/**
 * What `validator` lost on `blocks`: per era the largest slash reported, summed over eras;
 * and the `staking.Slashed` amounts actually applied to it, summed.
 */
export function lostTo(api, blocks, reports, validator) {
  const perEra = new Map();
  for (const r of reports.filter((r) => r.validator === validator)) {
    perEra.set(r.era, (perEra.get(r.era) ?? 0n) > r.slash ? perEra.get(r.era) : r.slash);
  }
  const expected = [...perEra.values()].reduce((a, b) => a + b, 0n);
  let applied = 0n;
  for (const b of blocks) {
    for (const e of b.events) {
      if (api.events.staking.Slashed.is(e) && e.data.staker.toString() === validator) {
        applied += e.data.amount.toBigInt();
      }
    }
  }
  return { expected, applied };
}
