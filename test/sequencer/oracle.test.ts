// Oracle intake rules (quorum, lower median, outlier exclusion, staleness, future reports, per-signer monotonicity,
// publication threshold and heartbeat) on the aggregator alone, with reports signed by real EIP-712 signatures.
import { beforeAll, describe, expect, it } from "vitest";
import { OracleAggregator, lowerMedian, type OracleConfig } from "../../sequencer/oracle/aggregator.js";
import { readFileSync } from "node:fs";
import {
  ORACLE_EIP712_NAME,
  ORACLE_EIP712_VERSION,
  PRICE_REPORT_TYPES,
  recoverSigner,
  signReport,
  type SignedPriceReport,
} from "../../sequencer/oracle/report.js";
import { SequencerError } from "../../sequencer/errors.js";
import { DOMAIN, oracleConfig, oracleWallets, px } from "./setup.js";
import { makeDomain } from "../../protocol/index.js";

let cfg: OracleConfig;
let wallets: Awaited<ReturnType<typeof oracleWallets>>;
const T = 1_800_000_000;

beforeAll(async () => {
  cfg = await oracleConfig();
  wallets = await oracleWallets();
});

async function report(
  i: number,
  btc: string,
  ts = T,
  eth = "3000",
): Promise<{ signer: string; s: SignedPriceReport }> {
  const s = await signReport(wallets[i]!, DOMAIN, {
    timestamp: BigInt(ts),
    markets: [px(btc), px(eth)],
    collaterals: [px("3000"), px("60000")],
  });
  return { signer: await recoverSigner(DOMAIN, s), s };
}

function code(fn: () => unknown): string {
  try {
    fn();
    return "OK";
  } catch (e) {
    if (e instanceof SequencerError) return e.code;
    throw e;
  }
}

describe("oracle aggregation", () => {
  it("recovers the EIP-712 signer and rejects a report moved to another deployment", async () => {
    const { signer, s } = await report(0, "60000");
    expect(signer).toBe(wallets[0]!.address.toLowerCase());
    const other = await recoverSigner(makeDomain(1n, DOMAIN.contract), s);
    expect(other).not.toBe(signer);
  });

  it("publishes only at quorum, at the lower median of the fresh reports", async () => {
    const agg = new OracleAggregator(cfg, 2, 2);
    const a = await report(0, "60000");
    expect(agg.accept(a.signer, a.s, T * 1000)).toBeNull();
    const b = await report(1, "60200", T + 1);
    const pub = agg.accept(b.signer, b.s, T * 1000 + 1000);
    // Two values: the lower median is the smaller one.
    expect(pub?.prices.markets[0]).toBe(px("60000"));
    expect(pub?.reports).toHaveLength(2);
    expect(lowerMedian([3n, 1n, 2n])).toBe(2n);
    expect(lowerMedian([4n, 1n, 3n, 2n])).toBe(2n);
  });

  it("drops outliers beyond maxDeviation and needs quorum among the rest", async () => {
    const agg = new OracleAggregator({ ...cfg, quorum: 2 }, 2, 2);
    for (const [i, p] of [
      [0, "60000"],
      [1, "70000"],
    ] as const) {
      const r = await report(i, p);
      agg.accept(r.signer, r.s, T * 1000);
    }
    // 60,000 and 70,000: median 60,000; 70,000 deviates by 16.7 % > 5 %, leaving one report: no quorum.
    expect(agg.publication).toBeNull();
    const c = await report(2, "60100");
    const pub = agg.accept(c.signer, c.s, T * 1000);
    expect(pub?.prices.markets[0]).toBe(px("60000"));
    // The outlier's report is not published: the contract takes the lower median of every report a batch carries
    // (OracleLib.medianPrices), and over all three that would be 60,100, not the 60,000 the batch was proven with.
    expect(pub?.reports).toHaveLength(2);
    expect(pub?.reports.map((r) => r.report.markets[0])).not.toContain(px("70000"));
    for (let m = 0; m < 2; m++) {
      expect(lowerMedian(pub!.reports.map((r) => r.report.markets[m]!))).toBe(pub!.prices.markets[m]);
      expect(lowerMedian(pub!.reports.map((r) => r.report.collaterals[m]!))).toBe(pub!.prices.collaterals[m]);
    }
  });

  it("rejects unknown signers, stale, future and non-increasing reports without storing them", async () => {
    const agg = new OracleAggregator(cfg, 2, 2);
    const { Wallet } = await import("ethers");
    const stranger = new Wallet(`0x${"44".repeat(32)}`);
    const s = await signReport(stranger, DOMAIN, {
      timestamp: BigInt(T),
      markets: [px("1"), px("1")],
      collaterals: [px("1"), px("1")],
    });
    expect(code(() => agg.accept(stranger.address, s, T * 1000))).toBe("ORACLE_UNKNOWN_SIGNER");
    const old = await report(0, "60000", T - 61);
    expect(code(() => agg.accept(old.signer, old.s, T * 1000))).toBe("ORACLE_STALE");
    const future = await report(0, "60000", T + 6);
    expect(code(() => agg.accept(future.signer, future.s, T * 1000))).toBe("ORACLE_FUTURE");
    const ok = await report(0, "60000", T);
    expect(code(() => agg.accept(ok.signer, ok.s, T * 1000))).toBe("OK");
    expect(code(() => agg.accept(ok.signer, ok.s, T * 1000))).toBe("ORACLE_NOT_NEWER");
    const bad = await report(1, "60000", T);
    const wrongShape = { ...bad.s, report: { ...bad.s.report, markets: [px("1")] } };
    expect(code(() => agg.accept(bad.signer, wrongShape, T * 1000))).toBe("ORACLE_BAD_REPORT");
    expect(agg.publication).toBeNull();
  });

  it("republishes on a move of at least minChange or after the heartbeat, not on noise", async () => {
    const agg = new OracleAggregator(cfg, 2, 2);
    let ts = T;
    const round = async (btc: string, at: number) => {
      let pub = null;
      for (const i of [0, 1]) {
        const r = await report(i, btc, at);
        pub = agg.accept(r.signer, r.s, at * 1000) ?? pub;
      }
      return pub;
    };
    expect(await round("60000", ts)).not.toBeNull();
    // 0.05 % < 0.1 % minChange.
    expect(await round("60030", ++ts)).toBeNull();
    expect((await round("60060", ++ts))?.prices.markets[0]).toBe(px("60060"));
    ts += 61;
    expect((await round("60060", ts))?.publishedMs).toBe(ts * 1000);
  });
});

describe("oracle report layout = the contract's", () => {
  it("signs under the rollup's EIP-712 name/version and OracleLib's PriceReport type (no report refused on chain)", async () => {
    const { TypedDataEncoder } = await import("ethers");
    const rollupSol = readFileSync("contracts/ZkMarginRollup.sol", "utf8");
    const oracleSol = readFileSync("contracts/libraries/OracleLib.sol", "utf8");
    const eip712 = /EIP712\("([^"]+)",\s*"([^"]+)"\)/.exec(rollupSol);
    expect(eip712?.slice(1)).toEqual([ORACLE_EIP712_NAME, ORACLE_EIP712_VERSION]);
    const typeString = /keccak256\("(PriceReport\([^"]*\))"\)/.exec(oracleSol)?.[1];
    expect(typeString).toBeDefined();
    expect(TypedDataEncoder.from(PRICE_REPORT_TYPES).encodeType("PriceReport")).toBe(typeString);
  });
});
