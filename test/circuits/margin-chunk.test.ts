// The margin proof for one chunk (circuits/margin/margin_chunk.circom MarginChunk at the `test` set, chunk depth 3 of
// account depth 6) against its model (protocol/marginProof.ts): random trees prove with the model's public input and
// flags; a chunk that omits or invents a flagged account, lies about the accounts to its right, or is not the
// subtree under the epoch's root has no witness; values out of range have none either; single signals changed on
// honest witnesses violate our R1CS check. Expected public inputs are recomputed here from the spec's formulas over
// the circuit inputs, independently of the model's hashing.
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Account } from "../../protocol/account.js";
import { RiskConfig } from "../../protocol/config.js";
import { DOMAIN_CONFIG, QUOTE_BITS, RATE_SCALE } from "../../protocol/constants.js";
import { ceilDiv, isInt, toField } from "../../protocol/field.js";
import { computeMargin, type Prices } from "../../protocol/margin.js";
import { hashTagged } from "../../protocol/poseidon.js";
import { makeDomain, paramSet } from "../../protocol/params.js";
import { makeParams, RollupState } from "../../protocol/state.js";
import {
  DOMAIN_MARGIN,
  DOMAIN_MARGIN_EPOCH,
  MARGIN_CHUNK_DEPTHS,
  MARGIN_FLAG_WORD_BITS,
  MarginCoverage,
  chunkCount,
  flagWords,
  flagsFromWords,
  isFlagged,
  marginChunk,
  marginEpoch,
  marginPlan,
  requiredChunkCount,
  type MarginChunk,
} from "../../protocol/marginProof.js";
import { isProtocolError } from "../../protocol/errors.js";
import { domainTag } from "../../scripts/gen-constants.js";
import {
  cloneMarginInputs,
  marginChunkInputs,
  marginChunkSpec,
  type MarginChunkInputs,
} from "../../circuits/tooling/marginWitness.js";
import { Circuit } from "../../circuits/tooling/circuit.js";
import {
  expectAllPinned,
  expectViolated,
  expectWitnessFails,
  honest,
  P,
  TEST_OUT_ROOT,
} from "./harness/index.js";
import { pow2, randomAccount, randomConfig, randomPrices, Rng, seeds } from "./harness/gen.js";
import { UNIT, USD, World } from "./batch-world.js";

const SIZES = paramSet("test");
const K = MARGIN_CHUNK_DEPTHS.test;
const LEAVES = 1 << K;
const CHUNKS = Number(chunkCount(SIZES, K));
const DIMS = { markets: SIZES.markets, collaterals: SIZES.collaterals, orderDepth: SIZES.orderDepth };

let compiled: Promise<Circuit> | undefined;
function chunkCircuit(): Promise<Circuit> {
  compiled ??= Circuit.compile(marginChunkSpec(SIZES, K), { outRoot: TEST_OUT_ROOT });
  return compiled;
}

/** The first of `names` that survives --O2 as a wire. */
function wire(c: Circuit, names: readonly string[]): string {
  const n = names.find((x) => c.signals.isWire(x));
  if (!n) throw new Error(`none of ${names.join(", ")} is a wire`);
  return n;
}

function zeroInputInverses(c: Circuit, w: readonly bigint[]): string[] {
  const out: string[] = [];
  for (const [name, wireIndex] of c.signals.entries()) {
    if (wireIndex >= 0 && name.endsWith(".inv") && w[wireIndex] === 0n) out.push(name);
  }
  return out;
}

const flip = (v: bigint): bigint => 1n - v;

/** The wire holding leaf i's flag (--O2 keeps one of its aliases). */
const flagOf = (c: Circuit, i: number): string =>
  wire(c, [`leaf[${i}].flagged`, `flagWords.flags[${i}]`, `leaf[${i}].liquidatableOpen`]);

/** The wire holding the chunk's (only, at test) flag word. */
const flagWord = (c: Circuit): string => wire(c, ["flagWords.words[0]", "pub.in[3]"]);
const big = (s: string): bigint => BigInt(s);

/**
 * The public input recomputed from circuit inputs by the draft spec's formulas (docs/MARGIN_PROOF.md), not through
 * protocol/marginProof.ts: configHash (PROTOCOL §5.1), the epoch hash, then the chunk hash.
 */
function publicHashOf(i: MarginChunkInputs, rightEmpty: boolean, words: readonly bigint[]): bigint {
  const cfg: bigint[] = [];
  i.tierStart.forEach((starts, m) => {
    starts.forEach((s, k) => cfg.push(big(s), big(i.imr[m]![k]!), big(i.mmr[m]![k]!)));
    cfg.push(big(i.liquidationFee[m]!), big(i.maxFundingStep[m]!));
  });
  for (const h of i.haircut) cfg.push(big(h));
  const epoch = hashTagged(DOMAIN_MARGIN_EPOCH, [
    big(i.chainId),
    big(i.contract),
    big(i.batchNumber),
    big(i.accountRoot),
    hashTagged(DOMAIN_CONFIG, cfg),
    ...i.marketPrices.map(big),
    ...i.collateralPrices.map(big),
    ...i.fundingIndices.map(big),
  ]);
  return hashTagged(DOMAIN_MARGIN, [epoch, big(i.chunkIndex), rightEmpty ? 1n : 0n, ...words]);
}

/** Inputs whose public input states `flags`/`rightEmpty` instead of what the chunk holds. */
function claiming(ch: MarginChunk, flags: readonly boolean[], rightEmpty = ch.rightEmpty): MarginChunkInputs {
  const i = marginChunkInputs(ch);
  i.publicInputHash = publicHashOf(i, rightEmpty, flagWords(flags)).toString();
  return i;
}

interface RandomWorld {
  readonly state: RollupState;
  readonly prices: Prices;
}

/**
 * A random settled state: a random valid config, the fund at 0, accounts either packed into a prefix of the index
 * space (with holes) or scattered, each realistic, near its maintenance margin (either side), full-range, or
 * position-less with negative equity; random epoch funding indices and batch number.
 */
function randomWorld(seed: number): RandomWorld {
  const rng = new Rng(seed);
  const realistic = rng.int(4) > 0;
  const prices = randomPrices(rng, DIMS.markets, DIMS.collaterals, realistic);
  const cfg = randomConfig(rng, DIMS.markets, DIMS.collaterals, SIZES.tiers);
  const params = makeParams(
    SIZES,
    makeDomain(rng.pick(1n, pow2(64) - 1n), rng.pick(0n, pow2(160) - 1n)),
    cfg,
  );
  const state = new RollupState(params);
  state.batchNumber = rng.pick(1n, pow2(64) - 1n);
  state.fundingIndices = state.fundingIndices.map(() =>
    realistic ? rng.pick(-pow2(30), pow2(30)) : rng.pick(-pow2(63), pow2(63) - 1n),
  );
  const capacity = 1 << SIZES.accountDepth;
  const indices = new Set<bigint>([0n]);
  if (rng.bool()) {
    const n = 1 + rng.int(capacity);
    for (let i = 1; i < n; i++) if (rng.int(5) > 0) indices.add(BigInt(i));
  } else {
    for (let i = rng.int(12); i > 0; i--) indices.add(BigInt(rng.int(capacity)));
  }
  for (const index of indices) {
    const kind = rng.int(5);
    const a = randomAccount(rng, DIMS, kind !== 2);
    if (realistic) a.fundingIndices = state.fundingIndices.map((f) => f + rng.pick(-pow2(20), pow2(20)));
    if (kind === 3) {
      a.sizes = a.sizes.map(() => 0n);
      a.balances = a.balances.map(() => 0n);
      a.quote = -rng.pick(1n, pow2(60));
    } else if (kind <= 1) {
      const m = computeMargin(a, cfg, prices, state.fundingIndices);
      const quote = a.quote + ceilDiv(m.mmS - m.tvS, RATE_SCALE) + rng.pick(-2n, 2n);
      if (isInt(quote, QUOTE_BITS)) a.quote = quote;
    }
    state.put(index, a);
  }
  return { state, prices };
}

describe(`MarginChunk(test: depth ${SIZES.accountDepth}, chunk depth ${K})`, () => {
  let c: Circuit;
  beforeAll(async () => {
    c = await chunkCircuit();
  });

  it("differential over random trees: every chunk proves with the model's public input, flags and words", async () => {
    let flaggedSeen = 0;
    await fc.assert(
      fc.asyncProperty(seeds(), async (seed) => {
        const { state, prices } = randomWorld(seed);
        const epoch = marginEpoch(state, prices);
        for (let s = 0; s < CHUNKS; s++) {
          const ch = marginChunk(state, prices, K, BigInt(s));
          const inputs = marginChunkInputs(ch);
          // The spec's formulas over the inputs give the model's public input.
          expect(publicHashOf(inputs, ch.rightEmpty, ch.flagWords)).toBe(ch.publicInputHash);
          const w = await honest(c, inputs);
          // The circuit's flags (--O2 folds some per-leaf flags into the word, so read them from it) against
          // isFlagged on each account of the chunk.
          const circuitFlags = flagsFromWords([c.value(w, flagWord(c))], LEAVES);
          const expected = Array.from({ length: LEAVES }, (_, i) => {
            const index = BigInt(s * LEAVES + i);
            return isFlagged(epoch, index, state.account(index));
          });
          expect(circuitFlags).toEqual(expected);
          expect(ch.flags).toEqual(expected);
          flaggedSeen += ch.flagged.length;
        }
      }),
      { numRuns: 8 },
    );
    // The generator must actually produce flagged accounts for the differential to mean anything.
    expect(flaggedSeen).toBeGreaterThan(0);
  });

  it("the plan: chunks 0..L where L holds the last account; only chunks from L on are rightEmpty; coverage completes", () => {
    fc.assert(
      fc.property(seeds(), (seed) => {
        const { state, prices } = randomWorld(seed);
        const plan = marginPlan(state, prices, K);
        const used = state.tree.indices();
        const last = used[used.length - 1]!;
        expect(plan.chunks.length).toBe(Number(last >> BigInt(K)) + 1);
        expect(BigInt(plan.chunks.length)).toBe(requiredChunkCount(state, K));
        for (let s = 0; s < CHUNKS; s++) {
          const rightEmpty = used.every((i) => i < BigInt((s + 1) * LEAVES));
          expect(marginChunk(state, prices, K, BigInt(s)).rightEmpty).toBe(rightEmpty);
        }
        const cov = new MarginCoverage(SIZES, K);
        for (const ch of [...plan.chunks].reverse()) {
          expect(cov.complete).toBe(false);
          cov.accept(ch.chunkIndex, ch.rightEmpty);
        }
        expect(cov.complete).toBe(true);
        expect(plan.flagged).toEqual(used.filter((i) => isFlagged(plan.epoch, i, state.account(i))));
      }),
      { numRuns: 20 },
    );
  });

  it("an unhealthy account omitted from the committed set, or a healthy one added, leaves no witness", async () => {
    // Find a random tree with a flagged account in some chunk.
    let found: MarginChunk | undefined;
    for (let seed = 100; !found; seed++) {
      const { state, prices } = randomWorld(seed);
      found = marginPlan(state, prices, K).chunks.find(
        (ch) => ch.flagged.length > 0 && ch.flags.includes(false),
      );
    }
    const ch = found;
    const omitted = ch.flags.map((f, i) => f && i !== ch.flags.indexOf(true));
    await expectWitnessFails(c, claiming(ch, omitted));
    const invented = ch.flags.map((f, i) => f || i === ch.flags.indexOf(false));
    await expectWitnessFails(c, claiming(ch, invented));
    await expectWitnessFails(
      c,
      claiming(
        ch,
        ch.flags.map(() => false),
      ),
    );
    // The truthful claim proves.
    await honest(c, claiming(ch, ch.flags));
  });

  it("a wrong claim about the chunks to the right leaves no witness", async () => {
    const { state, prices } = randomWorld(7);
    for (let s = 0; s < CHUNKS; s++) {
      const ch = marginChunk(state, prices, K, BigInt(s));
      await expectWitnessFails(c, claiming(ch, ch.flags, !ch.rightEmpty));
    }
  });

  it("[I14] a chunk that is not the subtree under the epoch's root has no witness", async () => {
    const { state, prices } = randomWorld(3);
    const ch = marginChunk(state, prices, K, 1n);
    const base = marginChunkInputs(ch);
    const edits: ((i: MarginChunkInputs) => void)[] = [
      // A leaf preimage field (the salt, the quote) changed: another subtree root.
      (i) => (i.leaves[3]!.salt = (big(i.leaves[3]!.salt) + 1n).toString()),
      (i) => (i.leaves[5]!.quote = toField(big(i.leaves[5]!.quote) + 10n ** 20n).toString()),
      // Two leaves swapped: the same accounts at the wrong indices.
      (i) => ([i.leaves[0], i.leaves[1]] = [i.leaves[1]!, i.leaves[0]!]),
      // A sibling of the path changed.
      (i) => (i.siblings[1] = (big(i.siblings[1]!) + 1n).toString()),
      // Another chunk's leaves presented as chunk 1.
      (i) => (i.leaves = marginChunkInputs(marginChunk(state, prices, K, 2n)).leaves),
    ];
    for (const edit of edits) {
      const i = cloneMarginInputs(base);
      edit(i);
      await expectWitnessFails(c, i);
    }
    // The right leaves under another root or another chunk index, with the public input recomputed to match.
    for (const edit of [
      (i: MarginChunkInputs) => (i.accountRoot = (big(i.accountRoot) + 1n).toString()),
      (i: MarginChunkInputs) => (i.chunkIndex = "2"),
    ]) {
      const i = cloneMarginInputs(base);
      edit(i);
      i.publicInputHash = publicHashOf(i, ch.rightEmpty, ch.flagWords).toString();
      await expectWitnessFails(c, i);
    }
    await honest(c, base);
  });

  it("values out of range have no witness: prices 0 and 2^56, an index outside Int64, an invalid config, chunk 8", async () => {
    const { state, prices } = randomWorld(4);
    const ch = marginChunk(state, prices, K, 0n);
    const edits: ((i: MarginChunkInputs) => void)[] = [
      (i) => (i.marketPrices[0] = "0"),
      (i) => (i.collateralPrices[1] = pow2(56).toString()),
      (i) => (i.fundingIndices[1] = pow2(63).toString()),
      (i) => (i.fundingIndices[0] = (P - pow2(63) - 1n).toString()),
      // mmr 0 (§5.1: 0 < mmr) and imr above 10^6.
      (i) => (i.mmr[0]![0] = "0"),
      (i) => (i.imr[1]![1] = (RATE_SCALE + 1n).toString()),
      (i) => (i.chunkIndex = CHUNKS.toString()),
    ];
    for (const edit of edits) {
      const i = marginChunkInputs(ch);
      edit(i);
      // The public input matches the edited values, so only the range check can refuse them.
      i.publicInputHash = publicHashOf(i, ch.rightEmpty, ch.flagWords).toString();
      await expectWitnessFails(c, i);
    }
  });

  it("boundary: TVs exactly at MMs after virtual funding settlement is healthy; one Value unit less is flagged", async () => {
    // Flat mmr 5 % at 60,000 USD, long 1 contract: MMs = 10^8 · 6·10^12 · 50,000 = 3·10^25 Scaled, and
    // TVs = (quote − 10^8·(I − last))·10^6 + 6·10^26 with I − last = 10, so quote = −5.7·10^20 + 10^9 is exactly at MMs.
    const flat = {
      symbol: "BTC",
      tiers: [{ start: 0n, imr: 100_000n, mmr: 50_000n }],
      liquidationFee: 0n,
      maxFundingStep: 0n,
    };
    const cfg = new RiskConfig(
      [flat, { ...flat, symbol: "ETH" }],
      [
        { symbol: "A", haircut: 0n },
        { symbol: "B", haircut: 0n },
      ],
    ).withTierCount(SIZES.tiers);
    const state = new RollupState(makeParams(SIZES, makeDomain(1n, 2n), cfg));
    state.fundingIndices = [10n, 0n];
    const prices = { markets: [6n * 10n ** 12n, 1n], collaterals: [1n, 1n] };
    const a = Account.empty(DIMS);
    a.pubKeyX = 1n;
    a.sizes = [10n ** 8n, 0n];
    a.quote = -57n * 10n ** 19n + 10n ** 9n;
    state.put(9n, a);
    const m = computeMargin(a, cfg, prices, state.fundingIndices);
    expect([m.tvS, m.mmS]).toEqual([3n * 10n ** 25n, 3n * 10n ** 25n]);
    const at = marginChunk(state, prices, K, 1n);
    expect(at.flagged).toEqual([]);
    await honest(c, marginChunkInputs(at));
    await expectWitnessFails(
      c,
      claiming(
        at,
        at.flags.map((_, i) => i === 1),
      ),
    );
    a.quote -= 1n;
    state.put(9n, a);
    const below = marginChunk(state, prices, K, 1n);
    expect(below.flagged).toEqual([9n]);
    await honest(c, marginChunkInputs(below));
    await expectWitnessFails(
      c,
      claiming(
        below,
        below.flags.map(() => false),
      ),
    );
  });

  it("the insurance fund is never flagged, but leaf 0 of every other chunk is", async () => {
    const { state, prices } = randomWorld(5);
    const cfg = state.params.config;
    const a = randomAccount(new Rng(6), DIMS, true, true);
    a.quote = -pow2(94);
    expect(computeMargin(a, cfg, prices, state.fundingIndices).liquidatable).toBe(true);
    state.put(0n, a);
    state.put(8n, a);
    const c0 = marginChunk(state, prices, K, 0n);
    const c1 = marginChunk(state, prices, K, 1n);
    expect([c0.flags[0], c1.flags[0]]).toEqual([false, true]);
    expect(c.value(await honest(c, marginChunkInputs(c0)), flagOf(c, 0))).toBe(0n);
    expect(c.value(await honest(c, marginChunkInputs(c1)), flagOf(c, 0))).toBe(1n);
    await expectWitnessFails(
      c,
      claiming(
        c0,
        c0.flags.map((f, i) => f || i === 0),
      ),
    );
  });

  it("a price crash: the chunk names exactly the accounts that fell under maintenance margin (batches of the model)", async () => {
    // Longs of 0.1 BTC at 60,000 with 1,000 / 2,000 / 700 USDC; a short of 0.3 BTC with 10,000. At 52,000 the
    // longs hold TV = 1,000 − 800 = 200, 1,200 and −100 USD against MM = 5,200 · 5 % = 260: accounts 1 and 4 fall.
    const world = new World("margin-crash", 5);
    world.commit([
      world.deposit(1, 0, 1_000n * UNIT),
      world.deposit(2, 0, 10_000n * UNIT),
      world.deposit(3, 0, 2_000n * UNIT),
      world.deposit(4, 0, 700n * UNIT),
    ]);
    const short = world.order(2, { buy: false, size: 3n * 10n ** 7n, limit: 60_000n * UNIT });
    world.commit(
      [1, 3, 4].map((who) =>
        world.trade(
          short,
          world.order(who, { buy: true, size: 10n ** 7n, limit: 60_000n * UNIT }),
          10n ** 7n,
          60_000n * UNIT,
        ),
      ),
    );
    const before = marginPlan(world.state, world.prices, K);
    expect(before.flagged).toEqual([]);
    world.commit([], { prices: { ...world.prices, markets: [52_000n * UNIT, world.prices.markets[1]!] } });
    const after = marginPlan(world.state, world.prices, K);
    expect(after.flagged).toEqual([1n, 4n]);
    const m1 = computeMargin(
      world.state.account(1n),
      world.params.config,
      world.prices,
      world.state.fundingIndices,
    );
    expect([m1.tv, m1.mm]).toEqual([200n * USD, 260n * USD]);
    expect(after.chunks.map((ch) => [ch.chunkIndex, ch.rightEmpty])).toEqual([[0n, true]]);
    for (const plan of [before, after]) await honest(c, marginChunkInputs(plan.chunks[0]!));
  });

  describe("tampering an honest witness (chunk 1 of a tree with a flagged account at its leaf 3)", () => {
    let w: bigint[];
    let ch: MarginChunk;
    beforeAll(async () => {
      const { state, prices } = randomWorld(5);
      // Small positions against a quote of −2^95: under water at any price.
      const a = randomAccount(new Rng(8), DIMS, true, true);
      a.sizes = [12_345n, -678n];
      a.balances = [0n, 0n];
      a.quote = -pow2(95);
      state.put(11n, a);
      state.put(13n, randomAccount(new Rng(9), DIMS, true, true));
      ch = marginChunk(state, prices, K, 1n);
      expect(ch.flags[3]).toBe(true);
      w = await honest(c, marginChunkInputs(ch));
    });
    const t = (changes: Record<string, (v: bigint) => bigint>): bigint[] =>
      c.tamperMany(w, Object.fromEntries(Object.entries(changes).map(([n, f]) => [n, f(c.value(w, n))])));

    it("a leaf preimage field", async () => {
      await expectViolated(c, t({ "leaves[3].quote": (v) => v + 1n }));
      await expectViolated(c, t({ "leaves[5].salt": (v) => v + 1n }));
      await expectViolated(c, t({ "leaves[3].sizes[0]": () => 0n }));
      await expectViolated(c, t({ "leaves[3].fundingIndices[1]": (v) => v + 1n }));
    });

    it("margin hints: the comparison bits, a size's sign, a tier comparator, open, the decision, the flag", async () => {
      await expectViolated(
        c,
        t({ [wire(c, ["leaf[3].health.lt.d.bits[100]", "leaf[3].health.lt.d.n2b.out[100]"])]: flip }),
      );
      await expectViolated(
        c,
        t({ [wire(c, ["leaf[3].health.absSize[0].neg", "leaf[3].health.absSize[0].range.neg"])]: flip }),
      );
      await expectViolated(
        c,
        t({ [wire(c, ["leaf[3].health.below[1][0].out", "leaf[3].health.below[1][0].n2b.out[120]"])]: flip }),
      );
      await expectViolated(c, t({ "leaf[3].health.open": flip }));
      await expectViolated(c, t({ "leaf[3].health.liquidatable": flip }));
      await expectViolated(c, t({ [flagOf(c, 3)]: flip }));
      await expectViolated(c, t({ "leaf[0].liquidatableOpen": flip }));
      await expectViolated(c, t({ "leaf[3].health.tvS": (v) => v + 1n }));
    });

    it("the path: a bit of 2 with the index sum kept, a sibling, rightEmpty, the fund test", async () => {
      // chunk 1 = 0b001: bits (1, 0, 0) → (−1, 1, 0) keeps Σ b·2^j = 1 with a bit outside {0, 1}.
      const bit = (j: number): string => wire(c, [`path.idx.bits[${j}]`, `path.idx.n2b.out[${j}]`]);
      await expectViolated(c, c.tamperMany(w, { [bit(0)]: -1n, [bit(1)]: 1n }));
      await expectViolated(c, t({ "siblings[0]": (v) => v + 1n }));
      await expectViolated(c, t({ [wire(c, ["path.rightEmpty", "path.allFine[2]"])]: flip }));
      await expectViolated(c, t({ "chunkIsZero.out": flip }));
    });

    it("the set commitment: a flag word, the public input", async () => {
      expect(flagsFromWords([c.value(w, flagWord(c))], LEAVES)).toEqual(ch.flags);
      await expectViolated(c, t({ [flagWord(c)]: (v) => v ^ 8n }));
      await expectViolated(c, t({ publicInputHash: (v) => v + 1n }));
    });

    it("no free wire, but zero-input IsZero inverses", async () => {
      await expectAllPinned(c, w, zeroInputInverses(c, w));
    });
  });
});

describe("MarginChunk(test) with k = 0: a proof about one account (a forced-liquidation answer)", () => {
  it("proves the model's statement for the fund, a flagged account, a healthy one and an empty leaf", async () => {
    const c = await Circuit.compile(marginChunkSpec(SIZES, 0), { outRoot: TEST_OUT_ROOT });
    const { state, prices } = randomWorld(5);
    const a = randomAccount(new Rng(8), DIMS, true, true);
    a.sizes = [12_345n, -678n];
    a.balances = [0n, 0n];
    a.quote = -pow2(95);
    state.put(0n, a);
    state.put(9n, a);
    state.put(10n, randomAccount(new Rng(9), DIMS, true, false));
    state.put(63n, Account.empty(DIMS));
    const flags: boolean[] = [];
    for (const s of [0n, 9n, 10n, 63n]) {
      const ch = marginChunk(state, prices, 0, s);
      expect(ch.leaves.length).toBe(1);
      await honest(c, marginChunkInputs(ch));
      await expectWitnessFails(c, claiming(ch, [!ch.flags[0]!]));
      flags.push(ch.flags[0]!);
    }
    expect(flags.slice(0, 2)).toEqual([false, true]);
    expect(flags[3]).toBe(false);
  });
});

describe("margin model (protocol/marginProof.ts)", () => {
  it("domain tags are PROTOCOL §3 tags of the spec's strings, distinct from every listed domain", () => {
    expect(DOMAIN_MARGIN).toBe(domainTag("zkm.margin.v1"));
    expect(DOMAIN_MARGIN_EPOCH).toBe(domainTag("zkm.marginepoch.v1"));
    expect(DOMAIN_MARGIN).not.toBe(DOMAIN_MARGIN_EPOCH);
  });

  it("flag words: 248 flags a word, little-endian, round trip", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 1100 }), (flags) => {
        const words = flagWords(flags);
        expect(words.length).toBe(Math.ceil(flags.length / MARGIN_FLAG_WORD_BITS));
        for (const w of words) expect(w < pow2(MARGIN_FLAG_WORD_BITS)).toBe(true);
        expect(flagsFromWords(words, flags.length)).toEqual(flags);
      }),
    );
    expect(flagWords([false, true, false, true])).toEqual([10n]);
    expect(flagWords([...Array<boolean>(248).fill(false), true])).toEqual([0n, 1n]);
  });

  it("coverage: a duplicate chunk is refused, a missing one keeps the epoch open, an empty tail needs no proof", () => {
    const cov = new MarginCoverage(SIZES, K);
    cov.accept(2n, true);
    expect(cov.complete).toBe(false);
    expect(() => cov.accept(2n, true)).toThrow(expect.objectContaining({ code: "BAD_PROOF" }));
    cov.accept(0n, false);
    expect(cov.complete).toBe(false);
    cov.accept(1n, false);
    expect(cov.complete).toBe(true);
    expect(() => cov.accept(8n, true)).toThrow(
      expect.objectContaining({ code: "ACCOUNT_INDEX_OUT_OF_RANGE" }),
    );
    // Without any rightEmpty chunk nothing is complete, whatever was proven.
    const open = new MarginCoverage(SIZES, K);
    for (let s = 0n; s < 7n; s++) open.accept(s, false);
    expect(open.complete).toBe(false);
  });

  it("chunk depth must lie in [0, accountDepth); a chunk index beyond the tree is refused", () => {
    const { state, prices } = randomWorld(1);
    for (const k of [-1, SIZES.accountDepth, 1.5]) {
      expect(() => marginChunk(state, prices, k, 0n)).toThrow(
        expect.objectContaining({ code: "BAD_CONFIG" }),
      );
    }
    let err: unknown;
    try {
      marginChunk(state, prices, K, BigInt(CHUNKS));
    } catch (e) {
      err = e;
    }
    expect(isProtocolError(err) && err.code).toBe("ACCOUNT_INDEX_OUT_OF_RANGE");
  });
});
