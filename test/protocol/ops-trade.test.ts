// TRADE (PROTOCOL §7.3): the worked example, fees to the fund [I13] and zero-sum [I2], the order-slot rule [I9],
// expiry [I15], limits, the fee cap [I16], reduce-only [I17], the fill rule R [I5][I6], bounds [I11] and
// signature binding [I10]. Every rejection is checked to change nothing [I18].
import { describe, expect, it } from "vitest";
import { computeMargin, type SignedOrder, type TradeOp } from "../../protocol/index.js";
import {
  BTC,
  ETHP,
  NOW,
  OTHER_CHAIN,
  OTHER_CONTRACT,
  PARAMS,
  PRICES,
  acct,
  accept,
  expectRejected,
  header,
  key,
  lots,
  makeOrder,
  makeState,
  px,
  settledQuote,
  signedOrder,
  tradeOp,
  usd,
  type OrderSpec,
} from "./fixtures.js";

const RICH = usd("100000");
const base = () => makeState({ 1: { quote: RICH }, 2: { quote: RICH } });
/** §7.3's maker: sells 0.1 BTC, limit 60,000. */
const sell = (o: Partial<OrderSpec> = {}) =>
  signedOrder({ account: 1, isBuy: false, size: lots("0.1"), limit: px("60000"), ...o });
/** §7.3's taker: buys 0.05 BTC, limit 61,000. */
const buy = (o: Partial<OrderSpec> = {}) =>
  signedOrder({ account: 2, isBuy: true, size: lots("0.05"), limit: px("61000"), ...o });
const FILL = 5_000_000n;
const PRICE = 6_000_000_000_000n;

/** Σ quote and Σ size per market over a slot's writes (the touched accounts and the fund) after − before. */
function slotDeltas(r: ReturnType<typeof accept>, slot = 0) {
  const w = r.slots[slot]!.writes;
  const idx = r.publicInputs.fundingNew;
  const dq = w.reduce((t, x) => t + settledQuote(x.after, idx) - settledQuote(x.before, idx), 0n);
  const ds = [0, 1].map((m) => w.reduce((t, x) => t + x.after.sizes[m]! - x.before.sizes[m]!, 0n));
  return { dq, ds };
}

describe("TRADE accepted", () => {
  it("§7.3 example: fill 5·10^6 at 6·10^12 moves 3·10^19 (3,000 USD) from buyer to seller", () => {
    const s = base();
    const r = accept(s, header(s), [tradeOp(sell(), buy(), FILL, PRICE)]);
    expect(FILL * PRICE).toBe(3n * 10n ** 19n);
    expect(acct(r, 2).quote).toBe(RICH - 3n * 10n ** 19n);
    expect(acct(r, 1).quote).toBe(RICH + 3n * 10n ** 19n);
    expect(acct(r, 2).sizes).toEqual([FILL, 0n]);
    expect(acct(r, 1).sizes).toEqual([-FILL, 0n]);
    expect(acct(r, 1).slot(0n)).toEqual({ nonce: 1n, filled: FILL });
    expect(acct(r, 2).slot(0n)).toEqual({ nonce: 1n, filled: FILL });
  });

  it("fees are charged to each payer and accrue to the insurance fund; the trade is zero-sum [I2][I13]", () => {
    const s = base();
    const r = accept(s, header(s), [tradeOp(sell(), buy(), FILL, PRICE, usd("1"), usd("2"))]);
    expect(acct(r, 1).quote).toBe(RICH + FILL * PRICE - usd("1"));
    expect(acct(r, 2).quote).toBe(RICH - FILL * PRICE - usd("2"));
    expect(r.fundAfter.quote).toBe(usd("3"));
    expect(r.state.account(0n).quote).toBe(usd("3"));
    expect(slotDeltas(r)).toEqual({ dq: 0n, ds: [0n, 0n] });
  });

  it("the fund is written in its register, never through its own path, until the batch ends [I13]", () => {
    const s = base();
    const r = accept(s, header(s), [tradeOp(sell(), buy(), FILL, PRICE, usd("1"), 0n)]);
    const fw = r.slots[0]!.writes.find((w) => w.index === 0n)!;
    expect(fw.siblings).toBeNull();
    expect(fw.rootAfter).toBe(fw.rootBefore);
    expect(r.rootBeforeFundWrite).not.toBe(r.publicInputs.newRoot);
    expect(r.state.tree.leaf(0n)).toBe(r.fundAfter.hash());
  });

  it("the fund may trade; its own fee and the taker's land on its single copy [I2][I13]", () => {
    const s = makeState({ 0: { quote: RICH }, 2: { quote: RICH } });
    const r = accept(s, header(s), [tradeOp(sell({ account: 0 }), buy(), FILL, PRICE, usd("1"), usd("2"))]);
    expect(r.slots[0]!.writes.map((w) => w.index)).toEqual([0n, 2n]);
    expect(r.fundAfter.quote).toBe(RICH + FILL * PRICE - usd("1") + usd("1") + usd("2"));
    expect(r.fundAfter.sizes[BTC]).toBe(-FILL);
    expect(slotDeltas(r)).toEqual({ dq: 0n, ds: [0n, 0n] });
  });

  it("an order continues in its slot across fills; a newer nonce restarts the slot [I9]", () => {
    const s = base();
    const bigBuy = buy({ size: lots("1") });
    const r = accept(s, header(s), [
      tradeOp(sell(), bigBuy, FILL, PRICE),
      tradeOp(sell(), bigBuy, FILL, PRICE),
    ]);
    expect(acct(r, 1).slot(0n)).toEqual({ nonce: 1n, filled: 2n * FILL });
    const r2 = accept(r.state, header(r.state), [tradeOp(sell({ nonce: 2n }), bigBuy, FILL, PRICE)]);
    expect(acct(r2, 1).slot(0n)).toEqual({ nonce: 2n, filled: FILL });
    expect(acct(r2, 2).slot(0n)).toEqual({ nonce: 1n, filled: 3n * FILL });
  });

  it("fills at exactly the limits and the fee cap, one second before expiry [I15][I16]", () => {
    const s = base();
    // Fee cap: fee·10^6 ≤ fill·price·maxFee = 3·10^19 · 1,000 → 3·10^16 (3 USD at maxFee 0.1 %).
    const cap = (FILL * px("61000") * 1000n) / 1_000_000n;
    const r = accept(s, header(s), [
      tradeOp(
        sell({ limit: px("61000"), expiry: NOW + 1n }),
        buy({ expiry: NOW + 1n }),
        FILL,
        px("61000"),
        cap,
        cap,
      ),
    ]);
    expect(r.fundAfter.quote).toBe(2n * cap);
  });

  it("settles both parties' funding first, at the batch's new index", () => {
    // Taker already long 1 BTC at index 0; the batch moves the index by +20 USD: the taker pays 20 USD.
    const s = makeState({
      1: { quote: RICH, sizes: [-lots("1"), 0n] },
      2: { quote: RICH, sizes: [lots("1"), 0n] },
    });
    const r = accept(s, header(s, { funding: [px("20"), 0n] }), [tradeOp(sell(), buy(), FILL, PRICE)]);
    expect(acct(r, 2).quote).toBe(RICH - usd("20") - FILL * PRICE);
    expect(acct(r, 1).quote).toBe(RICH + usd("20") + FILL * PRICE);
    expect(acct(r, 2).fundingIndices).toEqual([px("20"), 0n]);
  });
});

describe("TRADE rejected: orders [I18]", () => {
  const s = base();
  const h = header(s);
  const t = (maker: SignedOrder, taker: SignedOrder, fill = FILL, price = PRICE, mf = 0n, tf = 0n): TradeOp =>
    tradeOp(maker, taker, fill, price, mf, tf);

  it("maker or taker signed by the wrong key: BAD_SIGNATURE", () => {
    expectRejected(s, h, t(sell({ key: key(3) }), buy()), "BAD_SIGNATURE");
    expectRejected(s, h, t(sell(), buy({ key: key(1) })), "BAD_SIGNATURE");
  });

  it("any order field changed after signing (size, limit, expiry, flags, maxFee, slot, nonce): BAD_SIGNATURE", () => {
    const so = sell();
    const tamper = (o: Partial<OrderSpec>): SignedOrder => ({
      order: makeOrder({ account: 1, isBuy: false, size: lots("0.1"), limit: px("60000"), ...o }),
      signature: so.signature,
    });
    for (const patch of [
      { size: lots("0.2") },
      { limit: px("59000") },
      { expiry: NOW + 10n ** 6n },
      { flags: 2 },
      { maxFee: 2000n },
      { slot: 1n },
      { nonce: 2n },
    ]) {
      expectRejected(s, h, t(tamper(patch), buy()), "BAD_SIGNATURE");
    }
  });

  it("orders signed for another chain or contract: BAD_SIGNATURE [I10]", () => {
    expectRejected(s, h, t(sell({ domain: OTHER_CHAIN }), buy()), "BAD_SIGNATURE");
    expectRejected(s, h, t(sell(), buy({ domain: OTHER_CONTRACT })), "BAD_SIGNATURE");
  });

  it("expiry equal to the batch time: ORDER_EXPIRED [I15]", () => {
    expectRejected(s, h, t(sell({ expiry: NOW }), buy()), "ORDER_EXPIRED");
    expectRejected(s, h, t(sell(), buy({ expiry: NOW - 1n })), "ORDER_EXPIRED");
  });

  it("buyer above its limit or seller below its limit: PRICE_OUTSIDE_LIMIT", () => {
    expectRejected(
      s,
      h,
      t(sell({ limit: px("50000") }), buy(), FILL, px("61000.00000001")),
      "PRICE_OUTSIDE_LIMIT",
    );
    expectRejected(s, h, t(sell(), buy(), FILL, px("59999.99999999")), "PRICE_OUTSIDE_LIMIT");
  });

  it("a fill past the order's size, at once or after earlier fills: OVERFILL [I9]", () => {
    expectRejected(s, h, t(sell(), buy({ size: lots("1") }), lots("0.10000001")), "OVERFILL");
    const bigBuy = buy({ size: lots("1") });
    const first = t(sell(), bigBuy, lots("0.06"));
    expectRejected(s, h, t(sell(), bigBuy, lots("0.04000001")), "OVERFILL", [first]);
    // … and in a later batch, from the slot stored in the leaf.
    const later = accept(s, h, [first]).state;
    expectRejected(later, header(later), t(sell(), bigBuy, lots("0.04000001")), "OVERFILL");
  });

  it("an older nonce in a slot never fills again: ORDER_REPLAYED [I9]", () => {
    const bigBuy = buy({ size: lots("1") });
    const newer = t(sell({ nonce: 2n }), bigBuy);
    expectRejected(s, h, t(sell({ nonce: 1n }), bigBuy), "ORDER_REPLAYED", [newer]);
  });

  it("fee above the payer's signed maxFee: FEE_TOO_HIGH [I16]", () => {
    const cap = (FILL * PRICE * 1000n) / 1_000_000n;
    expectRejected(s, h, t(sell(), buy(), FILL, PRICE, cap + 1n, 0n), "FEE_TOO_HIGH");
    expectRejected(s, h, t(sell(), buy(), FILL, PRICE, 0n, cap + 1n), "FEE_TOO_HIGH");
    expectRejected(s, h, t(sell({ maxFee: 0n }), buy(), FILL, PRICE, 1n, 0n), "FEE_TOO_HIGH");
  });

  it("both orders from one account: SAME_ACCOUNT", () => {
    expectRejected(s, h, t(sell(), buy({ account: 1 })), "SAME_ACCOUNT");
  });

  it("two buys or two sells: SAME_SIDE", () => {
    expectRejected(s, h, t(sell(), buy({ isBuy: false, limit: px("1") })), "SAME_SIDE");
  });

  it("orders for different markets: MARKET_MISMATCH; a market outside the set: UNKNOWN_MARKET", () => {
    expectRejected(s, h, t(sell(), buy({ market: ETHP })), "MARKET_MISMATCH");
    expectRejected(s, h, t(sell({ market: 2 }), buy({ market: 2 })), "UNKNOWN_MARKET");
  });

  it("an unregistered counterparty: ACCOUNT_NOT_REGISTERED; an index outside the tree: ACCOUNT_INDEX_OUT_OF_RANGE", () => {
    expectRejected(s, h, t(sell(), buy({ account: 9 })), "ACCOUNT_NOT_REGISTERED");
    expectRejected(s, h, t(sell(), buy({ account: 64, key: key(2) })), "ACCOUNT_INDEX_OUT_OF_RANGE");
  });

  it("malformed fill, price, fees or slot: OUT_OF_RANGE", () => {
    expectRejected(s, h, t(sell(), buy(), 0n), "OUT_OF_RANGE", [], /fill size/);
    expectRejected(s, h, t(sell(), buy(), FILL, 0n), "OUT_OF_RANGE", [], /price/);
    expectRejected(s, h, t(sell(), buy(), FILL, 1n << 56n), "OUT_OF_RANGE", [], /price/);
    expectRejected(s, h, t(sell(), buy(), FILL, PRICE, -1n), "OUT_OF_RANGE", [], /maker fee/);
    expectRejected(s, h, t(sell(), buy(), FILL, PRICE, 0n, 1n << 95n), "OUT_OF_RANGE", [], /taker fee/);
    expectRejected(s, h, t(sell({ slot: 4n }), buy()), "OUT_OF_RANGE", [], /order slot/);
  });
});

describe("TRADE rejected: positions and margin [I18]", () => {
  it("reduce-only that opens, grows or flips a position: REDUCE_ONLY_VIOLATED; reducing to 0 is fine [I17]", () => {
    const flat = base();
    expectRejected(
      flat,
      header(flat),
      tradeOp(sell({ flags: 1 }), buy(), FILL, PRICE),
      "REDUCE_ONLY_VIOLATED",
    );
    const long = makeState({ 1: { quote: RICH, sizes: [lots("0.1"), 0n] }, 2: { quote: RICH } });
    const h = header(long);
    const ro = (size: string) => sell({ flags: 1, size: lots(size) });
    const bigBuy = buy({ size: lots("1") });
    expectRejected(long, h, tradeOp(ro("0.2"), bigBuy, lots("0.10000001"), PRICE), "REDUCE_ONLY_VIOLATED");
    const r = accept(long, h, [tradeOp(ro("0.2"), bigBuy, lots("0.1"), PRICE)]);
    expect(acct(r, 1).sizes[BTC]).toBe(0n);
    // A reduce-only buy on the other side: the buyer is short and may only buy back.
    const short = makeState({ 1: { quote: RICH }, 2: { quote: RICH, sizes: [-lots("0.01"), 0n] } });
    expectRejected(
      short,
      header(short),
      tradeOp(sell(), buy({ flags: 1 }), lots("0.01000001"), PRICE),
      "REDUCE_ONLY_VIOLATED",
    );
    // Post-only and IOC bits are the sequencer's business: the model accepts them.
    accept(short, header(short), [tradeOp(sell({ flags: 6 }), buy({ flags: 1 | 4 }), lots("0.01"), PRICE)]);
  });

  it("a risk-increasing fill must leave TVs ≥ IMs: exactly IM passes, one unit more is UNDER_MARGINED [I5]", () => {
    // Buyer with 600 USD: 0.1 BTC at the 60,000 mark needs IM 600 (TV stays 600: the fill is at the mark).
    const s = makeState({ 1: { quote: RICH }, 2: { quote: usd("600") } });
    const h = header(s);
    const bigBuy = buy({ size: lots("1") });
    const ok = accept(s, h, [tradeOp(sell({ size: lots("1") }), bigBuy, lots("0.1"), px("60000"))]);
    const m = computeMargin(acct(ok, 2), PARAMS.config, PRICES);
    expect(m.tvS).toBe(m.imS);
    expectRejected(
      s,
      h,
      tradeOp(sell({ size: lots("1") }), bigBuy, lots("0.10000001"), px("60000")),
      "UNDER_MARGINED",
    );
    // The seller side is checked the same way.
    const poorSeller = makeState({ 1: { quote: usd("600") }, 2: { quote: RICH } });
    expectRejected(
      poorSeller,
      header(poorSeller),
      tradeOp(sell({ size: lots("1") }), bigBuy, lots("0.10000001"), px("60000")),
      "UNDER_MARGINED",
    );
  });

  it("a flip is risk-increasing: long 0.1 selling 0.2 needs IM on the new short [I5]", () => {
    // Long 0.1 BTC, quote −5,400: TV 600. Selling 0.2 at the mark leaves short 0.1: TV 600 ≥ IM 600 — passes;
    // with quote −5,400.00000001 it fails, although |size| is unchanged.
    const mk = (q: bigint) => makeState({ 1: { quote: q, sizes: [lots("0.1"), 0n] }, 2: { quote: RICH } });
    const op = tradeOp(sell({ size: lots("0.2") }), buy({ size: lots("0.2") }), lots("0.2"), px("60000"));
    const ok = mk(usd("-5400"));
    accept(ok, header(ok), [op]);
    const bad = mk(usd("-5400") - 1n);
    expectRejected(bad, header(bad), op, "UNDER_MARGINED");
  });

  it("a reducing fill may not leave the account below MM with a lower health ratio [I6]", () => {
    // §7.4's account: long 1 BTC, quote −57,500 at 60,000: TV 2,500 < MM 3,000. Selling 0.5 at 57,500 keeps
    // the ratio (TV' 1,250, MM' 1,500); one price unit lower lowers it while TV' < MM': UNDER_MARGINED.
    const s = makeState({ 1: { quote: usd("-57500"), sizes: [lots("1"), 0n] }, 2: { quote: RICH } });
    const h = header(s);
    const bigBuy = buy({ size: lots("1"), limit: px("60000") });
    const at = (p: bigint) => tradeOp(sell({ size: lots("1"), limit: px("1") }), bigBuy, lots("0.5"), p);
    accept(s, h, [at(px("57500"))]);
    expectRejected(s, h, at(px("57499.99999999")), "UNDER_MARGINED");
    // A healthy account may reduce at a poor price as long as it stays at or above MM.
    const healthy = makeState({ 1: { quote: usd("-56000"), sizes: [lots("1"), 0n] }, 2: { quote: RICH } });
    // TV 4,000; selling 0.5 at 58,000 leaves TV 3,000 ≥ MM' 1,500.
    accept(healthy, header(healthy), [at(px("58000"))]);
  });

  it("a size leaving Int64: OUT_OF_RANGE [I11]", () => {
    const max = (1n << 63n) - 1n;
    const s = makeState({ 1: { quote: RICH }, 2: { quote: RICH, sizes: [0n, max - 10n] } });
    const op = tradeOp(
      sell({ market: ETHP, limit: 1n, size: 100n }),
      buy({ market: ETHP, limit: 1n, size: 100n }),
      11n,
      1n,
    );
    expectRejected(s, header(s), op, "OUT_OF_RANGE", [], /size\[1\]/);
  });

  it("a quote balance leaving Int96 (seller's proceeds or the fund's fees): OUT_OF_RANGE [I11]", () => {
    const top = (1n << 95n) - 1n;
    const s = makeState({ 1: { quote: top }, 2: { quote: RICH } });
    expectRejected(s, header(s), tradeOp(sell(), buy(), 1n, PRICE), "OUT_OF_RANGE", [], /quote balance/);
    const f = makeState({ 0: { quote: top }, 1: { quote: RICH }, 2: { quote: RICH } });
    expectRejected(
      f,
      header(f),
      tradeOp(sell(), buy(), FILL, PRICE, 1n, 0n),
      "OUT_OF_RANGE",
      [],
      /quote balance/,
    );
  });
});
