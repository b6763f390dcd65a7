// The verifier contract that prover/keys exports next to each key (snarkjs's template with the INSECURE header)
// compiles with the project's pinned solc and, deployed on Hardhat's in-process EVM, accepts the backend's proof and
// rejects it once any public signal changes — for the stand-in batch circuit (one public input) and the
// account-margin main (fifteen).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import hre from "hardhat";
import { BrowserProvider, ContractFactory, type Contract } from "ethers";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PARAM_SETS } from "../../protocol/constants.js";
import { FIELD_MODULUS } from "../../protocol/field.js";
import { SnarkjsWasmBackend } from "../../prover/backend/snarkjsWasm.js";
import type { ProofResult } from "../../prover/backend/types.js";
import type { DevKeys } from "../../prover/keys/devKeys.js";
import { WasmWitnessGenerator } from "../../prover/witness/wasm.js";
import { marginKeys, standIn } from "./fixtures.js";
import { marginCase, marginInputs, marginPublicSignals } from "./helpers.js";

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

const solc = createRequire(import.meta.url)("solc") as { compile(input: string): string };

/** Same settings as hardhat.config.cjs. */
function compile(sources: Record<string, string>): SolcOutput {
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: Object.fromEntries(Object.entries(sources).map(([k, content]) => [k, { content }])),
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: "cancun",
          outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
        },
      }),
    ),
  ) as SolcOutput;
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  return out;
}

const provider = new BrowserProvider(hre.network.provider, undefined, { cacheTimeout: -1 });

interface Deployed {
  readonly keys: DevKeys;
  readonly contract: Contract;
}

let backend: SnarkjsWasmBackend;
let stand: Deployed & { gen: WasmWitnessGenerator };
let margin: Deployed & { gen: WasmWitnessGenerator };

beforeAll(async () => {
  const [sk, mk] = await Promise.all([standIn(), marginKeys()]);
  const out = compile({
    stand: readFileSync(sk.verifierPath, "utf8"),
    margin: readFileSync(mk.verifierPath, "utf8"),
  });
  const signer = await provider.getSigner(0);
  const deploy = async (source: string, keys: DevKeys): Promise<Contract> => {
    const c = out.contracts[source]![keys.verifierContract]!;
    const f = new ContractFactory(c.abi as never, `0x${c.evm.bytecode.object}`, signer);
    const d = await f.deploy();
    await d.waitForDeployment();
    return d as unknown as Contract;
  };
  stand = { keys: sk, contract: await deploy("stand", sk), gen: await WasmWitnessGenerator.load(sk.wasm) };
  margin = { keys: mk, contract: await deploy("margin", mk), gen: await WasmWitnessGenerator.load(mk.wasm) };
  backend = await new SnarkjsWasmBackend().open();
});

afterAll(async () => {
  await backend.close();
});

/** snarkjs's own calldata encoding (what an operator submits), as [pA, pB, pC, pubSignals]. */
async function calldata(r: ProofResult, signals = r.publicSignals): Promise<unknown[]> {
  const text = (await snarkjs.groth16.exportSolidityCallData(r.proof, [...signals])) as string;
  return JSON.parse(`[${text}]`) as unknown[];
}

async function onChain(c: Contract, r: ProofResult, signals?: readonly string[]): Promise<boolean> {
  return (await c.getFunction("verifyProof").staticCall(...(await calldata(r, signals)))) as boolean;
}

async function expectBoundOnChain(c: Contract, r: ProofResult): Promise<void> {
  expect(await onChain(c, r)).toBe(true);
  for (let i = 0; i < r.publicSignals.length; i++) {
    const changed = [...r.publicSignals];
    changed[i] = ((BigInt(changed[i]!) + 1n) % FIELD_MODULUS).toString();
    expect(await onChain(c, r, changed), `public signal ${i}`).toBe(false);
  }
}

describe("exported development verifier on the EVM", () => {
  it("stand-in: accepts the backend's proof, rejects a changed publicInputHash", async () => {
    const r = await backend.prove(
      stand.keys.zkeyPath,
      await stand.gen.generate({ publicInputHash: 424242n }),
    );
    expect(r.publicSignals).toEqual(["424242"]);
    await expectBoundOnChain(stand.contract, r);
  });

  it("account_margin@test: accepts the proof of the model's figures, rejects any changed signal", async () => {
    const c = marginCase(PARAM_SETS.test, 9);
    const r = await backend.prove(margin.keys.zkeyPath, await margin.gen.generate(marginInputs(c)));
    expect(r.publicSignals).toEqual(marginPublicSignals(c));
    await expectBoundOnChain(margin.contract, r);
  });

  it("a proof for one circuit is rejected by the other circuit's verifier", async () => {
    const r = await backend.prove(stand.keys.zkeyPath, await stand.gen.generate({ publicInputHash: 1n }));
    const c = marginCase(PARAM_SETS.test);
    const m = await backend.prove(margin.keys.zkeyPath, await margin.gen.generate(marginInputs(c)));
    // Same proof points, the margin verifier's signal count: the pairing fails.
    expect(await onChain(margin.contract, { ...m, proof: r.proof })).toBe(false);
  });
});
