// Unit tests of the engine's building blocks: price-time priority in the book, the liquidation searches against the
// worked examples of PROTOCOL §7.4–7.5 (numbers derived by hand below), the funding step bound of §7.7, and the
// determinism replay relies on.
import { describe, expect, it } from "vitest";
import { Account, BatchBuilder, RATE_SCALE, RollupState, type SignedOrder } from "../../protocol/index.js";
import { OrderBook, type RestingOrder } from "../../sequencer/engine/book.js";
import { addSamples, fundingStep, initialFunding, premiumPpm } from "../../sequencer/engine/funding.js";
import {
  bankruptcyPrice,
  closeSim,
  fundPrice,
  liquidationSize,
  penaltyCap,
  ratioHolds,
  searchMin,
  type RiskCtx,
} from "../../sequencer/engine/risk.js";
import { Engine } from "../../sequencer/engine/engine.js";
import { engineConfig } from "../../sequencer/main.js";
import type { Command } from "../../sequencer/engine/commands.js";
import { PARAMS, PRICES, Trader, baseOptions, lots, px, testKey, usd } from "./setup.js";

const cfg = PARAMS.config;
const ctx = (btc = "60000"): RiskCtx => ({
  cfg,
  prices: { markets: [px(btc), PRICES.markets[1]!], collaterals: PRICES.collaterals },
  indices: [0n, 0n],
});

function account(quote: bigint, btc: bigint): Account {
  const a = Account.empty(PARAMS.sizes);
  a.pubKeyX = 1n;
  a.quote = quote;
  a.sizes[0] = btc;
  return a;
}

describe("order book", () => {
  const order = (id: string, isBuy: boolean, price: string, seq: number): RestingOrder => ({
    id,
    account: 1n,
    signed: null as unknown as SignedOrder,
    isBuy,
    price: px(price),
    remaining: 1n,
    seq,
  });

  it("yields the best price first and, within a price, the oldest order first", () => {
    const b = new OrderBook(0);
    b.add(order("a1", false, "101", 1));
    b.add(order("a2", false, "100", 2));
    b.add(order("a3", false, "100", 3));
    b.add(order("b1", true, "99", 4));
    b.add(order("b2", true, "99.5", 5));
    expect([...b.asks.orders()].map((o) => o.id)).toEqual(["a2", "a3", "a1"]);
    expect([...b.bids.orders()].map((o) => o.id)).toEqual(["b2", "b1"]);
    expect(b.bestOpposite(true, px("100"))?.id).toBe("a2");
    expect(b.bestOpposite(true, px("99.9"))).toBeNull();
    b.remove(order("a2", false, "100", 2));
    expect(b.bestOpposite(true, px("100"))?.id).toBe("a3");
    expect(b.asks.depth(5)).toEqual([
      { price: px("100"), size: 1n, orders: 1 },
      { price: px("101"), size: 1n, orders: 1 },
    ]);
  });
});

describe("liquidation searches", () => {
  // PROTOCOL §7.4 example: long 1 BTC, quote −57,500, P = 60,000, mmr 5 %: TV = 2,500 < MM = 3,000 and the zero price
  // is p0 = 60,000·(1 − 0.05·2,500/3,000) = 57,500.
  const L = account(-usd("57500"), lots("1"));

  it("finds the §7.4 zero price as the lowest price the ratio rule accepts for selling 0.5 BTC [I7]", () => {
    expect(ratioHolds(L, ctx(), 0, lots("0.5"), px("57500"), 0n)).toBe(true);
    expect(ratioHolds(L, ctx(), 0, lots("0.5"), px("57500") - 1n, 0n)).toBe(false);
    expect(searchMin(1n, px("60000"), (p) => ratioHolds(L, ctx(), 0, lots("0.5"), p, 0n))).toBe(px("57500"));
    // Solvent: the fund takes it at the mark.
    expect(fundPrice(L, ctx(), 0, lots("0.5"))).toBe(px("60000"));
  });

  it("closes the smallest size that leaves the account healthy after the capped penalty", () => {
    const fill = liquidationSize(L, ctx(), 0);
    const healthy = (f: bigint) => {
      const r = closeSim(L, ctx(), 0, f, px("60000"), penaltyCap(ctx(), 0, f))!;
      return r.after.tvS >= r.after.mmS;
    };
    expect(healthy(fill)).toBe(true);
    expect(healthy(fill - 1n)).toBe(false);
    // By hand: closing δ at mark with penalty δ·P·1 %: TV = 2,500 − 600·δ ≥ MM = 3,000·(1 − δ) ⇔ δ ≥ 500/2,400.
    expect(fill).toBe((lots("1") * 500n + 2399n) / 2400n);
  });

  it("prices a deleverage at the bankruptcy price of §7.5 [I8]", () => {
    // Long 1 BTC with quote −61,000 at P = 60,000: TV = −1,000. Closing all of it at p leaves TV' = p − 61,000, and the
    // proportional bound TV'·1 ≤ TV·0 = 0 gives p ≤ 61,000; the deficit must not grow: TV' ≥ −1,000 ⇔ p ≥ 60,000.
    const A = account(-usd("61000"), lots("1"));
    expect(bankruptcyPrice(A, ctx(), 0, lots("1"))).toBe(px("61000"));
    // Half of it: TV' = −1,000 + 0.5·(p − 60,000) ≤ −500 ⇔ p ≤ 61,000 again.
    expect(bankruptcyPrice(A, ctx(), 0, lots("0.5"))).toBe(px("61000"));
  });
});

describe("funding", () => {
  it("signs the premium so longs pay when trades print above the oracle, clamped", () => {
    expect(premiumPpm(px("60060"), px("60000"), 5_000n)).toBe(1_000n);
    expect(premiumPpm(px("50000"), px("60000"), 5_000n)).toBe(-5_000n);
    expect(premiumPpm(null, px("60000"), 5_000n)).toBe(0n);
  });

  it("never moves an index by more than the per-batch bound, carries the rest, and the builder accepts it [I4]", () => {
    const f = initialFunding(2, 0);
    addSamples(f, [5_000n, -5_000n]);
    const prices = PRICES;
    // 0.5 % of P over a full period, against a bound of P·maxFundingStep = 0.1 % of P per batch.
    const { indices, next } = fundingStep(
      f,
      [0n, 0n],
      prices,
      cfg,
      { periodMs: 1_000, clampPpm: 5_000n },
      1_000,
    );
    const bound0 = (prices.markets[0]! * cfg.markets[0]!.maxFundingStep) / RATE_SCALE;
    expect(indices).toEqual([bound0, -((prices.markets[1]! * cfg.markets[1]!.maxFundingStep) / RATE_SCALE)]);
    expect(next.carry[0]).toBe(bound0 * RATE_SCALE);
    const state = RollupState.genesis(PARAMS, { x: 1n, y: 2n }, 0n);
    expect(() => new BatchBuilder(state, { batchTime: 1n, prices, fundingIndices: indices })).not.toThrow();
    const second = fundingStep(next, indices, prices, cfg, { periodMs: 1_000, clampPpm: 5_000n }, 1_000);
    // No time passed: only the carried part moves, again within the bound.
    expect(second.indices[0]! - indices[0]!).toBe(bound0);
  });
});

describe("determinism", () => {
  it("rebuilds the same root, digest, books and answers from the same commands at the same times", () => {
    const a = new Trader(testKey(1), "", "a");
    const b = new Trader(testKey(2), "", "b");
    a.index = 1n;
    b.index = 2n;
    const deposit = (t: Trader, q: number): Command => ({
      kind: "deposit",
      queueIndex: String(q),
      l1Address: "1",
      accountIndex: t.index.toString(),
      pubKeyX: t.pub.x.toString(),
      pubKeyY: t.pub.y.toString(),
      asset: 0,
      amount: lots("100000").toString(),
      salt: String(100 + q),
    });
    const cmds: Command[] = [deposit(a, 0), deposit(b, 1)];
    for (let i = 0; i < 3; i++) {
      cmds.push({
        kind: "place",
        ...a.orderBody({
          isBuy: false,
          size: lots("0.1"),
          price: px("60000") + BigInt(i) * px("10"),
          slot: BigInt(i),
        }),
      });
    }
    cmds.push({ kind: "place", ...b.orderBody({ isBuy: true, size: lots("0.25"), price: px("60020") }) });
    cmds.push({ kind: "cancel", accountIndex: "1", orderId: "1-2-1" });
    const run = () => {
      const e = new Engine(engineConfig(baseOptions(":memory:"), 1_700_000_000_000));
      const answers = cmds.map((c, i) => {
        const r = e.execute(c, 1_700_000_000_000 + i);
        return r.ok ? r.response : r.error!.code;
      });
      return { digest: e.digest(), book: e.bookSnapshot(), leaf: e.account(1n).hash(), answers };
    };
    const first = run();
    expect(run()).toEqual(first);
    // The taker (limit 60,020) took 0.1 at 60,000, 0.1 at 60,010 and 0.05 of the 60,020 ask, which is then cancelled.
    expect(first.answers[5]).toMatchObject({ status: "filled", filled: lots("0.25").toString() });
    expect(first.answers[6]).toMatchObject({ status: "cancelled", filled: lots("0.05").toString() });
  });
});
