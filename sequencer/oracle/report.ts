// The oracle price report and its EIP-712 signature. This is the one place that defines what a signer signs, so
// when the rollup contract verifies reports on chain its typed-data layout can be aligned with this file alone.
// Reports cover every market and collateral price at once: one signature per signer per update keeps on-chain
// verification to one ecrecover per signer instead of one per feed. ethers is loaded on first use, so a sequencer
// without oracle signers (and every restart before the first report) does not pay its load time.
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import { PRICE_BITS, type Domain, type Prices } from "../../protocol/index.js";
import { reject } from "../errors.js";

export interface PriceReport {
  /** Unix seconds at which the signer observed the prices (block-timestamp units, as the contract compares). */
  readonly timestamp: bigint;
  /** Price units (1e-8 USD), one per market. */
  readonly markets: readonly bigint[];
  /** Price units, one per collateral asset. */
  readonly collaterals: readonly bigint[];
}

export interface SignedPriceReport {
  readonly report: PriceReport;
  /** 65-byte secp256k1 signature, 0x-hex. */
  readonly signature: string;
}

// Must equal the rollup's EIP712("zkmargin", "1") and OracleLib's PRICE_REPORT_TYPEHASH: a report the sequencer
// accepts is one the contract accepts (test/sequencer/oracle.test.ts checks the digest against the contract's).
export const ORACLE_EIP712_NAME = "zkmargin";
export const ORACLE_EIP712_VERSION = "1";

export const PRICE_REPORT_TYPES: Record<string, TypedDataField[]> = {
  PriceReport: [
    { name: "timestamp", type: "uint64" },
    { name: "marketPrices", type: "uint64[]" },
    { name: "collateralPrices", type: "uint64[]" },
  ],
};

/** The same chain id and contract that every EdDSA message binds (PROTOCOL §6), so a report cannot cross deployments. */
export function oracleDomain(d: Domain): TypedDataDomain {
  return {
    name: ORACLE_EIP712_NAME,
    version: ORACLE_EIP712_VERSION,
    chainId: d.chainId,
    verifyingContract: `0x${d.contract.toString(16).padStart(40, "0")}`,
  };
}

function value(r: PriceReport): Record<string, unknown> {
  return { timestamp: r.timestamp, marketPrices: [...r.markets], collateralPrices: [...r.collaterals] };
}

export async function reportDigest(d: Domain, r: PriceReport): Promise<string> {
  const { TypedDataEncoder } = await import("ethers");
  return TypedDataEncoder.hash(oracleDomain(d), PRICE_REPORT_TYPES, value(r));
}

export async function signReport(signer: Signer, d: Domain, r: PriceReport): Promise<SignedPriceReport> {
  return { report: r, signature: await signer.signTypedData(oracleDomain(d), PRICE_REPORT_TYPES, value(r)) };
}

/** Checks the report's shape against the deployment (one price per feed, each a positive Uint56). */
export function checkReportShape(r: PriceReport, markets: number, collaterals: number): void {
  if (r.markets.length !== markets || r.collaterals.length !== collaterals) {
    reject("ORACLE_BAD_REPORT", `a report carries ${markets} market and ${collaterals} collateral prices`);
  }
  for (const p of [...r.markets, ...r.collaterals]) {
    if (p <= 0n || p >= 1n << BigInt(PRICE_BITS))
      reject("ORACLE_BAD_REPORT", `price ${p} must lie in (0, 2^${PRICE_BITS})`);
  }
  if (r.timestamp < 0n || r.timestamp >= 1n << 40n) reject("ORACLE_BAD_REPORT", "timestamp out of range");
}

/** The lower-case 0x address that signed the report, or a rejection for a malformed signature. */
export async function recoverSigner(d: Domain, s: SignedPriceReport): Promise<string> {
  if (!/^0x[0-9a-fA-F]{130}$/.test(s.signature))
    reject("ORACLE_BAD_SIGNATURE", "signature must be 65 bytes of 0x-hex");
  const { verifyTypedData } = await import("ethers");
  try {
    return verifyTypedData(oracleDomain(d), PRICE_REPORT_TYPES, value(s.report), s.signature).toLowerCase();
  } catch {
    return reject("ORACLE_BAD_SIGNATURE", "signature does not recover to an address");
  }
}

export function reportPrices(r: PriceReport): Prices {
  return { markets: [...r.markets], collaterals: [...r.collaterals] };
}
