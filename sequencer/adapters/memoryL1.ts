// DEVELOPMENT ADAPTER — an in-memory stand-in for the rollup contract. It keeps the deposit and forced-request
// queues with the same rolling hashes the contract keeps (PROTOCOL §7.1, §7.8), the key registry, and the settled
// root, and it settles a batch only when the batch's public inputs chain from its own storage exactly as the
// contract's checks would (batch number, old root, queue hashes, funding, effects hash, public input hash). It
// accepts only the MemoryProver's marker, never a real proof. With `persistPath` its state survives a sequencer
// crash, as a chain would.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import {
  ForcedKind,
  depositHashStep,
  forcedHashStep,
  l1EffectHashStep,
  publicInputHash,
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
import { isDevProof } from "./memoryProver.js";

export interface MemoryL1Options {
  readonly params: ProtocolParams;
  readonly genesisRoot: bigint;
  /** Grace period of a forced request. */
  readonly forcedGraceMs?: number;
  readonly persistPath?: string;
  readonly clock?: () => number;
}

export class L1Revert extends Error {
  override readonly name = "L1Revert";
}

interface Persisted {
  deposits: L1Deposit[];
  forced: L1ForcedRequest[];
  registry: [bigint, { x: bigint; y: bigint; owner: bigint }][];
  settled: L1SettledState;
  effects: L1EffectEntry[];
  txs: { batchNumber: bigint; txHash: string }[];
}

const replacer = (_k: string, v: unknown): unknown => (typeof v === "bigint" ? { $big: v.toString() } : v);
const reviver = (_k: string, v: unknown): unknown =>
  v && typeof v === "object" && "$big" in (v as Record<string, unknown>)
    ? BigInt((v as { $big: string }).$big)
    : v;

export class MemoryL1 implements L1Port {
  readonly name = "memory-l1 (development only)";
  private s: Persisted;
  /** depositHashes[k]: rolling hash after the first k deposits. */
  private depositHashes: bigint[] = [0n];
  private forcedHashes: bigint[] = [0n];
  private failures: Error[] = [];
  private readonly clock: () => number;
  submitCount = 0;

  constructor(private readonly opts: MemoryL1Options) {
    this.clock = opts.clock ?? Date.now;
    const fresh: Persisted = {
      deposits: [],
      forced: [],
      registry: [],
      settled: {
        batchNumber: 0n,
        root: opts.genesisRoot,
        depositsConsumed: 0n,
        depositHash: 0n,
        forcedConsumed: 0n,
        forcedHash: 0n,
        fundingIndices: Array<bigint>(opts.params.sizes.markets).fill(0n),
      },
      effects: [],
      txs: [],
    };
    this.s =
      opts.persistPath && existsSync(opts.persistPath)
        ? (JSON.parse(readFileSync(opts.persistPath, "utf8"), reviver) as Persisted)
        : fresh;
    for (const d of this.s.deposits)
      this.depositHashes.push(depositHashStep(this.depositHashes[this.depositHashes.length - 1]!, d));
    for (const f of this.s.forced)
      this.forcedHashes.push(forcedHashStep(this.forcedHashes[this.forcedHashes.length - 1]!, f.request));
  }

  private save(): void {
    if (!this.opts.persistPath) return;
    const tmp = `${this.opts.persistPath}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.s, replacer));
    renameSync(tmp, this.opts.persistPath);
  }

  // ---------------------------------------------------------------- what users do on L1 (test and demo hooks)

  /** A deposit as the contract admits it: the first deposit to an index sets its key; another key is refused. */
  deposit(d: Omit<L1Deposit, "index">): L1Deposit {
    const reg = new Map(this.s.registry);
    const known = reg.get(d.accountIndex);
    if (known && (known.x !== d.pubKeyX || known.y !== d.pubKeyY))
      throw new L1Revert("index registered to another key");
    if (!known) {
      reg.set(d.accountIndex, { x: d.pubKeyX, y: d.pubKeyY, owner: d.l1Address });
      this.s.registry = [...reg];
    }
    const dep: L1Deposit = { ...d, index: BigInt(this.s.deposits.length) };
    this.s.deposits.push(dep);
    this.depositHashes.push(depositHashStep(this.depositHashes[this.depositHashes.length - 1]!, dep));
    this.save();
    return dep;
  }

  /** Files a forced request; the key comes from the registry, as the contract fills it in. */
  fileForced(r: {
    kind: ForcedKind;
    accountIndex: bigint;
    asset?: number;
    amount?: bigint;
    l1Address: bigint;
  }): L1ForcedRequest {
    const key = new Map(this.s.registry).get(r.accountIndex);
    if (r.kind === ForcedKind.WITHDRAWAL && (!key || key.owner !== r.l1Address)) {
      throw new L1Revert("only the registered owner may force a withdrawal");
    }
    const request: ForcedRequest = {
      kind: r.kind,
      accountIndex: r.accountIndex,
      pubKeyX: key?.x ?? 0n,
      pubKeyY: key?.y ?? 0n,
      asset: r.kind === ForcedKind.WITHDRAWAL ? (r.asset ?? 0) : 0,
      amount: r.kind === ForcedKind.WITHDRAWAL ? (r.amount ?? 0n) : 0n,
      l1Address: r.l1Address,
    };
    const f: L1ForcedRequest = {
      index: BigInt(this.s.forced.length),
      request,
      deadlineMs: this.clock() + (this.opts.forcedGraceMs ?? 3_600_000),
    };
    this.s.forced.push(f);
    this.forcedHashes.push(forcedHashStep(this.forcedHashes[this.forcedHashes.length - 1]!, request));
    this.save();
    return f;
  }

  /** Test hook: the next `n` submissions revert with `error`. */
  failNext(error: Error, n = 1): void {
    for (let i = 0; i < n; i++) this.failures.push(error);
  }

  get effects(): readonly L1EffectEntry[] {
    return this.s.effects;
  }

  get transactions(): readonly { batchNumber: bigint; txHash: string }[] {
    return this.s.txs;
  }

  /** Forced requests whose deadline passed unserved: on the real contract, grounds to freeze the rollup. */
  overdueForced(): L1ForcedRequest[] {
    return this.s.forced.filter(
      (f) => f.index >= this.s.settled.forcedConsumed && f.deadlineMs < this.clock(),
    );
  }

  // ---------------------------------------------------------------- L1Port

  async getSettled(): Promise<L1SettledState> {
    return this.s.settled;
  }

  async getDeposits(fromIndex: bigint, max: number): Promise<readonly L1Deposit[]> {
    return this.s.deposits.slice(Number(fromIndex), Number(fromIndex) + max);
  }

  async getForcedRequests(fromIndex: bigint, max: number): Promise<readonly L1ForcedRequest[]> {
    return this.s.forced.slice(Number(fromIndex), Number(fromIndex) + max);
  }

  async submitBatch(sub: BatchSubmission): Promise<SubmitReceipt> {
    this.submitCount++;
    const injected = this.failures.shift();
    if (injected) throw injected;
    const st = this.s.settled;
    const pi = sub.publicInputs;
    const p = this.opts.params;
    const need = (ok: boolean, why: string): void => {
      if (!ok) throw new L1Revert(`batch ${sub.batchNumber} reverted: ${why}`);
    };
    need(
      sub.batchNumber === st.batchNumber + 1n && pi.batchNumber === sub.batchNumber,
      `expected batch ${st.batchNumber + 1n}`,
    );
    need(pi.chainId === p.domain.chainId && pi.contract === p.domain.contract, "wrong domain");
    need(pi.configHash === p.config.hash(), "config hash differs");
    need(pi.oldRoot === st.root, "old root is not the settled root");
    need(pi.depositHashOld === st.depositHash, "deposit queue position differs");
    const dk = this.depositHashes.findIndex(
      (h, k) => k >= Number(st.depositsConsumed) && h === pi.depositHashNew,
    );
    need(dk >= 0, "deposit hash matches no queue position");
    need(pi.forcedHashOld === st.forcedHash, "forced queue position differs");
    const fk = this.forcedHashes.findIndex(
      (h, k) => k >= Number(st.forcedConsumed) && h === pi.forcedHashNew,
    );
    need(fk >= 0, "forced hash matches no queue position");
    need(
      pi.fundingOld.length === st.fundingIndices.length &&
        pi.fundingOld.every((x, m) => x === st.fundingIndices[m]),
      "funding indices differ",
    );
    let eh = 0n;
    for (const e of sub.l1Effects) eh = l1EffectHashStep(eh, e);
    need(eh === pi.l1EffectsHash, "effects do not hash to the public input");
    need(publicInputHash(pi) === sub.publicInputHash, "public input hash differs");
    need(isDevProof(sub.proof.proof, sub.publicInputHash), "proof rejected");
    this.s.settled = {
      batchNumber: sub.batchNumber,
      root: pi.newRoot,
      depositsConsumed: BigInt(dk),
      depositHash: pi.depositHashNew,
      forcedConsumed: BigInt(fk),
      forcedHash: pi.forcedHashNew,
      fundingIndices: [...pi.fundingNew],
    };
    this.s.effects.push(...sub.l1Effects);
    const txHash = `0x${createHash("sha256").update(`${sub.batchNumber}:${sub.publicInputHash}`).digest("hex")}`;
    this.s.txs.push({ batchNumber: sub.batchNumber, txHash });
    this.save();
    return { txHash, blockNumber: BigInt(this.s.txs.length) };
  }
}
