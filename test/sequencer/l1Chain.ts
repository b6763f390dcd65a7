// The chain side of the sequencer's L1 tests: Hardhat's in-process network behind plain ethers v6, the rollup deployed
// through the production deploy module (contracts/deploy/deploy.ts) for the sequencer tests' `test`-set deployment
// (setup.ts: risk config, fund key, prices), mock tokens, on-chain deposits and forced requests as users make them,
// a TEST-ONLY stand-in prover (test/contracts/helpers/standIn.ts: its key proves any public input hash, so batches
// settle in a second instead of ~16 s) and batches planned on the protocol model. No vitest here.
import hre from "hardhat";
import * as snarkjs from "snarkjs";
import { BrowserProvider, Wallet, type Contract, type Signer } from "ethers";
import {
  BatchBuilder,
  Opcode,
  RollupState,
  makeDomain,
  makeParams,
  paramSet,
  type BatchResult,
  type DepositOp,
  type ProtocolParams,
  type PublicKey,
} from "../../protocol/index.js";
import { deployRollup, type DeployedRollup, type VerifierSpec } from "../../contracts/deploy/deploy.js";
import { withLock } from "../contracts/helpers/lock.js";
import { ensureStandIn, STAND_IN_CONTRACT, type StandInKeys } from "../contracts/helpers/standIn.js";
import type { EthersL1Options } from "../../sequencer/adapters/ethersL1.js";
import type { BatchSubmission, L1Deposit, ProofJob, ProofResult, ProverPort } from "../../sequencer/ports.js";
import { CONFIG, FUND_KEY, ORACLE_KEYS, PRICES } from "./setup.js";

/** Caching off: tests revert snapshots and mine blocks behind the provider's back. */
export const provider = new BrowserProvider(hre.network.provider, undefined, {
  cacheTimeout: -1,
  pollingInterval: 50,
});

export const FUND_SALT = 7n;
/** Asset ids (PROTOCOL §2): 0 quote (6 decimals), 1 WETH (18), 2 WBTC (8) — setup.ts's collaterals. */
export const TOKEN_DECIMALS = [6, 18, 8] as const;
export const GRACE_BLOCKS = 20n;
export const MAX_PRICE_AGE_S = 600n;

let compiled: Promise<void> | undefined;

/** Compiles once per process; the lock is the contract tests' (one compile at a time across vitest workers). */
export function ensureCompiled(): Promise<void> {
  compiled ??= withLock("hardhat-compile", async () => {
    await hre.run("compile", { quiet: true });
  });
  return compiled;
}

export interface Chain {
  readonly d: DeployedRollup;
  readonly rollup: Contract;
  readonly address: string;
  readonly admin: Signer;
  /** The contract's sequencer key. */
  readonly sequencer: Signer;
  readonly users: readonly Signer[];
  /** The deployment's oracle signers (setup.ts's ORACLE_KEYS). */
  readonly oracles: readonly Wallet[];
  readonly params: ProtocolParams;
  readonly genesisRoot: bigint;
}

export async function deployChain(verifier?: VerifierSpec): Promise<Chain> {
  await ensureCompiled();
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  const [admin, sequencer, ...users] = await Promise.all(accounts.map((a) => provider.getSigner(a)));
  if (!admin || !sequencer) throw new Error("hardhat has no signers");
  const oracles = ORACLE_KEYS.map((k) => new Wallet(k));
  // The genesis root does not depend on the domain, so it is computed before the address is known.
  const placeholder = makeParams(paramSet("test"), makeDomain(1n, 1n), CONFIG);
  const genesisRoot = RollupState.genesis(placeholder, FUND_KEY, FUND_SALT).root;
  const d = await deployRollup(
    admin,
    {
      accountDepth: placeholder.sizes.accountDepth,
      markets: placeholder.sizes.markets,
      tokens: TOKEN_DECIMALS.map((decimals, i) => ({
        mock: { name: `Token ${i}`, symbol: `T${i}`, decimals },
      })),
      verifier: verifier ?? { contract: STAND_IN_CONTRACT },
      testOnly: verifier === undefined,
      configHash: placeholder.config.hash(),
      genesisRoot,
      fundKey: FUND_KEY,
      admin: await admin.getAddress(),
      sequencer: await sequencer.getAddress(),
      oracle: { signers: oracles.map((w) => w.address), quorum: 2 },
      params: {
        depositTimeoutBlocks: 50n,
        gracePeriodBlocks: GRACE_BLOCKS,
        forcedRequestFee: 10n ** 15n,
        maxForcedPerBlock: 3n,
        maxPriceAge: MAX_PRICE_AGE_S,
        maxPriceDeviationPpm: 100_000n,
      },
      timelockDelayBlocks: 100n,
    },
    hre.artifacts,
  );
  const params = makeParams(paramSet("test"), makeDomain(d.chainId, d.rollupAddress), CONFIG);
  if (RollupState.genesis(params, FUND_KEY, FUND_SALT).root !== genesisRoot) {
    throw new Error("the genesis root depends on the domain");
  }
  return {
    d,
    rollup: d.rollup,
    address: d.rollupAddress,
    admin,
    sequencer,
    users,
    oracles,
    params,
    genesisRoot,
  };
}

/** The ethers adapter's options for this chain: quick polling, the deployment's oracles as DEVELOPMENT signers. */
export function l1Options(c: Chain, over: Partial<EthersL1Options> = {}): EthersL1Options {
  return {
    params: c.params,
    address: c.address,
    provider,
    signer: c.sequencer,
    fromBlock: c.d.deployBlock,
    pollMs: 20,
    blockTimeMs: 1_000,
    devOracle: { signers: c.oracles },
    ...over,
  };
}

export async function snapshot(): Promise<string> {
  return (await provider.send("evm_snapshot", [])) as string;
}

export async function revert(id: string): Promise<void> {
  await provider.send("evm_setAutomine", [true]);
  await provider.send("evm_revert", [id]);
}

export async function nonceOf(s: Signer): Promise<number> {
  return provider.getTransactionCount(await s.getAddress(), "latest");
}

// ---------------------------------------------------------------- what users do on L1

export interface L1DepositArgs {
  readonly index: bigint;
  readonly key: PublicKey;
  readonly asset: number;
  /** Token units (the token's own decimals). */
  readonly tokenAmount: bigint;
}

/** Mints, approves and deposits as `who`. */
export async function depositOnL1(c: Chain, who: Signer, a: L1DepositArgs): Promise<void> {
  const t = c.d.tokens[a.asset]!.connect(who) as Contract;
  const me = await who.getAddress();
  await (await t.getFunction("mint")(me, a.tokenAmount)).wait();
  await (await t.getFunction("approve")(c.address, a.tokenAmount)).wait();
  const r = c.rollup.connect(who) as Contract;
  await (await r.getFunction("deposit")(a.index, a.key.x, a.key.y, a.asset, a.tokenAmount)).wait();
}

async function forcedFee(c: Chain): Promise<bigint> {
  return ((await c.rollup.getFunction("params")()) as { forcedRequestFee: bigint }).forcedRequestFee;
}

export async function forceWithdrawalOnL1(
  c: Chain,
  who: Signer,
  index: bigint,
  asset: number,
  amount: bigint,
): Promise<number> {
  const r = c.rollup.connect(who) as Contract;
  const tx = await r.getFunction("forceWithdrawal")(index, asset, amount, { value: await forcedFee(c) });
  return ((await tx.wait()) as { blockNumber: number }).blockNumber;
}

export async function forceLiquidationOnL1(c: Chain, who: Signer, index: bigint): Promise<number> {
  const r = c.rollup.connect(who) as Contract;
  const tx = await r.getFunction("forceLiquidation")(index, { value: await forcedFee(c) });
  return ((await tx.wait()) as { blockNumber: number }).blockNumber;
}

// ---------------------------------------------------------------- batches and proofs

/** TEST-ONLY: a real Groth16 proof of the stand-in circuit, which states any public input hash it is given. */
export async function standInProof(keys: StandInKeys, publicInputHash: bigint): Promise<unknown> {
  const out = (await snarkjs.groth16.fullProve(
    { publicInputHash: publicInputHash.toString() },
    keys.wasmPath,
    keys.zkeyPath,
  )) as { proof: unknown; publicSignals: string[] };
  if (out.publicSignals[0] !== publicInputHash.toString()) throw new Error("stand-in proved another hash");
  return out.proof;
}

/** TEST-ONLY ProverPort: proves every batch with the stand-in circuit (nothing about the batch is checked). */
export class StandInProver implements ProverPort {
  readonly name = "TEST-ONLY stand-in prover (its key proves any hash)";
  private readonly jobs = new Map<string, Promise<ProofResult>>();
  private n = 0;

  constructor(private readonly keys: StandInKeys) {}

  static async create(): Promise<StandInProver> {
    return new StandInProver(await ensureStandIn());
  }

  async enqueue(job: ProofJob): Promise<string> {
    const id = `stand-in-${job.batchNumber}-${++this.n}`;
    const p = standInProof(this.keys, job.publicInputHash).then((proof) => ({
      batchNumber: job.batchNumber,
      publicInputHash: job.publicInputHash,
      prover: this.name,
      proof,
    }));
    p.catch(() => undefined);
    this.jobs.set(id, p);
    return id;
  }

  result(id: string): Promise<ProofResult> {
    const p = this.jobs.get(id);
    if (!p) return Promise.reject(new Error(`unknown job ${id}`));
    this.jobs.delete(id);
    return p;
  }
}

/** Stops snarkjs's worker threads (started by fullProve) so the test process can exit. */
export async function stopSnarkjs(): Promise<void> {
  const shared = (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128;
  await shared?.terminate();
}

export function depositOp(d: L1Deposit, salt = 0x5a17n + d.index): DepositOp {
  return {
    opcode: Opcode.DEPOSIT,
    l1Address: d.l1Address,
    accountIndex: d.accountIndex,
    pubKeyX: d.pubKeyX,
    pubKeyY: d.pubKeyY,
    asset: d.asset,
    amount: d.amount,
    salt,
  };
}

/** The next batch on the model, from `base`, at the configured prices and unchanged funding. */
export function modelBatch(base: RollupState, ops: readonly DepositOp[], batchTime: bigint): BatchResult {
  const b = new BatchBuilder(base, { batchTime, prices: PRICES, fundingIndices: [...base.fundingIndices] });
  for (const op of ops) b.apply(op);
  return b.finish();
}

/** A submission of a model batch with `proof` (a stand-in proof of the batch's hash unless given). */
export async function submissionOf(
  keys: StandInKeys,
  r: BatchResult,
  proofOf: bigint = r.publicInputHash,
): Promise<BatchSubmission> {
  const n = r.publicInputs.batchNumber;
  return {
    batchNumber: n,
    publicInputs: r.publicInputs,
    publicInputHash: r.publicInputHash,
    proof: {
      batchNumber: n,
      publicInputHash: r.publicInputHash,
      prover: "TEST-ONLY stand-in",
      proof: await standInProof(keys, proofOf),
    },
    l1Effects: r.l1Effects,
    oracleReports: [],
  };
}

export async function latestTime(): Promise<bigint> {
  const b = await provider.getBlock("latest");
  if (!b) throw new Error("no latest block");
  return BigInt(b.timestamp);
}
