// Where a circuit's proving and verification files live, by circuit id ("<set>/<main>"). One small JSON manifest is
// shared by the queue (which needs each vkey to check proofs) and the provers (wasm + zkey), so both sides name the
// same files; paths in it are relative to the manifest. Every key says which setup made it — "INSECURE-DEV ..." from
// prover/setup, "PRODUCTION ..." from prover/ceremony — and an operator can demand PRODUCTION keys.
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { JobQueueError } from "./errors.js";
import type { VerificationKey } from "./groth16.js";

export const ARTIFACTS_FORMAT = "zkmargin-prover-artifacts-v1";

const Entry = Type.Object(
  {
    wasm: Type.Optional(Type.String({ minLength: 1 })),
    zkey: Type.Optional(Type.String({ minLength: 1 })),
    vkey: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
const Manifest = Type.Object(
  {
    format: Type.Literal(ARTIFACTS_FORMAT),
    circuits: Type.Record(
      Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}/[A-Za-z0-9][A-Za-z0-9_-]{0,63}$" }),
      Entry,
    ),
  },
  { additionalProperties: false },
);
export type ArtifactManifestJson = Static<typeof Manifest>;

export interface CircuitArtifacts {
  readonly wasm?: string;
  readonly zkey?: string;
  readonly vkey?: string;
}

export type SetupKind = "production" | "insecure-dev" | "unlabelled";

export function setupKindOf(label: unknown): SetupKind {
  if (typeof label !== "string") return "unlabelled";
  if (label.startsWith("PRODUCTION ")) return "production";
  if (label.startsWith("INSECURE")) return "insecure-dev";
  return "unlabelled";
}

export class ArtifactManifest {
  constructor(private readonly entries: ReadonlyMap<string, CircuitArtifacts>) {}

  static fromJson(json: unknown, baseDir: string): ArtifactManifest {
    if (!Value.Check(Manifest, json)) {
      const first = Value.Errors(Manifest, json).First();
      throw new JobQueueError(
        "BAD_REQUEST",
        `artifacts manifest: ${first ? `${first.path} ${first.message}` : "invalid"}`,
      );
    }
    const abs = (p: string | undefined): string | undefined =>
      p === undefined ? undefined : isAbsolute(p) ? p : resolve(baseDir, p);
    const m = new Map<string, CircuitArtifacts>();
    for (const [k, e] of Object.entries(json.circuits))
      m.set(k, { wasm: abs(e.wasm), zkey: abs(e.zkey), vkey: abs(e.vkey) });
    return new ArtifactManifest(m);
  }

  static async load(path: string): Promise<ArtifactManifest> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      throw new JobQueueError("BAD_REQUEST", `artifacts manifest ${path}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new JobQueueError("BAD_REQUEST", `artifacts manifest ${path}: not JSON`);
    }
    return ArtifactManifest.fromJson(json, dirname(resolve(path)));
  }

  keys(): string[] {
    return [...this.entries.keys()].sort();
  }

  get(key: string): CircuitArtifacts | undefined {
    return this.entries.get(key);
  }
}

/**
 * Reads every vkey the manifest names. With `requireProduction`, a key not exported by a ceremony is refused here,
 * at startup, so that a development key can never verify proofs that settle real funds.
 */
export async function loadVerificationKeys(
  manifest: ArtifactManifest,
  opts: { requireProduction?: boolean } = {},
): Promise<Map<string, VerificationKey>> {
  const out = new Map<string, VerificationKey>();
  for (const key of manifest.keys()) {
    const path = manifest.get(key)?.vkey;
    if (path === undefined) continue;
    let vkey: VerificationKey;
    try {
      vkey = JSON.parse(await readFile(path, "utf8")) as VerificationKey;
    } catch (e) {
      throw new JobQueueError("BAD_REQUEST", `${key}: verification key ${path}: ${(e as Error).message}`);
    }
    if (vkey.protocol !== "groth16" || vkey.curve !== "bn128" || !Number.isInteger(vkey.nPublic)) {
      throw new JobQueueError("BAD_REQUEST", `${key}: ${path} is not a Groth16 BN254 verification key`);
    }
    const kind = setupKindOf(vkey.zkmarginSetup);
    if (opts.requireProduction && kind !== "production") {
      throw new JobQueueError(
        "BAD_REQUEST",
        `${key}: ${path} is ${kind === "insecure-dev" ? "an INSECURE development" : "an unlabelled"} key; PRODUCTION keys are required`,
      );
    }
    out.set(key, vkey);
  }
  return out;
}
