// Range and sign templates (circuits/lib/uint_range, int_range, positive_uint, signed_less_than, abs): the
// building blocks every bound of PROTOCOL §1–2 rests on [I11]. Inputs are public in these mains so that a
// tampering test can move them (a private input that --O2 can express through the bits is substituted away).
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { isInt, isUint } from "../../protocol/field.js";
import {
  circuit,
  expectAllPinned,
  expectViolated,
  expectWitnessFails,
  honest,
  mod,
  P,
  type Circuit,
} from "./harness/index.js";
import { Circuit as ToolCircuit } from "../../circuits/tooling/circuit.js";
import { isCircuitToolError } from "../../circuits/tooling/errors.js";

const RUNS = { numRuns: 25 };
const int = (n: number): fc.Arbitrary<bigint> =>
  fc.bigInt(-(1n << BigInt(n - 1)), (1n << BigInt(n - 1)) - 1n);
const uint = (n: number): fc.Arbitrary<bigint> => fc.bigInt(0n, (1n << BigInt(n)) - 1n);

describe("UintRange(64)", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("uint_range", "UintRange", [64], ["in"]);
  });

  it("accepts every Uint64 and outputs its little-endian bits [I11]", async () => {
    await fc.assert(
      fc.asyncProperty(uint(64), async (x) => {
        const w = await honest(c, { in: x });
        for (let i = 0; i < 64; i++) expect(c.value(w, `bits[${i}]`)).toBe((x >> BigInt(i)) & 1n);
      }),
      RUNS,
    );
  });

  it("rejects 2^64 and r − 1 (a 'negative' Uint) [I11]", async () => {
    await expectWitnessFails(c, { in: 1n << 64n });
    await expectWitnessFails(c, { in: P - 1n });
  });

  it("an honest witness with its input moved to 2^64, r − 1 or x + 1 violates the R1CS", async () => {
    const w = await honest(c, { in: (1n << 64n) - 1n });
    await expectViolated(c, c.tamper(w, "in", 1n << 64n));
    await expectViolated(c, c.tamper(w, "in", P - 1n));
    const w0 = await honest(c, { in: 0n });
    await expectViolated(c, c.tamper(w0, "in", P - 1n));
  });

  it("each bit is pinned: flipping any one, or setting it to 2, is rejected", async () => {
    const x = 0x8000_0000_0000_0001n;
    const w = await honest(c, { in: x });
    for (let i = 0; i < 64; i++) {
      await expectViolated(c, c.tamper(w, `bits[${i}]`, 1n - ((x >> BigInt(i)) & 1n)));
    }
    // bit 0 = 2 with bit 1 lowered keeps Σ b_i·2^i, so only booleanity stops it.
    const y = 2n;
    const wy = await honest(c, { in: y });
    await expectViolated(c, c.tamperMany(wy, { "bits[0]": 2n, "bits[1]": 0n }));
    await expectAllPinned(c, w);
  });

  it("refuses to compile a 254-bit check, where Num2Bits would alias", async () => {
    let err: unknown;
    try {
      await ToolCircuit.compile(
        { file: "circuits/lib/uint_range.circom", template: "UintRange", params: [254] },
        { outRoot: "build/circuits-test", log: () => {} },
      );
    } catch (e) {
      err = e;
    }
    expect(isCircuitToolError(err, "COMPILE_FAILED")).toBe(true);
  });
});

describe("IntRange(64)", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("int_range", "IntRange", [64], ["in"]);
  });

  it("accepts every Int64 and outputs its sign [I11]", async () => {
    await fc.assert(
      fc.asyncProperty(int(64), async (x) => {
        const w = await honest(c, { in: mod(x) });
        expect(c.value(w, "neg")).toBe(x < 0n ? 1n : 0n);
      }),
      RUNS,
    );
  });

  it("accepts the bounds −2^63 and 2^63 − 1, rejects one beyond either", async () => {
    const lo = -(1n << 63n);
    const hi = (1n << 63n) - 1n;
    await honest(c, { in: mod(lo) });
    await honest(c, { in: mod(hi) });
    await expectWitnessFails(c, { in: mod(hi + 1n) });
    await expectWitnessFails(c, { in: mod(lo - 1n) });
    expect(isInt(hi + 1n, 64) || isInt(lo - 1n, 64)).toBe(false);
  });

  it("rejects a tampered sign, a tampered bit, and the input moved just beyond the bounds", async () => {
    const w = await honest(c, { in: mod(-5n) });
    await expectViolated(c, c.tamper(w, "neg", 0n));
    await expectViolated(c, c.tamper(w, "r.bits[0]", 1n - c.value(w, "r.bits[0]")));
    await expectViolated(c, c.tamper(w, "in", 1n << 63n));
    await expectViolated(c, c.tamper(w, "in", mod(-(1n << 63n) - 1n)));
    await expectAllPinned(c, w);
  });
});

describe("PositiveUint(56)", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("positive_uint", "PositiveUint", [56], ["in"]);
  });

  it("accepts 1 and 2^56 − 1, rejects 0, 2^56 and r − 1 (PROTOCOL §2 Price)", async () => {
    await honest(c, { in: 1n });
    await honest(c, { in: (1n << 56n) - 1n });
    await expectWitnessFails(c, { in: 0n });
    await expectWitnessFails(c, { in: 1n << 56n });
    await expectWitnessFails(c, { in: P - 1n });
  });

  it("rejects the input moved to 0 and a tampered inverse hint", async () => {
    const w = await honest(c, { in: 12345n });
    await expectViolated(c, c.tamper(w, "in", 0n));
    await expectViolated(c, c.tamper(w, "inv", c.value(w, "inv") + 1n));
    await expectAllPinned(c, w);
  });
});

describe("SignedLessThan(64)", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("signed_less_than", "SignedLessThan", [64], ["in"]);
  });

  it("agrees with integer < on Int64 pairs, including equal values and the extremes", async () => {
    const lo = -(1n << 63n);
    const hi = (1n << 63n) - 1n;
    const cases: [bigint, bigint][] = [
      [0n, 0n],
      [lo, hi],
      [hi, lo],
      [lo, lo],
      [-1n, 0n],
      [0n, -1n],
    ];
    for (const [a, b] of cases) {
      const w = await honest(c, { in: [mod(a), mod(b)] });
      expect(c.value(w, "out")).toBe(a < b ? 1n : 0n);
    }
    await fc.assert(
      fc.asyncProperty(int(64), int(64), async (a, b) => {
        const w = await honest(c, { in: [mod(a), mod(b)] });
        expect(c.value(w, "out")).toBe(a < b ? 1n : 0n);
      }),
      RUNS,
    );
  });

  it("has no witness when the difference of the inputs leaves Int65 (inputs far outside Int64)", async () => {
    await expectWitnessFails(c, { in: [1n << 64n, mod(-(1n << 64n))] });
    await expectWitnessFails(c, { in: [(P - 1n) / 2n, 0n] });
  });

  it("rejects a flipped result and a tampered difference bit", async () => {
    const w = await honest(c, { in: [mod(-3n), 7n] });
    await expectViolated(c, c.tamper(w, "out", 0n));
    await expectViolated(c, c.tamper(w, "d.bits[3]", 1n - c.value(w, "d.bits[3]")));
    await expectViolated(c, c.tamper(w, "in[1]", mod(-(1n << 65n))));
    await expectAllPinned(c, w);
  });
});

describe("Abs(64)", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("abs", "Abs", [64], ["in"]);
  });

  it("returns |x| and the sign for every Int64, including −2^63 (|x| = 2^63)", async () => {
    const check = async (x: bigint): Promise<void> => {
      const w = await honest(c, { in: mod(x) });
      expect(c.value(w, "out")).toBe(x < 0n ? -x : x);
      expect(c.value(w, "neg")).toBe(x < 0n ? 1n : 0n);
    };
    await check(-(1n << 63n));
    await check(0n);
    await fc.assert(fc.asyncProperty(int(64), check), RUNS);
  });

  it("rejects inputs beyond Int64 [I11]", async () => {
    await expectWitnessFails(c, { in: 1n << 63n });
    await expectWitnessFails(c, { in: mod(-(1n << 63n) - 1n) });
    expect(isUint(1n << 63n, 63)).toBe(false);
  });

  it("rejects a flipped sign bit and a 'negative' absolute value", async () => {
    const w = await honest(c, { in: mod(-42n) });
    await expectViolated(c, c.tamper(w, "neg", 0n));
    await expectViolated(c, c.tamper(w, "out", mod(-42n)));
    const wp = await honest(c, { in: 42n });
    await expectViolated(c, c.tamperMany(wp, { neg: 1n, out: mod(-42n) }));
    await expectAllPinned(c, w);
  });
});
