// Typed wrapper over circom's generated WASM witness calculator (`<name>_js/witness_calculator.js`, CommonJS).
// The calculator evaluates every `===` and `assert` as it goes, so a failure here means "no honest witness for
// these inputs"; tampered witnesses are judged by the R1CS checker instead (r1cs.ts).
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { CircuitToolError } from "./errors.js";

/** A circuit input: a decimal string, bigint or safe integer, or (nested) arrays / bus objects of them. */
export type CircuitInput =
  string | bigint | number | readonly CircuitInput[] | { readonly [k: string]: CircuitInput };
export type CircuitInputs = { readonly [signal: string]: CircuitInput };

interface RawCalculator {
  calculateWitness(input: unknown, sanityCheck: boolean): Promise<bigint[]>;
}
type Builder = (code: Buffer, options?: unknown) => Promise<RawCalculator>;

const requireCjs = createRequire(import.meta.url);

export class WitnessCalculator {
  private calc: RawCalculator | undefined;

  private constructor(
    private readonly builder: Builder,
    private readonly code: Buffer,
  ) {}

  /** `calculatorJs` is the generated witness_calculator.js; its folder must be CommonJS (compile.ts sees to it). */
  static async load(wasmPath: string, calculatorJs: string): Promise<WitnessCalculator> {
    const builder = requireCjs(calculatorJs) as Builder;
    return new WitnessCalculator(builder, await readFile(wasmPath));
  }

  /** The full witness (wire order of the .r1cs, wire 0 = 1). Throws WITNESS_FAILED when a constraint fails. */
  async calculate(inputs: CircuitInputs): Promise<bigint[]> {
    this.calc ??= await this.builder(this.code);
    try {
      return await this.calc.calculateWitness(inputs, true);
    } catch (e) {
      // The generated calculator appends every failure message to one string for its lifetime; start afresh.
      this.calc = undefined;
      const msg = e instanceof Error ? e.message : String(e);
      throw new CircuitToolError("WITNESS_FAILED", msg.trim());
    }
  }
}
