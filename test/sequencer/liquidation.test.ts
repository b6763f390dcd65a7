// Liquidation, deleverage and forced requests end to end: signed oracle reports move the price through the API, the
// engine liquidates at once, and the memory prover re-applies every batch with the protocol model before the L1
// settles it — so each op the engine built is also accepted by the model. Balances are checked exactly: what the
// liquidated account gives up, its counterparties receive [I2][I3], and health ratios are recomputed with the model.
import { afterEach, describe, expect, it } from "vitest";
import {
  FLAG_IOC,
  FLAG_POST_ONLY,
  ForcedKind,
  L1Effect,
  Opcode,
  RATE_SCALE,
  computeMargin,
  type Account,
  type Op,
} from "../../protocol/index.js";
import type { RunningSequencer } from "../../sequencer/main.js";
import {
  ADDR,
  CONFIG,
  PRICES,
  Trader,
  call,
  fundInsurance,
  lots,
  memL1,
  onboard,
  oracleConfig,
  postPrices,
  px,
  startTestSequencer,
  testKey,
  usd,
  type Body,
} from "./setup.js";

let r: RunningSequencer | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

/** Every op the engine built so far: the cut batches (collected as they become durable) and the open one. */
function opsOf(run: RunningSequencer): () => Op[] {
  const cut: Op[] = [];
  run.sequencer.on("batches", (recs: { ops: readonly Op[] }[]) => recs.forEach((b) => cut.push(...b.ops)));
  return () => [...cut, ...run.sequencer.engine.openOps];
}

async function start(): Promise<RunningSequencer> {
  // No funding premium: the scenario's balances then move only by trades, fees and liquidation.
  r = await startTestSequencer({
    oracle: await oracleConfig(),
    funding: { clampPpm: 0n },
    genesisMs: Date.now(),
  });
  return r;
}

const nowSec = () => Math.floor(Date.now() / 1000);
const prices = (btc: string) => ({ markets: [px(btc), PRICES.markets[1]!], collaterals: PRICES.collaterals });

function snapshot(run: RunningSequencer, ids: readonly bigint[]): Map<bigint, Account> {
  return new Map(ids.map((i) => [i, run.sequencer.engine.account(i)]));
}

/** Σ(quote − unsettled funding) and Σ size per market over `ids`: conserved by every transfer [I2]. */
function totals(accts: Map<bigint, Account>, indices: readonly bigint[]) {
  let quote = 0n;
  const sizes = [0n, 0n];
  for (const a of accts.values()) {
    quote += a.quote - a.sizes.reduce((s, sz, m) => s + sz * (indices[m]! - a.fundingIndices[m]!), 0n);
    a.sizes.forEach((s, m) => (sizes[m] = sizes[m]! + s));
  }
  return { quote, sizes };
}

async function settleAll(run: RunningSequencer): Promise<void> {
  await run.sequencer.tick();
  await run.sequencer.exec({ kind: "tick" });
  for (
    let i = 0;
    i < 500 && run.sequencer.engine.lastSettled.number < run.sequencer.engine.committedState.batchNumber;
    i++
  ) {
    await run.pipeline.kick();
    await new Promise((x) => setTimeout(x, 10));
  }
  expect({ settled: run.sequencer.engine.lastSettled.number, error: run.pipeline.lastError }).toEqual({
    settled: run.sequencer.engine.committedState.batchNumber,
    error: null,
  });
  expect((await run.l1.getSettled()).root).toBe(run.sequencer.engine.committedState.root);
}

describe("liquidation", () => {
  it("liquidates part of an account after a price drop, improves its health and balances the fund exactly [I2][I3][I7]", async () => {
    const run = await start();
    const ops = opsOf(run);
    await fundInsurance(run, "1000000");
    const L = new Trader(testKey(1), run.url, "l");
    const M = new Trader(testKey(2), run.url, "m");
    await onboard(run, L, "7000");
    await onboard(run, M, "100000");
    await call(
      run.url,
      "POST",
      "/v1/orders",
      M.orderBody({ isBuy: false, size: lots("1"), price: px("60000"), flags: FLAG_POST_ONLY }),
    );
    const buy = await call<Body>(
      run.url,
      "POST",
      "/v1/orders",
      L.orderBody({ isBuy: true, size: lots("1"), price: px("60000"), flags: FLAG_IOC }),
    );
    expect(buy.body.status).toBe("filled");

    const ids = [0n, L.index, M.index];
    const before = snapshot(run, ids);
    const t = nowSec();
    const [first] = await postPrices(run.url, prices("55000"), t, [0]);
    expect(first!.body).toEqual({ accepted: true, published: false });
    const [second] = await postPrices(run.url, prices("55000"), t, [1]);
    expect(second!.body).toEqual({ accepted: true, published: true });
    const after = snapshot(run, ids);
    const e = run.sequencer.engine;
    const P = px("55000");
    const mp = { markets: [P, PRICES.markets[1]!], collaterals: PRICES.collaterals };
    const idx = e.openBatch.header.fundingIndices;

    const l0 = before.get(L.index)!;
    const l1 = after.get(L.index)!;
    const m0 = computeMargin(l0, CONFIG.withTierCount(2), mp, idx);
    const m1 = computeMargin(l1, CONFIG.withTierCount(2), mp, idx);
    expect(m0.liquidatable).toBe(true);
    // Partial: some of the position is left, and the account is healthy again with a strictly higher ratio.
    expect(l1.sizes[0]!).toBeGreaterThan(0n);
    expect(l1.sizes[0]!).toBeLessThan(l0.sizes[0]!);
    expect(m1.healthy).toBe(true);
    expect(m1.tv * m0.mm).toBeGreaterThan(m0.tv * m1.mm);

    // The fund took exactly what L gave up, at the mark (L is not bankrupt) with a capped penalty.
    const fill = l0.sizes[0]! - l1.sizes[0]!;
    const f0 = before.get(0n)!;
    const f1 = after.get(0n)!;
    expect(f1.sizes[0]! - f0.sizes[0]!).toBe(fill);
    const penalty = l0.quote + fill * P - l1.quote;
    expect(penalty).toBeGreaterThan(0n);
    expect(penalty * RATE_SCALE).toBeLessThanOrEqual(fill * P * CONFIG.markets[0]!.liquidationFee);
    expect(f1.quote - f0.quote).toBe(-fill * P + penalty);
    expect(after.get(M.index)!.quote).toBe(before.get(M.index)!.quote);
    expect(totals(after, idx)).toEqual(totals(before, idx));

    const lf = await call<Body>(run.url, "GET", `/v1/accounts/${L.index}/fills`, undefined, L.auth());
    expect(lf.body.fills[0]).toMatchObject({
      liquidity: "liquidated",
      size: fill.toString(),
      price: P.toString(),
      fee: penalty.toString(),
    });
    const liq = ops().filter((o) => o.opcode === Opcode.LIQUIDATE);
    expect(liq).toHaveLength(1);
    await settleAll(run);
  });

  it("deleverages a bankrupt account against the most profitable opposite position when the fund cannot cover [I8]", async () => {
    const run = await start();
    const ops = opsOf(run);
    const L = new Trader(testKey(1), run.url, "l");
    const M = new Trader(testKey(2), run.url, "m");
    const N = new Trader(testKey(3), run.url, "n");
    await onboard(run, L, "7000");
    await onboard(run, M, "100000");
    await onboard(run, N, "100000");
    await call(
      run.url,
      "POST",
      "/v1/orders",
      M.orderBody({ isBuy: false, size: lots("0.5"), price: px("60000"), flags: FLAG_POST_ONLY }),
    );
    await call(
      run.url,
      "POST",
      "/v1/orders",
      N.orderBody({ isBuy: false, size: lots("0.5"), price: px("59000"), flags: FLAG_POST_ONLY }),
    );
    const buy = await call<Body>(
      run.url,
      "POST",
      "/v1/orders",
      L.orderBody({ isBuy: true, size: lots("1"), price: px("60000"), flags: FLAG_IOC }),
    );
    expect(buy.body.status).toBe("filled");
    const ids = [0n, L.index, M.index, N.index];
    const before = snapshot(run, ids);

    // 51,000: L is worth 7,000 − 8,500 − fees < 0; the fund holds only the fees.
    await postPrices(run.url, prices("51000"), nowSec());
    const after = snapshot(run, ids);
    const e = run.sequencer.engine;
    const idx = e.openBatch.header.fundingIndices;
    expect(after.get(L.index)!.sizes[0]).toBe(0n);
    // M sold at 60,000 and is the more profitable short: it is deleveraged first, then N.
    const fills = e.accountFills(L.index).filter((f) => f.liquidity === "deleveraged");
    expect(fills).toHaveLength(2);
    const mf = e.accountFills(M.index).filter((f) => f.liquidity === "deleverager");
    const nf = e.accountFills(N.index).filter((f) => f.liquidity === "deleverager");
    expect(mf[0]!.tradeId).toBeLessThan(nf[0]!.tradeId);
    expect(after.get(M.index)!.sizes[0]).toBe(0n);
    expect(after.get(N.index)!.sizes[0]).toBe(0n);
    // Bankruptcy price: L's deficit shrinks exactly in proportion and never grows; the fund is untouched.
    const cfg = CONFIG.withTierCount(2);
    const mp = { markets: [px("51000"), PRICES.markets[1]!], collaterals: PRICES.collaterals };
    const tv0 = computeMargin(before.get(L.index)!, cfg, mp, idx).tvS;
    const tv1 = computeMargin(after.get(L.index)!, cfg, mp, idx).tvS;
    expect(tv0).toBeLessThan(0n);
    expect(tv1).toBeGreaterThanOrEqual(tv0);
    expect(tv1).toBeLessThanOrEqual(0n);
    expect(after.get(0n)!.quote).toBe(before.get(0n)!.quote);
    expect(totals(after, idx)).toEqual(totals(before, idx));
    expect(ops().filter((o) => o.opcode === Opcode.DELEVERAGE)).toHaveLength(2);
    await settleAll(run);
  });
});

describe("forced requests from L1", () => {
  it("serves forced withdrawals (executed or provably rejected) and forced liquidation checks in queue order [I19]", async () => {
    const run = await start();
    const M = new Trader(testKey(2), run.url, "m");
    await onboard(run, M, "100000");
    const l1 = memL1(run);
    const q0 = run.sequencer.engine.account(M.index).quote;
    l1.fileForced({
      kind: ForcedKind.WITHDRAWAL,
      accountIndex: M.index,
      asset: 0,
      amount: lots("100"),
      l1Address: ADDR,
    });
    l1.fileForced({
      kind: ForcedKind.WITHDRAWAL,
      accountIndex: M.index,
      asset: 0,
      amount: lots("10000000"),
      l1Address: ADDR,
    });
    l1.fileForced({ kind: ForcedKind.LIQUIDATION, accountIndex: M.index, l1Address: 0x2222n });
    await run.pipeline.kick();
    expect(run.sequencer.engine.pendingForced).toHaveLength(0);
    expect(run.sequencer.engine.account(M.index).quote).toBe(q0 - usd("100"));
    await settleAll(run);
    const st = await l1.getSettled();
    expect(st.forcedConsumed).toBe(3n);
    expect(l1.effects.filter((x) => x.kind === L1Effect.WITHDRAWAL)).toEqual([
      { kind: L1Effect.WITHDRAWAL, l1Address: ADDR, asset: 0, amount: lots("100") },
    ]);
    expect(l1.overdueForced()).toEqual([]);
  });

  it("serves a forced liquidation of an unhealthy account with a LIQUIDATE that consumes the request", async () => {
    const run = await start();
    // No insurance capital and no bids: the price drop leaves L liquidatable but unserved by the scan.
    const ops = opsOf(run);
    const L = new Trader(testKey(1), run.url, "l");
    const M = new Trader(testKey(2), run.url, "m");
    await onboard(run, L, "7000");
    await onboard(run, M, "100000");
    await call(
      run.url,
      "POST",
      "/v1/orders",
      M.orderBody({ isBuy: false, size: lots("1"), price: px("60000"), flags: FLAG_POST_ONLY }),
    );
    await call(
      run.url,
      "POST",
      "/v1/orders",
      L.orderBody({ isBuy: true, size: lots("1"), price: px("60000"), flags: FLAG_IOC }),
    );
    await postPrices(run.url, prices("55000"), nowSec());
    const e = run.sequencer.engine;
    expect(e.margin(L.index).liquidatable).toBe(true);
    // Liquidity arrives, then someone files a forced liquidation on L1.
    await call(
      run.url,
      "POST",
      "/v1/orders",
      M.orderBody({ isBuy: true, size: lots("1"), price: px("54990"), slot: 1n, flags: FLAG_POST_ONLY }),
    );
    memL1(run).fileForced({ kind: ForcedKind.LIQUIDATION, accountIndex: L.index, l1Address: 0x3333n });
    await run.pipeline.kick();
    expect(e.pendingForced).toHaveLength(0);
    const served = ops().filter((o) => o.opcode === Opcode.LIQUIDATE && o.servesForced);
    expect(served).toHaveLength(1);
    expect(e.margin(L.index).healthy).toBe(true);
    await settleAll(run);
    expect((await run.l1.getSettled()).forcedConsumed).toBe(1n);
  });
});
