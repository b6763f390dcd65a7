// Shared machinery for the contract tests and the gas report: Hardhat's in-process network (compiled once per run
// under a lock), a rollup deployed through the production deploy module for the `test` parameter set, the protocol
// model kept in step with it (so every public input and hash is derived independently of the contract), Groth16
// proofs, EIP-712 oracle reports and snapshots. Two verifiers:
//   - "batch": the real batch circuit's committed verifier (batchVerifier("test"), the production choice) with real
//     proofs of the model's batches (batchProver.ts) — the main path (realProofs.test.ts, the gas report);
//   - "stand-in" (default): the TEST-ONLY stand-in verifier, whose circuit proves any publicInputHash in a fraction
//     of a second — for the many revert-path tests that need a valid proof of an arbitrary (even wrong) statement.
// No vitest here (scripts use it); assertions live in assert.ts.
import hre from "hardhat";
import * as snarkjs from "snarkjs";
import type { Contract } from "ethers";
import {
  AbiCoder,
  BrowserProvider,
  ContractFactory,
  Wallet,
  ZeroAddress,
  ZeroHash,
  keccak256,
  toBeHex,
  type BaseWallet,
  type Signer,
} from "ethers";
import {
  BatchBuilder,
  Opcode,
  RollupState,
  makeDomain,
  makeParams,
  type BatchResult,
  type DepositOp,
  type Domain,
  type ForcedRequest,
  type L1EffectEntry,
  type Op,
  type Prices,
  type ProtocolParams,
} from "../../../protocol/index.js";
import { CONFIG, FUND_SALT, PRICES, SIZES, pub } from "./model.js";
import {
  batchVerifier,
  deployRollup,
  type DeployedRollup,
  type RollupParams,
  type TokenSpec,
  type VerifierSpec,
} from "../../../contracts/deploy/deploy.js";
import { ensureStandIn, STAND_IN_CONTRACT, type StandInKeys } from "./standIn.js";
import {
  closeBatchProvers,
  RealBatchProver,
  toCalldata,
  type BatchProver,
  type Groth16Calldata,
} from "./batchProver.js";
import { withLock } from "./lock.js";

export type { Groth16Calldata };

export { hre };

// Plain ethers v6 (the ESM build the deploy module uses) over Hardhat's in-process EIP-1193 provider, rather than
// hardhat-ethers' CommonJS copy of ethers: one ethers instance, one set of types. Caching is off because tests
// revert snapshots and mine blocks behind the provider's back.
const provider = new BrowserProvider(hre.network.provider, undefined, {
  cacheTimeout: -1,
  pollingInterval: 50,
});

async function getSigners(): Promise<Signer[]> {
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  return Promise.all(accounts.map((a) => provider.getSigner(a)));
}

async function getContractFactory(name: string, signer?: Signer): Promise<ContractFactory> {
  const a = await hre.artifacts.readArtifact(name);
  return new ContractFactory(a.abi, a.bytecode, signer ?? (await provider.getSigner(0)));
}

/** The slice of hardhat-ethers' `hre.ethers` the tests use, on the ESM ethers. */
export const ethers = {
  provider,
  getSigners,
  getContractFactory,
  AbiCoder,
  ZeroAddress,
  ZeroHash,
  keccak256,
  toBeHex,
};

let compiled: Promise<void> | undefined;

/** Compiles once per process; the lock keeps parallel vitest workers from writing artifacts at the same time. */
export function ensureCompiled(): Promise<void> {
  compiled ??= withLock("hardhat-compile", async () => {
    await hre.run("compile", { quiet: true });
  });
  return compiled;
}

// ---------------------------------------------------------------- deployment defaults

export const DEFAULT_PARAMS: RollupParams = {
  depositTimeoutBlocks: 50n,
  gracePeriodBlocks: 20n,
  forcedRequestFee: 10n ** 15n,
  maxForcedPerBlock: 3n,
  maxPriceAge: 600n,
  maxPriceDeviationPpm: 100_000n, // 10 % per batch
};
export const TIMELOCK_BLOCKS = 100n;
export const ORACLE_QUORUM = 2;

/** Asset ids (PROTOCOL §2): 0 quote, 1 = collateral 0 (USDC), 2 = collateral 1 (ETH). */
export const QUOTE = 0;
export const USDC = 1;
export const ETH = 2;

export const STANDARD_TOKENS: readonly TokenSpec[] = [
  { mock: { name: "Quote USD", symbol: "qUSD", decimals: 6 } },
  { mock: { name: "USD Coin", symbol: "USDC", decimals: 6 } },
  { mock: { name: "Wrapped Ether", symbol: "WETH", decimals: 18 } },
];

export interface World {
  readonly d: DeployedRollup;
  readonly rollup: Contract;
  readonly address: string;
  readonly admin: Signer;
  readonly sequencer: Signer;
  readonly users: readonly Signer[];
  readonly oracles: readonly Wallet[];
  readonly params: ProtocolParams;
  readonly domain: Domain;
  /** Proves the model's batches for this world's verifier. */
  readonly prover: BatchProver;
  /** The stand-in's keys, in a stand-in world (prove() proves any hash with them). */
  readonly standIn: StandInKeys | undefined;
  /** The model's view of the settled state; advanced by settle(). */
  state: RollupState;
  /** L1 deposits not yet consumed, in queue order, as the model's ops. */
  queue: DepositOp[];
  /** L1 forced requests not yet consumed, in queue order. */
  forced: ForcedRequest[];
}

/** Deterministic oracle keys (never funded; they only sign). */
export const ORACLE_KEYS = [1, 2, 3].map(
  (i) => "0x" + (0x0a11ce00n + BigInt(i)).toString(16).padStart(64, "0"),
);

export interface WorldOptions {
  tokens?: readonly TokenSpec[];
  params?: RollupParams;
  timelockDelayBlocks?: bigint;
  /** "stand-in" (default, test-only) or "batch" (the real verifier and real proofs). */
  verifier?: "stand-in" | "batch";
  /** With verifier "batch": how deployRollup gets it (default batchVerifier("test"), the committed contract). */
  verifierSpec?: VerifierSpec;
  /** Hashers deployed earlier (a second rollup on the same chain reuses them). */
  poseidons?: ReadonlyMap<number, string>;
}

class StandInProver implements BatchProver {
  readonly kind = "stand-in";
  constructor(private readonly keys: StandInKeys) {}
  prove(result: BatchResult): Promise<Groth16Calldata> {
    return proveStandIn(this.keys, result.publicInputHash);
  }
  async close(): Promise<void> {}
}

export async function deployWorld(o: WorldOptions = {}): Promise<World> {
  await ensureCompiled();
  const real = o.verifier === "batch";
  const standIn = real ? undefined : await ensureStandIn();
  const prover: BatchProver = standIn ? new StandInProver(standIn) : await RealBatchProver.create();
  const [admin, sequencer, ...users] = await ethers.getSigners();
  if (!admin || !sequencer) throw new Error("hardhat has no signers");
  const oracles = ORACLE_KEYS.map((k) => new Wallet(k, ethers.provider)).sort((a, b) =>
    a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1,
  );
  // The genesis root does not depend on the domain, so it is computed before the address is known.
  const placeholder = makeParams(SIZES, makeDomain(1n, 1n), CONFIG);
  const genesis = RollupState.genesis(placeholder, pub(0), FUND_SALT);
  const d = await deployRollup(
    admin,
    {
      accountDepth: SIZES.accountDepth,
      markets: SIZES.markets,
      tokens: o.tokens ?? STANDARD_TOKENS,
      verifier: real ? (o.verifierSpec ?? batchVerifier("test")) : { contract: STAND_IN_CONTRACT },
      testOnly: !real,
      configHash: placeholder.config.hash(),
      genesisRoot: genesis.root,
      fundKey: pub(0),
      admin: await admin.getAddress(),
      sequencer: await sequencer.getAddress(),
      oracle: { signers: oracles.map((w) => w.address), quorum: ORACLE_QUORUM },
      params: o.params ?? DEFAULT_PARAMS,
      timelockDelayBlocks: o.timelockDelayBlocks ?? TIMELOCK_BLOCKS,
      ...(o.poseidons ? { poseidons: o.poseidons } : {}),
    },
    hre.artifacts,
  );
  const domain = makeDomain(d.chainId, d.rollupAddress);
  const params = makeParams(SIZES, domain, CONFIG);
  const state = RollupState.genesis(params, pub(0), FUND_SALT);
  if (state.root !== genesis.root) throw new Error("genesis root depends on the domain");
  return {
    d,
    rollup: d.rollup,
    address: d.rollupAddress,
    admin,
    sequencer,
    users,
    oracles,
    params,
    domain,
    prover,
    standIn,
    state,
    queue: [],
    forced: [],
  };
}

// ---------------------------------------------------------------- snapshots

/** Runs `make` once, then hands each test a fresh copy of the world by reverting the chain to a snapshot. */
export function snapshotWorld(make: () => Promise<World>): () => Promise<World> {
  let base: World | undefined;
  let snap: string | undefined;
  return async () => {
    if (!base) {
      base = await make();
    } else {
      await ethers.provider.send("evm_revert", [snap]);
    }
    snap = (await ethers.provider.send("evm_snapshot", [])) as string;
    return { ...base, state: base.state.clone(), queue: [...base.queue], forced: [...base.forced] };
  };
}

export async function mine(blocks: number): Promise<void> {
  if (blocks > 0) await ethers.provider.send("hardhat_mine", ["0x" + blocks.toString(16)]);
}

export async function blockNumber(): Promise<number> {
  return ethers.provider.getBlockNumber();
}

export async function latestTime(): Promise<bigint> {
  const b = await ethers.provider.getBlock("latest");
  if (!b) throw new Error("no latest block");
  return BigInt(b.timestamp);
}

export async function setNextTime(t: bigint): Promise<void> {
  await ethers.provider.send("evm_setNextBlockTimestamp", [Number(t)]);
}

// ---------------------------------------------------------------- L1 actions mirrored into the model

export const addr = async (s: Signer): Promise<bigint> => BigInt(await s.getAddress());

export async function fund(w: World, who: Signer, asset: number, tokenAmount: bigint): Promise<void> {
  const t = w.d.tokens[asset]!;
  await (await t.getFunction("mint")(await who.getAddress(), tokenAmount)).wait();
  await (await (t.connect(who) as Contract).getFunction("approve")(w.address, tokenAmount)).wait();
}

export interface DepositArgs {
  readonly index: bigint;
  readonly key: number;
  readonly asset: number;
  readonly tokenAmount: bigint;
  readonly salt?: bigint;
}

/** Mints, approves and deposits; queues the matching model op with the amount the contract logged. */
export async function deposit(w: World, who: Signer, a: DepositArgs): Promise<DepositOp> {
  await fund(w, who, a.asset, a.tokenAmount);
  const k = pub(a.key);
  const tx = await (w.rollup.connect(who) as Contract).getFunction("deposit")(
    a.index,
    k.x,
    k.y,
    a.asset,
    a.tokenAmount,
  );
  const receipt = await tx.wait();
  const ev = receipt.logs
    .map((l: { topics: string[]; data: string }) => w.rollup.interface.parseLog(l))
    .find((p: { name: string } | null) => p?.name === "Deposited");
  const op: DepositOp = {
    opcode: Opcode.DEPOSIT,
    l1Address: await addr(who),
    accountIndex: a.index,
    pubKeyX: k.x,
    pubKeyY: k.y,
    asset: a.asset,
    amount: ev.args.amount as bigint,
    salt: a.salt ?? 0x5a17n + a.index,
  };
  w.queue.push(op);
  return op;
}

export async function forceWithdrawal(
  w: World,
  who: Signer,
  index: bigint,
  asset: number,
  amount: bigint,
): Promise<ForcedRequest> {
  const fee = (await w.rollup.getFunction("params")()).forcedRequestFee as bigint;
  await (
    await (w.rollup.connect(who) as Contract).getFunction("forceWithdrawal")(index, asset, amount, {
      value: fee,
    })
  ).wait();
  const acc = await w.rollup.getFunction("accounts")(index);
  const r: ForcedRequest = {
    kind: 1,
    accountIndex: index,
    pubKeyX: acc.pubKeyX as bigint,
    pubKeyY: acc.pubKeyY as bigint,
    asset,
    amount,
    l1Address: await addr(who),
  };
  w.forced.push(r);
  return r;
}

export async function forceLiquidation(w: World, who: Signer, index: bigint): Promise<ForcedRequest> {
  const fee = (await w.rollup.getFunction("params")()).forcedRequestFee as bigint;
  await (
    await (w.rollup.connect(who) as Contract).getFunction("forceLiquidation")(index, { value: fee })
  ).wait();
  const acc = await w.rollup.getFunction("accounts")(index);
  const r: ForcedRequest = {
    kind: 2,
    accountIndex: index,
    pubKeyX: acc.pubKeyX as bigint,
    pubKeyY: acc.pubKeyY as bigint,
    asset: 0,
    amount: 0n,
    l1Address: await addr(who),
  };
  w.forced.push(r);
  return r;
}

// ---------------------------------------------------------------- batches

export interface BatchPlan {
  readonly result: BatchResult;
  readonly depositsConsumed: number;
  readonly forcedConsumed: number;
}

/** Builds the next batch in the model: `ops` are applied in order on a copy of the settled state. */
export function planBatch(
  w: World,
  ops: readonly Op[],
  o: { batchTime: bigint; prices?: Prices; funding?: readonly bigint[]; base?: RollupState } = {
    batchTime: 0n,
  },
): BatchPlan {
  const b = new BatchBuilder(o.base ?? w.state, {
    batchTime: o.batchTime,
    prices: o.prices ?? PRICES,
    fundingIndices: o.funding ?? [...w.state.fundingIndices],
  });
  for (const op of ops) b.apply(op);
  const depositsConsumed = ops.filter((op) => op.opcode === Opcode.DEPOSIT).length;
  const forcedConsumed = ops.filter(
    (op) =>
      op.opcode === Opcode.FORCED_WITHDRAW ||
      op.opcode === Opcode.FORCED_LIQUIDATION_CHECK ||
      (op.opcode === Opcode.LIQUIDATE && op.servesForced),
  ).length;
  return { result: b.finish(), depositsConsumed, forcedConsumed };
}

interface SnarkjsProof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
}

async function proveStandIn(keys: StandInKeys, publicInputHash: bigint): Promise<Groth16Calldata> {
  const out = (await snarkjs.groth16.fullProve(
    { publicInputHash: publicInputHash.toString() },
    keys.wasmPath,
    keys.zkeyPath,
  )) as {
    proof: SnarkjsProof;
    publicSignals: string[];
  };
  if (out.publicSignals.length !== 1 || out.publicSignals[0] !== publicInputHash.toString()) {
    throw new Error(`stand-in proof has public signals ${out.publicSignals.join(",")}`);
  }
  return toCalldata(out.proof);
}

/**
 * A TEST-ONLY stand-in proof for any `publicInputHash`, in the verifier's calldata layout. Only a stand-in world has
 * one: the real circuit proves only true statements about batches (use w.prover.prove(result)).
 */
export async function prove(w: World, publicInputHash: bigint): Promise<Groth16Calldata> {
  if (!w.standIn)
    throw new Error("prove(hash) needs the stand-in verifier; this world verifies real batch proofs");
  return proveStandIn(w.standIn, publicInputHash);
}

/** Stops the provers' WASM threads (the real backend's lease, then snarkjs's curve from fullProve) so node can exit. */
export async function stopProver(): Promise<void> {
  await closeBatchProvers();
  const shared = (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128;
  await shared?.terminate();
}

export const PRICE_REPORT_TYPES = {
  PriceReport: [
    { name: "timestamp", type: "uint64" },
    { name: "marketPrices", type: "uint64[]" },
    { name: "collateralPrices", type: "uint64[]" },
  ],
};

export interface SolPriceReport {
  timestamp: bigint;
  marketPrices: bigint[];
  collateralPrices: bigint[];
  signature: string;
}

/** One EIP-712 report per signer, each for the same prices unless `perSigner` overrides. */
export async function signReports(
  w: World,
  prices: Prices,
  timestamp: bigint,
  o: {
    signers?: readonly BaseWallet[];
    domain?: { chainId: bigint; verifyingContract: string };
    perSigner?: (i: number) => Prices;
  } = {},
): Promise<SolPriceReport[]> {
  const signers = o.signers ?? w.oracles.slice(0, ORACLE_QUORUM);
  const domain = {
    name: "zkmargin",
    version: "1",
    chainId: o.domain?.chainId ?? w.d.chainId,
    verifyingContract: o.domain?.verifyingContract ?? w.address,
  };
  const out: SolPriceReport[] = [];
  for (const [i, s] of signers.entries()) {
    const p = o.perSigner ? o.perSigner(i) : prices;
    const value = { timestamp, marketPrices: [...p.markets], collateralPrices: [...p.collaterals] };
    out.push({ ...value, signature: await s.signTypedData(domain, PRICE_REPORT_TYPES, value) });
  }
  return out;
}

export interface SolHeader {
  batchNumber: bigint;
  oldRoot: bigint;
  newRoot: bigint;
  batchTime: bigint;
  depositCount: bigint;
  forcedCount: bigint;
  fundingIndices: bigint[];
}

export interface SolEffect {
  kind: number;
  l1Address: string;
  asset: number;
  amount: bigint;
}

export function effectsOf(es: readonly L1EffectEntry[]): SolEffect[] {
  return es.map((e) => ({
    kind: e.kind,
    l1Address: "0x" + e.l1Address.toString(16).padStart(40, "0"),
    asset: e.asset,
    amount: e.amount,
  }));
}

export interface Submission {
  header: SolHeader;
  reports: SolPriceReport[];
  effects: SolEffect[];
  proof: Groth16Calldata;
}

/** The calldata for a planned batch, with a proof of the model's batch from the world's prover. */
export async function submission(w: World, plan: BatchPlan, timestamp?: bigint): Promise<Submission> {
  const r = plan.result;
  const consumedDeposits = (await w.rollup.getFunction("consumedDeposits")()) as bigint;
  const consumedForced = (await w.rollup.getFunction("consumedForced")()) as bigint;
  return {
    header: {
      batchNumber: r.publicInputs.batchNumber,
      oldRoot: r.publicInputs.oldRoot,
      newRoot: r.publicInputs.newRoot,
      batchTime: r.publicInputs.batchTime,
      depositCount: consumedDeposits + BigInt(plan.depositsConsumed),
      forcedCount: consumedForced + BigInt(plan.forcedConsumed),
      fundingIndices: [...r.publicInputs.fundingNew],
    },
    reports: await signReports(w, r.publicInputs.prices, timestamp ?? r.publicInputs.batchTime),
    effects: effectsOf(r.l1Effects),
    proof: await w.prover.prove(r),
  };
}

export function send(
  w: World,
  s: Submission,
  from: Signer = w.sequencer,
): Promise<{ wait(): Promise<unknown> }> {
  return (w.rollup.connect(from) as Contract).getFunction("submitBatch")(
    s.header,
    s.reports,
    s.effects,
    s.proof,
  );
}

/** Submits and, on success, advances the model and the L1 queues. */
export async function settle(w: World, plan: BatchPlan, s?: Submission): Promise<Submission> {
  const sub = s ?? (await submission(w, plan));
  await (await send(w, sub)).wait();
  w.state = plan.result.state;
  w.queue.splice(0, plan.depositsConsumed);
  w.forced.splice(0, plan.forcedConsumed);
  return sub;
}

/** A batch time the next block accepts: the latest block's timestamp. */
export async function nextBatchTime(w: World): Promise<bigint> {
  const t = await latestTime();
  return t > w.state.lastBatchTime ? t : w.state.lastBatchTime;
}
