// Forced requests (PROTOCOL §7.8): FORCED_WITHDRAW executes or is provably rejected, FORCED_LIQUIDATION_CHECK serves
// only a healthy account, a LIQUIDATE may consume a liquidation request; the forced queue hash advances in order
// either way [I19], and malformed ops are refused without any change [I18].
import { describe, expect, it } from "vitest";
import {
  DOMAIN_FORCED,
  ForcedKind,
  L1Effect,
  Opcode,
  hashTagged,
  type ForcedRequest,
  type LiquidateOp,
  type Op,
} from "../../protocol/index.js";
import {
  ADDR,
  BTC,
  ETH,
  QUOTE,
  acct,
  accept,
  expectRejected,
  header,
  lots,
  makeState,
  pub,
  px,
  usd,
} from "./fixtures.js";

/** The spec's rolling hash written out from §7.8. */
const step = (prev: bigint, r: ForcedRequest) =>
  hashTagged(DOMAIN_FORCED, [
    prev,
    BigInt(r.kind),
    r.accountIndex,
    r.pubKeyX,
    r.pubKeyY,
    BigInt(r.asset),
    r.amount,
    r.l1Address,
  ]);

const withdrawal = (p: Partial<ForcedRequest> = {}): ForcedRequest => ({
  kind: ForcedKind.WITHDRAWAL,
  accountIndex: 5n,
  pubKeyX: pub(5).x,
  pubKeyY: pub(5).y,
  asset: QUOTE,
  amount: lots("100"),
  l1Address: ADDR,
  ...p,
});
const liquidation = (p: Partial<ForcedRequest> = {}): ForcedRequest => ({
  kind: ForcedKind.LIQUIDATION,
  accountIndex: 1n,
  pubKeyX: pub(1).x,
  pubKeyY: pub(1).y,
  asset: 0,
  amount: 0n,
  l1Address: ADDR + 7n,
  ...p,
});
const fw = (request: ForcedRequest): Op => ({ opcode: Opcode.FORCED_WITHDRAW, request });
const flc = (request: ForcedRequest): Op => ({ opcode: Opcode.FORCED_LIQUIDATION_CHECK, request });

describe("FORCED_WITHDRAW", () => {
  // Account 5: 1,000 USD of quote and 2 ETH collateral, no positions, withdrawal nonce 3.
  const s = makeState({ 5: { quote: usd("1000"), balances: [0n, lots("2")], nonce: 3n } });
  const h = header(s);

  it("executes like §7.2 without signature or nonce, emits the withdrawal and advances the forced hash [I19]", () => {
    const r = accept(s, h, [fw(withdrawal())]);
    expect(acct(r, 5).quote).toBe(usd("900"));
    expect(acct(r, 5).nonce).toBe(3n);
    expect(r.slots[0]!.note).toBe("executed");
    expect(r.l1Effects).toEqual([
      { kind: L1Effect.WITHDRAWAL, l1Address: ADDR, asset: QUOTE, amount: lots("100") },
    ]);
    expect(r.publicInputs.forcedHashOld).toBe(0n);
    expect(r.publicInputs.forcedHashNew).toBe(step(0n, withdrawal()));
    expect(r.state.forcedHash).toBe(r.publicInputs.forcedHashNew);
  });

  it("collateral too, and requests are consumed in order: the hash chains [I19]", () => {
    const a = withdrawal({ asset: ETH, amount: lots("0.5") });
    const b = withdrawal({ amount: lots("1") });
    const r = accept(s, h, [fw(a), fw(b)]);
    expect(acct(r, 5).balances[1]).toBe(lots("1.5"));
    expect(r.publicInputs.forcedHashNew).toBe(step(step(0n, a), b));
    expect(accept(s, h, [fw(b), fw(a)]).publicInputs.forcedHashNew).not.toBe(r.publicInputs.forcedHashNew);
  });

  const rejections: [string, ForcedRequest, string][] = [
    [
      "a registry key that is not the leaf's",
      withdrawal({ pubKeyX: pub(6).x, pubKeyY: pub(6).y }),
      "key does not match",
    ],
    ["an unregistered account", withdrawal({ accountIndex: 9n }), "key does not match"],
    ["a zero amount", withdrawal({ amount: 0n }), "zero amount"],
    [
      "more quote than the balance (never below 0)",
      withdrawal({ amount: lots("1000.00000001") }),
      "insufficient quote",
    ],
    [
      "more collateral than the balance",
      withdrawal({ asset: ETH, amount: lots("2.00000001") }),
      "insufficient balance",
    ],
  ];
  for (const [what, req, note] of rejections) {
    it(`${what}: rejected — no state change, no L1 effect, but the queue advances [I19]`, () => {
      const r = accept(s, h, [fw(req)]);
      expect(r.slots[0]!.note).toMatch(note);
      expect(r.slots[0]!.writes).toEqual([]);
      expect(r.l1Effects).toEqual([]);
      expect(r.publicInputs.newRoot).toBe(s.root);
      expect(r.publicInputs.forcedHashNew).toBe(step(0n, req));
    });
  }

  it("one that would leave TVs < IMs is rejected; one that leaves exactly IM executes [I5][I19]", () => {
    // Long 1 BTC at 60,000 (IM 6,000), quote −55,000, 2,000 USDC: TV = 7,000. Taking 1,000 USDC leaves TV = IM.
    const sm = makeState({
      5: { quote: usd("-55000"), balances: [lots("2000"), 0n], sizes: [lots("1"), 0n] },
    });
    const hm = header(sm);
    const ok = accept(sm, hm, [fw(withdrawal({ asset: 1, amount: lots("1000") }))]);
    expect(ok.slots[0]!.note).toBe("executed");
    const no = accept(sm, hm, [fw(withdrawal({ asset: 1, amount: lots("1000.00000001") }))]);
    expect(no.slots[0]!.note).toMatch("initial requirement");
    expect(no.publicInputs.newRoot).toBe(sm.root);
  });

  it("settles funding before the balance check", () => {
    // Long 1 BTC with 1,000 quote and plenty of ETH; the index rises 10 USD: only 990 of quote can leave.
    const sf = makeState({ 5: { quote: usd("1000"), balances: [0n, lots("100")], sizes: [lots("1"), 0n] } });
    const hf = header(sf, { funding: [px("10"), 0n] });
    expect(accept(sf, hf, [fw(withdrawal({ amount: lots("990.00000001") }))]).slots[0]!.note).toMatch(
      "insufficient quote",
    );
    expect(acct(accept(sf, hf, [fw(withdrawal({ amount: lots("990") }))]), 5).quote).toBe(0n);
  });

  const bad: [string, ForcedRequest, string][] = [
    ["a liquidation request", liquidation({ accountIndex: 5n }), "FORCED_MISMATCH"],
    ["an amount ≥ 2^63", withdrawal({ amount: 1n << 63n }), "OUT_OF_RANGE"],
    ["an owner address ≥ 2^160", withdrawal({ l1Address: 1n << 160n }), "OUT_OF_RANGE"],
    ["an unknown asset", withdrawal({ asset: 3 }), "UNKNOWN_ASSET"],
    ["an account outside the tree", withdrawal({ accountIndex: 64n }), "ACCOUNT_INDEX_OUT_OF_RANGE"],
  ];
  for (const [what, req, code] of bad) {
    it(`serving ${what}: ${code}, nothing changes [I18]`, () => expectRejected(s, h, fw(req), code));
  }
});

describe("FORCED_LIQUIDATION_CHECK and LIQUIDATE serving a request", () => {
  // Account 1 is §7.4's liquidatable account; account 2 is healthy (exactly at MM); the fund can absorb.
  const s = makeState({
    0: { quote: usd("100000") },
    1: { quote: usd("-57500"), sizes: [lots("1"), 0n] },
    2: { quote: usd("-57000"), sizes: [lots("1"), 0n] },
  });
  const h = header(s);
  const liq = (p: Partial<LiquidateOp> = {}): LiquidateOp => ({
    opcode: Opcode.LIQUIDATE,
    accountIndex: 1n,
    liquidator: null,
    market: BTC,
    fill: lots("0.5"),
    price: px("57500"),
    penalty: 0n,
    ...p,
  });

  it("a healthy account (TVs ≥ MMs, here equal) is served by the check: no state change, the queue advances [I19]", () => {
    const req = liquidation({ accountIndex: 2n, pubKeyX: pub(2).x, pubKeyY: pub(2).y });
    const r = accept(s, h, [flc(req)]);
    expect(r.slots[0]!.writes).toEqual([]);
    expect(r.publicInputs.newRoot).toBe(s.root);
    expect(r.publicInputs.forcedHashNew).toBe(step(0n, req));
  });

  it("an unregistered leaf is trivially healthy", () => {
    const req = liquidation({ accountIndex: 9n });
    expect(accept(s, h, [flc(req)]).publicInputs.forcedHashNew).toBe(step(0n, req));
  });

  it("a bankrupt account without any position has nothing to liquidate and is served by the check [I19]", () => {
    // TVs < 0 = MMs makes it liquidatable in name only; refusing the check would make the request unservable.
    const sb = makeState({ 4: { quote: usd("-10") } });
    const req = liquidation({ accountIndex: 4n, pubKeyX: pub(4).x, pubKeyY: pub(4).y });
    const r = accept(sb, header(sb), [flc(req)]);
    expect(r.slots[0]!.writes).toEqual([]);
    expect(r.publicInputs.forcedHashNew).toBe(step(0n, req));
  });

  it("a liquidatable account cannot be served by the check: LIQUIDATABLE [I19][I18]", () => {
    expectRejected(s, h, flc(liquidation()), "LIQUIDATABLE");
  });

  it("funding settled at the batch index counts: a tick can make the account liquidatable", () => {
    const req = liquidation({ accountIndex: 2n, pubKeyX: pub(2).x, pubKeyY: pub(2).y });
    const sf = makeState({
      2: { quote: usd("-57000"), sizes: [lots("1"), 0n] },
      3: { quote: usd("100000"), sizes: [-lots("1"), 0n] },
    });
    expectRejected(sf, header(sf, { funding: [px("0.00000001"), 0n] }), flc(req), "LIQUIDATABLE");
  });

  it("a withdrawal request, or an account outside the tree: FORCED_MISMATCH / ACCOUNT_INDEX_OUT_OF_RANGE", () => {
    expectRejected(s, h, flc(withdrawal({ accountIndex: 2n })), "FORCED_MISMATCH");
    expectRejected(s, h, flc(liquidation({ accountIndex: 64n })), "ACCOUNT_INDEX_OUT_OF_RANGE");
  });

  it("a LIQUIDATE with servesForced consumes the request; the liquidation itself is unchanged [I19]", () => {
    const req = liquidation();
    const served = accept(s, h, [{ ...liq(), servesForced: req }]);
    const plain = accept(s, h, [liq()]);
    expect(served.publicInputs.forcedHashNew).toBe(step(0n, req));
    expect(plain.publicInputs.forcedHashNew).toBe(0n);
    expect(served.publicInputs.newRoot).toBe(plain.publicInputs.newRoot);
  });

  it("servesForced naming another account or another kind: FORCED_MISMATCH [I18]", () => {
    expectRejected(s, h, { ...liq(), servesForced: liquidation({ accountIndex: 2n }) }, "FORCED_MISMATCH");
    expectRejected(s, h, { ...liq(), servesForced: withdrawal({ accountIndex: 1n }) }, "FORCED_MISMATCH");
  });
});
