// DEPOSIT (PROTOCOL §7.1) and WITHDRAW (§7.2): credit, registration, every refund path and the rolling deposit
// hash [I12]; the fund's deposits [I13]; withdrawal signatures [I10], nonce order [I9], no borrowing of quote, the
// initial-margin rule [I5] and bounds [I11]. Every rejection is checked to change nothing [I18].
import { describe, expect, it } from "vitest";
import {
  BatchBuilder,
  type DepositOp,
  DOMAIN_DEPOSIT,
  DOMAIN_ORDER,
  hashTagged,
  L1Effect,
  Opcode,
  type WithdrawOp,
} from "../../protocol/index.js";
import {
  accept,
  acct,
  ADDR,
  depositOp,
  DOMAIN,
  ETH,
  expectRejected,
  header,
  key,
  lots,
  makeState,
  OTHER_CHAIN,
  OTHER_CONTRACT,
  pub,
  px,
  QUOTE,
  sign,
  usd,
  USDC,
  withdrawOp,
} from "./fixtures.js";

/** The spec's rolling hash written out from §7.1, independent of depositHashStep. */
const step = (prev: bigint, d: DepositOp) =>
  hashTagged(DOMAIN_DEPOSIT, [
    prev,
    d.l1Address,
    d.accountIndex,
    d.pubKeyX,
    d.pubKeyY,
    BigInt(d.asset),
    d.amount,
  ]);

describe("DEPOSIT credits", () => {
  it("§7.1 example: 1,000 USDC of quote into empty account 5 registers it with quote = 10^19", () => {
    const s = makeState();
    const d = depositOp({ account: 5, asset: QUOTE, amount: 100_000_000_000n, salt: 777n });
    const r = accept(s, header(s), [d]);
    const a = acct(r, 5);
    expect(a.quote).toBe(10n ** 19n);
    expect(a.quote).toBe(usd("1000"));
    expect([a.pubKeyX, a.pubKeyY, a.salt]).toEqual([pub(5).x, pub(5).y, 777n]);
    expect(r.slots[0]!.note).toBe("credited");
    expect(r.l1Effects).toEqual([]);
    expect(r.publicInputs.depositHashOld).toBe(0n);
    expect(r.publicInputs.depositHashNew).toBe(step(0n, d));
  });

  it("collateral asset c+1 credits balance[c] in its own units; a matching key credits a registered account", () => {
    const s = makeState({ 3: { quote: usd("5"), salt: 42n } });
    const r = accept(s, header(s), [
      depositOp({ account: 3, asset: ETH, amount: lots("1.5"), salt: 9999n }),
      depositOp({ account: 3, asset: USDC, amount: lots("20") }),
    ]);
    const a = acct(r, 3);
    expect(a.balances).toEqual([lots("20"), lots("1.5")]);
    expect(a.quote).toBe(usd("5"));
    expect(a.salt).toBe(42n); // the salt of a registered account never changes
  });

  it("settles the account's funding before crediting", () => {
    // Long 1 BTC settled at index 0; the batch's index is +5 USD/BTC: the account pays 5 USD on touch.
    const s = makeState({ 3: { quote: usd("100"), sizes: [lots("1"), 0n] }, 4: { sizes: [-lots("1"), 0n] } });
    const h = header(s, { funding: [px("5"), 0n] });
    const r = accept(s, h, [depositOp({ account: 3, asset: QUOTE, amount: lots("1") })]);
    expect(acct(r, 3).quote).toBe(usd("100") - usd("5") + usd("1"));
    expect(acct(r, 3).fundingIndices).toEqual([px("5"), 0n]);
  });

  it("deposits are consumed in order: the rolling hash chains and depends on the order [I12]", () => {
    const s = makeState();
    const d1 = depositOp({ account: 1, asset: QUOTE, amount: 10n });
    const d2 = depositOp({ account: 2, asset: ETH, amount: 20n });
    const r = accept(s, header(s), [d1, d2]);
    expect(r.slots[0]!.depositHashAfter).toBe(step(0n, d1));
    expect(r.publicInputs.depositHashNew).toBe(step(step(0n, d1), d2));
    expect(r.state.depositHash).toBe(r.publicInputs.depositHashNew);
    const swapped = accept(s, header(s), [d2, d1]);
    expect(swapped.publicInputs.depositHashNew).not.toBe(r.publicInputs.depositHashNew);
    // The next batch starts where this one ended.
    const r2 = accept(r.state, header(r.state), [depositOp({ account: 1, asset: QUOTE, amount: 1n })]);
    expect(r2.publicInputs.depositHashOld).toBe(r.publicInputs.depositHashNew);
  });
});

describe("DEPOSIT refunds: the queue advances, the account is unchanged, the amount goes back [I12]", () => {
  function expectRefund(s: ReturnType<typeof makeState>, d: DepositOp, note: string) {
    const before = s.account(d.accountIndex).hash();
    const r = accept(s, header(s), [d]);
    expect(r.slots[0]!.note).toBe(note);
    expect(r.slots[0]!.writes).toEqual([]);
    expect(r.l1Effects).toEqual([
      { kind: L1Effect.DEPOSIT_REFUND, l1Address: d.l1Address, asset: d.asset, amount: d.amount },
    ]);
    expect(r.publicInputs.depositHashNew).toBe(step(0n, d));
    expect(r.state.account(d.accountIndex).hash()).toBe(before);
    // The refund is committed in the L1 effects hash the contract recomputes.
    expect(r.publicInputs.l1EffectsHash).not.toBe(0n);
  }

  it("key mismatch on a registered account", () => {
    const s = makeState({ 2: {} });
    expectRefund(
      s,
      depositOp({ account: 2, asset: QUOTE, amount: 5n, pubKey: pub(7) }),
      "refund: key mismatch",
    );
  });

  it("the zero key cannot register an empty account", () => {
    expectRefund(
      makeState(),
      depositOp({ account: 2, asset: QUOTE, amount: 5n, pubKey: null }),
      "refund: zero key cannot register",
    );
  });

  it("a balance credit that would leave Uint64 [I11]", () => {
    const s = makeState({ 2: { balances: [(1n << 64n) - 10n, 0n] } });
    expectRefund(
      s,
      depositOp({ account: 2, asset: USDC, amount: 10n }),
      "refund: credit would overflow the balance",
    );
    // One less fits exactly.
    expect(
      acct(accept(s, header(s), [depositOp({ account: 2, asset: USDC, amount: 9n })]), 2).balances[0],
    ).toBe((1n << 64n) - 1n);
  });

  it("a quote credit that would leave Int96 [I11]", () => {
    const s = makeState({ 2: { quote: (1n << 95n) - 100_000_000n } });
    expectRefund(
      s,
      depositOp({ account: 2, asset: QUOTE, amount: 1n }),
      "refund: credit would overflow the balance",
    );
  });

  it("into the insurance fund only with the fund's own key [I13]", () => {
    const s = makeState();
    expectRefund(
      s,
      depositOp({ account: 0, asset: QUOTE, amount: 5n, pubKey: pub(1) }),
      "refund: key mismatch",
    );
    const r = accept(s, header(s), [depositOp({ account: 0, asset: QUOTE, amount: lots("100") })]);
    expect(r.fundAfter.quote).toBe(usd("100"));
    // The fund is credited in its register: no Merkle path of its own during the op, written back at the end.
    expect(r.slots[0]!.writes[0]!.siblings).toBeNull();
    expect(r.state.tree.leaf(0n)).toBe(r.fundAfter.hash());
  });
});

describe("DEPOSIT rejections (a forged op, not a refund: the contract never queues these)", () => {
  const s = makeState({ 2: {} });
  const h = header(s);
  const ok = depositOp({ account: 2, asset: QUOTE, amount: 5n });
  const cases: [string, DepositOp, string][] = [
    ["amount 0", { ...ok, amount: 0n }, "OUT_OF_RANGE"],
    ["amount ≥ 2^63", { ...ok, amount: 1n << 63n }, "OUT_OF_RANGE"],
    ["address ≥ 2^160", { ...ok, l1Address: 1n << 160n }, "OUT_OF_RANGE"],
    ["pubKeyX not a field element", { ...ok, pubKeyX: -1n }, "OUT_OF_RANGE"],
    ["salt not a field element", { ...ok, salt: 1n << 254n }, "OUT_OF_RANGE"],
    ["account index 64 in a depth-6 tree", { ...ok, accountIndex: 64n }, "ACCOUNT_INDEX_OUT_OF_RANGE"],
    ["negative account index", { ...ok, accountIndex: -1n }, "ACCOUNT_INDEX_OUT_OF_RANGE"],
    ["asset C+1", { ...ok, asset: 3 }, "UNKNOWN_ASSET"],
    ["non-integer asset", { ...ok, asset: 0.5 }, "UNKNOWN_ASSET"],
  ];
  for (const [what, op, code] of cases) {
    it(`${what}: ${code} [I18]`, () => expectRejected(s, h, op, code));
  }

  it("the builder's dry run accepts the valid op without applying it", () => {
    const b = new BatchBuilder(s, h);
    expect(b.check(ok)).toBeNull();
    expect(b.size).toBe(0);
    expect(b.account(2n).quote).toBe(0n);
    b.apply(ok);
    expect(b.account(2n).quote).toBe(5n * 100_000_000n);
  });
});

describe("WITHDRAW accepted", () => {
  it("§7.2 example: account 5 (quote 1,000 USD) withdraws 100 USD with nonce 0 → quote 9·10^18, nonce 1", () => {
    const s = makeState({ 5: { quote: 10n ** 19n } });
    const w = withdrawOp({ account: 5, asset: QUOTE, amount: lots("100"), nonce: 0n });
    const r = accept(s, header(s), [w]);
    expect(acct(r, 5).quote).toBe(9n * 10n ** 18n);
    expect(acct(r, 5).nonce).toBe(1n);
    expect(r.l1Effects).toEqual([
      { kind: L1Effect.WITHDRAWAL, l1Address: ADDR, asset: QUOTE, amount: lots("100") },
    ]);
  });

  it("collateral comes out of balance[asset − 1]; nonces are used in order within one batch [I9]", () => {
    const s = makeState({ 5: { balances: [lots("10"), lots("2")] } });
    const r = accept(s, header(s), [
      withdrawOp({ account: 5, asset: ETH, amount: lots("0.5"), nonce: 0n }),
      withdrawOp({ account: 5, asset: USDC, amount: lots("10"), nonce: 1n }),
    ]);
    expect(acct(r, 5).balances).toEqual([0n, lots("1.5")]);
    expect(acct(r, 5).nonce).toBe(2n);
  });

  it("may leave exactly TVs = IMs [I5]", () => {
    // Long 1 BTC at 60,000: IM = 6,000. quote −55,000 and 2,000 USDC: TV = −55,000 + 2,000 + 60,000 = 7,000.
    // Withdrawing 1,000 USDC leaves TV = 6,000 = IM.
    const s = makeState({
      5: { quote: usd("-55000"), balances: [lots("2000"), 0n], sizes: [lots("1"), 0n] },
    });
    const r = accept(s, header(s), [
      withdrawOp({ account: 5, asset: USDC, amount: lots("1000"), nonce: 0n }),
    ]);
    expect(acct(r, 5).balances[0]).toBe(lots("1000"));
  });
});

describe("WITHDRAW rejected [I18]", () => {
  const s = makeState({
    5: { quote: usd("1000"), balances: [lots("10"), lots("1")] },
    6: { key: null },
    7: { quote: usd("1000") },
  });
  const h = header(s);
  const ok = withdrawOp({ account: 5, asset: QUOTE, amount: lots("100"), nonce: 0n });

  it("signed by another key: BAD_SIGNATURE", () => {
    expectRejected(
      s,
      h,
      withdrawOp({ account: 5, asset: QUOTE, amount: lots("100"), nonce: 0n, key: key(6) }),
      "BAD_SIGNATURE",
    );
  });

  it("tampered amount, asset, recipient, account or nonce after signing: BAD_SIGNATURE", () => {
    const tampered: WithdrawOp[] = [
      { ...ok, amount: ok.amount + 1n },
      { ...ok, asset: USDC },
      { ...ok, l1Address: ok.l1Address + 1n },
      { ...ok, accountIndex: 7n },
    ];
    for (const op of tampered) expectRejected(s, h, op, "BAD_SIGNATURE");
    // A nonce change is caught by the signature before the nonce rule.
    const s1 = makeState({ 5: { quote: usd("1000"), nonce: 1n } });
    expectRejected(s1, header(s1), { ...ok, nonce: 1n }, "BAD_SIGNATURE");
  });

  it("signed for another chain or another contract: BAD_SIGNATURE [I10]", () => {
    expectRejected(
      s,
      h,
      withdrawOp({ account: 5, asset: QUOTE, amount: lots("100"), nonce: 0n, domain: OTHER_CHAIN }),
      "BAD_SIGNATURE",
    );
    expectRejected(
      s,
      h,
      withdrawOp({ account: 5, asset: QUOTE, amount: lots("100"), nonce: 0n, domain: OTHER_CONTRACT }),
      "BAD_SIGNATURE",
    );
  });

  it("a signature over the same fields under the order tag: BAD_SIGNATURE [I10]", () => {
    const fields = [DOMAIN.chainId, DOMAIN.contract, 5n, 0n, lots("100"), ADDR, 0n];
    expectRejected(
      s,
      h,
      { ...ok, signature: sign(key(5), hashTagged(DOMAIN_ORDER, fields)) },
      "BAD_SIGNATURE",
    );
  });

  it("a nonce ahead of the account's: BAD_NONCE [I9]", () => {
    expectRejected(s, h, withdrawOp({ account: 5, asset: QUOTE, amount: lots("1"), nonce: 1n }), "BAD_NONCE");
  });

  it("a replayed withdrawal (nonce already used): BAD_NONCE, in the same batch and in a later one [I9]", () => {
    expectRejected(s, h, ok, "BAD_NONCE", [ok]);
    const later = accept(s, h, [ok]).state;
    expectRejected(later, header(later), ok, "BAD_NONCE");
  });

  it("an unregistered account: ACCOUNT_NOT_REGISTERED", () => {
    expectRejected(
      s,
      h,
      withdrawOp({ account: 6, asset: QUOTE, amount: 1n, nonce: 0n }),
      "ACCOUNT_NOT_REGISTERED",
    );
  });

  it("more quote than the balance, even with collateral to back it (no borrowing): INSUFFICIENT_BALANCE", () => {
    expectRejected(
      s,
      h,
      withdrawOp({ account: 5, asset: QUOTE, amount: lots("1000.00000001"), nonce: 0n }),
      "INSUFFICIENT_BALANCE",
    );
    accept(s, h, [withdrawOp({ account: 5, asset: QUOTE, amount: lots("1000"), nonce: 0n })]);
  });

  it("more collateral than the balance: INSUFFICIENT_BALANCE", () => {
    expectRejected(
      s,
      h,
      withdrawOp({ account: 5, asset: ETH, amount: lots("1.00000001"), nonce: 0n }),
      "INSUFFICIENT_BALANCE",
    );
  });

  it("funding is settled first: owed funding makes a full quote withdrawal INSUFFICIENT_BALANCE", () => {
    // Long 1 BTC, index +10 USD: 10 USD owed, so only 990 of the 1,000 quote can leave.
    const sf = makeState({
      5: { quote: usd("1000"), balances: [lots("10000"), 0n], sizes: [lots("1"), 0n] },
      7: { sizes: [-lots("1"), 0n] },
    });
    const hf = header(sf, { funding: [px("10"), 0n] });
    expectRejected(
      sf,
      hf,
      withdrawOp({ account: 5, asset: QUOTE, amount: lots("990.00000001"), nonce: 0n }),
      "INSUFFICIENT_BALANCE",
    );
    expect(
      acct(accept(sf, hf, [withdrawOp({ account: 5, asset: QUOTE, amount: lots("990"), nonce: 0n })]), 5)
        .quote,
    ).toBe(0n);
  });

  it("a withdrawal leaving TVs < IMs: UNDER_MARGINED, even while TVs stays above MMs [I5]", () => {
    // As in the accepted case (TV 7,000, IM 6,000): one unit more than 1,000 USDC is too much.
    const sm = makeState({
      5: { quote: usd("-55000"), balances: [lots("2000"), 0n], sizes: [lots("1"), 0n] },
    });
    expectRejected(
      sm,
      header(sm),
      withdrawOp({ account: 5, asset: USDC, amount: lots("1000.00000001"), nonce: 0n }),
      "UNDER_MARGINED",
    );
    // TV = −56,000 + 2,000 + 60,000 = 6,000 = IM: any withdrawal leaves TV below IM though far above MM (3,000).
    const sm2 = makeState({
      5: { quote: usd("-56000"), balances: [lots("2000"), 0n], sizes: [lots("1"), 0n] },
    });
    expectRejected(
      sm2,
      header(sm2),
      withdrawOp({ account: 5, asset: USDC, amount: 1n, nonce: 0n }),
      "UNDER_MARGINED",
    );
  });

  it("the account nonce would leave Uint32: OUT_OF_RANGE [I11]", () => {
    const sn = makeState({ 5: { quote: usd("1000"), nonce: (1n << 32n) - 1n } });
    expectRejected(
      sn,
      header(sn),
      withdrawOp({ account: 5, asset: QUOTE, amount: 1n, nonce: (1n << 32n) - 1n }),
      "OUT_OF_RANGE",
    );
  });

  const fieldCases: [string, Partial<WithdrawOp>, string][] = [
    ["amount 0", { amount: 0n }, "OUT_OF_RANGE"],
    ["nonce ≥ 2^32", { nonce: 1n << 32n }, "OUT_OF_RANGE"],
    ["recipient ≥ 2^160", { l1Address: 1n << 160n }, "OUT_OF_RANGE"],
    ["recipient is the zero address (its credit could never be pulled)", { l1Address: 0n }, "OUT_OF_RANGE"],
    ["asset C+1", { asset: 3 }, "UNKNOWN_ASSET"],
    ["account 64", { accountIndex: 64n }, "ACCOUNT_INDEX_OUT_OF_RANGE"],
  ];
  for (const [what, patch, code] of fieldCases) {
    it(`${what}: ${code}`, () => expectRejected(s, h, { ...ok, ...patch, opcode: Opcode.WITHDRAW }, code));
  }
});
