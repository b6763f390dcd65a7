// Accepted paths of every opcode that the scripted market does not reach, and the boundaries where a circuit and
// its model most easily disagree: equity exactly at maintenance margin, a position closed to zero, the largest size
// and price, every market and collateral asset in use at once. Each batch must prove with the model's per-slot state.
import { beforeAll, describe, expect, it } from "vitest";
import { computeMargin, ForcedKind, Opcode, type BatchResult, type Op } from "../../protocol/index.js";
import { simPrices } from "../../client/sim/markets.js";
import { batchCircuit, expectProves, fundedWorld, UNIT, USD, World } from "./batch-world.js";
import type { Circuit } from "./harness/index.js";

const BTC = 0;
const ETH = 1;
const WETH = 1;
const WBTC = 2;
const MAX_AMOUNT = (1n << 63n) - 1n;
const MAX_PRICE = (1n << 56n) - 1n;

const notes = (r: BatchResult): (string | undefined)[] => r.slots.map((s) => s.note);

describe("BatchMain(test): every opcode's outcomes and the boundaries", () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await batchCircuit();
  });

  it("[I8] DELEVERAGE: a bankrupt account the fund cannot cover closes at and inside its bankruptcy price", async () => {
    // Account 3: 10,000 USD, long 1.5 BTC from 60,000; at 50,000 TV = −5,000 and the fund holds 1,000 USD.
    // Bankruptcy price 80000/1.5 ≈ 53,333: closing 1 BTC at 53,000 leaves TV' = −5000 + 3000 = −2000, and
    // −2000·1.5 ≤ −5000·0.5 holds; then the last 0.5 at 53,333.
    const w = new World("deleverage");
    w.commit([
      w.deposit(0, 0, 1_000n * UNIT),
      w.deposit(1, 0, 1_000_000n * UNIT),
      w.deposit(3, 0, 10_000n * UNIT),
    ]);
    w.commit([
      w.trade(
        w.order(1, { buy: false, size: 2n * UNIT, limit: 60_000n * UNIT }),
        w.order(3, { buy: true, size: 2n * UNIT, limit: 60_000n * UNIT }),
        (3n * UNIT) / 2n,
        60_000n * UNIT,
      ),
    ]);
    w.prices = simPrices(w.params, { BTC: "50000", WBTC: "50000" });
    const r = w.commit([
      w.deleverage(3, 1, BTC, UNIT, 53_000n * UNIT),
      w.deleverage(3, 1, BTC, UNIT / 2n, 53_333n * UNIT),
    ]);
    expect(w.account(3).sizes[BTC]).toBe(0n);
    await expectProves(c, r);
  });

  it("[I12] DEPOSIT: credit, registration, and refunds for a key mismatch, a zero key and a balance overflow", async () => {
    const w = new World("deposits");
    const half = MAX_AMOUNT;
    const r = w.commit([
      w.deposit(1, WETH, half),
      w.deposit(1, WETH, half), // 2^64 − 2: the largest balance two deposits reach, still a Uint64
      w.deposit(1, WETH, 2n), // 2^64: refunded [I11]
      w.deposit(1, 0, UNIT, 2), // account 1's key is not actor 2's
    ]);
    expect(notes(r)).toEqual([
      "credited",
      "credited",
      "refund: credit would overflow the balance",
      "refund: key mismatch",
    ]);
    expect(w.account(1).balances[WETH - 1]).toBe((1n << 64n) - 2n);
    await expectProves(c, r);
    const zeroKey = { ...w.deposit(2, 0, UNIT), pubKeyX: 0n, pubKeyY: 0n };
    const r2 = w.commit([zeroKey, w.deposit(0, 0, UNIT, 3), w.deposit(0, 0, UNIT)]);
    expect(notes(r2)).toEqual([
      "refund: zero key cannot register",
      "refund: key mismatch",
      "credited",
      undefined,
    ]);
    await expectProves(c, r2);
  });

  it("[I19] FORCED_WITHDRAW: executed, and rejected for a key mismatch, a zero amount, a short balance and margin", async () => {
    const w = fundedWorld("forced");
    // Index 6 belongs to actor 5's key: 10,000 USD and 1 WBTC, then long 3 BTC bought at 60,000 (quote −170,000,
    // TV = −170,000 + 180,000 + 51,000 = 61,000 ≥ IM 18,000).
    w.commit([w.deposit(6, 0, 10_000n * UNIT, 5), w.deposit(6, WBTC, UNIT, 5)]);
    w.commit([
      w.trade(
        w.order(1, { buy: false, size: 3n * UNIT, limit: 60_000n * UNIT }),
        w.order(6, { buy: true, size: 3n * UNIT, limit: 60_000n * UNIT }, 5),
        3n * UNIT,
        60_000n * UNIT,
      ),
    ]);
    const k = w.actor(5).key.publicKey;
    const forSix = (asset: number, amount: bigint, key = k): Op => ({
      opcode: Opcode.FORCED_WITHDRAW,
      request: {
        kind: ForcedKind.WITHDRAWAL,
        accountIndex: 6n,
        pubKeyX: key.x,
        pubKeyY: key.y,
        asset,
        amount,
        l1Address: w.actor(5).l1Address,
      },
    });
    const r = w.commit([
      w.forcedWithdraw(2, WBTC, UNIT),
      forSix(0, UNIT, w.actor(4).key.publicKey),
      forSix(0, 0n),
      forSix(WETH, UNIT),
    ]);
    expect(notes(r)).toEqual([
      "executed",
      "rejected: key does not match the account",
      "rejected: zero amount",
      "rejected: insufficient balance",
    ]);
    await expectProves(c, r);
    // Without its WBTC, account 6 would have TV 10,000 < IM 18,000; its quote is negative, so none can leave.
    const r2 = w.commit([forSix(WBTC, UNIT), forSix(0, UNIT), w.forcedWithdraw(2, 0, 1_000_000n * UNIT)]);
    expect(notes(r2)).toEqual([
      "rejected: would leave total value below the initial requirement",
      "rejected: insufficient quote",
      "executed",
      undefined,
    ]);
    expect(w.account(2).quote).toBe(0n);
    await expectProves(c, r2);
  });

  it("[I13] the fund as maker, as taker and as deposit target: fees land on its own port copy", async () => {
    const w = fundedWorld("fund-party");
    const r = w.commit([
      w.trade(
        w.order(0, { buy: false, size: UNIT, limit: 60_000n * UNIT }),
        w.order(1, { buy: true, size: UNIT, limit: 60_000n * UNIT }),
        UNIT,
        60_000n * UNIT,
        [6n * USD, 30n * USD],
      ),
      w.trade(
        w.order(2, { buy: false, size: UNIT, limit: 60_000n * UNIT }),
        w.order(0, { slot: 1, buy: true, size: UNIT, limit: 60_000n * UNIT }),
        UNIT / 2n,
        60_000n * UNIT,
        [3n * USD, 15n * USD],
      ),
      w.trade(
        w.order(3, { buy: false, size: UNIT, limit: 3_000n * UNIT, market: ETH }),
        w.order(4, { buy: true, size: UNIT, limit: 3_000n * UNIT, market: ETH }),
        UNIT,
        3_000n * UNIT,
        [1n * USD, 2n * USD],
      ),
      w.deposit(0, WETH, UNIT),
    ]);
    // Fund: sells 1 BTC (+60,000), buys 0.5 (−30,000), pays its fees (6 as maker, 15 as taker) and earns every fee
    // (36 + 18 + 3) — on its own port copy in the first two trades, on the register in the third.
    expect(w.account(0).quote).toBe((1_000_000n + 60_000n - 30_000n - 6n - 15n + 36n + 18n + 3n) * USD);
    await expectProves(c, r);
  });

  it("[I7][I19] equity exactly at maintenance margin: healthy (a health proof passes, a liquidation does not); one unit lower: liquidatable", async () => {
    // Account 3: 12,500 USD, long 1 BTC bought at 60,000. At mark 50,000: TV = 2,500 = MM = 50,000·5%.
    const w = new World("at-mm");
    w.commit([
      w.deposit(0, 0, 1_000_000n * UNIT),
      w.deposit(1, 0, 1_000_000n * UNIT),
      w.deposit(3, 0, 12_500n * UNIT),
    ]);
    w.commit([
      w.trade(
        w.order(1, { buy: false, size: UNIT, limit: 60_000n * UNIT }),
        w.order(3, { buy: true, size: UNIT, limit: 60_000n * UNIT }),
        UNIT,
        60_000n * UNIT,
      ),
    ]);
    w.prices = simPrices(w.params, { BTC: "50000", WBTC: "50000" });
    const m = computeMargin(w.account(3), w.params.config, w.prices, w.funding);
    expect([m.tvS, m.healthy]).toEqual([m.mmS, true]);
    expect(w.verdict([], w.liquidate(3, BTC, UNIT / 2n, 50_000n * UNIT))).toBe("NOT_LIQUIDATABLE");
    const r = w.commit([w.forcedCheck(3, 4)]);
    expect(notes(r)[0]).toBe("healthy");
    await expectProves(c, r);

    const lower = { ...w.prices, markets: [w.prices.markets[BTC]! - 1n, w.prices.markets[ETH]!] };
    expect(w.verdict([], w.forcedCheck(3, 4), { prices: lower })).toBe("LIQUIDATABLE");
    const r2 = w.commit(
      [
        w.liquidate(
          3,
          BTC,
          UNIT / 2n,
          50_000n * UNIT - 1n,
          0n,
          null,
          w.forcedRequest(ForcedKind.LIQUIDATION, 3, 4),
        ),
      ],
      {
        prices: lower,
      },
    );
    await expectProves(c, r2);
  });

  it("[I7][I17] a liquidator's reduce-only order that shrinks its own opposite position proves", async () => {
    // Account 1 sold 1.5 BTC to account 3; at 56,000 account 3 is liquidatable and account 1 buys 0.5 BTC of it back
    // with a reduce-only order: |−1.5| → |−1.0|, not risk-increasing for the liquidator.
    const w = new World("liq-reduce-only");
    w.commit([
      w.deposit(0, 0, 1_000_000n * UNIT),
      w.deposit(1, 0, 1_000_000n * UNIT),
      w.deposit(3, 0, 10_000n * UNIT),
    ]);
    w.commit([
      w.trade(
        w.order(1, { buy: false, size: 2n * UNIT, limit: 60_000n * UNIT }),
        w.order(3, { buy: true, size: 2n * UNIT, limit: 60_000n * UNIT }),
        (3n * UNIT) / 2n,
        60_000n * UNIT,
      ),
    ]);
    w.prices = simPrices(w.params, { BTC: "56000", WBTC: "56000" });
    const liq = w.liquidate(
      3,
      BTC,
      UNIT / 2n,
      55_000n * UNIT,
      0n,
      w.order(1, { slot: 1, buy: true, size: UNIT / 2n, limit: 55_000n * UNIT, flags: 1 }),
    );
    const r = w.commit([liq]);
    expect(w.account(1).sizes[BTC]).toBe(-UNIT);
    await expectProves(c, r);
  });

  it("[I17] a position closed to exactly zero, by a reduce-only order; and a flip that is risk-increasing", async () => {
    const w = fundedWorld("zero");
    w.commit([
      w.trade(
        w.order(1, { buy: false, size: 2n * UNIT, limit: 60_000n * UNIT }),
        w.order(2, { buy: true, size: 2n * UNIT, limit: 60_000n * UNIT }),
        2n * UNIT,
        60_000n * UNIT,
      ),
    ]);
    const r = w.commit([
      w.trade(
        w.order(2, { slot: 1, buy: false, size: 2n * UNIT, limit: 59_000n * UNIT, flags: 1 }),
        w.order(3, { buy: true, size: 2n * UNIT, limit: 59_000n * UNIT }),
        2n * UNIT,
        59_000n * UNIT,
      ),
      // Account 1 is short 2: buying 3 flips it long 1 (risk-increasing, needs IM) and is not reduce-only.
      w.trade(
        w.order(4, { buy: false, size: 3n * UNIT, limit: 59_000n * UNIT }),
        w.order(1, { slot: 1, buy: true, size: 3n * UNIT, limit: 59_000n * UNIT }),
        3n * UNIT,
        59_000n * UNIT,
      ),
    ]);
    expect([w.account(2).sizes[BTC], w.account(1).sizes[BTC]]).toEqual([0n, UNIT]);
    expect(
      w.verdict(
        [],
        w.trade(
          w.order(1, { slot: 2, buy: true, size: UNIT, limit: 60_000n * UNIT, flags: 1 }),
          w.order(5, { buy: false, size: UNIT, limit: 59_000n * UNIT }),
          UNIT,
          59_000n * UNIT,
        ),
      ),
    ).toBe("REDUCE_ONLY_VIOLATED");
    await expectProves(c, r);
  });

  it("[I11] the largest size (2^63 − 1 at price 1) and the largest price (2^56 − 1) prove", async () => {
    const w = fundedWorld("bounds");
    const tiny = { ...w.prices, markets: [1n, w.prices.markets[ETH]!] };
    const r = w.commit(
      [
        w.trade(
          w.order(1, { buy: false, size: MAX_AMOUNT, limit: 1n }),
          w.order(2, { buy: true, size: MAX_AMOUNT, limit: 1n }),
          MAX_AMOUNT,
          1n,
        ),
      ],
      { prices: tiny },
    );
    expect([w.account(2).sizes[BTC], w.account(1).sizes[BTC]]).toEqual([MAX_AMOUNT, -MAX_AMOUNT]);
    await expectProves(c, r);
    const huge = { markets: [1n, MAX_PRICE], collaterals: [MAX_PRICE, MAX_PRICE] };
    const r2 = w.commit(
      [
        w.trade(
          w.order(3, { buy: false, size: 1n, limit: MAX_PRICE, market: ETH }),
          w.order(4, { buy: true, size: 1n, limit: MAX_PRICE, market: ETH }),
          1n,
          MAX_PRICE,
        ),
        w.withdraw(1, WETH, UNIT),
      ],
      { prices: huge },
    );
    await expectProves(c, r2);
  });

  it("every market and collateral asset in use: margin over all of them, settled funding in both markets", async () => {
    const w = fundedWorld("all-markets");
    w.commit([
      w.trade(
        w.order(1, { buy: false, size: UNIT, limit: 60_000n * UNIT }),
        w.order(2, { buy: true, size: UNIT, limit: 60_000n * UNIT }),
        UNIT,
        60_000n * UNIT,
      ),
      w.trade(
        w.order(2, { slot: 1, buy: false, size: 10n * UNIT, limit: 3_000n * UNIT, market: ETH }),
        w.order(1, { slot: 1, buy: true, size: 10n * UNIT, limit: 3_000n * UNIT, market: ETH }),
        10n * UNIT,
        3_000n * UNIT,
      ),
      w.deposit(2, WETH, 5n * UNIT),
    ]);
    const a2 = w.account(2);
    expect([a2.sizes.every((s) => s !== 0n), a2.balances.every((b) => b > 0n)]).toEqual([true, true]);
    // Funding moves in both markets (bounds: 60 and 3 USD per unit); every op settles against them.
    const r = w.commit(
      [w.settle(1), w.withdraw(2, WBTC, UNIT, 0n), w.withdraw(2, WETH, UNIT, 1n), w.forcedCheck(2, 3)],
      { fundingIndices: [50n * UNIT, -2n * UNIT] },
    );
    expect(w.account(1).fundingIndices).toEqual([50n * UNIT, -2n * UNIT]);
    await expectProves(c, r);
  });
});
