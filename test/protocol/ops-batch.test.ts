// BatchBuilder / applyBatch (PROTOCOL §8–9) with the funding tick (§7.7), FUNDING_SETTLE (§7.6) and NOOP (§7.0):
// capacity, header checks, atomicity of ops and batches [I18], the insurance-fund register [I13], witness records
// whose every path verifies [I14], the public input hash rebuilt from the spec's field list, and funding that moves
// value only between an account's quote and its unsettled funding, zero-sum across the market [I4].
import { describe, expect, it } from "vitest";
import {
  applyBatch,
  BatchBuilder,
  type BatchHeader,
  computeMargin,
  DOMAIN_L1_EFFECT,
  DOMAIN_PUBLIC,
  type FundingSettleOp,
  hashTagged,
  L1Effect,
  type Op,
  Opcode,
  toField,
  verifyProof,
} from "../../protocol/index.js";
import {
  accept,
  acct,
  ADDR,
  codeOf,
  depositOp,
  DOMAIN,
  expectRejected,
  header,
  lots,
  makeState,
  PARAMS,
  PRICES,
  px,
  QUOTE,
  signedOrder,
  SIZES,
  tradeOp,
  usd,
  USDC,
  withdrawOp,
} from "./fixtures.js";

const NOOP: Op = { opcode: Opcode.NOOP };
const snapshot = (s: ReturnType<typeof makeState>) => ({
  root: s.root,
  depositHash: s.depositHash,
  forcedHash: s.forcedHash,
  batchNumber: s.batchNumber,
  funding: [...s.fundingIndices],
  accounts: [...s.accounts].map(([i, a]) => [i, a.hash()]),
});

describe("capacity: TOO_MANY_OPS", () => {
  const s = makeState({ 1: { quote: usd("10") } });
  const h = header(s);

  it("applyBatch refuses more ops than the set's slots, changing nothing [I18]", () => {
    const before = snapshot(s);
    expect(codeOf(() => applyBatch(s, h, Array<Op>(SIZES.opSlots + 1).fill(NOOP)))).toBe("TOO_MANY_OPS");
    expect(snapshot(s)).toEqual(before);
    expect(applyBatch(s, h, Array<Op>(SIZES.opSlots).fill(NOOP)).slots).toHaveLength(SIZES.opSlots);
  });

  it("the builder refuses an op once full, after finish, and a second finish", () => {
    const b = new BatchBuilder(s, h);
    for (let i = 0; i < SIZES.opSlots; i++) b.apply(NOOP);
    expect(b.full).toBe(true);
    expect(codeOf(() => b.apply(NOOP))).toBe("TOO_MANY_OPS");
    const r = b.finish();
    expect(codeOf(() => b.apply(NOOP))).toBe("TOO_MANY_OPS");
    expect(codeOf(() => b.finish())).toBe("TOO_MANY_OPS");
    expect(r.slots).toHaveLength(SIZES.opSlots);
  });
});

/** A batch refused at its header: the code, and no change to the base state [I18]. */
function expectBatchRejected(s: ReturnType<typeof makeState>, h: BatchHeader, code: string): void {
  const before = snapshot(s);
  expect(codeOf(() => applyBatch(s, h, [NOOP]))).toBe(code);
  expect(codeOf(() => new BatchBuilder(s, h))).toBe(code);
  expect(snapshot(s)).toEqual(before);
}

describe("header checks [I18]", () => {
  const s = makeState({ 1: { quote: usd("5") } }, { lastBatchTime: 1000n });
  const withPrices = (markets: bigint[], collaterals: bigint[]): BatchHeader => ({
    ...header(s),
    prices: { markets, collaterals },
  });

  it("prices in (0, 2^56), one per market and collateral: BAD_PRICE", () => {
    expectBatchRejected(s, withPrices([0n, 1n], [1n, 1n]), "BAD_PRICE");
    expectBatchRejected(s, withPrices([1n, 1n << 56n], [1n, 1n]), "BAD_PRICE");
    expectBatchRejected(s, withPrices([1n], [1n, 1n]), "BAD_PRICE");
    expectBatchRejected(s, withPrices([1n, 1n], [0n, 1n]), "BAD_PRICE");
    expect(codeOf(() => new BatchBuilder(s, withPrices([(1n << 56n) - 1n, 1n], [1n, 1n])))).toBe("NO_ERROR");
  });

  it("batch time is a Uint40 and never goes backwards: OUT_OF_RANGE", () => {
    expectBatchRejected(s, header(s, { time: 999n }), "OUT_OF_RANGE");
    expectBatchRejected(s, header(s, { time: 1n << 40n }), "OUT_OF_RANGE");
    expect(codeOf(() => new BatchBuilder(s, header(s, { time: 1000n })))).toBe("NO_ERROR");
  });
});

describe("atomicity [I18]", () => {
  it("a batch with one bad op is rejected whole: the base state keeps its root, accounts and deposit hash", () => {
    const s = makeState({ 1: { quote: usd("100") } });
    const before = snapshot(s);
    const ops: Op[] = [
      depositOp({ account: 2, asset: QUOTE, amount: lots("5") }),
      withdrawOp({ account: 1, asset: QUOTE, amount: lots("101"), nonce: 0n }),
    ];
    expect(codeOf(() => applyBatch(s, header(s), ops))).toBe("INSUFFICIENT_BALANCE");
    expect(snapshot(s)).toEqual(before);
  });

  it("a successful batch works on a copy: the base state is untouched", () => {
    const s = makeState({ 1: { quote: usd("100") } });
    const before = snapshot(s);
    const r = accept(s, header(s), [depositOp({ account: 2, asset: QUOTE, amount: lots("5") })]);
    expect(snapshot(s)).toEqual(before);
    expect(r.state.root).not.toBe(s.root);
  });

  it("builder.check is a dry run: it reports the verdict and changes nothing", () => {
    const s = makeState({ 1: { quote: usd("100") } });
    const b = new BatchBuilder(s, header(s));
    const w = withdrawOp({ account: 1, asset: QUOTE, amount: lots("1"), nonce: 0n });
    expect(b.check(w)).toBeNull();
    expect(b.check(w)).toBeNull();
    expect(b.account(1n).nonce).toBe(0n);
    b.apply(w);
    expect(b.check(w)).toMatchObject({ code: "BAD_NONCE" });
  });
});

describe("batch results", () => {
  // One of each effect: a deposit, a refund, a withdrawal, a trade with fees.
  const s = makeState(
    { 1: { quote: usd("100000") }, 2: { quote: usd("100000") } },
    { fundingIndices: [-px("3"), 0n] },
  );
  const h = header(s, { funding: [-px("5"), px("1")] });
  const ops: Op[] = [
    depositOp({ account: 3, asset: USDC, amount: lots("7") }),
    depositOp({ account: 1, asset: QUOTE, amount: lots("9"), pubKey: null }),
    withdrawOp({ account: 1, asset: QUOTE, amount: lots("10"), nonce: 0n }),
    tradeOp(
      signedOrder({ account: 1, isBuy: false, size: lots("1"), limit: px("60000") }),
      signedOrder({ account: 2, isBuy: true, size: lots("1"), limit: px("60000") }),
      lots("0.1"),
      px("60000"),
      usd("1"),
      usd("2"),
    ),
  ];
  const r = accept(s, h, ops);

  it("the L1 effects and their rolling hash H(DOMAIN_L1_EFFECT, h, kind, l1Address, asset, amount), from 0", () => {
    expect(r.l1Effects).toEqual([
      { kind: L1Effect.DEPOSIT_REFUND, l1Address: ADDR, asset: QUOTE, amount: lots("9") },
      { kind: L1Effect.WITHDRAWAL, l1Address: ADDR, asset: QUOTE, amount: lots("10") },
    ]);
    const h1 = hashTagged(DOMAIN_L1_EFFECT, [0n, BigInt(L1Effect.DEPOSIT_REFUND), ADDR, 0n, lots("9")]);
    const h2 = hashTagged(DOMAIN_L1_EFFECT, [h1, BigInt(L1Effect.WITHDRAWAL), ADDR, 0n, lots("10")]);
    expect(r.publicInputs.l1EffectsHash).toBe(h2);
    expect(r.slots.map((x) => x.l1EffectsHashAfter)).toEqual([0n, h1, h2, h2]);
  });

  it("publicInputHash = H(DOMAIN_PUBLIC, chainId, contract, batch, roots, time, configHash, deposit and forced hashes, effects, P, Q, I_old, I_new)", () => {
    const p = r.publicInputs;
    expect(p.chainId).toBe(DOMAIN.chainId);
    expect(p.contract).toBe(DOMAIN.contract);
    expect(p.batchNumber).toBe(1n);
    expect(p.oldRoot).toBe(s.root);
    expect(p.newRoot).toBe(r.state.root);
    expect(p.configHash).toBe(PARAMS.config.hash());
    expect(p.depositHashOld).toBe(0n);
    expect([p.forcedHashOld, p.forcedHashNew]).toEqual([0n, 0n]);
    const fields = [
      DOMAIN.chainId, DOMAIN.contract, 1n, s.root, r.state.root, h.batchTime, PARAMS.config.hash(), 0n,
      r.state.depositHash, 0n, 0n, p.l1EffectsHash, px("60000"), px("3000"), px("1"), px("3000"),
      toField(-px("3")), 0n, toField(-px("5")), px("1"),
    ]; // prettier-ignore
    expect(r.publicInputHash).toBe(hashTagged(DOMAIN_PUBLIC, fields));
  });

  it("every write's Merkle siblings prove its before-leaf in the root before and its after-leaf in the root after [I14]", () => {
    let root = s.root;
    for (const slot of r.slots) {
      for (const w of slot.writes) {
        if (w.index === 0n) {
          // The fund lives in the register: no path is opened for it during the batch [I13].
          expect(w.siblings).toBeNull();
          expect(w.rootAfter).toBe(w.rootBefore);
          continue;
        }
        expect(w.rootBefore).toBe(root);
        expect(
          verifyProof(w.rootBefore, SIZES.accountDepth, {
            index: w.index,
            leaf: w.before.hash(),
            siblings: w.siblings!,
          }),
        ).toBe(true);
        expect(
          verifyProof(w.rootAfter, SIZES.accountDepth, {
            index: w.index,
            leaf: w.after.hash(),
            siblings: w.siblings!,
          }),
        ).toBe(true);
        root = w.rootAfter;
      }
    }
    expect(r.rootBeforeFundWrite).toBe(root);
  });

  it("the fund is read from the old root and written back once at the end [I13][I14]", () => {
    const d = SIZES.accountDepth;
    expect(
      verifyProof(s.root, d, { index: 0n, leaf: r.fundBefore.hash(), siblings: r.fundSiblingsBefore }),
    ).toBe(true);
    expect(
      verifyProof(r.rootBeforeFundWrite, d, {
        index: 0n,
        leaf: r.fundBefore.hash(),
        siblings: r.fundSiblingsAfter,
      }),
    ).toBe(true);
    expect(
      verifyProof(r.publicInputs.newRoot, d, {
        index: 0n,
        leaf: r.fundAfter.hash(),
        siblings: r.fundSiblingsAfter,
      }),
    ).toBe(true);
    expect(r.fundAfter.quote).toBe(usd("3"));
  });

  it("the next state carries the batch number, time, indices and deposit hash forward", () => {
    expect(r.state.batchNumber).toBe(1n);
    expect(r.state.lastBatchTime).toBe(h.batchTime);
    expect(r.state.fundingIndices).toEqual([-px("5"), px("1")]);
    const r2 = accept(r.state, header(r.state), []);
    expect(r2.publicInputs.batchNumber).toBe(2n);
    expect(r2.publicInputs.oldRoot).toBe(r.publicInputs.newRoot);
    expect(r2.publicInputs.fundingOld).toEqual([-px("5"), px("1")]);
    expect(r2.publicInputs.depositHashOld).toBe(r.publicInputs.depositHashNew);
  });
});

const settle = (i: bigint | number): FundingSettleOp => ({
  opcode: Opcode.FUNDING_SETTLE,
  accountIndex: BigInt(i),
});

describe("FUNDING_SETTLE", () => {
  // Long 2 BTC and short 2 BTC, both last settled at 0; long 5 ETH-PERP against short 5.
  const s = makeState({
    1: { quote: usd("1000"), sizes: [lots("2"), lots("5")] },
    2: { quote: usd("1000"), sizes: [-lots("2"), -lots("5")] },
  });

  it("quote −= size·(I − last): the BTC index rising 3 USD costs the long 6, the ETH index falling 0.5 pays it 2.5", () => {
    const h = header(s, { funding: [px("3"), -px("0.5")] });
    const r = accept(s, h, [settle(1), settle(2)]);
    expect(acct(r, 1).quote).toBe(usd("1000") - usd("6") + usd("2.5"));
    expect(acct(r, 2).quote).toBe(usd("1000") + usd("6") - usd("2.5"));
    expect(acct(r, 1).fundingIndices).toEqual([px("3"), -px("0.5")]);
    expect(r.state.fundingIndices).toEqual([px("3"), -px("0.5")]);
  });

  it("leaves TV unchanged (it realises what the margin already counted)", () => {
    const h = header(s, { funding: [px("3"), -px("0.5")] });
    const before = computeMargin(s.account(1n), PARAMS.config, PRICES, h.fundingIndices);
    const r = accept(s, h, [settle(1)]);
    const after = computeMargin(acct(r, 1), PARAMS.config, PRICES, h.fundingIndices);
    expect(after.tvS).toBe(before.tvS);
    expect(after.unsettledFunding).toBe(0n);
    expect(before.unsettledFunding).toBe(usd("6") - usd("2.5"));
  });

  it("is zero-sum once everybody has settled at the same index, across several ticks and batches [I4]", () => {
    // Batch 1 moves BTC +10 and settles only account 1; batch 2 moves it −4 more and settles both.
    const r1 = accept(s, header(s, { funding: [px("10"), 0n] }), [settle(1)]);
    const r2 = accept(r1.state, header(r1.state, { funding: [px("6"), px("1")] }), [settle(1), settle(2)]);
    const total = acct(r2, 1).quote + acct(r2, 2).quote;
    expect(total).toBe(usd("2000"));
    // By hand: the long paid 2·10 then received 2·4 and paid 5·1 → −17; the short the opposite.
    expect(acct(r2, 1).quote).toBe(usd("1000") - usd("17"));
  });

  it("the insurance fund settles in its register", () => {
    const sf = makeState({
      0: { quote: usd("10"), sizes: [lots("1"), 0n] },
      1: { sizes: [-lots("1"), 0n], quote: usd("10") },
    });
    const r = accept(sf, header(sf, { funding: [px("2"), 0n] }), [settle(0)]);
    expect(r.fundAfter.quote).toBe(usd("8"));
    expect(r.slots[0]!.writes[0]!.siblings).toBeNull();
  });

  it("rejections: unregistered, outside the tree, quote leaving Int96 [I11][I18]", () => {
    const sr = makeState({
      3: { quote: -(1n << 95n) + 1n, sizes: [lots("1"), 0n] },
      4: { quote: usd("1000000"), sizes: [-lots("1"), 0n] },
      9: { key: null },
    });
    const h = header(sr, { funding: [px("1"), 0n] });
    expectRejected(sr, h, settle(9), "ACCOUNT_NOT_REGISTERED");
    expectRejected(sr, h, settle(64), "ACCOUNT_INDEX_OUT_OF_RANGE");
    expectRejected(sr, h, settle(3), "OUT_OF_RANGE", [], /quote balance/);
  });
});

describe("the funding tick (PROTOCOL §7.7)", () => {
  const s = makeState({ 1: { quote: usd("1000"), sizes: [lots("1"), lots("1")] } });

  it("moves each index by at most P·maxFundingStep per batch: BTC 60,000·0.1 % = 60, ETH-PERP 3,000·0.2 % = 6", () => {
    accept(s, header(s, { funding: [px("60"), -px("6")] }), []);
    expectBatchRejected(s, header(s, { funding: [px("60.00000001"), 0n] }), "FUNDING_STEP_TOO_LARGE");
    expectBatchRejected(s, header(s, { funding: [-px("60.00000001"), 0n] }), "FUNDING_STEP_TOO_LARGE");
    expectBatchRejected(s, header(s, { funding: [0n, px("6.00000001")] }), "FUNDING_STEP_TOO_LARGE");
  });

  it("the bound scales with the batch's mark price", () => {
    const h = header(s, { markets: [px("120000"), px("3000")], funding: [px("120"), 0n] });
    expect(accept(s, h, []).state.fundingIndices).toEqual([px("120"), 0n]);
  });

  it("indices stay within Int64 (OUT_OF_RANGE) and one is given per market (BAD_CONFIG)", () => {
    const top = makeState({}, { fundingIndices: [(1n << 63n) - 1n, 0n] });
    expectBatchRejected(top, header(top, { funding: [1n << 63n, 0n] }), "OUT_OF_RANGE");
    expectBatchRejected(s, header(s, { funding: [0n] }), "BAD_CONFIG");
  });
});

describe("NOOP", () => {
  it("changes nothing: a batch of NOOPs keeps the root and advances only the batch number", () => {
    const s = makeState({ 1: { quote: usd("5") } });
    const r = accept(s, header(s), [{ opcode: Opcode.NOOP }, { opcode: Opcode.NOOP }]);
    expect(r.publicInputs.newRoot).toBe(s.root);
    expect(r.slots).toHaveLength(4);
    expect(
      r.slots.every((x) => x.op.opcode === Opcode.NOOP && x.writes.length === 0 && x.l1Effect === null),
    ).toBe(true);
    expect(r.publicInputs.l1EffectsHash).toBe(0n);
    expect(r.publicInputs.depositHashNew).toBe(r.publicInputs.depositHashOld);
    expect(r.state.batchNumber).toBe(s.batchNumber + 1n);
  });
});
