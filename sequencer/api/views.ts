// Read models: turn engine records (bigints) into the JSON shapes of api/schemas.ts (decimal strings). Private views
// (account, orders, fills, proof) are only ever built for an authenticated owner by the routes that call them.
import { RATE_SCALE, type Account } from "../../protocol/index.js";
import type { Engine, FillRecord, OrderRecord, TradeRecord } from "../engine/engine.js";
import { currentRatePpm } from "../engine/funding.js";
import type { Journal } from "../store/journal.js";

export function orderView(o: OrderRecord) {
  return {
    orderId: o.id,
    clientOrderId: o.clientOrderId,
    market: o.market,
    isBuy: o.isBuy,
    price: o.price.toString(),
    size: o.size.toString(),
    filled: o.filled.toString(),
    remaining: o.status === "open" ? o.remaining.toString() : "0",
    flags: o.flags,
    expiry: o.expiry.toString(),
    status: o.status,
    reason: o.reason,
    createdMs: o.createdMs,
    updatedMs: o.updatedMs,
  };
}

export function fillView(f: FillRecord) {
  return {
    tradeId: f.tradeId,
    ts: f.ts,
    market: f.market,
    orderId: f.orderId,
    clientOrderId: f.clientOrderId,
    isBuy: f.isBuy,
    price: f.price.toString(),
    size: f.size.toString(),
    fee: f.fee.toString(),
    liquidity: f.liquidity,
    batchNumber: f.batchNumber.toString(),
  };
}

export function tradeView(t: TradeRecord) {
  return {
    tradeId: t.tradeId,
    ts: t.ts,
    market: t.market,
    price: t.price.toString(),
    size: t.size.toString(),
    takerSide: t.takerIsBuy ? "buy" : "sell",
    kind: t.kind,
  };
}

export function accountView(e: Engine, i: bigint) {
  const a: Account = e.account(i);
  const mg = e.margin(i);
  return {
    accountIndex: i.toString(),
    status: e.accountStatus(i),
    nonce: a.nonce.toString(),
    quote: a.quote.toString(),
    balances: a.balances.map(String),
    positions: a.sizes
      .map((s, m) => ({ market: m, size: s.toString(), fundingIndex: a.fundingIndices[m]!.toString() }))
      .filter((p) => p.size !== "0"),
    margin: {
      totalValue: mg.tv.toString(),
      maintenance: mg.mm.toString(),
      initial: mg.im.toString(),
      unsettledFunding: mg.unsettledFunding.toString(),
      healthy: mg.healthy,
      liquidatable: mg.liquidatable,
    },
    openOrders: e.openOrders(i).length,
    pendingBatch: (e.committedState.batchNumber + 1n).toString(),
  };
}

export function marketsView(e: Engine) {
  const cfg = e.params.config;
  const { prices } = e.currentPrices;
  const open = e.openBatch.header;
  return {
    markets: cfg.markets.map((m, k) => ({
      market: k,
      symbol: m.symbol,
      tiers: m.tiers.map((t) => ({
        start: t.start.toString(),
        imr: t.imr.toString(),
        mmr: t.mmr.toString(),
      })),
      liquidationFee: m.liquidationFee.toString(),
      maxFundingStep: m.maxFundingStep.toString(),
      oraclePrice: prices.markets[k]!.toString(),
      markPrice: open.prices.markets[k]!.toString(),
      lastTradePrice: e.lastTradePrice(k)?.toString() ?? null,
      fundingIndex: open.fundingIndices[k]!.toString(),
      fundingRatePpm: currentRatePpm(e.fundingState, k).toString(),
      bestBid: e.books[k]!.bestBid()?.toString() ?? null,
      bestAsk: e.books[k]!.bestAsk()?.toString() ?? null,
    })),
    collaterals: cfg.collaterals.map((c, k) => ({
      asset: k + 1,
      symbol: c.symbol,
      haircut: c.haircut.toString(),
      price: prices.collaterals[k]!.toString(),
    })),
    fees: { makerPpm: e.cfg.fees.makerPpm.toString(), takerPpm: e.cfg.fees.takerPpm.toString() },
  };
}

export function bookView(e: Engine, m: number, depth: number) {
  const b = e.books[m]!;
  const lv = (x: { price: bigint; size: bigint; orders: number }) => ({
    price: x.price.toString(),
    size: x.size.toString(),
    orders: x.orders,
  });
  return {
    market: m,
    bids: b.bids.depth(depth).map(lv),
    asks: b.asks.depth(depth).map(lv),
    batchNumber: (e.committedState.batchNumber + 1n).toString(),
  };
}

export function pricesView(e: Engine, now: number) {
  const { prices, publishedMs } = e.currentPrices;
  const open = e.openBatch.header;
  const oracle = e.oracleAggregator;
  return {
    markets: prices.markets.map((p, m) => ({
      market: m,
      oracle: p.toString(),
      mark: open.prices.markets[m]!.toString(),
    })),
    collaterals: prices.collaterals.map((p, c) => ({ asset: c + 1, price: p.toString() })),
    publishedMs,
    stale: oracle ? now - publishedMs > oracle.cfg.maxAgeMs : false,
    signers: oracle?.publication?.reports.length ?? 0,
  };
}

export function fundingView(e: Engine) {
  const f = e.fundingState;
  const open = e.openBatch.header;
  return {
    markets: e.committedState.fundingIndices.map((idx, m) => ({
      market: m,
      index: idx.toString(),
      nextIndex: open.fundingIndices[m]!.toString(),
      ratePpmPerPeriod: currentRatePpm(f, m).toString(),
      carry: (f.carry[m]! / RATE_SCALE).toString(),
    })),
    periodMs: e.cfg.funding.periodMs,
  };
}

export function batchView(e: Engine, j: Journal, n: bigint) {
  const open = e.openBatch;
  const openNumber = e.committedState.batchNumber + 1n;
  if (n === openNumber) {
    return {
      batchNumber: n.toString(),
      stage: "open",
      ops: open.size,
      capacity: open.capacity,
      batchTime: open.header.batchTime.toString(),
      oldRoot: e.committedState.root.toString(),
      newRoot: null,
      publicInputHash: null,
      prover: null,
      txHash: null,
      error: null,
    };
  }
  const s = e.batchSummary(n);
  if (!s) return null;
  const row = j.getBatch(n);
  const settled = n <= e.lastSettled.number;
  const prover = row?.proof ? ((JSON.parse(row.proof) as { prover?: string }).prover ?? null) : null;
  return {
    batchNumber: n.toString(),
    stage: settled ? "settled" : (row?.stage ?? "built"),
    ops: s.opCount,
    capacity: open.capacity,
    batchTime: s.batchTime.toString(),
    oldRoot: s.oldRoot.toString(),
    newRoot: s.newRoot.toString(),
    publicInputHash: s.publicInputHash.toString(),
    prover,
    txHash: row?.txHash ?? null,
    error: settled ? null : (row?.error ?? null),
  };
}
