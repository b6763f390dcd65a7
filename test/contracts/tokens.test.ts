// Hostile tokens: a fee-on-transfer token (the rollup credits what arrived, returns sub-unit dust and stays
// solvent) and a re-entrant token whose hooks call back into the rollup mid-transfer (refused by the guard, and
// nothing is paid or queued twice).
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { type Signer } from "ethers";
import { depositHashStep, Opcode } from "../../protocol/index.js";
import { pub } from "./helpers/model.js";
import {
  DEFAULT_PARAMS,
  deployWorld,
  ethers,
  mine,
  snapshotWorld,
  stopProver,
  type World,
} from "./helpers/world.js";
import { checkSolvency, expectRevert } from "./helpers/assert.js";

const FEE_TOKEN = 1; // asset 1: 18 decimals, 1 % burnt per transfer
const HOOK_TOKEN = 2; // asset 2: calls sender and recipient back on every transfer
const FEE_BPS = 100n;

const fresh = snapshotWorld(async () => {
  const fee = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy(18, FEE_BPS);
  const hook = await (await ethers.getContractFactory("HookToken")).deploy();
  return deployWorld({
    tokens: [
      { mock: { name: "Quote USD", symbol: "qUSD", decimals: 6 } },
      { address: await fee.getAddress() },
      { address: await hook.getAddress() },
    ],
  });
});
let w: World;
let alice: Signer;
let attacker: Contract;

beforeEach(async () => {
  w = await fresh();
  [alice] = w.users as [Signer];
  attacker = (await (await ethers.getContractFactory("ReentrantAttacker")).deploy()) as unknown as Contract;
});
afterEach(async () => checkSolvency(w));
afterAll(stopProver);

const token = (asset: number): Contract => w.d.tokens[asset]!;

describe("# deposit: fee-on-transfer token", () => {
  it("credits what arrived, not what was named, and returns the sub-unit remainder", async () => {
    const named = 12_345n * 10n ** 10n; // a whole number of internal units
    const arrived = named - (named * FEE_BPS) / 10_000n; // 1 % burnt on the way in
    const unit = 10n ** 10n;
    const credited = arrived / unit;
    const dust = arrived % unit;
    expect(dust).toBeGreaterThan(0n); // the case under test
    await (await token(FEE_TOKEN).getFunction("mint")(await alice.getAddress(), named)).wait();
    await (
      await (token(FEE_TOKEN).connect(alice) as Contract).getFunction("approve")(w.address, named)
    ).wait();
    const k = pub(1);
    const receipt = await (
      await (w.rollup.connect(alice) as Contract).getFunction("deposit")(1n, k.x, k.y, FEE_TOKEN, named)
    ).wait();
    const logs = receipt.logs
      .map((l: { topics: string[]; data: string }) => w.rollup.interface.parseLog(l))
      .filter(Boolean);
    const dep = logs.find((p: { name: string }) => p.name === "Deposited");
    expect(dep.args.amount).toBe(credited);
    expect(logs.find((p: { name: string }) => p.name === "DustReturned").args.tokenAmount).toBe(dust);
    // the queue hashes the credited amount
    expect(await w.rollup.getFunction("depositHashAt")(1n)).toBe(
      depositHashStep(0n, {
        opcode: Opcode.DEPOSIT,
        l1Address: BigInt(await alice.getAddress()),
        accountIndex: 1n,
        pubKeyX: k.x,
        pubKeyY: k.y,
        asset: FEE_TOKEN,
        amount: credited,
      } as Parameters<typeof depositHashStep>[1]),
    );
    // the contract keeps exactly the credited units: deposited total = balance
    const [deposited] = await w.rollup.getFunction("assetTotals")(FEE_TOKEN);
    expect(deposited).toBe(credited * unit);
    expect(await token(FEE_TOKEN).getFunction("balanceOf")(w.address)).toBe(credited * unit);
  });

  it("reverts when the fee leaves less than one internal unit (ZeroAmount)", async () => {
    const named = 10n ** 10n; // one internal unit named, 0.99 arrives
    await (await token(FEE_TOKEN).getFunction("mint")(await alice.getAddress(), named)).wait();
    await (
      await (token(FEE_TOKEN).connect(alice) as Contract).getFunction("approve")(w.address, named)
    ).wait();
    await expectRevert(
      (w.rollup.connect(alice) as Contract).getFunction("deposit")(1n, pub(1).x, pub(1).y, FEE_TOKEN, named),
      w.rollup.interface,
      "ZeroAmount",
    );
  });
});

describe("# re-entrancy", () => {
  async function attackerDeposits(amount: bigint): Promise<void> {
    const t = token(HOOK_TOKEN);
    const me = await attacker.getAddress();
    await (await t.getFunction("mint")(me, amount * 3n)).wait();
    await (
      await attacker.getFunction("execute")(
        await t.getAddress(),
        t.interface.encodeFunctionData("approve", [w.address, amount * 3n]),
      )
    ).wait();
    // disarmed: a plain deposit
    const call = w.rollup.interface.encodeFunctionData("deposit", [
      7n,
      pub(7).x,
      pub(7).y,
      HOOK_TOKEN,
      amount,
    ]);
    await (await attacker.getFunction("execute")(w.address, call)).wait();
  }

  it("refuses a deposit re-entered from the token's hook (ReentrancyGuardReentrantCall): one deposit queued", async () => {
    const amount = 10n ** 18n;
    await attackerDeposits(amount);
    const call = w.rollup.interface.encodeFunctionData("deposit", [
      7n,
      pub(7).x,
      pub(7).y,
      HOOK_TOKEN,
      amount,
    ]);
    await (await attacker.getFunction("arm")(w.address, call)).wait();
    await (await attacker.getFunction("execute")(w.address, call)).wait();
    expect(await attacker.getFunction("attempted")()).toBe(true);
    expect(await attacker.getFunction("reentryOk")()).toBe(false);
    expect(w.rollup.interface.parseError(await attacker.getFunction("reentryData")())?.name).toBe(
      "ReentrancyGuardReentrantCall",
    );
    expect(await w.rollup.getFunction("depositCount")()).toBe(2n); // the plain one and the outer one
  });

  it("refuses a withdraw re-entered from the payout's hook: paid once", async () => {
    const amount = 10n ** 18n;
    await attackerDeposits(amount);
    // Freeze (deposit timeout) and reclaim: the attacker is owed its unconsumed deposit.
    await mine(Number(DEFAULT_PARAMS.depositTimeoutBlocks));
    await (await w.rollup.getFunction("freeze")()).wait();
    const me = await attacker.getAddress();
    await (
      await w.rollup.getFunction("reclaimDeposit")(
        0n,
        me,
        7n,
        pub(7).x,
        pub(7).y,
        HOOK_TOKEN,
        amount / 10n ** 10n,
      )
    ).wait();
    expect(await w.rollup.getFunction("pending")(me, HOOK_TOKEN)).toBe(amount);
    const withdraw = w.rollup.interface.encodeFunctionData("withdraw", [HOOK_TOKEN]);
    await (await attacker.getFunction("arm")(w.address, withdraw)).wait();
    const before = (await token(HOOK_TOKEN).getFunction("balanceOf")(me)) as bigint;
    await (await attacker.getFunction("execute")(w.address, withdraw)).wait();
    expect(await attacker.getFunction("attempted")()).toBe(true);
    expect(await attacker.getFunction("reentryOk")()).toBe(false);
    expect(w.rollup.interface.parseError(await attacker.getFunction("reentryData")())?.name).toBe(
      "ReentrancyGuardReentrantCall",
    );
    expect(await token(HOOK_TOKEN).getFunction("balanceOf")(me)).toBe(before + amount);
    expect(await w.rollup.getFunction("pending")(me, HOOK_TOKEN)).toBe(0n);
  });
});
