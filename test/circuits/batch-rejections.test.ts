// Every rejection of the protocol model has a circuit counterpart (PROTOCOL §7, §11): the op the model rejects, put
// into the slot where the model rejected it (reading the same state), has no witness — and the witness calculator
// stops at the circuit line tagged with the model's error code, not somewhere downstream. Rules that are structural
// in the circuit (a market or forced-request kind fixed by the signed message or the opcode) fail where that
// structure binds: the signature, or the public input.
import { beforeAll, describe, expect, it } from "vitest";
import {
  BatchBuilder,
  FIELD_MODULUS,
  ForcedKind,
  Opcode,
  RiskConfig,
  forcedHashStep,
  isProtocolError,
  publicInputHash,
  type Op,
  type ProtocolErrorCode,
} from "../../protocol/index.js";
import { buildBabyjub } from "circomlibjs";
import { simPrices } from "../../client/sim/markets.js";
import {
  batchWitness,
  cloneInputs,
  type BatchInputs,
  type BatchWitness,
} from "../../circuits/tooling/batchWitness.js";
import { batchCircuit, expectRejectedAt, site, UNIT, USD, World, type Site } from "./batch-world.js";
import type { Circuit } from "./harness/index.js";

const BTC = 0;
const ETH = 1;
const WETH = 1;
const WBTC = 2;

/**
 * Trading world: fund and accounts 1–5 hold 1,000,000 USD (1 also 100 WETH, 2 also 10 WBTC); account 6 holds
 * 10,000 USD and 1 WBTC and is long 3 BTC bought from 1 at 60,000; account 2 is long 2 BTC from 1, its slot 0 at
 * nonce 2. Account 7 is unregistered.
 */
function tradeWorld(): World {
  const w = new World("rejections", 8);
  const M = 1_000_000n * UNIT;
  w.commit([w.deposit(0, 0, M), w.deposit(1, 0, M), w.deposit(2, 0, M), w.deposit(3, 0, M)]);
  w.commit([
    w.deposit(4, 0, M),
    w.deposit(5, 0, M),
    w.deposit(1, WETH, 100n * UNIT),
    w.deposit(2, WBTC, 10n * UNIT),
  ]);
  w.commit([w.deposit(6, 0, 10_000n * UNIT), w.deposit(6, WBTC, UNIT)]);
  const sell = (n: number, size = 2n * UNIT) =>
    w.order(1, { slot: n, buy: false, size, limit: 60_000n * UNIT });
  w.commit([
    w.trade(
      sell(0),
      w.order(2, { slot: 0, nonce: 2, buy: true, size: 2n * UNIT, limit: 60_000n * UNIT }),
      2n * UNIT,
      60_000n * UNIT,
    ),
    w.trade(
      sell(1, 3n * UNIT),
      w.order(6, { buy: true, size: 3n * UNIT, limit: 60_000n * UNIT }),
      3n * UNIT,
      60_000n * UNIT,
    ),
  ]);
  return w;
}

/**
 * Liquidation world at BTC 56,000: account 3 (10,000 USD) bought 1.5 BTC from 1 at 60,000, so TV = 10000 − 90000
 * + 84000 = 4000 < MM = 84000·5% = 4200; the zero price is 56000·(1 − 0.05·4000/4200) ≈ 53,333. Account 4 holds
 * 100 USD; the fund 1,000,000 USD. At BTC 50,000 account 3 is bankrupt (TV −5000), which the fund can cover.
 */
function liquidationWorld(fundUsd: bigint): World {
  const w = new World(`liquidation-${fundUsd}`, 8);
  w.commit([
    w.deposit(0, 0, fundUsd * UNIT),
    w.deposit(1, 0, 1_000_000n * UNIT),
    w.deposit(3, 0, 10_000n * UNIT),
    w.deposit(4, 0, 100n * UNIT),
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
  return w;
}

interface Case {
  readonly name: string;
  readonly code: ProtocolErrorCode;
  /** The rejected op, in context, as a circuit witness. */
  readonly witness: () => BatchWitness;
  /** Where the circuit must refuse; several when one bad value breaks several rules (the first to run wins). */
  readonly sites: readonly Site[];
}

describe("rejections: the model refuses an op ⇒ the circuit has no witness, at that rule", () => {
  let c: Circuit;
  let tw: World;
  let lw: World;
  let dw: World;
  beforeAll(async () => {
    c = await batchCircuit();
    tw = tradeWorld();
    lw = liquidationWorld(1_000_000n);
    dw = liquidationWorld(1_000n);
    dw.prices = simPrices(dw.params, { BTC: "50000", WBTC: "50000" });
  });

  // TRADE in the trading world: maker 3 sells 1 BTC, taker 4 buys, at 60,000 with fees 12 and 30 USD (caps 60).
  const maker = (o: Partial<Parameters<World["order"]>[1]> = {}, signer = 3) =>
    tw.order(3, { slot: 1, buy: false, size: UNIT, limit: 60_000n * UNIT, ...o }, signer);
  const taker = (o: Partial<Parameters<World["order"]>[1]> = {}, who = 4, signer = who) =>
    tw.order(who, { slot: 1, buy: true, size: UNIT, limit: 61_000n * UNIT, ...o }, signer);
  const trade = (
    m = maker(),
    t = taker(),
    fill = UNIT,
    price = 60_000n * UNIT,
    fees: [bigint, bigint] = [12n * USD, 30n * USD],
  ): Op => tw.trade(m, t, fill, price, fees);
  const inTrade = (bad: () => Op, code: ProtocolErrorCode) => () => tw.rejected([], bad(), code);
  const op = (name: string, tag: string) => site.op(name, tag);

  const cases: Case[] = [
    // ---- TRADE
    {
      name: "a tampered maker signature",
      code: "BAD_SIGNATURE",
      witness: inTrade(() => {
        const m = maker();
        return trade({ ...m, signature: { ...m.signature, S: m.signature.S + 1n } });
      }, "BAD_SIGNATURE"),
      sites: [site.signature()],
    },
    {
      name: "a taker order signed by another account's key",
      code: "BAD_SIGNATURE",
      witness: inTrade(() => trade(maker(), taker({}, 4, 5)), "BAD_SIGNATURE"),
      sites: [site.signature()],
    },
    {
      name: "orders for different markets (the taker signed ETH; the slot's market is BTC)",
      code: "MARKET_MISMATCH",
      witness: inTrade(() => trade(maker(), taker({ market: ETH })), "MARKET_MISMATCH"),
      sites: [site.signature()],
    },
    {
      name: "a market that does not exist",
      code: "UNKNOWN_MARKET",
      witness: inTrade(() => trade(maker({ market: 2 }), taker({ market: 2 })), "UNKNOWN_MARKET"),
      sites: [site.slot("UNKNOWN_MARKET")],
    },
    {
      name: "two buyers",
      code: "SAME_SIDE",
      witness: inTrade(() => trade(maker({ buy: true, limit: 61_000n * UNIT }), taker()), "SAME_SIDE"),
      sites: [op("trade", "SAME_SIDE")],
    },
    {
      name: "an account trading with itself",
      code: "SAME_ACCOUNT",
      witness: inTrade(() => trade(maker(), taker({ slot: 2 }, 3)), "SAME_ACCOUNT"),
      sites: [op("trade", "SAME_ACCOUNT")],
    },
    {
      name: "an order expiring at the batch time [I15]",
      code: "ORDER_EXPIRED",
      witness: inTrade(() => trade(maker({ expiry: tw.time + 60n })), "ORDER_EXPIRED"),
      sites: [site.order("ORDER_EXPIRED")],
    },
    {
      name: "an order older than its slot's nonce [I9]",
      code: "ORDER_REPLAYED",
      witness: inTrade(() => trade(maker(), taker({ slot: 0, nonce: 1 }, 2)), "ORDER_REPLAYED"),
      sites: [site.order("ORDER_REPLAYED")],
    },
    {
      name: "a fill beyond the order's size [I9]",
      code: "OVERFILL",
      witness: inTrade(() => trade(maker(), taker({ size: UNIT / 2n })), "OVERFILL"),
      sites: [site.order("OVERFILL")],
    },
    {
      name: "a price above the buyer's limit",
      code: "PRICE_OUTSIDE_LIMIT",
      witness: inTrade(() => trade(maker(), taker({ limit: 59_000n * UNIT })), "PRICE_OUTSIDE_LIMIT"),
      sites: [site.order("PRICE_OUTSIDE_LIMIT")],
    },
    {
      name: "a fee above the signed cap [I16]",
      code: "FEE_TOO_HIGH",
      witness: inTrade(
        () => trade(maker(), taker(), UNIT, 60_000n * UNIT, [12n * USD, 60n * USD + 1n]),
        "FEE_TOO_HIGH",
      ),
      sites: [site.order("FEE_TOO_HIGH")],
    },
    {
      name: "a reduce-only order that opens a position [I17]",
      code: "REDUCE_ONLY_VIOLATED",
      witness: inTrade(() => trade(maker(), taker({ flags: 1 })), "REDUCE_ONLY_VIOLATED"),
      sites: [op("trade", "REDUCE_ONLY_VIOLATED")],
    },
    {
      name: "a risk-increasing fill below initial margin [I5]",
      code: "UNDER_MARGINED",
      witness: inTrade(
        () =>
          trade(maker({ size: 100n * UNIT }), taker({ size: 100n * UNIT }), 100n * UNIT, 60_000n * UNIT, [
            0n,
            0n,
          ]),
        "UNDER_MARGINED",
      ),
      sites: [op("trade", "UNDER_MARGINED")],
    },
    {
      name: "an unregistered taker (its zero key cannot verify either)",
      code: "ACCOUNT_NOT_REGISTERED",
      witness: inTrade(() => trade(maker(), taker({}, 7, 4)), "ACCOUNT_NOT_REGISTERED"),
      sites: [op("trade", "ACCOUNT_NOT_REGISTERED"), site.signature()],
    },
    {
      name: "a zero fill",
      code: "OUT_OF_RANGE",
      witness: inTrade(() => trade(maker(), taker(), 0n, 60_000n * UNIT, [0n, 0n]), "OUT_OF_RANGE"),
      sites: [op("trade", "OUT_OF_RANGE (fill)")],
    },
    {
      name: "a price of 2^56",
      code: "OUT_OF_RANGE",
      witness: inTrade(() => trade(maker(), taker(), UNIT, 1n << 56n, [0n, 0n]), "OUT_OF_RANGE"),
      sites: [site.slot("OUT_OF_RANGE (price)")],
    },
    {
      name: "a maker fee of 2^95",
      code: "OUT_OF_RANGE",
      witness: inTrade(() => trade(maker(), taker(), UNIT, 60_000n * UNIT, [1n << 95n, 0n]), "OUT_OF_RANGE"),
      sites: [site.slot("OUT_OF_RANGE (feeA)")],
    },

    // ---- WITHDRAW
    {
      name: "a withdrawal signed by another key",
      code: "BAD_SIGNATURE",
      witness: inTrade(() => tw.withdraw(5, 0, 100n * UNIT, 0n, 4), "BAD_SIGNATURE"),
      sites: [site.signature()],
    },
    {
      name: "a withdrawal nonce that is not the account's [I9]",
      code: "BAD_NONCE",
      witness: inTrade(() => tw.withdraw(5, 0, 100n * UNIT, 1n), "BAD_NONCE"),
      sites: [op("withdraw", "BAD_NONCE")],
    },
    {
      name: "a replayed withdrawal (nonce 0 spent in the same batch) [I9]",
      code: "BAD_NONCE",
      witness: () =>
        tw.rejected([tw.withdraw(5, 0, 100n * UNIT, 0n)], tw.withdraw(5, 0, 100n * UNIT, 0n), "BAD_NONCE"),
      sites: [op("withdraw", "BAD_NONCE")],
    },
    {
      name: "more quote than the account holds (quote is never borrowed)",
      code: "INSUFFICIENT_BALANCE",
      witness: inTrade(() => tw.withdraw(5, 0, 2_000_000n * UNIT), "INSUFFICIENT_BALANCE"),
      sites: [op("withdraw", "INSUFFICIENT_BALANCE")],
    },
    {
      name: "collateral the account does not hold",
      code: "INSUFFICIENT_BALANCE",
      witness: inTrade(() => tw.withdraw(5, WETH, UNIT), "INSUFFICIENT_BALANCE"),
      sites: [op("withdraw", "INSUFFICIENT_BALANCE")],
    },
    {
      name: "collateral backing a position: TV' = 10,000 < IM 18,000 [I5]",
      code: "UNDER_MARGINED",
      witness: inTrade(() => tw.withdraw(6, WBTC, UNIT), "UNDER_MARGINED"),
      sites: [op("withdraw", "UNDER_MARGINED")],
    },
    {
      name: "an asset that does not exist",
      code: "UNKNOWN_ASSET",
      witness: inTrade(() => tw.withdraw(5, 3, UNIT), "UNKNOWN_ASSET"),
      sites: [site.slot("UNKNOWN_ASSET")],
    },
    {
      name: "a zero withdrawal",
      code: "OUT_OF_RANGE",
      witness: inTrade(() => tw.withdraw(5, 0, 0n), "OUT_OF_RANGE"),
      sites: [op("withdraw", "OUT_OF_RANGE")],
    },
    {
      name: "a withdrawal from an unregistered account",
      code: "ACCOUNT_NOT_REGISTERED",
      witness: inTrade(() => tw.withdraw(7, 0, UNIT, 0n, 4), "ACCOUNT_NOT_REGISTERED"),
      sites: [op("withdraw", "ACCOUNT_NOT_REGISTERED"), site.signature()],
    },

    // ---- DEPOSIT (only forged deposits: the contract admits none of these)
    {
      name: "a deposit of 2^63",
      code: "OUT_OF_RANGE",
      witness: inTrade(() => tw.deposit(5, 0, 1n << 63n), "OUT_OF_RANGE"),
      sites: [site.slot("OUT_OF_RANGE (amount)")],
    },
    {
      name: "a zero deposit",
      code: "OUT_OF_RANGE",
      witness: inTrade(() => tw.deposit(5, 0, 0n), "OUT_OF_RANGE"),
      sites: [op("deposit", "OUT_OF_RANGE")],
    },
    {
      name: "a depositor address of 2^160",
      code: "OUT_OF_RANGE",
      witness: inTrade(() => ({ ...tw.deposit(5, 0, UNIT), l1Address: 1n << 160n }), "OUT_OF_RANGE"),
      sites: [site.slot("OUT_OF_RANGE (l1Address)")],
    },
    {
      name: "an account index of 2^accountDepth",
      code: "ACCOUNT_INDEX_OUT_OF_RANGE",
      // Index 69 = 64 + 5: the path of leaf 5 with one bit too many (the tree has no path for 69 to build from).
      witness: () => {
        expect(tw.verdict([], { ...tw.deposit(5, 0, UNIT), accountIndex: 69n })).toBe(
          "ACCOUNT_INDEX_OUT_OF_RANGE",
        );
        const w = tw.substituted([], tw.deposit(5, 0, UNIT));
        w.inputs.slots[0]!.index[0] = "69";
        return w;
      },
      sites: [site.merkleIndex()],
    },
    {
      name: "a deposit of an asset that does not exist",
      code: "UNKNOWN_ASSET",
      witness: inTrade(() => tw.deposit(5, 3, UNIT), "UNKNOWN_ASSET"),
      sites: [site.slot("UNKNOWN_ASSET")],
    },

    // ---- FUNDING_SETTLE, forced requests
    {
      name: "settling an unregistered account",
      code: "ACCOUNT_NOT_REGISTERED",
      witness: inTrade(() => tw.settle(7), "ACCOUNT_NOT_REGISTERED"),
      sites: [op("funding_settle", "ACCOUNT_NOT_REGISTERED")],
    },
    {
      name: "a health proof for a liquidatable account [I19]",
      code: "LIQUIDATABLE",
      witness: () => lw.rejected([], lw.forcedCheck(3, 5), "LIQUIDATABLE"),
      sites: [op("forced_liquidation_check", "LIQUIDATABLE")],
    },
    {
      name: "FORCED_WITHDRAW serving a liquidation request (the opcode fixes the kind hashed into the queue)",
      code: "FORCED_MISMATCH",
      witness: inTrade(
        () => ({ opcode: Opcode.FORCED_WITHDRAW, request: tw.forcedRequest(ForcedKind.LIQUIDATION, 5, 5) }),
        "FORCED_MISMATCH",
      ),
      sites: [site.batch("public input mismatch")],
    },

    // ---- LIQUIDATE at BTC 56,000
    {
      name: "liquidating a healthy account [I7]",
      code: "NOT_LIQUIDATABLE",
      witness: () => lw.rejected([], lw.liquidate(1, BTC, UNIT / 10n, 56_000n * UNIT), "NOT_LIQUIDATABLE"),
      sites: [op("liquidate", "NOT_LIQUIDATABLE")],
    },
    {
      name: "a liquidation price beyond the zero price (53,000 < 53,333) [I7]",
      code: "HEALTH_WORSENED",
      witness: () => lw.rejected([], lw.liquidate(3, BTC, UNIT / 2n, 53_000n * UNIT), "HEALTH_WORSENED"),
      sites: [op("liquidate", "HEALTH_WORSENED")],
    },
    {
      name: "a penalty above 1% of the closed notional (cap 280 USD)",
      code: "PENALTY_TOO_HIGH",
      witness: () =>
        lw.rejected([], lw.liquidate(3, BTC, UNIT / 2n, 55_000n * UNIT, 280n * USD + 1n), "PENALTY_TOO_HIGH"),
      sites: [op("liquidate", "PENALTY_TOO_HIGH")],
    },
    {
      name: "closing more than the position",
      code: "NOT_REDUCING",
      witness: () => lw.rejected([], lw.liquidate(3, BTC, 2n * UNIT, 55_000n * UNIT), "NOT_REDUCING"),
      sites: [op("liquidate", "NOT_REDUCING")],
    },
    {
      name: "liquidating a market without a position",
      code: "NOT_REDUCING",
      witness: () => lw.rejected([], lw.liquidate(3, ETH, UNIT, 3_000n * UNIT), "NOT_REDUCING"),
      sites: [op("liquidate", "NOT_REDUCING")],
    },
    {
      name: "liquidating the insurance fund",
      code: "INSURANCE_FUND_FORBIDDEN",
      witness: () => lw.rejected([], lw.liquidate(0, BTC, UNIT, 56_000n * UNIT), "INSURANCE_FUND_FORBIDDEN"),
      sites: [op("liquidate", "INSURANCE_FUND_FORBIDDEN")],
    },
    {
      name: "an account liquidating itself",
      code: "SAME_ACCOUNT",
      witness: () =>
        lw.rejected(
          [],
          lw.liquidate(
            3,
            BTC,
            UNIT / 2n,
            55_000n * UNIT,
            0n,
            lw.order(3, { slot: 1, buy: true, size: UNIT, limit: 55_000n * UNIT }),
          ),
          "SAME_ACCOUNT",
        ),
      sites: [op("liquidate", "SAME_ACCOUNT")],
    },
    {
      name: "a liquidator that cannot margin the position it takes",
      code: "UNDER_MARGINED",
      witness: () =>
        lw.rejected(
          [],
          lw.liquidate(
            3,
            BTC,
            (3n * UNIT) / 2n,
            55_000n * UNIT,
            0n,
            lw.order(4, { buy: true, size: 2n * UNIT, limit: 55_000n * UNIT }),
          ),
          "UNDER_MARGINED",
        ),
      sites: [op("liquidate", "UNDER_MARGINED")],
    },
    {
      name: "a reduce-only liquidator order that opens a position [I17]",
      code: "REDUCE_ONLY_VIOLATED",
      // Account 4 is flat: a reduce-only buy can only open a long, however small (0.001 BTC keeps it above IM).
      witness: () =>
        lw.rejected(
          [],
          lw.liquidate(
            3,
            BTC,
            UNIT / 1000n,
            55_000n * UNIT,
            0n,
            lw.order(4, { buy: true, size: UNIT / 1000n, limit: 55_000n * UNIT, flags: 1 }),
          ),
          "REDUCE_ONLY_VIOLATED",
        ),
      sites: [op("liquidate", "REDUCE_ONLY_VIOLATED (liquidator order)")],
    },
    {
      name: "a liquidator order on the liquidated account's side",
      code: "SAME_SIDE",
      witness: () =>
        lw.rejected(
          [],
          lw.liquidate(
            3,
            BTC,
            UNIT / 2n,
            55_000n * UNIT,
            0n,
            lw.order(1, { slot: 1, buy: false, size: UNIT, limit: 55_000n * UNIT }),
          ),
          "SAME_SIDE",
        ),
      sites: [op("liquidate", "SAME_SIDE")],
    },
    {
      name: "an expired liquidator order",
      code: "ORDER_EXPIRED",
      witness: () =>
        lw.rejected(
          [],
          lw.liquidate(
            3,
            BTC,
            UNIT / 2n,
            55_000n * UNIT,
            0n,
            lw.order(1, { slot: 1, buy: true, size: UNIT, limit: 55_000n * UNIT, expiry: lw.time }),
          ),
          "ORDER_EXPIRED",
        ),
      sites: [site.order("ORDER_EXPIRED")],
    },
    {
      name: "liquidating an unregistered account",
      code: "ACCOUNT_NOT_REGISTERED",
      witness: () => lw.rejected([], lw.liquidate(7, BTC, UNIT, 56_000n * UNIT), "ACCOUNT_NOT_REGISTERED"),
      sites: [op("liquidate", "ACCOUNT_NOT_REGISTERED (L)")],
    },
    {
      name: "a liquidation claiming to serve a withdrawal request [I19]",
      code: "FORCED_MISMATCH",
      // A LIQUIDATE always hashes (FORCED_KIND_LIQUIDATION, L, ...) into the queue, so serving any other request
      // gives another queue hash than the contract's: the honest liquidation with the request attached, checked
      // against the public input the contract would compute after that request, fails only there.
      witness: () => {
        const req = lw.forcedRequest(ForcedKind.WITHDRAWAL, 3, 3, 0, UNIT);
        const liq = lw.liquidate(3, BTC, UNIT / 2n, 55_000n * UNIT);
        expect(lw.verdict([], { ...liq, servesForced: req })).toBe("FORCED_MISMATCH");
        const r = lw.preview([liq]);
        const w = batchWitness(r);
        Object.assign(w.inputs.slots[0]!, {
          servesForced: "1",
          pubKeyX: req.pubKeyX.toString(),
          pubKeyY: req.pubKeyY.toString(),
          asset: String(req.asset),
          amount: req.amount.toString(),
          l1Address: req.l1Address.toString(),
        });
        const forcedHashNew = forcedHashStep(r.publicInputs.forcedHashOld, req);
        w.inputs.publicInputHash = publicInputHash({ ...r.publicInputs, forcedHashNew }).toString();
        return w;
      },
      sites: [site.batch("public input mismatch")],
    },

    // ---- DELEVERAGE at BTC 50,000 (account 3: TV −5000; bankruptcy price 80000/1.5 ≈ 53,333)
    {
      name: "deleveraging a solvent account [I8]",
      code: "NOT_BANKRUPT",
      witness: () => dw.rejected([], dw.deleverage(1, 3, BTC, UNIT, 50_000n * UNIT), "NOT_BANKRUPT"),
      sites: [op("deleverage", "NOT_BANKRUPT")],
    },
    {
      name: "deleveraging while the fund (1,000,000 USD) can cover the deficit [I8]",
      code: "FUND_CAN_COVER",
      witness: () =>
        lw.rejected([], lw.deleverage(3, 1, BTC, UNIT, 50_000n * UNIT), "FUND_CAN_COVER", {
          prices: simPrices(lw.params, { BTC: "50000", WBTC: "50000" }),
        }),
      sites: [op("deleverage", "FUND_CAN_COVER")],
    },
    {
      name: "a counterparty without an opposite position",
      code: "NOT_OPPOSITE",
      witness: () => dw.rejected([], dw.deleverage(3, 4, BTC, UNIT, 50_000n * UNIT), "NOT_OPPOSITE"),
      sites: [op("deleverage", "NOT_OPPOSITE")],
    },
    {
      name: "a price that grows the deficit (49,000 < mark) [I8]",
      code: "DEFICIT_GROWN",
      witness: () => dw.rejected([], dw.deleverage(3, 1, BTC, UNIT, 49_000n * UNIT), "DEFICIT_GROWN"),
      sites: [op("deleverage", "DEFICIT_GROWN")],
    },
    {
      name: "a price beyond the bankruptcy price (54,000) [I8]",
      code: "PRICE_BEYOND_BANKRUPTCY",
      witness: () =>
        dw.rejected([], dw.deleverage(3, 1, BTC, UNIT, 54_000n * UNIT), "PRICE_BEYOND_BANKRUPTCY"),
      sites: [op("deleverage", "PRICE_BEYOND_BANKRUPTCY")],
    },
    {
      name: "closing more than the bankrupt position",
      code: "NOT_REDUCING",
      witness: () => dw.rejected([], dw.deleverage(3, 1, BTC, 2n * UNIT, 53_000n * UNIT), "NOT_REDUCING"),
      sites: [op("deleverage", "NOT_REDUCING")],
    },
    {
      name: "the fund as counterparty",
      code: "INSURANCE_FUND_FORBIDDEN",
      witness: () =>
        dw.rejected([], dw.deleverage(3, 0, BTC, UNIT, 53_000n * UNIT), "INSURANCE_FUND_FORBIDDEN"),
      sites: [op("deleverage", "INSURANCE_FUND_FORBIDDEN")],
    },
    {
      name: "an account deleveraging against itself",
      code: "SAME_ACCOUNT",
      witness: () => dw.rejected([], dw.deleverage(3, 3, BTC, UNIT, 53_000n * UNIT), "SAME_ACCOUNT"),
      sites: [op("deleverage", "SAME_ACCOUNT")],
    },
  ];

  for (const k of cases) {
    it(`${k.code}: ${k.name}`, async () => {
      await expectRejectedAtAny(c, k.witness().inputs, k.sites);
    });
  }

  it("BAD_SIGNATURE: a low-order key (8·A = identity), for which S·B8 = R8 verifies any message, has no witness [I20]", async () => {
    // (0, r − 1) is on Baby Jubjub with order 2. The contract and the model refuse to register it (BAD_PUBLIC_KEY),
    // so the leaf is planted directly: should one ever exist, the model refuses the forgery (BAD_SIGNATURE, as
    // circomlibjs alone would not) and so does the circuit — the two agree.
    const w = new World("low-order", 4);
    w.commit([w.deposit(0, 0, 1_000n * UNIT), w.deposit(2, 0, 1_000n * UNIT)]);
    const planted = w.account(2);
    planted.pubKeyX = 0n;
    planted.pubKeyY = FIELD_MODULUS - 1n;
    w.state.put(2n, planted);
    const S = 12345n;
    const R8 = await base8Times(S);
    const req = { accountIndex: 2n, asset: 0, amount: UNIT, l1Address: w.actor(2).l1Address, nonce: 0n };
    const forged: Op = { opcode: Opcode.WITHDRAW, ...req, signature: { R8x: R8.x, R8y: R8.y, S } };
    await expectRejectedAtAny(c, w.rejected([], forged, "BAD_SIGNATURE").inputs, [site.signature()]);
  });

  // ---- Batch-wide values: the model refuses the header or the config; the circuit, the same edit of an honest
  // witness (checked before any slot runs).
  describe("batch header and config", () => {
    let honest: BatchInputs;
    beforeAll(() => {
      const b = new BatchBuilder(tw.state, tw.header());
      b.apply(trade(maker(), taker(), UNIT, 60_000n * UNIT));
      honest = batchWitness(b.finish()).inputs;
    });
    const modelRefuses = (f: () => unknown, code: ProtocolErrorCode): void => {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err && isProtocolError(err) ? err.code : err).toBe(code);
    };
    const edited = (f: (i: BatchInputs) => void): BatchInputs => {
      const i = cloneInputs(honest);
      f(i);
      return i;
    };

    it("FUNDING_STEP_TOO_LARGE: an index move beyond P·maxFundingStep (60 USD at BTC 60,000)", async () => {
      const step = (60_000n * UNIT * 1_000n) / 1_000_000n;
      modelRefuses(
        () => new BatchBuilder(tw.state, tw.header({ fundingIndices: [step + 1n, 0n] })),
        "FUNDING_STEP_TOO_LARGE",
      );
      new BatchBuilder(tw.state, tw.header({ fundingIndices: [step, 0n] })); // the bound itself is allowed
      await expectRejectedAtAny(
        c,
        edited((i) => (i.fundingNew[0] = (step + 1n).toString())),
        [site.batch("FUNDING_STEP_TOO_LARGE")],
      );
    });

    it("BAD_PRICE: a market price of 0, a collateral price of 2^56", async () => {
      const prices = tw.prices;
      modelRefuses(
        () =>
          new BatchBuilder(tw.state, tw.header({ prices: { ...prices, markets: [0n, prices.markets[1]!] } })),
        "BAD_PRICE",
      );
      modelRefuses(
        () =>
          new BatchBuilder(
            tw.state,
            tw.header({ prices: { ...prices, collaterals: [1n << 56n, prices.collaterals[1]!] } }),
          ),
        "BAD_PRICE",
      );
      await expectRejectedAtAny(
        c,
        edited((i) => (i.marketPrices[0] = "0")),
        [site.batch("BAD_PRICE")],
      );
      await expectRejectedAtAny(
        c,
        edited((i) => (i.collateralPrices[0] = (1n << 56n).toString())),
        [site.batch("BAD_PRICE")],
      );
    });

    it("BAD_CONFIG: an initial margin rate below the maintenance rate", async () => {
      const cfg = tw.params.config;
      const m0 = cfg.markets[0]!;
      const bad = { ...m0, tiers: [{ ...m0.tiers[0]!, imr: m0.tiers[0]!.mmr - 1n }, ...m0.tiers.slice(1)] };
      modelRefuses(() => new RiskConfig([bad, ...cfg.markets.slice(1)], cfg.collaterals), "BAD_CONFIG");
      await expectRejectedAtAny(
        c,
        edited((i) => (i.imr[0]![0] = (m0.tiers[0]!.mmr - 1n).toString())),
        [site.batch("BAD_CONFIG")],
      );
    });

    it("an opcode outside 0..8 (the model: OUT_OF_RANGE)", async () => {
      const b = new BatchBuilder(tw.state, tw.header());
      const err = b.check({ opcode: 9 } as unknown as Op);
      expect(err && isProtocolError(err) ? err.code : err).toBe("OUT_OF_RANGE");
      await expectRejectedAtAny(
        c,
        edited((i) => (i.slots[1]!.opcode = "9")),
        [site.slot("OUT_OF_RANGE (unknown opcode)")],
      );
    });

    it("[I14] a wrong old root, a forged fund leaf, a forged account leaf, a wrong sibling, a wrong order-slot sibling", async () => {
      await expectRejectedAtAny(
        c,
        edited((i) => (i.oldRoot = "1")),
        [site.batch("wrong oldRoot")],
      );
      await expectRejectedAtAny(
        c,
        edited((i) => (i.fundBefore.quote = "1")),
        [site.batch("wrong oldRoot")],
      );
      // A richer maker than the tree holds: its leaf is not under the root.
      const quote = BigInt(honest.slots[0]!.before[0]!.quote);
      await expectRejectedAtAny(
        c,
        edited((i) => (i.slots[0]!.before[0]!.quote = (quote + USD).toString())),
        [site.merkle()],
      );
      await expectRejectedAtAny(
        c,
        edited((i) => (i.slots[0]!.siblings[1]![2] = "7")),
        [site.merkle()],
      );
      await expectRejectedAtAny(
        c,
        edited((i) => (i.slots[0]!.slotSiblings[0]![1] = "7")),
        [site.merkle()],
      );
    });

    it("a public input that is not the batch's", async () => {
      await expectRejectedAtAny(
        c,
        edited((i) => (i.publicInputHash = "12345")),
        [site.batch("public input mismatch")],
      );
    });
  });
});

/** S·B8 on Baby Jubjub (circomlibjs is untyped: this is its one use here). */
async function base8Times(scalar: bigint): Promise<{ x: bigint; y: bigint }> {
  const bj = (await buildBabyjub()) as {
    Base8: unknown;
    F: { toObject(v: unknown): bigint };
    mulPointEscalar(p: unknown, e: bigint): [unknown, unknown];
  };
  const p = bj.mulPointEscalar(bj.Base8, scalar);
  return { x: bj.F.toObject(p[0]), y: bj.F.toObject(p[1]) };
}

async function expectRejectedAtAny(c: Circuit, inputs: BatchInputs, sites: readonly Site[]): Promise<void> {
  const failures: string[] = [];
  for (const s of sites) {
    try {
      await expectRejectedAt(c, inputs, s);
      return;
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
  }
  throw new Error(failures.join("\n---\n"));
}
