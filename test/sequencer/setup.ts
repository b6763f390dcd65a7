// Shared setup for the sequencer tests and the crash-test child process (so it must not import vitest): one
// deployment on the `test` parameter set, deterministic trader keys, signed-order and auth builders, and a
// server starter on loopback port 0 with the in-memory L1 and the model-replay prover.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AMOUNT_DECIMALS,
  Order,
  PRICE_DECIMALS,
  RiskConfig,
  VALUE_DECIMALS,
  makeDomain,
  makeParams,
  paramSet,
  parseDecimal,
  parseRate,
  publicKeyOf,
  serializeSignature,
  signWithdrawal,
  type Domain,
  type Prices,
  type ProtocolParams,
  type PublicKey,
} from "../../protocol/index.js";
import type { MemoryL1 } from "../../sequencer/adapters/memoryL1.js";
import { authHeaders } from "../../sequencer/api/auth.js";
import { startSequencer, type RunningSequencer, type StartSequencerOptions } from "../../sequencer/main.js";
import type { OracleConfig } from "../../sequencer/oracle/aggregator.js";
import { signReport } from "../../sequencer/oracle/report.js";

export const usd = (s: string): bigint => parseDecimal(s, VALUE_DECIMALS, "usd");
export const px = (s: string): bigint => parseDecimal(s, PRICE_DECIMALS, "price");
export const lots = (s: string): bigint => parseDecimal(s, AMOUNT_DECIMALS, "amount");
export const ppm = (s: string): bigint => parseRate(s, "rate");

export const DOMAIN: Domain = makeDomain(31337n, 0x5fbdb2315678afecb367f032d93f642f64180aa3n);
export const CONFIG = new RiskConfig(
  [
    {
      symbol: "BTC",
      tiers: [
        { start: 0n, imr: ppm("0.1"), mmr: ppm("0.05") },
        { start: usd("1000000"), imr: ppm("0.2"), mmr: ppm("0.1") },
      ],
      liquidationFee: ppm("0.01"),
      maxFundingStep: ppm("0.001"),
    },
    {
      symbol: "ETH",
      tiers: [{ start: 0n, imr: ppm("0.1"), mmr: ppm("0.05") }],
      liquidationFee: ppm("0.01"),
      maxFundingStep: ppm("0.001"),
    },
  ],
  [
    { symbol: "WETH", haircut: ppm("0.9") },
    { symbol: "WBTC", haircut: ppm("0.85") },
  ],
);
export const PARAMS: ProtocolParams = makeParams(paramSet("test"), DOMAIN, CONFIG);
export const PRICES: Prices = { markets: [px("60000"), px("3000")], collaterals: [px("3000"), px("60000")] };
export const BTC = 0;
export const ETH = 1;

/** Deterministic, public, INSECURE test keys; key 0 is the insurance fund's. */
export function testKey(i: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, j) => (i * 53 + j * 7 + 3) & 0xff);
}
export const FUND_KEY: PublicKey = publicKeyOf(testKey(0));
export const FAR_EXPIRY = 4_000_000_000n;
export const ADDR = 0x1111111111111111111111111111111111111111n;

export function tmpDb(name = "seq"): string {
  return join(mkdtempSync(join(tmpdir(), "zkm-seq-")), `${name}.sqlite`);
}

export function baseOptions(
  dbPath: string,
  over: Partial<StartSequencerOptions> = {},
): StartSequencerOptions {
  return {
    params: PARAMS,
    dbPath,
    fundKey: FUND_KEY,
    fundSalt: 7n,
    initialPrices: PRICES,
    genesisMs: 1_700_000_000_000,
    logger: "silent",
    pipeline: { pollMs: 20, retryMs: 50 },
    api: { rateLimit: null },
    ...over,
  };
}

export async function startTestSequencer(
  over: Partial<StartSequencerOptions> = {},
  dbPath = tmpDb(),
): Promise<RunningSequencer> {
  return startSequencer(baseOptions(dbPath, over));
}

export function memL1(r: RunningSequencer): MemoryL1 {
  return r.l1 as MemoryL1;
}

export interface OrderSpec {
  readonly market?: number;
  readonly isBuy: boolean;
  readonly size: bigint;
  readonly price: bigint;
  readonly slot?: bigint;
  readonly nonce?: bigint;
  readonly flags?: number;
  readonly expiry?: bigint;
  readonly maxFee?: bigint;
}

export class Trader {
  readonly pub: PublicKey;
  index = -1n;
  private nonces = new Map<bigint, bigint>();
  private cids = 0;

  constructor(
    readonly key: Uint8Array,
    readonly base: string,
    readonly name = "trader",
  ) {
    this.pub = publicKeyOf(key);
  }

  nextNonce(slot: bigint): bigint {
    const n = (this.nonces.get(slot) ?? 0n) + 1n;
    this.nonces.set(slot, n);
    return n;
  }

  /** The signed place-order body; slot defaults to 0 with the next nonce of the slot. */
  orderBody(o: OrderSpec, clientOrderId?: string, signer: Uint8Array = this.key) {
    const slot = o.slot ?? 0n;
    const order = new Order({
      accountIndex: this.index,
      slot,
      nonce: o.nonce ?? this.nextNonce(slot),
      market: o.market ?? BTC,
      isBuy: o.isBuy,
      size: o.size,
      limitPrice: o.price,
      expiry: o.expiry ?? FAR_EXPIRY,
      flags: o.flags ?? 0,
      maxFee: o.maxFee ?? 1_000n,
    });
    const signed = order.sign(signer, DOMAIN);
    return {
      clientOrderId: clientOrderId ?? `${this.name}-${++this.cids}`,
      order: order.serialize(),
      signature: serializeSignature(signed.signature),
    };
  }

  auth(ts = Date.now(), asIndex = this.index): Record<string, string> {
    return authHeaders(this.key, DOMAIN, asIndex, ts);
  }

  withdrawalBody(w: { asset: number; amount: bigint; nonce: bigint; l1Address?: bigint }) {
    const req = {
      accountIndex: this.index,
      asset: w.asset,
      amount: w.amount,
      l1Address: w.l1Address ?? ADDR,
      nonce: w.nonce,
    };
    return {
      accountIndex: this.index.toString(),
      asset: w.asset,
      amount: w.amount.toString(),
      l1Address: `0x${req.l1Address.toString(16).padStart(40, "0")}`,
      nonce: w.nonce.toString(),
      signature: serializeSignature(signWithdrawal(this.key, DOMAIN, req)),
    };
  }
}

/** A parsed JSON response body: assertions read arbitrary fields of it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
export type Body = any;

export interface Reply<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

export async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // non-JSON bodies (metrics) stay text
  }
  return { status: res.status, body: parsed as T };
}

/** Registers the trader, deposits `quote` USD on the in-memory L1 and waits until the sequencer consumed it. */
export async function onboard(r: RunningSequencer, t: Trader, quoteUsd: string): Promise<void> {
  const reg = await call<{ accountIndex: string }>(r.url, "POST", "/v1/accounts", {
    pubKeyX: t.pub.x.toString(),
    pubKeyY: t.pub.y.toString(),
  });
  if (reg.status !== 200) throw new Error(`register failed: ${JSON.stringify(reg.body)}`);
  t.index = BigInt(reg.body.accountIndex);
  memL1(r).deposit({
    l1Address: ADDR,
    accountIndex: t.index,
    pubKeyX: t.pub.x,
    pubKeyY: t.pub.y,
    asset: 0,
    amount: lots(quoteUsd),
  });
  await r.pipeline.kick();
  if (r.sequencer.engine.accountStatus(t.index) !== "active") throw new Error("deposit not consumed");
}

/** Funds the insurance fund (account 0) with quote from L1, as an operator would. */
export async function fundInsurance(r: RunningSequencer, quoteUsd: string): Promise<void> {
  memL1(r).deposit({
    l1Address: ADDR,
    accountIndex: 0n,
    pubKeyX: FUND_KEY.x,
    pubKeyY: FUND_KEY.y,
    asset: 0,
    amount: lots(quoteUsd),
  });
  await r.pipeline.kick();
}

// ---------------------------------------------------------------- oracle

/** Fixed, public, INSECURE secp256k1 keys of three oracle signers. */
export const ORACLE_KEYS = [1, 2, 3].map((i) => `0x${i.toString(16).padStart(2, "0").repeat(32)}`);

export async function oracleWallets() {
  const { Wallet } = await import("ethers");
  return ORACLE_KEYS.map((k) => new Wallet(k));
}

export async function oracleConfig(over: Partial<OracleConfig> = {}): Promise<OracleConfig> {
  const ws = await oracleWallets();
  return {
    signers: ws.map((w) => w.address.toLowerCase()),
    quorum: 2,
    maxAgeMs: 60_000,
    maxFutureMs: 5_000,
    maxDeviationPpm: 50_000n,
    minChangePpm: 1_000n,
    heartbeatMs: 60_000,
    ...over,
  };
}

/** Has `signers` (indices into ORACLE_KEYS) each post a report of `prices` at `tsSec` to the sequencer. */
export async function postPrices(
  base: string,
  prices: Prices,
  tsSec: number,
  signers: readonly number[] = [0, 1],
): Promise<Reply<Body>[]> {
  const ws = await oracleWallets();
  const out: Reply<Body>[] = [];
  for (const i of signers) {
    const s = await signReport(ws[i]!, DOMAIN, {
      timestamp: BigInt(tsSec),
      markets: prices.markets,
      collaterals: prices.collaterals,
    });
    out.push(
      await call<Body>(base, "POST", "/v1/oracle/reports", {
        report: {
          timestamp: String(tsSec),
          markets: prices.markets.map(String),
          collaterals: prices.collaterals.map(String),
        },
        signature: s.signature,
      }),
    );
  }
  return out;
}
