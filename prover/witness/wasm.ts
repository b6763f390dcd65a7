// Witness generation with circom's generated WASM calculator (`<name>_js/witness_calculator.js` + `<name>.wasm`):
// available everywhere node runs, so it is the fallback when the native toolchain is missing. It computes the .wtns
// bytes directly (calculateWTNSBin), in the same layout as circom's C++ generator.
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { runInThisContext } from "node:vm";
import { ProverError, messageOf } from "../backend/errors.js";
import type { CircuitInputs, WitnessGenerator } from "../backend/types.js";
import { sha256File } from "./fingerprint.js";
import { canonicalInputs } from "./inputs.js";

export interface WasmCircuitFiles {
  readonly wasmPath: string;
  /** The generated witness_calculator.js beside the .wasm. */
  readonly witnessCalculatorPath: string;
  readonly r1csPath: string;
}

interface RawCalculator {
  calculateWTNSBin(input: unknown, sanityCheck: boolean): Promise<Uint8Array>;
}
type Builder = (code: Buffer, options?: unknown) => Promise<RawCalculator>;

const requireCjs = createRequire(import.meta.url);

/**
 * The calculator is CommonJS. circuits/tooling/compile.ts marks its folder as such; a folder circom wrote directly
 * (a hand-written main such as test/fixtures/circuits/PublicInputBinding.circom) sits under the repository's "type": "module" and cannot be
 * require()d, so its source is wrapped as a CommonJS module by hand (it requires nothing).
 */
function loadBuilder(calculatorJs: string): Builder {
  const pkg = join(dirname(calculatorJs), "package.json");
  if (existsSync(pkg) && /"type"\s*:\s*"commonjs"/.test(readFileSync(pkg, "utf8"))) {
    // An absolute path: require() would read a relative one as a package name.
    return requireCjs(resolve(calculatorJs)) as Builder;
  }
  const mod = { exports: {} as unknown };
  const wrapped = runInThisContext(
    `(function (module, exports) {\n${readFileSync(calculatorJs, "utf8")}\n})`,
    {
      filename: calculatorJs,
    },
  ) as (m: { exports: unknown }, e: unknown) => void;
  wrapped(mod, mod.exports);
  if (typeof mod.exports !== "function") {
    throw new ProverError("WITNESS_FAILED", `${calculatorJs} is not a circom witness calculator`);
  }
  return mod.exports as Builder;
}

export class WasmWitnessGenerator implements WitnessGenerator {
  readonly kind = "wasm";
  private calc: RawCalculator | undefined;

  private constructor(
    private readonly builder: Builder,
    private readonly code: Buffer,
    readonly r1csSha256: string,
  ) {}

  static async load(files: WasmCircuitFiles): Promise<WasmWitnessGenerator> {
    for (const p of [files.wasmPath, files.witnessCalculatorPath, files.r1csPath]) {
      if (!existsSync(p)) throw new ProverError("FILE_NOT_FOUND", `${p} not found`);
    }
    return new WasmWitnessGenerator(
      loadBuilder(files.witnessCalculatorPath),
      await readFile(files.wasmPath),
      await sha256File(files.r1csPath),
    );
  }

  async generate(inputs: CircuitInputs): Promise<Uint8Array> {
    const canonical = canonicalInputs(inputs);
    this.calc ??= await this.builder(this.code);
    try {
      return await this.calc.calculateWTNSBin(canonical, true);
    } catch (e) {
      // The calculator appends every failure message to one string for its lifetime: start afresh next time.
      this.calc = undefined;
      throw new ProverError("WITNESS_FAILED", `WASM witness calculator: ${messageOf(e).trim()}`, {
        cause: e,
      });
    }
  }

  async close(): Promise<void> {
    this.calc = undefined;
  }
}
