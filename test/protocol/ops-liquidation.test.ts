// LIQUIDATE (PROTOCOL §7.4) and DELEVERAGE (§7.5): the §7.4 worked example at exactly the zero price, penalties
// against the cap and the ratio rule [I7], liquidators (the fund or a signed order); deleverage only of a bankrupt
// account the fund cannot cover, between the mark and the bankruptcy price [I8]. Every rejection changes nothing [I18].
import { describe, expect, it } from "vitest";
import {
  FLAG_REDUCE_ONLY,
  computeMargin,
  type DeleverageOp,
  type LiquidateOp,
  Opcode,
  type SignedOrder,
} from "../../protocol/index.js";
import {
  accept,
  type AccountSpec,
  acct,
  BTC,
  ETHP,
  expectRejected,
  header,
  key,
  lots,
  makeState,
  NOW,
  type OrderSpec,
  OTHER_CHAIN,
  PARAMS,
  PRICES,
  px,
  settledQuote,
  signedOrder,
  usd,
} from "./fixtures.js";

const RICH = usd("100000");
/** §7.4's L: long 1 BTC with quote −57,500 at P = 60,000 → TV 2,500 < MM 3,000. */
const L_LONG: AccountSpec = { quote: usd("-57500"), sizes: [lots("1"), 0n] };
/** The mirror image: short 1 BTC with quote 62,500 → TV 2,500 < MM 3,000; p0 = 60,000·(1 + 0.05·2,500/3,000). */
const L_SHORT: AccountSpec = { quote: usd("62500"), sizes: [-lots("1"), 0n] };

const liq = (p: Partial<LiquidateOp> & { price: bigint }): LiquidateOp => ({
  opcode: Opcode.LIQUIDATE,
  accountIndex: 1n,
  liquidator: null,
  market: BTC,
  fill: lots("0.5"),
  penalty: 0n,
  ...p,
});
/** A signed buy order of account 2 (the liquidator of a long). */
const kBuy = (o: Partial<OrderSpec> = {}): SignedOrder =>
  signedOrder({ account: 2, isBuy: true, size: lots("1"), limit: px("60000"), ...o });

const margin = (a: Parameters<typeof computeMargin>[0]) => computeMargin(a, PARAMS.config, PRICES);

describe("LIQUIDATE: §7.4 worked example", () => {
  const s = makeState({ 0: { quote: RICH }, 1: L_LONG });
  const h = header(s);

  it("TV = 2,500 < MM = 3,000 before; p0 = 60,000·(1 − 0.05·2,500/3,000) = 57,500", () => {
    const m = margin(s.account(1n));
    expect([m.tv, m.mm, m.liquidatable]).toEqual([usd("2500"), usd("3000"), true]);
  });

  it("selling 0.5 at exactly 57,500 with no penalty is accepted: TV' 1,250, MM' 1,500, ratio 5/6 unchanged [I7]", () => {
    const r = accept(s, h, [liq({ price: px("57500") })]);
    const after = margin(acct(r, 1));
    expect([after.tv, after.mm]).toEqual([usd("1250"), usd("1500")]);
    expect(after.tv * usd("3000")).toBe(usd("2500") * after.mm);
    expect(acct(r, 1).sizes[BTC]).toBe(lots("0.5"));
    expect(r.fundAfter.sizes[BTC]).toBe(lots("0.5"));
    expect(r.fundAfter.quote).toBe(RICH - lots("0.5") * px("57500"));
  });

  it("57,499.99999999 is beyond the zero price: HEALTH_WORSENED [I7][I18]", () => {
    expectRejected(s, h, liq({ price: px("57499.99999999") }), "HEALTH_WORSENED");
  });

  it("closing all of it: MM' = 0, so the rule is TV' ≥ 0 — 57,500 leaves TV' = 0, one unit lower fails [I7]", () => {
    const r = accept(s, h, [liq({ fill: lots("1"), price: px("57500") })]);
    const after = margin(acct(r, 1));
    expect([after.tv, after.mm]).toEqual([0n, 0n]);
    expectRejected(s, h, liq({ fill: lots("1"), price: px("57499.99999999") }), "HEALTH_WORSENED");
  });

  it("a short is liquidated by buying, no higher than its zero price 62,500 [I7]", () => {
    const ss = makeState({ 0: { quote: RICH }, 1: L_SHORT });
    const r = accept(ss, header(ss), [liq({ price: px("62500") })]);
    expect(acct(r, 1).sizes[BTC]).toBe(-lots("0.5"));
    expect(r.fundAfter.sizes[BTC]).toBe(-lots("0.5"));
    expectRejected(ss, header(ss), liq({ price: px("62500.00000001") }), "HEALTH_WORSENED");
  });
});

describe("LIQUIDATE: penalties", () => {
  const s = makeState({ 0: { quote: RICH }, 1: L_LONG });
  const h = header(s);

  it("the penalty goes from L to the liquidator; quote and size are zero-sum [I2]", () => {
    // At 58,000: TV' before penalty = 2,500 − 0.5·2,000 = 1,500; the ratio allows TV' ≥ 1,250 → penalty ≤ 250.
    const r = accept(s, h, [liq({ price: px("58000"), penalty: usd("250") })]);
    expect(acct(r, 1).quote).toBe(usd("-57500") + lots("0.5") * px("58000") - usd("250"));
    expect(r.fundAfter.quote).toBe(RICH - lots("0.5") * px("58000") + usd("250"));
    const w = r.slots[0]!.writes;
    const idx = r.publicInputs.fundingNew;
    expect(w.reduce((t, x) => t + settledQuote(x.after, idx) - settledQuote(x.before, idx), 0n)).toBe(0n);
    expect(w.reduce((t, x) => t + x.after.sizes[BTC]! - x.before.sizes[BTC]!, 0n)).toBe(0n);
  });

  it("a penalty within the cap that lowers the ratio: HEALTH_WORSENED [I7]", () => {
    expectRejected(s, h, liq({ price: px("58000"), penalty: usd("250") + 1n }), "HEALTH_WORSENED");
    expectRejected(s, h, liq({ price: px("57500"), penalty: 1n }), "HEALTH_WORSENED");
  });

  it("penalty·10^6 > fill·P·liquidationFee: PENALTY_TOO_HIGH (cap 0.5·60,000·1 % = 300) [I7]", () => {
    // At 59,000 the ratio would allow 750, so only the cap binds.
    accept(s, h, [liq({ price: px("59000"), penalty: usd("300") })]);
    expectRejected(s, h, liq({ price: px("59000"), penalty: usd("300") + 1n }), "PENALTY_TOO_HIGH");
  });
});

describe("LIQUIDATE: a signed liquidator order", () => {
  const s = makeState({ 1: L_LONG, 2: { quote: RICH } });
  const h = header(s);

  it("K buys through its order's slot and receives the penalty", () => {
    const r = accept(s, h, [liq({ liquidator: kBuy(), price: px("58000"), penalty: usd("100") })]);
    expect(acct(r, 2).sizes[BTC]).toBe(lots("0.5"));
    expect(acct(r, 2).quote).toBe(RICH - lots("0.5") * px("58000") + usd("100"));
    expect(acct(r, 2).slot(0n)).toEqual({ nonce: 1n, filled: lots("0.5") });
    expect(r.fundAfter.quote).toBe(0n);
  });

  const cases: [string, () => LiquidateOp, string][] = [
    [
      "signed by another key",
      () => liq({ liquidator: kBuy({ key: key(3) }), price: px("58000") }),
      "BAD_SIGNATURE",
    ],
    [
      "signed for another chain [I10]",
      () => liq({ liquidator: kBuy({ domain: OTHER_CHAIN }), price: px("58000") }),
      "BAD_SIGNATURE",
    ],
    [
      "for another market",
      () => liq({ liquidator: kBuy({ market: ETHP }), price: px("58000") }),
      "MARKET_MISMATCH",
    ],
    [
      "on L's side (a sell)",
      () => liq({ liquidator: kBuy({ isBuy: false, limit: 1n }), price: px("58000") }),
      "SAME_SIDE",
    ],
    ["expired [I15]", () => liq({ liquidator: kBuy({ expiry: NOW }), price: px("58000") }), "ORDER_EXPIRED"],
    [
      "too small [I9]",
      () => liq({ liquidator: kBuy({ size: lots("0.49999999") }), price: px("58000") }),
      "OVERFILL",
    ],
    [
      "limit below the price",
      () => liq({ liquidator: kBuy({ limit: px("57999.99999999") }), price: px("58000") }),
      "PRICE_OUTSIDE_LIMIT",
    ],
    ["from L itself", () => liq({ liquidator: kBuy({ account: 1 }), price: px("58000") }), "SAME_ACCOUNT"],
    [
      "reduce-only while K has no position to reduce [I17]",
      () => liq({ liquidator: kBuy({ flags: FLAG_REDUCE_ONLY }), price: px("58000") }),
      "REDUCE_ONLY_VIOLATED",
    ],
    [
      "from an unregistered account",
      () => liq({ liquidator: kBuy({ account: 9 }), price: px("58000") }),
      "ACCOUNT_NOT_REGISTERED",
    ],
    [
      "from outside the tree",
      () => liq({ liquidator: kBuy({ account: 64, key: key(2) }), price: px("58000") }),
      "ACCOUNT_INDEX_OUT_OF_RANGE",
    ],
  ];
  for (const [what, op, code] of cases) {
    it(`liquidator order ${what}: ${code} [I18]`, () => expectRejected(s, h, op(), code));
  }

  it("an older nonce in the liquidator's slot: ORDER_REPLAYED [I9]", () => {
    const first = liq({ liquidator: kBuy({ nonce: 2n }), fill: lots("0.25"), price: px("58000") });
    expectRejected(
      s,
      h,
      liq({ liquidator: kBuy({ nonce: 1n }), fill: lots("0.25"), price: px("58000") }),
      "ORDER_REPLAYED",
      [first],
    );
  });
});

describe("LIQUIDATE rejected [I18]", () => {
  const s = makeState({
    0: { quote: RICH },
    1: L_LONG,
    3: { quote: usd("-57000"), sizes: [lots("1"), 0n] },
    4: { key: null },
  });
  const h = header(s);

  it("a healthy account, even exactly at MM: NOT_LIQUIDATABLE [I7]", () => {
    expect(margin(s.account(3n)).tvS).toBe(margin(s.account(3n)).mmS);
    expectRejected(s, h, liq({ accountIndex: 3n, price: px("60000") }), "NOT_LIQUIDATABLE");
  });

  it("…but one that funding settlement pushes below MM is liquidatable", () => {
    // Account 3 pays 1 USD of funding on touch (index +1 USD/BTC): TV 2,999 < MM 3,000.
    const sf = makeState({
      0: { quote: RICH },
      3: { quote: usd("-57000"), sizes: [lots("1"), 0n] },
      5: { sizes: [-lots("1"), 0n], quote: RICH },
    });
    const hf = header(sf, { funding: [px("1"), 0n] });
    expectRejected(sf, header(sf), liq({ accountIndex: 3n, price: px("60000") }), "NOT_LIQUIDATABLE");
    const r = accept(sf, hf, [liq({ accountIndex: 3n, price: px("60000") })]);
    expect(acct(r, 3).sizes[BTC]).toBe(lots("0.5"));
  });

  it("more than the position, or a market where it has none: NOT_REDUCING [I7]", () => {
    expectRejected(s, h, liq({ fill: lots("1.00000001"), price: px("60000") }), "NOT_REDUCING");
    expectRejected(s, h, liq({ market: ETHP, fill: 1n, price: px("3000") }), "NOT_REDUCING");
  });

  it("the insurance fund itself: INSURANCE_FUND_FORBIDDEN [I13]", () => {
    const sf = makeState({ 0: L_LONG });
    expectRejected(
      sf,
      header(sf),
      liq({ accountIndex: 0n, liquidator: kBuy(), price: px("58000") }),
      "INSURANCE_FUND_FORBIDDEN",
    );
  });

  it("the fund as liquidator without the margin to take the position: UNDER_MARGINED (R(K)) [I5]", () => {
    // Fund quote 0 buying 0.5 at 57,500: TV = −28,750 + 30,000 = 1,250 < IM 3,000.
    const poor = makeState({ 1: L_LONG });
    expectRejected(poor, header(poor), liq({ price: px("57500") }), "UNDER_MARGINED");
  });

  it("an unregistered account, an index outside the tree, an unknown market", () => {
    expectRejected(s, h, liq({ accountIndex: 4n, price: px("60000") }), "ACCOUNT_NOT_REGISTERED");
    expectRejected(s, h, liq({ accountIndex: 64n, price: px("60000") }), "ACCOUNT_INDEX_OUT_OF_RANGE");
    expectRejected(s, h, liq({ market: 2, price: px("60000") }), "UNKNOWN_MARKET");
  });

  it("malformed fill, price or penalty: OUT_OF_RANGE", () => {
    expectRejected(s, h, liq({ fill: 0n, price: px("60000") }), "OUT_OF_RANGE", [], /fill size/);
    expectRejected(s, h, liq({ price: 0n }), "OUT_OF_RANGE", [], /price/);
    expectRejected(s, h, liq({ price: px("58000"), penalty: -1n }), "OUT_OF_RANGE", [], /penalty/);
  });

  it("the liquidator's quote leaving Int96: OUT_OF_RANGE [I11]", () => {
    const sb = makeState({ 0: { quote: (1n << 95n) - 1n }, 1: L_SHORT });
    expectRejected(sb, header(sb), liq({ price: px("62000") }), "OUT_OF_RANGE", [], /quote balance/);
  });
});

/** A: long 1 BTC with quote −61,000 at 60,000 → TV −1,000; its bankruptcy price is 60,000 + 1,000/1 = 61,000. */
const A: AccountSpec = { quote: usd("-61000"), sizes: [lots("1"), 0n] };
const B: AccountSpec = { quote: usd("100000"), sizes: [-lots("1"), 0n] };
/** The fund holds 500 < the 1,000 deficit. */
const FUND: AccountSpec = { quote: usd("500") };

const del = (p: Partial<DeleverageOp> & { price: bigint }): DeleverageOp => ({
  opcode: Opcode.DELEVERAGE,
  accountIndex: 1n,
  counterparty: 2n,
  market: BTC,
  fill: lots("1"),
  ...p,
});

describe("DELEVERAGE accepted", () => {
  const s = makeState({ 0: FUND, 1: A, 2: B });
  const h = header(s);

  it("closes A fully at its bankruptcy price 61,000: A ends with TV 0; quote and size are zero-sum [I2][I8]", () => {
    expect(margin(s.account(1n)).tv).toBe(usd("-1000"));
    const r = accept(s, h, [del({ price: px("61000") })]);
    expect(acct(r, 1).sizes[BTC]).toBe(0n);
    expect(margin(acct(r, 1)).tvS).toBe(0n);
    expect(acct(r, 2).quote).toBe(usd("100000") - usd("61000"));
    const w = r.slots[0]!.writes;
    const idx = r.publicInputs.fundingNew;
    expect(w.map((x) => x.index)).toEqual([1n, 2n]);
    expect(w.reduce((t, x) => t + settledQuote(x.after, idx) - settledQuote(x.before, idx), 0n)).toBe(0n);
    expect(w.reduce((t, x) => t + x.after.sizes[BTC]! - x.before.sizes[BTC]!, 0n)).toBe(0n);
    // The fund takes no part.
    expect(r.fundAfter.quote).toBe(usd("500"));
  });

  it("partially, the deficit shrinks in proportion: 0.5 at 61,000 leaves TV' = −500 = −1,000·0.5/1 [I8]", () => {
    const r = accept(s, h, [del({ fill: lots("0.5"), price: px("61000") })]);
    expect(margin(acct(r, 1)).tv).toBe(usd("-500"));
  });

  it("at the mark the deficit is unchanged, which is allowed [I8]", () => {
    const r = accept(s, h, [del({ fill: lots("0.5"), price: px("60000") })]);
    expect(margin(acct(r, 1)).tv).toBe(usd("-1000"));
  });
});

describe("DELEVERAGE rejected [I18]", () => {
  const s = makeState({
    0: FUND,
    1: A,
    2: B,
    3: { quote: usd("100000"), sizes: [lots("1"), 0n] },
    4: { quote: usd("100000") },
    9: { key: null },
  });
  const h = header(s);

  it("a price better for A than its bankruptcy price: PRICE_BEYOND_BANKRUPTCY [I8]", () => {
    expectRejected(s, h, del({ price: px("61000.00000001") }), "PRICE_BEYOND_BANKRUPTCY");
    expectRejected(s, h, del({ fill: lots("0.5"), price: px("61000.00000001") }), "PRICE_BEYOND_BANKRUPTCY");
  });

  it("a price below the mark for a long A: DEFICIT_GROWN [I8]", () => {
    expectRejected(s, h, del({ price: px("59999.99999999") }), "DEFICIT_GROWN");
  });

  it("A not bankrupt — at TV exactly 0, or liquidatable but positive: NOT_BANKRUPT [I8]", () => {
    for (const q of ["-60000", "-57500"]) {
      const sn = makeState({ 0: FUND, 1: { quote: usd(q), sizes: [lots("1"), 0n] }, 2: B });
      expectRejected(sn, header(sn), del({ price: px("60000") }), "NOT_BANKRUPT");
    }
  });

  it("a fund that can cover the deficit, even exactly: FUND_CAN_COVER [I8]", () => {
    const sc = makeState({ 0: { quote: usd("1000") }, 1: A, 2: B });
    expectRejected(sc, header(sc), del({ price: px("61000") }), "FUND_CAN_COVER");
    const sc2 = makeState({ 0: { quote: usd("1000") - 1n }, 1: A, 2: B });
    accept(sc2, header(sc2), [del({ price: px("61000") })]);
  });

  it("counterparty on the same side or flat: NOT_OPPOSITE [I8]", () => {
    expectRejected(s, h, del({ counterparty: 3n, price: px("61000") }), "NOT_OPPOSITE");
    expectRejected(s, h, del({ counterparty: 4n, price: px("61000") }), "NOT_OPPOSITE");
    expectRejected(s, h, del({ market: ETHP, fill: 1n, price: px("3000") }), "NOT_OPPOSITE");
  });

  it("more than either position: NOT_REDUCING [I8]", () => {
    expectRejected(s, h, del({ fill: lots("1.00000001"), price: px("61000") }), "NOT_REDUCING");
    const half = makeState({ 0: FUND, 1: A, 2: { quote: usd("100000"), sizes: [-lots("0.5"), 0n] } });
    expectRejected(half, header(half), del({ fill: lots("0.50000001"), price: px("60000") }), "NOT_REDUCING");
  });

  it("the fund on either side: INSURANCE_FUND_FORBIDDEN [I13]", () => {
    expectRejected(s, h, del({ accountIndex: 0n, price: px("61000") }), "INSURANCE_FUND_FORBIDDEN");
    expectRejected(s, h, del({ counterparty: 0n, price: px("61000") }), "INSURANCE_FUND_FORBIDDEN");
  });

  it("A against itself, an unregistered or out-of-tree counterparty, an unknown market, malformed amounts", () => {
    expectRejected(s, h, del({ counterparty: 1n, price: px("61000") }), "SAME_ACCOUNT");
    expectRejected(s, h, del({ counterparty: 9n, price: px("61000") }), "ACCOUNT_NOT_REGISTERED");
    expectRejected(s, h, del({ counterparty: 64n, price: px("61000") }), "ACCOUNT_INDEX_OUT_OF_RANGE");
    expectRejected(s, h, del({ market: 2, price: px("61000") }), "UNKNOWN_MARKET");
    expectRejected(s, h, del({ fill: 0n, price: px("61000") }), "OUT_OF_RANGE", [], /fill size/);
    expectRejected(s, h, del({ price: 0n }), "OUT_OF_RANGE", [], /price/);
  });

  it("a counterparty left below MM with a lower ratio: UNDER_MARGINED (R(B)) [I6]", () => {
    // A: long 1 BTC, quote −70,000 → TV −10,000, bankruptcy price 70,000; fund empty.
    // B: short 1 BTC and long 10 ETH-PERP, quote 34,500 → TV = 34,500 − 60,000 + 30,000 = 4,500 = MM (3,000 + 1,500).
    // Closing the BTC at 70,000: TV' = −35,500 + 30,000 = −5,500 < MM' 1,500, and −5,500·4,500 < 4,500·1,500.
    const su = makeState({
      1: { quote: usd("-70000"), sizes: [lots("1"), 0n] },
      2: { quote: usd("34500"), sizes: [-lots("1"), lots("10")] },
    });
    const hu = header(su);
    expect(margin(su.account(2n)).tvS).toBe(margin(su.account(2n)).mmS);
    expectRejected(su, hu, del({ price: px("70000") }), "UNDER_MARGINED");
    accept(su, hu, [del({ price: px("60000") })]);
  });

  it("the counterparty's quote leaving Int96: OUT_OF_RANGE [I11]", () => {
    // A short 1 BTC with quote 59,000 (TV −1,000); B long with the largest quote, selling at 60,000.
    const sb = makeState({
      1: { quote: usd("59000"), sizes: [-lots("1"), 0n] },
      2: { quote: (1n << 95n) - 1n, sizes: [lots("1"), 0n] },
    });
    expectRejected(sb, header(sb), del({ price: px("60000") }), "OUT_OF_RANGE", [], /quote balance/);
  });
});
