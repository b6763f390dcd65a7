// Compiles Solidity at run time with the npm `solc` pinned in package.json and the settings of hardhat.config.cjs.
// Why: a verifier exported next to development keys of a set other than `test` (prover/keys) is not committed, so
// Hardhat never saw it; the local stack compiles it here, offline, with the same compiler and optimizer, so what it
// deploys behaves (and costs) like the committed contracts.
import { createRequire } from "node:module";
import type { Artifact } from "./deploy.js";

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<
      string,
      { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }
    >
  >;
}

interface Solc {
  compile(input: string): string;
  version(): string;
}

const solc = createRequire(import.meta.url)("solc") as Solc;

/** The compiler version the run-time path uses (Hardhat uses the same package, see hardhat.config.cjs). */
export function solcVersion(): string {
  return solc.version();
}

export class SolidityCompileError extends Error {
  readonly code = "SOLIDITY_COMPILE_FAILED";
  constructor(message: string) {
    super(message);
    this.name = "SolidityCompileError";
  }
}

/**
 * Compiles one self-contained source (no imports: snarkjs's verifier has none) and returns `contract`'s artifact.
 * `sourceName` only labels the source in messages and metadata.
 */
export function compileSolidity(source: string, contract: string, sourceName = `${contract}.sol`): Artifact {
  const input = {
    language: "Solidity",
    sources: { [sourceName]: { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new SolidityCompileError(`${sourceName}: ${errors.map((e) => e.formattedMessage).join("\n")}`);
  }
  const c = out.contracts?.[sourceName]?.[contract];
  if (!c) {
    const found = Object.keys(out.contracts?.[sourceName] ?? {}).join(", ") || "none";
    throw new SolidityCompileError(`${sourceName} defines no contract ${contract} (found: ${found})`);
  }
  return {
    abi: c.abi as Artifact["abi"],
    bytecode: `0x${c.evm.bytecode.object}`,
    deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    sourceName,
  };
}
