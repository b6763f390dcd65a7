// Model-level property test: random but mostly-valid op sequences (deposits, trades between registered accounts,
// price moves with funding ticks, the liquidations an engine would attempt, deleverages, withdrawals, settlements)
// run through BatchBuilder, with the §12 invariants checked after every accepted op, every rejection and every
// batch. Margin checks use the bracket-sum oracle (fixtures.naiveMargin), not the model's own margin code.
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  AMOUNT_SCALE,
  Account,
  BatchBuilder,
  L1Effect,
  Opcode,
  ProtocolError,
  RATE_SCALE,
  emptyAccountHash,
  parseOp,
  serializeOp,
  verifyProof,
  type BatchHeader,
  type BatchResult,
  type Op,
  type RollupState,
  type SerializedOp,
  type SignedOrder,
  type SlotRecord,
} from "../../protocol/index.js";
import {
  KEYS,
  NOW,
  PARAMS,
  PRICES,
  PUBS,
  SIZES,
  depositOp,
  lots,
  makeState,
  naiveMargin,
  naiveMerkleRoot,
  settledQuote,
  shown,
  signedOrder,
  withdrawOp,
  type NaiveMargin,
} from "./fixtures.js";

// ---------------------------------------------------------------- the cast

/** Traders at scattered leaves (so the tree is sparse), each with its own key; index 0 is the fund (KEYS[0]). */
const TRADERS = [1n, 2n, 7n, 33n, 62n];
const ALL = [0n, ...TRADERS];
const keyOf = (i: bigint) => KEYS[i === 0n ? 0 : TRADERS.indexOf(i) + 1]!;
const pubOf = (i: bigint) => PUBS[i === 0n ? 0 : TRADERS.indexOf(i) + 1]!;
const cfg = PARAMS.config;
const EMPTY_LEAF = emptyAccountHash(SIZES);

/** Order sizes small enough that slots fill up (exercising OVERFILL and the newer-nonce restart [I9]). */
const ORDER_SIZE = [lots("2"), lots("40")];
const MAX_FEE = 1000n; // 0.1 %
const slotOf = (m: number, isBuy: boolean) => BigInt(2 * m + (isBuy ? 0 : 1));

/** A standing order with no binding limit or expiry: limits and expiry are unit-tested; here fills matter. */
function standingOrder(acct: bigint, m: number, isBuy: boolean, nonce: bigint): SignedOrder {
  return signedOrder({
    account: acct,
    market: m,
    isBuy,
    size: ORDER_SIZE[m]!,
    limit: isBuy ? (1n << 56n) - 1n : 1n,
    slot: slotOf(m, isBuy),
    nonce,
    expiry: (1n << 40n) - 1n,
    maxFee: MAX_FEE,
    key: keyOf(acct),
  });
}

// ---------------------------------------------------------------- commands

const pick = fc.nat({ max: 1000 });
/** How one liquidation attempt is priced: at the mark, at the flat-rate zero price, or up to ±1 % off the mark. */
const liqParams = {
  market: pick,
  fracBp: fc.integer({ min: 1, max: 10_000 }),
  priceMode: fc.nat({ max: 2 }),
  off: fc.integer({ min: -100, max: 100 }),
  useOrder: fc.boolean(),
  k: pick,
  penaltyPct: fc.oneof(fc.constant(0), fc.nat({ max: 100 })),
};
const arbCmd = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant("trade" as const),
      maker: pick,
      taker: pick,
      market: fc.nat({ max: 1 }),
      makerBuys: fc.boolean(),
      size: fc.oneof(fc.integer({ min: 70, max: 100 }), fc.integer({ min: 1, max: 100 })),
      off: fc.integer({ min: -50, max: 50 }),
      makerFeePct: fc.nat({ max: 100 }),
      takerFeePct: fc.nat({ max: 100 }),
      stale: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("tick" as const),
      squeeze: fc.option(fc.integer({ min: -2, max: 3 })),
      engine: fc.array(fc.record(liqParams), { maxLength: 3 }),
      moves: fc.array(fc.integer({ min: -800, max: 800 }), { minLength: 3, maxLength: 3 }),
      fund: fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 2, maxLength: 2 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("liquidate" as const), who: pick, ...liqParams }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("deleverage" as const), who: pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("withdraw" as const),
      who: pick,
      asset: fc.nat({ max: 2 }),
      fracBp: fc.integer({ min: 1, max: 12_000 }),
      replay: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("deposit" as const),
      who: pick,
      asset: fc.nat({ max: 2 }),
      amount: fc.integer({ min: 1, max: 20_000 }),
      wrongKey: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("settle" as const), who: pick }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("settleAll" as const) }) },
);
type Cmd = typeof arbCmd extends fc.Arbitrary<infer T> ? T : never;

const arbInit = fc.record({
  quoteUsd: fc.array(fc.integer({ min: 2_000, max: 50_000 }), {
    minLength: TRADERS.length,
    maxLength: TRADERS.length,
  }),
  eth: fc.array(fc.integer({ min: 0, max: 10 }), { minLength: TRADERS.length, maxLength: TRADERS.length }),
  fundUsd: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 200_000 })),
});

// ---------------------------------------------------------------- the simulator

const stats = {
  accepted: new Map<number, number>(),
  rejected: new Map<string, number>(),
  batches: 0,
  settledAll: 0,
};
const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

const abs = (x: bigint) => (x < 0n ? -x : x);
const hashes = (as: readonly Account[]) => as.map((a) => a.hash());

class Sim {
  state: RollupState = makeState();
  hdr: BatchHeader = { batchTime: NOW, prices: PRICES, fundingIndices: [0n, 0n] };
  b = new BatchBuilder(this.state, this.hdr);
  /** Credited − withdrawn per asset id (Amount units), from the slot records [I1]. */
  readonly ledger = [0n, 0n, 0n];
  /** Per (account, slot): the nonce the trader now uses, and how much of it the model has seen filled [I9]. */
  readonly slots = new Map<string, { nonce: bigint; filled: bigint; leafNonce: bigint }>();

  // ---- batches

  private finishBatch(last = false): void {
    const r = this.b.finish();
    this.checkBatch(r, last);
    this.state = r.state;
    stats.batches++;
  }

  /** Next batch at the same prices and indices (only time moves). */
  rotate(): void {
    this.finishBatch();
    this.hdr = { ...this.hdr, batchTime: this.hdr.batchTime + 1n };
    this.b = new BatchBuilder(this.state, this.hdr);
  }

  close(): void {
    this.finishBatch(true);
  }

  view(): Account[] {
    return ALL.map((i) => this.b.account(i));
  }

  margin(a: Account): NaiveMargin {
    return naiveMargin(a, cfg, this.hdr.prices, this.hdr.fundingIndices);
  }

  // ---- applying one op

  apply(op: Op, expectCode?: string): SlotRecord | null {
    // Every op the sequencer would persist survives its JSON form unchanged.
    const json = JSON.stringify(serializeOp(op));
    expect(JSON.stringify(serializeOp(parseOp(JSON.parse(json) as SerializedOp)))).toBe(json);
    if (this.b.full) this.rotate();
    const before = this.view();
    const size = this.b.size;
    let rec: SlotRecord;
    try {
      rec = this.b.apply(op);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      bump(stats.rejected, e.code);
      // [I18] a rejected op leaves every account and the batch as they were.
      expect(this.b.size).toBe(size);
      expect(hashes(this.view())).toEqual(hashes(before));
      if (expectCode) expect(e.code).toBe(expectCode);
      return null;
    }
    if (expectCode) expect.fail(`expected ${expectCode}, op was accepted`);
    bump(stats.accepted, op.opcode);
    this.checkOp(op, rec);
    this.checkGlobal();
    return rec;
  }

  // ---- invariants

  /** [I1] conservation, [I3] open interest, [I11] bounds — over every account after every accepted op. */
  checkGlobal(): void {
    const v = this.view();
    const I = this.hdr.fundingIndices;
    expect(v.reduce((t, a) => t + settledQuote(a, I), 0n)).toBe(this.ledger[0]! * AMOUNT_SCALE);
    for (let c = 0; c < SIZES.collaterals; c++) {
      expect(v.reduce((t, a) => t + a.balances[c]!, 0n)).toBe(this.ledger[c + 1]);
    }
    for (let m = 0; m < SIZES.markets; m++) expect(v.reduce((t, a) => t + a.sizes[m]!, 0n)).toBe(0n);
    for (const a of v) {
      expect(a.quote >= -(1n << 95n) && a.quote < 1n << 95n).toBe(true);
      expect(a.balances.every((x) => x >= 0n && x < 1n << 64n)).toBe(true);
      expect(a.sizes.every((x) => x >= -(1n << 63n) && x < 1n << 63n)).toBe(true);
      expect(a.nonce >= 0n && a.nonce < 1n << 32n).toBe(true);
    }
  }

  /** R of PROTOCOL §7, restated [I5][I6]. */
  private checkFillRule(before: Account, after: Account, m: number): void {
    const sb = before.sizes[m]!;
    const sa = after.sizes[m]!;
    const increasing = sa !== 0n && (sb === 0n || sb > 0n !== sa > 0n || abs(sa) > abs(sb));
    const mb = this.margin(before);
    const ma = this.margin(after);
    if (increasing) {
      expect(ma.tvS >= ma.imS, "[I5] risk-increasing fill below IM").toBe(true);
    } else {
      const B = shown(mb);
      const A = shown(ma);
      expect(
        ma.tvS >= ma.mmS || A.tv * B.mm >= B.tv * A.mm,
        "[I6] reducing fill lowered health below MM",
      ).toBe(true);
    }
  }

  /** [I2] quote (funding-settled) and size per market sum to 0 over the slot's writes. */
  private checkZeroSum(rec: SlotRecord): void {
    const I = this.hdr.fundingIndices;
    const w = rec.writes;
    expect(w.reduce((t, x) => t + settledQuote(x.after, I) - settledQuote(x.before, I), 0n)).toBe(0n);
    for (let m = 0; m < SIZES.markets; m++) {
      expect(w.reduce((t, x) => t + x.after.sizes[m]! - x.before.sizes[m]!, 0n)).toBe(0n);
    }
  }

  private write(rec: SlotRecord, i: bigint) {
    const w = rec.writes.find((x) => x.index === i);
    expect(w, `write of account ${i}`).toBeDefined();
    return w!;
  }

  checkOp(op: Op, rec: SlotRecord): void {
    for (const w of rec.writes) if (w.index === 0n) expect(w.siblings).toBeNull(); // [I13]
    switch (op.opcode) {
      case Opcode.TRADE: {
        this.checkZeroSum(rec);
        for (const [so, fee] of [
          [op.maker, op.makerFee],
          [op.taker, op.takerFee],
        ] as const) {
          const o = so.order;
          const w = this.write(rec, o.accountIndex);
          this.checkFillRule(w.before, w.after, o.market);
          expect(fee * RATE_SCALE <= op.fill * op.price * o.maxFee, "[I16]").toBe(true);
          // [I9] the model's own fill count for (account, slot, nonce), never above the order's size.
          const st = this.slots.get(`${o.accountIndex}:${o.slot}`)!;
          st.filled += op.fill;
          st.leafNonce = o.nonce;
          expect(w.after.slot(o.slot)).toEqual({ nonce: o.nonce, filled: st.filled });
          expect(st.filled <= o.size).toBe(true);
        }
        break;
      }
      case Opcode.LIQUIDATE: {
        this.checkZeroSum(rec);
        const L = this.write(rec, op.accountIndex);
        const mb = this.margin(L.before);
        const ma = this.margin(L.after);
        expect(mb.tvS < mb.mmS, "[I7] only a liquidatable account").toBe(true);
        L.before.sizes.forEach((s, m) => {
          const s2 = L.after.sizes[m]!;
          if (m !== op.market) expect(s2).toBe(s);
          else expect(s2 * s >= 0n && abs(s2) < abs(s), "[I7] only by reducing").toBe(true);
        });
        const B = shown(mb);
        const A = shown(ma);
        expect(A.tv * B.mm >= B.tv * A.mm, "[I7] ratio never decreases").toBe(true);
        const ki = op.liquidator ? op.liquidator.order.accountIndex : 0n;
        const K = this.write(rec, ki);
        this.checkFillRule(K.before, K.after, op.market);
        if (op.liquidator) {
          const st = this.slots.get(`${ki}:${op.liquidator.order.slot}`)!;
          st.filled += op.fill;
          st.leafNonce = op.liquidator.order.nonce;
          expect(K.after.slot(op.liquidator.order.slot).filled).toBe(st.filled);
        }
        break;
      }
      case Opcode.DELEVERAGE: {
        this.checkZeroSum(rec);
        const A = this.write(rec, op.accountIndex);
        const mb = this.margin(A.before);
        const ma = this.margin(A.after);
        // A deleverage never touches the fund, so its register now is what the op saw.
        const fund = this.b.account(0n);
        expect(mb.tvS < 0n, "[I8] only a bankrupt account").toBe(true);
        expect(fund.quote * RATE_SCALE + mb.tvS < 0n, "[I8] the fund cannot cover").toBe(true);
        expect(ma.tvS >= mb.tvS, "[I8] deficit never grows").toBe(true);
        const s = abs(A.before.sizes[op.market]!);
        expect(ma.tvS * s <= mb.tvS * (s - op.fill), "[I8] no better than the bankruptcy price").toBe(true);
        const Bw = this.write(rec, op.counterparty);
        this.checkFillRule(Bw.before, Bw.after, op.market);
        break;
      }
      case Opcode.WITHDRAW: {
        const w = this.write(rec, op.accountIndex);
        const ma = this.margin(w.after);
        expect(ma.tvS >= ma.imS, "[I5] withdrawal leaves IM").toBe(true);
        expect(w.after.nonce).toBe(op.nonce + 1n);
        expect(rec.l1Effect).toEqual({
          kind: L1Effect.WITHDRAWAL,
          l1Address: op.l1Address,
          asset: op.asset,
          amount: op.amount,
        });
        this.ledger[op.asset] = this.ledger[op.asset]! - op.amount;
        break;
      }
      case Opcode.DEPOSIT: {
        // [I12] consumed in order whatever happens; credited, or refunded in full.
        expect(rec.depositHashAfter).not.toBe(rec.depositHashBefore);
        if (rec.writes.length === 0) {
          expect(rec.l1Effect).toEqual({
            kind: L1Effect.DEPOSIT_REFUND,
            l1Address: op.l1Address,
            asset: op.asset,
            amount: op.amount,
          });
          bump(stats.rejected, "refund");
        } else {
          const w = this.write(rec, op.accountIndex);
          expect(this.margin(w.after).tvS >= this.margin(w.before).tvS).toBe(true);
          this.ledger[op.asset] = this.ledger[op.asset]! + op.amount;
        }
        break;
      }
      case Opcode.FUNDING_SETTLE: {
        const w = this.write(rec, op.accountIndex);
        expect(this.margin(w.after).tvS).toBe(this.margin(w.before).tvS);
        expect(w.after.fundingIndices).toEqual([...this.hdr.fundingIndices]);
        break;
      }
      default:
        break;
    }
  }

  /** [I14] after every batch: the root equals a naive full tree over the stored leaves, every stored leaf's proof
   * verifies and a changed leaf does not. At the end of a run, every account also survives a JSON round trip. */
  checkBatch(r: BatchResult, roundTrip: boolean): void {
    const s = r.state;
    const leaves = Array<bigint>(1 << SIZES.accountDepth).fill(EMPTY_LEAF);
    for (const [i, a] of s.accounts) leaves[Number(i)] = a.hash();
    expect(naiveMerkleRoot(leaves)).toBe(s.root);
    for (const [i, a] of s.accounts) {
      const p = s.tree.proof(i);
      expect(p.leaf).toBe(leaves[Number(i)]);
      expect(verifyProof(s.root, SIZES.accountDepth, p)).toBe(true);
      expect(verifyProof(s.root, SIZES.accountDepth, { ...p, leaf: p.leaf + 1n })).toBe(false);
      if (roundTrip)
        expect(Account.parse(JSON.parse(JSON.stringify(a.serialize())), SIZES).hash()).toBe(
          leaves[Number(i)],
        );
    }
  }

  // ---- orders

  /** The trader's current order for (market, side), re-signed with a newer nonce once it cannot take `fill`. */
  order(acct: bigint, m: number, isBuy: boolean, fill: bigint): SignedOrder {
    const k = `${acct}:${slotOf(m, isBuy)}`;
    let st = this.slots.get(k);
    if (!st) this.slots.set(k, (st = { nonce: 1n, filled: 0n, leafNonce: 0n }));
    if (st.filled + fill > ORDER_SIZE[m]!) {
      st.nonce += 1n;
      st.filled = 0n;
    }
    return standingOrder(acct, m, isBuy, st.nonce);
  }

  // ---- commands

  run(c: Cmd): void {
    switch (c.t) {
      case "trade":
        return this.trade(c);
      case "tick":
        return this.tick(c);
      case "liquidate":
        return this.liquidate(c);
      case "deleverage":
        return this.deleverage(c);
      case "withdraw":
        return this.withdraw(c);
      case "deposit":
        return this.deposit(c);
      case "settle":
        this.apply({ opcode: Opcode.FUNDING_SETTLE, accountIndex: ALL[c.who % ALL.length]! });
        return;
      case "settleAll":
        return this.settleAll();
    }
  }

  private trade(c: Extract<Cmd, { t: "trade" }>): void {
    const maker = TRADERS[c.maker % TRADERS.length]!;
    let taker = TRADERS[c.taker % TRADERS.length]!;
    if (taker === maker) taker = TRADERS[(c.taker + 1) % TRADERS.length]!;
    const m = c.market;
    const mark = this.hdr.prices.markets[m]!;
    const price = mark + (mark * BigInt(c.off)) / 10_000n;
    // Up to 120 % of what the tighter party's free margin allows at the initial rate: traders run near full
    // leverage (so price moves make them liquidatable) and some fills are refused UNDER_MARGINED.
    const free = (i: bigint) => {
      const mm = this.margin(this.b.account(i));
      return mm.tvS > mm.imS ? mm.tvS - mm.imS : 0n;
    };
    const imr = cfg.markets[m]!.tiers[0]!.imr;
    const room = [free(maker), free(taker)].reduce((x, y) => (x < y ? x : y)) / (imr * price);
    let fill = (room * BigInt(c.size)) / 83n || 1n;
    if (fill > ORDER_SIZE[m]!) fill = ORDER_SIZE[m]!;
    const cap = (fill * price * MAX_FEE) / RATE_SCALE;
    const fees = [(cap * BigInt(c.makerFeePct)) / 100n, (cap * BigInt(c.takerFeePct)) / 100n] as const;
    const st = this.slots.get(`${maker}:${slotOf(m, c.makerBuys)}`);
    if (c.stale && st && st.leafNonce >= 2n) {
      // [I9] the slot's leaf holds a newer nonce: the older order never fills again.
      const dead = standingOrder(maker, m, c.makerBuys, st.leafNonce - 1n);
      const live = this.order(taker, m, !c.makerBuys, fill);
      this.apply(
        { opcode: Opcode.TRADE, maker: dead, taker: live, fill, price, makerFee: fees[0], takerFee: fees[1] },
        "ORDER_REPLAYED",
      );
      return;
    }
    const mo = this.order(maker, m, c.makerBuys, fill);
    const to = this.order(taker, m, !c.makerBuys, fill);
    this.apply({
      opcode: Opcode.TRADE,
      maker: mo,
      taker: to,
      fill,
      price,
      makerFee: fees[0],
      takerFee: fees[1],
    });
  }

  private tick(c: Extract<Cmd, { t: "tick" }>): void {
    const move = (p: bigint, bp: number) => {
      const q = p + (p * BigInt(bp)) / 10_000n;
      return q > 0n ? q : 1n;
    };
    const markets = this.hdr.prices.markets.map((p, m) => move(p, c.moves[m]!));
    if (c.squeeze !== null) {
      // A crash aimed at the most leveraged trader's largest position: the price moves against it until its TV is
      // about squeeze/4 of its MM (negative: bankrupt; moving at most 20 %), so the engine has work to do.
      const lev = TRADERS.map((i) => ({ a: this.b.account(i), m: this.margin(this.b.account(i)) }))
        .filter((x) => x.m.mmS > 0n && x.m.tvS > 0n)
        .sort((x, y) => (x.m.tvS * y.m.mmS < y.m.tvS * x.m.mmS ? -1 : 1));
      const t = lev[0];
      if (t) {
        const P = this.hdr.prices.markets;
        const m = abs(t.a.sizes[0]!) * P[0]! >= abs(t.a.sizes[1]!) * P[1]! ? 0 : 1;
        const s = t.a.sizes[m]!;
        const loss = (t.m.tvS - (t.m.mmS * BigInt(c.squeeze)) / 4n) / RATE_SCALE; // Value units
        let d = loss / abs(s);
        if (d > P[m]! / 5n) d = P[m]! / 5n;
        markets[m] = s > 0n ? P[m]! - d : P[m]! + d;
      }
    }
    const collaterals = [this.hdr.prices.collaterals[0]!, move(this.hdr.prices.collaterals[1]!, c.moves[2]!)];
    // The open batch closes first: the new indices step from the ones it committed.
    this.finishBatch();
    // Each index moves by a share of the largest step the new mark allows (PROTOCOL §7.7).
    const fi = this.state.fundingIndices.map((idx, m) => {
      const maxStep = (markets[m]! * cfg.markets[m]!.maxFundingStep) / RATE_SCALE;
      return idx + (maxStep * BigInt(c.fund[m]!)) / 100n;
    });
    this.hdr = { batchTime: this.hdr.batchTime + 1n, prices: { markets, collaterals }, fundingIndices: fi };
    this.b = new BatchBuilder(this.state, this.hdr);
    // The engine after a price update: every liquidatable trader gets the tick's liquidation attempts in turn (some
    // priced beyond the zero price or with too high a penalty, which must be refused).
    for (const li of TRADERS) {
      for (const p of c.engine) {
        const mm = this.margin(this.b.account(li));
        if (mm.tvS < mm.mmS) this.liquidateAccount(li, { t: "liquidate", who: 0, ...p });
      }
    }
  }

  private liquidate(c: Extract<Cmd, { t: "liquidate" }>): void {
    const cands = TRADERS.filter((i) => {
      const mm = this.margin(this.b.account(i));
      return mm.tvS < mm.mmS;
    });
    if (cands.length === 0) {
      // What a careless engine might try: a healthy account is never liquidated [I7].
      const i = TRADERS[c.who % TRADERS.length]!;
      const a = this.b.account(i);
      const m = a.sizes.findIndex((s) => s !== 0n);
      if (m < 0) return;
      const op: Op = {
        opcode: Opcode.LIQUIDATE,
        accountIndex: i,
        liquidator: null,
        market: m,
        fill: 1n,
        price: this.hdr.prices.markets[m]!,
        penalty: 0n,
      };
      this.apply(op, "NOT_LIQUIDATABLE");
      return;
    }
    this.liquidateAccount(cands[c.who % cands.length]!, c);
  }

  private liquidateAccount(li: bigint, c: Extract<Cmd, { t: "liquidate" }>): void {
    const L = this.b.account(li);
    const open = L.sizes.flatMap((s, m) => (s !== 0n ? [m] : []));
    if (open.length === 0) return;
    const m = open[c.market % open.length]!;
    const s = L.sizes[m]!;
    const fill = (abs(s) * BigInt(c.fracBp)) / 10_000n || 1n;
    const P = this.hdr.prices.markets[m]!;
    let price = P;
    if (c.priceMode === 1) {
      // The flat-rate zero price p0 = P·(1 − sign(s)·mmr·TV/MM), rounded in L's favour.
      const sh = shown(this.margin(L));
      const mmr = cfg.markets[m]!.tiers[0]!.mmr;
      const d = sh.mm > 0n ? (P * mmr * sh.tv) / (sh.mm * RATE_SCALE) : 0n;
      price = s > 0n ? P - d : P + d;
    } else if (c.priceMode === 2) {
      price = P + (P * BigInt(c.off)) / 10_000n;
    }
    if (price <= 0n) price = 1n;
    const penaltyCap = (fill * P * cfg.markets[m]!.liquidationFee) / RATE_SCALE;
    const penalty = (penaltyCap * BigInt(c.penaltyPct)) / 100n;
    let liquidator: SignedOrder | null = null;
    if (c.useOrder) {
      let k = TRADERS[c.k % TRADERS.length]!;
      if (k === li) k = TRADERS[(c.k + 1) % TRADERS.length]!;
      liquidator = this.order(k, m, s > 0n, fill);
    }
    this.apply({ opcode: Opcode.LIQUIDATE, accountIndex: li, liquidator, market: m, fill, price, penalty });
  }

  private deleverage(c: Extract<Cmd, { t: "deleverage" }>): void {
    const fund = this.b.account(0n);
    const withPos = TRADERS.filter((i) => this.b.account(i).sizes.some((x) => x !== 0n));
    if (withPos.length === 0) return;
    const ai = withPos[c.who % withPos.length]!;
    const A = this.b.account(ai);
    const tv = this.margin(A).tvS;
    // [I8] from the refusing side: only a bankrupt account, and only when the fund cannot cover it.
    const expected =
      tv >= 0n ? "NOT_BANKRUPT" : fund.quote * RATE_SCALE + tv >= 0n ? "FUND_CAN_COVER" : undefined;
    for (let m = 0; m < SIZES.markets; m++) {
      const sA = A.sizes[m]!;
      if (sA === 0n) continue;
      const bi = TRADERS.find((i) => i !== ai && this.b.account(i).sizes[m]! * sA < 0n);
      if (bi === undefined) continue;
      const sB = this.b.account(bi).sizes[m]!;
      const fill = abs(sA) < abs(sB) ? abs(sA) : abs(sB);
      // At the mark the deficit is unchanged, which the bankruptcy-price rule always admits.
      const op: Op = {
        opcode: Opcode.DELEVERAGE,
        accountIndex: ai,
        counterparty: bi,
        market: m,
        fill,
        price: this.hdr.prices.markets[m]!,
      };
      this.apply(op, expected);
      return;
    }
  }

  private withdraw(c: Extract<Cmd, { t: "withdraw" }>): void {
    const i = TRADERS[c.who % TRADERS.length]!;
    const a = this.b.account(i);
    const holding = (asset: number) =>
      asset === 0 ? settledQuote(a, this.hdr.fundingIndices) / AMOUNT_SCALE : a.balances[asset - 1]!;
    // Prefer an asset the trader holds; with none, the attempt is refused INSUFFICIENT_BALANCE.
    const asset = [0, 1, 2].map((k) => (c.asset + k) % 3).find((k) => holding(k) > 0n) ?? c.asset;
    const have = holding(asset);
    const amount = have > 0n ? (have * BigInt(c.fracBp)) / 10_000n || 1n : 1n;
    if (c.replay && a.nonce > 0n) {
      // [I9] a withdrawal nonce is used once: the previous one is refused however it is signed.
      this.apply(withdrawOp({ account: i, asset, amount, nonce: a.nonce - 1n, key: keyOf(i) }), "BAD_NONCE");
      return;
    }
    this.apply(withdrawOp({ account: i, asset, amount, nonce: a.nonce, key: keyOf(i) }));
  }

  private deposit(c: Extract<Cmd, { t: "deposit" }>): void {
    const i = ALL[c.who % ALL.length]!;
    const amount = c.asset === 2 ? BigInt(c.amount) * lots("0.001") : BigInt(c.amount) * lots("1");
    const pubKey = c.wrongKey ? pubOf(TRADERS[(TRADERS.indexOf(i) + 2) % TRADERS.length]!) : pubOf(i);
    this.apply(depositOp({ account: i, asset: c.asset, amount, pubKey }));
  }

  /** Settles every account at the batch's index; then the raw quote sum must equal the quote ledger [I4][I1]. */
  private settleAll(): void {
    // Batches opened by rotate() keep the indices, so every settlement here is against the same index.
    let ok = true;
    for (const i of ALL) ok = this.apply({ opcode: Opcode.FUNDING_SETTLE, accountIndex: i }) !== null && ok;
    if (!ok) return;
    const v = this.view();
    for (const a of v) expect(a.fundingIndices).toEqual([...this.hdr.fundingIndices]);
    expect(v.reduce((t, a) => t + a.quote, 0n)).toBe(this.ledger[0]! * AMOUNT_SCALE);
    stats.settledAll++;
  }

  setup(init: { quoteUsd: number[]; eth: number[]; fundUsd: number }): void {
    TRADERS.forEach((i, j) => {
      this.apply(
        depositOp({ account: i, asset: 0, amount: lots(String(init.quoteUsd[j]!)), pubKey: pubOf(i) }),
      );
      if (init.eth[j]! > 0)
        this.apply(depositOp({ account: i, asset: 2, amount: lots(String(init.eth[j]!)), pubKey: pubOf(i) }));
    });
    if (init.fundUsd > 0)
      this.apply(depositOp({ account: 0, asset: 0, amount: lots(String(init.fundUsd)), pubKey: pubOf(0n) }));
  }
}

// ---------------------------------------------------------------- the property

// A fixed seed keeps CI deterministic (and the coverage floor below meaningful); ZKM_FC_SEED explores others.
const seed = process.env.ZKM_FC_SEED ? Number(process.env.ZKM_FC_SEED) : 20_251_122;

describe("random op sequences keep every invariant", () => {
  it("[I1][I2][I3][I4][I5][I6][I7][I8][I9][I11][I12][I13][I14][I16][I18] over deposits, trades, ticks, liquidations, withdrawals", () => {
    fc.assert(
      fc.property(arbInit, fc.array(arbCmd, { minLength: 20, maxLength: 40 }), (init, cmds) => {
        const sim = new Sim();
        sim.setup(init);
        for (const c of cmds) sim.run(c);
        sim.close();
      }),
      { numRuns: 6, seed, endOnFailure: true },
    );
  });

  afterAll(() => {
    // A property that never reaches liquidations or rejections proves little: keep a floor on what the default seed
    // exercises (other seeds, or a filtered run that skipped the property, are not held to it).
    if (process.env.ZKM_FC_STATS) console.log(stats);
    if (process.env.ZKM_FC_SEED || stats.batches === 0) return;
    const acc = (op: number) => stats.accepted.get(op) ?? 0;
    const rej = (code: string) => stats.rejected.get(code) ?? 0;
    expect(acc(Opcode.TRADE)).toBeGreaterThanOrEqual(20);
    expect(acc(Opcode.LIQUIDATE)).toBeGreaterThanOrEqual(3);
    expect(acc(Opcode.WITHDRAW)).toBeGreaterThanOrEqual(2);
    expect(acc(Opcode.DEPOSIT)).toBeGreaterThanOrEqual(30);
    expect(acc(Opcode.FUNDING_SETTLE)).toBeGreaterThanOrEqual(10);
    for (const code of [
      "refund",
      "UNDER_MARGINED",
      "HEALTH_WORSENED",
      "ORDER_REPLAYED",
      "BAD_NONCE",
      "NOT_BANKRUPT",
    ]) {
      expect(rej(code), code).toBeGreaterThanOrEqual(1);
    }
    expect(stats.settledAll).toBeGreaterThanOrEqual(1);
  });
});
