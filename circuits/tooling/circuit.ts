// One compiled circuit with everything a test, script or prover needs: honest witnesses from the WASM calculator,
// signal lookup by name through the .sym file, witness tampering, our own R1CS satisfaction check, and the
// constraint count. The R1CS is decoded lazily (constraint counts need only its header).
import {
  compileMain,
  describeSpec,
  type CircuitArtifacts,
  type CompileOptions,
  type MainSpec,
} from "./compile.js";
import { CircuitToolError } from "./errors.js";
import {
  constraintHolds,
  constraintsByWire,
  firstViolation,
  readR1cs,
  readR1csHeader,
  violations,
  type R1cs,
  type R1csHeader,
} from "./r1cs.js";
import { SignalMap } from "./sym.js";
import { WitnessCalculator, type CircuitInputs } from "./witness.js";
import { FIELD_MODULUS, toField } from "../../protocol/field.js";

export class Circuit {
  private r1csFull: R1cs | undefined;
  private byWire: readonly (readonly number[])[] | undefined;
  private names: ReadonlyMap<number, string> | undefined;
  private calculator: WitnessCalculator | undefined;

  private constructor(
    readonly spec: MainSpec,
    readonly artifacts: CircuitArtifacts,
    readonly header: R1csHeader,
    readonly signals: SignalMap,
  ) {}

  static async compile(spec: MainSpec, opts: CompileOptions = {}): Promise<Circuit> {
    const artifacts = await compileMain(spec, opts);
    const [header, signals] = await Promise.all([
      readR1csHeader(artifacts.r1csPath),
      SignalMap.read(artifacts.symPath),
    ]);
    return new Circuit(spec, artifacts, header, signals);
  }

  get name(): string {
    return describeSpec(this.spec);
  }

  /** Constraints after --O2 (the r1cs header's count). */
  get constraints(): number {
    return this.header.nConstraints;
  }

  async r1cs(): Promise<R1cs> {
    this.r1csFull ??= await readR1cs(this.artifacts.r1csPath);
    return this.r1csFull;
  }

  /** Honest witness; throws CircuitToolError WITNESS_FAILED when the inputs violate a constraint or assert. */
  async witness(inputs: CircuitInputs): Promise<bigint[]> {
    if (!this.calculator) {
      const { wasmPath, witnessCalculatorPath } = this.artifacts;
      if (!wasmPath || !witnessCalculatorPath) {
        throw new CircuitToolError("WITNESS_FAILED", `${this.name} was compiled without --wasm`);
      }
      this.calculator = await WitnessCalculator.load(wasmPath, witnessCalculatorPath);
    }
    return this.calculator.calculate(inputs);
  }

  /** Index of the first violated constraint, or null when `w` satisfies the R1CS. */
  async check(w: readonly bigint[]): Promise<number | null> {
    return firstViolation(await this.r1cs(), w);
  }

  async violations(w: readonly bigint[]): Promise<number[]> {
    return violations(await this.r1cs(), w);
  }

  /** Witness position of a signal ("x", "main.x" or "sub.out[3]"); throws if unknown or eliminated by --O2. */
  signalIndex(name: string): number {
    return this.signals.wireOf(name);
  }

  /** A signal's value in a witness, as a field element. */
  value(w: readonly bigint[], name: string): bigint {
    return w[this.signalIndex(name)]!;
  }

  /** A signal's value read as a signed integer (field elements above r/2 are negative). */
  signed(w: readonly bigint[], name: string): bigint {
    const v = this.value(w, name);
    return v > FIELD_MODULUS / 2n ? v - FIELD_MODULUS : v;
  }

  /** A copy of `w` with one signal set to `value` (reduced into the field, so −1 means r − 1). */
  tamper(w: readonly bigint[], name: string, value: bigint): bigint[] {
    return this.tamperMany(w, { [name]: value });
  }

  tamperMany(w: readonly bigint[], changes: Readonly<Record<string, bigint>>): bigint[] {
    const out = [...w];
    for (const [name, v] of Object.entries(changes)) out[this.signalIndex(name)] = toField(v);
    return out;
  }

  /** Wires of the main's input signals (labels follow the outputs; eliminated private inputs have no wire). */
  inputWires(): Set<number> {
    const h = this.header;
    const first = 1 + h.nOutputs;
    return this.signals.wiresOfLabels(first, first + h.nPubInputs + h.nPrvInputs);
  }

  /** One name per wire (the first the .sym file lists), for reports. */
  wireNames(): ReadonlyMap<number, string> {
    if (!this.names) {
      const names = new Map<number, string>();
      for (const [name, wire] of this.signals.entries())
        if (wire >= 0 && !names.has(wire)) names.set(wire, name);
      this.names = names;
    }
    return this.names;
  }

  /** Names of the wires constraint `i` involves (one name per wire), to say which part of a circuit fired. */
  async constraintSignals(i: number): Promise<string[]> {
    const c = (await this.r1cs()).constraints[i];
    if (!c) throw new CircuitToolError("BAD_R1CS", `${this.name} has no constraint ${i}`);
    const names = this.wireNames();
    const wires = new Set([...c.a.wires, ...c.b.wires, ...c.c.wires]);
    return [...wires].filter((x) => x !== 0).map((x) => names.get(x) ?? `wire ${x}`);
  }

  /**
   * Names of the non-input wires that an honest witness `w` does not pin: moving such a wire alone by +1 or by −1
   * violates no constraint, so a prover could change it freely (two directions, so that a boolean hint is caught
   * whether it is 0 or 1). Inputs are skipped (they are chosen, not derived). Only the constraints touching the
   * changed wire are re-evaluated, so a sweep over every wire stays cheap.
   */
  async unpinnedWires(w: readonly bigint[]): Promise<string[]> {
    const r1cs = await this.r1cs();
    if ((await this.check(w)) !== null)
      throw new CircuitToolError("BAD_WITNESS", "unpinnedWires needs a satisfying witness");
    this.byWire ??= constraintsByWire(r1cs);
    const inputs = this.inputWires();
    const names = this.wireNames();
    const out: string[] = [];
    const t = [...w];
    for (let wire = 1; wire < r1cs.nWires; wire++) {
      if (inputs.has(wire)) continue;
      const orig = t[wire]!;
      const free = [1n, FIELD_MODULUS - 1n].some((d) => {
        t[wire] = (orig + d) % FIELD_MODULUS;
        return this.byWire![wire]!.every((i) => constraintHolds(r1cs.constraints[i]!, t));
      });
      t[wire] = orig;
      if (free) out.push(names.get(wire) ?? `wire ${wire}`);
    }
    return out;
  }
}
