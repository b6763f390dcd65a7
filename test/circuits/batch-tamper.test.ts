// Under-constraint attacks on honest batch witnesses, judged by our R1CS checker (the witness calculator would refuse
// to compute them): one signal changed — a hint (quotient, bit, selector, inverse), a path bit, an index beyond the
// tree, the signature's enable, the written leaf, an outcome flag, the public input — must violate a constraint; and
// over whole batches no non-input wire may move alone, except circomlib IsZero inverses whose input is 0 (their
// output is pinned to 1 by in·out = 0 and out = 1 − in·inv whatever the inverse is).
import { beforeAll, describe, expect, it } from "vitest";
import { runScenario, type ScenarioRun } from "../../client/sim/scenario.js";
import { Opcode } from "../../protocol/index.js";
import { simPrices } from "../../client/sim/markets.js";
import { batchWitness } from "../../circuits/tooling/batchWitness.js";
import { batchCircuit, expectProves, UNIT, World } from "./batch-world.js";
import { expectAllPinned, expectSatisfied, expectViolated, type Circuit } from "./harness/index.js";

/** The first of `names` that survives --O2 as a wire (aliases of one value keep one name). */
function wire(c: Circuit, names: readonly string[]): string {
  const n = names.find((x) => c.signals.isWire(x));
  if (!n) throw new Error(`none of ${names.join(", ")} is a wire`);
  return n;
}

/**
 * IsZero inverse wires whose IsZero input is 0 in `w` — the only wires allowed to move alone. An honest IsZero
 * inverse is 1/in, or 0 exactly when in = 0 (circomlib's hint), so the zero-valued `.inv` wires are those.
 */
function freeInverses(c: Circuit, w: readonly bigint[]): string[] {
  const out: string[] = [];
  for (const [name, wireIndex] of c.signals.entries()) {
    if (wireIndex >= 0 && name.endsWith(".inv") && w[wireIndex] === 0n) out.push(name);
  }
  return out;
}

const flip = (v: bigint): bigint => 1n - v;

describe("BatchMain(test) under tampering", () => {
  let c: Circuit;
  let run: ScenarioRun;
  /** Scenario batch 6: TRADE (alice maker, dave taker: index 4), LIQUIDATE carol by dave's order serving a forced
   *  request, FORCED_LIQUIDATION_CHECK, NOOP. */
  let w: bigint[];
  beforeAll(async () => {
    c = await batchCircuit();
    run = runScenario({ paramSet: "test" });
    const b = run.batches[5]!;
    expect(b.slots.map((s) => s.op.opcode)).toEqual([
      Opcode.TRADE,
      Opcode.LIQUIDATE,
      Opcode.FORCED_LIQUIDATION_CHECK,
      Opcode.NOOP,
    ]);
    w = await c.witness(batchWitness(b.result).inputs);
    await expectSatisfied(c, w);
  });
  const tampered = (changes: Record<string, (v: bigint) => bigint>): bigint[] =>
    c.tamperMany(w, Object.fromEntries(Object.entries(changes).map(([n, f]) => [n, f(c.value(w, n))])));

  it("opcode selectors: a selector off, a coherent selector for another opcode, an unknown opcode", async () => {
    await expectViolated(c, tampered({ "slot[0].sel[3]": flip }));
    // One-hot kept (NOOP instead of TRADE) but the opcode input still says 3: sel[0]·(3 − 0) ≠ 0.
    await expectViolated(c, tampered({ "slot[0].sel[3]": flip, "slot[0].sel[0]": flip }));
    await expectViolated(c, tampered({ "slots[0].opcode": () => 9n }));
    // The same slot claiming NOOP through and through (opcode and selectors) still carries a trade's writes.
    await expectViolated(
      c,
      tampered({ "slots[0].opcode": () => 0n, "slot[0].sel[3]": flip, "slot[0].sel[0]": flip }),
    );
  });

  it("the signature's `enabled` is no free signal: it has no wire, being the sum of opcode selector wires", () => {
    for (const k of [0, 1]) {
      expect(c.signals.has(`slot[0].signature[${k}].v.enabled`)).toBe(true);
      expect(c.signals.isWire(`slot[0].signature[${k}].v.enabled`)).toBe(false);
    }
    // …and those selectors cannot move (previous test). A bad signature under an enabled verifier:
    return expectViolated(c, tampered({ "slots[0].sig[0].S": (s) => s + 1n }));
  });

  it("hints: an IsZero inverse of a non-zero input, a floor-division quotient, decomposition bits, comparator outputs", async () => {
    expect(c.value(w, "slots[0].index[1]")).toBe(4n); // dave
    await expectViolated(c, tampered({ "slot[0].isFund[1].inv": (v) => v + 1n }));
    await expectViolated(c, tampered({ "slot[1].marginBefore[0].tv": (v) => v + 1n }));
    await expectViolated(c, tampered({ "slot[1].marginBefore[0].tv": (v) => v - 1n }));
    await expectViolated(c, tampered({ "slot[0].fillRange.bits[0]": flip }));
    await expectViolated(c, tampered({ "slot[0].order[0].expiryRange.bits[3]": flip }));
    await expectViolated(c, tampered({ "slot[0].order[0].aboveLimit.out": flip }));
    await expectViolated(
      c,
      tampered({ [wire(c, ["slot[0].order[1].live.out", "slot[0].order[1].live.lt.out"])]: flip }),
    );
    await expectViolated(c, tampered({ "slot[1].marginAfter[0].tier[0]": (v) => v + 1n }));
  });

  it("[I14] Merkle: a path bit of 2 with the index sum kept, an index of 2^depth more, a moved root", async () => {
    // dave = 4 = 0b000100: bit 1 → 2 and bit 2 → 0 keep Σ b·2^j = 4.
    const bits = (j: number): string => `slot[0].port[1].path.after.pathBits[${j}]`;
    expect([c.value(w, bits(1)), c.value(w, bits(2))]).toEqual([0n, 1n]);
    await expectViolated(c, tampered({ [bits(1)]: () => 2n, [bits(2)]: () => 0n }));
    await expectViolated(c, tampered({ "slots[0].index[1]": (v) => v + 64n }));
    await expectViolated(c, tampered({ "slot[0].port[0].rootOut": (v) => v + 1n }));
  });

  it("[I11] the written state: the new leaf, an after field, the order-slot root, the register, the proposal", async () => {
    await expectViolated(c, tampered({ "slot[0].port[0].leaf.out": (v) => v + 1n }));
    await expectViolated(c, tampered({ "slot[0].port[0].after.quote": (v) => v + 1n }));
    await expectViolated(c, tampered({ "slot[0].order[1].ordersRootAfter": (v) => v + 1n }));
    await expectViolated(c, tampered({ "slot[0].proposedQuote[0]": (v) => v + 1n }));
    await expectViolated(c, tampered({ "slot[0].effects.deltaA": (v) => v + 1n }));
    await expectViolated(
      c,
      tampered({ [wire(c, ["slot[0].fundOut.quote", "slot[1].fundIn.quote"])]: (v) => v + 1n }),
    );
    await expectViolated(
      c,
      tampered({ [wire(c, ["slot[1].forcedHashOut", "slot[2].forcedHashIn"])]: (v) => v + 1n }),
    );
  });

  it("outcome flags: written, sufficient, risk-increasing, the fill margin rule, healthy", async () => {
    await expectViolated(c, tampered({ "slot[0].written[0]": flip }));
    await expectViolated(c, tampered({ "slot[0].sufficient": flip }));
    await expectViolated(c, tampered({ "slot[0].rules[0].riskIncreasing": flip }));
    await expectViolated(c, tampered({ "slot[0].rules[0].fillOk": flip }));
    await expectViolated(c, tampered({ "slot[1].marginAfter[1].healthy": flip }));
  });

  it("the public input alone", async () => {
    await expectViolated(c, tampered({ publicInputHash: (v) => v + 1n }));
  });

  it("no free wire but zero-input IsZero inverses, over batches of every opcode", async () => {
    // Deposits (with a refund), trades, liquidations, health proofs, withdrawals, forced withdrawals, settlements.
    for (const i of [0, 3, 4, 5, 6]) {
      const wi = await c.witness(batchWitness(run.batches[i]!.result).inputs);
      await expectAllPinned(c, wi, freeInverses(c, wi));
    }
    // DELEVERAGE (absent from the scenario).
    const d = new World("tamper-deleverage");
    d.commit([
      d.deposit(0, 0, 1_000n * UNIT),
      d.deposit(1, 0, 1_000_000n * UNIT),
      d.deposit(3, 0, 10_000n * UNIT),
    ]);
    d.commit([
      d.trade(
        d.order(1, { buy: false, size: 2n * UNIT, limit: 60_000n * UNIT }),
        d.order(3, { buy: true, size: 2n * UNIT, limit: 60_000n * UNIT }),
        (3n * UNIT) / 2n,
        60_000n * UNIT,
      ),
    ]);
    d.prices = simPrices(d.params, { BTC: "50000", WBTC: "50000" });
    const wd = await expectProves(c, d.commit([d.deleverage(3, 1, 0, UNIT, 53_000n * UNIT)]));
    await expectAllPinned(c, wd, freeInverses(c, wd));
  });
});
