// Witness generation: circom's C++ generator (built with g++ from circom2 --c) and the WASM calculator give
// byte-identical .wtns files for the same inputs, both refuse inputs that violate the circuit, and the input
// canonicalisation makes bigint, negative and number inputs mean the same to both. The native half needs Debian's
// g++, make, nasm, libgmp-dev and nlohmann-json3-dev; without them it is skipped with the reason printed (CI
// installs them).
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Circuit } from "../../circuits/tooling/circuit.js";
import { PARAM_SETS } from "../../protocol/constants.js";
import { FIELD_MODULUS } from "../../protocol/field.js";
import { isProverError } from "../../prover/backend/errors.js";
import { createWitnessGenerator } from "../../prover/witness/index.js";
import { canonicalInputs } from "../../prover/witness/inputs.js";
import { BUS_FIELDS_BUG, NativeWitnessGenerator, probeNativeToolchain } from "../../prover/witness/native.js";
import { WasmWitnessGenerator } from "../../prover/witness/wasm.js";
import { readWtns } from "../../prover/witness/wtns.js";
import { marginKeys, standIn, STAND_IN, type StandIn } from "./fixtures.js";
import { marginCase, marginInputs } from "./helpers.js";

type Keys = Awaited<ReturnType<typeof marginKeys>>;

const toolchain = probeNativeToolchain();
if (!toolchain.available) {
  console.warn(`test/prover/witness.test.ts: native witness tests SKIPPED — ${toolchain.note}`);
}

let margin: Keys;
let stand: StandIn;

beforeAll(async () => {
  [margin, stand] = await Promise.all([marginKeys(), standIn()]);
});

describe("WASM witness calculator", () => {
  it("writes the witness the circuit tooling computes, with wire 0 = 1 and the R1CS's wire count", async () => {
    const gen = await WasmWitnessGenerator.load(margin.wasm);
    const inputs = marginInputs(marginCase(PARAM_SETS.test, 1));
    const values = readWtns(await gen.generate(inputs));
    const circuit = await Circuit.compile(margin.spec, {
      outRoot: "build/circuits/test/account_margin",
      log: () => {},
    });
    expect(values).toEqual(await circuit.witness(inputs));
    expect(values[0]).toBe(1n);
    expect(values.length).toBe(circuit.header.nWires);
    expect(await circuit.check(values)).toBeNull();
  });

  it("loads a calculator given by relative paths", async () => {
    const rel = (p: string): string => relative(process.cwd(), p);
    const gen = await WasmWitnessGenerator.load({
      wasmPath: rel(margin.wasm.wasmPath),
      witnessCalculatorPath: rel(margin.wasm.witnessCalculatorPath),
      r1csPath: rel(margin.wasm.r1csPath),
    });
    expect(readWtns(await gen.generate(marginInputs(marginCase(PARAM_SETS.test))))[0]).toBe(1n);
  });

  it("loads a calculator circom wrote outside the compile cache (no CommonJS marker beside it)", async () => {
    const gen = await WasmWitnessGenerator.load(stand.wasm);
    const w = readWtns(await gen.generate({ publicInputHash: 3n }));
    // PublicInputBinding: square = x², cube = square·x.
    expect(w.slice(0, 4)).toEqual([1n, 3n, 9n, 27n]);
    expect(gen.r1csSha256).toBe(stand.r1csSha256);
  });

  it("refuses inputs the circuit rejects with WITNESS_FAILED, then works again", async () => {
    const gen = await WasmWitnessGenerator.load(margin.wasm);
    const c = marginCase(PARAM_SETS.test);
    const bad = { ...c, account: { ...c.account, sizes: [1n << 70n, ...c.account.sizes.slice(1)] } };
    await expect(gen.generate(marginInputs(bad))).rejects.toSatisfy((e) =>
      isProverError(e, "WITNESS_FAILED"),
    );
    await expect(gen.generate({ quote: "1" })).rejects.toSatisfy((e) => isProverError(e, "WITNESS_FAILED"));
    expect(readWtns(await gen.generate(marginInputs(c)))[0]).toBe(1n);
  });

  it("refuses a generator built from another R1CS than the key's", async () => {
    await expect(
      createWitnessGenerator({ kind: "wasm", wasm: stand.wasm, expectR1csSha256: margin.r1csSha256 }),
    ).rejects.toSatisfy((e) => isProverError(e, "BAD_WITNESS"));
  });
});

describe("input canonicalisation", () => {
  it("reduces every leaf to a decimal field element, whatever its JS type", () => {
    expect(
      canonicalInputs({ a: -1n, b: 5, c: "0x10", d: [[-2, "3"]], e: { f: FIELD_MODULUS + 4n } }),
    ).toEqual({
      a: (FIELD_MODULUS - 1n).toString(),
      b: "5",
      c: "16",
      d: [[(FIELD_MODULUS - 2n).toString(), "3"]],
      e: { f: "4" },
    });
  });

  it("refuses floats, unsafe integers and non-numbers (a double would silently round in the C++ generator)", () => {
    for (const bad of [1.5, 2 ** 60, "12a", "", "1e5"]) {
      expect(() => canonicalInputs({ x: bad }), String(bad)).toThrow(/input x/);
    }
  });
});

describe.skipIf(!toolchain.available)("native (C++) witness generator", () => {
  let native: NativeWitnessGenerator;
  let wasm: WasmWitnessGenerator;

  beforeAll(async () => {
    native = await NativeWitnessGenerator.create({ spec: margin.spec });
    wasm = await WasmWitnessGenerator.load(margin.wasm);
  }, 600_000);

  it("is built from the same R1CS as the key (same compiler, flags and sources)", () => {
    expect(native.r1csSha256).toBe(margin.r1csSha256);
  });

  it("writes .wtns files byte-identical to the WASM calculator's, for several accounts", async () => {
    for (const variant of [0, 1, 5]) {
      const inputs = marginInputs(marginCase(PARAM_SETS.test, variant));
      const a = Buffer.from(await native.generate(inputs));
      const b = Buffer.from(await wasm.generate(inputs));
      expect(a.length).toBeGreaterThan(0);
      expect(a.equals(b), `variant ${variant}`).toBe(true);
    }
  });

  it("agrees on the hand-written stand-in main too", async () => {
    const n = await NativeWitnessGenerator.create({ mainFile: STAND_IN });
    expect(n.r1csSha256).toBe(stand.r1csSha256);
    const w = await WasmWitnessGenerator.load(stand.wasm);
    const inputs = { publicInputHash: (FIELD_MODULUS - 12345n).toString() };
    expect(Buffer.from(await n.generate(inputs)).equals(Buffer.from(await w.generate(inputs)))).toBe(true);
  });

  it("reads negative, bigint and number inputs as the WASM calculator does", async () => {
    const c = marginCase(PARAM_SETS.test, 2);
    const strings = marginInputs(c);
    // The same account with raw bigints (quote is negative) in place of the canonical strings.
    const raw = {
      ...strings,
      quote: c.account.quote,
      sizes: c.account.sizes,
      balances: [...c.account.balances],
    };
    const want = Buffer.from(await wasm.generate(strings));
    expect(Buffer.from(await native.generate(raw)).equals(want)).toBe(true);
    expect(Buffer.from(await wasm.generate(raw)).equals(want)).toBe(true);
  });

  it("refuses inputs the circuit rejects with WITNESS_FAILED (the C++ asserts fire)", async () => {
    const c = marginCase(PARAM_SETS.test);
    const bad = { ...c, account: { ...c.account, sizes: [1n << 70n, ...c.account.sizes.slice(1)] } };
    await expect(native.generate(marginInputs(bad))).rejects.toSatisfy((e) =>
      isProverError(e, "WITNESS_FAILED"),
    );
    await expect(native.generate({ quote: "1" })).rejects.toSatisfy((e) =>
      isProverError(e, "WITNESS_FAILED"),
    );
  });

  it("is cached: a second build of the same main compiles nothing", async () => {
    const again = await NativeWitnessGenerator.create({ spec: margin.spec });
    expect(again.build.cached).toBe(true);
    expect(again.build.binary).toBe(native.build.binary);
  });

  it("patches circom's bus field table in the generated main.cpp (the batch circuit's input buses overflow it)", () => {
    // Every circom 2.2 main.cpp carries the line; with it, BatchMain's generator aborts before reading its input.
    const main = readFileSync(join(dirname(native.build.binary), "main.cpp"), "utf8");
    expect(main).not.toContain(BUS_FIELDS_BUG);
    expect(main).toContain("calloc(p.len > 10 ? p.len : 10, sizeof(IOFieldDef))");
  });

  it("auto picks native when the toolchain is there", async () => {
    const g = await createWitnessGenerator({ source: { spec: margin.spec }, wasm: margin.wasm });
    expect(g.kind).toBe("native");
  });
});

describe("fallback", () => {
  it("auto without a circuit source falls back to WASM and says why", async () => {
    const notes: string[] = [];
    const g = await createWitnessGenerator({ wasm: margin.wasm, onNote: (l) => notes.push(l) });
    expect(g.kind).toBe("wasm");
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      toolchain.available ? /no circuit source/ : /native witness generator unavailable/,
    );
  });

  it.skipIf(toolchain.available)("names the missing Debian packages when the toolchain is absent", () => {
    expect(toolchain.missing.length).toBeGreaterThan(0);
    expect(toolchain.note).toMatch(/apt-get install/);
  });
});
