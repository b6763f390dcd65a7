// The sequencer's deterministic core. Every state change is the effect of one command executed at one timestamp,
// and depends on nothing else (no clock, no randomness, no I/O), so replaying the journal of executed commands
// rebuilds exactly the same books, accounts, batches and roots. The protocol model's BatchBuilder holds the open
// batch and validates every op; the engine decides which ops to build (matching, liquidation, funding, forced
// requests) and keeps the off-chain views (orders, fills, trades) that the tree does not hold.
//
// Command discipline: a command validates first and mutates after; a rejection before the first mutation leaves
// nothing to journal. Once a command has mutated (`mutated`), it is journaled whatever its answer, so replay
// repeats the same mutations and the same answer.
import { createHash } from "node:crypto";
import {
  BatchBuilder,
  FLAG_IOC,
  FLAG_POST_ONLY,
  FLAG_REDUCE_ONLY,
  ForcedKind,
  Opcode,
  Order,
  RATE_SCALE,
  RollupState,
  abs,
  checkField,
  isValidPublicKey,
  parseSignature,
  type Account,
  type BatchHeader,
  type BatchResult,
  type ForcedRequest,
  type LiquidateOp,
  type Op,
  type Prices,
  type Signature,
  type SignedOrder,
  type SlotRecord,
  type TradeOp,
  type WithdrawOp,
} from "../../protocol/index.js";
import { asSequencerError, reject, type SequencerError } from "../errors.js";
import { OracleAggregator } from "../oracle/aggregator.js";
import type { SignedPriceReport } from "../oracle/report.js";
import { OrderBook } from "./book.js";
import type {
  BatchCmd,
  CancelAllCmd,
  CancelCmd,
  Command,
  DepositCmd,
  ForcedCmd,
  OracleCmd,
  PlaceCmd,
  RegisterCmd,
  SettledCmd,
  WithdrawCmd,
} from "./commands.js";
import type { EngineConfig } from "./config.js";
import {
  addSamples,
  cloneFunding,
  fundingStep,
  initialFunding,
  premiumPpm,
  type FundingState,
} from "./funding.js";
import {
  bankruptcyPrice,
  feeFor,
  fillRule,
  fundPenalty,
  fundPrice,
  liquidationSize,
  marginOf,
  ratioHolds,
  reduceOnlyCap,
  searchMax,
  settledCopy,
  type RiskCtx,
} from "./risk.js";

// ---------------------------------------------------------------- records

export type OrderStatus = "open" | "filled" | "cancelled" | "replaced" | "expired";

export interface OrderRecord {
  readonly id: string;
  readonly clientOrderId: string;
  readonly account: bigint;
  readonly signed: SignedOrder;
  readonly market: number;
  readonly isBuy: boolean;
  readonly price: bigint;
  readonly size: bigint;
  readonly flags: number;
  readonly expiry: bigint;
  readonly seq: number;
  readonly createdMs: number;
  remaining: bigint;
  filled: bigint;
  status: OrderStatus;
  reason: { code: string; message: string } | null;
  updatedMs: number;
}

export type Liquidity = "maker" | "taker" | "liquidated" | "liquidator" | "deleveraged" | "deleverager";

export interface FillRecord {
  readonly tradeId: number;
  readonly ts: number;
  readonly market: number;
  readonly orderId: string | null;
  readonly clientOrderId: string | null;
  readonly isBuy: boolean;
  readonly price: bigint;
  readonly size: bigint;
  /** Value units paid (a penalty received is negative). */
  readonly fee: bigint;
  readonly liquidity: Liquidity;
  readonly batchNumber: bigint;
}

export interface TradeRecord {
  readonly tradeId: number;
  readonly ts: number;
  readonly market: number;
  readonly price: bigint;
  readonly size: bigint;
  readonly takerIsBuy: boolean;
  readonly kind: "trade" | "liquidation";
}

export interface BatchRecord {
  readonly number: bigint;
  readonly header: BatchHeader;
  readonly ops: readonly Op[];
  readonly result: BatchResult;
  /** State before the batch: what a model-replaying prover starts from. */
  readonly base: RollupState;
  readonly cutMs: number;
  readonly opCount: number;
  readonly reports: readonly SignedPriceReport[];
}

export interface BatchSummary {
  readonly number: bigint;
  readonly opCount: number;
  readonly batchTime: bigint;
  readonly oldRoot: bigint;
  readonly newRoot: bigint;
  readonly publicInputHash: bigint;
}

/** Batch summaries kept for the public batch list (witnesses are dropped once settled; these are small). */
const MAX_BATCH_SUMMARIES = 10_000;

export type EngineEvent =
  | { readonly type: "fill"; readonly account: bigint; readonly fill: FillRecord }
  | { readonly type: "order"; readonly account: bigint; readonly order: OrderRecord }
  | { readonly type: "account"; readonly account: bigint }
  | { readonly type: "trade"; readonly trade: TradeRecord }
  | { readonly type: "book"; readonly market: number }
  | { readonly type: "batch"; readonly number: bigint }
  | { readonly type: "prices" }
  | {
      readonly type: "liquidation";
      readonly account: bigint;
      readonly market: number;
      readonly fill: bigint;
      readonly price: bigint;
    };

export interface PlaceResult {
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly accountIndex: string;
  readonly status: OrderStatus;
  readonly size: string;
  readonly filled: string;
  readonly remaining: string;
  readonly fills: readonly { price: string; size: string; fee: string; liquidity: string }[];
  readonly reason: { code: string; message: string } | null;
}

export interface ExecResult {
  readonly ok: boolean;
  readonly response: unknown;
  readonly error: SequencerError | null;
  /** True when the command changed state: it must be journaled before its answer is given. */
  readonly mutated: boolean;
  readonly events: readonly EngineEvent[];
}

interface Stored<T> {
  readonly hash: string;
  readonly response: T;
}

interface ForcedPending {
  readonly queueIndex: bigint;
  readonly request: ForcedRequest;
  readonly deadlineMs: number;
}

// ---------------------------------------------------------------- helpers

export function big(s: unknown, what: string): bigint {
  if (typeof s !== "string" || !/^-?[0-9]{1,80}$/.test(s))
    reject("VALIDATION_FAILED", `${what} must be a decimal integer string`);
  return BigInt(s);
}

function payloadHash(x: unknown): string {
  return createHash("sha256").update(JSON.stringify(x)).digest("hex");
}

function keyId(x: bigint, y: bigint): string {
  return `${x}:${y}`;
}

function minB(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function orderIdOf(account: bigint, slot: bigint, nonce: bigint): string {
  return `${account}-${slot}-${nonce}`;
}

// ---------------------------------------------------------------- engine

export class Engine {
  readonly params: EngineConfig["params"];
  private state: RollupState;
  private builder!: BatchBuilder;
  private builderOpenedMs = 0;
  private builderFunding!: FundingState;
  private builderOps: Op[] = [];
  private builderReports: readonly SignedPriceReport[] = [];
  private samplesSinceOpen: bigint[][] = [];
  private funding: FundingState;
  private prices: Prices;
  private pricesMs: number;
  private readonly oracle: OracleAggregator | null;
  readonly books: OrderBook[];
  private readonly live = new Map<string, OrderRecord>();
  private readonly liveByAccount = new Map<bigint, Map<string, OrderRecord>>();
  private readonly history = new Map<bigint, OrderRecord[]>();
  private readonly clientIds = new Map<string, Stored<PlaceResult> & { orderId: string }>();
  private readonly slotSeen = new Map<string, bigint>();
  private readonly fills = new Map<bigint, FillRecord[]>();
  private readonly trades: TradeRecord[][];
  private readonly lastTrade: (bigint | null)[];
  private readonly basis = new Map<bigint, bigint[]>();
  private readonly withPositions = new Set<bigint>();
  private readonly reservations = new Map<bigint, { x: bigint; y: bigint; ms: number }>();
  private readonly keyToIndex = new Map<string, bigint>();
  private readonly withdrawals = new Map<string, Stored<unknown>>();
  private nextDeposit = 0n;
  private nextForced = 0n;
  private readonly forcedBacklog: ForcedPending[] = [];
  private readonly batches: BatchRecord[] = [];
  private readonly summaries = new Map<bigint, BatchSummary>();
  private cutQueue: BatchRecord[] = [];
  private settledNumber = 0n;
  private settledState: RollupState;
  private orderSeq = 0;
  private tradeSeq = 0;
  private now = 0;
  private mutated = false;
  private events: EngineEvent[] = [];
  private scanPending = false;
  private cutRequested = false;
  private replaying = false;
  private lastDigest = "";
  /** Deadlines of the forced requests served by the open batch (an urgent one cuts it early). */
  private forcedServedInOpenBatch: number[] = [];

  constructor(readonly cfg: EngineConfig) {
    this.params = cfg.params;
    const sizes = cfg.params.sizes;
    this.state = RollupState.genesis(cfg.params, cfg.fundKey, cfg.fundSalt);
    this.settledState = this.state;
    this.funding = initialFunding(sizes.markets, cfg.genesisMs);
    this.prices = cfg.initialPrices;
    this.pricesMs = cfg.genesisMs;
    this.oracle = cfg.oracle ? new OracleAggregator(cfg.oracle, sizes.markets, sizes.collaterals) : null;
    this.oracle?.seed(cfg.initialPrices, cfg.genesisMs);
    this.books = Array.from({ length: sizes.markets }, (_, m) => new OrderBook(m));
    this.trades = Array.from({ length: sizes.markets }, () => []);
    this.lastTrade = Array<bigint | null>(sizes.markets).fill(null);
    this.now = cfg.genesisMs;
    this.openBuilder(cfg.genesisMs);
    this.mutated = false;
    this.events = [];
  }

  static genesisState(cfg: EngineConfig): RollupState {
    return RollupState.genesis(cfg.params, cfg.fundKey, cfg.fundSalt);
  }

  // ---------------------------------------------------------------- command entry

  execute(cmd: Command, ts: number, opts: { replay?: boolean } = {}): ExecResult {
    this.now = Math.max(this.now, ts);
    this.mutated = false;
    this.events = [];
    this.replaying = opts.replay === true;
    let response: unknown = null;
    let error: SequencerError | null = null;
    try {
      response = this.dispatch(cmd);
    } catch (e) {
      error = asSequencerError(e);
    }
    if (this.mutated) {
      try {
        this.afterCommand();
      } catch (e) {
        // Follow-up work (liquidations, forced requests) never turns an accepted command into a rejection.
        asSequencerError(e);
      }
    }
    const events = this.events;
    this.events = [];
    return { ok: error === null, response, error, mutated: this.mutated, events };
  }

  /** Whether a `tick` would change anything now (so the service journals ticks only when they matter). */
  tickDue(ts: number): boolean {
    const age = ts - this.builderOpenedMs;
    if (this.builder.size > 0) {
      if (age >= this.cfg.batchMaxAgeMs) return true;
      const urgent = this.forcedServedInOpenBatch.some((d) => d - ts < this.cfg.forcedUrgentMs);
      return urgent;
    }
    return age >= this.cfg.reopenEmptyAfterMs;
  }

  /** Batches cut since the last call, in order. */
  takeCutBatches(): BatchRecord[] {
    const out = this.cutQueue;
    this.cutQueue = [];
    return out;
  }

  /** Digest of the state after the last command: the journal records it so replay can prove it rebuilt the same. */
  digest(): string {
    const last = this.builderOps.length;
    this.lastDigest = `${this.state.root}:${this.state.batchNumber}:${last}:${this.live.size}:${this.orderSeq}:${this.tradeSeq}`;
    return this.lastDigest;
  }

  private dispatch(cmd: Command): unknown {
    switch (cmd.kind) {
      case "place":
        return this.place(cmd).response;
      case "cancel":
        return this.cancel(cmd);
      case "cancelAll":
        return this.cancelAll(cmd);
      case "batch":
        return this.batch(cmd);
      case "register":
        return this.register(cmd);
      case "deposit":
        return this.deposit(cmd);
      case "forced":
        return this.forced(cmd);
      case "withdraw":
        return this.withdraw(cmd);
      case "oracle":
        return this.oracleReport(cmd);
      case "tick":
        return this.tick();
      case "settled":
        return this.settled(cmd);
      default:
        return reject("VALIDATION_FAILED", `unknown command kind`);
    }
  }

  private afterCommand(): void {
    this.serveForcedBacklog();
    if (this.scanPending) {
      this.scanPending = false;
      this.scanLiquidations();
    }
    if (this.cutRequested) {
      this.cutRequested = false;
      this.cut();
    }
  }

  private touch(): void {
    this.mutated = true;
  }

  // ---------------------------------------------------------------- batches

  private riskCtx(): RiskCtx {
    return {
      cfg: this.params.config,
      prices: this.builder.header.prices,
      indices: this.builder.header.fundingIndices,
    };
  }

  private openBuilder(ts: number): void {
    this.touch();
    const batchTime = BigInt(Math.floor(ts / 1000));
    const header0 = this.state.lastBatchTime > batchTime ? this.state.lastBatchTime : batchTime;
    const step = fundingStep(
      this.funding,
      this.state.fundingIndices,
      this.prices,
      this.params.config,
      this.cfg.funding,
      ts,
    );
    const header: BatchHeader = { batchTime: header0, prices: this.prices, fundingIndices: step.indices };
    this.builder = new BatchBuilder(this.state, header);
    this.builderFunding = step.next;
    this.builderOpenedMs = ts;
    this.builderOps = [];
    this.samplesSinceOpen = [];
    this.forcedServedInOpenBatch = [];
    this.builderReports = this.oracle?.publication?.reports ?? [];
    this.purgeExpired(header0);
    this.scanPending = true;
  }

  /** Finishes the open batch (if it holds ops) and opens the next one. */
  private cut(): void {
    if (this.builder.size === 0) return;
    this.touch();
    const opCount = this.builder.size;
    const header = this.builder.header;
    const result = this.builder.finish();
    const rec: BatchRecord = {
      number: result.publicInputs.batchNumber,
      header,
      ops: this.builderOps,
      result,
      base: this.state,
      cutMs: this.now,
      opCount,
      reports: this.builderReports,
    };
    this.batches.push(rec);
    this.cutQueue.push(rec);
    this.summaries.set(rec.number, {
      number: rec.number,
      opCount,
      batchTime: header.batchTime,
      oldRoot: result.publicInputs.oldRoot,
      newRoot: result.publicInputs.newRoot,
      publicInputHash: result.publicInputHash,
    });
    if (this.summaries.size > MAX_BATCH_SUMMARIES) this.summaries.delete(this.summaries.keys().next().value!);
    this.state = result.state;
    const f = cloneFunding(this.builderFunding);
    for (const s of this.samplesSinceOpen) addSamples(f, s);
    this.funding = f;
    this.events.push({ type: "batch", number: rec.number });
    this.openBuilder(this.now);
  }

  /** Makes room for one op, cutting the open batch when it is full. */
  private ensureCapacity(): void {
    if (this.builder.full) this.cut();
  }

  private applyOp(op: Op): SlotRecord {
    if (this.builder.full) this.cut();
    const rec = this.builder.apply(op);
    this.touch();
    this.builderOps.push(op);
    for (const w of rec.writes) {
      if (w.index === 0n) continue;
      if (w.after.sizes.some((s) => s !== 0n)) this.withPositions.add(w.index);
      else this.withPositions.delete(w.index);
      this.events.push({ type: "account", account: w.index });
    }
    return rec;
  }

  private tick(): unknown {
    if (this.builder.size > 0) this.cut();
    else if (this.now - this.builderOpenedMs >= this.cfg.reopenEmptyAfterMs) this.openBuilder(this.now);
    return { batchNumber: this.state.batchNumber.toString() };
  }

  private settled(cmd: SettledCmd): unknown {
    const n = big(cmd.batchNumber, "batchNumber");
    if (n <= this.settledNumber) return { settled: this.settledNumber.toString() };
    const rec = this.batches.find((b) => b.number === n);
    if (!rec) reject("BATCH_NOT_FOUND", `batch ${n} was never cut here`);
    this.touch();
    this.settledNumber = n;
    this.settledState = rec.result.state;
    while (this.batches.length > 0 && this.batches[0]!.number <= n) this.batches.shift();
    return { settled: n.toString() };
  }

  // ---------------------------------------------------------------- orders

  private liveOf(account: bigint): Map<string, OrderRecord> {
    let m = this.liveByAccount.get(account);
    if (!m) {
      m = new Map();
      this.liveByAccount.set(account, m);
    }
    return m;
  }

  /** Moves a live order to a final status, out of the book. */
  private finishOrder(
    o: OrderRecord,
    status: OrderStatus,
    reason: { code: string; message: string } | null,
  ): void {
    this.touch();
    if (this.live.delete(o.id)) {
      this.books[o.market]!.remove(this.restingView(o));
      this.liveByAccount.get(o.account)?.delete(o.id);
      this.events.push({ type: "book", market: o.market });
    }
    o.status = status;
    o.reason = reason;
    o.updatedMs = this.now;
    let h = this.history.get(o.account);
    if (!h) {
      h = [];
      this.history.set(o.account, h);
    }
    h.push(o);
    if (h.length > this.cfg.maxOrderHistoryPerAccount) h.shift();
    this.events.push({ type: "order", account: o.account, order: o });
  }

  // The book stores the record itself (it satisfies RestingOrder).
  private restingView(o: OrderRecord): OrderRecord {
    return o;
  }

  private purgeExpired(batchTime: bigint): void {
    for (const o of [...this.live.values()]) {
      if (!(batchTime < o.expiry))
        this.finishOrder(o, "expired", { code: "ORDER_EXPIRED", message: `expired at ${o.expiry}` });
    }
  }

  private place(cmd: PlaceCmd): { response: PlaceResult; changed: boolean } {
    if (typeof cmd.clientOrderId !== "string" || !/^[A-Za-z0-9_.:-]{1,64}$/.test(cmd.clientOrderId)) {
      reject("VALIDATION_FAILED", "clientOrderId must be 1..64 characters of [A-Za-z0-9_.:-]");
    }
    let order: Order;
    let sig: Signature;
    try {
      if (typeof cmd.order?.isBuy !== "boolean") reject("VALIDATION_FAILED", "order.isBuy must be a boolean");
      order = Order.parse(cmd.order);
      sig = parseSignature(cmd.signature);
      for (const v of [sig.R8x, sig.R8y]) checkField(v, "signature point");
    } catch (e) {
      if (e instanceof SyntaxError || e instanceof TypeError || e instanceof RangeError) {
        reject("VALIDATION_FAILED", "order or signature is malformed");
      }
      throw e;
    }
    const idx = order.accountIndex;
    const hash = payloadHash({
      order: order.serialize(),
      signature: [sig.R8x.toString(), sig.R8y.toString(), sig.S.toString()],
    });
    const cid = `${idx}:${cmd.clientOrderId}`;
    const prior = this.clientIds.get(cid);
    if (prior) {
      if (prior.hash !== hash)
        reject("IDEMPOTENCY_CONFLICT", "this clientOrderId was already used with another order");
      return { response: prior.response, changed: false };
    }
    const sizes = this.params.sizes;
    if (idx >= 1n << BigInt(sizes.accountDepth))
      reject("ACCOUNT_INDEX_OUT_OF_RANGE", `account ${idx} is outside the tree`);
    if (idx === 0n) reject("INSURANCE_FUND_FORBIDDEN", "the insurance fund does not place orders");
    const acct = this.builder.account(idx);
    if (!acct.registered) {
      if (this.reservations.has(idx)) reject("ACCOUNT_NOT_ACTIVE", `account ${idx} awaits its first deposit`);
      reject("ACCOUNT_NOT_FOUND", `account ${idx} is not registered`);
    }
    const m = order.market;
    if (m >= sizes.markets) reject("UNKNOWN_MARKET", `market ${m} does not exist`);
    const postOnly = (order.flags & FLAG_POST_ONLY) !== 0;
    const ioc = (order.flags & FLAG_IOC) !== 0;
    if (postOnly && ioc) reject("BAD_FLAGS", "an order cannot be both post-only and immediate-or-cancel");
    const batchTime = this.builder.header.batchTime;
    if (!(batchTime < order.expiry))
      reject("ORDER_EXPIRED", `order expiry ${order.expiry} is not after the batch time ${batchTime}`);
    if (order.slot >= 1n << BigInt(sizes.orderDepth))
      reject("OUT_OF_RANGE", `slot ${order.slot} outside 0..${(1 << sizes.orderDepth) - 1}`);
    const slotKey = `${idx}:${order.slot}`;
    const seen = this.slotSeen.get(slotKey) ?? 0n;
    const treeNonce = acct.slot(order.slot).nonce;
    const floor = seen > treeNonce ? seen : treeNonce;
    if (order.nonce <= floor) reject("ORDER_REPLAYED", `slot ${order.slot} needs a nonce above ${floor}`);
    const fees = this.cfg.fees;
    const needFee = postOnly ? fees.makerPpm : fees.takerPpm > fees.makerPpm ? fees.takerPpm : fees.makerPpm;
    if (order.maxFee < needFee)
      reject("FEE_TOO_HIGH", `maxFee ${order.maxFee} ppm is below the fee schedule's ${needFee} ppm`);
    if (!this.replaying && !order.verify(acct.pubKey, sig, this.params.domain))
      reject("BAD_SIGNATURE", "invalid order signature");
    const ctx = this.riskCtx();
    if (order.reduceOnly && reduceOnlyCap(acct.sizes[m]!, order.isBuy) === 0n) {
      reject("REDUCE_ONLY_VIOLATED", "a reduce-only order must be opposite to an open position");
    }
    const book = this.books[m]!;
    if (postOnly && book.bestOpposite(order.isBuy, order.limitPrice)) {
      reject("POST_ONLY_WOULD_CROSS", "a post-only order may not take liquidity");
    }
    // Pre-trade margin: this order and the account's other open orders on the same side of the same market, all
    // filled at their limits and paying the taker fee. Reduce-only orders count only up to the position.
    const replaced = [...this.liveOf(idx).values()].find((o) => o.signed.order.slot === order.slot) ?? null;
    const sameSide = [...this.liveOf(idx).values()].filter(
      (o) => o !== replaced && o.market === m && o.isBuy === order.isBuy,
    );
    const legs = [
      ...sameSide.map((o) => ({ size: o.remaining, price: o.price })),
      { size: order.size, price: order.limitPrice },
    ];
    let cap = order.reduceOnly ? reduceOnlyCap(acct.sizes[m]!, order.isBuy) : -1n;
    const sim = legs.map((l) => {
      let size = l.size;
      if (cap >= 0n) {
        size = minB(size, cap);
        cap -= size;
      }
      return {
        market: m,
        delta: order.isBuy ? size : -size,
        price: l.price,
        fee: feeFor(size, l.price, fees.takerPpm),
      };
    });
    const reason = fillRule(acct, ctx, sim, m);
    if (reason)
      reject("UNDER_MARGINED", `order would leave the account below its margin requirement: ${reason}`);

    // ---- accepted: mutations start here
    this.touch();
    if (replaced)
      this.finishOrder(replaced, "replaced", {
        code: "REPLACED",
        message: `replaced by nonce ${order.nonce}`,
      });
    this.slotSeen.set(slotKey, order.nonce);
    const rec: OrderRecord = {
      id: orderIdOf(idx, order.slot, order.nonce),
      clientOrderId: cmd.clientOrderId,
      account: idx,
      signed: { order, signature: sig },
      market: m,
      isBuy: order.isBuy,
      price: order.limitPrice,
      size: order.size,
      flags: order.flags,
      expiry: order.expiry,
      seq: ++this.orderSeq,
      createdMs: this.now,
      remaining: order.size,
      filled: 0n,
      status: "open",
      reason: null,
      updatedMs: this.now,
    };
    const fills: FillRecord[] = [];
    const stop = this.match(rec, fills);
    if (rec.remaining === 0n) {
      this.finishOrder(rec, "filled", null);
    } else if (stop) {
      this.finishOrder(rec, "cancelled", stop);
    } else if (ioc) {
      this.finishOrder(rec, "cancelled", {
        code: "IOC_REMAINDER",
        message: "immediate-or-cancel remainder cancelled",
      });
    } else {
      this.live.set(rec.id, rec);
      this.liveOf(idx).set(rec.id, rec);
      this.books[m]!.add(rec);
      this.events.push({ type: "book", market: m }, { type: "order", account: idx, order: rec });
    }
    const response: PlaceResult = {
      orderId: rec.id,
      clientOrderId: rec.clientOrderId,
      accountIndex: idx.toString(),
      status: rec.status,
      size: rec.size.toString(),
      filled: rec.filled.toString(),
      remaining: rec.status === "open" ? rec.remaining.toString() : "0",
      fills: fills.map((f) => ({
        price: f.price.toString(),
        size: f.size.toString(),
        fee: f.fee.toString(),
        liquidity: f.liquidity,
      })),
      reason: rec.reason,
    };
    this.clientIds.set(cid, { hash, response, orderId: rec.id });
    return { response, changed: true };
  }

  /** Matches an incoming order; returns why matching stopped early (remainder to cancel) or null. */
  private match(taker: OrderRecord, fills: FillRecord[]): { code: string; message: string } | null {
    const book = this.books[taker.market]!;
    const m = taker.market;
    const fees = this.cfg.fees;
    while (taker.remaining > 0n) {
      this.ensureCapacity();
      if (!(this.builder.header.batchTime < taker.expiry))
        return { code: "ORDER_EXPIRED", message: "order expired while matching" };
      const maker = book.bestOpposite(taker.isBuy, taker.price) as OrderRecord | null;
      if (!maker) return null;
      if (maker.account === taker.account) {
        this.finishOrder(maker, "cancelled", {
          code: "SELF_TRADE",
          message: "cancelled by self-trade prevention",
        });
        continue;
      }
      const ctx = this.riskCtx();
      const takerAcct = this.builder.account(taker.account);
      const makerAcct = this.builder.account(maker.account);
      let fill = minB(taker.remaining, maker.remaining);
      if ((taker.flags & FLAG_REDUCE_ONLY) !== 0) {
        const c = reduceOnlyCap(takerAcct.sizes[m]!, taker.isBuy);
        if (c === 0n)
          return {
            code: "REDUCE_ONLY_VIOLATED",
            message: "position closed: reduce-only remainder cancelled",
          };
        fill = minB(fill, c);
      }
      if ((maker.flags & FLAG_REDUCE_ONLY) !== 0) {
        const c = reduceOnlyCap(makerAcct.sizes[m]!, maker.isBuy);
        if (c === 0n) {
          this.finishOrder(maker, "cancelled", {
            code: "REDUCE_ONLY_VIOLATED",
            message: "position closed: reduce-only order cancelled",
          });
          continue;
        }
        fill = minB(fill, c);
      }
      const price = maker.price;
      const makerFee = feeFor(fill, price, fees.makerPpm);
      const takerFee = feeFor(fill, price, fees.takerPpm);
      const makerWhy = fillRule(
        makerAcct,
        ctx,
        [{ market: m, delta: maker.isBuy ? fill : -fill, price, fee: makerFee }],
        m,
      );
      if (makerWhy) {
        this.finishOrder(maker, "cancelled", {
          code: "UNDER_MARGINED",
          message: `resting order no longer margined: ${makerWhy}`,
        });
        continue;
      }
      const takerWhy = fillRule(
        takerAcct,
        ctx,
        [{ market: m, delta: taker.isBuy ? fill : -fill, price, fee: takerFee }],
        m,
      );
      if (takerWhy) return { code: "UNDER_MARGINED", message: takerWhy };
      const op: TradeOp = {
        opcode: Opcode.TRADE,
        maker: maker.signed,
        taker: taker.signed,
        fill,
        price,
        makerFee,
        takerFee,
      };
      try {
        this.applyOp(op);
      } catch (e) {
        const se = asSequencerError(e);
        return { code: se.code, message: se.message };
      }
      const tradeId = ++this.tradeSeq;
      const batchNumber = this.state.batchNumber + 1n;
      const mk = this.recordFill(maker, {
        tradeId,
        market: m,
        isBuy: maker.isBuy,
        price,
        size: fill,
        fee: makerFee,
        liquidity: "maker",
        batchNumber,
      });
      const tk = this.recordFill(taker, {
        tradeId,
        market: m,
        isBuy: taker.isBuy,
        price,
        size: fill,
        fee: takerFee,
        liquidity: "taker",
        batchNumber,
      });
      fills.push(tk);
      void mk;
      this.recordTrade({
        tradeId,
        ts: this.now,
        market: m,
        price,
        size: fill,
        takerIsBuy: taker.isBuy,
        kind: "trade",
      });
      if (maker.remaining === 0n) this.finishOrder(maker, "filled", null);
      else
        this.events.push(
          { type: "order", account: maker.account, order: maker },
          { type: "book", market: m },
        );
    }
    return null;
  }

  private recordFill(
    o: OrderRecord | null,
    f: Omit<FillRecord, "ts" | "orderId" | "clientOrderId"> & { account?: bigint },
  ): FillRecord {
    const account = o ? o.account : f.account!;
    const rec: FillRecord = {
      tradeId: f.tradeId,
      ts: this.now,
      market: f.market,
      orderId: o ? o.id : null,
      clientOrderId: o ? o.clientOrderId : null,
      isBuy: f.isBuy,
      price: f.price,
      size: f.size,
      fee: f.fee,
      liquidity: f.liquidity,
      batchNumber: f.batchNumber,
    };
    if (o) {
      o.remaining -= f.size;
      o.filled += f.size;
      o.updatedMs = this.now;
    }
    let list = this.fills.get(account);
    if (!list) {
      list = [];
      this.fills.set(account, list);
    }
    list.push(rec);
    if (list.length > this.cfg.maxFillsPerAccount) list.shift();
    this.trackBasis(account, f.market, f.isBuy ? f.size : -f.size, f.price);
    this.events.push({ type: "fill", account, fill: rec });
    return rec;
  }

  private recordTrade(t: TradeRecord): void {
    const list = this.trades[t.market]!;
    list.push(t);
    if (list.length > this.cfg.maxRecentTrades) list.shift();
    if (t.kind === "trade") this.lastTrade[t.market] = t.price;
    this.events.push({ type: "trade", trade: t });
  }

  /** Entry value per position (Value units), for ranking deleverage counterparties by unrealised profit. */
  private trackBasis(account: bigint, m: number, delta: bigint, price: bigint): void {
    let b = this.basis.get(account);
    if (!b) {
      b = Array<bigint>(this.params.sizes.markets).fill(0n);
      this.basis.set(account, b);
    }
    const size = this.builder.account(account).sizes[m]!;
    const before = size - delta;
    if (before === 0n || before > 0n === delta > 0n) {
      b[m] = b[m]! + delta * price;
    } else if (abs(delta) <= abs(before)) {
      b[m] = b[m]! - (b[m]! * abs(delta)) / abs(before);
    } else {
      b[m] = size * price;
    }
  }

  private unrealised(account: bigint, m: number, size: bigint): bigint {
    const b = this.basis.get(account)?.[m] ?? 0n;
    return size * this.builder.header.prices.markets[m]! - b;
  }

  private findOwnOrder(account: bigint, orderId?: string, clientOrderId?: string): OrderRecord {
    let id = orderId;
    if (id === undefined && clientOrderId !== undefined)
      id = this.clientIds.get(`${account}:${clientOrderId}`)?.orderId;
    const o = id === undefined ? undefined : this.live.get(id);
    // Another account's order is reported exactly like a missing one: existence is private too.
    if (!o || o.account !== account)
      return reject("ORDER_NOT_FOUND", "no open order with that id for this account");
    return o;
  }

  private cancel(cmd: CancelCmd): unknown {
    const account = big(cmd.accountIndex, "accountIndex");
    if (cmd.orderId === undefined && cmd.clientOrderId === undefined)
      reject("VALIDATION_FAILED", "name an orderId or a clientOrderId");
    const o = this.findOwnOrder(account, cmd.orderId, cmd.clientOrderId);
    this.finishOrder(o, "cancelled", { code: "CANCELLED", message: "cancelled by the trader" });
    return { orderId: o.id, clientOrderId: o.clientOrderId, status: o.status, filled: o.filled.toString() };
  }

  private cancelAll(cmd: CancelAllCmd): unknown {
    const account = big(cmd.accountIndex, "accountIndex");
    if (
      cmd.market !== undefined &&
      !(Number.isInteger(cmd.market) && cmd.market >= 0 && cmd.market < this.params.sizes.markets)
    ) {
      reject("UNKNOWN_MARKET", `market ${cmd.market} does not exist`);
    }
    const ids: string[] = [];
    for (const o of [...this.liveOf(account).values()]) {
      if (cmd.market !== undefined && o.market !== cmd.market) continue;
      this.finishOrder(o, "cancelled", { code: "CANCELLED", message: "cancelled by the trader" });
      ids.push(o.id);
    }
    return { cancelled: ids };
  }

  private batch(cmd: BatchCmd): unknown {
    if (!Array.isArray(cmd.items) || cmd.items.length === 0 || cmd.items.length > this.cfg.maxBatchItems) {
      reject("VALIDATION_FAILED", `a batch holds 1..${this.cfg.maxBatchItems} items`);
    }
    return {
      results: cmd.items.map((item) => {
        try {
          if (item.kind === "place") return { ok: true, result: this.place(item).response };
          if (item.kind === "cancel") return { ok: true, result: this.cancel(item) };
          return reject("VALIDATION_FAILED", "batch items are place or cancel");
        } catch (e) {
          const se = asSequencerError(e);
          return { ok: false, error: { code: se.code, message: se.message } };
        }
      }),
    };
  }

  // ---------------------------------------------------------------- accounts and L1

  private register(cmd: RegisterCmd): unknown {
    const x = big(cmd.pubKeyX, "pubKeyX");
    const y = big(cmd.pubKeyY, "pubKeyY");
    checkField(x, "pubKeyX");
    checkField(y, "pubKeyY");
    if (x === 0n && y === 0n) reject("VALIDATION_FAILED", "the zero key cannot register");
    // PROTOCOL I20: the contract refuses such a key at deposit, so a reservation for it could never become active.
    if (!isValidPublicKey({ x, y }))
      reject("VALIDATION_FAILED", "the key is off the Baby Jubjub curve or of small order");
    const k = keyId(x, y);
    const known = this.keyToIndex.get(k);
    if (known !== undefined) return this.registration(known);
    for (const [i, r] of [...this.reservations]) {
      if (this.now - r.ms > this.cfg.reservationTtlMs) {
        this.touch();
        this.reservations.delete(i);
        if (this.keyToIndex.get(keyId(r.x, r.y)) === i) this.keyToIndex.delete(keyId(r.x, r.y));
      }
    }
    if (this.reservations.size >= this.cfg.maxPendingReservations)
      reject("REGISTRY_FULL", "too many registrations await a deposit");
    const cap = 1n << BigInt(this.params.sizes.accountDepth);
    let idx = 1n;
    while (idx < cap && (this.reservations.has(idx) || this.builder.account(idx).registered)) idx++;
    if (idx >= cap) reject("REGISTRY_FULL", "the account tree is full");
    this.touch();
    this.reservations.set(idx, { x, y, ms: this.now });
    this.keyToIndex.set(k, idx);
    return this.registration(idx);
  }

  private registration(idx: bigint): unknown {
    const a = this.builder.account(idx);
    return { accountIndex: idx.toString(), status: a.registered ? "active" : "awaiting_deposit" };
  }

  private deposit(cmd: DepositCmd): unknown {
    const q = big(cmd.queueIndex, "queueIndex");
    if (q !== this.nextDeposit) reject("L1_OUT_OF_ORDER", `expected deposit ${this.nextDeposit}, got ${q}`);
    const op: Op = {
      opcode: Opcode.DEPOSIT,
      l1Address: big(cmd.l1Address, "l1Address"),
      accountIndex: big(cmd.accountIndex, "accountIndex"),
      pubKeyX: big(cmd.pubKeyX, "pubKeyX"),
      pubKeyY: big(cmd.pubKeyY, "pubKeyY"),
      asset: cmd.asset,
      amount: big(cmd.amount, "amount"),
      salt: big(cmd.salt, "salt"),
    };
    // The contract admits only well-formed deposits; one the model refuses would block the queue, so it is
    // refused here before any cut and the service halts on it.
    const err = this.builder.check(op);
    if (err) throw asSequencerError(err);
    const rec = this.applyOp(op);
    this.nextDeposit++;
    const idx = op.accountIndex;
    const a = this.builder.account(idx);
    const r = this.reservations.get(idx);
    if (a.registered) {
      if (r && (r.x !== a.pubKeyX || r.y !== a.pubKeyY)) {
        // Someone else's deposit registered the index first: the reservation is void (its deposit will be refunded).
        this.reservations.delete(idx);
        if (this.keyToIndex.get(keyId(r.x, r.y)) === idx) this.keyToIndex.delete(keyId(r.x, r.y));
      } else if (r) {
        this.reservations.delete(idx);
      }
      this.keyToIndex.set(keyId(a.pubKeyX, a.pubKeyY), idx);
    }
    this.events.push({ type: "account", account: idx });
    return { queueIndex: q.toString(), refunded: rec.l1Effect !== null };
  }

  private forced(cmd: ForcedCmd): unknown {
    const q = big(cmd.queueIndex, "queueIndex");
    if (q !== this.nextForced)
      reject("L1_OUT_OF_ORDER", `expected forced request ${this.nextForced}, got ${q}`);
    const r = cmd.request;
    if (r.kind !== ForcedKind.WITHDRAWAL && r.kind !== ForcedKind.LIQUIDATION)
      reject("VALIDATION_FAILED", "unknown forced request kind");
    const request: ForcedRequest = {
      kind: r.kind,
      accountIndex: big(r.accountIndex, "accountIndex"),
      pubKeyX: big(r.pubKeyX, "pubKeyX"),
      pubKeyY: big(r.pubKeyY, "pubKeyY"),
      asset: r.asset,
      amount: big(r.amount, "amount"),
      l1Address: big(r.l1Address, "l1Address"),
    };
    this.touch();
    this.nextForced++;
    this.forcedBacklog.push({ queueIndex: q, request, deadlineMs: cmd.deadlineMs });
    return { queueIndex: q.toString() };
  }

  /** Serves forced requests strictly in queue order; one that cannot be served yet blocks the rest (PROTOCOL §7.8). */
  private serveForcedBacklog(): void {
    while (this.forcedBacklog.length > 0) {
      const f = this.forcedBacklog[0]!;
      this.ensureCapacity();
      if (f.request.kind === ForcedKind.WITHDRAWAL) {
        this.applyOp({ opcode: Opcode.FORCED_WITHDRAW, request: f.request });
      } else {
        const ctx = this.riskCtx();
        const L = settledCopy(this.builder.account(f.request.accountIndex), ctx);
        if (marginOf(L, ctx).liquidatable) {
          if (!this.liquidateAccount(f.request.accountIndex, f.request)) return;
        } else {
          this.applyOp({ opcode: Opcode.FORCED_LIQUIDATION_CHECK, request: f.request });
        }
      }
      this.forcedBacklog.shift();
      this.forcedServedInOpenBatch.push(f.deadlineMs);
      this.events.push({ type: "account", account: f.request.accountIndex });
      if (f.deadlineMs - this.now < this.cfg.forcedUrgentMs) this.cutRequested = true;
    }
  }

  private withdraw(cmd: WithdrawCmd): unknown {
    const op: WithdrawOp = {
      opcode: Opcode.WITHDRAW,
      accountIndex: big(cmd.accountIndex, "accountIndex"),
      asset: cmd.asset,
      amount: big(cmd.amount, "amount"),
      l1Address: big(cmd.l1Address, "l1Address"),
      nonce: big(cmd.nonce, "nonce"),
      signature: (() => {
        try {
          return parseSignature(cmd.signature);
        } catch {
          return reject("VALIDATION_FAILED", "signature is malformed");
        }
      })(),
    };
    const key = `${op.accountIndex}:${op.nonce}`;
    const hash = payloadHash(cmd);
    const prior = this.withdrawals.get(key);
    if (prior) {
      if (prior.hash !== hash)
        reject("IDEMPOTENCY_CONFLICT", "this withdrawal nonce was already used with another request");
      return prior.response;
    }
    if (op.accountIndex === 0n)
      reject("INSURANCE_FUND_FORBIDDEN", "the insurance fund does not withdraw through the API");
    // Checked against the open batch before any cut, so a refused withdrawal changes nothing.
    const err = this.builder.check(op);
    if (err) throw asSequencerError(err);
    this.applyOp(op);
    const response = {
      accountIndex: op.accountIndex.toString(),
      nonce: op.nonce.toString(),
      asset: op.asset,
      amount: op.amount.toString(),
      batchNumber: (this.state.batchNumber + 1n).toString(),
      status: "accepted",
    };
    this.withdrawals.set(key, { hash, response });
    return response;
  }

  // ---------------------------------------------------------------- oracle and funding

  private oracleReport(cmd: OracleCmd): unknown {
    if (!this.oracle) reject("ORACLE_DISABLED", "this sequencer has no oracle signers configured");
    let report;
    try {
      report = {
        timestamp: big(cmd.report.timestamp, "timestamp"),
        markets: cmd.report.markets.map((p) => big(p, "price")),
        collaterals: cmd.report.collaterals.map((p) => big(p, "price")),
      };
    } catch (e) {
      if (e instanceof TypeError) reject("VALIDATION_FAILED", "report is malformed");
      throw e;
    }
    const signed: SignedPriceReport = { report, signature: cmd.signature };
    this.oracle.validate(cmd.signer, signed, this.now);
    this.touch();
    const pub = this.oracle.accept(cmd.signer, signed, this.now);
    if (pub) this.publishPrices(pub.prices, pub.publishedMs);
    return { accepted: true, published: pub !== null };
  }

  private publishPrices(prices: Prices, ms: number): void {
    this.touch();
    this.prices = prices;
    this.pricesMs = ms;
    const samples = prices.markets.map((p, m) =>
      premiumPpm(this.lastTrade[m]!, p, this.cfg.funding.clampPpm),
    );
    addSamples(this.funding, samples);
    this.samplesSinceOpen.push(samples);
    // Ops already in the open batch were validated under the old prices: they are cut as they are, and the new
    // prices take effect in a new batch — followed by a liquidation scan (openBuilder requests it).
    if (this.builder.size > 0) this.cut();
    else this.openBuilder(this.now);
    this.events.push({ type: "prices" });
  }

  // ---------------------------------------------------------------- liquidation

  private scanLiquidations(): void {
    const ctx = this.riskCtx();
    const ids = [...this.withPositions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const i of ids) {
      const L = settledCopy(this.builder.account(i), ctx);
      if (marginOf(L, ctx).liquidatable) this.liquidateAccount(i, null);
    }
  }

  /**
   * Liquidates account i until it is healthy, its positions are gone, or no counterparty can take more. The first
   * LIQUIDATE op carries `forced` when serving an L1 forced-liquidation request; returns whether one did.
   */
  private liquidateAccount(i: bigint, forced: ForcedRequest | null): boolean {
    for (const o of [...this.liveOf(i).values()]) {
      this.finishOrder(o, "cancelled", {
        code: "LIQUIDATION",
        message: "cancelled: account under liquidation",
      });
    }
    let served = forced === null;
    for (let round = 0; round < this.cfg.maxLiquidationRounds; round++) {
      this.ensureCapacity();
      const ctx = this.riskCtx();
      const L = settledCopy(this.builder.account(i), ctx);
      const mg = marginOf(L, ctx);
      if (!mg.liquidatable) break;
      const fund = this.builder.account(0n);
      if (mg.bankrupt && fund.quote * RATE_SCALE + mg.tvS < 0n) {
        if (!this.deleverage(i, L, ctx)) break;
        continue;
      }
      let m = -1;
      let worst = -1n;
      mg.perMarket.forEach((pm, k) => {
        if (L.sizes[k]! !== 0n && pm.mmS > worst) {
          worst = pm.mmS;
          m = k;
        }
      });
      if (m < 0) break;
      const target = liquidationSize(L, ctx, m);
      const op =
        this.planBookLiquidation(i, L, ctx, m, target) ?? this.planFundLiquidation(i, L, ctx, m, target);
      if (!op) {
        if (mg.bankrupt && this.deleverage(i, L, ctx)) continue;
        break;
      }
      const full: LiquidateOp = !served && forced ? { ...op.op, servesForced: forced } : op.op;
      try {
        this.applyOp(full);
      } catch (e) {
        const se = asSequencerError(e);
        if (op.maker) {
          this.finishOrder(op.maker, "cancelled", {
            code: se.code,
            message: `cannot take a liquidation: ${se.message}`,
          });
          continue;
        }
        break;
      }
      if (!served) served = true;
      this.recordLiquidation(i, L.sizes[m]! > 0n, full, op.maker);
    }
    return served;
  }

  private planBookLiquidation(
    i: bigint,
    L: Account,
    ctx: RiskCtx,
    m: number,
    target: bigint,
  ): { op: LiquidateOp; maker: OrderRecord | null } | null {
    const long = L.sizes[m]! > 0n;
    // A long is sold into the bids, a short bought from the asks.
    const side = this.books[m]!.side(long);
    let looked = 0;
    for (const o of side.orders() as Generator<OrderRecord>) {
      if (++looked > 32) break;
      if (o.account === i) continue;
      const K = this.builder.account(o.account);
      let fill = minB(target, o.remaining);
      if ((o.flags & FLAG_REDUCE_ONLY) !== 0) fill = minB(fill, reduceOnlyCap(K.sizes[m]!, o.isBuy));
      if (fill === 0n) continue;
      // Deeper levels are only worse for L: stop at the first price beyond the zero price.
      if (!ratioHolds(L, ctx, m, fill, o.price, 0n)) return null;
      if (fillRule(K, ctx, [{ market: m, delta: o.isBuy ? fill : -fill, price: o.price, fee: 0n }], m))
        continue;
      const op: LiquidateOp = {
        opcode: Opcode.LIQUIDATE,
        accountIndex: i,
        liquidator: o.signed,
        market: m,
        fill,
        price: o.price,
        penalty: 0n,
      };
      return { op, maker: o };
    }
    return null;
  }

  private planFundLiquidation(
    i: bigint,
    L: Account,
    ctx: RiskCtx,
    m: number,
    target: bigint,
  ): { op: LiquidateOp; maker: null } | null {
    const long = L.sizes[m]! > 0n;
    const fund = this.builder.account(0n);
    const fundOk = (fill: bigint): boolean => {
      const price = fundPrice(L, ctx, m, fill);
      if (price === null) return false;
      const pen = fundPenalty(L, ctx, m, fill, price) ?? 0n;
      return fillRule(fund, ctx, [{ market: m, delta: long ? fill : -fill, price, fee: -pen }], m) === null;
    };
    // The largest part of the target the fund's own margin can carry (R(K) for account 0).
    const fill = fundOk(target) ? target : searchMax(1n, target, fundOk);
    if (fill === null) return null;
    const price = fundPrice(L, ctx, m, fill);
    if (price === null) return null;
    const penalty = fundPenalty(L, ctx, m, fill, price) ?? 0n;
    return {
      op: { opcode: Opcode.LIQUIDATE, accountIndex: i, liquidator: null, market: m, fill, price, penalty },
      maker: null,
    };
  }

  private recordLiquidation(i: bigint, long: boolean, op: LiquidateOp, maker: OrderRecord | null): void {
    const tradeId = ++this.tradeSeq;
    const batchNumber = this.state.batchNumber + 1n;
    const m = op.market;
    this.recordFill(null, {
      account: i,
      tradeId,
      market: m,
      isBuy: !long,
      price: op.price,
      size: op.fill,
      fee: op.penalty,
      liquidity: "liquidated",
      batchNumber,
    });
    if (maker) {
      this.recordFill(maker, {
        tradeId,
        market: m,
        isBuy: maker.isBuy,
        price: op.price,
        size: op.fill,
        fee: -op.penalty,
        liquidity: "liquidator",
        batchNumber,
      });
      if (maker.remaining === 0n) this.finishOrder(maker, "filled", null);
      else
        this.events.push(
          { type: "order", account: maker.account, order: maker },
          { type: "book", market: m },
        );
      this.recordTrade({
        tradeId,
        ts: this.now,
        market: m,
        price: op.price,
        size: op.fill,
        takerIsBuy: !long,
        kind: "liquidation",
      });
    } else {
      this.recordFill(null, {
        account: 0n,
        tradeId,
        market: m,
        isBuy: long,
        price: op.price,
        size: op.fill,
        fee: -op.penalty,
        liquidity: "liquidator",
        batchNumber,
      });
    }
    this.events.push({ type: "liquidation", account: i, market: m, fill: op.fill, price: op.price });
  }

  /** Closes part of bankrupt account i against the most profitable opposite position (PROTOCOL §7.5). */
  private deleverage(i: bigint, A: Account, ctx: RiskCtx): boolean {
    let m = -1;
    let biggest = 0n;
    A.sizes.forEach((s, k) => {
      const n = abs(s) * ctx.prices.markets[k]!;
      if (s !== 0n && n > biggest) {
        biggest = n;
        m = k;
      }
    });
    if (m < 0) return false;
    const sA = A.sizes[m]!;
    const candidates = [...this.withPositions]
      .filter((j) => j !== i && j !== 0n)
      .map((j) => ({ j, s: this.builder.account(j).sizes[m]! }))
      .filter((c) => c.s !== 0n && c.s > 0n !== sA > 0n)
      .map((c) => ({ ...c, pnl: this.unrealised(c.j, m, c.s) }))
      .sort((a, b) => (a.pnl > b.pnl ? -1 : a.pnl < b.pnl ? 1 : a.j < b.j ? -1 : 1));
    for (const c of candidates) {
      this.ensureCapacity();
      const ctx2 = this.riskCtx();
      const A2 = settledCopy(this.builder.account(i), ctx2);
      const B = settledCopy(this.builder.account(c.j), ctx2);
      const fill = minB(abs(A2.sizes[m]!), abs(B.sizes[m]!));
      if (fill === 0n) continue;
      const price = bankruptcyPrice(A2, ctx2, m, fill);
      if (price === null) continue;
      if (fillRule(B, ctx2, [{ market: m, delta: sA > 0n ? fill : -fill, price, fee: 0n }], m)) continue;
      try {
        this.applyOp({
          opcode: Opcode.DELEVERAGE,
          accountIndex: i,
          counterparty: c.j,
          market: m,
          fill,
          price,
        });
      } catch (e) {
        asSequencerError(e);
        continue;
      }
      const tradeId = ++this.tradeSeq;
      const batchNumber = this.state.batchNumber + 1n;
      this.recordFill(null, {
        account: i,
        tradeId,
        market: m,
        isBuy: sA < 0n,
        price,
        size: fill,
        fee: 0n,
        liquidity: "deleveraged",
        batchNumber,
      });
      this.recordFill(null, {
        account: c.j,
        tradeId,
        market: m,
        isBuy: sA > 0n,
        price,
        size: fill,
        fee: 0n,
        liquidity: "deleverager",
        batchNumber,
      });
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- queries (read-only)

  get committedState(): RollupState {
    return this.state;
  }

  get lastSettled(): { number: bigint; state: RollupState } {
    return { number: this.settledNumber, state: this.settledState };
  }

  get openBatch(): { size: number; capacity: number; header: BatchHeader; openedMs: number } {
    return {
      size: this.builder.size,
      capacity: this.builder.capacity,
      header: this.builder.header,
      openedMs: this.builderOpenedMs,
    };
  }

  get nextDepositIndex(): bigint {
    return this.nextDeposit;
  }

  get nextForcedIndex(): bigint {
    return this.nextForced;
  }

  get pendingForced(): readonly ForcedPending[] {
    return this.forcedBacklog;
  }

  get currentPrices(): { prices: Prices; publishedMs: number } {
    return { prices: this.prices, publishedMs: this.pricesMs };
  }

  get fundingState(): FundingState {
    return this.funding;
  }

  get oracleAggregator(): OracleAggregator | null {
    return this.oracle;
  }

  /** Ops applied to the open (not yet cut) batch, in order. */
  get openOps(): readonly Op[] {
    return this.builderOps;
  }

  batchSummary(n: bigint): BatchSummary | null {
    return this.summaries.get(n) ?? null;
  }

  unsettledBatches(): readonly BatchRecord[] {
    return this.batches;
  }

  /** The account as the next op would see it (funding not yet settled into it). */
  account(i: bigint): Account {
    return this.builder.account(i);
  }

  accountStatus(i: bigint): "active" | "awaiting_deposit" | "unknown" {
    if (i < 0n || i >= 1n << BigInt(this.params.sizes.accountDepth)) return "unknown";
    if (this.builder.account(i).registered) return "active";
    return this.reservations.has(i) ? "awaiting_deposit" : "unknown";
  }

  /** The key an account authenticates with: its leaf key, or the key that reserved it. */
  accountKey(i: bigint): { x: bigint; y: bigint } | null {
    if (i < 0n || i >= 1n << BigInt(this.params.sizes.accountDepth)) return null;
    const a = this.builder.account(i);
    if (a.registered) return { x: a.pubKeyX, y: a.pubKeyY };
    const r = this.reservations.get(i);
    return r ? { x: r.x, y: r.y } : null;
  }

  margin(i: bigint): ReturnType<typeof marginOf> {
    return marginOf(this.builder.account(i), this.riskCtx());
  }

  openOrders(i: bigint): OrderRecord[] {
    return [...this.liveOf(i).values()].sort((a, b) => a.seq - b.seq);
  }

  orderHistory(i: bigint): readonly OrderRecord[] {
    return this.history.get(i) ?? [];
  }

  accountFills(i: bigint): readonly FillRecord[] {
    return this.fills.get(i) ?? [];
  }

  recentTrades(m: number): readonly TradeRecord[] {
    return this.trades[m] ?? [];
  }

  lastTradePrice(m: number): bigint | null {
    return this.lastTrade[m] ?? null;
  }

  liveOrderCount(): number {
    return this.live.size;
  }

  /** Every resting order in book priority order, per market: what the crash tests compare. */
  bookSnapshot(): { market: number; id: string; isBuy: boolean; price: string; remaining: string }[] {
    const out: { market: number; id: string; isBuy: boolean; price: string; remaining: string }[] = [];
    for (const b of this.books) {
      for (const o of b.all())
        out.push({
          market: b.market,
          id: o.id,
          isBuy: o.isBuy,
          price: o.price.toString(),
          remaining: o.remaining.toString(),
        });
    }
    return out;
  }
}
