// Field encoding of signed integers, range checks, floor/ceil division and decimal strings (PROTOCOL §1–2): the
// layer every bound [I11] and every "no rounding in the trader's favour" rule rests on.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  FIELD_MODULUS,
  abs,
  ceilDiv,
  checkField,
  checkInt,
  checkPositive,
  checkUint,
  floorDiv,
  formatDecimal,
  fromFieldSigned,
  isInt,
  isUint,
  minBig,
  parseDecimal,
  sign,
  toField,
} from "../../protocol/index.js";
import { codeOf } from "./fixtures.js";

const r = FIELD_MODULUS;

describe("field encoding (PROTOCOL §1)", () => {
  it("the modulus is BN254's scalar field order", () => {
    expect(r).toBe(21888242871839275222246405745257275088548364400416034343698204186575808495617n);
  });

  it("a signed integer x is x mod r: −1 is r − 1, and non-negative values are themselves", () => {
    expect(toField(-1n)).toBe(r - 1n);
    expect(toField(0n)).toBe(0n);
    expect(toField(5n)).toBe(5n);
    expect(toField(r)).toBe(0n);
    expect(toField(-r - 2n)).toBe(r - 2n);
  });

  it("fromFieldSigned inverts toField on IntN and refuses elements outside IntN", () => {
    expect(fromFieldSigned(r - 1n, 96)).toBe(-1n);
    expect(fromFieldSigned((1n << 95n) - 1n, 96)).toBe((1n << 95n) - 1n);
    expect(fromFieldSigned(toField(-(1n << 95n)), 96)).toBe(-(1n << 95n));
    expect(codeOf(() => fromFieldSigned(1n << 95n, 96))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => fromFieldSigned(toField(-(1n << 95n) - 1n), 96))).toBe("OUT_OF_RANGE");
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 200 })
          .chain((bits) =>
            fc.tuple(
              fc.constant(bits),
              fc.bigInt({ min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n }),
            ),
          ),
        ([bits, x]) => {
          const f = toField(x);
          expect(f >= 0n && f < r).toBe(true);
          expect(fromFieldSigned(f, bits)).toBe(x);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("UintN / IntN bounds are exactly [0, 2^N) and [−2^(N−1), 2^(N−1)) [I11]", () => {
    expect([isUint(0n, 8), isUint(255n, 8), isUint(256n, 8), isUint(-1n, 8)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect([isInt(-128n, 8), isInt(127n, 8), isInt(128n, 8), isInt(-129n, 8)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(codeOf(() => checkUint(1n << 64n, 64, "x"))).toBe("OUT_OF_RANGE");
    expect(checkUint((1n << 64n) - 1n, 64, "x")).toBe((1n << 64n) - 1n);
    expect(codeOf(() => checkInt(1n << 95n, 96, "q"))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => checkInt(-(1n << 95n) - 1n, 96, "q"))).toBe("OUT_OF_RANGE");
    expect(checkInt(-(1n << 95n), 96, "q")).toBe(-(1n << 95n));
    expect(codeOf(() => checkPositive(0n, 63, "a"))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => checkPositive(1n << 63n, 63, "a"))).toBe("OUT_OF_RANGE");
    expect(checkPositive(1n, 63, "a")).toBe(1n);
    expect(codeOf(() => checkField(r, "f"))).toBe("OUT_OF_RANGE");
    expect(codeOf(() => checkField(-1n, "f"))).toBe("OUT_OF_RANGE");
    expect(checkField(r - 1n, "f")).toBe(r - 1n);
  });

  it("abs, sign, minBig", () => {
    expect([abs(-3n), abs(3n), abs(0n)]).toEqual([3n, 3n, 0n]);
    expect([sign(-3n), sign(0n), sign(7n)]).toEqual([-1n, 0n, 1n]);
    expect([minBig(2n, -1n), minBig(-1n, 2n)]).toEqual([-1n, -1n]);
  });
});

describe("floor and ceil division (values round down, requirements up)", () => {
  it("on negatives: floor(−7/2) = −4, ceil(−7/2) = −3; exact quotients are unchanged", () => {
    expect([floorDiv(7n, 2n), floorDiv(-7n, 2n), floorDiv(-8n, 2n), floorDiv(0n, 5n)]).toEqual([
      3n,
      -4n,
      -4n,
      0n,
    ]);
    expect([ceilDiv(7n, 2n), ceilDiv(-7n, 2n), ceilDiv(-8n, 2n), ceilDiv(1n, 1_000_000n)]).toEqual([
      4n,
      -3n,
      -4n,
      1n,
    ]);
  });

  it("floor(a/b)·b ≤ a < (floor(a/b)+1)·b and ceil(a/b)·b ≥ a > (ceil(a/b)−1)·b", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }),
        fc.bigInt({ min: 1n, max: 1n << 80n }),
        (a, b) => {
          const f = floorDiv(a, b);
          const c = ceilDiv(a, b);
          expect(f * b <= a && a < (f + 1n) * b).toBe(true);
          expect(c * b >= a && a > (c - 1n) * b).toBe(true);
          expect(c - f).toBe(a % b === 0n ? 0n : 1n);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a non-positive divisor", () => {
    expect(() => floorDiv(1n, 0n)).toThrow(RangeError);
    expect(() => floorDiv(1n, -2n)).toThrow(RangeError);
  });
});

describe("decimal strings (PROTOCOL §1: no silent rounding of inputs)", () => {
  it("parses scaled integers, with sign and surrounding spaces", () => {
    expect(parseDecimal("1", 8, "x")).toBe(100_000_000n);
    expect(parseDecimal("0.12345678", 8, "x")).toBe(12_345_678n);
    expect(parseDecimal("-1.5", 8, "x")).toBe(-150_000_000n);
    expect(parseDecimal("+2.5", 2, "x")).toBe(250n);
    expect(parseDecimal(" 3.25 ", 2, "x")).toBe(325n);
    expect(parseDecimal("007", 0, "x")).toBe(7n);
    expect(parseDecimal("-0", 8, "x")).toBe(0n);
    expect(parseDecimal("123456789012345678901234567890", 16, "x")).toBe(
      123456789012345678901234567890n * 10n ** 16n,
    );
  });

  it("refuses more decimals than the scale allows, and anything that is not a plain decimal", () => {
    for (const bad of [
      "0.123456789",
      "1.000000000",
      "1.",
      ".5",
      "1e5",
      "0x10",
      "",
      " ",
      "1,5",
      "--1",
      "1.2.3",
      "NaN",
      "∞",
    ]) {
      expect(
        codeOf(() => parseDecimal(bad, 8, "x")),
        bad,
      ).toBe("BAD_DECIMAL");
    }
    expect(codeOf(() => parseDecimal("1.5", 0, "x"))).toBe("BAD_DECIMAL");
    expect(codeOf(() => parseDecimal(12 as unknown as string, 8, "x"))).toBe("BAD_DECIMAL");
  });

  it("formats exactly with trailing zeros trimmed", () => {
    expect(formatDecimal(150_000_000_000n, 8)).toBe("1500");
    expect(formatDecimal(-25n, 2)).toBe("-0.25");
    expect(formatDecimal(1n, 16)).toBe("0.0000000000000001");
    expect(formatDecimal(0n, 8)).toBe("0");
    expect(formatDecimal(-7n, 0)).toBe("-7");
  });

  it("format then parse is the identity at every scale", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(1n << 130n), max: 1n << 130n }),
        fc.integer({ min: 0, max: 24 }),
        (v, d) => {
          expect(parseDecimal(formatDecimal(v, d), d, "x")).toBe(v);
        },
      ),
      { numRuns: 300 },
    );
  });
});
