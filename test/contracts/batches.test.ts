// submitBatch's checks on the TEST-ONLY stand-in verifier: real protocol batches (deposits consumed, withdrawals and
// refunds paid) and every way a batch must be refused — wrong state chain, a replayed or malleated proof, each public
// input changed alone, a field ≥ r, another chain or contract. The stand-in's circuit proves any publicInputHash, so
// these tests can make a valid proof of a wrong statement in a fraction of a second (a proof "for another chain" is
// just the hash with another chain id); the verifier is snarkjs's real generated code either way. The same story with
// the real batch verifier and real batch proofs is realProofs.test.ts.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { type Signer } from "ethers";
import {
  FIELD_MODULUS,
  L1Effect,
  Opcode,
  publicInputHash,
  signWithdrawal,
  type DepositOp,
  type PublicInputs,
  type WithdrawOp,
} from "../../protocol/index.js";
import { PRICES, key } from "./helpers/model.js";
import {
  ETH,
  QUOTE,
  USDC,
  addr,
  deployWorld,
  deposit,
  ethers,
  latestTime,
  nextBatchTime,
  planBatch,
  prove,
  send,
  settle,
  snapshotWorld,
  stopProver,
  submission,
  type Submission,
  type World,
} from "./helpers/world.js";
import { checkSolvency, decodeRevert, expectRevert } from "./helpers/assert.js";

const fresh = snapshotWorld(() => deployWorld());
let w: World;
let alice: Signer;
let bob: Signer;

beforeEach(async () => {
  w = await fresh();
  [alice, bob] = w.users as [Signer, Signer];
});
afterEach(async () => checkSolvency(w));
afterAll(stopProver);

const BG = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n; // BN254 base field q

/** Alice deposits 1,000 qUSD into account 1 and 2 WETH into account 2 (another key); a batch consumes both. */
async function depositsSettled(): Promise<{ ops: DepositOp[]; sub: Submission }> {
  const a = await deposit(w, alice, { index: 1n, key: 1, asset: QUOTE, tokenAmount: 1_000_000_000n });
  const b = await deposit(w, bob, { index: 2n, key: 2, asset: ETH, tokenAmount: 2n * 10n ** 18n });
  const plan = planBatch(w, [a, b], { batchTime: await nextBatchTime(w) });
  const sub = await settle(w, plan);
  return { ops: [a, b], sub };
}

function withdrawal(index: bigint, asset: number, amount: bigint, to: bigint, nonce: bigint): WithdrawOp {
  const req = { accountIndex: index, asset, amount, l1Address: to, nonce };
  return { opcode: Opcode.WITHDRAW, ...req, signature: signWithdrawal(key(Number(index)), w.domain, req) };
}

describe("# submitBatch", () => {
  it("settles a model batch consuming two deposits: root, counters, indices and prices stored [I12]", async () => {
    const { sub } = await depositsSettled();
    const r = (name: string): ((...args: unknown[]) => Promise<unknown>) => w.rollup.getFunction(name);
    expect(await r("stateRoot")()).toBe(w.state.root);
    expect(await r("batchNumber")()).toBe(1n);
    expect(await r("consumedDeposits")()).toBe(2n);
    expect(await r("lastBatchTime")()).toBe(sub.header.batchTime);
    expect([...((await r("lastPrices")()) as bigint[])]).toEqual([...PRICES.markets, ...PRICES.collaterals]);
    expect([...((await r("fundingIndices")()) as bigint[])]).toEqual([0n, 0n]);
    expect(w.state.account(1n).quote).toBe(1_000n * 10n ** 16n); // 1,000 USD in Value units
    expect(w.state.account(2n).balances[1]).toBe(2n * 10n ** 8n);
  });

  it("logs the publicInputHash protocol computes for the same batch", async () => {
    const a = await deposit(w, alice, { index: 1n, key: 1, asset: QUOTE, tokenAmount: 5_000_000n });
    const plan = planBatch(w, [a], { batchTime: await nextBatchTime(w) });
    const sub = await submission(w, plan);
    const receipt = await (await send(w, sub)).wait();
    const ev = (receipt as { logs: { topics: string[]; data: string }[] }).logs
      .map((l) => w.rollup.interface.parseLog(l))
      .find((p) => p?.name === "BatchSettled");
    expect(ev?.args.publicInputHash).toBe(plan.result.publicInputHash);
    expect(ev?.args.publicInputHash).toBe(publicInputHash(plan.result.publicInputs));
  });

  it("credits a withdrawal to pending in token units, paid out once by withdraw", async () => {
    await depositsSettled();
    const to = await addr(bob);
    const op = withdrawal(1n, QUOTE, 250n * 10n ** 8n, to, 0n); // 250 USD of quote
    const plan = planBatch(w, [op], { batchTime: await nextBatchTime(w) });
    expect(plan.result.l1Effects).toEqual([
      { kind: L1Effect.WITHDRAWAL, l1Address: to, asset: QUOTE, amount: 250n * 10n ** 8n },
    ]);
    await settle(w, plan);
    const owed = 250n * 10n ** 6n; // qUSD has 6 decimals: 1 token unit = 100 internal units
    expect(await w.rollup.getFunction("pending")(await bob.getAddress(), QUOTE)).toBe(owed);
    const before = (await w.d.tokens[QUOTE]!.getFunction("balanceOf")(await bob.getAddress())) as bigint;
    await (await (w.rollup.connect(bob) as Contract).getFunction("withdraw")(QUOTE)).wait();
    expect(await w.d.tokens[QUOTE]!.getFunction("balanceOf")(await bob.getAddress())).toBe(before + owed);
    expect(await w.rollup.getFunction("pending")(await bob.getAddress(), QUOTE)).toBe(0n);
    await expectRevert(
      (w.rollup.connect(bob) as Contract).getFunction("withdraw")(QUOTE),
      w.rollup.interface,
      "NothingToWithdraw",
      [await bob.getAddress(), BigInt(QUOTE)],
    );
  });

  it("credits a deposit the circuit refunds (balance would leave Uint64) back to its depositor [I12]", async () => {
    // Three deposits of 2^63 − 1 internal units of WETH: the third would push the balance past 2^64.
    const max = (1n << 63n) - 1n;
    const ops: DepositOp[] = [];
    for (let i = 0; i < 3; i++)
      ops.push(await deposit(w, alice, { index: 1n, key: 1, asset: ETH, tokenAmount: max * 10n ** 10n }));
    const plan = planBatch(w, ops, { batchTime: await nextBatchTime(w) });
    expect(plan.result.l1Effects).toEqual([
      { kind: L1Effect.DEPOSIT_REFUND, l1Address: await addr(alice), asset: ETH, amount: max },
    ]);
    await settle(w, plan);
    expect(await w.rollup.getFunction("pending")(await alice.getAddress(), ETH)).toBe(max * 10n ** 10n);
    expect(w.state.account(1n).balances[1]).toBe(2n * max);
  });

  it("accepts a batch consuming only some of the queued deposits, then the rest", async () => {
    const a = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1_000_000n });
    const b = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 2_000_000n });
    await settle(w, planBatch(w, [a], { batchTime: await nextBatchTime(w) }));
    expect(await w.rollup.getFunction("consumedDeposits")()).toBe(1n);
    await settle(w, planBatch(w, [b], { batchTime: await nextBatchTime(w) }));
    expect(await w.rollup.getFunction("consumedDeposits")()).toBe(2n);
    expect(w.state.account(1n).balances[0]).toBe(3n * 10n ** 8n);
  });

  it("reverts when not sent by the sequencer (NotSequencer)", async () => {
    const a = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1_000_000n });
    const sub = await submission(w, planBatch(w, [a], { batchTime: await nextBatchTime(w) }));
    await expectRevert(send(w, sub, alice), w.rollup.interface, "NotSequencer", [await alice.getAddress()]);
  });
});

describe("# submitBatch: the state chain", () => {
  it("reverts when the same batch is submitted twice (WrongBatchNumber), and its proof alone cannot be replayed", async () => {
    const { sub } = await depositsSettled();
    await expectRevert(send(w, sub), w.rollup.interface, "WrongBatchNumber", [2n, 1n]);
    // Same proof with the header moved on: the rebuilt public input differs, so the proof fails.
    const replay = { ...sub, header: { ...sub.header, batchNumber: 2n, oldRoot: w.state.root } };
    await expectRevert(send(w, replay), w.rollup.interface, "InvalidProof");
  });

  it("reverts when the old root is not the stored root (StaleRoot)", async () => {
    const a = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1_000_000n });
    const sub = await submission(w, planBatch(w, [a], { batchTime: await nextBatchTime(w) }));
    const bad = { ...sub, header: { ...sub.header, oldRoot: sub.header.oldRoot + 1n } };
    await expectRevert(send(w, bad), w.rollup.interface, "StaleRoot", [
      w.state.root,
      sub.header.oldRoot + 1n,
    ]);
  });

  it("reverts when a batch skips a number (WrongBatchNumber)", async () => {
    const a = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1_000_000n });
    const sub = await submission(w, planBatch(w, [a], { batchTime: await nextBatchTime(w) }));
    await expectRevert(
      send(w, { ...sub, header: { ...sub.header, batchNumber: 2n } }),
      w.rollup.interface,
      "WrongBatchNumber",
      [1n, 2n],
    );
  });

  it("rejects a malleated copy of an accepted proof: (−A, −B, C) for the next batch, and −A alone", async () => {
    const { sub } = await depositsSettled();
    const neg = (y: bigint): bigint => (BG - y) % BG;
    const c = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1_000_000n });
    const next = await submission(w, planBatch(w, [c], { batchTime: await nextBatchTime(w) }));
    const malleated = {
      a: [sub.proof.a[0], neg(sub.proof.a[1])] as [bigint, bigint],
      b: [sub.proof.b[0], [neg(sub.proof.b[1][0]), neg(sub.proof.b[1][1])]] as Submission["proof"]["b"],
      c: sub.proof.c,
    };
    await expectRevert(send(w, { ...next, proof: malleated }), w.rollup.interface, "InvalidProof");
    const negA = { ...next.proof, a: [next.proof.a[0], neg(next.proof.a[1])] as [bigint, bigint] };
    await expectRevert(send(w, { ...next, proof: negA }), w.rollup.interface, "InvalidProof");
    // (−A, −B, C) of the *fresh* proof verifies for the same inputs — the contract's state chain, not proof
    // uniqueness, is what makes a batch land once.
    const twin = {
      a: [next.proof.a[0], neg(next.proof.a[1])] as [bigint, bigint],
      b: [next.proof.b[0], [neg(next.proof.b[1][0]), neg(next.proof.b[1][1])]] as Submission["proof"]["b"],
      c: next.proof.c,
    };
    await (await send(w, { ...next, proof: twin })).wait();
    await expectRevert(send(w, next), w.rollup.interface, "WrongBatchNumber", [3n, 2n]);
  });

  it("rejects a proof point off the curve or with a coordinate ≥ q (InvalidProof)", async () => {
    const a = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1_000_000n });
    const sub = await submission(w, planBatch(w, [a], { batchTime: await nextBatchTime(w) }));
    const offCurve = { ...sub.proof, a: [sub.proof.a[0], sub.proof.a[1] + 1n] as [bigint, bigint] };
    await expectRevert(send(w, { ...sub, proof: offCurve }), w.rollup.interface, "InvalidProof");
    const big = { ...sub.proof, c: [sub.proof.c[0] + BG, sub.proof.c[1]] as [bigint, bigint] };
    await expectRevert(send(w, { ...sub, proof: big }), w.rollup.interface, "InvalidProof");
  });
});

describe("# submitBatch: each public input tampered alone", () => {
  let a: DepositOp;
  let sub: Submission;

  beforeEach(async () => {
    a = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1_000_000n });
    await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1_000_000n });
    sub = await submission(w, planBatch(w, [a], { batchTime: await nextBatchTime(w) }));
  });

  it("new root", async () => {
    await expectRevert(
      send(w, { ...sub, header: { ...sub.header, newRoot: sub.header.newRoot + 1n } }),
      w.rollup.interface,
      "InvalidProof",
    );
  });

  it("batch time", async () => {
    await expectRevert(
      send(w, { ...sub, header: { ...sub.header, batchTime: sub.header.batchTime - 1n } }),
      w.rollup.interface,
      "InvalidProof",
    );
  });

  it("new funding index", async () => {
    const bad = { ...sub, header: { ...sub.header, fundingIndices: [1n, 0n] } };
    await expectRevert(send(w, bad), w.rollup.interface, "InvalidProof");
  });

  it("deposit queue position (one more deposit consumed)", async () => {
    await expectRevert(
      send(w, { ...sub, header: { ...sub.header, depositCount: 2n } }),
      w.rollup.interface,
      "InvalidProof",
    );
  });

  it("a price (quorum reports agreeing on another price)", async () => {
    const { signReports } = await import("./helpers/world.js");
    const other = {
      markets: [PRICES.markets[0]! + 1n, PRICES.markets[1]!],
      collaterals: [...PRICES.collaterals],
    };
    const reports = await signReports(w, other, sub.header.batchTime);
    await expectRevert(send(w, { ...sub, reports }), w.rollup.interface, "InvalidProof");
  });

  it("an L1 effect added", async () => {
    const effects = [
      { kind: L1Effect.WITHDRAWAL, l1Address: await alice.getAddress(), asset: USDC, amount: 1n },
    ];
    await expectRevert(send(w, { ...sub, effects }), w.rollup.interface, "InvalidProof");
  });

  it("the stored config hash (changed through the timelock)", async () => {
    const { mine, TIMELOCK_BLOCKS } = await import("./helpers/world.js");
    const data = ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [12345n]);
    const admin = w.rollup.connect(w.admin) as Contract;
    await (await admin.getFunction("proposeChange")(1, data)).wait();
    await mine(Number(TIMELOCK_BLOCKS));
    await (await admin.getFunction("executeChange")(1, data)).wait();
    const fresh = await submission(w, planBatch(w, [a], { batchTime: await nextBatchTime(w) }));
    await expectRevert(send(w, fresh), w.rollup.interface, "InvalidProof");
  });

  it("the same batch proven for another chain id or another contract address", async () => {
    const plan = planBatch(w, [a], { batchTime: sub.header.batchTime });
    for (const p of [
      { ...plan.result.publicInputs, chainId: 1n },
      { ...plan.result.publicInputs, contract: BigInt(w.address) + 1n },
    ] satisfies PublicInputs[]) {
      const proof = await prove(w, publicInputHash(p));
      await expectRevert(send(w, { ...sub, proof }), w.rollup.interface, "InvalidProof");
    }
    await (await send(w, sub)).wait(); // the original still lands
  });

  it("reverts when the new root is not a field element (NotAFieldElement)", async () => {
    const bad = { ...sub, header: { ...sub.header, newRoot: FIELD_MODULUS + sub.header.newRoot } };
    await expectRevert(send(w, bad), w.rollup.interface, "NotAFieldElement", [
      FIELD_MODULUS + sub.header.newRoot,
    ]);
  });
});

describe("# submitBatch: header checks", () => {
  let sub: Submission;

  beforeEach(async () => {
    const a = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1_000_000n });
    sub = await submission(w, planBatch(w, [a], { batchTime: await nextBatchTime(w) }));
  });

  it("reverts when consuming more deposits than queued (DepositQueuePosition)", async () => {
    await expectRevert(
      send(w, { ...sub, header: { ...sub.header, depositCount: 2n } }),
      w.rollup.interface,
      "DepositQueuePosition",
      [0n, 2n, 1n],
    );
  });

  it("reverts when consuming forced requests that were never filed (ForcedQueuePosition)", async () => {
    await expectRevert(
      send(w, { ...sub, header: { ...sub.header, forcedCount: 1n } }),
      w.rollup.interface,
      "ForcedQueuePosition",
      [0n, 1n, 0n],
    );
  });

  it("reverts when the batch time is in the future (BatchTimeOutOfRange)", async () => {
    const future = (await latestTime()) + 3600n;
    let err: unknown;
    try {
      await send(w, { ...sub, header: { ...sub.header, batchTime: future } });
    } catch (e) {
      err = e;
    }
    // the block time is only known when the call runs, so the third argument is not pinned here
    const got = decodeRevert(w.rollup.interface, err);
    expect(got.name).toBe("BatchTimeOutOfRange");
    expect(got.args.slice(0, 2)).toEqual([future, 0n]);
  });

  it("reverts when the batch time goes back before the last batch (BatchTimeOutOfRange)", async () => {
    await settle(w, planBatch(w, [w.queue[0]!], { batchTime: sub.header.batchTime }), sub);
    const b = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1_000_000n });
    const next = await submission(w, planBatch(w, [b], { batchTime: await nextBatchTime(w) }));
    const back = sub.header.batchTime - 1n;
    let err: unknown;
    try {
      await send(w, { ...next, header: { ...next.header, batchTime: back } });
    } catch (e) {
      err = e;
    }
    const got = decodeRevert(w.rollup.interface, err);
    expect(got.name).toBe("BatchTimeOutOfRange");
    expect(got.args.slice(0, 2)).toEqual([back, sub.header.batchTime]);
  });

  it("reverts with the wrong number of funding indices (FundingIndexCount)", async () => {
    await expectRevert(
      send(w, { ...sub, header: { ...sub.header, fundingIndices: [0n] } }),
      w.rollup.interface,
      "FundingIndexCount",
      [1n, 2n],
    );
  });

  it("reverts on an effect of unknown kind, unknown asset or zero amount (InvalidEffect)", async () => {
    const to = await alice.getAddress();
    for (const e of [
      { kind: 3, l1Address: to, asset: 0, amount: 1n },
      { kind: 1, l1Address: to, asset: 3, amount: 1n },
      { kind: 2, l1Address: to, asset: 0, amount: 0n },
    ]) {
      await expectRevert(send(w, { ...sub, effects: [e] }), w.rollup.interface, "InvalidEffect", [0n]);
    }
  });

  it("reverts after a freeze (RollupFrozen)", async () => {
    const { mine, DEFAULT_PARAMS } = await import("./helpers/world.js");
    await mine(Number(DEFAULT_PARAMS.depositTimeoutBlocks));
    await (await w.rollup.getFunction("freeze")()).wait();
    await expectRevert(send(w, sub), w.rollup.interface, "RollupFrozen");
  });
});
