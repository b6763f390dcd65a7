// Independent verification of one settled batch from chain data alone (`zkmargin verify-batch`). Nothing here trusts
// the sequencer or the contract's arithmetic: the public inputs of PROTOCOL §9 are rebuilt from the batch's own
// transaction (header, oracle reports, L1 effects, proof), the contract's append-only queue hashes, the previous
// batch's header (funding indices, queue positions) and the state just before the batch's block (config hash); the
// hash is recomputed with the protocol model and the Groth16 proof checked with snarkjs against the verifying key the
// user supplies. The key is also matched against the verifier contract the rollup calls (its constants are inlined
// in the deployed bytecode), so "the published key" and "the key the chain used" cannot silently differ.
//
// Limitations (docs in README "Verifier guide"): the batch must have been submitted by a direct call to the rollup
// (not through another contract), and the node must answer calls at the block before the batch (any Hardhat node or
// full node within its state window; otherwise the config hash falls back to the latest, reported as such).
import * as snarkjs from "snarkjs";
import {
  Contract,
  JsonRpcProvider,
  type Provider,
  type Log,
  type TransactionResponse,
  Interface,
  EventLog,
} from "ethers";
import {
  publicInputHash,
  l1EffectHashStep,
  type L1Effect,
  type L1EffectEntry,
  type PublicInputs,
} from "../../protocol/index.js";
import { leaseSharedCurve } from "../../prover/backend/sharedCurve.js";
import { fromCalldata, type Groth16Calldata } from "../../prover/calldata.js";

/** The parts of IZkMarginRollup verify-batch reads (a test checks them against the compiled ABI). */
export const ROLLUP_VERIFY_ABI = [
  "event BatchSettled(uint64 indexed batchNumber, uint256 oldRoot, uint256 newRoot, uint64 depositCount, uint64 forcedCount, uint256 publicInputHash)",
  "function submitBatch((uint64 batchNumber, uint256 oldRoot, uint256 newRoot, uint64 batchTime, uint64 depositCount, uint64 forcedCount, int64[] fundingIndices) header, (uint64 timestamp, uint64[] marketPrices, uint64[] collateralPrices, bytes signature)[] reports, (uint8 kind, address l1Address, uint8 asset, uint64 amount)[] effects, (uint256[2] a, uint256[2][2] b, uint256[2] c) proof)",
  "function configHash() view returns (uint256)",
  "function depositHashAt(uint256 position) view returns (uint256)",
  "function forcedHashAt(uint256 position) view returns (uint256)",
  "function fundingIndices() view returns (int64[])",
  "function lastPrices() view returns (uint64[])",
  "function verifier() view returns (address)",
] as const;

export type VerifyErrorCode =
  "BATCH_NOT_FOUND" | "NOT_A_DIRECT_CALL" | "MALFORMED_CALLDATA" | "BAD_VKEY" | "RPC_FAILED";

export class VerifyBatchError extends Error {
  override readonly name = "VerifyBatchError";
  constructor(
    readonly code: VerifyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifyingKey {
  readonly protocol: string;
  readonly curve: string;
  readonly nPublic: number;
  readonly vk_alpha_1: readonly string[];
  readonly vk_beta_2: readonly (readonly string[])[];
  readonly vk_gamma_2: readonly (readonly string[])[];
  readonly vk_delta_2: readonly (readonly string[])[];
  readonly IC: readonly (readonly string[])[];
}

/** What a batch's transaction carried, decoded. */
export interface SubmittedBatch {
  readonly batchNumber: bigint;
  readonly txHash: string;
  readonly blockNumber: number;
  readonly header: {
    readonly batchNumber: bigint;
    readonly oldRoot: bigint;
    readonly newRoot: bigint;
    readonly batchTime: bigint;
    readonly depositCount: bigint;
    readonly forcedCount: bigint;
    readonly fundingIndices: readonly bigint[];
  };
  readonly reports: readonly {
    readonly timestamp: bigint;
    readonly marketPrices: readonly bigint[];
    readonly collateralPrices: readonly bigint[];
  }[];
  readonly effects: readonly L1EffectEntry[];
  readonly proof: Groth16Calldata;
  /** What the contract emitted when it accepted the batch. */
  readonly event: { readonly oldRoot: bigint; readonly publicInputHash: bigint };
}

export interface VerifyBatchReport {
  readonly batchNumber: bigint;
  readonly txHash: string;
  readonly blockNumber: number;
  readonly publicInputs: PublicInputs;
  /** Recomputed here from chain data. */
  readonly publicInputHash: bigint;
  /** Equal to the hash the contract emitted (a mismatch means the contract and the model disagree). */
  readonly matchesEvent: boolean;
  /** The supplied key's constants all appear in the verifier contract the rollup calls. */
  readonly vkeyMatchesChain: boolean;
  readonly configHashAt: "block-before" | "latest";
  /** snarkjs groth16.verify on the recomputed public input. */
  readonly proofValid: boolean;
  readonly ok: boolean;
}

export interface VerifyBatchOptions {
  readonly provider: Provider | string;
  readonly rollup: string;
  readonly batchNumber: bigint;
  readonly vkey: VerifyingKey;
  /** Test hook: edit what was read from the chain before it is checked (a tampered batch must fail). */
  readonly tamper?: (b: SubmittedBatch) => SubmittedBatch;
}

const iface = new Interface(ROLLUP_VERIFY_ABI as unknown as string[]);

function toProvider(p: Provider | string): Provider {
  return typeof p === "string" ? new JsonRpcProvider(p, undefined, { staticNetwork: true }) : p;
}

async function rpc<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw new VerifyBatchError("RPC_FAILED", `${what}: ${(e as Error).message.split("\n")[0]}`);
  }
}

async function settledEvent(rollup: Contract, n: bigint): Promise<EventLog> {
  const logs = await rpc(`BatchSettled(${n})`, () => rollup.queryFilter(rollup.filters.BatchSettled!(n), 0));
  const ev = logs.find((l: Log | EventLog): l is EventLog => l instanceof EventLog);
  if (!ev) throw new VerifyBatchError("BATCH_NOT_FOUND", `no BatchSettled event for batch ${n}`);
  return ev;
}

/** Reads batch `n`'s transaction and event and decodes what it submitted. */
export async function readSubmittedBatch(
  provider: Provider,
  rollupAddress: string,
  n: bigint,
): Promise<SubmittedBatch> {
  const rollup = new Contract(rollupAddress, iface, provider);
  const ev = await settledEvent(rollup, n);
  const tx: TransactionResponse | null = await rpc(`transaction ${ev.transactionHash}`, () =>
    provider.getTransaction(ev.transactionHash),
  );
  if (!tx) throw new VerifyBatchError("BATCH_NOT_FOUND", `transaction ${ev.transactionHash} not found`);
  if (tx.to?.toLowerCase() !== rollupAddress.toLowerCase()) {
    throw new VerifyBatchError(
      "NOT_A_DIRECT_CALL",
      `batch ${n} was submitted through ${tx.to ?? "a deployment"}, not by a direct call to the rollup`,
    );
  }
  const call = iface.parseTransaction({ data: tx.data });
  if (!call || call.name !== "submitBatch") {
    throw new VerifyBatchError("MALFORMED_CALLDATA", `transaction ${tx.hash} is not a submitBatch call`);
  }
  const [h, reports, effects, proof] = call.args as unknown as [
    {
      batchNumber: bigint;
      oldRoot: bigint;
      newRoot: bigint;
      batchTime: bigint;
      depositCount: bigint;
      forcedCount: bigint;
      fundingIndices: bigint[];
    },
    { timestamp: bigint; marketPrices: bigint[]; collateralPrices: bigint[] }[],
    { kind: bigint; l1Address: string; asset: bigint; amount: bigint }[],
    { a: [bigint, bigint]; b: [[bigint, bigint], [bigint, bigint]]; c: [bigint, bigint] },
  ];
  if (h.batchNumber !== n) {
    throw new VerifyBatchError("MALFORMED_CALLDATA", `transaction ${tx.hash} settles batch ${h.batchNumber}`);
  }
  const args = ev.args as unknown as { oldRoot: bigint; publicInputHash: bigint };
  return {
    batchNumber: n,
    txHash: tx.hash,
    blockNumber: ev.blockNumber,
    header: {
      batchNumber: h.batchNumber,
      oldRoot: h.oldRoot,
      newRoot: h.newRoot,
      batchTime: h.batchTime,
      depositCount: h.depositCount,
      forcedCount: h.forcedCount,
      fundingIndices: [...h.fundingIndices],
    },
    reports: reports.map((r) => ({
      timestamp: r.timestamp,
      marketPrices: [...r.marketPrices],
      collateralPrices: [...r.collateralPrices],
    })),
    effects: effects.map((e) => ({
      kind: Number(e.kind) as L1Effect,
      l1Address: BigInt(e.l1Address),
      asset: Number(e.asset),
      amount: e.amount,
    })),
    proof: {
      a: [proof.a[0], proof.a[1]],
      b: [
        [proof.b[0][0], proof.b[0][1]],
        [proof.b[1][0], proof.b[1][1]],
      ],
      c: [proof.c[0], proof.c[1]],
    },
    event: { oldRoot: args.oldRoot, publicInputHash: args.publicInputHash },
  };
}

/** The lower median of one price column, as OracleLib.medianPrices takes it. */
function lowerMedian(xs: readonly bigint[]): bigint {
  const s = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** The PUSHn instruction that puts `x` on the stack: solc inlines a constant with the shortest push that holds it. */
function pushHex(x: bigint): string {
  let h = x.toString(16);
  if (h.length % 2) h = `0${h}`;
  const n = h.length / 2;
  return (0x5f + n).toString(16) + h;
}

/** Every constant of the key appears in the verifier's deployed code (snarkjs's template inlines each as PUSH32). */
export function vkeyInBytecode(vkey: VerifyingKey, runtimeHex: string): boolean {
  const code = runtimeHex.toLowerCase().replace(/^0x/, "");
  const values: string[] = [
    ...vkey.vk_alpha_1.slice(0, 2),
    ...vkey.vk_beta_2.slice(0, 2).flat(),
    ...vkey.vk_gamma_2.slice(0, 2).flat(),
    ...vkey.vk_delta_2.slice(0, 2).flat(),
    ...vkey.IC.flatMap((p) => p.slice(0, 2)),
  ];
  return values.every((v) => code.includes(pushHex(BigInt(v))));
}

function checkVkey(v: VerifyingKey): void {
  if (v.protocol !== "groth16" || v.curve !== "bn128" || v.nPublic !== 1 || v.IC.length !== 2) {
    throw new VerifyBatchError(
      "BAD_VKEY",
      "the verifying key must be a snarkjs groth16 bn128 key with one public input (PROTOCOL §9)",
    );
  }
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** snarkjs groth16.verify on the process-wide curve, leased so that its worker threads end with the call. */
async function groth16Verify(vkey: VerifyingKey, pih: bigint, proof: Groth16Calldata): Promise<boolean> {
  const lease = await leaseSharedCurve(1);
  try {
    return (await snarkjs.groth16.verify(vkey, [pih.toString()], fromCalldata(proof), silent)) === true;
  } catch {
    return false;
  } finally {
    await lease.release();
  }
}

/** Rebuilds batch `n`'s public inputs from the chain and checks its proof. */
export async function verifyBatch(o: VerifyBatchOptions): Promise<VerifyBatchReport> {
  checkVkey(o.vkey);
  const provider = toProvider(o.provider);
  const rollup = new Contract(o.rollup, iface, provider);
  const read = await readSubmittedBatch(provider, o.rollup, o.batchNumber);
  const b = o.tamper ? o.tamper(read) : read;
  const n = b.batchNumber;

  // The queue positions and funding indices before this batch are the previous batch's (genesis: 0 and 0s).
  let prevDeposits = 0n;
  let prevForced = 0n;
  let fundingOld = b.header.fundingIndices.map(() => 0n);
  if (n > 1n) {
    const prev = await readSubmittedBatch(provider, o.rollup, n - 1n);
    prevDeposits = prev.header.depositCount;
    prevForced = prev.header.forcedCount;
    fundingOld = [...prev.header.fundingIndices];
  }
  const before = b.blockNumber - 1;
  let configHashAt: VerifyBatchReport["configHashAt"] = "block-before";
  let configHash: bigint;
  try {
    configHash = (await rollup.getFunction("configHash")({ blockTag: before })) as bigint;
  } catch {
    configHashAt = "latest";
    configHash = await rpc("configHash", () => rollup.getFunction("configHash")() as Promise<bigint>);
  }
  const hashAt = (f: "depositHashAt" | "forcedHashAt", i: bigint): Promise<bigint> =>
    rpc(`${f}(${i})`, () => rollup.getFunction(f)(i) as Promise<bigint>);
  const markets = b.header.fundingIndices.length;
  const columns = b.reports[0] ? b.reports[0].marketPrices.length + b.reports[0].collateralPrices.length : 0;
  const prices = Array.from({ length: columns }, (_, a) =>
    lowerMedian(b.reports.map((r) => (a < markets ? r.marketPrices[a]! : r.collateralPrices[a - markets]!))),
  );
  let l1EffectsHash = 0n;
  for (const e of b.effects) l1EffectsHash = l1EffectHashStep(l1EffectsHash, e);
  const network = await rpc("chain id", () => provider.getNetwork());

  const publicInputs: PublicInputs = {
    chainId: network.chainId,
    contract: BigInt(o.rollup),
    batchNumber: n,
    // The contract emits the root it held (and checked the header against); a header naming another is refused.
    oldRoot: b.event.oldRoot,
    newRoot: b.header.newRoot,
    batchTime: b.header.batchTime,
    configHash,
    depositHashOld: await hashAt("depositHashAt", prevDeposits),
    depositHashNew: await hashAt("depositHashAt", b.header.depositCount),
    forcedHashOld: await hashAt("forcedHashAt", prevForced),
    forcedHashNew: await hashAt("forcedHashAt", b.header.forcedCount),
    l1EffectsHash,
    prices: { markets: prices.slice(0, markets), collaterals: prices.slice(markets) },
    fundingOld,
    fundingNew: [...b.header.fundingIndices],
  };
  const pih = publicInputHash(publicInputs);
  const verifierAddress = await rpc("verifier()", () => rollup.getFunction("verifier")() as Promise<string>);
  const code = await rpc("verifier code", () => provider.getCode(verifierAddress));
  const vkeyMatchesChain = vkeyInBytecode(o.vkey, code);
  const proofValid = await groth16Verify(o.vkey, pih, b.proof);
  const matchesEvent = pih === b.event.publicInputHash;
  return {
    batchNumber: n,
    txHash: b.txHash,
    blockNumber: b.blockNumber,
    publicInputs,
    publicInputHash: pih,
    matchesEvent,
    vkeyMatchesChain,
    configHashAt,
    proofValid,
    ok: proofValid && matchesEvent && vkeyMatchesChain,
  };
}
