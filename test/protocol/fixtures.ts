// Shared fixtures for the protocol-model tests: deterministic keys, one risk config for the `test` parameter set
// (the §5.3 BTC tiers, so worked examples and unit tests share numbers), builders for signed ops, an independent
// margin oracle, and the rejection helper that checks atomicity [I18] for every rejection test.
import { expect } from "vitest";
import fc from "fast-check";
import {
  AMOUNT_DECIMALS,
  MAX_FUNDING_RATE_PPM_CAP,
  MAX_LIQUIDATION_FEE_PPM,
  Account,
  BatchBuilder,
  Opcode,
  Order,
  PRICE_DECIMALS,
  ProtocolError,
  RATE_SCALE,
  RiskConfig,
  RollupState,
  VALUE_DECIMALS,
  applyBatch,
  makeDomain,
  makeParams,
  paramSet,
  parseDecimal,
  parseRate,
  poseidon,
  publicKeyOf,
  signMessage,
  signWithdrawal,
  type BatchHeader,
  type BatchResult,
  type DepositOp,
  type Domain,
  type MarginInputs,
  type Op,
  type Prices,
  type ProtocolParams,
  type PublicKey,
  type Signature,
  type SignedOrder,
  type TradeOp,
  type WithdrawOp,
} from "../../protocol/index.js";

// ---------------------------------------------------------------- units (parsed, never floats)

/** USD → Value units (1e-16 USD). */
export const usd = (s: string): bigint => parseDecimal(s, VALUE_DECIMALS, "usd");
/** USD per whole unit → Price units (1e-8 USD). */
export const px = (s: string): bigint => parseDecimal(s, PRICE_DECIMALS, "price");
/** Whole units → Amount / Size units (1e-8). */
export const lots = (s: string): bigint => parseDecimal(s, AMOUNT_DECIMALS, "amount");
/** Decimal fraction → ppm. */
export const ppm = (s: string): bigint => parseRate(s, "rate");

// ---------------------------------------------------------------- deployment

export const SIZES = paramSet("test");
export const CONTRACT = 0x5fbdb2315678afecb367f032d93f642f64180aa3n;
export const DOMAIN: Domain = makeDomain(31337n, CONTRACT);
/** Same contract on another chain, and another contract on the same chain [I10]. */
export const OTHER_CHAIN: Domain = makeDomain(1n, CONTRACT);
export const OTHER_CONTRACT: Domain = makeDomain(31337n, CONTRACT + 1n);

export const BTC = 0;
export const ETHP = 1;
/** Asset ids (PROTOCOL §2): 0 = quote, 1.. = collateral c-1. */
export const QUOTE = 0;
export const USDC = 1;
export const ETH = 2;

/** BTC has the §5.3 tiers; ETH-PERP a single tier (padded to the set's 2 by makeParams). */
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
      symbol: "ETH-PERP",
      tiers: [{ start: 0n, imr: ppm("0.1"), mmr: ppm("0.05") }],
      liquidationFee: ppm("0.02"),
      maxFundingStep: ppm("0.002"),
    },
  ],
  [
    { symbol: "USDC", haircut: ppm("1") },
    { symbol: "ETH", haircut: ppm("0.8") },
  ],
);

export const PARAMS: ProtocolParams = makeParams(SIZES, DOMAIN, CONFIG);

// ---------------------------------------------------------------- keys

/** KEYS[i] is account i's secret (KEYS[0]: the insurance fund); a few spares beyond the accounts used. */
export const KEYS: readonly Uint8Array[] = Array.from({ length: 12 }, (_, i) =>
  Uint8Array.from({ length: 32 }, (_, j) => (i * 37 + j * 11 + 1) & 0xff),
);
export const PUBS: readonly PublicKey[] = KEYS.map((k) => publicKeyOf(k));
export const FUND_SALT = 0xf00dn;
export const ADDR = 0xabcdef0123456789abcdef0123456789abcdef01n;

export function key(i: number | bigint): Uint8Array {
  const k = KEYS[Number(i)];
  if (!k) throw new RangeError(`no fixture key ${i}`);
  return k;
}

export function pub(i: number | bigint): PublicKey {
  const p = PUBS[Number(i)];
  if (!p) throw new RangeError(`no fixture key ${i}`);
  return p;
}

// Signing costs milliseconds; the same (key, message) is signed many times across tests of one file.
const sigCache = new Map<string, Signature>();

export function sign(k: Uint8Array, message: bigint): Signature {
  const id = `${Buffer.from(k).toString("hex")}:${message}`;
  let s = sigCache.get(id);
  if (!s) {
    s = signMessage(k, message);
    sigCache.set(id, s);
  }
  return s;
}

// ---------------------------------------------------------------- state

export interface AccountSpec {
  /** Fixture key index; defaults to the account's own index; null: unregistered. */
  readonly key?: number | null;
  readonly quote?: bigint;
  readonly balances?: readonly bigint[];
  readonly sizes?: readonly bigint[];
  readonly fundingIndices?: readonly bigint[];
  readonly nonce?: bigint;
  readonly salt?: bigint;
}

export function makeAccount(i: number, spec: AccountSpec = {}): Account {
  const a = Account.empty(SIZES);
  const k = spec.key === undefined ? i : spec.key;
  if (k !== null) {
    a.pubKeyX = pub(k).x;
    a.pubKeyY = pub(k).y;
    a.salt = spec.salt ?? BigInt(1000 + i);
  }
  a.quote = spec.quote ?? 0n;
  if (spec.balances) a.balances = [...spec.balances];
  if (spec.sizes) a.sizes = [...spec.sizes];
  if (spec.fundingIndices) a.fundingIndices = [...spec.fundingIndices];
  a.nonce = spec.nonce ?? 0n;
  return a;
}

/**
 * A state with the insurance fund registered (genesis) and the given accounts written directly. Unit tests need
 * states no short op history reaches cheaply (a bankrupt account, a size near 2^63); the handlers cannot tell.
 */
export function makeState(
  accounts: Readonly<Record<number, AccountSpec>> = {},
  opts: { fundingIndices?: readonly bigint[]; lastBatchTime?: bigint } = {},
): RollupState {
  const s = RollupState.genesis(PARAMS, pub(0), FUND_SALT);
  for (const [i, spec] of Object.entries(accounts)) {
    const idx = Number(i);
    const a = makeAccount(idx, spec);
    if (idx === 0) a.salt = FUND_SALT;
    s.put(BigInt(idx), a);
  }
  if (opts.fundingIndices) s.fundingIndices = [...opts.fundingIndices];
  if (opts.lastBatchTime !== undefined) s.lastBatchTime = opts.lastBatchTime;
  return s;
}

export const NOW = 1_700_000_000n;
export const FAR = NOW + 86_400n;
export const PRICES: Prices = { markets: [px("60000"), px("3000")], collaterals: [px("1"), px("3000")] };

export function header(
  state: RollupState,
  over: {
    markets?: readonly bigint[];
    collaterals?: readonly bigint[];
    funding?: readonly bigint[];
    time?: bigint;
  } = {},
): BatchHeader {
  return {
    batchTime: over.time ?? NOW,
    prices: { markets: over.markets ?? PRICES.markets, collaterals: over.collaterals ?? PRICES.collaterals },
    fundingIndices: over.funding ?? [...state.fundingIndices],
  };
}

// ---------------------------------------------------------------- ops

export interface OrderSpec {
  readonly account: number | bigint;
  readonly market?: number;
  readonly isBuy: boolean;
  readonly size: bigint;
  readonly limit: bigint;
  readonly slot?: bigint;
  readonly nonce?: bigint;
  readonly expiry?: bigint;
  readonly flags?: number;
  readonly maxFee?: bigint;
  /** Signing key; defaults to the account's own fixture key. */
  readonly key?: Uint8Array;
  readonly domain?: Domain;
}

export function makeOrder(o: OrderSpec): Order {
  return new Order({
    accountIndex: BigInt(o.account),
    slot: o.slot ?? 0n,
    nonce: o.nonce ?? 1n,
    market: o.market ?? BTC,
    isBuy: o.isBuy,
    size: o.size,
    limitPrice: o.limit,
    expiry: o.expiry ?? FAR,
    flags: o.flags ?? 0,
    maxFee: o.maxFee ?? ppm("0.001"),
  });
}

export function signedOrder(o: OrderSpec): SignedOrder {
  const order = makeOrder(o);
  const k = o.key ?? key(o.account);
  return { order, signature: sign(k, order.message(o.domain ?? DOMAIN)) };
}

export function tradeOp(
  maker: SignedOrder,
  taker: SignedOrder,
  fill: bigint,
  price: bigint,
  makerFee = 0n,
  takerFee = 0n,
): TradeOp {
  return { opcode: Opcode.TRADE, maker, taker, fill, price, makerFee, takerFee };
}

export function depositOp(d: {
  account: number | bigint;
  asset: number;
  amount: bigint;
  /** Key named in the deposit; defaults to the account's fixture key; null: the zero key. */
  pubKey?: PublicKey | null;
  l1Address?: bigint;
  salt?: bigint;
}): DepositOp {
  const k = d.pubKey === undefined ? pub(d.account) : d.pubKey;
  return {
    opcode: Opcode.DEPOSIT,
    l1Address: d.l1Address ?? ADDR,
    accountIndex: BigInt(d.account),
    pubKeyX: k ? k.x : 0n,
    pubKeyY: k ? k.y : 0n,
    asset: d.asset,
    amount: d.amount,
    salt: d.salt ?? 0x5a17n + BigInt(d.account),
  };
}

export function withdrawOp(w: {
  account: number | bigint;
  asset: number;
  amount: bigint;
  nonce: bigint;
  l1Address?: bigint;
  key?: Uint8Array;
  domain?: Domain;
}): WithdrawOp {
  const req = {
    accountIndex: BigInt(w.account),
    asset: w.asset,
    amount: w.amount,
    l1Address: w.l1Address ?? ADDR,
    nonce: w.nonce,
  };
  const signature = signWithdrawal(w.key ?? key(w.account), w.domain ?? DOMAIN, req);
  return { opcode: Opcode.WITHDRAW, ...req, signature };
}

// ---------------------------------------------------------------- outcomes

/** The ProtocolError code `fn` throws, or "NO_ERROR"; any other exception propagates (a crash is no rejection). */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
  return "NO_ERROR";
}

/** Accounts an op names (only those inside the tree: an out-of-range index cannot be read). */
export function opIndices(op: Op): bigint[] {
  const out: bigint[] = [0n];
  switch (op.opcode) {
    case Opcode.DEPOSIT:
    case Opcode.WITHDRAW:
    case Opcode.FUNDING_SETTLE:
      out.push(op.accountIndex);
      break;
    case Opcode.TRADE:
      out.push(op.maker.order.accountIndex, op.taker.order.accountIndex);
      break;
    case Opcode.LIQUIDATE:
      out.push(op.accountIndex);
      if (op.liquidator) out.push(op.liquidator.order.accountIndex);
      break;
    case Opcode.DELEVERAGE:
      out.push(op.accountIndex, op.counterparty);
      break;
    case Opcode.FORCED_WITHDRAW:
    case Opcode.FORCED_LIQUIDATION_CHECK:
      out.push(op.request.accountIndex);
      break;
    case Opcode.NOOP:
      break;
  }
  return out.filter((i) => i >= 0n && i < 1n << BigInt(SIZES.accountDepth));
}

function stateSnapshot(s: RollupState): unknown {
  return {
    root: s.root,
    depositHash: s.depositHash,
    forcedHash: s.forcedHash,
    batchNumber: s.batchNumber,
    funding: [...s.fundingIndices],
    accounts: [...s.accounts].map(([i, a]) => [i, JSON.stringify(a.serialize())]),
  };
}

/**
 * Asserts `op` is rejected with `code` after `prefix` in a batch under `hdr`, and that the rejection changes
 * nothing [I18]: the builder's view of every named or stored account, its slot count, the batch it then finishes
 * (public input hash), and — through applyBatch — the base state. `message` pins a broad code to its cause.
 * (BatchBuilder.check runs the same handler without applying; ops-batch.test.ts covers it once.)
 */
export function expectRejected(
  state: RollupState,
  hdr: BatchHeader,
  op: Op,
  code: string,
  prefix: readonly Op[] = [],
  message?: RegExp,
): void {
  const before = stateSnapshot(state);
  const b = new BatchBuilder(state, hdr);
  for (const p of prefix) b.apply(p);
  const idx = [...new Set([...opIndices(op), ...state.accounts.keys()])];
  const view = () => idx.map((i) => JSON.stringify(b.account(i).serialize()));
  const viewBefore = view();
  const size = b.size;
  let err: unknown = null;
  try {
    b.apply(op);
  } catch (e) {
    err = e;
  }
  if (!(err instanceof ProtocolError))
    throw new Error(`expected ${code}, got ${err ? String(err) : "acceptance"}`);
  expect(err.code).toBe(code);
  // Broad codes (OUT_OF_RANGE) are pinned to the intended cause by message.
  if (message) expect(err.message).toMatch(message);
  expect(b.size).toBe(size);
  expect(view()).toEqual(viewBefore);
  const ref = new BatchBuilder(state, hdr);
  for (const p of prefix) ref.apply(p);
  expect(b.finish().publicInputHash).toBe(ref.finish().publicInputHash);
  expect(codeOf(() => applyBatch(state, hdr, [...prefix, op]))).toBe(code);
  expect(stateSnapshot(state)).toEqual(before);
}

/** Applies ops as one batch, asserting acceptance. */
export function accept(state: RollupState, hdr: BatchHeader, ops: readonly Op[]): BatchResult {
  return applyBatch(state, hdr, ops);
}

/** The account as stored after a batch. */
export function acct(r: BatchResult, i: number | bigint): Account {
  return r.state.account(BigInt(i));
}

// ---------------------------------------------------------------- independent margin oracle

export interface NaiveMargin {
  readonly tvS: bigint;
  readonly mmS: bigint;
  readonly imS: bigint;
}

/**
 * PROTOCOL §5.2 computed the "tax bracket" way (each tier rate times the part of the notional inside that
 * bracket) rather than with the model's deductions, so margin checks are compared against a second derivation.
 */
export function naiveMargin(
  a: MarginInputs,
  cfg: RiskConfig,
  prices: Prices,
  indices: readonly bigint[] = a.fundingIndices,
): NaiveMargin {
  let tvS = a.quote * RATE_SCALE;
  a.balances.forEach((b, c) => {
    tvS += b * prices.collaterals[c]! * cfg.collaterals[c]!.haircut;
  });
  let mmS = 0n;
  let imS = 0n;
  a.sizes.forEach((s, m) => {
    const p = prices.markets[m]!;
    tvS += s * p * RATE_SCALE - s * (indices[m]! - a.fundingIndices[m]!) * RATE_SCALE;
    const n = (s < 0n ? -s : s) * p;
    const tiers = cfg.markets[m]!.tiers;
    tiers.forEach((t, k) => {
      const end = k + 1 < tiers.length ? tiers[k + 1]!.start : n;
      const top = n < end ? n : end;
      const part = top > t.start ? top - t.start : 0n;
      mmS += part * t.mmr;
      imS += part * t.imr;
    });
  });
  return { tvS, mmS, imS };
}

/** Shown Value-unit figures of PROTOCOL §5.2: TV floors, requirements ceil (written out, not via field.ts). */
export function shown(m: NaiveMargin): { tv: bigint; mm: bigint; im: bigint } {
  const floor = (x: bigint) => (x >= 0n ? x / RATE_SCALE : -((-x + RATE_SCALE - 1n) / RATE_SCALE));
  const ceil = (x: bigint) => -floor(-x);
  return { tv: floor(m.tvS), mm: ceil(m.mmS), im: ceil(m.imS) };
}

/** Quote with unsettled funding realised at `indices` (what settling would leave). */
export function settledQuote(a: MarginInputs, indices: readonly bigint[]): bigint {
  let q = a.quote;
  a.sizes.forEach((s, m) => {
    q -= s * (indices[m]! - a.fundingIndices[m]!);
  });
  return q;
}

/** Root of a full binary Poseidon tree over `leaves` (a power of two), level by level with no sparse shortcuts. */
export function naiveMerkleRoot(leaves: readonly bigint[]): bigint {
  let level = [...leaves];
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(poseidon([level[i]!, level[i + 1]!]));
    level = next;
  }
  return level[0]!;
}

// ---------------------------------------------------------------- arbitraries

/** Valid tier lists: starts strictly increasing from 0, 0 < mmr ≤ imr ≤ 1e6, both non-decreasing (PROTOCOL §5.1). */
export function arbTiers(maxTiers: number): fc.Arbitrary<{ start: bigint; imr: bigint; mmr: bigint }[]> {
  const step = fc.record({
    gap: fc.bigInt({ min: 1n, max: 1n << 90n }),
    dImr: fc.bigInt({ min: 0n, max: 300_000n }),
    dMmr: fc.bigInt({ min: 0n, max: 300_000n }),
  });
  return fc
    .record({
      mmr0: fc.bigInt({ min: 1n, max: 500_000n }),
      imrExtra0: fc.bigInt({ min: 0n, max: 500_000n }),
      steps: fc.array(step, { minLength: 0, maxLength: maxTiers - 1 }),
    })
    .map(({ mmr0, imrExtra0, steps }) => {
      const cap = (x: bigint) => (x > RATE_SCALE ? RATE_SCALE : x);
      let start = 0n;
      let cumMmr = mmr0;
      let cumImr = mmr0 + imrExtra0;
      const tiers = [{ start, mmr: cap(cumMmr), imr: cap(cumImr) }];
      for (const s of steps) {
        start += s.gap;
        cumMmr += s.dMmr;
        cumImr += s.dImr;
        const mmr = cap(cumMmr);
        const imr = cap(cumImr) > mmr ? cap(cumImr) : mmr;
        tiers.push({ start, mmr, imr });
      }
      return tiers;
    });
}

export function arbRiskConfig(
  markets: number,
  collaterals: number,
  maxTiers: number,
): fc.Arbitrary<RiskConfig> {
  return fc
    .record({
      markets: fc.array(
        fc.record({
          tiers: arbTiers(maxTiers),
          liquidationFee: fc.bigInt({ min: 0n, max: MAX_LIQUIDATION_FEE_PPM }),
          maxFundingStep: fc.bigInt({ min: 0n, max: MAX_FUNDING_RATE_PPM_CAP }),
        }),
        { minLength: markets, maxLength: markets },
      ),
      haircuts: fc.array(fc.bigInt({ min: 0n, max: RATE_SCALE }), {
        minLength: collaterals,
        maxLength: collaterals,
      }),
    })
    .map(
      (r) =>
        new RiskConfig(
          r.markets.map((m, i) => ({ symbol: `M${i}`, ...m })),
          r.haircuts.map((haircut, c) => ({ symbol: `C${c}`, haircut })),
        ),
    );
}
