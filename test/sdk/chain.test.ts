// The SDK's chain side on Hardhat's in-process network against the rollup deployed by the production deploy module
// (through the contract tests' world helpers): the hand-written ABI matches the compiled contract; a deposit through
// ethers approves, deposits and returns the queue index, with the amount and queue hash the protocol model derives
// [I12]; contract refusals come back as typed CONTRACT_ codes; after a batch (signed with the SDK's withdrawal signature)
// settles with a real stand-in proof, the settled root and its history read back, the mirror verifies against the
// chain [I14], and the withdrawal is pulled.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Interface, type Signer } from "ethers";
import {
  Opcode,
  depositHashStep,
  parseSignature,
  type DepositOp,
  type WithdrawOp,
} from "../../protocol/index.js";
import {
  AccountMirror,
  ERC20_ABI,
  ROLLUP_ABI,
  RollupChain,
  SdkError,
  TraderKey,
  internalUnits,
  signWithdrawal,
  tokenUnits,
  type ProofView,
} from "../../client/sdk/index.js";
import { key } from "../contracts/helpers/model.js";
import {
  ETH,
  QUOTE,
  addr,
  deployWorld,
  ethers,
  hre,
  nextBatchTime,
  planBatch,
  settle,
  stopProver,
  type World,
} from "../contracts/helpers/world.js";

let w: World;
let alice: Signer;
let bob: Signer;
const trader = TraderKey.fromSeed(key(5));
const intruder = TraderKey.fromSeed(key(6));
const INDEX = 5n;

async function errorOf(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SdkError);
    return e as SdkError;
  }
  throw new Error("expected an SdkError");
}

async function mint(who: Signer, asset: number, amount: bigint): Promise<void> {
  await (await w.d.tokens[asset]!.getFunction("mint")(await who.getAddress(), amount)).wait();
}

beforeAll(async () => {
  w = await deployWorld();
  [alice, bob] = w.users as [Signer, Signer];
});

afterAll(stopProver);

describe("ABI", () => {
  it("every fragment the SDK uses exists, with the same selector and types, in the compiled contracts", async () => {
    const rollup = new Interface((await hre.artifacts.readArtifact("ZkMarginRollup")).abi);
    const token = new Interface((await hre.artifacts.readArtifact("ERC20Mock")).abi);
    const mine = new Interface([...ROLLUP_ABI, ...ERC20_ABI]);
    const missing: string[] = [];
    mine.forEachFunction((f) => {
      const there = rollup.getFunction(f.selector) ?? token.getFunction(f.selector);
      if (!there || there.format("minimal") !== f.format("minimal")) missing.push(f.format("minimal"));
    });
    mine.forEachEvent((e) => {
      const there = rollup.getEvent(e.topicHash);
      if (!there || there.format("minimal") !== e.format("minimal")) missing.push(e.format("minimal"));
    });
    mine.forEachError((e) => {
      const there = rollup.getError(e.selector) ?? token.getError(e.selector);
      if (!there || there.format("minimal") !== e.format("minimal")) missing.push(e.format("minimal"));
    });
    expect(missing).toEqual([]);
  });
});

describe("deposits through ethers", () => {
  it("[I12] approves and deposits, returning the queue index and the amount the model hashes", async () => {
    const chain = new RollupChain(w.address, alice);
    const qusd = await chain.asset(QUOTE);
    expect(qusd).toMatchObject({ asset: QUOTE, decimals: 6, symbol: "qUSD" });
    // 1,000 qUSD at 6 decimals: 10^9 token units, 10^11 internal units (×10^(8−6)).
    const amount = tokenUnits("1000", qusd.decimals);
    expect(amount).toBe(1_000_000_000n);
    await mint(alice, QUOTE, amount);
    const r = await chain.deposit(alice, {
      accountIndex: INDEX,
      publicKey: trader.publicKey,
      asset: QUOTE,
      tokenAmount: amount,
    });
    expect(r).toMatchObject({ depositId: 0n, accountIndex: INDEX, asset: QUOTE, amount: 100_000_000_000n });
    expect(r.approveTxHash).toMatch(/^0x[0-9a-f]{64}$/);
    const expected = depositHashStep(0n, {
      l1Address: await addr(alice),
      accountIndex: INDEX,
      pubKeyX: trader.publicKey.x,
      pubKeyY: trader.publicKey.y,
      asset: QUOTE,
      amount: r.amount,
    });
    expect(await w.rollup.getFunction("depositHashAt")(1n)).toBe(expected);
    expect(await chain.registry(INDEX)).toEqual({
      pubKeyX: trader.publicKey.x,
      pubKeyY: trader.publicKey.y,
      owner: await alice.getAddress(),
    });
    w.queue.push({ opcode: Opcode.DEPOSIT, ...withoutHashFields(r, await addr(alice)), salt: 0x5a17n });
  });

  it("converts an 18-decimal token exactly and refuses sub-unit decimals instead of rounding", async () => {
    const chain = new RollupChain(w.address, alice);
    const weth = await chain.asset(ETH);
    expect(weth.decimals).toBe(18);
    const amount = tokenUnits("0.5", weth.decimals);
    expect(amount).toBe(5n * 10n ** 17n);
    expect(internalUnits(amount, 18)).toBe(50_000_000n);
    expect(() => tokenUnits("0.000000001", 18)).toThrowError(
      expect.objectContaining({ code: "BAD_DECIMAL" }),
    );
    expect(() => internalUnits(10n ** 9n + 1n, 18)).toThrowError(
      expect.objectContaining({ code: "AMOUNT_NOT_EXACT" }),
    );
    await mint(alice, ETH, amount);
    const r = await chain.deposit(alice, {
      accountIndex: INDEX,
      publicKey: trader.publicKey,
      asset: ETH,
      tokenAmount: amount,
    });
    expect([r.depositId, r.amount]).toEqual([1n, 50_000_000n]);
    w.queue.push({ opcode: Opcode.DEPOSIT, ...withoutHashFields(r, await addr(alice)), salt: 0x5a17n });
  });

  it("surfaces the contract's refusals as CONTRACT_ codes and checks the token balance first", async () => {
    const chain = new RollupChain(w.address, bob);
    await mint(bob, QUOTE, 10n ** 6n);
    const taken = await errorOf(
      chain.deposit(bob, {
        accountIndex: INDEX,
        publicKey: intruder.publicKey,
        asset: QUOTE,
        tokenAmount: 10n ** 6n,
      }),
    );
    expect(taken.code).toBe("CONTRACT_PUBLIC_KEY_MISMATCH");
    const poor = await errorOf(
      chain.deposit(bob, {
        accountIndex: 9n,
        publicKey: intruder.publicKey,
        asset: QUOTE,
        tokenAmount: 10n ** 12n,
      }),
    );
    expect(poor.code).toBe("INSUFFICIENT_TOKEN_BALANCE");
    expect((await errorOf(chain.asset(7))).code).toBe("UNKNOWN_ASSET");
    const outside = await errorOf(
      chain.deposit(bob, {
        accountIndex: 1n << 10n,
        publicKey: intruder.publicKey,
        asset: QUOTE,
        tokenAmount: 10n ** 6n,
      }),
    );
    expect(outside.code).toBe("CONTRACT_ACCOUNT_INDEX_OUT_OF_RANGE");
  });
});

function withoutHashFields(
  r: { accountIndex: bigint; asset: number; amount: bigint },
  l1Address: bigint,
): Omit<DepositOp, "opcode" | "salt"> {
  return {
    l1Address,
    accountIndex: r.accountIndex,
    pubKeyX: trader.publicKey.x,
    pubKeyY: trader.publicKey.y,
    asset: r.asset,
    amount: r.amount,
  };
}

describe("settled root, mirror and withdrawal pull", () => {
  const WITHDRAW = 40_000_000_000n; // 400 qUSD in internal units
  let recipient: string;

  beforeAll(async () => {
    const chain = new RollupChain(w.address, ethers.provider);
    expect(await chain.settled()).toEqual({ batchNumber: 0n, root: w.state.root });
    recipient = await bob.getAddress();
    const body = signWithdrawal(trader, w.domain, {
      accountIndex: INDEX,
      asset: QUOTE,
      amount: WITHDRAW,
      l1Address: recipient,
      nonce: 0n,
    });
    const op: WithdrawOp = {
      opcode: Opcode.WITHDRAW,
      accountIndex: INDEX,
      asset: QUOTE,
      amount: WITHDRAW,
      l1Address: BigInt(recipient),
      nonce: 0n,
      signature: parseSignature(body.signature),
    };
    const genesis = w.state.root;
    const plan = planBatch(w, [...w.queue, op], { batchTime: await nextBatchTime(w) });
    await settle(w, plan);
    expect(w.state.root).not.toBe(genesis);
  });

  it("reads the settled root and its history", async () => {
    const chain = new RollupChain(w.address, ethers.provider);
    expect(await chain.settled()).toEqual({ batchNumber: 1n, root: w.state.root });
    expect(await chain.rootAt(1n)).toBe(w.state.root);
    expect(await chain.rootAt(2n)).toBeNull();
    const d = await chain.domain();
    expect(d).toEqual(w.domain);
  });

  it("[I14] verifies the model's path for the account against the chain's root, and catches a tampered leaf", async () => {
    const chain = new RollupChain(w.address, ethers.provider);
    const p = w.state.tree.proof(INDEX);
    const proof: ProofView = {
      accountIndex: INDEX.toString(),
      batchNumber: "1",
      settled: true,
      root: w.state.root.toString(),
      leaf: p.leaf.toString(),
      siblings: p.siblings.map(String),
      account: w.state.account(INDEX).serialize(),
    };
    const mirror = new AccountMirror(INDEX, trader.publicKey);
    const source = chain.rootSource();
    const ok = await mirror.check(proof, await source.settled(), source.rootAt, source.name);
    expect(ok.status).toBe("verified");
    // 1,000 qUSD credited, 400 withdrawn, in Value units (×10^8 per internal unit); 0.5 WETH as collateral 1.
    expect(ok.account?.quote).toBe((100_000_000_000n - WITHDRAW) * 10n ** 8n);
    expect(ok.account?.balances[1]).toBe(50_000_000n);
    const tampered = { ...proof, account: { ...(proof.account as object), nonce: "0" } };
    expect((await mirror.check(tampered, await source.settled())).status).toBe("mismatch");
  });

  it("pulls the withdrawn tokens once, to the recipient the trader signed", async () => {
    const chain = new RollupChain(w.address, bob);
    const owed = await chain.pending(recipient, QUOTE);
    // 400 qUSD back at 6 decimals: internal units ÷ 10^(8−6).
    expect(owed).toBe(WITHDRAW / 100n);
    const token = w.d.tokens[QUOTE]!;
    const before = (await token.getFunction("balanceOf")(recipient)) as bigint;
    const c = await chain.claim(bob, QUOTE);
    expect(c.tokenAmount).toBe(owed);
    expect((await token.getFunction("balanceOf")(recipient)) as bigint).toBe(before + owed);
    expect(await chain.pending(recipient, QUOTE)).toBe(0n);
    expect((await errorOf(chain.claim(bob, QUOTE))).code).toBe("CONTRACT_NOTHING_TO_WITHDRAW");
  });
});
