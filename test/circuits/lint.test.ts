// The circuit linter (scripts/circuit-lint.ts) on small snippets: each rule must flag the unsound or undocumented
// pattern it exists for and stay quiet on the accepted form, so that `npm run lint:circuits` is a gate and not noise.
import { describe, expect, it } from "vitest";
import {
  lintSource,
  readConstants,
  evaluate,
  type LintContext,
  type Rule,
} from "../../scripts/circuit-lint.js";

const ctx: LintContext = {
  constants: readConstants("function SIZE_BITS() { return 64; }\nfunction PRICE_BITS() { return 56; }\n"),
};

/** A file with one template `T(n)` and a header that types every signal name the snippets use. */
function file(body: string, opts: { header?: string; params?: string } = {}): string {
  const header =
    opts.header ??
    [
      "// T(n) — a snippet under test.",
      "//",
      "// Signals:",
      "//   input/output a, b, c, x, y, in, out, q, r, inv, neg, bits, lhs, rhs  {Field}",
      "// NOTE: none.",
    ].join("\n");
  return `pragma circom 2.1.0;\n\n${header}\ninclude "x.circom";\n\ntemplate T(${opts.params ?? "n"}) {\n${body}\n}\n`;
}

function rules(text: string): Rule[] {
  return lintSource("t.circom", text, ctx).findings.map((f) => f.rule);
}

/** 1-based line of the only line of `text` containing `marker` (expected lines are derived, not counted by hand). */
function lineOf(text: string, marker: string): number {
  const lines = text.split("\n");
  const hits = lines.flatMap((l, i) => (l.includes(marker) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`marker "${marker}" found ${hits.length} times`);
  return hits[0]!;
}

function findings(text: string) {
  return lintSource("t.circom", text, ctx).findings;
}

describe("hints (<--)", () => {
  it("flags a hint that no later constraint mentions, and one without a 'constrained by' comment", () => {
    const text = file(`
    signal input a;
    signal output q;
    q <-- a \\ 2;`);
    expect(rules(text).sort()).toEqual(["hint-comment", "hint-unconstrained"]);
  });

  it("flags a constrained hint that does not say what constrains it", () => {
    expect(
      rules(
        file(`
    signal input a;
    signal inv;
    inv <-- 1 / a;
    a * inv === 1;`),
      ),
    ).toEqual(["hint-comment"]);
  });

  it("accepts a hint with a constraint after it and a 'constrained by:' comment above", () => {
    expect(
      rules(
        file(`
    signal input a;
    // constrained by: a * inv === 1 below (no inv exists for a = 0).
    signal inv;
    inv <-- 1 / a;
    a * inv === 1;`),
      ),
    ).toEqual([]);
  });

  it("accepts a group of hints followed by one 'Pinned by:' comment, and a trailing comment", () => {
    expect(
      rules(
        file(`
    signal input a;
    signal q;
    signal r;
    q <-- a \\ 3;
    r <-- a % 3;
    // Pinned by: a === q * 3 + r and the range checks of q and r.
    a === q * 3 + r;
    signal inv;
    inv <-- 1 / a; // constrained by: a * inv === 1
    a * inv === 1;`),
      ),
    ).toEqual([]);
  });

  it("flags a hint whose only constraint comes before it, and a `-->` hint", () => {
    const text = file(`
    signal input a;
    signal q;
    a === q * 2;
    q <-- a \\ 2; // constrained by: nothing after this line
    signal r;
    a \\ 3 --> r; // constrained by: nothing at all`);
    expect(findings(text).map((x) => [x.rule, x.line])).toEqual([
      ["hint-unconstrained", lineOf(text, "q <--")],
      ["hint-unconstrained", lineOf(text, "--> r")],
    ]);
  });

  it("counts a constraint on an array element or a component input as mentioning the hinted signal", () => {
    expect(
      rules(
        file(`
    signal input in;
    signal out[2];
    for (var k = 0; k < 2; k++) {
        out[k] <-- in == k ? 1 : 0; // constrained by: the product and the sum below
        out[k] * (in - k) === 0;
    }
    out[0] + out[1] === 1;`),
      ),
    ).toEqual([]);
  });

  it("reads tagged declarations as one statement", () => {
    const text = file(`
    signal input {binary} a;
    signal output {maxbit} q;
    q.maxbit = 8;
    q <-- a * 3;`);
    expect(findings(text).map((x) => [x.rule, x.message.includes("`q`")])).toEqual([
      ["hint-unconstrained", true],
      ["hint-comment", false],
    ]);
  });

  it("ignores hints written in comments", () => {
    expect(rules(file(`    signal input a;\n    // q <-- a; is what a careless template would do`))).toEqual(
      [],
    );
  });
});

describe("comparator inputs", () => {
  it("flags LessThan inputs that nothing range-checks", () => {
    const f = findings(
      file(`
    signal input a;
    signal input b;
    component lt = LessThan(8);
    lt.in[0] <== a;
    lt.in[1] <== b;`),
    );
    expect(f.map((x) => x.rule)).toEqual(["comparator-range", "comparator-range"]);
    expect(f[0]!.message).toContain("lt.in[0] = `a`");
  });

  it("accepts inputs decomposed by Num2Bits or UintRange of at most n bits, constants included", () => {
    expect(
      rules(
        file(`
    signal input a;
    signal input b;
    component ra = Num2Bits(8);
    ra.in <== a;
    component rb = UintRange(SIZE_BITS());
    b ==> rb.in;
    component lt = LessThan(64);
    lt.in[0] <== a;
    lt.in[1] <== b;
    component ge = GreaterEqThan(8);
    ge.in <== [a, 200];`),
      ),
    ).toEqual([]);
  });

  it("flags a range check wider than the comparator, and a signed one for an unsigned comparator", () => {
    const text = file(`
    signal input a;
    signal input b;
    component ra = Num2Bits(16);
    ra.in <== a;
    component rb = IntRange(8);
    rb.in <== b;
    component lt = LessEqThan(8);
    lt.in[0] <== a;
    lt.in[1] <== b;`);
    const f = findings(text);
    expect(f.map((x) => x.line)).toEqual([lineOf(text, "lt.in[0]"), lineOf(text, "lt.in[1]")]);
    expect(f[0]!.message).toContain("unsigned 16 bits");
  });

  it("follows array components and symbolic widths that are textually equal", () => {
    expect(
      rules(
        file(
          `
    signal input x[3];
    component rx[3];
    component lt[3];
    for (var i = 0; i < 3; i++) {
        rx[i] = UintRange(n);
        rx[i].in <== x[i];
        lt[i] = LessThan(n);
        lt[i].in[0] <== x[i];
        lt[i].in[1] <== 5;
    }`,
        ),
      ),
    ).toEqual([]);
  });

  it("accepts a `// range:` comment on the input line or on the instantiation", () => {
    expect(
      rules(
        file(`
    signal input a;
    signal input b;
    component lt = LessThan(8);
    lt.in[0] <== a; // range: Uint8 by the caller (AccountLeaf)
    // range: b < 2^8 by the batch header check
    lt.in[1] <== b;
    // range: both inputs Uint8 (caller, NOTE)
    component gt = GreaterThan(8);
    gt.in[0] <== a;
    gt.in[1] <== b;`),
      ),
    ).toEqual([]);
  });

  it("requires Int<k ≤ n> or Uint<k < n> for SignedLessThan(n)", () => {
    const text = file(`
    signal input a;
    signal input b;
    signal input c;
    component ra = IntRange(8);
    ra.in <== a;
    component rb = UintRange(7);
    rb.in <== b;
    component rc = UintRange(8);
    rc.in <== c;
    component s1 = SignedLessThan(8);
    s1.in[0] <== a;
    s1.in[1] <== b;
    component s2 = SignedLessThan(8);
    s2.in[0] <== c;
    s2.in[1] <== a;`);
    expect(findings(text).map((x) => [x.rule, x.line])).toEqual([
      ["comparator-range", lineOf(text, "s2.in[0]")],
    ]);
  });

  it("accepts Abs(k) outputs and signals assigned from them for an unsigned comparator of k bits", () => {
    expect(
      rules(
        file(`
    signal input a;
    signal input b;
    component absA = Abs(SIZE_BITS());
    absA.in <== a;
    component absB = Abs(64);
    absB.in <== b;
    signal y;
    y <== absB.out;
    component lt = LessThan(SIZE_BITS());
    lt.in[0] <== absA.out;
    lt.in[1] <== y;`),
      ),
    ).toEqual([]);
  });

  it("treats bus fields as signals and flags an anonymous comparator without a range comment", () => {
    const text = file(`
    input Order() order;
    signal input a;
    component lt = LessThan(40);
    lt.in[0] <== order.expiry;
    lt.in[1] <== 7;
    signal out <== LessThan(8)()([a, 3]);`);
    expect(findings(text).map((x) => x.line)).toEqual([
      lineOf(text, "order.expiry"),
      lineOf(text, "LessThan(8)()"),
    ]);
    expect(
      rules(
        file(`
    signal input a;
    // range: a is Uint8 by the caller
    signal out <== LessThan(8)()([a, 3]);`),
      ),
    ).toEqual([]);
  });
});

describe("Num2Bits width", () => {
  it("flags 253- and 254-bit decompositions, literal or through vars and constants, and nothing narrower", () => {
    const text = file(`
    signal input a;
    var W = 2 * 127;
    component n1 = Num2Bits(254);
    n1.in <== a;
    component n2 = Num2Bits(253);
    n2.in <== a;
    component n3 = Num2Bits(W);
    n3.in <== a;
    component n4 = Num2Bits(252);
    n4.in <== a;
    component n5 = Num2Bits_strict();
    n5.in <== a;
    component n6 = Num2Bits(n);
    n6.in <== a;
    component n7 = Num2Bits(4 * SIZE_BITS());
    n7.in <== a;`);
    expect(findings(text).map((x) => [x.rule, x.line])).toEqual(
      ["n1 =", "n2 =", "n3 =", "n7 ="].map((m) => ["num2bits-full", lineOf(text, m)]),
    );
  });

  it("evaluates widths with circom's operators and gives up on unknowns", () => {
    expect(evaluate("2 ** 3 + 10 \\ 4 - 1", new Map(), new Map())).toBe(9n);
    expect(evaluate("SIZE_BITS() * 2", new Map(), ctx.constants)).toBe(128n);
    expect(evaluate("n + 1", new Map(), new Map())).toBeUndefined();
    expect(evaluate("a.b", new Map(), new Map())).toBeUndefined();
  });
});

describe("file structure", () => {
  it("flags `component main` in a source file", () => {
    const text = `${file("    signal input a;\n    a * a === a;")}component main = T(1);\n`;
    expect(rules(text)).toEqual(["main-in-source"]);
  });

  it("flags a second template in one file", () => {
    const text = `${file("    signal input a;\n    a * a === a;")}\ntemplate U() {\n    signal input b;\n    b * b === b;\n}\n`;
    expect(findings(text).map((x) => [x.rule, x.line])).toEqual([
      ["one-template", lineOf(text, "template U")],
    ]);
  });

  it("flags a missing header, a header without NOTE:, without the name, or without a type for a signal", () => {
    const body = "    signal input a;\n    signal output b;\n    b <== a * a;";
    expect(rules(file(body, { header: "" }))).toEqual(["header"]);
    const noNote = "// T(n) — squares.\n// Signals:\n//   input a {Field}\n//   output b {Field}";
    expect(findings(file(body, { header: noNote }))[0]!.message).toContain('"NOTE:"');
    const noName = "// Squares a field element.\n//   input a {Field}\n//   output b {Field}\n// NOTE: none.";
    expect(findings(file(body, { header: noName }))[0]!.message).toContain("purpose line naming T");
    const untyped = "// T(n) — squares.\n//   input a {Field}\n//   output b  the square\n// NOTE: none.";
    expect(findings(file(body, { header: untyped }))[0]!.message).toContain("a {type} for b");
    const good = "// T(n) — squares.\n//   input  a  {Field}\n//   output b  {Field}  a²\n// NOTE: none.";
    expect(rules(file(body, { header: good }))).toEqual([]);
  });

  it("leaves files without templates (constants) alone", () => {
    expect(rules("pragma circom 2.1.0;\n\n// Generated.\nfunction A() { return 1; }\n")).toEqual([]);
  });
});

describe("lint-allow", () => {
  const body = `
    signal input a;
    // lint-allow: num2bits-full — a 253-bit range check is intended: 2^253 < r, unique
    component n1 = Num2Bits(253);
    n1.in <== a;`;

  it("moves a finding with a stated reason to the allowed list", () => {
    const r = lintSource("t.circom", file(body), ctx);
    expect(r.findings).toEqual([]);
    expect(r.allowed.map((a) => [a.rule, a.reason])).toEqual([
      ["num2bits-full", "a 253-bit range check is intended: 2^253 < r, unique"],
    ]);
  });

  it("does not allow without a reason or for another rule", () => {
    expect(rules(file(body.replace(/ — .*$/m, "")))).toEqual(["num2bits-full"]);
    expect(rules(file(body.replace("num2bits-full", "comparator-range")))).toEqual(["num2bits-full"]);
  });
});
