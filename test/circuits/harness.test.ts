// The circuit tooling itself (circuits/tooling): generated mains, the content-addressed compile cache, our .r1cs
// reader (cross-checked against the r1csfile package), the R1CS checker, signal lookup and the pinned-wire sweep.
// Every rejection test in this folder is only as good as these pieces.
import { beforeAll, describe, expect, it } from "vitest";
import { readR1cs as readR1csReference } from "r1csfile";
import { Circuit } from "../../circuits/tooling/circuit.js";
import { cacheKey, includeClosure, mainSource, type MainSpec } from "../../circuits/tooling/compile.js";
import { isCircuitToolError } from "../../circuits/tooling/errors.js";
import { readR1cs } from "../../circuits/tooling/r1cs.js";
import { circuit, expectSatisfied, expectViolated, honest, P, TEST_OUT_ROOT } from "./harness/index.js";

function codeOf(f: () => unknown): Promise<string | undefined> {
  return (async () => {
    try {
      await f();
    } catch (e) {
      return isCircuitToolError(e) ? e.code : `non-tool error: ${String(e)}`;
    }
    return undefined;
  })();
}

describe("generated mains and the compile cache", () => {
  const spec: MainSpec = {
    file: "circuits/lib/floor_div.circom",
    template: "FloorDiv",
    params: [16, 8],
    publics: ["num"],
  };

  it("a main includes the library file and instantiates the template with its parameters and publics", () => {
    const text = mainSource(spec, "../../../circuits/lib/floor_div.circom");
    expect(text).toContain('include "../../../circuits/lib/floor_div.circom";');
    expect(text).toContain("component main {public [num]} = FloorDiv(16, 8);");
    expect(mainSource({ ...spec, publics: [] }, "x.circom")).toContain("component main = FloorDiv(16, 8);");
  });

  it("refuses template names, publics or files that would inject text or escape the repository", async () => {
    expect(() => mainSource({ ...spec, template: "FloorDiv(1); component x" }, "x")).toThrow();
    expect(() => mainSource({ ...spec, publics: ["a]} = X(); //"] }, "x")).toThrow();
    expect(await codeOf(() => cacheKey({ ...spec, file: "../outside.circom" }, true))).toBe("COMPILE_FAILED");
  });

  it("the cache key is stable, and changes with parameters, publics and the wasm flag", async () => {
    const k = await cacheKey(spec, true);
    expect(await cacheKey(spec, true)).toBe(k);
    expect(await cacheKey({ ...spec, params: [16, 9] }, true)).not.toBe(k);
    expect(await cacheKey({ ...spec, publics: ["den"] }, true)).not.toBe(k);
    expect(await cacheKey(spec, false)).not.toBe(k);
  });

  it("the key covers every transitively included source, resolved relative to its includer", async () => {
    const files = await includeClosure("circuits/lib/account_margin.circom");
    for (const f of [
      "circuits/lib/account_margin.circom",
      "circuits/lib/constants.circom",
      "circuits/lib/abs.circom",
      "circuits/lib/int_range.circom",
      "circuits/lib/uint_range.circom",
      "node_modules/circomlib/circuits/comparators.circom",
      "node_modules/circomlib/circuits/bitify.circom",
    ]) {
      expect(files).toContain(f);
    }
    expect(await codeOf(() => includeClosure("circuits/lib/no_such_template.circom"))).toBe(
      "INCLUDE_NOT_FOUND",
    );
  });

  it("a second compile of the same main is a cache hit", async () => {
    await circuit("floor_div", "FloorDiv", [16, 8], ["num"]);
    const again = await Circuit.compile(spec, { outRoot: TEST_OUT_ROOT, log: () => {} });
    expect(again.artifacts.cached).toBe(true);
  });

  it("a circom error surfaces as COMPILE_FAILED with the compiler's message", async () => {
    let err: unknown;
    try {
      await Circuit.compile(
        { file: "circuits/lib/floor_div.circom", template: "FloorDiv", params: [250, 8] },
        { outRoot: TEST_OUT_ROOT, log: () => {} },
      );
    } catch (e) {
      err = e;
    }
    expect(isCircuitToolError(err, "COMPILE_FAILED")).toBe(true);
    expect(String((err as Error).message)).toMatch(/assert/i);
  });
});

describe("R1CS reader and checker", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("floor_div", "FloorDiv", [16, 8], ["num"]);
  });

  it("our .r1cs reader agrees with the r1csfile package, coefficient by coefficient", async () => {
    const ours = await readR1cs(c.artifacts.r1csPath);
    const ref = await readR1csReference(c.artifacts.r1csPath, {
      loadConstraints: true,
      loadMap: false,
      singleThread: true,
    });
    try {
      expect([ours.nWires, ours.nOutputs, ours.nPubInputs, ours.nPrvInputs, ours.nConstraints]).toEqual([
        ref.nVars,
        ref.nOutputs,
        ref.nPubInputs,
        ref.nPrvInputs,
        ref.nConstraints,
      ]);
      expect(ours.constraints.length).toBe(c.constraints);
      ours.constraints.forEach((con, i) => {
        const refLcs = ref.constraints[i] as Record<string, Uint8Array>[];
        [con.a, con.b, con.c].forEach((lc, j) => {
          const mine = Object.fromEntries([...lc.wires].map((wire, k) => [String(wire), lc.coefs[k]]));
          const theirs = Object.fromEntries(
            Object.entries(refLcs[j]!).map(([wire, v]) => [wire, ref.F.toObject(v) as bigint]),
          );
          expect(mine).toEqual(theirs);
        });
      });
    } finally {
      await ref.curve?.terminate();
    }
  });

  it("an honest witness satisfies; one changed wire is caught, and the first violation is the lowest index", async () => {
    const w = await honest(c, { num: 1000n, den: 7n });
    const t = c.tamper(w, "q", 143n);
    const all = await c.violations(t);
    expect(all.length).toBeGreaterThan(0);
    expect(await c.check(t)).toBe(all[0]);
  });

  it("refuses witnesses of the wrong length, without the constant 1, or with non-field values", async () => {
    const w = await c.witness({ num: 5n, den: 2n });
    expect(await codeOf(() => c.check(w.slice(1)))).toBe("BAD_WITNESS");
    expect(await codeOf(() => c.check([0n, ...w.slice(1)]))).toBe("BAD_WITNESS");
    const big = [...w];
    big[1] = P;
    expect(await codeOf(() => c.check(big))).toBe("BAD_WITNESS");
  });

  it("tamper() reduces into the field, so −1 is r − 1", async () => {
    const w = await c.witness({ num: 5n, den: 2n });
    expect(c.value(c.tamper(w, "q", -1n), "q")).toBe(P - 1n);
  });
});

describe("signals and witnesses", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await circuit("floor_div", "FloorDiv", [16, 8], ["num"]);
  });

  it("names resolve with or without the main. prefix; unknown and --O2-eliminated names are distinct errors", async () => {
    expect(c.signalIndex("q")).toBe(c.signalIndex("main.q"));
    expect(await codeOf(() => c.signalIndex("nope"))).toBe("SIGNAL_NOT_FOUND");
    // --O2 folds some signals into linear combinations of others (e.g. one bit of each decomposition).
    const eliminated = [...c.signals.entries()].find(([, wire]) => wire < 0)?.[0];
    expect(eliminated).toBeDefined();
    expect(await codeOf(() => c.signalIndex(eliminated!))).toBe("SIGNAL_ELIMINATED");
  });

  it("a failing constraint or a missing input is WITNESS_FAILED", async () => {
    expect(await codeOf(() => c.witness({ num: 5n, den: 0n }))).toBe("WITNESS_FAILED");
    expect(await codeOf(() => c.witness({ num: 5n }))).toBe("WITNESS_FAILED");
    // The calculator is rebuilt after a failure and keeps working.
    await honest(c, { num: 5n, den: 2n });
  });
});

describe("the pinned-wire sweep", () => {
  it("names a boolean hint that nothing ties to its input, in either direction of the flip", async () => {
    const c = await Circuit.compile(
      { file: "test/circuits/fixtures/underconstrained.circom", template: "Underconstrained" },
      { outRoot: TEST_OUT_ROOT, log: () => {} },
    );
    for (const x of [3n, 9n]) {
      const w = await c.witness({ in: x });
      await expectSatisfied(c, w);
      await expectSatisfied(c, c.tamper(w, "big", 1n - c.value(w, "big")));
      await expectViolated(c, c.tamper(w, "big", 2n));
      expect(await c.unpinnedWires(w)).toEqual(["main.big"]);
    }
  });
});
