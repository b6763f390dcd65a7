// FloorDiv / CeilDiv (circuits/lib/floor_div, ceil_div): the rounding of the shown margin figures (PROTOCOL §5.2:
// values round down, requirements round up). Their quotient and remainder are prover hints, so besides
// single-signal tampering these tests build complete alternative witnesses — every bit re-derived — and check
// that exactly the intended guard is what stops them.
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { ceilDiv, floorDiv } from "../../protocol/field.js";
import { MARGIN_VALUE_BITS, RATE_SCALE } from "../../protocol/constants.js";
import {
  circuit,
  expectAllPinned,
  expectSatisfied,
  expectViolated,
  expectWitnessFails,
  honest,
  mod,
  setBits,
  type Circuit,
} from "./harness/index.js";

const RUNS = { numRuns: 25 };
const pow2 = (n: number): bigint => 1n << BigInt(n);

/** num = q·den + r with q ∈ Int<nQ>, den ∈ [1, 2^nD), r ∈ [0, den): every valid FloorDiv input. */
function divCase(nQ: number, nD: number): fc.Arbitrary<{ num: bigint; den: bigint }> {
  return fc
    .tuple(fc.bigInt(-pow2(nQ - 1), pow2(nQ - 1) - 1n), fc.bigInt(1n, pow2(nD) - 1n))
    .chain(([q, den]) => fc.bigInt(0n, den - 1n).map((r) => ({ num: q * den + r, den })));
}

/**
 * Writes a complete FloorDiv/CeilDiv witness for chosen hints (q, r): the outputs, the quotient's range bits, the
 * remainder's bits and the bits of LessThan(nD)'s shifted difference r + 2^nD − den.
 */
function rebuild(
  c: Circuit,
  w: readonly bigint[],
  nQ: number,
  nD: number,
  den: bigint,
  q: bigint,
  r: bigint,
): bigint[] {
  const t = c.tamperMany(w, { q, r });
  if (c.signals.has("qNeg")) t[c.signalIndex("qNeg")] = q < 0n ? 1n : 0n;
  setBits(c, t, ["qRange.r.bits"], q + pow2(nQ - 1), nQ);
  setBits(c, t, ["rRange.bits"], r, nD);
  setBits(c, t, ["rLtDen.n2b.out"], r + pow2(nD) - den, nD + 1);
  // LessThan's output is a constant while `=== 1` holds; were that constraint missing, it would be a wire.
  if (c.signals.isWire("rLtDen.out")) t[c.signalIndex("rLtDen.out")] = r < den ? 1n : 0n;
  return t;
}

describe("FloorDiv(40, 20)", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("floor_div", "FloorDiv", [40, 20], ["num", "den"]);
  });

  it("q = floor(num/den), 0 ≤ r < den, qNeg = (num < 0), as protocol/field.ts floorDiv", async () => {
    await fc.assert(
      fc.asyncProperty(divCase(40, 20), async ({ num, den }) => {
        const w = await honest(c, { num: mod(num), den });
        const q = floorDiv(num, den);
        expect(c.signed(w, "q")).toBe(q);
        expect(c.value(w, "r")).toBe(num - q * den);
        expect(c.value(w, "qNeg")).toBe(num < 0n ? 1n : 0n);
      }),
      RUNS,
    );
  });

  it("rounds toward −∞ on exact, inexact, negative and zero dividends (hand-checked)", async () => {
    const cases: [bigint, bigint, bigint, bigint][] = [
      // num, den, floor, remainder
      [7n, 2n, 3n, 1n],
      [-7n, 2n, -4n, 1n],
      [-8n, 2n, -4n, 0n],
      [0n, 5n, 0n, 0n],
      [-1n, 1_000_000n, -1n, 999_999n],
    ];
    for (const [num, den, q, r] of cases) {
      const w = await honest(c, { num: mod(num), den });
      expect([c.signed(w, "q"), c.value(w, "r")]).toEqual([q, r]);
    }
  });

  it("rejects a zero divisor and quotients outside Int40", async () => {
    await expectWitnessFails(c, { num: 5n, den: 0n });
    await expectWitnessFails(c, { num: 0n, den: 0n });
    const den = 1000n;
    await honest(c, { num: pow2(39) * den - 1n, den });
    await expectWitnessFails(c, { num: pow2(39) * den, den });
    await honest(c, { num: mod(-pow2(39) * den), den });
    await expectWitnessFails(c, { num: mod(-pow2(39) * den - 1n), den });
  });

  it("single-signal tampering of q, r, qNeg or the divisor is rejected", async () => {
    const w = await honest(c, { num: mod(-12345n), den: 100n });
    await expectViolated(c, c.tamper(w, "q", c.signed(w, "q") + 1n));
    await expectViolated(c, c.tamper(w, "r", c.value(w, "r") + 1n));
    await expectViolated(c, c.tamper(w, "qNeg", 0n));
    await expectViolated(c, c.tamper(w, "den", 0n));
    await expectAllPinned(c, w);
  });

  it("a fully re-derived witness with r ≥ den (q − 1, r + den) fails only on r < den", async () => {
    const den = 1000n;
    const num = 123_456n;
    const w = await honest(c, { num, den });
    const q = floorDiv(num, den);
    const r = num - q * den;
    // Control: the rebuild reproduces a satisfying witness from the honest hints.
    await expectSatisfied(c, rebuild(c, w, 40, 20, den, q, r));
    expect(r + den < pow2(20)).toBe(true);
    const bad = rebuild(c, w, 40, 20, den, q - 1n, r + den);
    const v = await c.violations(bad);
    expect(v.length).toBeGreaterThan(0);
    // Every violated constraint belongs to the r < den comparator: the range checks and num = q·den + r hold.
    for (const i of v)
      expect((await c.constraintSignals(i)).some((n) => n.startsWith("main.rLtDen."))).toBe(true);
  });

  it("a remainder 'made negative' via field wrap (q + 1, r − den) has no bit decomposition", async () => {
    const den = 1000n;
    const w = await honest(c, { num: 123_456n, den });
    await expectViolated(c, c.tamperMany(w, { q: c.signed(w, "q") + 1n, r: c.value(w, "r") - den }));
  });
});

describe(`FloorDiv(${MARGIN_VALUE_BITS}, 20) with den = 10^6 (AccountMargin's tv)`, () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("floor_div", "FloorDiv", [MARGIN_VALUE_BITS, 20], ["num", "den"]);
  });

  it(`accepts exactly the TVs whose floor is Int${MARGIN_VALUE_BITS} (MARGIN_VALUE_BITS)`, async () => {
    const den = RATE_SCALE;
    const half = pow2(MARGIN_VALUE_BITS - 1);
    await honest(c, { num: half * den - 1n, den });
    await expectWitnessFails(c, { num: half * den, den });
    const w = await honest(c, { num: mod(-half * den), den });
    expect(c.signed(w, "q")).toBe(-half);
    await expectWitnessFails(c, { num: mod(-half * den - 1n), den });
  });
});

describe("CeilDiv(40, 20)", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("ceil_div", "CeilDiv", [40, 20], ["num", "den"]);
  });

  it("q = ceil(num/den), 0 ≤ r = q·den − num < den, as protocol/field.ts ceilDiv", async () => {
    await fc.assert(
      fc.asyncProperty(divCase(39, 20), async ({ num, den }) => {
        const w = await honest(c, { num: mod(num), den });
        const q = ceilDiv(num, den);
        expect(c.signed(w, "q")).toBe(q);
        expect(c.value(w, "r")).toBe(q * den - num);
      }),
      RUNS,
    );
  });

  it("rounds toward +∞ (hand-checked)", async () => {
    const cases: [bigint, bigint, bigint][] = [
      [7n, 2n, 4n],
      [-7n, 2n, -3n],
      [8n, 2n, 4n],
      [1n, 1_000_000n, 1n],
      [0n, 3n, 0n],
    ];
    for (const [num, den, q] of cases) {
      const w = await honest(c, { num: mod(num), den });
      expect(c.signed(w, "q")).toBe(q);
    }
  });

  it("rejects a zero divisor and quotients outside Int40", async () => {
    await expectWitnessFails(c, { num: 5n, den: 0n });
    const den = 1000n;
    await honest(c, { num: (pow2(39) - 1n) * den, den });
    await expectWitnessFails(c, { num: (pow2(39) - 1n) * den + 1n, den });
  });

  it("tampered hints are rejected, including a fully re-derived (q + 1, r + den)", async () => {
    const den = 1000n;
    const num = 123_456n;
    const w = await honest(c, { num, den });
    await expectViolated(c, c.tamper(w, "q", c.signed(w, "q") - 1n));
    await expectViolated(c, c.tamper(w, "r", c.value(w, "r") + 1n));
    await expectAllPinned(c, w);
    const q = ceilDiv(num, den);
    const r = q * den - num;
    await expectSatisfied(c, rebuild(c, w, 40, 20, den, q, r));
    await expectViolated(c, rebuild(c, w, 40, 20, den, q + 1n, r + den));
  });
});
