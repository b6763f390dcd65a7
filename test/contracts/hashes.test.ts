// On-chain hashing against the protocol model: every Poseidon width the rollup deploys (circomlibjs's bytecode and
// our generated wide hashers), the tagged chain H, and each object hash the contract computes — deposit and
// forced-queue steps, L1-effect steps and the public input — on values drawn at random and at the field's edges.
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import {
  DOMAIN_PUBLIC,
  FIELD_MODULUS,
  chainShape,
  depositHashStep,
  forcedHashStep,
  hashTagged,
  l1EffectHashStep,
  paramSet,
  poseidon,
  publicInputFields,
  publicInputHash,
  toField,
  type PublicInputs,
} from "../../protocol/index.js";
import { chainWidths, publicFieldCount, rollupWidths } from "../../contracts/codegen/widths.js";
import { generatedFiles } from "../../contracts/codegen/generate.js";
import { deployPoseidons } from "../../contracts/deploy/deploy.js";
import { deployWorld, ensureCompiled, ethers, hre, stopProver, type World } from "./helpers/world.js";
import { checkSolvency, decodeRevert, expectRevert } from "./helpers/assert.js";
import { readFileSync } from "node:fs";

const field = fc.bigInt({ min: 0n, max: FIELD_MODULUS - 1n });
const edge = fc.constantFrom(0n, 1n, FIELD_MODULUS - 1n, (1n << 253n) + 12345n);
const felt = fc.oneof(field, edge);
const RUNS = 6;
/** circomlibjs's widths (1..4) plus every generated one (the widths some parameter set uses). */
const WIDTHS = [1, 2, 3, 4, 6, 8, 9, 11, 12, 16];

let w: World;
let harness: Contract;
let hashers: Map<number, string>;

beforeAll(async () => {
  await ensureCompiled();
  w = await deployWorld();
  const [signer] = await ethers.getSigners();
  // Every width there is a hasher for (circomlibjs's 1..6 and the generated ones), not only the test set's.
  hashers = await deployPoseidons(hre.artifacts, signer!, WIDTHS);
  const list = Array.from({ length: 17 }, (_, n) => hashers.get(n) ?? ethers.ZeroAddress);
  harness = (await (await ethers.getContractFactory("HashHarness")).deploy(list)) as unknown as Contract;
});

afterEach(async () => checkSolvency(w));
afterAll(stopProver);

describe("# poseidon(uint256[n])", () => {
  it("equals circomlibjs's JavaScript Poseidon_n for every deployable width, on random and edge inputs", async () => {
    for (const n of WIDTHS) {
      await fc.assert(
        fc.asyncProperty(fc.array(felt, { minLength: n, maxLength: n }), async (xs) => {
          expect(await harness.getFunction("poseidon")(xs)).toBe(poseidon(xs));
        }),
        { numRuns: n > 4 ? 3 : 2 },
      );
    }
  });

  it("reverts with PoseidonFailed when no hasher of that width is set", async () => {
    const empty = (await (
      await ethers.getContractFactory("HashHarness")
    ).deploy(Array.from({ length: 17 }, () => ethers.ZeroAddress))) as unknown as Contract;
    await expectRevert(empty.getFunction("poseidon")([1n, 2n]), w.rollup.interface, "PoseidonFailed", [2n]);
  });

  it("refuses a constants contract with the wrong code (PoseidonBadChunk)", async () => {
    const real = await (await ethers.getContractFactory("Poseidon8Data1")).deploy();
    const wrong = await (await ethers.getContractFactory("Poseidon8Data0")).deploy();
    const f = await ethers.getContractFactory("Poseidon8");
    let err: unknown;
    try {
      await f.deploy(await wrong.getAddress(), await wrong.getAddress());
    } catch (e) {
      err = e;
    }
    expect(decodeRevert(f.interface, err)).toEqual({
      name: "PoseidonBadChunk",
      args: [1n, await wrong.getAddress()],
    });
    // the right pair deploys
    await f.deploy(await wrong.getAddress(), await real.getAddress());
  });
});

describe("# hashTagged (PROTOCOL §3)", () => {
  it("chains like protocol/poseidon.ts over 1..40 fields, with the widths chainShape names", async () => {
    for (const k of [1, 5, 7, 8, 10, 11, 15, 16, 20, 26, 30, 40]) {
      expect(chainWidths(k)).toEqual(chainShape(k));
      const xs = Array.from(
        { length: k },
        (_, i) => (BigInt(i) * 0x9e3779b97f4a7c15n + BigInt(k)) % FIELD_MODULUS,
      );
      expect(await harness.getFunction("hashTagged")(DOMAIN_PUBLIC, xs), `k=${k}`).toBe(
        hashTagged(DOMAIN_PUBLIC, xs),
      );
    }
  });

  it("deploys exactly the widths each parameter set needs", () => {
    for (const name of ["test", "dev", "prod"]) {
      const s = paramSet(name);
      const k = publicFieldCount(s.markets, s.collaterals);
      const shape = new Set([...chainShape(7), ...chainShape(8), ...chainShape(5), ...chainShape(k)]);
      expect(rollupWidths(s.markets, s.collaterals)).toEqual([...shape].sort((a, b) => a - b));
    }
  });

  it("the committed generated Solidity is what the generator writes", async () => {
    for (const [path, text] of await generatedFiles()) expect(readFileSync(path, "utf8"), path).toBe(text);
  });
});

describe("# l1EffectStep", () => {
  it("equals protocol's l1EffectHashStep", async () => {
    await fc.assert(
      fc.asyncProperty(
        felt,
        fc.constantFrom(1, 2),
        fc.bigInt({ min: 0n, max: (1n << 160n) - 1n }),
        fc.integer({ min: 0, max: 255 }),
        fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }),
        async (prev, kind, a, asset, amount) => {
          const got = await harness.getFunction("l1EffectStep")(
            prev,
            kind,
            ethers.toBeHex(a, 20),
            asset,
            amount,
          );
          expect(got).toBe(l1EffectHashStep(prev, { kind: kind as 1 | 2, l1Address: a, asset, amount }));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

function randomInputs(seed: number): PublicInputs {
  const f = (i: number): bigint => (BigInt(seed * 1000 + i) * 0x1234567890abcdefn) % FIELD_MODULUS;
  return {
    chainId: 31337n,
    contract: BigInt(w.address),
    batchNumber: BigInt(seed + 1),
    oldRoot: f(1),
    newRoot: f(2),
    batchTime: 1_700_000_000n + BigInt(seed),
    configHash: f(3),
    depositHashOld: f(4),
    depositHashNew: f(5),
    forcedHashOld: f(6),
    forcedHashNew: f(7),
    l1EffectsHash: f(8),
    prices: {
      markets: [6_000_000_000_000n, 300_000_000_000n],
      collaterals: [100_000_000n, (1n << 56n) - 1n],
    },
    fundingOld: [-(1n << 63n), 5n],
    fundingNew: [(1n << 63n) - 1n, -7n],
  };
}

function solFields(p: PublicInputs): unknown {
  return {
    chainId: p.chainId,
    contractAddress: p.contract,
    batchNumber: p.batchNumber,
    oldRoot: p.oldRoot,
    newRoot: p.newRoot,
    batchTime: p.batchTime,
    configHash: p.configHash,
    depositHashOld: p.depositHashOld,
    depositHashNew: p.depositHashNew,
    forcedHashOld: p.forcedHashOld,
    forcedHashNew: p.forcedHashNew,
    l1EffectsHash: p.l1EffectsHash,
    prices: [...p.prices.markets, ...p.prices.collaterals],
    fundingOld: [...p.fundingOld],
    fundingNew: [...p.fundingNew],
  };
}

describe("# publicInputHash (PROTOCOL §9)", () => {
  it("lists fields in protocol's publicInputFields order, negative indices as x mod r", async () => {
    const p = randomInputs(3);
    const got = (await harness.getFunction("fieldList")(solFields(p))) as bigint[];
    expect([...got]).toEqual(publicInputFields(p));
    expect(got[got.length - 1]).toBe(toField(-7n));
  });

  it("equals protocol's publicInputHash", async () => {
    for (const seed of [0, 1, 2]) {
      const p = randomInputs(seed);
      expect(await harness.getFunction("publicInputHash")(solFields(p))).toBe(publicInputHash(p));
    }
  });

  it("reverts with NotAFieldElement when a field is ≥ r", async () => {
    const p = { ...randomInputs(4), newRoot: FIELD_MODULUS };
    await expectRevert(
      harness.getFunction("publicInputHash")(solFields(p)),
      w.rollup.interface,
      "NotAFieldElement",
      [FIELD_MODULUS],
    );
  });
});

describe("# queue steps", () => {
  it("a deposit's stored hash equals protocol's depositHashStep", async () => {
    const { deposit } = await import("./helpers/world.js");
    const [, , alice] = await ethers.getSigners();
    const op = await deposit(w, alice!, { index: 3n, key: 3, asset: 2, tokenAmount: 10n ** 18n });
    expect(op.amount).toBe(10n ** 8n);
    expect(await w.rollup.getFunction("depositHashAt")(1n)).toBe(depositHashStep(0n, op));
  });

  it("a forced request's stored hash equals protocol's forcedHashStep", async () => {
    const { forceWithdrawal } = await import("./helpers/world.js");
    const [, , alice] = await ethers.getSigners();
    const r = await forceWithdrawal(w, alice!, 3n, 2, 5n);
    expect(await w.rollup.getFunction("forcedHashAt")(1n)).toBe(forcedHashStep(0n, r));
  });
});
