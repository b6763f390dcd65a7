// Admin changes behind the timelock (docs/CONTRACTS.md "Timelock") and the constructor's checks: nothing changes
// instantly, the delay covers the exit window, every change kind is validated when proposed and when executed,
// and a new verifier plugs in without touching the rollup.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Contract } from "ethers";
import { AbiCoder, type Signer } from "ethers";
import { FIELD_MODULUS } from "../../protocol/index.js";
import { CONFIG, SIZES, pub } from "./helpers/model.js";
import { deployRollup, type DeployOptions } from "../../contracts/deploy/deploy.js";
import {
  DEFAULT_PARAMS,
  STANDARD_TOKENS,
  TIMELOCK_BLOCKS,
  USDC,
  deployWorld,
  deposit,
  ethers,
  hre,
  mine,
  nextBatchTime,
  planBatch,
  settle,
  snapshotWorld,
  stopProver,
  type World,
} from "./helpers/world.js";
import { checkSolvency, decodeRevert, expectRevert } from "./helpers/assert.js";
import { STAND_IN_CONTRACT } from "./helpers/standIn.js";

const fresh = snapshotWorld(() => deployWorld());
let w: World;
let alice: Signer;
let admin: Contract;

beforeEach(async () => {
  w = await fresh();
  [alice] = w.users as [Signer];
  admin = w.rollup.connect(w.admin) as Contract;
});
afterEach(async () => checkSolvency(w));
afterAll(stopProver);

const abi = AbiCoder.defaultAbiCoder();
const Kind = { Verifier: 0, ConfigHash: 1, OracleSigners: 2, Params: 3, Sequencer: 4, Admin: 5 } as const;
const PARAMS_TYPE = "tuple(uint64,uint64,uint128,uint32,uint32,uint32)";
const encParams = (p: typeof DEFAULT_PARAMS): string =>
  abi.encode(
    [PARAMS_TYPE],
    [
      [
        p.depositTimeoutBlocks,
        p.gracePeriodBlocks,
        p.forcedRequestFee,
        p.maxForcedPerBlock,
        p.maxPriceAge,
        p.maxPriceDeviationPpm,
      ],
    ],
  );

async function proposeAndWait(kind: number, data: string): Promise<void> {
  await (await admin.getFunction("proposeChange")(kind, data)).wait();
  await mine(Number(TIMELOCK_BLOCKS));
}

describe("# proposeChange / executeChange", () => {
  it("applies a change only timelockDelayBlocks after its proposal (ChangeNotReady before)", async () => {
    const data = abi.encode(["address"], [await alice.getAddress()]);
    const receipt = await (await admin.getFunction("proposeChange")(Kind.Sequencer, data)).wait();
    const ready = BigInt(receipt.blockNumber) + TIMELOCK_BLOCKS;
    const id = ethers.keccak256(abi.encode(["uint8", "bytes"], [Kind.Sequencer, data]));
    expect(await w.rollup.getFunction("changeReadyBlock")(id)).toBe(ready);
    await mine(Number(TIMELOCK_BLOCKS) - 2); // execution below is evaluated in block ready − 1
    await expectRevert(
      admin.getFunction("executeChange").staticCall(Kind.Sequencer, data, { blockTag: "pending" }),
      w.rollup.interface,
      "ChangeNotReady",
      [id, ready],
    );
    await mine(1);
    await (await admin.getFunction("executeChange")(Kind.Sequencer, data)).wait();
    expect(await w.rollup.getFunction("sequencer")()).toBe(await alice.getAddress());
    await expectRevert(
      admin.getFunction("executeChange")(Kind.Sequencer, data),
      w.rollup.interface,
      "ChangeNotProposed",
      [id],
    );
  });

  it("applies each kind: config hash, oracle signers, params, admin", async () => {
    const cfg = abi.encode(["uint256"], [777n]);
    await proposeAndWait(Kind.ConfigHash, cfg);
    await (await admin.getFunction("executeChange")(Kind.ConfigHash, cfg)).wait();
    expect(await w.rollup.getFunction("configHash")()).toBe(777n);

    const signers = [await alice.getAddress()];
    const oracle = abi.encode(["address[]", "uint8"], [signers, 1]);
    await proposeAndWait(Kind.OracleSigners, oracle);
    await (await admin.getFunction("executeChange")(Kind.OracleSigners, oracle)).wait();
    expect([...(await w.rollup.getFunction("oracleSigners")())]).toEqual(signers);
    expect(await w.rollup.getFunction("isOracleSigner")(w.oracles[0]!.address)).toBe(false);
    expect(await w.rollup.getFunction("oracleQuorum")()).toBe(1n);

    const p = { ...DEFAULT_PARAMS, forcedRequestFee: 5n };
    await proposeAndWait(Kind.Params, encParams(p));
    await (await admin.getFunction("executeChange")(Kind.Params, encParams(p))).wait();
    expect((await w.rollup.getFunction("params")()).forcedRequestFee).toBe(5n);

    const newAdmin = abi.encode(["address"], [await alice.getAddress()]);
    await proposeAndWait(Kind.Admin, newAdmin);
    await (await admin.getFunction("executeChange")(Kind.Admin, newAdmin)).wait();
    expect(await w.rollup.getFunction("admin")()).toBe(await alice.getAddress());
    await expectRevert(
      admin.getFunction("proposeChange")(Kind.ConfigHash, cfg),
      w.rollup.interface,
      "NotAdmin",
      [await w.admin.getAddress()],
    );
  });

  it("plugs in another verifier; batches keep settling with proofs it accepts", async () => {
    const v2 = await (await ethers.getContractFactory(STAND_IN_CONTRACT)).deploy();
    const data = abi.encode(["address"], [await v2.getAddress()]);
    await proposeAndWait(Kind.Verifier, data);
    await (await admin.getFunction("executeChange")(Kind.Verifier, data)).wait();
    expect(await w.rollup.getFunction("verifier")()).toBe(await v2.getAddress());
    const a = await deposit(w, alice, { index: 1n, key: 1, asset: USDC, tokenAmount: 1_000_000n });
    await settle(w, planBatch(w, [a], { batchTime: await nextBatchTime(w) }));
  });

  it("reverts a duplicate proposal (ChangeAlreadyProposed) and can cancel (ChangeCancelled, ChangeNotProposed)", async () => {
    const data = abi.encode(["uint256"], [5n]);
    await (await admin.getFunction("proposeChange")(Kind.ConfigHash, data)).wait();
    const id = ethers.keccak256(abi.encode(["uint8", "bytes"], [Kind.ConfigHash, data]));
    await expectRevert(
      admin.getFunction("proposeChange")(Kind.ConfigHash, data),
      w.rollup.interface,
      "ChangeAlreadyProposed",
      [id],
    );
    await (await admin.getFunction("cancelChange")(id)).wait();
    await mine(Number(TIMELOCK_BLOCKS));
    await expectRevert(
      admin.getFunction("executeChange")(Kind.ConfigHash, data),
      w.rollup.interface,
      "ChangeNotProposed",
      [id],
    );
    await expectRevert(admin.getFunction("cancelChange")(id), w.rollup.interface, "ChangeNotProposed", [id]);
  });

  it("reverts for anyone but the admin (NotAdmin)", async () => {
    const data = abi.encode(["uint256"], [5n]);
    const who = await alice.getAddress();
    const as = w.rollup.connect(alice) as Contract;
    await expectRevert(
      as.getFunction("proposeChange")(Kind.ConfigHash, data),
      w.rollup.interface,
      "NotAdmin",
      [who],
    );
    await expectRevert(
      as.getFunction("executeChange")(Kind.ConfigHash, data),
      w.rollup.interface,
      "NotAdmin",
      [who],
    );
    await expectRevert(as.getFunction("cancelChange")(ethers.ZeroHash), w.rollup.interface, "NotAdmin", [
      who,
    ]);
  });

  it("validates every kind when proposed", async () => {
    const p = admin.getFunction("proposeChange");
    const eoa = await alice.getAddress();
    await expectRevert(p(Kind.Verifier, abi.encode(["address"], [eoa])), w.rollup.interface, "NotAContract", [
      eoa,
    ]);
    await expectRevert(
      p(Kind.ConfigHash, abi.encode(["uint256"], [FIELD_MODULUS])),
      w.rollup.interface,
      "NotAFieldElement",
      [FIELD_MODULUS],
    );
    await expectRevert(
      p(Kind.OracleSigners, abi.encode(["address[]", "uint8"], [[eoa], 0])),
      w.rollup.interface,
      "InvalidQuorum",
      [0n, 1n],
    );
    await expectRevert(
      p(Kind.OracleSigners, abi.encode(["address[]", "uint8"], [[eoa], 2])),
      w.rollup.interface,
      "InvalidQuorum",
      [2n, 1n],
    );
    await expectRevert(
      p(Kind.OracleSigners, abi.encode(["address[]", "uint8"], [[eoa, eoa], 1])),
      w.rollup.interface,
      "DuplicateOracleSigner",
      [eoa],
    );
    await expectRevert(
      p(Kind.OracleSigners, abi.encode(["address[]", "uint8"], [[ethers.ZeroAddress], 1])),
      w.rollup.interface,
      "ZeroAddress",
    );
    await expectRevert(
      p(Kind.Sequencer, abi.encode(["address"], [ethers.ZeroAddress])),
      w.rollup.interface,
      "ZeroAddress",
    );
    await expectRevert(
      p(Kind.Admin, abi.encode(["address"], [ethers.ZeroAddress])),
      w.rollup.interface,
      "ZeroAddress",
    );
    // a longer exit window than the timelock would let a change land before users can leave
    const long = { ...DEFAULT_PARAMS, gracePeriodBlocks: TIMELOCK_BLOCKS };
    await expectRevert(p(Kind.Params, encParams(long)), w.rollup.interface, "TimelockShorterThanExitWindow", [
      TIMELOCK_BLOCKS,
      TIMELOCK_BLOCKS + DEFAULT_PARAMS.depositTimeoutBlocks,
    ]);
    for (const field of [
      "depositTimeoutBlocks",
      "gracePeriodBlocks",
      "maxForcedPerBlock",
      "maxPriceAge",
      "maxPriceDeviationPpm",
    ] as const) {
      await expectRevert(
        p(Kind.Params, encParams({ ...DEFAULT_PARAMS, [field]: 0n })),
        w.rollup.interface,
        "InvalidParams",
        [field],
      );
    }
  });
});

describe("# constructor", () => {
  async function deployWith(over: Partial<DeployOptions>): Promise<unknown> {
    const [signer] = await ethers.getSigners();
    const base: DeployOptions = {
      accountDepth: SIZES.accountDepth,
      markets: SIZES.markets,
      tokens: STANDARD_TOKENS,
      verifier: { address: await w.d.verifier.getAddress() },
      configHash: CONFIG.hash(),
      genesisRoot: 1n,
      fundKey: pub(0),
      oracle: { signers: w.oracles.map((o) => o.address), quorum: 2 },
      params: DEFAULT_PARAMS,
      timelockDelayBlocks: TIMELOCK_BLOCKS,
      poseidons: w.d.poseidons,
    };
    try {
      await deployRollup(signer!, { ...base, ...over }, hre.artifacts);
    } catch (e) {
      return e;
    }
    return undefined;
  }

  it("refuses a timelock shorter than the exit window (TimelockShorterThanExitWindow)", async () => {
    const e = await deployWith({
      timelockDelayBlocks: DEFAULT_PARAMS.gracePeriodBlocks + DEFAULT_PARAMS.depositTimeoutBlocks - 1n,
    });
    expect(decodeRevert(w.rollup.interface, e)).toEqual({
      name: "TimelockShorterThanExitWindow",
      args: [
        DEFAULT_PARAMS.gracePeriodBlocks + DEFAULT_PARAMS.depositTimeoutBlocks - 1n,
        DEFAULT_PARAMS.gracePeriodBlocks + DEFAULT_PARAMS.depositTimeoutBlocks,
      ],
    });
    expect(
      await deployWith({
        timelockDelayBlocks: DEFAULT_PARAMS.gracePeriodBlocks + DEFAULT_PARAMS.depositTimeoutBlocks,
      }),
    ).toBeUndefined();
  });

  it("refuses a verifier without code, a missing hasher, a root or config ≥ r, a zero fund key", async () => {
    const eoa = await alice.getAddress();
    expect(decodeRevert(w.rollup.interface, await deployWith({ verifier: { address: eoa } })).name).toBe(
      "NotAContract",
    );
    const gap = Array.from({ length: 17 }, (_, n) =>
      n === 16 ? ethers.ZeroAddress : (w.d.poseidons.get(n) ?? ethers.ZeroAddress),
    );
    const err = await construct({ poseidons: gap });
    expect(decodeRevert(w.rollup.interface, err)).toEqual({
      name: "NotAContract",
      args: [ethers.ZeroAddress],
    });
    expect(decodeRevert(w.rollup.interface, await deployWith({ genesisRoot: FIELD_MODULUS })).name).toBe(
      "NotAFieldElement",
    );
    expect(decodeRevert(w.rollup.interface, await deployWith({ configHash: FIELD_MODULUS })).name).toBe(
      "NotAFieldElement",
    );
    expect(decodeRevert(w.rollup.interface, await deployWith({ fundKey: { x: 0n, y: 0n } })).name).toBe(
      "ZeroPublicKey",
    );
    expect(
      decodeRevert(w.rollup.interface, await deployWith({ oracle: { signers: [], quorum: 0 } })).name,
    ).toBe("InvalidQuorum");
  });

  /** Calls the constructor directly (deployRollup would first deploy hashers for impossible widths). */
  async function construct(over: Record<string, unknown>): Promise<unknown> {
    const eoa = await alice.getAddress();
    const f = await ethers.getContractFactory("ZkMarginRollup");
    try {
      await f.deploy({
        accountDepth: 6,
        markets: 2,
        tokens: await Promise.all(w.d.tokens.map((t) => t.getAddress())),
        poseidons: Array.from({ length: 17 }, (_, n) => w.d.poseidons.get(n) ?? ethers.ZeroAddress),
        verifier: await w.d.verifier.getAddress(),
        configHash: 1n,
        genesisRoot: 1n,
        genesisBatchTime: 0n,
        fundPubKeyX: pub(0).x,
        fundPubKeyY: pub(0).y,
        fundOwner: eoa,
        admin: eoa,
        sequencer: eoa,
        oracleSigners: [eoa],
        oracleQuorum: 1,
        params: DEFAULT_PARAMS,
        timelockDelayBlocks: TIMELOCK_BLOCKS,
        ...over,
      });
    } catch (e) {
      return e;
    }
    return undefined;
  }

  it("refuses impossible sizes and bounds (InvalidDeployment)", async () => {
    expect(await construct({})).toBeUndefined(); // the baseline deploys
    const decimals37 = await (await ethers.getContractFactory("ERC20Mock")).deploy("x", "x", 37);
    const cases: [Record<string, unknown>, string][] = [
      [{ accountDepth: 0 }, "accountDepth"],
      [{ accountDepth: 65 }, "accountDepth"],
      [{ markets: 0 }, "markets"],
      [{ tokens: [] }, "tokens"],
      [{ tokens: [await decimals37.getAddress()] }, "token decimals"],
      [{ genesisBatchTime: 1n << 40n }, "genesisBatchTime"],
      [{ timelockDelayBlocks: 0n }, "timelockDelayBlocks"],
    ];
    for (const [over, reason] of cases) {
      expect(decodeRevert(w.rollup.interface, await construct(over)), reason).toEqual({
        name: "InvalidDeployment",
        args: [reason],
      });
    }
  });

  it("refuses a zero admin, sequencer or fund owner (ZeroAddress) and a token without code (NotAContract)", async () => {
    for (const who of ["admin", "sequencer", "fundOwner"]) {
      expect(decodeRevert(w.rollup.interface, await construct({ [who]: ethers.ZeroAddress })).name, who).toBe(
        "ZeroAddress",
      );
    }
    const eoa = await alice.getAddress();
    expect(decodeRevert(w.rollup.interface, await construct({ tokens: [eoa] }))).toEqual({
      name: "NotAContract",
      args: [eoa],
    });
  });

  it("registers the insurance fund (index 0) to the fund key and owner", async () => {
    const acc = await w.rollup.getFunction("accounts")(0n);
    expect([acc.pubKeyX, acc.pubKeyY, acc.owner]).toEqual([pub(0).x, pub(0).y, await w.admin.getAddress()]);
  });
});
