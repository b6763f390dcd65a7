// Random op sequences, the circuit against the model both ways: random deposits, trades, withdrawals, liquidations,
// deleverages, settlements and forced requests (valid and invalid alike, on the sim's config or a random tiered one,
// under random price moves and funding ticks) are offered to the model; every batch of accepted ops must prove with
// the model's per-slot state, and every op the model rejects, put where the model rejected it, must have no witness —
// failing inside its slot, at one of the circuit's tagged rules.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ForcedKind,
  makeParams,
  Opcode,
  paramSet,
  ProtocolErrorCode,
  RATE_SCALE,
  type BatchHeader,
  type Op,
} from "../../protocol/index.js";
import { SIM_DOMAIN, simParams } from "../../client/sim/markets.js";
import { isCircuitToolError } from "../../circuits/tooling/errors.js";
import { batchCircuit, expectProves, frames, taggedLines, UNIT, World } from "./batch-world.js";
import { randomConfig, Rng, seeds } from "./harness/gen.js";
import type { Circuit } from "./harness/index.js";

const ACTORS = 6;
const paramsOfSim = () => simParams("test");
const TAGGED_FILES = [
  "circuits/ops/deposit.circom",
  "circuits/ops/withdraw.circom",
  "circuits/ops/trade.circom",
  "circuits/ops/liquidate.circom",
  "circuits/ops/deleverage.circom",
  "circuits/ops/funding_settle.circom",
  "circuits/ops/forced_liquidation_check.circom",
  "circuits/batch/op_slot.circom",
  "circuits/batch/order_port.circom",
  "circuits/batch/signature_check.circom",
  "circuits/batch/port_write.circom",
  "circuits/batch/gated_merkle_update.circom",
];

/**
 * The circuit must refuse `op`'s slot at a rule: a line tagged with a protocol rejection code. With several flaws in
 * one op the model reports the first it checks and the circuit the first it evaluates, which may differ (the
 * single-flaw cases of batch-rejections.test.ts pin each code to its line); either way the op must not pass.
 */
async function expectSlotRejects(
  c: Circuit,
  w: World,
  prefix: readonly Op[],
  op: Op,
  code: ProtocolErrorCode,
  over: Partial<BatchHeader>,
): Promise<void> {
  const { inputs } = w.substituted(prefix, op, over);
  let err: unknown;
  try {
    await c.witness(inputs);
  } catch (e) {
    err = e;
  }
  expect(err, `the circuit accepted an op the model rejects with ${code}`).toBeDefined();
  if (!isCircuitToolError(err, "WITNESS_FAILED")) throw err;
  const fs = frames(err.message);
  const tags = [...ProtocolErrorCode, "index ≥ 2^depth"];
  const hit = TAGGED_FILES.some((file) => {
    const template = templateName(file, readFileSync(file, "utf8"));
    return tags.some((tag) => {
      let lines: number[];
      try {
        lines = taggedLines(file, tag);
      } catch {
        return false;
      }
      return fs.some((f) => f.template === template && lines.includes(f.line));
    });
  });
  expect(
    hit && fs.some((f) => f.template === "OpSlot"),
    `${code}: the circuit failed outside a rule of the slot:\n${err.message}\nop: ${describeOp(op)}`,
  ).toBe(true);
}

function describeOp(op: Op): string {
  return JSON.stringify(op, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

function templateName(file: string, src: string): string {
  const m = /^template (\w+)\(/m.exec(src);
  if (!m) throw new Error(`${file}: no template`);
  return m[1]!;
}

/** A random op over the world's current state: often valid, otherwise broken in a random way. */
function randomOp(rng: Rng, w: World, nonces: Map<string, bigint>, slotNonce: Map<string, bigint>): Op {
  const who = (): number => rng.int(ACTORS + 2); // 6 and 7 are unregistered
  const actorOf = (i: number): number => Math.min(i, ACTORS - 1);
  const asset = (): number => (rng.int(10) === 0 ? 3 : rng.int(3));
  const market = (): number => (rng.int(30) === 0 ? 2 : rng.int(2));
  const mark = (m: number): bigint => w.prices.markets[m] ?? 60_000n * UNIT;
  const around = (p: bigint, pct: number): bigint => {
    const d = (p * BigInt(pct)) / 100n;
    return d === 0n ? p : p - d + rng.uniform(0n, 2n * d);
  };
  const amountOf = (m: number, big = false): bigint => {
    const usd = big ? rng.uniform(1_000n, 5_000_000n) : rng.uniform(100n, 200_000n);
    return (usd * UNIT * UNIT) / mark(m) + 1n;
  };
  const kind = rng.int(20);
  if (kind < 3) {
    const i = who();
    return w.deposit(
      i,
      asset(),
      rng.int(15) === 0 ? 0n : rng.uniform(1n, 100_000n) * UNIT,
      rng.int(6) === 0 ? actorOf(who()) : actorOf(i),
    );
  }
  if (kind < 10) {
    const m = market();
    const price = around(mark(Math.min(m, 1)), 5);
    const fill = amountOf(Math.min(m, 1), rng.int(6) === 0);
    // One order, with at most one random flaw (each order has one in about three cases): an older nonce, another
    // market or side, a size below the fill, a limit on the wrong side of the price, expiry at the batch time,
    // reduce-only, another key.
    const side = (i: number, buy: boolean) => {
      const slot = rng.int(4);
      const key = `${i}/${slot}`;
      const cur = slotNonce.get(key) ?? 0n;
      const flaw = rng.int(24);
      const nonce = flaw === 0 && cur > 1n ? cur - 1n : rng.bool() && cur > 0n ? cur : cur + 1n;
      slotNonce.set(key, nonce);
      const good = buy ? price + rng.uniform(0n, price / 50n) : price - rng.uniform(0n, price / 50n);
      const limit = flaw === 4 ? around(price, 3) : good;
      return w.order(
        i,
        {
          slot,
          nonce: Number(nonce),
          market: flaw === 1 ? 1 - Math.min(m, 1) : m,
          buy: flaw === 2 ? !buy : buy,
          size: flaw === 3 ? fill / 2n + 1n : fill + rng.uniform(0n, fill),
          limit: limit > 0n ? limit : 1n,
          expiry: flaw === 5 ? w.time + 60n : w.time + 86_400n,
          flags: flaw === 6 ? 1 : 0,
          maxFee: flaw === 7 ? 0n : 1_000n + rng.uniform(0n, 1_000n),
        },
        flaw === 8 ? actorOf(who()) : actorOf(i),
      );
    };
    const party = (): number => (rng.int(12) === 0 ? who() : rng.int(ACTORS));
    const a = party();
    const b = rng.int(20) === 0 ? a : party();
    const buy = rng.bool();
    const fee = (): bigint => (fill * price * rng.uniform(0n, 1_000n)) / RATE_SCALE;
    return w.trade(side(a, !buy), side(b, buy), rng.int(40) === 0 ? 0n : fill, price, [fee(), fee()]);
  }
  if (kind < 13) {
    const i = who();
    const key = String(i);
    const n = nonces.get(key) ?? w.account(i).nonce;
    const nonce = rng.int(10) === 0 ? n + 1n : n;
    return w.withdraw(
      i,
      asset(),
      rng.uniform(1n, 300_000n) * UNIT,
      nonce,
      rng.int(20) === 0 ? actorOf(who()) : actorOf(i),
    );
  }
  if (kind < 15) {
    const m = rng.int(2);
    const l = who();
    const withOrder = rng.bool();
    const s = w.account(l).sizes[m] ?? 0n;
    const fill = s === 0n ? UNIT : (s < 0n ? -s : s) / BigInt(1 + rng.int(3)) + BigInt(rng.int(2));
    const price = around(mark(m), 3);
    const liquidator = withOrder
      ? w.order(actorOf(who()), {
          slot: 3,
          nonce: 100 + rng.int(1000),
          market: m,
          buy: s > 0n,
          size: fill * 2n,
          limit: s > 0n ? price * 2n : 1n,
        })
      : null;
    const penalty = (fill * mark(m) * BigInt(rng.int(12_000))) / RATE_SCALE;
    const forced =
      rng.int(4) === 0 ? w.forcedRequest(ForcedKind.LIQUIDATION, actorOf(l), actorOf(who())) : null;
    return w.liquidate(
      l,
      m,
      fill,
      price,
      penalty,
      liquidator,
      forced && BigInt(l) === forced.accountIndex ? forced : null,
    );
  }
  if (kind < 16) {
    const m = rng.int(2);
    const a = who();
    const s = w.account(a).sizes[m] ?? 0n;
    return w.deleverage(a, who(), m, s === 0n ? UNIT : s < 0n ? -s : s, around(mark(m), 5));
  }
  if (kind < 17) return w.settle(who());
  if (kind < 19) {
    const i = actorOf(who());
    return w.forcedWithdraw(i, asset() % 3, rng.int(8) === 0 ? 0n : rng.uniform(1n, 300_000n) * UNIT);
  }
  return w.forcedCheck(actorOf(who()), actorOf(who()));
}

/**
 * One random run: a world on the sim's config (even seeds) or a random tiered one (odd seeds), two funding batches,
 * then three batches of random ops under random price moves and funding ticks. Returns the batches proven; records
 * the rejection codes met in `rejectedCodes` (key "seed/code").
 */
async function runSeed(c: Circuit, seed: number, rejectedCodes: Map<string, number>): Promise<number> {
  let proven = 0;
  const rng = new Rng(seed);
  const sizes = paramSet("test");
  // Half the runs on a random tiered config (rates anywhere in (0, 1], tiers near typical notionals).
  const params =
    seed % 2 === 0
      ? paramsOfSim()
      : makeParams(
          sizes,
          SIM_DOMAIN,
          randomConfig(rng, sizes.markets, sizes.collaterals, sizes.tiers, [
            [UNIT * UNIT * 10_000n],
            [UNIT * UNIT * 1_000n],
          ]),
        );
  const w = new World(`random-${seed}`, ACTORS, params, {
    markets: [60_000n * UNIT, 3_000n * UNIT],
    collaterals: [3_000n * UNIT, 60_000n * UNIT],
  });
  const rich = 1_000_000n * UNIT;
  w.commit([
    w.deposit(0, 0, rich),
    w.deposit(1, 0, rich),
    w.deposit(2, 0, rich),
    w.deposit(3, 0, 20_000n * UNIT),
  ]);
  w.commit([
    w.deposit(4, 0, 50_000n * UNIT),
    w.deposit(5, 0, rich),
    w.deposit(1, 1, 100n * UNIT),
    w.deposit(4, 2, UNIT),
  ]);
  const nonces = new Map<string, bigint>();
  const slotNonce = new Map<string, bigint>();
  for (let batch = 0; batch < 3; batch++) {
    // Prices move up to ±6 %, funding up to its per-batch bound.
    const prices = {
      markets: w.prices.markets.map((p) => (p * BigInt(94 + rng.int(13))) / 100n),
      collaterals: w.prices.collaterals.map((p) => (p * BigInt(94 + rng.int(13))) / 100n),
    };
    const funding = w.funding.map((f, m) => {
      const bound = (prices.markets[m]! * w.params.config.markets[m]!.maxFundingStep) / RATE_SCALE;
      return f + rng.uniform(-bound, bound);
    });
    const over = { prices, fundingIndices: funding };
    const accepted: Op[] = [];
    let tries = 0;
    nonces.clear();
    while (accepted.length < 4 && tries++ < 40) {
      const op = randomOp(rng, w, nonces, slotNonce);
      const v = w.verdict(accepted, op, over);
      if (v === "ok") {
        accepted.push(op);
        if (op.opcode === Opcode.WITHDRAW) nonces.set(String(op.accountIndex), op.nonce + 1n);
      } else if (typeof v === "string" && v !== "FORCED_MISMATCH") {
        // At most two circuit checks per code and run keep the run short; the model's rejection is the same
        // decision whatever the count.
        const seen = rejectedCodes.get(`${seed}/${v}`) ?? 0;
        if (seen < 2 && accepted.length < 4) {
          rejectedCodes.set(`${seed}/${v}`, seen + 1);
          await expectSlotRejects(c, w, accepted, op, v as ProtocolErrorCode, over);
        }
      } else {
        throw v instanceof Error ? v : new Error(String(v));
      }
    }
    await expectProves(c, w.commit(accepted, over));
    proven++;
  }
  return proven;
}

describe("BatchMain(test) on random op sequences", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await batchCircuit();
  });

  it("[I5][I7][I9][I11][I18] accepted batches prove; rejected ops fail in their slot at their rule", async () => {
    const rejectedCodes = new Map<string, number>();
    let proven = 0;
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        proven += await runSeed(c, seed, rejectedCodes);
      }),
      { numRuns: 2, endOnFailure: true },
    );
    expect(proven).toBe(6);
    // The generator reaches the interesting rejections (not only malformed input).
    const codes = new Set([...rejectedCodes.keys()].map((k) => k.split("/")[1]));
    expect(codes.size).toBeGreaterThanOrEqual(8);
  });
});
