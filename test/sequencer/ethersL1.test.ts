// The ethers L1 adapter against the real rollup on Hardhat's in-process network: it reads what users did on chain
// (deposits and forced requests, each chained to the contract's rolling hash), drives a whole sequencer whose
// batches settle on chain, and keeps its promise of at most one successful transaction per batch — a settled batch is
// answered with its settlement (also by a freshly started adapter), a slow transaction is re-priced under its nonce
// rather than duplicated, a restarted adapter waits for its account's pending transaction, and every refusal comes
// back as the contract's decoded custom error. Proofs come from the TEST-ONLY stand-in circuit (l1Chain.ts).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ForcedKind,
  RollupState,
  depositHashStep,
  forcedHashStep,
  publicKeyOf,
  serializeSignature,
  signWithdrawal,
  type BatchResult,
} from "../../protocol/index.js";
import { EthersL1, L1Error, type EthersL1Options } from "../../sequencer/adapters/ethersL1.js";
import { startSequencer, type RunningSequencer } from "../../sequencer/main.js";
import type { BatchSubmission, L1Port, SubmitReceipt } from "../../sequencer/ports.js";
import { ensureStandIn, type StandInKeys } from "../contracts/helpers/standIn.js";
import {
  FUND_SALT,
  GRACE_BLOCKS,
  MAX_PRICE_AGE_S,
  StandInProver,
  deployChain,
  depositOnL1,
  depositOp,
  forceLiquidationOnL1,
  forceWithdrawalOnL1,
  l1Options,
  latestTime,
  modelBatch,
  nonceOf,
  provider,
  revert,
  snapshot,
  stopSnarkjs,
  submissionOf,
  type Chain,
} from "./l1Chain.js";
import { FUND_KEY, baseOptions, call, testKey, tmpDb, type Body } from "./setup.js";

let c: Chain;
let keys: StandInKeys;
let snap: string;
const adapters: EthersL1[] = [];
const runs: RunningSequencer[] = [];

beforeAll(async () => {
  keys = await ensureStandIn();
  c = await deployChain();
}, 600_000);

beforeEach(async () => {
  snap = await snapshot();
});

afterEach(async () => {
  for (const r of runs.splice(0)) await r.close();
  for (const a of adapters.splice(0)) await a.close();
  await revert(snap);
});

afterAll(async () => {
  await stopSnarkjs();
});

async function adapter(over: Partial<EthersL1Options> = {}): Promise<EthersL1> {
  const a = await EthersL1.connect(l1Options(c, over));
  adapters.push(a);
  return a;
}

const pub = (i: number) => publicKeyOf(testKey(i));
const addr = async (i: number): Promise<bigint> => BigInt(await c.users[i]!.getAddress());

async function refusal(p: Promise<unknown>): Promise<L1Error> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(L1Error);
  return e as L1Error;
}

async function settledEvents(): Promise<{ batch: bigint; tx: string }[]> {
  const logs = await c.rollup.queryFilter(c.rollup.filters.BatchSettled!(), c.d.deployBlock);
  return logs.map((l) => ({
    batch: (l as unknown as { args: { batchNumber: bigint } }).args.batchNumber,
    tx: l.transactionHash,
  }));
}

/** Batch 1 on the model from the deposits the adapter reads, and its stand-in submission. */
async function firstBatch(a: EthersL1, salt = 0n): Promise<{ r: BatchResult; sub: BatchSubmission }> {
  const deposits = await a.getDeposits(0n, 100);
  const base = RollupState.genesis(c.params, FUND_KEY, FUND_SALT);
  const r = modelBatch(
    base,
    deposits.map((d) => depositOp(d, 0x5a17n + d.index + salt)),
    await latestTime(),
  );
  return { r, sub: await submissionOf(keys, r) };
}

describe("EthersL1: connecting", () => {
  it("refuses a key that is not the contract's sequencer, and parameters of another deployment", async () => {
    const notSequencer = await refusal(EthersL1.connect(l1Options(c, { signer: c.users[0]! })));
    expect(notSequencer.code).toBe("L1_MISCONFIGURED");
    const otherDomain = {
      ...c.params,
      domain: { ...c.params.domain, chainId: c.params.domain.chainId + 1n },
    };
    const wrongChain = await refusal(EthersL1.connect(l1Options(c, { params: otherDomain })));
    expect(wrongChain.code).toBe("L1_MISCONFIGURED");
  });
});

describe("EthersL1: reading the chain", () => {
  it("reads the genesis state from the contract's storage", async () => {
    const a = await adapter();
    expect(await a.getSettled()).toEqual({
      batchNumber: 0n,
      root: c.genesisRoot,
      depositsConsumed: 0n,
      depositHash: 0n,
      forcedConsumed: 0n,
      forcedHash: 0n,
      fundingIndices: [0n, 0n],
    });
  });

  it("reads deposits in queue order, in internal units, chained to the contract's rolling hash [I12]", async () => {
    // 1000 quote at 6 decimals, 1.5 WETH at 18, 0.25 WBTC at 8; internal units are 1e-8 of a token (PROTOCOL §2):
    // ×100, ÷10^10 and ×1 respectively.
    await depositOnL1(c, c.users[0]!, { index: 1n, key: pub(1), asset: 0, tokenAmount: 1_000_000_000n });
    await depositOnL1(c, c.users[1]!, {
      index: 2n,
      key: pub(2),
      asset: 1,
      tokenAmount: 1_500_000_000_000_000_000n,
    });
    await depositOnL1(c, c.users[0]!, { index: 1n, key: pub(1), asset: 2, tokenAmount: 25_000_000n });
    const a = await adapter();
    const all = await a.getDeposits(0n, 10);
    expect(all).toEqual([
      {
        index: 0n,
        l1Address: await addr(0),
        accountIndex: 1n,
        pubKeyX: pub(1).x,
        pubKeyY: pub(1).y,
        asset: 0,
        amount: 100_000_000_000n,
      },
      {
        index: 1n,
        l1Address: await addr(1),
        accountIndex: 2n,
        pubKeyX: pub(2).x,
        pubKeyY: pub(2).y,
        asset: 1,
        amount: 150_000_000n,
      },
      {
        index: 2n,
        l1Address: await addr(0),
        accountIndex: 1n,
        pubKeyX: pub(1).x,
        pubKeyY: pub(1).y,
        asset: 2,
        amount: 25_000_000n,
      },
    ]);
    expect(await a.getDeposits(1n, 1)).toEqual([all[1]]);
    expect(await a.getDeposits(3n, 10)).toEqual([]);
    let h = 0n;
    for (const d of all) h = depositHashStep(h, d);
    expect(h).toBe(await c.rollup.getFunction("depositHashAt")(3n));
    // Later deposits are picked up by the next read.
    await depositOnL1(c, c.users[1]!, { index: 2n, key: pub(2), asset: 0, tokenAmount: 5_000_000n });
    expect((await a.getDeposits(3n, 10)).map((d) => d.amount)).toEqual([500_000_000n]);
  });

  it("reads forced requests with the registry's key and a deadline from the grace period [I19]", async () => {
    await depositOnL1(c, c.users[0]!, { index: 1n, key: pub(1), asset: 0, tokenAmount: 1_000_000_000n });
    const b1 = await forceWithdrawalOnL1(c, c.users[0]!, 1n, 0, 400_000_000n);
    const b2 = await forceLiquidationOnL1(c, c.users[2]!, 1n);
    const a = await adapter({ blockTimeMs: 1_000 });
    const forced = await a.getForcedRequests(0n, 10);
    const time = async (b: number) => (await provider.getBlock(b))!.timestamp * 1000;
    expect(forced).toEqual([
      {
        index: 0n,
        request: {
          kind: ForcedKind.WITHDRAWAL,
          accountIndex: 1n,
          pubKeyX: pub(1).x,
          pubKeyY: pub(1).y,
          asset: 0,
          amount: 400_000_000n,
          l1Address: await addr(0),
        },
        deadlineMs: (await time(b1)) + Number(GRACE_BLOCKS) * 1_000,
      },
      {
        index: 1n,
        request: {
          kind: ForcedKind.LIQUIDATION,
          accountIndex: 1n,
          pubKeyX: pub(1).x,
          pubKeyY: pub(1).y,
          asset: 0,
          amount: 0n,
          l1Address: await addr(2),
        },
        deadlineMs: (await time(b2)) + Number(GRACE_BLOCKS) * 1_000,
      },
    ]);
    let h = 0n;
    for (const f of forced) h = forcedHashStep(h, f.request);
    expect(h).toBe(await c.rollup.getFunction("forcedHashAt")(2n));
  });
});

describe("EthersL1: submitting", () => {
  it("settles a model batch: queue counts from the rolling hash, the chain's root becomes the model's", async () => {
    await depositOnL1(c, c.users[0]!, { index: 1n, key: pub(1), asset: 0, tokenAmount: 1_000_000_000n });
    await depositOnL1(c, c.users[1]!, { index: 2n, key: pub(2), asset: 2, tokenAmount: 10_000_000n });
    const a = await adapter();
    const { r, sub } = await firstBatch(a);
    const receipt = await a.submitBatch(sub);
    expect(await settledEvents()).toEqual([{ batch: 1n, tx: receipt.txHash }]);
    const st = await a.getSettled();
    expect(st.batchNumber).toBe(1n);
    expect(st.root).toBe(r.publicInputs.newRoot);
    expect(st.depositsConsumed).toBe(2n);
    expect(st.depositHash).toBe(r.publicInputs.depositHashNew);
    expect(a.sentTransactions).toBe(1);
  });

  it("answers a batch the chain already holds with its settlement and sends nothing, also after a restart", async () => {
    await depositOnL1(c, c.users[0]!, { index: 1n, key: pub(1), asset: 0, tokenAmount: 1_000_000_000n });
    const a = await adapter();
    const { sub } = await firstBatch(a);
    const first = await a.submitBatch(sub);
    const nonce = await nonceOf(c.sequencer);
    expect(await a.submitBatch(sub)).toEqual(first);
    const restarted = await adapter();
    expect(await restarted.submitBatch(sub)).toEqual(first);
    expect(await nonceOf(c.sequencer)).toBe(nonce);
    expect(a.sentTransactions + restarted.sentTransactions).toBe(1);
    // Another batch 1 (other leaf salts, so another root) is a conflict the pipeline must halt on, not retry.
    const { sub: other } = await firstBatch(restarted, 1000n);
    expect(other.publicInputs.newRoot).not.toBe(sub.publicInputs.newRoot);
    const conflict = await refusal(restarted.submitBatch(other));
    expect(conflict.code).toBe("L1_CONFLICT");
    expect(await nonceOf(c.sequencer)).toBe(nonce);
  });

  it("returns the contract's decoded custom error for a refused batch, without spending a transaction", async () => {
    await depositOnL1(c, c.users[0]!, { index: 1n, key: pub(1), asset: 0, tokenAmount: 1_000_000_000n });
    const a = await adapter();
    const { r, sub } = await firstBatch(a);
    const nonce = await nonceOf(c.sequencer);
    // A valid proof of another statement.
    const wrongProof = await submissionOf(keys, r, r.publicInputHash + 1n);
    const invalid = await refusal(a.submitBatch(wrongProof));
    expect(invalid.code).toBe("L1_REVERTED");
    expect(invalid.revert?.name).toBe("InvalidProof");
    // Batch 2 while the chain waits for batch 1.
    const r2 = modelBatch(r.state, [], r.publicInputs.batchTime);
    const early = await refusal(a.submitBatch(await submissionOf(keys, r2)));
    expect(early.revert?.name).toBe("WrongBatchNumber");
    expect(early.revert?.args).toEqual([1n, 2n]);
    // The development marker is not a proof at all.
    const marker = { ...sub, proof: { ...sub.proof, proof: { kind: "dev-model-replay (NOT A ZK PROOF)" } } };
    expect((await refusal(a.submitBatch(marker))).code).toBe("L1_NOT_A_PROOF");
    expect(await nonceOf(c.sequencer)).toBe(nonce);
    expect(a.sentTransactions).toBe(0);
    // Refusals leave nothing behind: the right batch still goes through.
    await a.submitBatch(sub);
    expect((await a.getSettled()).batchNumber).toBe(1n);
  });

  it("re-prices a slow transaction under the same nonce and settles the batch exactly once", async () => {
    await depositOnL1(c, c.users[0]!, { index: 1n, key: pub(1), asset: 0, tokenAmount: 1_000_000_000n });
    const a = await adapter({ receiptTimeoutMs: 1_500, replaceAfterMs: 300 });
    const { sub } = await firstBatch(a);
    const nonce = await nonceOf(c.sequencer);
    // No block is mined meanwhile, so the base fee and with it the first bid stay what they are now.
    const firstBid = (await provider.getFeeData()).maxFeePerGas!;
    await provider.send("evm_setAutomine", [false]);
    const slow = await refusal(a.submitBatch(sub));
    expect(slow.code).toBe("L1_TIMEOUT");
    const tracked = a.pendingTransaction!;
    expect(tracked.nonce).toBe(nonce);
    expect(tracked.hashes.length).toBeGreaterThanOrEqual(2);
    // Each re-pricing replaced the one before in the node's pool; the survivor bids at least 25 % above the first.
    const seen = await Promise.all(tracked.hashes.map((h) => provider.getTransaction(h)));
    expect(seen.slice(0, -1)).toEqual(seen.slice(0, -1).map(() => null));
    const last = seen[seen.length - 1]!;
    expect(last.nonce).toBe(nonce);
    expect(last.maxFeePerGas! * 100n >= firstBid * 125n).toBe(true);
    // The pipeline's retry follows the same nonce; the block then holds one re-pricing of it.
    const retry = a.submitBatch(sub);
    await new Promise((x) => setTimeout(x, 100));
    await provider.send("evm_mine", []);
    const receipt = await retry;
    // A re-pricing under the same nonce landed (the retry may have re-priced once more before the block).
    expect(receipt.txHash).not.toBe(tracked.hashes[0]);
    expect((await provider.getTransaction(receipt.txHash))!.nonce).toBe(nonce);
    expect(await settledEvents()).toEqual([{ batch: 1n, tx: receipt.txHash }]);
    expect(await nonceOf(c.sequencer)).toBe(nonce + 1);
    expect(a.pendingTransaction).toBeNull();
  });

  it("a restarted adapter waits for its account's pending transaction instead of sending a second one", async () => {
    await depositOnL1(c, c.users[0]!, { index: 1n, key: pub(1), asset: 0, tokenAmount: 1_000_000_000n });
    const before = await adapter({ receiptTimeoutMs: 300, replaceAfterMs: 60_000 });
    const { sub } = await firstBatch(before);
    const nonce = await nonceOf(c.sequencer);
    await provider.send("evm_setAutomine", [false]);
    expect((await refusal(before.submitBatch(sub))).code).toBe("L1_TIMEOUT");
    const sentBefore = before.pendingTransaction!.hashes[0]!;
    const after = await adapter({ receiptTimeoutMs: 10_000 });
    const p = after.submitBatch(sub);
    await new Promise((x) => setTimeout(x, 300));
    await provider.send("evm_mine", []);
    expect((await p).txHash).toBe(sentBefore);
    expect(after.sentTransactions).toBe(0);
    expect(await nonceOf(c.sequencer)).toBe(nonce + 1);
  });

  it("decodes a revert that happened on chain, then settles the batch with fresh reports", async () => {
    await depositOnL1(c, c.users[0]!, { index: 1n, key: pub(1), asset: 0, tokenAmount: 1_000_000_000n });
    const a = await adapter({ receiptTimeoutMs: 300, replaceAfterMs: 60_000 });
    const { sub } = await firstBatch(a);
    await provider.send("evm_setAutomine", [false]);
    expect((await refusal(a.submitBatch(sub))).code).toBe("L1_TIMEOUT");
    const sent = a.pendingTransaction!.hashes[0]!;
    // The block comes too late for the reports signed at submission time.
    await provider.send("evm_setNextBlockTimestamp", [Number((await latestTime()) + MAX_PRICE_AGE_S + 60n)]);
    await provider.send("evm_mine", []);
    await provider.send("evm_setAutomine", [true]);
    const stale = await refusal(a.submitBatch(sub));
    expect(stale.code).toBe("L1_REVERTED");
    expect(stale.revert?.name).toBe("OracleReportStale");
    expect(stale.details.txHash).toBe(sent);
    const receipt = await a.submitBatch(sub);
    expect(receipt.txHash).not.toBe(sent);
    expect(await settledEvents()).toEqual([{ batch: 1n, tx: receipt.txHash }]);
  });
});

/** Records what the pipeline submits, so a test can replay it. */
class Recording implements L1Port {
  readonly submitted: BatchSubmission[] = [];
  readonly name: string;
  constructor(private readonly inner: EthersL1) {
    this.name = inner.name;
  }
  getSettled = () => this.inner.getSettled();
  getDeposits = (f: bigint, m: number) => this.inner.getDeposits(f, m);
  getForcedRequests = (f: bigint, m: number) => this.inner.getForcedRequests(f, m);
  submitBatch(s: BatchSubmission): Promise<SubmitReceipt> {
    this.submitted.push(s);
    return this.inner.submitBatch(s);
  }
  close = () => this.inner.close();
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((x) => setTimeout(x, 50));
  }
}

describe("a sequencer on the ethers L1", () => {
  it("consumes on-chain deposits, settles its batches on chain, and credits a withdrawal there [I12] [I1]", async () => {
    const prover = await StandInProver.create();
    const l1 = new Recording(await adapter());
    const r = await startSequencer(
      baseOptions(tmpDb("chain"), { params: c.params, l1, prover, engine: { batchMaxAgeMs: 200 } }),
    );
    runs.push(r);
    const seq = r.sequencer;
    await depositOnL1(c, c.users[0]!, { index: 1n, key: pub(1), asset: 0, tokenAmount: 2_000_000_000n });
    await depositOnL1(c, c.users[1]!, { index: 2n, key: pub(2), asset: 0, tokenAmount: 3_000_000_000n });
    await until("both deposits settled", async () => {
      return (
        (await c.rollup.getFunction("consumedDeposits")()) === 2n &&
        seq.engine.unsettledBatches().length === 0
      );
    });
    const root = async () => (await c.rollup.getFunction("stateRoot")()) as bigint;
    expect(await root()).toBe(seq.engine.lastSettled.state.root);
    expect(await c.rollup.getFunction("batchNumber")()).toBe(seq.engine.lastSettled.number);
    expect(seq.engine.accountStatus(1n)).toBe("active");
    expect(seq.engine.accountStatus(2n)).toBe("active");

    // Account 1 withdraws 12.5 quote (1_250_000_000 internal units) to user 3: 12_500_000 token units at 6 decimals.
    const to = await c.users[3]!.getAddress();
    const req = { accountIndex: 1n, asset: 0, amount: 1_250_000_000n, l1Address: BigInt(to), nonce: 0n };
    const w = await call<Body>(r.url, "POST", "/v1/withdrawals", {
      accountIndex: "1",
      asset: 0,
      amount: req.amount.toString(),
      l1Address: to,
      nonce: "0",
      signature: serializeSignature(signWithdrawal(testKey(1), c.params.domain, req)),
    });
    expect(w.status).toBe(200);
    await until("the withdrawal credited", async () => {
      return ((await c.rollup.getFunction("pending")(to, 0)) as bigint) === 12_500_000n;
    });
    await until("the engine saw the settlement", () => seq.engine.unsettledBatches().length === 0);
    expect(await root()).toBe(seq.engine.lastSettled.state.root);

    // One transaction per batch, numbered 1, 2, ... with no gap, each the one the journal recorded.
    const events = await settledEvents();
    expect(events.map((e) => e.batch)).toEqual(events.map((_, i) => BigInt(i + 1)));
    for (const e of events) expect(seq.journal.getBatch(e.batch)?.txHash).toBe(e.tx);
    expect(l1.submitted.map((s) => s.batchNumber)).toEqual(events.map((e) => e.batch));
    // A replay of a settled submission (a pipeline retry after a lost answer) sends nothing.
    const nonce = await nonceOf(c.sequencer);
    expect((await l1.submitBatch(l1.submitted[0]!)).txHash).toBe(events[0]!.tx);
    expect(await nonceOf(c.sequencer)).toBe(nonce);
    expect(r.sequencer.halted).toBeNull();
  });

  it("is chosen by startSequencer's chain option and resumes from the chain after a restart", async () => {
    const db = tmpDb("chain-restart");
    const prover = await StandInProver.create();
    const start = () =>
      startSequencer(
        baseOptions(db, {
          params: c.params,
          chain: { kind: "ethers", ...l1Options(c) },
          prover,
          engine: { batchMaxAgeMs: 200 },
        }),
      );
    const first = await start();
    runs.push(first);
    expect(first.l1.name).toMatch(/^ethers-l1 /);
    await depositOnL1(c, c.users[0]!, { index: 1n, key: pub(1), asset: 0, tokenAmount: 2_000_000_000n });
    await until("the deposit settled", async () => (await c.rollup.getFunction("consumedDeposits")()) === 1n);
    await first.close();
    runs.splice(runs.indexOf(first), 1);
    // While it was down: another deposit.
    await depositOnL1(c, c.users[1]!, { index: 2n, key: pub(2), asset: 0, tokenAmount: 1_000_000_000n });
    const second = await start();
    runs.push(second);
    await until(
      "the new deposit settled",
      async () => (await c.rollup.getFunction("consumedDeposits")()) === 2n,
    );
    await until("the engine saw it", () => second.sequencer.engine.unsettledBatches().length === 0);
    expect(await c.rollup.getFunction("stateRoot")()).toBe(second.sequencer.engine.lastSettled.state.root);
    const events = await settledEvents();
    expect(events.map((e) => e.batch)).toEqual(events.map((_, i) => BigInt(i + 1)));
    expect(second.sequencer.halted).toBeNull();
  });
});
