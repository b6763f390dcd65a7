// Deposits (PROTOCOL §7.1) and the account registry (§7.8): every refusal with its custom error, token-unit
// conversion, the queue's rolling hash against protocol's depositHashStep, the deposit timeout, freezing and
// reclaiming unconsumed deposits — only after a freeze, and only once.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { type Signer } from "ethers";
import { buildBabyjub } from "circomlibjs";
import { FIELD_MODULUS, depositHashStep, isValidPublicKey } from "../../protocol/index.js";
import { pub } from "./helpers/model.js";
import {
  DEFAULT_PARAMS,
  ETH,
  QUOTE,
  USDC,
  blockNumber,
  deployWorld,
  deposit,
  fund,
  mine,
  nextBatchTime,
  planBatch,
  settle,
  snapshotWorld,
  stopProver,
  type World,
} from "./helpers/world.js";
import { checkSolvency, expectRevert } from "./helpers/assert.js";

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

const as = (s: Signer): Contract => w.rollup.connect(s) as Contract;

async function rawDeposit(
  who: Signer,
  index: bigint,
  x: bigint,
  y: bigint,
  asset: number,
  amount: bigint,
): Promise<unknown> {
  if (asset <= 2) await fund(w, who, asset, amount);
  return (await as(who).getFunction("deposit")(index, x, y, asset, amount)).wait();
}

describe("# deposit", () => {
  it("registers a new index to (key, sender) and queues the protocol's deposit hash [I12]", async () => {
    const op = await deposit(w, alice, { index: 5n, key: 5, asset: QUOTE, tokenAmount: 1_000_000_000n });
    // 1,000 qUSD at 6 decimals = 10^9 token units = 10^11 internal units (PROTOCOL §7.1's example amount)
    expect(op.amount).toBe(100_000_000_000n);
    const acc = await w.rollup.getFunction("accounts")(5n);
    expect([acc.pubKeyX, acc.pubKeyY, acc.owner]).toEqual([pub(5).x, pub(5).y, await alice.getAddress()]);
    expect(await w.rollup.getFunction("depositHashAt")(1n)).toBe(depositHashStep(0n, op));
    expect(await w.rollup.getFunction("depositBlock")(0n)).toBe(BigInt(await blockNumber()));
  });

  it("chains the rolling hash over several deposits exactly as protocol does", async () => {
    let h = 0n;
    const plan: [Signer, bigint, number, number, bigint][] = [
      [alice, 1n, 1, USDC, 3_000_000n],
      [bob, 1n, 1, ETH, 10n ** 18n], // a top-up by someone else with the same key
      [bob, 2n, 2, QUOTE, 7n],
    ];
    for (const [i, [who, index, k, asset, amount]] of plan.entries()) {
      const op = await deposit(w, who, { index, key: k, asset, tokenAmount: amount });
      h = depositHashStep(h, op);
      expect(await w.rollup.getFunction("depositHashAt")(BigInt(i + 1))).toBe(h);
    }
    // the owner stays the first depositor
    expect((await w.rollup.getFunction("accounts")(1n)).owner).toBe(await alice.getAddress());
  });

  it("reverts when a registered index is named with another key (PublicKeyMismatch), the fund included", async () => {
    await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1n });
    await fund(w, bob, USDC, 1n);
    await expectRevert(
      as(bob).getFunction("deposit")(1n, pub(2).x, pub(2).y, USDC, 1n),
      w.rollup.interface,
      "PublicKeyMismatch",
      [1n],
    );
    await expectRevert(
      as(bob).getFunction("deposit")(0n, pub(2).x, pub(2).y, USDC, 1n),
      w.rollup.interface,
      "PublicKeyMismatch",
      [0n],
    );
  });

  it("reverts on the (0, 0) key (ZeroPublicKey) and on a key coordinate ≥ r (NotAFieldElement)", async () => {
    await fund(w, alice, USDC, 10n);
    const d = as(alice).getFunction("deposit");
    await expectRevert(d(1n, 0n, 0n, USDC, 1n), w.rollup.interface, "ZeroPublicKey");
    await expectRevert(d(1n, FIELD_MODULUS, 1n, USDC, 1n), w.rollup.interface, "NotAFieldElement", [
      FIELD_MODULUS,
    ]);
    await expectRevert(d(1n, 1n, FIELD_MODULUS + 5n, USDC, 1n), w.rollup.interface, "NotAFieldElement", [
      FIELD_MODULUS + 5n,
    ]);
  });

  it("reverts on an off-curve or small-order key (InvalidPublicKey) [I20]", async () => {
    await fund(w, alice, USDC, 10n);
    const d = as(alice).getFunction("deposit");
    const bj = (await buildBabyjub()) as unknown as {
      F: { toObject(x: Uint8Array): bigint };
      Generator: [Uint8Array, Uint8Array];
      subOrder: bigint;
      mulPointEscalar(p: [Uint8Array, Uint8Array], e: bigint): [Uint8Array, Uint8Array];
    };
    // l·Generator has order 8: together with (0, −1) (order 2) and (0, 1) (the identity) the small-order keys
    // whose forged signatures circomlibjs accepts and the circuit refuses.
    const t8 = bj.mulPointEscalar(bj.Generator, bj.subOrder);
    const bad: [bigint, bigint][] = [
      [bj.F.toObject(t8[0]), bj.F.toObject(t8[1])],
      [0n, FIELD_MODULUS - 1n],
      [0n, 1n],
      [1n, 1n],
      [pub(1).x, pub(1).y + 1n],
    ];
    for (const [x, y] of bad) {
      expect(isValidPublicKey({ x, y })).toBe(false);
      await expectRevert(d(1n, x, y, USDC, 1n), w.rollup.interface, "InvalidPublicKey", [x, y]);
    }
    await d(1n, pub(1).x, pub(1).y, USDC, 1n);
  });

  it("reverts when the index is ≥ 2^accountDepth (AccountIndexOutOfRange)", async () => {
    await fund(w, alice, USDC, 1n);
    await expectRevert(
      as(alice).getFunction("deposit")(64n, pub(1).x, pub(1).y, USDC, 1n),
      w.rollup.interface,
      "AccountIndexOutOfRange",
      [64n],
    );
    await rawDeposit(alice, 63n, pub(1).x, pub(1).y, USDC, 1n); // the last index is fine
  });

  it("reverts on an unknown asset (UnknownAsset) and on a zero amount (ZeroAmount)", async () => {
    const d = as(alice).getFunction("deposit");
    await expectRevert(d(1n, pub(1).x, pub(1).y, 3, 1n), w.rollup.interface, "UnknownAsset", [3n]);
    await expectRevert(d(1n, pub(1).x, pub(1).y, USDC, 0n), w.rollup.interface, "ZeroAmount");
  });

  it("refuses an 18-decimal amount that is not a whole internal unit (AmountNotExact)", async () => {
    await fund(w, alice, ETH, 10n ** 10n + 1n);
    await expectRevert(
      as(alice).getFunction("deposit")(1n, pub(1).x, pub(1).y, ETH, 10n ** 10n + 1n),
      w.rollup.interface,
      "AmountNotExact",
      [10n ** 10n + 1n, 10n ** 10n],
    );
  });

  it("reverts when the amount is ≥ 2^63 internal units (AmountTooLarge)", async () => {
    const big = (1n << 63n) * 10n ** 10n;
    await fund(w, alice, ETH, big);
    await expectRevert(
      as(alice).getFunction("deposit")(1n, pub(1).x, pub(1).y, ETH, big),
      w.rollup.interface,
      "AmountTooLarge",
      [1n << 63n],
    );
  });

  it("reverts without allowance, changing nothing", async () => {
    const before = await w.rollup.getFunction("depositCount")();
    await expectRevert(
      as(alice).getFunction("deposit")(1n, pub(1).x, pub(1).y, USDC, 5n),
      w.rollup.interface,
      "ERC20InsufficientAllowance",
      [w.address, 0n, 5n],
    );
    expect(await w.rollup.getFunction("depositCount")()).toBe(before);
    expect((await w.rollup.getFunction("accounts")(1n)).owner).toBe("0x" + "00".repeat(20));
  });
});

describe("# freeze (deposit timeout)", () => {
  it("is not possible one block before the timeout, and is after it (NotFreezable, then Frozen)", async () => {
    await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 5n });
    const filed = await blockNumber();
    await mine(Number(DEFAULT_PARAMS.depositTimeoutBlocks) - 2);
    // Evaluated in the pending block, filed + timeout − 1 (a reverting transaction would still use up a block).
    await expectRevert(
      w.rollup.getFunction("freeze").staticCall({ blockTag: "pending" }),
      w.rollup.interface,
      "NotFreezable",
    );
    await mine(1);
    const tx = await (await w.rollup.getFunction("freeze")()).wait();
    expect(tx.blockNumber).toBe(filed + Number(DEFAULT_PARAMS.depositTimeoutBlocks));
    expect(await w.rollup.getFunction("frozen")()).toBe(true);
  });

  it("is not possible once the deposit was consumed in time", async () => {
    const op = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 5n });
    await settle(w, planBatch(w, [op], { batchTime: await nextBatchTime(w) }));
    await mine(Number(DEFAULT_PARAMS.depositTimeoutBlocks) + 5);
    await expectRevert(w.rollup.getFunction("freeze")(), w.rollup.interface, "NotFreezable");
  });

  it("stops deposits, and a second freeze, once frozen (RollupFrozen)", async () => {
    await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 5n });
    await mine(Number(DEFAULT_PARAMS.depositTimeoutBlocks));
    await (await w.rollup.getFunction("freeze")()).wait();
    await fund(w, alice, USDC, 5n);
    await expectRevert(
      as(alice).getFunction("deposit")(1n, pub(1).x, pub(1).y, USDC, 5n),
      w.rollup.interface,
      "RollupFrozen",
    );
    await expectRevert(w.rollup.getFunction("freeze")(), w.rollup.interface, "RollupFrozen");
  });
});

describe("# reclaimDeposit", () => {
  async function frozenWithTwo(): Promise<{
    consumedOp: Awaited<ReturnType<typeof deposit>>;
    open: Awaited<ReturnType<typeof deposit>>;
  }> {
    const consumedOp = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 4_000_000n });
    await settle(w, planBatch(w, [consumedOp], { batchTime: await nextBatchTime(w) }));
    const open = await deposit(w, bob, { index: 2n, key: 2, asset: ETH, tokenAmount: 3n * 10n ** 18n });
    await mine(Number(DEFAULT_PARAMS.depositTimeoutBlocks));
    await (await w.rollup.getFunction("freeze")()).wait();
    return { consumedOp, open };
  }

  const args = (id: bigint, op: Awaited<ReturnType<typeof deposit>>): unknown[] => [
    id,
    "0x" + op.l1Address.toString(16).padStart(40, "0"),
    op.accountIndex,
    op.pubKeyX,
    op.pubKeyY,
    op.asset,
    op.amount,
  ];

  it("returns an unconsumed deposit to its depositor after a freeze, once (DepositAlreadyReclaimed)", async () => {
    const { open } = await frozenWithTwo();
    // anyone may trigger it; the tokens go to the depositor's pending balance
    await (await as(alice).getFunction("reclaimDeposit")(...args(1n, open))).wait();
    expect(await w.rollup.getFunction("pending")(await bob.getAddress(), ETH)).toBe(3n * 10n ** 18n);
    await expectRevert(
      as(alice).getFunction("reclaimDeposit")(...args(1n, open)),
      w.rollup.interface,
      "DepositAlreadyReclaimed",
      [1n],
    );
    await (await as(bob).getFunction("withdraw")(ETH)).wait();
  });

  it("reverts while the rollup is live (RollupNotFrozen) — a later batch could still consume it", async () => {
    const op = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 4n });
    await expectRevert(
      as(alice).getFunction("reclaimDeposit")(...args(0n, op)),
      w.rollup.interface,
      "RollupNotFrozen",
    );
  });

  it("reverts for a consumed or never-made deposit (DepositNotReclaimable)", async () => {
    const { consumedOp, open } = await frozenWithTwo();
    await expectRevert(
      as(alice).getFunction("reclaimDeposit")(...args(0n, consumedOp)),
      w.rollup.interface,
      "DepositNotReclaimable",
      [0n],
    );
    await expectRevert(
      as(alice).getFunction("reclaimDeposit")(...args(2n, open)),
      w.rollup.interface,
      "DepositNotReclaimable",
      [2n],
    );
  });

  it("reverts when the preimage is not the queued one (DepositPreimageMismatch)", async () => {
    const { open } = await frozenWithTwo();
    const more = { ...open, amount: open.amount + 1n };
    await expectRevert(
      as(alice).getFunction("reclaimDeposit")(...args(1n, more)),
      w.rollup.interface,
      "DepositPreimageMismatch",
      [1n],
    );
    const thief = { ...open, l1Address: BigInt(await alice.getAddress()) };
    await expectRevert(
      as(alice).getFunction("reclaimDeposit")(...args(1n, thief)),
      w.rollup.interface,
      "DepositPreimageMismatch",
      [1n],
    );
  });
});
