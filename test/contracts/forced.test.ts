// Forced requests (PROTOCOL §7.8): who may file them, fees and the per-block cap, the queue's rolling hash against
// protocol's forcedHashStep, serving them through real batches, the grace period and freezing [I19].
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { type Signer } from "ethers";
import { L1Effect, Opcode, forcedHashStep } from "../../protocol/index.js";
import {
  DEFAULT_PARAMS,
  ETH,
  QUOTE,
  USDC,
  blockNumber,
  deployWorld,
  deposit,
  ethers,
  forceLiquidation,
  forceWithdrawal,
  mine,
  nextBatchTime,
  planBatch,
  send,
  settle,
  snapshotWorld,
  stopProver,
  submission,
  type World,
} from "./helpers/world.js";
import { checkSolvency, expectRevert } from "./helpers/assert.js";

/** Alice owns account 1 (1,000 qUSD of quote, settled); bob owns account 2 (2 WETH, settled). */
const fresh = snapshotWorld(async () => {
  const w = await deployWorld();
  const [alice, bob] = w.users as [Signer, Signer];
  const a = await deposit(w, alice, { index: 1n, key: 1, asset: QUOTE, tokenAmount: 1_000_000_000n });
  const b = await deposit(w, bob, { index: 2n, key: 2, asset: ETH, tokenAmount: 2n * 10n ** 18n });
  await settle(w, planBatch(w, [a, b], { batchTime: await nextBatchTime(w) }));
  return w;
});
let w: World;
let alice: Signer;
let bob: Signer;
let carol: Signer;

beforeEach(async () => {
  w = await fresh();
  [alice, bob, carol] = w.users as [Signer, Signer, Signer];
});
afterEach(async () => checkSolvency(w));
afterAll(stopProver);

const as = (s: Signer): Contract => w.rollup.connect(s) as Contract;
const FEE = DEFAULT_PARAMS.forcedRequestFee;

describe("# forceWithdrawal", () => {
  it("queues the protocol's forced hash with the registry's key and the owner as recipient", async () => {
    const r = await forceWithdrawal(w, alice, 1n, QUOTE, 100n * 10n ** 8n);
    expect(await w.rollup.getFunction("forcedHashAt")(1n)).toBe(forcedHashStep(0n, r));
    expect(await w.rollup.getFunction("forcedBlock")(0n)).toBe(BigInt(await blockNumber()));
    expect(await w.rollup.getFunction("collectedFees")()).toBe(FEE);
  });

  it("reverts when not sent by the registered owner (NotAccountOwner)", async () => {
    await expectRevert(
      as(bob).getFunction("forceWithdrawal")(1n, QUOTE, 1n, { value: FEE }),
      w.rollup.interface,
      "NotAccountOwner",
      [1n, await bob.getAddress()],
    );
    // an unregistered index has no owner
    await expectRevert(
      as(bob).getFunction("forceWithdrawal")(9n, QUOTE, 1n, { value: FEE }),
      w.rollup.interface,
      "NotAccountOwner",
      [9n, await bob.getAddress()],
    );
  });

  it("reverts on a bad asset, index or amount (UnknownAsset, AccountIndexOutOfRange, ZeroAmount, AmountTooLarge)", async () => {
    const f = as(alice).getFunction("forceWithdrawal");
    await expectRevert(f(1n, 3, 1n, { value: FEE }), w.rollup.interface, "UnknownAsset", [3n]);
    await expectRevert(f(64n, QUOTE, 1n, { value: FEE }), w.rollup.interface, "AccountIndexOutOfRange", [
      64n,
    ]);
    await expectRevert(f(1n, QUOTE, 0n, { value: FEE }), w.rollup.interface, "ZeroAmount");
    await expectRevert(f(1n, QUOTE, 1n << 63n, { value: FEE }), w.rollup.interface, "AmountTooLarge", [
      1n << 63n,
    ]);
  });

  it("reverts when the fee is short (InsufficientFee)", async () => {
    await expectRevert(
      as(alice).getFunction("forceWithdrawal")(1n, QUOTE, 1n, { value: FEE - 1n }),
      w.rollup.interface,
      "InsufficientFee",
      [FEE - 1n, FEE],
    );
  });

  it("accepts at most maxForcedPerBlock requests in one block (ForcedRequestCapReached)", async () => {
    const cap = Number(DEFAULT_PARAMS.maxForcedPerBlock);
    await ethers.provider.send("evm_setAutomine", [false]);
    let over;
    const txs = [];
    try {
      for (let i = 0; i < cap; i++) {
        txs.push(
          await as(alice).getFunction("forceWithdrawal")(1n, QUOTE, 1n, { value: FEE, gasLimit: 500_000 }),
        );
      }
      // Evaluated on the pending block, which already holds `cap` requests.
      await expectRevert(
        as(carol).getFunction("forceLiquidation").staticCall(1n, { value: FEE, blockTag: "pending" }),
        w.rollup.interface,
        "ForcedRequestCapReached",
      );
      over = await as(carol).getFunction("forceLiquidation")(1n, { value: FEE, gasLimit: 500_000 });
    } finally {
      await ethers.provider.send("evm_mine", []);
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    for (const tx of txs) expect((await tx.wait()).status).toBe(1);
    const receipt = await ethers.provider.getTransactionReceipt(over.hash);
    expect(receipt?.status).toBe(0);
    expect(receipt?.blockNumber).toBe(
      (await ethers.provider.getTransactionReceipt(txs[0].hash))?.blockNumber,
    );
    expect(await w.rollup.getFunction("forcedCount")()).toBe(BigInt(cap));
    await forceLiquidation(w, carol, 1n); // a new block, a new allowance
  });
});

describe("# forceLiquidation", () => {
  it("lets anyone file for a registered index, hashed as kind 2 with zero asset and amount", async () => {
    const r = await forceLiquidation(w, carol, 2n);
    expect(await w.rollup.getFunction("forcedHashAt")(1n)).toBe(forcedHashStep(0n, r));
  });

  it("reverts for an unregistered or out-of-range index (AccountNotRegistered, AccountIndexOutOfRange)", async () => {
    await expectRevert(
      as(carol).getFunction("forceLiquidation")(9n, { value: FEE }),
      w.rollup.interface,
      "AccountNotRegistered",
      [9n],
    );
    await expectRevert(
      as(carol).getFunction("forceLiquidation")(64n, { value: FEE }),
      w.rollup.interface,
      "AccountIndexOutOfRange",
      [64n],
    );
  });
});

describe("# serving forced requests [I19]", () => {
  it("executes an affordable forced withdrawal: the owner is credited and the queue advances", async () => {
    const r = await forceWithdrawal(w, alice, 1n, QUOTE, 100n * 10n ** 8n);
    const plan = planBatch(w, [{ opcode: Opcode.FORCED_WITHDRAW, request: r }], {
      batchTime: await nextBatchTime(w),
    });
    expect(plan.result.l1Effects).toEqual([
      { kind: L1Effect.WITHDRAWAL, l1Address: r.l1Address, asset: QUOTE, amount: r.amount },
    ]);
    await settle(w, plan);
    expect(await w.rollup.getFunction("consumedForced")()).toBe(1n);
    expect(await w.rollup.getFunction("pending")(await alice.getAddress(), QUOTE)).toBe(100n * 10n ** 6n);
    await (await as(alice).getFunction("withdraw")(QUOTE)).wait();
  });

  it("serves an unaffordable forced withdrawal by rejecting it: no effect, queue advances", async () => {
    const r = await forceWithdrawal(w, alice, 1n, USDC, 5n); // account 1 holds no USDC collateral
    const plan = planBatch(w, [{ opcode: Opcode.FORCED_WITHDRAW, request: r }], {
      batchTime: await nextBatchTime(w),
    });
    expect(plan.result.l1Effects).toEqual([]);
    await settle(w, plan);
    expect(await w.rollup.getFunction("consumedForced")()).toBe(1n);
    expect(await w.rollup.getFunction("pending")(await alice.getAddress(), USDC)).toBe(0n);
  });

  it("serves a forced liquidation of a healthy account by the health check", async () => {
    const r = await forceLiquidation(w, carol, 2n);
    await settle(
      w,
      planBatch(w, [{ opcode: Opcode.FORCED_LIQUIDATION_CHECK, request: r }], {
        batchTime: await nextBatchTime(w),
      }),
    );
    expect(await w.rollup.getFunction("consumedForced")()).toBe(1n);
  });

  it("rejects a batch that claims to serve a request with a different one (InvalidProof)", async () => {
    const r = await forceWithdrawal(w, alice, 1n, QUOTE, 100n * 10n ** 8n);
    const forged = { ...r, amount: r.amount - 1n };
    const plan = planBatch(w, [{ opcode: Opcode.FORCED_WITHDRAW, request: forged }], {
      batchTime: await nextBatchTime(w),
    });
    await expectRevert(send(w, await submission(w, plan)), w.rollup.interface, "InvalidProof");
  });
});

describe("# freeze (grace period)", () => {
  it("is not possible at grace − 1 blocks after the request, and is at grace", async () => {
    await forceWithdrawal(w, alice, 1n, QUOTE, 1n);
    const filed = await blockNumber();
    const grace = Number(DEFAULT_PARAMS.gracePeriodBlocks);
    await mine(grace - 2);
    // Evaluated in the pending block, filed + grace − 1 (a reverting transaction would still use up a block).
    const pendingFreezable = await w.rollup.getFunction("freezable")({ blockTag: "pending" });
    expect(pendingFreezable[0]).toBe(0n);
    await expectRevert(
      w.rollup.getFunction("freeze").staticCall({ blockTag: "pending" }),
      w.rollup.interface,
      "NotFreezable",
    );
    await mine(1);
    const tx = await (await w.rollup.getFunction("freeze")()).wait();
    expect(tx.blockNumber).toBe(filed + grace);
    expect(await w.rollup.getFunction("frozen")()).toBe(true);
  });

  it("is not possible once the request was served within the grace period", async () => {
    const r = await forceLiquidation(w, carol, 2n);
    await settle(
      w,
      planBatch(w, [{ opcode: Opcode.FORCED_LIQUIDATION_CHECK, request: r }], {
        batchTime: await nextBatchTime(w),
      }),
    );
    await mine(Number(DEFAULT_PARAMS.gracePeriodBlocks) + 5);
    await expectRevert(w.rollup.getFunction("freeze")(), w.rollup.interface, "NotFreezable");
  });

  it("rejects batches, deposits and forced requests after a freeze (RollupFrozen), but pays what is owed", async () => {
    // Alice is owed 100 qUSD from a served request, then a second request goes unserved.
    const r = await forceWithdrawal(w, alice, 1n, QUOTE, 100n * 10n ** 8n);
    await settle(
      w,
      planBatch(w, [{ opcode: Opcode.FORCED_WITHDRAW, request: r }], { batchTime: await nextBatchTime(w) }),
    );
    const late = await forceWithdrawal(w, alice, 1n, QUOTE, 1n);
    const plan = planBatch(w, [{ opcode: Opcode.FORCED_WITHDRAW, request: late }], {
      batchTime: await nextBatchTime(w),
    });
    const sub = await submission(w, plan);
    await mine(Number(DEFAULT_PARAMS.gracePeriodBlocks));
    await (await w.rollup.getFunction("freeze")()).wait();
    await expectRevert(send(w, sub), w.rollup.interface, "RollupFrozen");
    await expectRevert(
      as(alice).getFunction("forceWithdrawal")(1n, QUOTE, 1n, { value: FEE }),
      w.rollup.interface,
      "RollupFrozen",
    );
    await expectRevert(
      as(carol).getFunction("forceLiquidation")(1n, { value: FEE }),
      w.rollup.interface,
      "RollupFrozen",
    );
    await (await as(alice).getFunction("withdraw")(QUOTE)).wait();
  });
});

describe("# sweepFees", () => {
  it("sends the collected fees to the admin's recipient, once (NothingToSweep)", async () => {
    await forceLiquidation(w, carol, 1n);
    const to = await bob.getAddress();
    const before = await ethers.provider.getBalance(to);
    await (await (w.rollup.connect(w.admin) as Contract).getFunction("sweepFees")(to)).wait();
    expect(await ethers.provider.getBalance(to)).toBe(before + FEE);
    await expectRevert(
      (w.rollup.connect(w.admin) as Contract).getFunction("sweepFees")(to),
      w.rollup.interface,
      "NothingToSweep",
    );
  });

  it("reverts for anyone but the admin (NotAdmin) and for the zero address (ZeroAddress)", async () => {
    await forceLiquidation(w, carol, 1n);
    await expectRevert(
      as(carol).getFunction("sweepFees")(await carol.getAddress()),
      w.rollup.interface,
      "NotAdmin",
      [await carol.getAddress()],
    );
    await expectRevert(
      (w.rollup.connect(w.admin) as Contract).getFunction("sweepFees")(ethers.ZeroAddress),
      w.rollup.interface,
      "ZeroAddress",
    );
  });

  it("reverts when the recipient refuses ether (EtherTransferFailed), keeping the fees", async () => {
    await forceLiquidation(w, carol, 1n);
    const sink = await (await ethers.getContractFactory("ERC20Mock")).deploy("x", "x", 1); // no receive()
    const to = await sink.getAddress();
    await expectRevert(
      (w.rollup.connect(w.admin) as Contract).getFunction("sweepFees")(to),
      w.rollup.interface,
      "EtherTransferFailed",
      [to],
    );
    expect(await w.rollup.getFunction("collectedFees")()).toBe(FEE);
  });
});
