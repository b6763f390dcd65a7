// Picks a witness generator for a circuit: the native C++ one when the toolchain is there (faster), the WASM one
// otherwise, with a note saying why and what to install. Either way the generator's R1CS is checked against the one
// the caller's key was made for, so a witness for another build of the circuit is refused before proving.
import { ProverError } from "../backend/errors.js";
import type { ProgressCallback, WitnessGenerator } from "../backend/types.js";
import { NativeWitnessGenerator, probeNativeToolchain, type CircuitSource } from "./native.js";
import { WasmWitnessGenerator, type WasmCircuitFiles } from "./wasm.js";

export type { CircuitSource, WasmCircuitFiles };
export { NativeWitnessGenerator, WasmWitnessGenerator, probeNativeToolchain };

/** "auto": native when possible, else WASM with a note; "native": native or an error; "wasm": WASM. */
export type WitnessKind = "auto" | "native" | "wasm";

export interface WitnessGeneratorOptions {
  readonly kind?: WitnessKind;
  /** What circom compiles for the native generator. */
  readonly source?: CircuitSource;
  /** The WASM calculator files. */
  readonly wasm?: WasmCircuitFiles;
  /** sha256 of the .r1cs the proving key was made from; a generator built from another R1CS is refused. */
  readonly expectR1csSha256?: string;
  /** Receives the fallback note. Default: stderr. */
  readonly onNote?: (line: string) => void;
  readonly onProgress?: ProgressCallback;
  /** Cache root of native builds (repository-relative). */
  readonly nativeOutRoot?: string;
}

function checkR1cs(g: WitnessGenerator, expect: string | undefined): WitnessGenerator {
  if (expect !== undefined && g.r1csSha256 !== expect) {
    void g.close();
    throw new ProverError(
      "BAD_WITNESS",
      `the ${g.kind} witness generator was built from r1cs ${g.r1csSha256.slice(0, 16)}…, ` +
        `the key expects ${expect.slice(0, 16)}… (stale build or another circuit)`,
    );
  }
  return g;
}

export async function createWitnessGenerator(o: WitnessGeneratorOptions): Promise<WitnessGenerator> {
  const kind = o.kind ?? "auto";
  const note = o.onNote ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (kind !== "wasm") {
    const tc = probeNativeToolchain();
    if (tc.available && o.source) {
      const g = await NativeWitnessGenerator.create(o.source, {
        ...(o.nativeOutRoot ? { outRoot: o.nativeOutRoot } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });
      return checkR1cs(g, o.expectR1csSha256);
    }
    const why = tc.available ? "no circuit source to compile with circom --c was given" : tc.note;
    if (kind === "native") throw new ProverError("BACKEND_UNAVAILABLE", why);
    if (!o.wasm) throw new ProverError("BACKEND_UNAVAILABLE", `${why}; and no WASM calculator was given`);
    note(`witness: ${why}; using the WASM witness calculator`);
  }
  if (!o.wasm) throw new ProverError("BACKEND_UNAVAILABLE", "no WASM witness calculator files were given");
  return checkR1cs(await WasmWitnessGenerator.load(o.wasm), o.expectR1csSha256);
}
