// Generates test/vectors/*.json from the protocol model alone, so circuits, contracts, sequencer and prover tests can
// all check themselves against one executable reference. Output is deterministic byte for byte (fixed seeds, no
// clocks, stable key order); test/vectors/vectors.test.ts regenerates it in memory and fails on any drift.
// `tsx scripts/gen-vectors.ts` writes the files; `--check` only compares and exits 1 when one is stale.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as P from "../protocol/index.js";
import {
  Account,
  FIELD_MODULUS,
  FLAG_IOC,
  FLAG_POST_ONLY,
  FLAG_REDUCE_ONLY,
  Order,
  PARAM_SETS,
  RiskConfig,
  SparseMerkleTree,
  BABYJUB_SUBORDER,
  chainShape,
  computeMargin,
  emptyAccountHash,
  emptyHashes,
  emptyOrdersRoot,
  hashTagged,
  orderSlotHash,
  paramSet,
  parseDecimal,
  parseRate,
  poseidon,
  serializeSignature,
  signWithdrawal,
  verifySignature,
  withdrawalMessage,
  type Domain,
  type MarginInputs,
  type ParamSetName,
  type Prices,
  type Signature,
  type WithdrawalRequest,
} from "../protocol/index.js";
import { hexOf, seededKey, seededSalt } from "../client/sim/keys.js";
import { SIM_DOMAIN, simParams } from "../client/sim/markets.js";
import { runScenario, type ScenarioRun } from "../client/sim/scenario.js";
import {
  serializeAccount,
  serializeHeader,
  serializeL1Effect,
  serializeOp,
  serializePublicInputs,
  serializeSlot,
  type Json,
} from "../client/sim/serialize.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const VECTORS_DIR = join(ROOT, "test/vectors");
const GENERATOR = "scripts/gen-vectors.ts (npm run gen:vectors) from the protocol model; do not edit by hand";

type Obj = { [k: string]: Json };
const s = (x: bigint | number): string => x.toString();
const ss = (xs: readonly (bigint | number)[]): string[] => xs.map(s);

function domainJson(d: Domain): Obj {
  return { chainId: s(d.chainId), contract: s(d.contract) };
}

/** Every file opens with the same self-description: the set, the domain and the config its cases assume. */
function envelope(description: string, cases: Json[], extra: Obj = {}): Obj {
  const params = simParams("test");
  return {
    generator: GENERATOR,
    paramSet: "test",
    paramSetSizes: { ...PARAM_SETS.test },
    domain: domainJson(params.domain),
    config: params.config.serialize() as unknown as Json,
    configHash: s(params.config.hash()),
    description,
    ...extra,
    cases,
  };
}

/** Deterministic field elements spread over the whole field, for hash inputs. */
function fieldFrom(label: string): bigint {
  return seededSalt(`vectors:${label}`);
}

// ---------------------------------------------------------------------------------------------------------------
// poseidon.json, domains.json

function poseidonVectors(): Obj {
  const cases: Json[] = [];
  for (let n = 1; n <= 16; n++) {
    const small = Array.from({ length: n }, (_, i) => BigInt(i + 1));
    cases.push({
      description: `Poseidon_${n} on 1..${n}`,
      kind: "poseidon",
      width: n,
      inputs: ss(small),
      output: s(poseidon(small)),
    });
    const big = Array.from({ length: n }, (_, i) =>
      i === 0 ? FIELD_MODULUS - 1n : fieldFrom(`poseidon:${n}:${i}`),
    );
    cases.push({
      description: `Poseidon_${n} on r-1 followed by pseudo-random field elements`,
      kind: "poseidon",
      width: n,
      inputs: ss(big),
      output: s(poseidon(big)),
    });
  }
  // k = 12 and 26 are the test and prod leaf sizes; 15/16 and 30/31 sit on the chunk boundaries of H.
  for (const k of [1, 12, 15, 16, 26, 30, 31]) {
    const xs = Array.from({ length: k }, (_, i) => fieldFrom(`tagged:${k}:${i}`));
    cases.push({
      description: `H(DOMAIN_ACCOUNT, ${k} fields): Poseidon widths ${chainShape(k).join(", ")}`,
      kind: "hashTagged",
      tag: s(P.DOMAIN_ACCOUNT),
      count: k,
      inputs: ss(xs),
      chainWidths: chainShape(k),
      output: s(hashTagged(P.DOMAIN_ACCOUNT, xs)),
    });
  }
  return envelope("circomlib Poseidon (widths 1..16) and the tagged chain hash H of PROTOCOL §3", cases);
}

function domainVectors(): Obj {
  const spec = JSON.parse(readFileSync(join(ROOT, "spec/constants.json"), "utf8")) as {
    domains: Record<string, string>;
  };
  const cases = Object.entries(spec.domains).map(([name, str]) => {
    const value = (P as unknown as Record<string, unknown>)[name];
    if (typeof value !== "bigint") throw new Error(`protocol does not export ${name}`);
    return {
      description: `${name}: the ASCII string "${str}" read as a big-endian integer`,
      name,
      string: str,
      value: s(value),
    };
  });
  return envelope("Domain tags (PROTOCOL §3)", cases);
}

// ---------------------------------------------------------------------------------------------------------------
// accounts.json

function accountCase(description: string, name: ParamSetName, a: Account): Obj {
  return {
    description,
    paramSet: name,
    preimage: a.serialize() as unknown as Json,
    fields: ss(a.fields()),
    chainWidths: chainShape(a.fields().length),
    ordersRoot: s(a.ordersRoot),
    orderSlots: a.usedSlots().map((k) => ({
      slot: s(k),
      nonce: s(a.slot(k).nonce),
      filled: s(a.slot(k).filled),
      leafHash: s(orderSlotHash(a.slot(k))),
      siblings: ss(a.slotProof(k).siblings),
    })),
    leafHash: s(a.hash()),
    circuitInputs: a.toCircuitInputs() as unknown as Json,
  };
}

function extremeAccount(name: ParamSetName): Account {
  const sizes = paramSet(name);
  const a = Account.empty(sizes);
  const key = seededKey("vectors:extreme");
  a.pubKeyX = key.publicKey.x;
  a.pubKeyY = key.publicKey.y;
  a.nonce = (1n << 32n) - 1n;
  a.salt = FIELD_MODULUS - 1n;
  a.quote = -(1n << 95n);
  a.balances = a.balances.map((_, c) => (c % 2 === 0 ? (1n << 64n) - 1n : 0n));
  a.sizes = a.sizes.map((_, m) => (m % 2 === 0 ? -(1n << 63n) : (1n << 63n) - 1n));
  a.fundingIndices = a.fundingIndices.map((_, m) => (m % 2 === 0 ? (1n << 63n) - 1n : -(1n << 63n)));
  a.setSlot(0n, { nonce: (1n << 32n) - 1n, filled: (1n << 63n) - 1n });
  a.setSlot(BigInt((1 << sizes.orderDepth) - 1), { nonce: 1n, filled: 0n });
  a.checkBounds();
  return a;
}

function accountVectors(run: ScenarioRun): Obj {
  const cases: Json[] = [];
  for (const name of ["test", "dev", "prod"] as const) {
    cases.push(
      accountCase(
        `empty account (${name}): all zero but ordersRoot = EMPTY_ORDERS_ROOT`,
        name,
        Account.empty(paramSet(name)),
      ),
    );
    cases.push(
      accountCase(
        `every field at a bound of its type (${name}); negative values encoded mod r`,
        name,
        extremeAccount(name),
      ),
    );
  }
  for (const [i, a] of [...run.finalState.accounts].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const who = run.actors.find((x) => x.index === i)!.name;
    cases.push(accountCase(`account ${i} (${who}) at the end of the test scenario`, "test", a));
  }
  return envelope(
    "Account leaves (PROTOCOL §4.1): preimage → field list → leaf hash H(DOMAIN_ACCOUNT, fields), and the circuit's Account inputs",
    cases,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// orders.json, withdrawals.json

function keyJson(seed: string): Obj {
  const k = seededKey(seed);
  return {
    seed,
    derivation: 'sha256("zkmargin.sim.key:" + seed)',
    privateKey: hexOf(k.privateKey),
    publicKey: { x: s(k.publicKey.x), y: s(k.publicKey.y) },
  };
}

/** The tampered variants every signature consumer must reject. */
function tampers(
  sig: Signature,
  message: bigint,
  other: Signature,
): { description: string; message: bigint; signature: Signature }[] {
  return [
    { description: "S + 1", message, signature: { ...sig, S: sig.S + 1n } },
    {
      description: "S + subgroup order (same point, but S ≥ suborder is refused)",
      message,
      signature: { ...sig, S: sig.S + BABYJUB_SUBORDER },
    },
    {
      description: "R8 of another signature",
      message,
      signature: { ...sig, R8x: other.R8x, R8y: other.R8y },
    },
    { description: "message + 1", message: message + 1n, signature: sig },
  ];
}

function orderVectors(): Obj {
  const d = SIM_DOMAIN;
  const specs: { description: string; seed: string; fields: ConstructorParameters<typeof Order>[0] }[] = [
    {
      description: "maker sells 0.1 BTC limit 60000 (PROTOCOL §7.3 example)",
      seed: "vectors:order:maker",
      fields: {
        accountIndex: 1n,
        slot: 0n,
        nonce: 1n,
        market: 0,
        isBuy: false,
        size: 10_000_000n,
        limitPrice: 6_000_000_000_000n,
        expiry: 1_767_312_000n,
        flags: 0,
        maxFee: 1_000n,
      },
    },
    {
      description: "taker buys 0.05 BTC limit 61000, reduce-only",
      seed: "vectors:order:taker",
      fields: {
        accountIndex: 2n,
        slot: 3n,
        nonce: 7n,
        market: 0,
        isBuy: true,
        size: 5_000_000n,
        limitPrice: 6_100_000_000_000n,
        expiry: 1_767_312_000n,
        flags: FLAG_REDUCE_ONLY,
        maxFee: 500n,
      },
    },
    {
      description: "post-only + IOC flags, market 1, no fee allowed",
      seed: "vectors:order:flags",
      fields: {
        accountIndex: 63n,
        slot: 1n,
        nonce: 1n,
        market: 1,
        isBuy: true,
        size: 1n,
        limitPrice: 1n,
        expiry: 1n,
        flags: FLAG_POST_ONLY | FLAG_IOC,
        maxFee: 0n,
      },
    },
    {
      description: "every field at its maximum",
      seed: "vectors:order:max",
      fields: {
        accountIndex: (1n << 20n) - 1n,
        slot: (1n << 8n) - 1n,
        nonce: (1n << 32n) - 1n,
        market: 255,
        isBuy: false,
        size: (1n << 63n) - 1n,
        limitPrice: (1n << 56n) - 1n,
        expiry: (1n << 40n) - 1n,
        flags: 7,
        maxFee: 1_000_000n,
      },
    },
  ];
  const other = seededKey("vectors:order:other");
  const cases: Json[] = [];
  for (const sp of specs) {
    const key = seededKey(sp.seed);
    const order = new Order(sp.fields);
    const message = order.message(d);
    const sig = order.sign(key.privateKey, d).signature;
    const otherSig = P.signMessage(other.privateKey, message);
    const base = {
      key: keyJson(sp.seed),
      order: order.serialize() as unknown as Json,
      circuitInputs: order.toCircuitInputs(),
      messageFields: ss([
        d.chainId,
        d.contract,
        order.accountIndex,
        order.slot,
        order.nonce,
        BigInt(order.market),
        order.isBuy ? 1n : 0n,
        order.size,
        order.limitPrice,
        order.expiry,
        BigInt(order.flags),
        order.maxFee,
      ]),
      message: s(message),
    };
    cases.push({
      description: sp.description,
      ...base,
      signature: serializeSignature(sig),
      valid: verifySignature(key.publicKey, message, sig),
    });
    for (const t of tampers(sig, message, otherSig)) {
      cases.push({
        description: `${sp.description} — tampered: ${t.description}`,
        ...base,
        message: s(t.message),
        signature: serializeSignature(t.signature),
        valid: verifySignature(key.publicKey, t.message, t.signature),
      });
    }
    const foreign = P.makeDomain(1n, "0x00000000000000000000000000000000000000aa");
    cases.push({
      description: `${sp.description} — signed for another deployment (chain 1, other contract) [I10]`,
      ...base,
      signature: serializeSignature(order.sign(key.privateKey, foreign).signature),
      valid: verifySignature(key.publicKey, message, order.sign(key.privateKey, foreign).signature),
    });
    cases.push({
      description: `${sp.description} — signed by another key`,
      ...base,
      signature: serializeSignature(otherSig),
      valid: verifySignature(key.publicKey, message, otherSig),
    });
  }
  return envelope(
    "Signed orders (PROTOCOL §6): fields → message H(DOMAIN_ORDER, chainId, contract, …) → EdDSA-Poseidon signature; `valid` is what the verifier must say",
    cases,
  );
}

function withdrawalVectors(): Obj {
  const d = SIM_DOMAIN;
  const specs: { description: string; seed: string; w: WithdrawalRequest }[] = [
    {
      description: "account 5 withdraws 100 USDC of quote with nonce 0 (PROTOCOL §7.2 example)",
      seed: "vectors:withdraw:five",
      w: {
        accountIndex: 5n,
        asset: 0,
        amount: 10_000_000_000n,
        l1Address: 0x70997970c51812dc3a010c7d01b50e0d17dc79c8n,
        nonce: 0n,
      },
    },
    {
      description: "collateral asset 2, nonce 41",
      seed: "vectors:withdraw:collateral",
      w: {
        accountIndex: 17n,
        asset: 2,
        amount: 123_456_789n,
        l1Address: 0x3c44cdddb6a900fa2b585dd299e03d12fa4293bcn,
        nonce: 41n,
      },
    },
    {
      description: "every field at its maximum",
      seed: "vectors:withdraw:max",
      w: {
        accountIndex: (1n << 20n) - 1n,
        asset: 4,
        amount: (1n << 63n) - 1n,
        l1Address: (1n << 160n) - 1n,
        nonce: (1n << 32n) - 1n,
      },
    },
  ];
  const other = seededKey("vectors:withdraw:other");
  const cases: Json[] = [];
  for (const sp of specs) {
    const key = seededKey(sp.seed);
    const message = withdrawalMessage(d, sp.w);
    const sig = signWithdrawal(key.privateKey, d, sp.w);
    const otherSig = P.signMessage(other.privateKey, message);
    const base = {
      key: keyJson(sp.seed),
      request: {
        accountIndex: s(sp.w.accountIndex),
        asset: sp.w.asset,
        amount: s(sp.w.amount),
        l1Address: s(sp.w.l1Address),
        nonce: s(sp.w.nonce),
      },
      messageFields: ss([
        d.chainId,
        d.contract,
        sp.w.accountIndex,
        BigInt(sp.w.asset),
        sp.w.amount,
        sp.w.l1Address,
        sp.w.nonce,
      ]),
      message: s(message),
    };
    cases.push({
      description: sp.description,
      ...base,
      signature: serializeSignature(sig),
      valid: verifySignature(key.publicKey, message, sig),
    });
    for (const t of tampers(sig, message, otherSig)) {
      cases.push({
        description: `${sp.description} — tampered: ${t.description}`,
        ...base,
        message: s(t.message),
        signature: serializeSignature(t.signature),
        valid: verifySignature(key.publicKey, t.message, t.signature),
      });
    }
  }
  return envelope(
    "Signed withdrawals (PROTOCOL §6, §7.2): request → message H(DOMAIN_WITHDRAW, …) → signature",
    cases,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// merkle.json

function proofJson(t: SparseMerkleTree, index: bigint): Obj {
  const p = t.proof(index);
  return {
    index: s(index),
    pathBits: Array.from({ length: t.depth }, (_, j) => Number((index >> BigInt(j)) & 1n)),
    leaf: s(p.leaf),
    siblings: ss(p.siblings),
  };
}

function merkleVectors(run: ScenarioRun): Obj {
  const cases: Json[] = [];
  const test = paramSet("test");
  const t = new SparseMerkleTree(test.accountDepth, emptyAccountHash(test));
  const filled = [0n, 1n, 5n, 63n];
  for (const i of filled) t.set(i, fieldFrom(`merkle:leaf:${i}`));
  cases.push({
    description:
      "depth-6 account tree (test) with leaves 0, 1, 5, 63 set to arbitrary field elements; proofs of set and empty leaves",
    kind: "tree",
    depth: t.depth,
    emptyLeaf: s(t.emptyLeaf),
    leaves: filled.map((i) => ({ index: s(i), leaf: s(t.leaf(i)) })),
    root: s(t.root),
    proofs: [0n, 1n, 2n, 5n, 62n, 63n].map((i) => proofJson(t, i)),
  });
  const st = run.finalState.tree;
  cases.push({
    description: "the account tree at the end of the test scenario (leaves are real account hashes)",
    kind: "tree",
    depth: st.depth,
    emptyLeaf: s(st.emptyLeaf),
    leaves: st.indices().map((i) => ({ index: s(i), leaf: s(st.leaf(i)) })),
    root: s(st.root),
    proofs: [...st.indices(), 6n, 40n].map((i) => proofJson(st, i)),
  });
  const ot = new SparseMerkleTree(test.orderDepth, orderSlotHash({ nonce: 0n, filled: 0n }));
  ot.set(2n, orderSlotHash({ nonce: 3n, filled: 250n }));
  cases.push({
    description: "depth-2 order-slot tree (test) with slot 2 = (nonce 3, filled 250)",
    kind: "tree",
    depth: ot.depth,
    emptyLeaf: s(ot.emptyLeaf),
    leaves: [{ index: "2", leaf: s(ot.leaf(2n)) }],
    root: s(ot.root),
    proofs: [0n, 2n, 3n].map((i) => proofJson(ot, i)),
  });
  for (const name of ["test", "dev", "prod"] as const) {
    const sz = paramSet(name);
    const leaf = emptyAccountHash(sz);
    const slot = orderSlotHash({ nonce: 0n, filled: 0n });
    cases.push({
      description: `empty trees of the ${name} set: zeros[j] = hash of an empty subtree of height j (zeros[depth] = empty root)`,
      kind: "emptyTrees",
      paramSet: name,
      account: {
        depth: sz.accountDepth,
        emptyLeaf: s(leaf),
        zeros: ss(emptyHashes(leaf, sz.accountDepth).slice(0, sz.accountDepth + 1)),
      },
      orders: {
        depth: sz.orderDepth,
        emptyLeaf: s(slot),
        zeros: ss(emptyHashes(slot, sz.orderDepth).slice(0, sz.orderDepth + 1)),
        emptyOrdersRoot: s(emptyOrdersRoot(sz.orderDepth)),
      },
    });
  }
  return envelope(
    "Poseidon Merkle trees (PROTOCOL §4.2–4.3): node = Poseidon_2(left, right); bit j of the index set = right child at level j",
    cases,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// margin.json

const usd = (x: string): bigint => parseDecimal(x, 16, "usd");
const amt = (x: string): bigint => parseDecimal(x, 8, "amount");
const px = (x: string): bigint => parseDecimal(x, 8, "price");

/** PROTOCOL §5.3's config, shaped to the test set (2 markets, 2 collaterals, 2 tiers). */
function workedExampleConfig(): RiskConfig {
  return new RiskConfig(
    [
      {
        symbol: "BTC",
        tiers: [
          { start: 0n, imr: parseRate("0.1", "imr"), mmr: parseRate("0.05", "mmr") },
          { start: usd("1000000"), imr: parseRate("0.2", "imr"), mmr: parseRate("0.1", "mmr") },
        ],
        liquidationFee: parseRate("0.01", "fee"),
        maxFundingStep: parseRate("0.001", "step"),
      },
      {
        symbol: "ETH-PERP",
        tiers: [{ start: 0n, imr: 100_000n, mmr: 50_000n }],
        liquidationFee: 10_000n,
        maxFundingStep: 1_000n,
      },
    ],
    [
      { symbol: "USDC", haircut: parseRate("1", "haircut") },
      { symbol: "ETH", haircut: parseRate("0.8", "haircut") },
    ],
  ).withTierCount(2);
}

interface MarginCase {
  description: string;
  config?: RiskConfig;
  paramSet?: ParamSetName;
  account: MarginInputs;
  prices: Prices;
  /** Global funding indices; absent = settled (none passed to computeMargin). */
  fundingIndices?: readonly bigint[];
}

function marginCaseJson(c: MarginCase, defaultConfig: RiskConfig): Obj {
  const cfg = c.config ?? defaultConfig;
  const inputs = {
    account: {
      quote: s(c.account.quote),
      balances: ss(c.account.balances),
      sizes: ss(c.account.sizes),
      fundingIndices: ss(c.account.fundingIndices),
    },
    prices: { markets: ss(c.prices.markets), collaterals: ss(c.prices.collaterals) },
    fundingIndices: c.fundingIndices ? ss(c.fundingIndices) : null,
  };
  const head: Obj = { description: c.description };
  if (c.paramSet) head.paramSet = c.paramSet;
  if (c.config) head.config = c.config.serialize() as unknown as Json;
  try {
    const m = computeMargin(c.account, cfg, c.prices, c.fundingIndices);
    return {
      ...head,
      ...inputs,
      expected: {
        tvS: s(m.tvS),
        mmS: s(m.mmS),
        imS: s(m.imS),
        tv: s(m.tv),
        mm: s(m.mm),
        im: s(m.im),
        unsettledFunding: s(m.unsettledFunding),
        perMarket: m.perMarket.map((r) => ({
          notional: s(r.notional),
          tier: r.tier,
          mmS: s(r.mmS),
          imS: s(r.imS),
        })),
        healthy: m.healthy,
        liquidatable: m.liquidatable,
        bankrupt: m.bankrupt,
      },
    };
  } catch (e) {
    if (!P.isProtocolError(e)) throw e;
    return { ...head, ...inputs, expectedError: e.code, message: e.message };
  }
}

function marginVectors(): Obj {
  const cfg = simParams("test").config;
  const ex = workedExampleConfig();
  const zero2 = [0n, 0n];
  const acct = (
    quote: bigint,
    balances: bigint[],
    sizes: bigint[],
    fundingIndices: bigint[] = zero2,
  ): MarginInputs => ({ quote, balances, sizes, fundingIndices });
  const exPrices = (btc: string): Prices => ({
    markets: [px(btc), px("3000")],
    collaterals: [px("1"), px("3000")],
  });
  const testPrices = (btc: string, eth: string, weth = "3000", wbtc = "60000"): Prices => ({
    markets: [px(btc), px(eth)],
    collaterals: [px(weth), px(wbtc)],
  });

  // Equity exactly at MM: 1 BTC at 60000, tier 0 mmr 5% → MM = 3000 USD; TV = quote + 60000 → quote = −57000.
  const atMm = acct(usd("-57000"), zero2, [amt("1"), 0n]);
  const atIm = acct(usd("-54000"), zero2, [amt("1"), 0n]);
  const MAX_SIZE = (1n << 63n) - 1n;
  const MAX_PRICE = (1n << 56n) - 1n;

  const cases: MarginCase[] = [
    {
      description: "PROTOCOL §5.3 worked example: TV 4600, MM 1500, IM 3000, healthy",
      config: ex,
      account: acct(usd("-30000"), [amt("1000"), amt("1.5")], [amt("0.5"), 0n]),
      prices: exPrices("60000"),
    },
    {
      description: "§5.3 at 10 BTC (600,000 notional, tier 0): IM 60,000",
      config: ex,
      account: acct(usd("-30000"), [amt("1000"), amt("1.5")], [amt("10"), 0n]),
      prices: exPrices("60000"),
    },
    {
      description: "§5.3 at 20 BTC (1,200,000 notional, tier 1): IM 140,000, MM 70,000",
      config: ex,
      account: acct(usd("-30000"), [amt("1000"), amt("1.5")], [amt("20"), 0n]),
      prices: exPrices("60000"),
    },
    {
      description:
        "tier boundary: BTC notional exactly 1,000,000 (20 BTC at 50000) selects tier 1; IM 100,000 either way (continuity)",
      account: acct(usd("0"), zero2, [amt("20"), 0n]),
      prices: testPrices("50000", "3000"),
    },
    {
      description: "tier boundary: one size unit below 1,000,000 notional stays in tier 0",
      account: acct(usd("0"), zero2, [amt("20") - 1n, 0n]),
      prices: testPrices("50000", "3000"),
    },
    {
      description: "tier boundary, short side: −20 BTC at 50000 is tier 1 too",
      account: acct(usd("1100000"), zero2, [-amt("20"), 0n]),
      prices: testPrices("50000", "3000"),
    },
    {
      description: "equity exactly at MM: healthy (TVs = MMs), not liquidatable",
      account: atMm,
      prices: testPrices("60000", "3000"),
    },
    {
      description: "equity one Value unit below MM: liquidatable",
      account: { ...atMm, quote: atMm.quote - 1n },
      prices: testPrices("60000", "3000"),
    },
    { description: "equity exactly at IM (TVs = IMs)", account: atIm, prices: testPrices("60000", "3000") },
    {
      description: "zero size everywhere: only collateral and quote count; MM = IM = 0",
      account: acct(usd("250.5"), [amt("2"), amt("0.1")], zero2),
      prices: testPrices("60000", "3000"),
    },
    {
      description: "all markets open, long BTC and short ETH, both collaterals",
      account: acct(usd("100000"), [amt("10"), amt("1")], [amt("1.5"), -amt("40")]),
      prices: testPrices("58000", "3100", "3100", "58000"),
    },
    {
      description: "all markets open with negative quote: bankrupt",
      account: acct(usd("-100000"), [amt("10"), amt("1")], [amt("1.5"), -amt("40")]),
      prices: testPrices("58000", "3100", "3100", "58000"),
    },
    {
      description: "bankrupt: TV < 0",
      account: acct(usd("-70000"), zero2, [amt("1"), 0n]),
      prices: testPrices("60000", "3000"),
    },
    {
      description:
        "unsettled funding counts against TV: long 2 BTC pays 2·(30 − 5), short 3 ETH pays 3·(−1 − (−2)) → −53 USD",
      account: acct(usd("-100000"), zero2, [amt("2"), -amt("3")], [px("5"), px("-1")]),
      prices: testPrices("60000", "3000"),
      fundingIndices: [px("30"), px("-2")],
    },
    {
      description:
        "rounding: TVs = −2e6 + 0.9e6 + 1e6 = −100000 floors to TV −1; MMs 50000 of a 1-unit notional rounds up to MM 1",
      account: acct(-2n, [1n, 0n], [1n, 0n]),
      prices: { markets: [1n, 1n], collaterals: [1n, 1n] },
    },
    {
      description: "max long size and max short size (Int64 bounds) at price 1 unit",
      account: acct(usd("1000000000"), zero2, [MAX_SIZE, -(1n << 63n)]),
      prices: { markets: [1n, 1n], collaterals: [1n, 1n] },
    },
    {
      description: "max price (2^56 − 1 units) with 1 BTC long: tier 1",
      account: acct(0n, [amt("1"), 0n], [amt("1"), 0n]),
      prices: { markets: [MAX_PRICE, px("3000")], collaterals: [MAX_PRICE, px("60000")] },
    },
    {
      description:
        "max collateral balances at max price: shown TV exceeds Int110, the model refuses (OUT_OF_RANGE)",
      account: acct(0n, [(1n << 64n) - 1n, (1n << 64n) - 1n], zero2),
      prices: { markets: [px("60000"), px("3000")], collaterals: [MAX_PRICE, MAX_PRICE] },
    },
    {
      description: "max size at max price: shown TV/MM exceed Int110, the model refuses (OUT_OF_RANGE)",
      account: acct(0n, zero2, [MAX_SIZE, 0n]),
      prices: { markets: [MAX_PRICE, 1n], collaterals: [1n, 1n] },
    },
    {
      description: "dev config, all 4 markets open",
      paramSet: "dev",
      config: simParams("dev").config,
      account: {
        quote: usd("-20000"),
        balances: [amt("5"), amt("0.2")],
        sizes: [amt("0.3"), -amt("2"), amt("50"), -amt("300")],
        fundingIndices: [0n, 0n, 0n, 0n],
      },
      prices: {
        markets: [px("60000"), px("3000"), px("150"), px("15")],
        collaterals: [px("3000"), px("60000")],
      },
    },
  ];
  return envelope(
    "Margin (PROTOCOL §5.2): account + prices (+ global funding indices) → exact Scaled figures (1e-22 USD), shown Value figures (TV floor, MM/IM ceil) and the decisions; a case may carry its own config",
    cases.map((c) => marginCaseJson(c, cfg)),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// batches.json

function batchVectors(run: ScenarioRun): Obj {
  const fund = run.actors[0]!;
  const batches = run.batches.map((b) => ({
    description: `batch ${b.result.publicInputs.batchNumber}: ${b.phase}`,
    old: {
      root: s(b.before.root),
      batchNumber: s(b.before.batchNumber),
      depositHash: s(b.before.depositHash),
      forcedHash: s(b.before.forcedHash),
      fundingIndices: ss(b.before.fundingIndices),
      lastBatchTime: s(b.before.lastBatchTime),
    },
    header: serializeHeader(b.header),
    slots: b.slots.map((rec, i) => ({ description: b.descriptions[i]!, ...(serializeSlot(rec) as Obj) })),
    rejected: b.rejected.map((r) => ({
      description: r.what,
      atSlot: r.atSlot,
      code: r.code,
      op: serializeOp(r.op),
    })),
    fund: {
      before: serializeAccount(b.result.fundBefore),
      after: serializeAccount(b.result.fundAfter),
      siblingsBefore: ss(b.result.fundSiblingsBefore),
      siblingsAfter: ss(b.result.fundSiblingsAfter),
      rootBeforeFundWrite: s(b.result.rootBeforeFundWrite),
    },
    l1Effects: b.result.l1Effects.map(serializeL1Effect),
    newRoot: s(b.result.publicInputs.newRoot),
    publicInputs: serializePublicInputs(b.result),
  }));
  return envelope(
    "The scripted market of client/sim/scenario.ts on the test set: every batch with its old state, header, slots (ops, notes, account writes with siblings, order-slot witnesses, hash chains), rejected ops with their codes, the insurance-fund register, L1 effects and public inputs",
    batches,
    {
      genesis: {
        root: s(run.genesis.root),
        fund: {
          index: "0",
          key: keyJson(fund.key.seed),
          salt: s(fund.salt),
          account: serializeAccount(run.genesis.account(0n)),
        },
        actors: run.actors.map((a) => ({
          name: a.name,
          index: s(a.index),
          key: keyJson(a.key.seed),
          l1Address: s(a.l1Address),
          salt: s(a.salt),
        })),
      },
      final: {
        root: s(run.finalState.root),
        fundingIndices: ss(run.finalState.fundingIndices),
        depositHash: s(run.finalState.depositHash),
        forcedHash: s(run.finalState.forcedHash),
        accounts: [...run.finalState.accounts]
          .sort(([x], [y]) => (x < y ? -1 : 1))
          .map(([i, a]) => ({ index: s(i), account: serializeAccount(a) })),
      },
    },
  );
}

// ---------------------------------------------------------------------------------------------------------------

/** File name → exact file text. */
export function buildVectors(): Map<string, string> {
  const run = runScenario({ paramSet: "test" });
  const files: [string, () => Obj][] = [
    ["poseidon.json", poseidonVectors],
    ["domains.json", domainVectors],
    ["accounts.json", () => accountVectors(run)],
    ["orders.json", orderVectors],
    ["withdrawals.json", withdrawalVectors],
    ["merkle.json", () => merkleVectors(run)],
    ["margin.json", marginVectors],
    ["batches.json", () => batchVectors(run)],
  ];
  return new Map(files.map(([name, f]) => [name, `${JSON.stringify(f(), null, 2)}\n`]));
}

function main(): void {
  const check = process.argv.includes("--check");
  const files = buildVectors();
  let stale = 0;
  mkdirSync(VECTORS_DIR, { recursive: true });
  for (const [name, text] of files) {
    const path = join(VECTORS_DIR, name);
    let current: string | null = null;
    try {
      current = readFileSync(path, "utf8");
    } catch {
      current = null;
    }
    if (current === text) continue;
    if (check) {
      console.error(`stale: test/vectors/${name} (run npm run gen:vectors)`);
      stale++;
    } else {
      writeFileSync(path, text);
      console.log(`wrote test/vectors/${name} (${(text.length / 1024).toFixed(0)} KiB)`);
    }
  }
  if (stale > 0) process.exitCode = 1;
  else if (check) console.log("test vectors are up to date");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
