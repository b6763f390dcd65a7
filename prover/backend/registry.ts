// Backends by name. Callers ask for a name (CLI `--backend`, daemon config, pool option) and never import an
// implementation, so a native or GPU backend is added by registering its factory here, or at run time through
// registerBackend() from a plugin module (the pool's workers load plugin modules before creating their backend).
import { ProverError } from "./errors.js";
import { SNARKJS_WASM, snarkjsWasmFactory } from "./snarkjsWasm.js";
import type { BackendCapabilities, BackendFactory, BackendOptions, ProverBackend } from "./types.js";

export const DEFAULT_BACKEND = SNARKJS_WASM;

const factories = new Map<string, BackendFactory>([[snarkjsWasmFactory.name, snarkjsWasmFactory]]);

export function registerBackend(factory: BackendFactory): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(factory.name)) {
    throw new ProverError(
      "UNKNOWN_BACKEND",
      `backend name "${factory.name}" must be lower-case letters, digits, -`,
    );
  }
  if (factories.has(factory.name) && factories.get(factory.name) !== factory) {
    throw new ProverError("UNKNOWN_BACKEND", `a backend named "${factory.name}" is already registered`);
  }
  factories.set(factory.name, factory);
}

export function backendNames(): string[] {
  return [...factories.keys()];
}

export function backendFactory(name: string): BackendFactory {
  const f = factories.get(name);
  if (!f) {
    throw new ProverError(
      "UNKNOWN_BACKEND",
      `unknown prover backend "${name}" (known: ${backendNames().join(", ")})`,
    );
  }
  return f;
}

/** Every registered backend with what it can do on this machine. */
export async function probeBackends(
  options?: BackendOptions,
): Promise<{ name: string; description: string; capabilities: BackendCapabilities }[]> {
  return Promise.all(
    [...factories.values()].map(async (f) => ({
      name: f.name,
      description: f.description,
      capabilities: await f.probe(options),
    })),
  );
}

/** A backend by name; BACKEND_UNAVAILABLE (with the probe's note) when this machine cannot run it. */
export async function createBackend(
  name = DEFAULT_BACKEND,
  options?: BackendOptions,
): Promise<ProverBackend> {
  const f = backendFactory(name);
  const caps = await f.probe(options);
  if (!caps.available)
    throw new ProverError("BACKEND_UNAVAILABLE", `backend "${name}" unavailable: ${caps.note}`);
  return f.create(options);
}
