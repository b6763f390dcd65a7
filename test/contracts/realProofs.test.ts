// The main path with REAL proofs: a rollup deployed by the production deploy code with the real batch verifier of the
// `test` set (the committed BatchTestInsecureDevVerifier, checked against the batch@test dev keys), batches built by
// the protocol model from the contract's own deposit and forced queues, proven by the batch circuit
// (circuits/batch/batch.circom) and settled — and every way such a proof must be refused: a value submitBatch takes
// from calldata changed alone, each PROTOCOL §9 public-input field changed alone at the verifier, a proof replayed
// or malleated, a valid proof of the same batch for another chain id or another contract address.
//
// One story in order (batch 1 → 2 → 3), because each batch needs the settled state of the one before. Tampered
// submissions revert, so they leave the chain as it was and run against the state the honest batch then lands on.
// Block times start at a fixed instant and batch times are fixed, so every statement — and so every cached proof
// (helpers/batchProver.ts) — is the same on every run; only a changed circuit or contract makes new proofs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Contract, Signer } from "ethers";
import {
  BatchBuilder,
  DOMAIN_PUBLIC,
  FIELD_MODULUS,
  ForcedKind,
  L1Effect,
  Opcode,
  Order,
  RollupState,
  hashTagged,
  makeDomain,
  makeParams,
  publicInputFields,
  signWithdrawal,
  toField,
  type DepositOp,
  type Op,
  type Prices,
  type SignedOrder,
  type TradeOp,
} from "../../protocol/index.js";
import { CONFIG, FUND_SALT, PRICES, SIZES, key, pub } from "./helpers/model.js";
import {
  ETH,
  QUOTE,
  USDC,
  addr,
  deployWorld,
  deposit,
  ethers,
  forceLiquidation,
  forceWithdrawal,
  hre,
  latestTime,
  mine,
  planBatch,
  send,
  setNextTime,
  signReports,
  stopProver,
  submission,
  TIMELOCK_BLOCKS,
  type BatchPlan,
  type Submission,
  type World,
} from "./helpers/world.js";
import { ensureBatchVerifier, type Groth16Calldata, type RealBatchProver } from "./helpers/batchProver.js";
import { checkSolvency, expectRevert } from "./helpers/assert.js";
import { exportBatchVerifier } from "../../contracts/codegen/batchVerifier.js";
import {
  batchVerifier,
  batchVerifierContract,
  batchVerifierPath,
  deployVerifier,
} from "../../contracts/deploy/deploy.js";
import { VerifierSpecError } from "../../contracts/deploy/verifiers.js";
import { STAND_IN_CONTRACT } from "./helpers/standIn.js";
import { readFileSync } from "node:fs";
import { verifyBatch, type SubmittedBatch, type VerifyingKey } from "../../client/verify/verifyBatch.js";

/** 2033-05-18: later than any wall clock these tests run on, so Hardhat accepts it as the next block time. */
const GENESIS_TIME = 2_000_000_000n;
const BATCH_TIME = [GENESIS_TIME + 1n, GENESIS_TIME + 2n, GENESIS_TIME + 3n] as const;
const USD = 10n ** 16n; // Value units
const UNIT = 10n ** 8n; // Amount and Price units
const QUSD = 10n ** 6n; // qUSD token units (6 decimals)
const BG = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n; // BN254 base field q
/** A test that proves (witness + Groth16, ~16–60 s on 2 busy cores; instant from the proof cache). */
const PROVE_MS = 600_000;

let w: World;
let alice: Signer;
let bob: Signer;
let carol: Signer;
let real: RealBatchProver;
const plans: BatchPlan[] = [];
const subs: Submission[] = [];

beforeAll(async () => {
  await setNextTime(GENESIS_TIME);
  w = await deployWorld({ verifier: "batch" });
  if (w.prover.kind !== "batch") throw new Error("not a real-proof world");
  real = w.prover as RealBatchProver;
  [alice, bob, carol] = w.users as [Signer, Signer, Signer];
});
afterEach(async () => checkSolvency(w));
afterAll(stopProver);

/** submitBatch's view, then the model's: the contract stores the root the model computed. */
async function expectSettled(plan: BatchPlan, batchNumber: bigint): Promise<void> {
  const r = (name: string): Promise<unknown> => w.rollup.getFunction(name)();
  expect(await r("stateRoot")).toBe(plan.result.state.root);
  expect(await r("batchNumber")).toBe(batchNumber);
  expect(await r("lastBatchTime")).toBe(plan.result.publicInputs.batchTime);
}

/** The calldata of `plan` with reports signed now (the batch time is fixed and older than the block). */
async function submit(plan: BatchPlan): Promise<Submission> {
  const t = await latestTime();
  expect(plan.result.publicInputs.batchTime <= t, "the fixed batch time is not in the future").toBe(true);
  return submission(w, plan, t);
}

async function land(plan: BatchPlan, sub: Submission): Promise<void> {
  await (await send(w, sub)).wait();
  w.state = plan.result.state;
  w.queue.splice(0, plan.depositsConsumed);
  w.forced.splice(0, plan.forcedConsumed);
}

async function verifies(v: Contract, proof: Groth16Calldata, pih: bigint): Promise<boolean> {
  return (await v.getFunction("verifyProof")(proof.a, proof.b, proof.c, [pih])) as boolean;
}

function order(index: number, o: { buy: boolean; size: bigint; limit: bigint; nonce?: bigint }): SignedOrder {
  return new Order({
    accountIndex: BigInt(index),
    slot: 0n,
    nonce: o.nonce ?? 1n,
    market: 0,
    isBuy: o.buy,
    size: o.size,
    limitPrice: o.limit,
    expiry: GENESIS_TIME + 86_400n,
    flags: 0,
    maxFee: 1_000n, // 0.1 % of the notional
  }).sign(key(index), w.domain);
}

const neg = (y: bigint): bigint => (BG - y) % BG;

describe("# deployment: the real batch verifier", () => {
  it("the committed verifier is exactly what the batch@test dev keys export, and says INSECURE", async () => {
    const e = await exportBatchVerifier("test", { log: () => {} });
    expect(e.fresh, "run npx tsx contracts/codegen/batchVerifier.ts --write").toBe(true);
    expect(e.contract).toBe(batchVerifierContract("test"));
    expect(e.contract).toMatch(/Insecure/);
    expect(e.source.split("\n")[0]).toMatch(
      /^\/\/ INSECURE DEVELOPMENT SETUP \(seed=zkmargin dev keys test\)/,
    );
    expect(e.source).toContain(`r1cs sha256:${(await ensureBatchVerifier()).r1csSha256}`);
    expect(e.source).toContain(`contract ${e.contract} {`);
  });

  it("deployRollup put the committed verifier behind the rollup", async () => {
    expect(batchVerifier("test")).toEqual({ contract: batchVerifierContract("test") });
    expect(await w.rollup.getFunction("verifier")()).toBe(await w.d.verifier.getAddress());
    const artifact = await hre.artifacts.readArtifact(batchVerifierContract("test"));
    expect(artifact.sourceName).toBe(batchVerifierPath("test"));
    expect(await ethers.provider.getCode(await w.d.verifier.getAddress())).toBe(artifact.deployedBytecode);
  });
});

describe("# deployVerifier / batchVerifier", () => {
  it("refuses the test-only stand-in as the verifier unless the caller says testOnly", async () => {
    const [signer] = await ethers.getSigners();
    await expect(
      deployVerifier(hre.artifacts, signer!, { contract: STAND_IN_CONTRACT }, false),
    ).rejects.toMatchObject({ code: "TEST_ONLY_CONTRACT" });
    const v = await deployVerifier(hre.artifacts, signer!, { contract: STAND_IN_CONTRACT }, true);
    expect(await ethers.provider.getCode(await v.getAddress())).not.toBe("0x");
  });

  it("has no committed verifier for another set: the caller must pass the one exported with its keys", () => {
    expect(() => batchVerifier("dev")).toThrow(VerifierSpecError);
    const spec = batchVerifier("dev", { path: batchVerifierPath("test"), contract: "SomeVerifier" });
    expect(spec).toMatchObject({
      solidity: { contract: "SomeVerifier", sourceName: batchVerifierPath("test") },
    });
  });
});

describe("# submitBatch with real proofs", () => {
  let d: DepositOp[];

  it(
    "batch 1: three deposits from the contract's queue, proven by the batch circuit, settle [I12]",
    { timeout: PROVE_MS },
    async () => {
      d = [
        await deposit(w, alice, { index: 1n, key: 1, asset: QUOTE, tokenAmount: 100_000n * QUSD }),
        await deposit(w, bob, { index: 2n, key: 2, asset: QUOTE, tokenAmount: 100_000n * QUSD }),
        await deposit(w, bob, { index: 2n, key: 2, asset: ETH, tokenAmount: 2n * 10n ** 18n }),
        // stays queued through batch 2, so that batch 2 can be told to consume one deposit more
        await deposit(w, carol, { index: 3n, key: 3, asset: USDC, tokenAmount: 500n * QUSD }),
      ];
      // likewise a forced request batch 2 may not claim to have served
      await forceLiquidation(w, carol, 2n);
      const plan = planBatch(w, d.slice(0, 3), { batchTime: BATCH_TIME[0] });
      const sub = await submit(plan);
      await land(plan, sub);
      plans.push(plan);
      subs.push(sub);
      await expectSettled(plan, 1n);
      expect(await w.rollup.getFunction("consumedDeposits")()).toBe(3n);
      expect(w.state.account(1n).quote).toBe(100_000n * USD);
      expect(w.state.account(2n).balances[1]).toBe(2n * UNIT);
    },
  );

  it(
    "rejects a valid proof of batch 1 made for another chain id (InvalidProof)",
    { timeout: PROVE_MS },
    async () => {
      // The same deposits applied by the model for chain 1: an honest proof, of a statement about another chain.
      const other = makeParams(SIZES, makeDomain(1n, w.address), CONFIG);
      const b = new BatchBuilder(RollupState.genesis(other, pub(0), FUND_SALT), {
        batchTime: BATCH_TIME[0],
        prices: PRICES,
        fundingIndices: [0n, 0n],
      });
      for (const op of d.slice(0, 3)) b.apply(op);
      const foreign = b.finish();
      expect(foreign.publicInputs).toEqual({ ...plans[0]!.result.publicInputs, chainId: 1n });
      const proof = await real.prove(foreign);
      expect(await verifies(w.d.verifier, proof, foreign.publicInputHash)).toBe(true);
      expect(await verifies(w.d.verifier, proof, plans[0]!.result.publicInputHash)).toBe(false);
      // On a second rollup with the same history batch 1 is not settled yet: the foreign proof is refused there.
      const twin = await twinWithDeposits();
      await expectRevert(
        send(twin, await onTwin(twin, { ...subs[0]!, proof })),
        twin.rollup.interface,
        "InvalidProof",
      );
    },
  );

  it("rejects batch 1's own proof on another contract with the same history (InvalidProof)", async () => {
    const twin = await twinWithDeposits();
    // The twin's verifier was compiled at run time with the npm solc (the `dev` path) and takes the same proof for
    // the same statement; the rollup builds a statement naming its own address, so the proof fails there.
    expect(await verifies(twin.d.verifier, subs[0]!.proof, plans[0]!.result.publicInputHash)).toBe(true);
    await expectRevert(send(twin, await onTwin(twin, subs[0]!)), twin.rollup.interface, "InvalidProof");
  });

  describe("batch 2: a trade and a withdrawal", () => {
    let plan: BatchPlan;
    let sub: Submission;
    let to: bigint;

    beforeAll(async () => {
      // proves batch 2 (the file's hook timeout covers it)
      to = await addr(carol);
      const maker = order(2, { buy: false, size: 5n * 10n ** 7n, limit: 60_000n * UNIT });
      const taker = order(1, { buy: true, size: 5n * 10n ** 7n, limit: 60_500n * UNIT });
      const trade: TradeOp = {
        opcode: Opcode.TRADE,
        maker,
        taker,
        fill: 5n * 10n ** 7n, // 0.5 BTC
        price: 60_000n * UNIT,
        makerFee: 0n,
        takerFee: 15n * USD, // 0.05 % of 30,000 USD, under the order's 0.1 % cap
      };
      const req = { accountIndex: 1n, asset: QUOTE, amount: 1_000n * UNIT, l1Address: to, nonce: 0n };
      const withdrawal: Op = {
        opcode: Opcode.WITHDRAW,
        ...req,
        signature: signWithdrawal(key(1), w.domain, req),
      };
      plan = planBatch(w, [trade, withdrawal], { batchTime: BATCH_TIME[1] });
      expect(plan.result.l1Effects).toEqual([
        { kind: L1Effect.WITHDRAWAL, l1Address: to, asset: QUOTE, amount: 1_000n * UNIT },
      ]);
      sub = await submit(plan);
    });

    const tampered: [string, (s: Submission) => Submission | Promise<Submission>][] = [
      ["a changed new root", (s) => ({ ...s, header: { ...s.header, newRoot: s.header.newRoot + 1n } })],
      [
        "an earlier batch time",
        (s) => ({ ...s, header: { ...s.header, batchTime: s.header.batchTime - 1n } }),
      ],
      [
        "a changed new funding index of market 0",
        (s) => ({ ...s, header: { ...s.header, fundingIndices: [1n, s.header.fundingIndices[1]!] } }),
      ],
      [
        "a changed (negative) new funding index of market 1",
        (s) => ({ ...s, header: { ...s.header, fundingIndices: [s.header.fundingIndices[0]!, -1n] } }),
      ],
      [
        "a deposit count claiming one queued deposit more [I12]",
        (s) => ({ ...s, header: { ...s.header, depositCount: s.header.depositCount + 1n } }),
      ],
      [
        "a forced count claiming one filed request more [I19]",
        (s) => ({ ...s, header: { ...s.header, forcedCount: s.header.forcedCount + 1n } }),
      ],
      ...(["market 0", "market 1", "collateral 0", "collateral 1"] as const).map(
        (name, i): [string, (s: Submission) => Promise<Submission>] => [
          `a changed ${name} price (a quorum of reports agreeing on it)`,
          async (s) => {
            const p = [
              ...plan.result.publicInputs.prices.markets,
              ...plan.result.publicInputs.prices.collaterals,
            ];
            p[i] = p[i]! + 1n;
            const prices: Prices = { markets: p.slice(0, 2), collaterals: p.slice(2) };
            return { ...s, reports: await signReports(w, prices, s.reports[0]!.timestamp) };
          },
        ],
      ),
      [
        "a changed effect amount",
        (s) => ({ ...s, effects: [{ ...s.effects[0]!, amount: s.effects[0]!.amount - 1n }] }),
      ],
      [
        "a changed effect recipient",
        (s) => ({ ...s, effects: [{ ...s.effects[0]!, l1Address: ethers.ZeroAddress }] }),
      ],
      ["a changed effect asset", (s) => ({ ...s, effects: [{ ...s.effects[0]!, asset: USDC }] })],
      [
        "a changed effect kind",
        (s) => ({ ...s, effects: [{ ...s.effects[0]!, kind: L1Effect.DEPOSIT_REFUND }] }),
      ],
      ["the effect dropped", (s) => ({ ...s, effects: [] })],
      ["an effect added", (s) => ({ ...s, effects: [s.effects[0]!, s.effects[0]!] })],
    ];
    for (const [what, change] of tampered) {
      it(`the real verifier refuses (InvalidProof) ${what}, all else honest`, async () => {
        await expectRevert(send(w, await change(sub)), w.rollup.interface, "InvalidProof");
      });
    }

    it("reverts when the config hash changed since the proof (InvalidProof)", async () => {
      const snap = (await ethers.provider.send("evm_snapshot", [])) as string;
      const data = ethers.AbiCoder.defaultAbiCoder().encode(
        ["uint256"],
        [plan.result.publicInputs.configHash + 1n],
      );
      const admin = w.rollup.connect(w.admin) as Contract;
      await (await admin.getFunction("proposeChange")(1, data)).wait();
      await mine(Number(TIMELOCK_BLOCKS));
      await (await admin.getFunction("executeChange")(1, data)).wait();
      const fresh = await submit(plan);
      await expectRevert(send(w, fresh), w.rollup.interface, "InvalidProof");
      await ethers.provider.send("evm_revert", [snap]);
    });

    it("the old root and the batch number come from storage: a changed one stops before the verifier", async () => {
      const root = (await w.rollup.getFunction("stateRoot")()) as bigint;
      await expectRevert(
        send(w, { ...sub, header: { ...sub.header, oldRoot: sub.header.oldRoot + 1n } }),
        w.rollup.interface,
        "StaleRoot",
        [root, sub.header.oldRoot + 1n],
      );
      await expectRevert(
        send(w, { ...sub, header: { ...sub.header, batchNumber: 3n } }),
        w.rollup.interface,
        "WrongBatchNumber",
        [2n, 3n],
      );
    });

    it("the real verifier refuses the proof once any one PROTOCOL §9 field changes, and a hash ≥ r", async () => {
      const pi = plan.result.publicInputs;
      const fields = publicInputFields(pi);
      expect(hashTagged(DOMAIN_PUBLIC, fields)).toBe(plan.result.publicInputHash);
      expect(await verifies(w.d.verifier, sub.proof, plan.result.publicInputHash)).toBe(true);
      const names = [
        ...["chainId", "contract", "batchNumber", "oldRoot", "newRoot", "batchTime", "configHash"],
        ...["depositHashOld", "depositHashNew", "forcedHashOld", "forcedHashNew", "l1EffectsHash"],
        ...["P[0]", "P[1]", "Q[0]", "Q[1]", "I_old[0]", "I_old[1]", "I_new[0]", "I_new[1]"],
      ];
      expect(fields.length).toBe(names.length);
      for (let i = 0; i < fields.length; i++) {
        const changed = [...fields];
        changed[i] = toField(changed[i]! + 1n);
        const h = hashTagged(DOMAIN_PUBLIC, changed);
        expect(await verifies(w.d.verifier, sub.proof, h), names[i]).toBe(false);
      }
      // snarkjs's verifier checks its input against r rather than reducing it
      expect(await verifies(w.d.verifier, sub.proof, plan.result.publicInputHash + FIELD_MODULUS)).toBe(
        false,
      );
    });

    it("settles: root stored, the withdrawal credited to its recipient and paid once", async () => {
      const before = (await w.d.tokens[QUOTE]!.getFunction("balanceOf")(await carol.getAddress())) as bigint;
      await land(plan, sub);
      plans.push(plan);
      subs.push(sub);
      await expectSettled(plan, 2n);
      expect(w.state.account(1n).sizes[0]).toBe(5n * 10n ** 7n);
      expect(w.state.account(2n).sizes[0]).toBe(-5n * 10n ** 7n);
      const owed = 1_000n * QUSD; // 1,000 USD in qUSD token units
      expect(await w.rollup.getFunction("pending")(await carol.getAddress(), QUOTE)).toBe(owed);
      await (await (w.rollup.connect(carol) as Contract).getFunction("withdraw")(QUOTE)).wait();
      expect(await w.d.tokens[QUOTE]!.getFunction("balanceOf")(await carol.getAddress())).toBe(before + owed);
      expect(await w.rollup.getFunction("pending")(await carol.getAddress(), QUOTE)).toBe(0n);
    });
  });

  describe("the state chain", () => {
    it("reverts when the accepted batch is submitted again (WrongBatchNumber), and its proof moved on (InvalidProof)", async () => {
      const sub = subs[1]!;
      await expectRevert(send(w, sub), w.rollup.interface, "WrongBatchNumber", [3n, 2n]);
      const root = (await w.rollup.getFunction("stateRoot")()) as bigint;
      const moved = { ...sub, header: { ...sub.header, batchNumber: 3n, oldRoot: root } };
      await expectRevert(send(w, moved), w.rollup.interface, "InvalidProof");
    });

    it("rejects a malleated copy of the accepted proof: (−A, −B, C) still verifies alone, but cannot land", async () => {
      const sub = subs[1]!;
      const p = sub.proof;
      const malleated: Groth16Calldata = {
        a: [p.a[0], neg(p.a[1])],
        b: [p.b[0], [neg(p.b[1][0]), neg(p.b[1][1])]],
        c: p.c,
      };
      // Groth16 proofs are malleable: uniqueness of a batch comes from the state chain, not from the proof.
      expect(await verifies(w.d.verifier, malleated, plans[1]!.result.publicInputHash)).toBe(true);
      await expectRevert(send(w, { ...sub, proof: malleated }), w.rollup.interface, "WrongBatchNumber", [
        3n,
        2n,
      ]);
      const root = (await w.rollup.getFunction("stateRoot")()) as bigint;
      const moved = { ...sub, header: { ...sub.header, batchNumber: 3n, oldRoot: root }, proof: malleated };
      await expectRevert(send(w, moved), w.rollup.interface, "InvalidProof");
      const negA: Groth16Calldata = { ...p, a: [p.a[0], neg(p.a[1])] };
      expect(await verifies(w.d.verifier, negA, plans[1]!.result.publicInputHash)).toBe(false);
    });
  });

  describe("batch 3: the queued deposit and two forced requests served", () => {
    it(
      "settles: the queued deposit, the forced liquidation check and a forced withdrawal, in queue order [I12] [I19]",
      { timeout: PROVE_MS },
      async () => {
        await forceWithdrawal(w, alice, 1n, QUOTE, 500n * UNIT);
        expect(w.queue).toHaveLength(1);
        expect(w.forced.map((f) => f.kind)).toEqual([ForcedKind.LIQUIDATION, ForcedKind.WITHDRAWAL]);
        const prices: Prices = {
          markets: [61_000n * UNIT, PRICES.markets[1]!],
          collaterals: [PRICES.collaterals[0]!, 3_050n * UNIT],
        };
        const ops: Op[] = [
          w.queue[0]!,
          { opcode: Opcode.FORCED_LIQUIDATION_CHECK, request: w.forced[0]! },
          { opcode: Opcode.FORCED_WITHDRAW, request: w.forced[1]! },
        ];
        const plan = planBatch(w, ops, { batchTime: BATCH_TIME[2], prices });
        expect(plan.forcedConsumed).toBe(2);
        expect(plan.result.l1Effects).toEqual([
          { kind: L1Effect.WITHDRAWAL, l1Address: await addr(alice), asset: QUOTE, amount: 500n * UNIT },
        ]);
        const sub = await submit(plan);
        await land(plan, sub);
        plans.push(plan);
        await expectSettled(plan, 3n);
        expect(await w.rollup.getFunction("consumedDeposits")()).toBe(4n);
        expect(await w.rollup.getFunction("consumedForced")()).toBe(2n);
        expect([...((await w.rollup.getFunction("lastPrices")()) as bigint[])]).toEqual([
          ...prices.markets,
          ...prices.collaterals,
        ]);
        expect(await w.rollup.getFunction("pending")(await alice.getAddress(), QUOTE)).toBe(500n * QUSD);
        expect(w.state.account(3n).balances[0]).toBe(500n * UNIT);
      },
    );
  });
});

let twinWorld: Promise<World> | undefined;

/**
 * A second rollup on the same chain with the same history up to batch 1 (the same genesis and the same three deposits
 * from the same senders, so the same deposit hashes), its verifier compiled from the committed source at run time
 * with the npm solc. Only its address differs from w's.
 */
function twinWithDeposits(): Promise<World> {
  twinWorld ??= (async () => {
    const twin = await deployWorld({
      verifier: "batch",
      verifierSpec: batchVerifier("test", {
        path: batchVerifierPath("test"),
        contract: batchVerifierContract("test"),
      }),
      poseidons: w.d.poseidons,
    });
    await deposit(twin, alice, { index: 1n, key: 1, asset: QUOTE, tokenAmount: 100_000n * QUSD });
    await deposit(twin, bob, { index: 2n, key: 2, asset: QUOTE, tokenAmount: 100_000n * QUSD });
    await deposit(twin, bob, { index: 2n, key: 2, asset: ETH, tokenAmount: 2n * 10n ** 18n });
    expect(await twin.rollup.getFunction("depositHashAt")(3n)).toBe(
      await w.rollup.getFunction("depositHashAt")(3n),
    );
    expect(await twin.rollup.getFunction("stateRoot")()).toBe(plans[0]!.result.publicInputs.oldRoot);
    return twin;
  })();
  return twinWorld;
}

/** The same submission with its oracle reports signed for the twin (EIP-712 names the verifying contract). */
async function onTwin(twin: World, s: Submission): Promise<Submission> {
  const prices = plans[0]!.result.publicInputs.prices;
  return { ...s, reports: await signReports(twin, prices, await latestTime()) };
}

describe("# verify-batch (zkmargin verify-batch: public inputs rebuilt from chain data alone)", () => {
  it("accepts every settled batch, and its hash equals the contract's event", async () => {
    const keys = await ensureBatchVerifier();
    const vkey = JSON.parse(readFileSync(keys.vkeyPath, "utf8")) as VerifyingKey;
    const settled = (await w.rollup.getFunction("batchNumber")()) as bigint;
    expect(settled).toBeGreaterThanOrEqual(2n);
    for (let n = 1n; n <= settled; n++) {
      const r = await verifyBatch({ provider: ethers.provider, rollup: w.address, batchNumber: n, vkey });
      expect([r.proofValid, r.matchesEvent, r.vkeyMatchesChain, r.ok], `batch ${n}`).toEqual([
        true,
        true,
        true,
        true,
      ]);
      expect(r.publicInputHash).toBe(plans[Number(n) - 1]!.result.publicInputHash);
    }
  });

  it("rejects a batch whose chain data was tampered with (new root, a price, an effect), and a foreign key", async () => {
    const keys = await ensureBatchVerifier();
    const vkey = JSON.parse(readFileSync(keys.vkeyPath, "utf8")) as VerifyingKey;
    const base = { provider: ethers.provider, rollup: w.address, batchNumber: 2n, vkey };
    const edits: ((b: SubmittedBatch) => SubmittedBatch)[] = [
      (b) => ({ ...b, header: { ...b.header, newRoot: b.header.newRoot + 1n } }),
      (b) => ({
        ...b,
        reports: b.reports.map((r) => ({
          ...r,
          marketPrices: r.marketPrices.map((p, i) => (i === 0 ? p + 1n : p)),
        })),
      }),
      (b) => ({ ...b, effects: b.effects.slice(1) }),
    ];
    expect((await verifyBatch(base)).ok).toBe(true);
    for (const tamper of edits) {
      const r = await verifyBatch({ ...base, tamper });
      expect([r.proofValid, r.matchesEvent, r.ok]).toEqual([false, false, false]);
    }
    // A key that is not the one inlined in the deployed verifier (one coordinate of alpha changed).
    const foreign = {
      ...vkey,
      vk_alpha_1: [(BigInt(vkey.vk_alpha_1[0]!) + 1n).toString(), vkey.vk_alpha_1[1]!, "1"],
    };
    const r = await verifyBatch({ ...base, vkey: foreign });
    expect([r.vkeyMatchesChain, r.ok]).toEqual([false, false]);
  });
});
