// Oracle reports (docs/CONTRACTS.md "Oracle reports"): EIP-712 reports bound to this chain and contract, a quorum
// of distinct registered signers, the lower median per price, freshness, bounds and the per-batch deviation limit.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { Wallet, type Signer } from "ethers";
import type { Prices } from "../../protocol/index.js";
import { PRICES } from "./helpers/model.js";
import {
  USDC,
  deployWorld,
  deposit,
  latestTime,
  nextBatchTime,
  planBatch,
  send,
  settle,
  signReports,
  snapshotWorld,
  stopProver,
  submission,
  type Submission,
  type World,
} from "./helpers/world.js";
import { checkSolvency, expectRevert } from "./helpers/assert.js";

const fresh = snapshotWorld(() => deployWorld());
let w: World;
let alice: Signer;
let sub: Submission;

beforeEach(async () => {
  w = await fresh();
  [alice] = w.users as [Signer];
  const a = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1_000_000n });
  sub = await submission(w, planBatch(w, [a], { batchTime: await nextBatchTime(w) }));
});
afterEach(async () => checkSolvency(w));
afterAll(stopProver);

const withMarket0 = (p: bigint): Prices => ({
  markets: [p, PRICES.markets[1]!],
  collaterals: [...PRICES.collaterals],
});

describe("# submitBatch: oracle reports", () => {
  it("uses the lower median of the quorum's prices: one outlier signer cannot move a price", async () => {
    // three signers report 60,000 / 60,010 / 1 (outlier): sorted [1, 60,000, 60,010] → 60,000
    const reported = [PRICES.markets[0]!, PRICES.markets[0]! + 1_000_000_000n, 100_000_000n];
    const reports = await signReports(w, PRICES, sub.header.batchTime, {
      signers: w.oracles,
      perSigner: (i) => withMarket0(reported[i]!),
    });
    await (await send(w, { ...sub, reports })).wait();
    expect((await w.rollup.getFunction("lastPrices")())[0]).toBe(PRICES.markets[0]);
  });

  it("takes the lower of the two middle prices with an even number of reports", async () => {
    // Next batch with the same state: the model is asked for the lower of two different reported prices.
    await (await send(w, sub)).wait();
    w.state = planBatch(w, [w.queue[0]!], { batchTime: sub.header.batchTime }).result.state;
    w.queue.shift();
    const low = PRICES.markets[0]! + 100n;
    const plan = planBatch(w, [], { batchTime: await nextBatchTime(w), prices: withMarket0(low) });
    const s2 = await submission(w, plan);
    const reports = await signReports(w, PRICES, s2.header.batchTime, {
      signers: w.oracles.slice(0, 2),
      perSigner: (i) => withMarket0(i === 0 ? low + 50n : low),
    });
    await settle(w, plan, { ...s2, reports });
    expect((await w.rollup.getFunction("lastPrices")())[0]).toBe(low);
  });

  it("reverts below the quorum (OracleQuorumNotMet)", async () => {
    await expectRevert(
      send(w, { ...sub, reports: sub.reports.slice(0, 1) }),
      w.rollup.interface,
      "OracleQuorumNotMet",
      [1n, 2n],
    );
  });

  it("reverts for a signer not registered (OracleSignerUnknown)", async () => {
    const stranger = Wallet.createRandom();
    const reports = await signReports(w, PRICES, sub.header.batchTime, {
      signers: [w.oracles[0]!, stranger],
    });
    await expectRevert(send(w, { ...sub, reports }), w.rollup.interface, "OracleSignerUnknown", [
      stranger.address,
    ]);
  });

  it("reverts for reports signed for another chain id or another contract (OracleSignerUnknown)", async () => {
    for (const domain of [
      { chainId: 1n, verifyingContract: w.address },
      { chainId: w.d.chainId, verifyingContract: "0x" + "11".repeat(20) },
    ]) {
      // The signature recovers to some other address, which is not a registered signer.
      const reports = await signReports(w, PRICES, sub.header.batchTime, { domain });
      await expectRevert(send(w, { ...sub, reports }), w.rollup.interface, "OracleSignerUnknown");
    }
  });

  it("reverts when one signer counts twice or signers are out of order (OracleSignersNotAscending)", async () => {
    const [o0, o1] = w.oracles as [Wallet, Wallet];
    const twice = await signReports(w, PRICES, sub.header.batchTime, { signers: [o0, o0] });
    await expectRevert(send(w, { ...sub, reports: twice }), w.rollup.interface, "OracleSignersNotAscending", [
      o0.address,
      o0.address,
    ]);
    const swapped = await signReports(w, PRICES, sub.header.batchTime, { signers: [o1, o0] });
    await expectRevert(
      send(w, { ...sub, reports: swapped }),
      w.rollup.interface,
      "OracleSignersNotAscending",
      [o1.address, o0.address],
    );
  });

  it("reverts on a malformed signature (OracleSignatureInvalid)", async () => {
    const reports = sub.reports.map((r, i) => (i === 1 ? { ...r, signature: "0x" + "ab".repeat(64) } : r));
    await expectRevert(send(w, { ...sub, reports }), w.rollup.interface, "OracleSignatureInvalid", [1n]);
  });

  it("reverts when a report has the wrong number of prices (OraclePriceCount)", async () => {
    const reports = await signReports(w, PRICES, sub.header.batchTime, {
      perSigner: () => ({ markets: [...PRICES.markets, 1n], collaterals: [...PRICES.collaterals] }),
    });
    await expectRevert(send(w, { ...sub, reports }), w.rollup.interface, "OraclePriceCount", [0n, 3n, 2n]);
  });

  it("reverts for a stale report (OracleReportStale) and one from the future (OracleReportFromFuture)", async () => {
    const now = await latestTime();
    const stale = await signReports(w, PRICES, now - 10_000n);
    await expectRevert(send(w, { ...sub, reports: stale }), w.rollup.interface, "OracleReportStale");
    const future = await signReports(w, PRICES, now + 10_000n);
    await expectRevert(send(w, { ...sub, reports: future }), w.rollup.interface, "OracleReportFromFuture");
  });

  it("reverts for a zero price or one ≥ 2^56 (PriceOutOfRange)", async () => {
    for (const p of [0n, 1n << 56n]) {
      const reports = await signReports(w, withMarket0(p), sub.header.batchTime);
      await expectRevert(send(w, { ...sub, reports }), w.rollup.interface, "PriceOutOfRange", [0n, p]);
    }
  });

  it("reverts when a price moves more than the per-batch bound from the last settled one (PriceDeviationTooLarge)", async () => {
    await (await send(w, sub)).wait();
    w.state = planBatch(w, [w.queue[0]!], { batchTime: sub.header.batchTime }).result.state;
    const last = PRICES.markets[0]!;
    const jump = last + last / 10n + 1n; // 10 % + 1 unit
    const plan = planBatch(w, [], { batchTime: await nextBatchTime(w), prices: withMarket0(jump) });
    const s2 = await submission(w, plan);
    await expectRevert(send(w, s2), w.rollup.interface, "PriceDeviationTooLarge", [0n, last, jump]);
    // exactly 10 % is allowed
    const edge = planBatch(w, [], {
      batchTime: await nextBatchTime(w),
      prices: withMarket0(last + last / 10n),
    });
    await settle(w, edge);
  });
});
