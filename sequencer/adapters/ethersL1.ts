// The L1 adapter for a real chain: the sequencer's L1Port over ethers v6 against a deployed ZkMarginRollup, through
// any JSON-RPC endpoint (Hardhat's in-process network in tests). Reads come from the contract's own storage (the
// settled state, pinned to one block so the snapshot is consistent) and from its events (deposits and forced
// requests, each checked against the rolling hash the contract logged, so the engine never consumes a queue entry
// the contract hashed differently). Submission builds exactly the calldata the contract rebuilds its public input
// from, dry-runs it (a refusal costs no gas and comes back as the decoded custom error), and then follows one nonce
// to the end: a slow transaction is re-priced under the same nonce, never re-sent under a new one, and a batch the
// chain already holds is answered with the settlement that holds it. So whatever the pipeline retries, after a
// timeout, a lost answer or a restart, a batch costs at most one successful transaction and never a second one.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Contract,
  Interface,
  getAddress,
  isError,
  toBeHex,
  zeroPadValue,
  type InterfaceAbi,
  type Log,
  type Provider,
  type Signer,
  type TransactionReceipt,
  type TransactionRequest,
} from "ethers";
import {
  depositHashStep,
  forcedHashStep,
  publicInputHash,
  type ForcedKind,
  type ForcedRequest,
  type L1EffectEntry,
  type ProtocolParams,
} from "../../protocol/index.js";
import type {
  BatchSubmission,
  L1Deposit,
  L1ForcedRequest,
  L1Port,
  L1SettledState,
  SubmitReceipt,
} from "../ports.js";
import type { SignedPriceReport } from "../oracle/report.js";

export type L1ErrorCode =
  /** The contract refuses the batch (dry run or mined); `revert` holds the decoded custom error. */
  | "L1_REVERTED"
  /** The submission carries no Groth16 proof (e.g. the development prover's marker). */
  | "L1_NOT_A_PROOF"
  /** The oracle reports do not yield the batch's prices, so the contract would compute another public input. */
  | "L1_PRICES_MISMATCH"
  /** The chain settled another batch under this number: the pipeline must halt, not retry. */
  | "L1_CONFLICT"
  /** Not mined in time. The transaction is still tracked: the next call for the batch resumes following it. */
  | "L1_TIMEOUT"
  /** An event does not chain to the hash the contract logged, or the queues disagree with storage. */
  | "L1_BAD_EVENTS"
  /** The deployment does not match the sequencer's parameters or key. */
  | "L1_MISCONFIGURED"
  | "L1_RPC"
  | "L1_CLOSED";

export interface DecodedRevert {
  readonly name: string;
  readonly args: readonly unknown[];
}

export class L1Error extends Error {
  override readonly name = "L1Error";
  constructor(
    readonly code: L1ErrorCode,
    message: string,
    readonly details: {
      readonly revert?: DecodedRevert;
      readonly txHash?: string;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
  }

  get revert(): DecodedRevert | undefined {
    return this.details.revert;
  }
}

export interface EthersL1Options {
  readonly params: ProtocolParams;
  /** The rollup's address; must be the contract of `params.domain`. */
  readonly address: string;
  readonly provider: Provider;
  /** The contract's `sequencer`: the only account it takes batches from. Nothing else may send from it. */
  readonly signer: Signer;
  /** The rollup's ABI; default: Hardhat's artifact of ZkMarginRollup (every custom error, for decoding). */
  readonly abi?: InterfaceAbi;
  /** Block the rollup was deployed in: event scans start there. */
  readonly fromBlock?: number;
  /**
   * Deposits and forced requests are read only this many blocks behind the head. 0 suits a development chain; on a
   * chain that reorganises, a consumed deposit that vanishes makes every later batch revert, so use its finality.
   */
  readonly finalityBlocks?: number;
  /** Blocks a settlement must have (1 = included) before submitBatch resolves. */
  readonly confirmations?: number;
  /**
   * Assumed block interval, to turn the contract's block-counted grace period into the engine's deadline. Too
   * large a value makes the sequencer serve forced requests late; it should not exceed the chain's real interval.
   */
  readonly blockTimeMs?: number;
  readonly pollMs?: number;
  /** How long one submitBatch call follows its transaction before it answers L1_TIMEOUT (the transaction stays tracked). */
  readonly receiptTimeoutMs?: number;
  /** A transaction pending this long is re-priced under the same nonce. */
  readonly replaceAfterMs?: number;
  /** Fee increase of each re-pricing; nodes want at least 10 %. */
  readonly feeBumpPercent?: number;
  /** Never bid more than this per gas (re-pricing stops there). */
  readonly maxFeePerGas?: bigint;
  readonly gasMarginPercent?: number;
  readonly logChunkBlocks?: number;
  /**
   * DEVELOPMENT ONLY. The contract takes prices only from a quorum of signed reports, but a sequencer running on
   * its configured genesis prices has none: these signers then sign the batch's prices at submission time. A
   * deployment with real oracles never sets this.
   */
  readonly devOracle?: { readonly signers: readonly Signer[] };
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Calldata of IZkMarginRollupTypes.Groth16Proof: snarkjs's pi_b limbs are swapped for the EVM's G2 encoding. */
export interface Groth16Calldata {
  readonly a: readonly [bigint, bigint];
  readonly b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  readonly c: readonly [bigint, bigint];
}

const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

function coord(x: unknown): bigint {
  if (typeof x !== "string" || !DECIMAL.test(x) || BigInt(x) >= BN254_Q) {
    throw new L1Error("L1_NOT_A_PROOF", "a proof coordinate is not a decimal base-field element");
  }
  return BigInt(x);
}

/** snarkjs's `{pi_a, pi_b, pi_c}` (projective, decimal strings) → the verifier's calldata layout. */
export function groth16Calldata(proof: unknown): Groth16Calldata {
  const p = proof as { pi_a?: unknown[]; pi_b?: unknown[][]; pi_c?: unknown[]; protocol?: unknown } | null;
  if (
    !p ||
    p.protocol !== "groth16" ||
    !Array.isArray(p.pi_a) ||
    !Array.isArray(p.pi_c) ||
    !Array.isArray(p.pi_b) ||
    !p.pi_b.every((x) => Array.isArray(x))
  ) {
    throw new L1Error("L1_NOT_A_PROOF", "the submission carries no Groth16 proof (a development marker?)");
  }
  const b = p.pi_b;
  return {
    a: [coord(p.pi_a[0]), coord(p.pi_a[1])],
    b: [
      [coord(b[0]?.[1]), coord(b[0]?.[0])],
      [coord(b[1]?.[1]), coord(b[1]?.[0])],
    ],
    c: [coord(p.pi_c[0]), coord(p.pi_c[1])],
  };
}

const addressOf = (x: bigint): string => getAddress(`0x${x.toString(16).padStart(40, "0")}`);

export function effectsCalldata(es: readonly L1EffectEntry[]) {
  return es.map((e) => ({
    kind: e.kind,
    l1Address: addressOf(e.l1Address),
    asset: e.asset,
    amount: e.amount,
  }));
}

export function reportsCalldata(rs: readonly SignedPriceReport[]) {
  return rs.map((r) => ({
    timestamp: r.report.timestamp,
    marketPrices: [...r.report.markets],
    collateralPrices: [...r.report.collaterals],
    signature: r.signature,
  }));
}

type ReportCalldata = ReturnType<typeof reportsCalldata>[number];

/** OracleLib's lower median: the ⌊(k−1)/2⌋-th smallest of each feed across the reports. */
function medianPrices(rs: readonly ReportCalldata[]): bigint[] {
  const feeds = (rs[0]?.marketPrices.length ?? 0) + (rs[0]?.collateralPrices.length ?? 0);
  const out: bigint[] = [];
  for (let a = 0; a < feeds; a++) {
    const col = rs
      .map((r) =>
        a < r.marketPrices.length ? r.marketPrices[a] : r.collateralPrices[a - r.marketPrices.length],
      )
      .map((x) => x ?? 0n)
      .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    out.push(col[Math.floor((col.length - 1) / 2)]!);
  }
  return out;
}

/** The contract's EIP-712 report type (docs/CONTRACTS.md §7). */
const CONTRACT_REPORT_TYPES = {
  PriceReport: [
    { name: "timestamp", type: "uint64" },
    { name: "marketPrices", type: "uint64[]" },
    { name: "collateralPrices", type: "uint64[]" },
  ],
};

function defaultAbi(): InterfaceAbi {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const p = join(root, "artifacts", "contracts", "ZkMarginRollup.sol", "ZkMarginRollup.json");
  if (!existsSync(p)) {
    throw new L1Error("L1_MISCONFIGURED", `no ABI given and ${p} is missing (run npx hardhat compile)`);
  }
  return (JSON.parse(readFileSync(p, "utf8")) as { abi: InterfaceAbi }).abi;
}

/** Finds the revert data in whatever shape the provider wrapped it (ethers, Hardhat, geth, EIP-1193 bridges). */
function revertData(e: unknown, depth = 0): string | undefined {
  if (depth > 6 || e === null || typeof e !== "object") return undefined;
  const o = e as Record<string, unknown>;
  if (typeof o.data === "string" && /^0x[0-9a-fA-F]*$/.test(o.data) && o.data.length >= 10) return o.data;
  for (const k of ["data", "error", "info", "cause", "payload"]) {
    const d = revertData(o[k], depth + 1);
    if (d) return d;
  }
  return undefined;
}

interface InFlight {
  readonly batchNumber: bigint;
  readonly publicInputHash: bigint;
  readonly nonce: number;
  readonly request: TransactionRequest;
  /** Every hash sent under the nonce (the original and its re-pricings). */
  readonly hashes: string[];
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
  gasPrice: bigint | null;
  lastSentMs: number;
}

interface QueueEntry<T> {
  readonly item: T;
  /** Rolling hash after this entry, as the contract logged it. */
  readonly hashAfter: bigint;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class EthersL1 implements L1Port {
  readonly name: string;
  readonly contract: Contract;
  private readonly iface: Interface;
  private readonly from: string;
  private readonly o: Required<
    Pick<
      EthersL1Options,
      | "fromBlock"
      | "finalityBlocks"
      | "confirmations"
      | "blockTimeMs"
      | "pollMs"
      | "receiptTimeoutMs"
      | "replaceAfterMs"
      | "feeBumpPercent"
      | "gasMarginPercent"
      | "logChunkBlocks"
    >
  >;
  private readonly deposits: QueueEntry<L1Deposit>[] = [];
  private readonly forced: QueueEntry<L1ForcedRequest>[] = [];
  private scannedTo: number;
  private scanning: Promise<void> | null = null;
  private gracePeriodBlocks: bigint | null = null;
  private inflight: InFlight | null = null;
  private submitting: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Transactions this adapter broadcast (re-pricings included); tests and metrics read it. */
  sentTransactions = 0;

  private constructor(
    private readonly opts: EthersL1Options,
    from: string,
    abi: InterfaceAbi,
  ) {
    this.from = from;
    this.iface = new Interface(abi);
    this.contract = new Contract(opts.address, this.iface, opts.provider);
    this.o = {
      fromBlock: opts.fromBlock ?? 0,
      finalityBlocks: opts.finalityBlocks ?? 0,
      confirmations: opts.confirmations ?? 1,
      blockTimeMs: opts.blockTimeMs ?? 12_000,
      pollMs: opts.pollMs ?? 1_000,
      receiptTimeoutMs: opts.receiptTimeoutMs ?? 60_000,
      replaceAfterMs: opts.replaceAfterMs ?? 36_000,
      feeBumpPercent: opts.feeBumpPercent ?? 25,
      gasMarginPercent: opts.gasMarginPercent ?? 25,
      logChunkBlocks: opts.logChunkBlocks ?? 5_000,
    };
    if (this.o.feeBumpPercent < 10)
      throw new RangeError("feeBumpPercent must be at least 10 (node replacement rule)");
    if (this.o.confirmations < 1) throw new RangeError("confirmations must be at least 1");
    this.scannedTo = this.o.fromBlock - 1;
    this.name = `ethers-l1 ${opts.address}${opts.devOracle ? " (DEVELOPMENT oracle signer)" : ""}`;
  }

  /**
   * Connects and checks the deployment against the sequencer's parameters before anything is read: the chain id
   * and address of the EdDSA domain, the config hash, the market and collateral counts, and that the signer is
   * the contract's sequencer (any other key would have every batch revert with NotSequencer).
   */
  static async connect(opts: EthersL1Options): Promise<EthersL1> {
    const abi = opts.abi ?? defaultAbi();
    const from = getAddress(await opts.signer.getAddress());
    const l1 = new EthersL1(opts, from, abi);
    const c = l1.contract;
    const p = opts.params;
    const net = await opts.provider.getNetwork();
    const bad = (why: string): never => {
      throw new L1Error("L1_MISCONFIGURED", `rollup ${opts.address}: ${why}`);
    };
    if (net.chainId !== p.domain.chainId)
      bad(`chain id ${net.chainId}, the sequencer signs for ${p.domain.chainId}`);
    if (BigInt(opts.address) !== p.domain.contract)
      bad(`the sequencer's domain names contract ${addressOf(p.domain.contract)}`);
    if ((await opts.provider.getCode(opts.address)) === "0x") bad("no contract at this address");
    const [configHash, markets, collaterals, sequencer] = (await Promise.all([
      c.getFunction("configHash")(),
      c.getFunction("marketCount")(),
      c.getFunction("collateralCount")(),
      c.getFunction("sequencer")(),
    ])) as [bigint, bigint, bigint, string];
    if (configHash !== p.config.hash())
      bad("its config hash differs from the sequencer's risk configuration");
    if (Number(markets) !== p.sizes.markets || Number(collaterals) !== p.sizes.collaterals) {
      bad(
        `${markets} markets and ${collaterals} collaterals, the parameter set has ${p.sizes.markets} and ${p.sizes.collaterals}`,
      );
    }
    if (getAddress(sequencer) !== from) bad(`its sequencer is ${sequencer}, the signer is ${from}`);
    return l1;
  }

  private log(msg: string, fields?: Record<string, unknown>): void {
    this.opts.log?.(msg, fields);
  }

  private open(): void {
    if (this.closed) throw new L1Error("L1_CLOSED", "the L1 adapter is closed");
  }

  private rpc<T>(what: string, p: Promise<T>): Promise<T> {
    return p.catch((e: unknown) => {
      if (e instanceof L1Error) throw e;
      throw new L1Error("L1_RPC", `${what}: ${(e as Error).message ?? String(e)}`, { cause: e });
    });
  }

  // ---------------------------------------------------------------- reads

  async getSettled(): Promise<L1SettledState> {
    this.open();
    const blockTag = await this.rpc("block number", this.opts.provider.getBlockNumber());
    const call = <T>(fn: string, ...args: unknown[]): Promise<T> =>
      this.rpc(fn, this.contract.getFunction(fn)(...args, { blockTag }) as Promise<T>);
    const [batchNumber, root, depositsConsumed, forcedConsumed, funding] = await Promise.all([
      call<bigint>("batchNumber"),
      call<bigint>("stateRoot"),
      call<bigint>("consumedDeposits"),
      call<bigint>("consumedForced"),
      call<bigint[]>("fundingIndices"),
    ]);
    const [depositHash, forcedHash] = await Promise.all([
      call<bigint>("depositHashAt", depositsConsumed),
      call<bigint>("forcedHashAt", forcedConsumed),
    ]);
    return {
      batchNumber,
      root,
      depositsConsumed,
      depositHash,
      forcedConsumed,
      forcedHash,
      fundingIndices: [...funding].map((x) => BigInt(x)),
    };
  }

  async getDeposits(fromIndex: bigint, max: number): Promise<readonly L1Deposit[]> {
    this.open();
    await this.scan();
    return this.deposits.slice(Number(fromIndex), Number(fromIndex) + max).map((e) => e.item);
  }

  async getForcedRequests(fromIndex: bigint, max: number): Promise<readonly L1ForcedRequest[]> {
    this.open();
    await this.scan();
    return this.forced.slice(Number(fromIndex), Number(fromIndex) + max).map((e) => e.item);
  }

  /** Brings the event caches up to the head (less the finality depth); one scan at a time. */
  private scan(): Promise<void> {
    this.scanning ??= this.scanOnce().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    const head = await this.rpc("block number", this.opts.provider.getBlockNumber());
    const to = head - this.o.finalityBlocks;
    const topics = [
      [this.iface.getEvent("Deposited")!.topicHash, this.iface.getEvent("ForcedRequestFiled")!.topicHash],
    ];
    while (this.scannedTo < to) {
      const from = this.scannedTo + 1;
      const end = Math.min(to, from + this.o.logChunkBlocks - 1);
      const logs = await this.rpc(
        "logs",
        this.opts.provider.getLogs({ address: this.opts.address, fromBlock: from, toBlock: end, topics }),
      );
      logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
      for (const log of logs) {
        if (log.removed) continue;
        await this.absorb(log);
      }
      this.scannedTo = end;
    }
  }

  private async absorb(log: Log): Promise<void> {
    const ev = this.iface.parseLog({ topics: [...log.topics], data: log.data });
    if (!ev) return;
    const a = ev.args;
    if (ev.name === "Deposited") {
      const index = a.getValue("depositId") as bigint;
      if (index !== BigInt(this.deposits.length)) {
        throw new L1Error("L1_BAD_EVENTS", `deposit ${index} logged where ${this.deposits.length} was next`);
      }
      const d: L1Deposit = {
        index,
        l1Address: BigInt(a.getValue("depositor") as string),
        accountIndex: a.getValue("accountIndex") as bigint,
        pubKeyX: a.getValue("pubKeyX") as bigint,
        pubKeyY: a.getValue("pubKeyY") as bigint,
        asset: Number(a.getValue("asset")),
        amount: a.getValue("amount") as bigint,
      };
      const prev = this.deposits[this.deposits.length - 1]?.hashAfter ?? 0n;
      const h = depositHashStep(prev, d);
      if (h !== (a.getValue("depositHash") as bigint)) {
        throw new L1Error("L1_BAD_EVENTS", `deposit ${index} does not chain to the hash the contract logged`);
      }
      this.deposits.push({ item: d, hashAfter: h });
    } else if (ev.name === "ForcedRequestFiled") {
      const index = a.getValue("requestId") as bigint;
      if (index !== BigInt(this.forced.length)) {
        throw new L1Error(
          "L1_BAD_EVENTS",
          `forced request ${index} logged where ${this.forced.length} was next`,
        );
      }
      const accountIndex = a.getValue("accountIndex") as bigint;
      // The event leaves the key out: the contract filled it in from its registry, where a key never changes once
      // registered (and a forced request needs a registered account), so today's registry entry is the one hashed.
      const acc = (await this.rpc("accounts", this.contract.getFunction("accounts")(accountIndex))) as {
        pubKeyX: bigint;
        pubKeyY: bigint;
      };
      const request: ForcedRequest = {
        kind: Number(a.getValue("kind")) as ForcedKind,
        accountIndex,
        pubKeyX: acc.pubKeyX,
        pubKeyY: acc.pubKeyY,
        asset: Number(a.getValue("asset")),
        amount: a.getValue("amount") as bigint,
        l1Address: BigInt(a.getValue("requester") as string),
      };
      const prev = this.forced[this.forced.length - 1]?.hashAfter ?? 0n;
      const h = forcedHashStep(prev, request);
      if (h !== (a.getValue("forcedHash") as bigint)) {
        throw new L1Error(
          "L1_BAD_EVENTS",
          `forced request ${index} does not chain to the hash the contract logged`,
        );
      }
      const block = await this.rpc("block", this.opts.provider.getBlock(log.blockNumber));
      if (!block) throw new L1Error("L1_RPC", `block ${log.blockNumber} not found`);
      this.gracePeriodBlocks ??= (
        (await this.rpc("params", this.contract.getFunction("params")())) as { gracePeriodBlocks: bigint }
      ).gracePeriodBlocks;
      // The contract counts the grace period in blocks from the filing block; the engine plans in wall time.
      const deadlineMs = block.timestamp * 1000 + Number(this.gracePeriodBlocks) * this.o.blockTimeMs;
      this.forced.push({ item: { index, request, deadlineMs }, hashAfter: h });
    }
  }

  // ---------------------------------------------------------------- submission

  submitBatch(s: BatchSubmission): Promise<SubmitReceipt> {
    // One submission at a time: the nonce bookkeeping below assumes nobody else sends from the account meanwhile.
    const run = this.submitting.then(() => this.submit(s));
    this.submitting = run.catch(() => undefined);
    return run;
  }

  private async submit(s: BatchSubmission): Promise<SubmitReceipt> {
    this.open();
    if (s.proof.publicInputHash !== s.publicInputHash || s.proof.batchNumber !== s.batchNumber) {
      throw new L1Error("L1_NOT_A_PROOF", `the proof is for another statement than batch ${s.batchNumber}`);
    }
    if (publicInputHash(s.publicInputs) !== s.publicInputHash) {
      throw new L1Error(
        "L1_NOT_A_PROOF",
        `batch ${s.batchNumber}: the public input hash does not match its inputs`,
      );
    }
    const proof = groth16Calldata(s.proof.proof);
    const deadline = Date.now() + this.o.receiptTimeoutMs;
    for (;;) {
      const f = this.inflight;
      if (f) {
        // The chain first: a batch it already holds is answered with that settlement, never sent again.
        const held = await this.settledAlready(s, deadline);
        if (held) return held;
        if (f.batchNumber !== s.batchNumber || f.publicInputHash !== s.publicInputHash) {
          // The pipeline moved on (the tracked batch settled or the chain changed): find out what became of it
          // before the account sends anything else. Its revert is history, not this batch's answer.
          try {
            if ((await this.follow(f, deadline, false)) === "pending") throw this.timeout(f);
          } catch (e) {
            if (!(e instanceof L1Error && e.code === "L1_REVERTED")) throw e;
            this.log("an earlier batch's transaction reverted", {
              batch: f.batchNumber.toString(),
              err: e.message,
            });
          }
          continue;
        }
        const outcome = await this.follow(f, deadline, true);
        if (outcome === "pending") throw this.timeout(f);
        if (outcome === "consumed") continue;
        return outcome;
      }
      // A transaction from this account that this instance does not know (sent before a restart) may be this very
      // batch: wait for it to clear instead of racing it with a second one. The nonces are read before the chain's
      // state, so one of ours mined in between shows in the state, and one still pending in the nonces.
      const [latest, pending] = await Promise.all([
        this.rpc("nonce", this.opts.provider.getTransactionCount(this.from, "latest")),
        this.rpc("nonce", this.opts.provider.getTransactionCount(this.from, "pending")),
      ]);
      const held = await this.settledAlready(s, deadline);
      if (held) return held;
      if (pending > latest) {
        if (Date.now() >= deadline) {
          throw new L1Error(
            "L1_TIMEOUT",
            `${pending - latest} earlier transaction(s) from ${this.from} still pending; not sending batch ${s.batchNumber} beside them`,
          );
        }
        await sleep(this.o.pollMs);
        continue;
      }
      try {
        await this.send(s, proof, latest);
      } catch (e) {
        // A refusal because the chain moved on may be this very batch landing meanwhile: then that is the answer.
        const landed =
          e instanceof L1Error && e.code === "L1_REVERTED" && (await this.settledAlready(s, deadline));
        if (landed) return landed;
        throw e;
      }
    }
  }

  private timeout(f: InFlight): L1Error {
    return new L1Error(
      "L1_TIMEOUT",
      `batch ${f.batchNumber}: transaction (nonce ${f.nonce}) not mined within ${this.o.receiptTimeoutMs} ms; still followed`,
      f.hashes.length > 0 ? { txHash: f.hashes[f.hashes.length - 1]! } : {},
    );
  }

  /** The receipt of the chain's settlement of s's batch number if it has one; L1_CONFLICT if it is another batch. */
  private async settledAlready(s: BatchSubmission, deadline: number): Promise<SubmitReceipt | null> {
    const batch = (await this.rpc("batchNumber", this.contract.getFunction("batchNumber")())) as bigint;
    if (batch < s.batchNumber) return null;
    const ev = await this.findSettlement(s.batchNumber);
    if (!ev)
      throw new L1Error(
        "L1_BAD_EVENTS",
        `batch ${s.batchNumber} is settled but no BatchSettled event says so`,
      );
    if (ev.newRoot !== s.publicInputs.newRoot || ev.publicInputHash !== s.publicInputHash) {
      throw new L1Error(
        "L1_CONFLICT",
        `the chain settled another batch ${s.batchNumber} (root ${ev.newRoot}) than this sequencer built`,
        { txHash: ev.txHash },
      );
    }
    if (this.inflight?.batchNumber === s.batchNumber) this.inflight = null;
    await this.confirmed(ev.blockNumber, deadline);
    return { txHash: ev.txHash, blockNumber: BigInt(ev.blockNumber) };
  }

  private async findSettlement(
    batchNumber: bigint,
  ): Promise<{ txHash: string; blockNumber: number; newRoot: bigint; publicInputHash: bigint } | null> {
    const head = await this.rpc("block number", this.opts.provider.getBlockNumber());
    const topics = [this.iface.getEvent("BatchSettled")!.topicHash, zeroPadValue(toBeHex(batchNumber), 32)];
    // Newest first: the settlement is usually recent.
    for (let end = head; end >= this.o.fromBlock; end -= this.o.logChunkBlocks) {
      const from = Math.max(this.o.fromBlock, end - this.o.logChunkBlocks + 1);
      const logs = await this.rpc(
        "logs",
        this.opts.provider.getLogs({ address: this.opts.address, fromBlock: from, toBlock: end, topics }),
      );
      const log = logs.filter((l) => !l.removed).pop();
      if (log) {
        const ev = this.iface.parseLog({ topics: [...log.topics], data: log.data })!;
        return {
          txHash: log.transactionHash,
          blockNumber: log.blockNumber,
          newRoot: ev.args.getValue("newRoot") as bigint,
          publicInputHash: ev.args.getValue("publicInputHash") as bigint,
        };
      }
    }
    return null;
  }

  /** Waits until `blockNumber` has the configured confirmations (L1_TIMEOUT at the deadline; a retry resumes). */
  private async confirmed(blockNumber: number, deadline: number): Promise<void> {
    for (;;) {
      const head = await this.rpc("block number", this.opts.provider.getBlockNumber());
      if (head - blockNumber + 1 >= this.o.confirmations) return;
      this.open();
      if (Date.now() >= deadline) {
        throw new L1Error(
          "L1_TIMEOUT",
          `block ${blockNumber} has not reached ${this.o.confirmations} confirmations`,
        );
      }
      await sleep(this.o.pollMs);
    }
  }

  private async header(s: BatchSubmission) {
    await this.scan();
    const pi = s.publicInputs;
    const position = (entries: readonly QueueEntry<unknown>[], hash: bigint, what: string): bigint => {
      if (hash === 0n) return 0n;
      // The public input names the queue position by its rolling hash; the contract wants the count.
      const k = entries.findIndex((e) => e.hashAfter === hash);
      if (k < 0)
        throw new L1Error(
          "L1_BAD_EVENTS",
          `batch ${s.batchNumber}: its ${what} hash matches no queue position`,
        );
      return BigInt(k + 1);
    };
    return {
      batchNumber: s.batchNumber,
      oldRoot: pi.oldRoot,
      newRoot: pi.newRoot,
      batchTime: pi.batchTime,
      depositCount: position(this.deposits, pi.depositHashNew, "deposit"),
      forcedCount: position(this.forced, pi.forcedHashNew, "forced"),
      fundingIndices: [...pi.fundingNew],
    };
  }

  private async reports(s: BatchSubmission): Promise<ReportCalldata[]> {
    const prices = [...s.publicInputs.prices.markets, ...s.publicInputs.prices.collaterals];
    let reports = reportsCalldata(s.oracleReports);
    if (reports.length === 0 && this.opts.devOracle) reports = await this.devReports(s);
    if (reports.length > 0) {
      const med = medianPrices(reports);
      if (med.length !== prices.length || med.some((x, i) => x !== prices[i])) {
        throw new L1Error(
          "L1_PRICES_MISMATCH",
          `batch ${s.batchNumber}: the median of its ${reports.length} oracle report(s) is not the batch's prices`,
        );
      }
    }
    return reports;
  }

  /** DEVELOPMENT: a quorum of the configured signers signs the batch's prices, stamped with the latest block's time. */
  private async devReports(s: BatchSubmission): Promise<ReportCalldata[]> {
    const signers = this.opts.devOracle!.signers;
    const [quorum, block] = await Promise.all([
      this.rpc("oracleQuorum", this.contract.getFunction("oracleQuorum")()) as Promise<bigint>,
      this.rpc("block", this.opts.provider.getBlock("latest")),
    ]);
    if (!block) throw new L1Error("L1_RPC", "no latest block");
    const sorted = (
      await Promise.all(signers.map(async (w) => ({ w, a: BigInt(await w.getAddress()) })))
    ).sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
    // Strictly ascending signers, as the contract demands; the quorum's first ones suffice.
    const chosen = sorted.slice(0, Number(quorum));
    const domain = {
      name: "zkmargin",
      version: "1",
      chainId: this.opts.params.domain.chainId,
      verifyingContract: this.opts.address,
    };
    const value = {
      timestamp: BigInt(block.timestamp),
      marketPrices: [...s.publicInputs.prices.markets],
      collateralPrices: [...s.publicInputs.prices.collaterals],
    };
    return Promise.all(
      chosen.map(async ({ w }) => ({
        ...value,
        signature: await w.signTypedData(domain, CONTRACT_REPORT_TYPES, value),
      })),
    );
  }

  decode(e: unknown): DecodedRevert | undefined {
    const data = revertData(e);
    if (!data) return undefined;
    try {
      const d = this.iface.parseError(data);
      return d ? { name: d.name, args: [...d.args] } : undefined;
    } catch {
      return undefined;
    }
  }

  private reverted(what: string, e: unknown, txHash?: string): L1Error {
    const revert = this.decode(e);
    const why = revert ? `${revert.name}(${revert.args.map(String).join(", ")})` : (e as Error).message;
    return new L1Error("L1_REVERTED", `${what}: ${why}`, {
      ...(revert ? { revert } : {}),
      ...(txHash ? { txHash } : {}),
      cause: e,
    });
  }

  /** Dry-runs the batch (refusals cost nothing and come back decoded), then broadcasts it under `nonce`. */
  private async send(s: BatchSubmission, proof: Groth16Calldata, nonce: number): Promise<void> {
    const [header, reports] = await Promise.all([this.header(s), this.reports(s)]);
    const data = this.iface.encodeFunctionData("submitBatch", [
      header,
      reports,
      effectsCalldata(s.l1Effects),
      proof,
    ]);
    const base: TransactionRequest = { to: this.opts.address, from: this.from, data };
    let gas: bigint;
    try {
      gas = await this.opts.provider.estimateGas(base);
    } catch (e) {
      if (isError(e, "CALL_EXCEPTION") || this.decode(e))
        throw this.reverted(`batch ${s.batchNumber} refused`, e);
      throw new L1Error("L1_RPC", `estimating batch ${s.batchNumber}: ${(e as Error).message}`, { cause: e });
    }
    const fee = await this.rpc("fee data", this.opts.provider.getFeeData());
    const eip1559 = fee.maxFeePerGas !== null && fee.maxPriorityFeePerGas !== null;
    const f: InFlight = {
      batchNumber: s.batchNumber,
      publicInputHash: s.publicInputHash,
      nonce,
      request: {
        ...base,
        nonce,
        chainId: this.opts.params.domain.chainId,
        gasLimit: (gas * BigInt(100 + this.o.gasMarginPercent)) / 100n,
      },
      hashes: [],
      maxFeePerGas: eip1559 ? this.capped(fee.maxFeePerGas!) : null,
      maxPriorityFeePerGas: eip1559 ? fee.maxPriorityFeePerGas : null,
      gasPrice: eip1559 ? null : this.capped(fee.gasPrice ?? 1n),
      lastSentMs: 0,
    };
    if (
      f.maxPriorityFeePerGas !== null &&
      f.maxFeePerGas !== null &&
      f.maxPriorityFeePerGas > f.maxFeePerGas
    ) {
      f.maxPriorityFeePerGas = f.maxFeePerGas;
    }
    // Tracked before the broadcast: if the answer is lost, the nonce still tells what became of it.
    this.inflight = f;
    await this.broadcast(f);
  }

  private capped(x: bigint): bigint {
    const cap = this.opts.maxFeePerGas;
    return cap !== undefined && x > cap ? cap : x;
  }

  private async broadcast(f: InFlight): Promise<void> {
    const tx: TransactionRequest = {
      ...f.request,
      ...(f.gasPrice !== null
        ? { type: 0, gasPrice: f.gasPrice }
        : { type: 2, maxFeePerGas: f.maxFeePerGas, maxPriorityFeePerGas: f.maxPriorityFeePerGas }),
    };
    f.lastSentMs = Date.now();
    try {
      const sent = await this.opts.signer.sendTransaction(tx);
      this.sentTransactions++;
      f.hashes.push(sent.hash);
      this.log("batch transaction sent", {
        batch: f.batchNumber.toString(),
        nonce: f.nonce,
        hash: sent.hash,
        replacement: f.hashes.length > 1,
      });
    } catch (e) {
      // The nonce is used (by this batch's earlier transaction or another), the node already has this exact
      // transaction, or the bid was too low to replace: in each case following the nonce tells what happened.
      if (
        isError(e, "NONCE_EXPIRED") ||
        isError(e, "REPLACEMENT_UNDERPRICED") ||
        /already known/i.test(String(e))
      ) {
        this.log("broadcast refused; following the nonce", { nonce: f.nonce, err: (e as Error).message });
        return;
      }
      if (isError(e, "CALL_EXCEPTION")) {
        if (this.inflight === f && f.hashes.length === 0) this.inflight = null;
        throw this.reverted(`batch ${f.batchNumber} refused`, e);
      }
      if (f.hashes.length === 0 && (isError(e, "INSUFFICIENT_FUNDS") || isError(e, "INVALID_ARGUMENT"))) {
        // Certainly not broadcast: nothing to follow.
        if (this.inflight === f) this.inflight = null;
      }
      throw new L1Error("L1_RPC", `sending batch ${f.batchNumber}: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Follows the tracked nonce until `deadline`: a receipt of any of its transactions ends it (settled, or the
   * decoded revert); the nonce used by something else ends it as "consumed"; a transaction pending past
   * replaceAfterMs is re-priced (only when `replace`: a batch the pipeline no longer asks for is not bid up).
   */
  private async follow(
    f: InFlight,
    deadline: number,
    replace: boolean,
  ): Promise<SubmitReceipt | "pending" | "consumed"> {
    for (;;) {
      this.open();
      const receipt = await this.anyReceipt(f);
      if (receipt) {
        this.inflight = null;
        if (receipt.status === 1) {
          await this.confirmed(receipt.blockNumber, deadline);
          return { txHash: receipt.hash, blockNumber: BigInt(receipt.blockNumber) };
        }
        throw await this.minedRevert(f, receipt);
      }
      const latest = await this.rpc("nonce", this.opts.provider.getTransactionCount(this.from, "latest"));
      if (latest > f.nonce) {
        // Mined meanwhile? Look once more before concluding another transaction took the nonce.
        const late = await this.anyReceipt(f);
        if (late) continue;
        this.inflight = null;
        this.log("nonce used by a transaction this adapter did not send", { nonce: f.nonce });
        return "consumed";
      }
      if (Date.now() >= deadline) return "pending";
      if (replace && f.hashes.length === 0) {
        // The first broadcast's answer was lost: resend at once unless the node holds something under the nonce.
        const pending = await this.rpc("nonce", this.opts.provider.getTransactionCount(this.from, "pending"));
        if (pending <= f.nonce) await this.broadcast(f);
      } else if (replace && Date.now() - f.lastSentMs >= this.o.replaceAfterMs) {
        await this.reprice(f);
      }
      await sleep(Math.min(this.o.pollMs, Math.max(0, deadline - Date.now())));
    }
  }

  private async anyReceipt(f: InFlight): Promise<TransactionReceipt | null> {
    for (const h of f.hashes) {
      const r = await this.rpc("receipt", this.opts.provider.getTransactionReceipt(h));
      if (r) return r;
    }
    return null;
  }

  /** Same nonce, same calldata, every fee raised by feeBumpPercent (and at least to today's suggestion). */
  private async reprice(f: InFlight): Promise<void> {
    const fee = await this.rpc("fee data", this.opts.provider.getFeeData());
    const bump = (x: bigint | null, now: bigint | null): bigint | null => {
      if (x === null) return null;
      const up = (x * BigInt(100 + this.o.feeBumpPercent)) / 100n + 1n;
      return now !== null && now > up ? now : up;
    };
    const next = {
      maxFeePerGas: bump(f.maxFeePerGas, fee.maxFeePerGas),
      maxPriorityFeePerGas: bump(f.maxPriorityFeePerGas, fee.maxPriorityFeePerGas),
      gasPrice: bump(f.gasPrice, fee.gasPrice),
    };
    const cap = this.opts.maxFeePerGas;
    if (cap !== undefined && ((next.maxFeePerGas ?? 0n) > cap || (next.gasPrice ?? 0n) > cap)) {
      f.lastSentMs = Date.now();
      this.log("fee cap reached; waiting without re-pricing", { nonce: f.nonce });
      return;
    }
    if (
      next.maxPriorityFeePerGas !== null &&
      next.maxFeePerGas !== null &&
      next.maxPriorityFeePerGas > next.maxFeePerGas
    ) {
      next.maxPriorityFeePerGas = next.maxFeePerGas;
    }
    f.maxFeePerGas = next.maxFeePerGas;
    f.maxPriorityFeePerGas = next.maxPriorityFeePerGas;
    f.gasPrice = next.gasPrice;
    await this.broadcast(f);
  }

  /** A mined revert carries no reason: replay the call against the state before and after its block to decode it. */
  private async minedRevert(f: InFlight, r: TransactionReceipt): Promise<L1Error> {
    for (const blockTag of [r.blockNumber - 1, r.blockNumber]) {
      try {
        await this.opts.provider.call({ ...f.request, nonce: undefined, blockTag });
      } catch (e) {
        if (this.decode(e)) return this.reverted(`batch ${f.batchNumber} reverted on chain`, e, r.hash);
      }
    }
    return new L1Error("L1_REVERTED", `batch ${f.batchNumber} reverted on chain (reason not recoverable)`, {
      txHash: r.hash,
    });
  }

  /** The transaction being followed, if any (exposed for operators' status pages and tests). */
  get pendingTransaction(): { batchNumber: bigint; nonce: number; hashes: readonly string[] } | null {
    const f = this.inflight;
    return f ? { batchNumber: f.batchNumber, nonce: f.nonce, hashes: [...f.hashes] } : null;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
