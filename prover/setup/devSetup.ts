// The project's development trusted setup: deterministic from a seed, fast
// enough for the `test` and `dev` parameter sets, and INSECURE by design (the
// seed is the toxic waste). Every file it writes says so in its name and
// contents, so a development key is never mistaken for a ceremony's.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { BinReader } from "./binFile.js";
import { loadCurve, wasmCurveCode } from "./curve.js";
import {
  contributionName,
  MAX_POWER,
  ptauMatches,
  PTAU_CONTRIBUTION_LABEL,
  writePtau,
} from "./ptauWriter.js";
import { circuitPower, readR1cs } from "./r1cs.js";
import { checkSeed, deriveSecrets, seedTag } from "./secrets.js";
import { exportSolidityVerifier, exportVerificationKey } from "./snarkjsApi.js";
import { WasmPool } from "./wasmPool.js";
import { writeZkey } from "./zkeyWriter.js";

export interface DevSetupOptions {
  r1csPath: string;
  outDir: string;
  seed: string;
  /** Base name of the key files: `<name>.dev-INSECURE.zkey`, `<name>.dev-INSECURE.vkey.json`. */
  name: string;
  /** ptau power; defaults to the smallest that fits the circuit. */
  power?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface DevSetupResult {
  ptauPath: string;
  zkeyPath: string;
  vkeyPath: string;
  power: number;
  constraints: number;
  seconds: number;
}

/** Value of the `zkmarginSetup` field added to exported verification keys. */
export function devSetupLabel(seed: string): string {
  return `INSECURE-DEV seed=${seed}`;
}

export function devPtauPath(outDir: string, power: number, seed: string): string {
  return join(outDir, `dev-INSECURE-${power}.seed-${seedTag(seed)}.ptau`);
}

/**
 * Builds (or reuses, when a matching one is cached in outDir) the development
 * ptau, writes the circuit's Groth16 zkey and its verification key JSON.
 */
export async function devSetup(o: DevSetupOptions): Promise<DevSetupResult> {
  const started = performance.now();
  checkSeed(o.seed);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o.name))
    throw new Error(`invalid key name ${JSON.stringify(o.name)}`);
  const r1cs = await readR1cs(o.r1csPath);
  const minPower = circuitPower(r1cs);
  const power = o.power ?? minPower;
  if (!Number.isInteger(power) || power < minPower || power > MAX_POWER) {
    throw new Error(`ptau power ${power} invalid: the circuit needs ${minPower}..${MAX_POWER}`);
  }
  await mkdir(o.outDir, { recursive: true });
  const ptauPath = devPtauPath(o.outDir, power, o.seed);
  const zkeyPath = join(o.outDir, `${o.name}.dev-INSECURE.zkey`);
  const vkeyPath = join(o.outDir, `${o.name}.dev-INSECURE.vkey.json`);
  const secrets = deriveSecrets(o.seed);
  const name = contributionName(o.seed, seedTag(o.seed));

  const curve = await loadCurve();
  const pool = new WasmPool(wasmCurveCode(curve));
  try {
    if (await ptauMatches(curve, secrets, power, ptauPath)) {
      o.onProgress?.("ptau cached", 1, 1);
    } else {
      await writePtau({ curve, pool, secrets, power, path: ptauPath, name, onProgress: o.onProgress });
    }
    await writeZkey({ curve, pool, secrets, r1cs, ptauPath, zkeyPath, name, onProgress: o.onProgress });
  } finally {
    await pool.terminate();
  }

  o.onProgress?.("verification key", 0, 1);
  const vkey = { ...(await exportVerificationKey(zkeyPath)), zkmarginSetup: devSetupLabel(o.seed) };
  await writeFile(vkeyPath, JSON.stringify(vkey, null, 1) + "\n");
  o.onProgress?.("verification key", 1, 1);

  return {
    ptauPath,
    zkeyPath,
    vkeyPath,
    power,
    constraints: r1cs.nConstraints,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The contribution name stored in a zkey's last phase-2 contribution, if any. */
export async function zkeyContributionName(zkeyPath: string): Promise<string | undefined> {
  const f = await BinReader.open(zkeyPath, "zkey");
  try {
    const s = Buffer.from(await f.readSection(10));
    const count = s.readUInt32LE(64);
    let pos = 68;
    let name: string | undefined;
    for (let i = 0; i < count; i++) {
      pos += 64 * 3 + 128 + 64; // deltaAfter, g1_s, g1_sx, g2_spx, transcript
      pos += 4; // type
      const len = s.readUInt32LE(pos);
      pos += 4;
      const end = pos + len;
      name = undefined;
      while (pos < end) {
        const type = s[pos++];
        if (type === 1) {
          const l = s[pos++] ?? 0;
          name = s.toString("utf8", pos, pos + l);
          pos += l;
        } else if (type === 2) {
          pos += 1;
        } else if (type === 3) {
          pos += 1 + (s[pos] ?? 0);
        } else {
          throw new Error(`${zkeyPath}: unknown contribution parameter ${type}`);
        }
      }
    }
    return name;
  } finally {
    await f.close();
  }
}

const TEMPLATE = "verifier_groth16.sol.ejs";

function groth16TemplatePath(): string {
  const main = createRequire(import.meta.url).resolve("snarkjs"); // .../snarkjs/build/main.cjs
  return join(dirname(main), "..", "templates", TEMPLATE);
}

/**
 * snarkjs's Solidity verifier for a development zkey, prefixed with a header
 * saying it is INSECURE and which circuit it belongs to. Refuses zkeys that
 * were not made by devSetup, so the label cannot end up on a ceremony key.
 */
export async function exportDevSolidityVerifier(
  zkeyPath: string,
  outPath: string,
  header: { seed: string; fingerprint: string; contractName?: string },
): Promise<void> {
  checkSeed(header.seed);
  if (!/^[\x20-\x7e]{1,200}$/.test(header.fingerprint)) {
    throw new Error("circuit fingerprint must be one line of printable ASCII");
  }
  const contribution = await zkeyContributionName(zkeyPath);
  if (!contribution?.startsWith(PTAU_CONTRIBUTION_LABEL)) {
    throw new Error(`${zkeyPath} is not a zkmargin development zkey`);
  }
  let template = await readFile(groth16TemplatePath(), "utf8");
  if (header.contractName !== undefined) {
    // Renaming happens in the template, so the generated code stays untouched.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(header.contractName)) throw new Error("invalid contract name");
    const decl = "contract Groth16Verifier {";
    if (template.split(decl).length !== 2) throw new Error(`${TEMPLATE}: unexpected contract declaration`);
    template = template.replace(decl, `contract ${header.contractName} {`);
  }
  const code = await exportSolidityVerifier(zkeyPath, { groth16: template });
  const head =
    `// INSECURE DEVELOPMENT SETUP (seed=${header.seed}) — never deploy to a real network\n` +
    `// circuit fingerprint: ${header.fingerprint}\n`;
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, head + code);
}
