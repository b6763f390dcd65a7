// The committed test vectors are what circuits, contracts, sequencer and prover tests load, so they must be exactly
// the model's current output (any drift fails here) and must hold facts checked independently of the generator:
// by hand calculations, by known reference values, and by replaying the serialized batches from scratch.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  Account,
  BatchBuilder,
  DOMAIN_ACCOUNT,
  DOMAIN_ORDER,
  DOMAIN_PUBLIC,
  DOMAIN_WITHDRAW,
  FIELD_MODULUS,
  RiskConfig,
  RollupState,
  applyBatch,
  computeMargin,
  hashTagged,
  isProtocolError,
  paramSet,
  poseidon,
  verifySignature,
  type BatchHeader,
  type ParamSetName,
  type SerializedAccount,
  type SerializedRiskConfig,
} from "../../protocol/index.js";
import { simParams } from "../../client/sim/markets.js";
import { parseOp, serializeOp, type SerializedOp } from "../../client/sim/serialize.js";
import { buildVectors, VECTORS_DIR } from "../../scripts/gen-vectors.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- vectors are untyped JSON read back field by field */
type V = any;

const FILES = [
  "poseidon",
  "domains",
  "accounts",
  "orders",
  "withdrawals",
  "merkle",
  "margin",
  "batches",
] as const;
const read = (name: string): V => JSON.parse(readFileSync(join(VECTORS_DIR, `${name}.json`), "utf8"));
const big = (x: string): bigint => BigInt(x);
const bigs = (xs: string[]): bigint[] => xs.map(big);
/** USD → Value units (1e-16 USD), written out so the hand calculations below read in dollars. */
const USD = 10n ** 16n;

describe("test vectors", () => {
  let generated: Map<string, string>;
  beforeAll(() => {
    generated = buildVectors();
  });

  it("the committed files are byte-for-byte the model's output (npm run gen:vectors regenerates them)", () => {
    expect([...generated.keys()].sort()).toEqual(FILES.map((f) => `${f}.json`).sort());
    for (const [name, text] of generated) {
      const committed = readFileSync(join(VECTORS_DIR, name), "utf8");
      expect(committed === text, `test/vectors/${name} is stale: run npm run gen:vectors`).toBe(true);
    }
  });

  it("every file is self-describing: paramSet, domain, config (with its hash) and a description per case", () => {
    for (const f of FILES) {
      const v = read(f);
      expect(v.paramSet).toBe("test");
      expect(v.domain).toEqual({
        chainId: "31337",
        contract: String(BigInt("0x5FbDB2315678afecb367f032d93F642f64180aa3")),
      });
      expect(RiskConfig.parse(v.config as SerializedRiskConfig).hash()).toBe(big(v.configHash));
      expect(v.cases.length).toBeGreaterThan(0);
      for (const c of v.cases) expect(typeof c.description).toBe("string");
    }
  });

  it("domain tags are their ASCII strings read big-endian", () => {
    for (const c of read("domains").cases) {
      let x = 0n;
      for (const ch of c.string as string) x = x * 256n + BigInt(ch.charCodeAt(0));
      expect(c.value).toBe(x.toString());
      expect(x < FIELD_MODULUS).toBe(true);
    }
  });

  it("Poseidon matches circomlib's reference value and H chains 15-field chunks", () => {
    const cases = read("poseidon").cases;
    const p2 = cases.find((c: V) => c.kind === "poseidon" && c.width === 2 && c.inputs.join() === "1,2");
    // circomlib's published Poseidon([1, 2]).
    expect(BigInt(p2.output)).toBe(0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an);
    const h26 = cases.find((c: V) => c.kind === "hashTagged" && c.count === 26);
    const xs = bigs(h26.inputs);
    const first = poseidon([DOMAIN_ACCOUNT, ...xs.slice(0, 15)]);
    expect(BigInt(h26.output)).toBe(poseidon([first, ...xs.slice(15)]));
    expect(h26.chainWidths).toEqual([16, 12]);
    const h12 = cases.find((c: V) => c.kind === "hashTagged" && c.count === 12);
    expect(BigInt(h12.output)).toBe(poseidon([DOMAIN_ACCOUNT, ...bigs(h12.inputs)]));
  });

  it("account leaves: preimage → 6 + C + 2M fields (signed values mod r) → hash", () => {
    for (const c of read("accounts").cases) {
      const sizes = paramSet(c.paramSet as ParamSetName);
      const a = Account.parse(c.preimage as SerializedAccount, sizes);
      expect(c.fields).toHaveLength(6 + sizes.collaterals + 2 * sizes.markets);
      expect(BigInt(c.leafHash)).toBe(hashTagged(DOMAIN_ACCOUNT, bigs(c.fields)));
      expect(a.hash()).toBe(BigInt(c.leafHash));
      if (a.quote < 0n) expect(BigInt(c.fields[5])).toBe(FIELD_MODULUS + a.quote);
    }
    const prodEmpty = read("accounts").cases.find(
      (c: V) => c.paramSet === "prod" && c.description.startsWith("empty"),
    );
    expect(prodEmpty.chainWidths).toEqual([16, 12]); // 26 fields: two Poseidons
  });

  it("Merkle proofs fold to the root by hand, and empty-tree zeros follow zeros[j+1] = P(zeros[j], zeros[j]) [I14]", () => {
    for (const c of read("merkle").cases) {
      if (c.kind === "tree") {
        for (const p of c.proofs) {
          let h = BigInt(p.leaf);
          p.siblings.forEach((sib: string, j: number) => {
            h = p.pathBits[j] ? poseidon([BigInt(sib), h]) : poseidon([h, BigInt(sib)]);
          });
          expect(h).toBe(BigInt(c.root));
        }
      } else {
        for (const t of [c.account, c.orders]) {
          expect(t.zeros).toHaveLength(t.depth + 1);
          expect(t.zeros[0]).toBe(t.emptyLeaf);
          for (let j = 0; j < t.depth; j++)
            expect(BigInt(t.zeros[j + 1])).toBe(poseidon([BigInt(t.zeros[j]), BigInt(t.zeros[j])]));
        }
        expect(c.orders.zeros[c.orders.depth]).toBe(c.orders.emptyOrdersRoot);
        const emptyLeaf = Account.empty(paramSet(c.paramSet)).hash();
        expect(BigInt(c.account.emptyLeaf)).toBe(emptyLeaf);
      }
    }
  });

  it("margin: the §5.3 worked example and the exact-MM boundary, recomputed by hand", () => {
    const cases = read("margin").cases;
    const ex = cases.find((c: V) => c.description.startsWith("PROTOCOL §5.3 worked example"));
    // TV = 1000·1·1 + 1.5·3000·0.8 − 30000 + 0.5·60000 = 4600; MM = 0.5·60000·0.05 = 1500; IM = 0.5·60000·0.1 = 3000.
    expect(BigInt(ex.expected.tv)).toBe(4600n * USD);
    expect(BigInt(ex.expected.mm)).toBe(1500n * USD);
    expect(BigInt(ex.expected.im)).toBe(3000n * USD);
    expect(BigInt(ex.expected.tvS)).toBe(4600n * USD * 1_000_000n);
    expect(ex.expected.healthy).toBe(true);

    const t1 = cases.find((c: V) => c.description.startsWith("§5.3 at 20 BTC"));
    // 1,200,000 notional: IM = 1,200,000·0.2 − 1,000,000·(0.2 − 0.1) = 140,000 = 100,000 + 200,000·0.2.
    expect(BigInt(t1.expected.im)).toBe(140_000n * USD);
    expect(BigInt(t1.expected.mm)).toBe(70_000n * USD);

    // 20 BTC at 50,000 = exactly the 1,000,000 tier start: tier 1, and IM 1,000,000·0.2 − 100,000 = 1,000,000·0.1.
    const edge = cases.find((c: V) => c.description.startsWith("tier boundary: BTC notional exactly"));
    expect(edge.expected.perMarket[0].tier).toBe(1);
    expect(BigInt(edge.expected.im)).toBe(100_000n * USD);

    // 1 BTC at 60,000 with quote −57,000: TVs = 3000·1e16·1e6 = MMs = 60000·1e16·50,000 (mmr 5% in ppm).
    const atMm = cases.find((c: V) => c.description.startsWith("equity exactly at MM"));
    expect(BigInt(atMm.expected.tvS)).toBe(3000n * USD * 1_000_000n);
    expect(BigInt(atMm.expected.mmS)).toBe(60_000n * USD * 50_000n);
    expect([atMm.expected.healthy, atMm.expected.liquidatable]).toEqual([true, false]);
    const below = cases.find((c: V) => c.description.startsWith("equity one Value unit below MM"));
    expect(BigInt(below.expected.tvS)).toBe(BigInt(atMm.expected.tvS) - 1_000_000n);
    expect(below.expected.liquidatable).toBe(true);

    // Floor for value, ceil for requirements: TVs −100000 → −1; MMs 50000 → 1.
    const r = cases.find((c: V) => c.description.startsWith("rounding"));
    expect([r.expected.tvS, r.expected.tv, r.expected.mmS, r.expected.mm]).toEqual([
      "-100000",
      "-1",
      "50000",
      "1",
    ]);
  });

  it("margin: decisions and shown figures follow from the exact ones (healthy ⇔ TVs ≥ MMs, TV floor, MM/IM ceil)", () => {
    const floor = (a: bigint): bigint => (a >= 0n ? a / 1_000_000n : -((-a + 999_999n) / 1_000_000n));
    const ceil = (a: bigint): bigint => -floor(-a);
    const v = read("margin");
    const base = RiskConfig.parse(v.config);
    for (const c of v.cases) {
      if (c.expectedError) {
        // These states overflow a bound the circuit range-checks; the model must refuse them, not wrap.
        const cfg = c.config ? RiskConfig.parse(c.config) : base;
        const acct = {
          quote: big(c.account.quote),
          balances: bigs(c.account.balances),
          sizes: bigs(c.account.sizes),
          fundingIndices: bigs(c.account.fundingIndices),
        };
        let code: string | null = null;
        try {
          computeMargin(acct, cfg, {
            markets: bigs(c.prices.markets),
            collaterals: bigs(c.prices.collaterals),
          });
        } catch (e) {
          code = isProtocolError(e) ? e.code : "not a ProtocolError";
        }
        expect(code, c.description).toBe(c.expectedError);
        continue;
      }
      const e = c.expected;
      const [tvS, mmS, imS] = [big(e.tvS), big(e.mmS), big(e.imS)];
      expect([big(e.tv), big(e.mm), big(e.im)], c.description).toEqual([floor(tvS), ceil(mmS), ceil(imS)]);
      expect([e.healthy, e.liquidatable, e.bankrupt], c.description).toEqual([
        tvS >= mmS,
        tvS < mmS,
        tvS < 0n,
      ]);
      expect(mmS).toBe(e.perMarket.reduce((s: bigint, m: V) => s + big(m.mmS), 0n));
      expect(imS).toBe(e.perMarket.reduce((s: bigint, m: V) => s + big(m.imS), 0n));
    }
  });

  it("order and withdrawal signatures: messages rebuild from their fields, `valid` is what the verifier says [I10]", () => {
    for (const [file, tag] of [
      ["orders", DOMAIN_ORDER],
      ["withdrawals", DOMAIN_WITHDRAW],
    ] as const) {
      const v = read(file);
      let valid = 0;
      for (const c of v.cases) {
        expect(c.messageFields.slice(0, 2)).toEqual([v.domain.chainId, v.domain.contract]);
        const pub = { x: big(c.key.publicKey.x), y: big(c.key.publicKey.y) };
        const sig = { R8x: big(c.signature.R8x), R8y: big(c.signature.R8y), S: big(c.signature.S) };
        expect(verifySignature(pub, big(c.message), sig), c.description).toBe(c.valid);
        if (!c.description.includes("tampered: message"))
          expect(big(c.message)).toBe(hashTagged(tag, bigs(c.messageFields)));
        if (c.valid) valid++;
      }
      // One genuine signature per spec, every tampered variant refused.
      expect(valid).toBe(v.cases.filter((c: V) => !c.description.includes(" — ")).length);
    }
  });

  describe("batches.json replayed from genesis with the serialized ops", () => {
    const v = read("batches");
    const params = simParams("test");

    it("ops round-trip through parseOp/serializeOp", () => {
      for (const b of v.cases) {
        for (const slot of b.slots) expect(serializeOp(parseOp(slot.op as SerializedOp))).toEqual(slot.op);
        for (const r of b.rejected) expect(serializeOp(parseOp(r.op as SerializedOp))).toEqual(r.op);
      }
    });

    it("each batch chains to the next, reproduces its new root and public input hash, and rejects what it logged [I18]", () => {
      const fundKey = { x: big(v.genesis.fund.key.publicKey.x), y: big(v.genesis.fund.key.publicKey.y) };
      let state = RollupState.genesis(params, fundKey, big(v.genesis.fund.salt));
      expect(state.root).toBe(big(v.genesis.root));
      for (const b of v.cases) {
        expect(state.root, b.description).toBe(big(b.old.root));
        expect(state.depositHash).toBe(big(b.old.depositHash));
        const header: BatchHeader = {
          batchTime: big(b.header.batchTime),
          prices: { markets: bigs(b.header.prices.markets), collaterals: bigs(b.header.prices.collaterals) },
          fundingIndices: bigs(b.header.fundingIndices),
        };
        const ops = b.slots.map((sl: V) => parseOp(sl.op));
        // Rejected ops, tried at their logged position, fail with their logged code and change nothing.
        const builder = new BatchBuilder(state, header);
        let applied = 0;
        for (const r of [...b.rejected].sort((x: V, y: V) => x.atSlot - y.atSlot)) {
          while (applied < r.atSlot) builder.apply(ops[applied++]);
          const err = builder.check(parseOp(r.op));
          expect(err && isProtocolError(err) ? err.code : null, r.description).toBe(r.code);
        }
        const result = applyBatch(state, header, ops);
        expect(result.publicInputs.newRoot).toBe(big(b.newRoot));
        expect(result.publicInputHash).toBe(big(b.publicInputs.publicInputHash));
        expect(hashTagged(DOMAIN_PUBLIC, bigs(b.publicInputs.fields))).toBe(
          big(b.publicInputs.publicInputHash),
        );
        expect(b.publicInputs.fields[3]).toBe(b.old.root);
        expect(b.publicInputs.fields[4]).toBe(b.newRoot);
        state = result.state;
      }
      expect(state.root).toBe(big(v.final.root));
    });

    it("the scenario in the vectors exercises every op kind and binds the margin rules", () => {
      const opcodes = new Set(v.cases.flatMap((b: V) => b.slots.map((s: V) => s.op.name)));
      for (const name of [
        "DEPOSIT",
        "WITHDRAW",
        "TRADE",
        "LIQUIDATE",
        "FUNDING_SETTLE",
        "FORCED_WITHDRAW",
        "FORCED_LIQUIDATION_CHECK",
        "NOOP",
      ]) {
        expect(opcodes.has(name), name).toBe(true);
      }
      const codes = v.cases.flatMap((b: V) => b.rejected.map((r: V) => `${r.op.name}:${r.code}`));
      expect(codes).toContain("TRADE:UNDER_MARGINED");
      expect(codes).toContain("WITHDRAW:UNDER_MARGINED");
      expect(codes).toContain("LIQUIDATE:NOT_LIQUIDATABLE");
      expect(codes).toContain("LIQUIDATE:HEALTH_WORSENED");
      expect(v.cases.some((b: V) => b.l1Effects.some((e: V) => e.kind === 2))).toBe(true); // a refunded deposit [I12]
    });
  });
});
