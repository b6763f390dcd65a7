// The trader commands end to end: a real sequencer on loopback whose L1 is the rollup contract on Hardhat's
// in-process network (served over JSON-RPC on loopback for the CLI's --rpc), batches settled with stand-in proofs.
// keys → deposit (ethers) → order/cancel → account (checked against the contract's root [I14]) → withdraw → pull.
// The commands run in-process through commander with captured output, exactly as `zkmargin` wires them; failures
// must be the one-line `error: CODE: message`. Amounts are derived from the inputs written out here.
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RATE_SCALE, publicKeyOf } from "../../protocol/index.js";
import { startSequencer, type RunningSequencer } from "../../sequencer/main.js";
import { registerTraderCommands, type TraderIo } from "../../client/cli/commands/trader.js";
import { errorLine, exitCodeOf } from "../../client/cli/errors.js";
import { ContractL1 } from "../sdk/chainL1.js";
import { baseOptions, tmpDb } from "../sequencer/setup.js";
import { FUND_SALT, PRICES, pub } from "../contracts/helpers/model.js";
import { QUOTE, deployWorld, ethers, hre, stopProver, type World } from "../contracts/helpers/world.js";

let w: World;
let r: RunningSequencer;
let rpc: JsonRpcServer;
let rpcUrl: string;
let dir: string;
let deployment: string;
const PASSWORD = "trader test password";
const ALICE_L1 = "2"; // eth_accounts[2] = the world's users[0]
const BOB_L1 = "3";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `zkmargin <args>` in-process with the trader commands, like client/cli/main.ts does. */
async function cli(args: string[], o: { env?: Record<string, string>; stdin?: string[] } = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const lines = [...(o.stdin ?? [])];
  const io: TraderIo = {
    out: (l) => (stdout += `${l}\n`),
    err: (l) => (stderr += `${l}\n`),
    env: { ZKMARGIN_DEPLOYMENT: deployment, ZKMARGIN_KEY_PASSWORD: PASSWORD, ...o.env },
    readSecret: async (prompt) => {
      const l = lines.shift();
      if (l === undefined) throw new Error(`unexpected prompt ${prompt}`);
      return l;
    },
    interactive: false,
    now: Date.now,
  };
  const program = new Command("zkmargin").exitOverride().configureOutput({
    writeOut: (s) => (stdout += s),
    writeErr: (s) => (stderr += s),
    outputError: (s, write) =>
      write(
        `${errorLine(Object.assign(new Error(s.replace(/^error:\s*/i, "").trim()), { code: "BAD_USAGE" }))}\n`,
      ),
  });
  registerTraderCommands(program, io);
  try {
    await program.parseAsync(args, { from: "user" });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, stdout, stderr };
    return { code: exitCodeOf(e), stdout, stderr: stderr + `${errorLine(e)}\n` };
  }
}

const json = (run: Run): Record<string, unknown> => {
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
};

const alice = (): Record<string, string> => ({ ZKMARGIN_KEY: join(dir, "alice.json") });
const bob = (): Record<string, string> => ({ ZKMARGIN_KEY: join(dir, "bob.json") });

/** Waits until every batch the sequencer cut is settled on the contract (stand-in proofs take a moment each). */
async function settled(): Promise<void> {
  const e = r.sequencer.engine;
  for (let i = 0; i < 600; i++) {
    await r.sequencer.tick();
    if (e.openBatch.size === 0 && e.lastSettled.number === e.committedState.batchNumber) return;
    await new Promise((x) => setTimeout(x, 100));
  }
  throw new Error(`not settled: ${r.pipeline.lastError}`);
}

async function tokenBalance(asset: number, who: string): Promise<bigint> {
  return (await w.d.tokens[asset]!.getFunction("balanceOf")(who)) as bigint;
}

async function l1Address(n: string): Promise<string> {
  return ((await ethers.provider.send("eth_accounts", [])) as string[])[Number(n)]!;
}

beforeAll(async () => {
  w = await deployWorld();
  rpc = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  rpcUrl = `http://127.0.0.1:${(await rpc.listen()).port}`;
  r = await startSequencer(
    baseOptions(tmpDb(), {
      params: w.params,
      fundKey: pub(0),
      fundSalt: FUND_SALT,
      initialPrices: PRICES,
      l1: new ContractL1(w),
      engine: { batchMaxAgeMs: 200 },
      pipeline: { pollMs: 100, retryMs: 300 },
    }),
  );
  dir = mkdtempSync(join(tmpdir(), "zkm-cli-trader-"));
  deployment = join(dir, "deployment.json");
  writeFileSync(
    deployment,
    JSON.stringify({
      chainId: w.domain.chainId.toString(),
      contract: w.address,
      paramSet: "test",
      sequencer: r.url,
      rpc: rpcUrl,
    }),
  );
  for (const n of [ALICE_L1, BOB_L1]) {
    const who = await l1Address(n);
    await (await w.d.tokens[QUOTE]!.getFunction("mint")(who, 5_000n * 10n ** 6n)).wait();
    await (await w.d.tokens[2]!.getFunction("mint")(who, 10n ** 18n)).wait();
  }
});

afterAll(async () => {
  await r?.close();
  await rpc?.close();
  await stopProver();
});

describe("help", () => {
  it("every trader command and subcommand has --help", async () => {
    for (const c of [
      ["keys"],
      ["keys", "new"],
      ["keys", "import"],
      ["keys", "show"],
      ["deposit"],
      ["order"],
      ["cancel"],
      ["account"],
      ["withdraw"],
    ]) {
      const h = await cli([...c, "--help"]);
      expect(h.code, c.join(" ")).toBe(0);
      expect(h.stdout).toContain(`Usage: zkmargin ${c.join(" ")}`);
    }
    expect((await cli(["order", "--help"])).stdout).toMatch(
      /--post-only[\s\S]*--ioc[\s\S]*--reduce-only[\s\S]*--expiry[\s\S]*--max-fee/,
    );
    const deposit = (await cli(["deposit", "--help"])).stdout;
    for (const opt of [
      "--rpc <url>",
      "--key <file>",
      "--sequencer <url>",
      "--deployment <file>",
      "--from <account>",
    ])
      expect(deposit).toContain(opt);
  });
});

describe("keys", () => {
  it("creates, shows and checks an encrypted key file; refuses a wrong password and an overwrite", async () => {
    const made = json(await cli(["keys", "new", "--json"], { env: alice() }));
    expect(made.path).toBe(join(dir, "alice.json"));
    const shown = json(
      await cli(["keys", "show", "--json"], { env: { ...alice(), ZKMARGIN_KEY_PASSWORD: "" } }),
    );
    expect(shown.publicKey).toEqual(made.publicKey);
    expect(json(await cli(["keys", "show", "--check", "--json"], { env: alice() })).passwordOk).toBe(true);
    const wrong = await cli(["keys", "show", "--check"], {
      env: { ...alice(), ZKMARGIN_KEY_PASSWORD: "not the password" },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: WRONG_PASSWORD: .+\n$/);
    const again = await cli(["keys", "new"], { env: alice() });
    expect(again.stderr).toMatch(/^error: BAD_USAGE: .*exists.*--force/);
    expect((await cli(["keys", "show"], { env: { ZKMARGIN_KEY: join(dir, "nobody.json") } })).stderr).toMatch(
      /^error: KEY_FILE_NOT_FOUND: /,
    );
  });

  it("imports a secret from stdin (never the command line), with the password prompted when no env is set", async () => {
    const secret = "5e".repeat(32);
    const run = await cli(["keys", "import", "--json"], {
      env: { ...bob(), ZKMARGIN_KEY_PASSWORD: undefined as unknown as string },
      stdin: [secret, PASSWORD],
    });
    const k = publicKeyOf(Uint8Array.from(Buffer.from(secret, "hex")));
    expect(json(run).publicKey).toEqual({ x: k.x.toString(), y: k.y.toString() });
    const text = await cli(["keys", "show"], { env: bob() });
    expect(text.stdout).toContain(`public key x ${k.x}`);
    expect(
      (await cli(["keys", "import"], { env: { ZKMARGIN_KEY: join(dir, "bad.json") }, stdin: ["12ab"] }))
        .stderr,
    ).toMatch(/^error: BAD_SEED: /);
  });
});

let aliceIndex: string;
let bobIndex: string;

describe("deposit", () => {
  it("[I12] deposits through ethers into the index the sequencer reserved, and the sequencer credits it", async () => {
    const a = json(
      await cli(["deposit", "--asset", "0", "--amount", "1000", "--from", ALICE_L1, "--json"], {
        env: alice(),
      }),
    );
    expect(a).toMatchObject({ depositId: "0", asset: 0, symbol: "qUSD", tokenAmount: "1000000000" });
    // 1,000 qUSD at 6 decimals: 10^9 token units, 10^11 internal units.
    expect(a.amount).toBe("100000000000");
    aliceIndex = a.accountIndex as string;
    const b = json(
      await cli(["deposit", "--asset", "qusd", "--amount", "1000", "--from", BOB_L1, "--json"], {
        env: bob(),
      }),
    );
    expect(b.depositId).toBe("1");
    bobIndex = b.accountIndex as string;
    expect(bobIndex).not.toBe(aliceIndex);
    const weth = await cli(["deposit", "--asset", "WETH", "--amount", "0.5", "--from", ALICE_L1], {
      env: alice(),
    });
    expect(weth.stderr).toBe("");
    expect(weth.stdout).toMatch(/^deposit #2: 0\.5 WETH into account \d+ \(tx 0x[0-9a-f]{64}\)$/m);
    expect(await w.rollup.getFunction("depositCount")()).toBe(3n);
    await settled();
    expect(r.sequencer.engine.accountStatus(BigInt(aliceIndex))).toBe("active");
  });

  it("refuses extra decimals, a missing L1 account and an unknown token with one error line", async () => {
    const decimals = await cli(["deposit", "--asset", "0", "--amount", "1.0000001", "--from", ALICE_L1], {
      env: alice(),
    });
    expect(decimals.stderr).toMatch(/^error: BAD_DECIMAL: .+\n$/);
    expect((await cli(["deposit", "--asset", "0", "--amount", "1"], { env: alice() })).stderr).toMatch(
      /^error: BAD_USAGE: no L1 account: /,
    );
    expect(
      (await cli(["deposit", "--asset", "DOGE", "--amount", "1", "--from", ALICE_L1], { env: alice() }))
        .stderr,
    ).toMatch(/^error: UNKNOWN_SYMBOL: /);
    const noRpc = await cli(
      [
        "deposit",
        "--asset",
        "0",
        "--amount",
        "1",
        "--from",
        ALICE_L1,
        "--deployment",
        join(dir, "none.json"),
      ],
      {
        env: alice(),
      },
    );
    expect(noRpc.stderr).toMatch(/^error: INPUT_NOT_FOUND: /);
  });
});

describe("orders and cancels", () => {
  let makerId: string;

  it("places orders in human units; the SDK picks slots and nonces; a crossing order fills with the scheduled fee", async () => {
    const ask = json(
      await cli(
        [
          "order",
          "--market",
          "BTC",
          "--side",
          "sell",
          "--size",
          "0.1",
          "--price",
          "60100",
          "--post-only",
          "--json",
        ],
        {
          env: alice(),
        },
      ),
    );
    expect(ask).toMatchObject({ status: "open", slot: "0", nonce: "1", size: "10000000" });
    makerId = ask.orderId as string;
    const bid = await cli(
      ["order", "--market", "0", "--side", "buy", "--size", "0.05", "--price", "61000", "--ioc"],
      {
        env: bob(),
      },
    );
    expect(bid.stderr).toBe("");
    // Taker fee 500 ppm of 0.05 · 60100 = 3005 USD notional: 1.5025 USD.
    expect((5_000_000n * 6_010_000_000_000n * 500n) / RATE_SCALE).toBe(15_025_000_000_000_000n);
    expect(bid.stdout).toMatch(
      /: filled, filled 0\.05 of 0\.05\n  fill 0\.05 @ 60100, fee 1\.5025 USD \(taker\)\n$/,
    );
  });

  it("refuses bad input with the protocol's or the CLI's code", async () => {
    const base = ["order", "--market", "BTC", "--size", "0.01", "--price", "50000"];
    expect((await cli([...base, "--side", "hold"], { env: alice() })).stderr).toMatch(
      /^error: BAD_USAGE: --side/,
    );
    expect((await cli([...base, "--side", "buy", "--market", "DOGE"], { env: alice() })).stderr).toMatch(
      /^error: UNKNOWN_SYMBOL: /,
    );
    expect((await cli([...base, "--side", "buy", "--post-only", "--ioc"], { env: alice() })).stderr).toMatch(
      /^error: BAD_FLAGS: /,
    );
    expect(
      (
        await cli(["order", "--market", "BTC", "--side", "buy", "--size", "0.000000001", "--price", "1"], {
          env: alice(),
        })
      ).stderr,
    ).toMatch(/^error: BAD_DECIMAL: /);
    expect((await cli([...base, "--side", "buy", "--size", "1000"], { env: alice() })).stderr).toMatch(
      /^error: UNDER_MARGINED: /,
    );
    expect((await cli(["order", "--market", "BTC", "--side", "buy"], { env: alice() })).stderr).toMatch(
      /^error: BAD_USAGE: .*--size/,
    );
  });

  it("cancels by order id, by client id and all at once", async () => {
    const one = await cli(["cancel", makerId], { env: alice() });
    expect(one.stdout).toMatch(
      new RegExp(`^order ${makerId} \\(.+\\): cancelled, filled 0\\.05 before the cancel\\n$`),
    );
    expect((await cli(["cancel", makerId], { env: alice() })).stderr).toMatch(/^error: ORDER_NOT_FOUND: /);
    json(
      await cli(
        [
          "order",
          "--market",
          "ETH-PERP",
          "--side",
          "buy",
          "--size",
          "1",
          "--price",
          "2000",
          "--client-id",
          "eth-bid",
          "--json",
        ],
        { env: alice() },
      ),
    );
    expect(json(await cli(["cancel", "--client-id", "eth-bid", "--json"], { env: alice() })).status).toBe(
      "cancelled",
    );
    const ids = [];
    for (const p of ["40000", "41000"])
      ids.push(
        json(
          await cli(["order", "--market", "BTC", "--side", "buy", "--size", "0.01", "--price", p, "--json"], {
            env: alice(),
          }),
        ).orderId,
      );
    const all = json(await cli(["cancel", "--all", "--market", "BTC", "--json"], { env: alice() }));
    expect([...(all.cancelled as string[])].sort()).toEqual([...ids].sort());
    expect((await cli(["cancel"], { env: alice() })).stderr).toMatch(/^error: BAD_USAGE: name exactly one/);
  });
});

describe("account", () => {
  it("[I14] shows balances, positions and margin, and verifies the account against the contract's settled root", async () => {
    await settled();
    const view = json(await cli(["account", "--json"], { env: alice() }));
    const acct = view.account as {
      accountIndex: string;
      balances: string[];
      positions: { market: number; size: string }[];
    };
    expect(acct.accountIndex).toBe(aliceIndex);
    expect(acct.balances[1]).toBe("50000000");
    expect(acct.positions).toEqual([{ market: 0, size: "-5000000", fundingIndex: expect.any(String) }]);
    const mirror = view.mirror as { status: string; root: string; batchNumber: string };
    expect(mirror.status).toBe("verified");
    expect(BigInt(mirror.root)).toBe(await w.rollup.getFunction("stateRoot")());
    expect(BigInt(mirror.batchNumber)).toBe(await w.rollup.getFunction("batchNumber")());

    const text = await cli(["account", "--orders", "--fills"], { env: alice() });
    expect(text.stderr).toBe("");
    expect(text.stdout).toMatch(/^account \d+ \(active\), withdrawal nonce 0/);
    expect(text.stdout).toMatch(/^ {2}collateral ETH\s+0\.5$/m);
    expect(text.stdout).toMatch(/^ {2}position BTC\s+-0\.05 /m);
    expect(text.stdout).toMatch(/^ {2}total value {10}\S+ USD$/m);
    expect(text.stdout).toMatch(/^ {2}fill sell BTC 0\.05 @ 60100, fee \S+ USD \(maker, batch \d+\)$/m);
    expect(text.stdout).toMatch(
      /^ {2}L1 check {13}verified: the leaf preimage and path match the root settled on L1 for batch \d+/m,
    );
  });

  it("reports a sequencer that serves a doctored leaf as a MISMATCH and fails", async () => {
    // A proxy in front of the sequencer that adds 1 USD to the quote balance in the proof it forwards.
    const proxy: Server = createServer(async (req, res) => {
      const body = await new Promise<string>((ok) => {
        let b = "";
        req.on("data", (d: Buffer) => (b += d.toString())).on("end", () => ok(b));
      });
      const up = await fetch(`${r.url}${req.url}`, {
        method: req.method,
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(([k]) => k.startsWith("x-zkm") || k === "content-type"),
        ) as Record<string, string>,
        ...(body ? { body } : {}),
      });
      let text = await up.text();
      if (req.url?.endsWith("/proof") && up.ok) {
        const p = JSON.parse(text) as { account: { quote: string } };
        p.account.quote = (BigInt(p.account.quote) + 10n ** 16n).toString();
        text = JSON.stringify(p);
      }
      res.writeHead(up.status, { "content-type": "application/json" }).end(text);
    });
    await new Promise<void>((ok) => proxy.listen(0, "127.0.0.1", ok));
    try {
      const port = (proxy.address() as { port: number }).port;
      const run = await cli(["account", "--sequencer", `http://127.0.0.1:${port}`], { env: alice() });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/L1 check {13}MISMATCH for batch \d+:\n {4}LEAF_MISMATCH: /);
      expect(run.stderr).toMatch(/^error: MIRROR_MISMATCH: LEAF_MISMATCH: .*ROOT_MISMATCH: .+\n$/);
    } finally {
      await new Promise((ok) => proxy.close(ok));
    }
  });

  it("without --rpc checks the path only against the sequencer's own root, and says so", async () => {
    const noChain = join(dir, "no-rpc.json");
    writeFileSync(
      noChain,
      JSON.stringify({ chainId: w.domain.chainId.toString(), contract: w.address, sequencer: r.url }),
    );
    const run = await cli(["account", "--deployment", noChain], { env: alice() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/L1 check {13}not done: .* pass --rpc to compare with L1/);
    expect(
      (await cli(["account"], { env: { ...alice(), ZKMARGIN_KEY_PASSWORD: "wrong password!" } })).stderr,
    ).toMatch(/^error: WRONG_PASSWORD/);
  });
});

describe("withdraw", () => {
  it("signs a withdrawal with the account nonce; once settled, --claim pulls the tokens to the signed recipient", async () => {
    const to = await l1Address(ALICE_L1);
    const before = await tokenBalance(QUOTE, to);
    const req = json(
      await cli(["withdraw", "--asset", "quote", "--amount", "100", "--to", to, "--json"], { env: alice() }),
    );
    expect(req).toMatchObject({ status: "accepted", nonce: "0", asset: 0, amount: "10000000000" });
    await settled();
    expect(json(await cli(["account", "--json"], { env: alice() })).account).toMatchObject({ nonce: "1" });
    const pulled = json(
      await cli(["withdraw", "--claim", "--asset", "0", "--from", ALICE_L1, "--json"], { env: alice() }),
    );
    // 100 USD of quote back at 6 decimals.
    expect(pulled.tokenAmount).toBe("100000000");
    expect(String(pulled.to).toLowerCase()).toBe(to.toLowerCase());
    expect(await tokenBalance(QUOTE, to)).toBe(before + 100_000_000n);
    expect(
      (await cli(["withdraw", "--claim", "--asset", "0", "--from", ALICE_L1], { env: alice() })).stderr,
    ).toMatch(/^error: CONTRACT_NOTHING_TO_WITHDRAW: /);
  });

  it("refuses an incomplete or impossible withdrawal with one error line", async () => {
    const to = await l1Address(BOB_L1);
    expect((await cli(["withdraw", "--asset", "0", "--to", to], { env: bob() })).stderr).toMatch(
      /^error: BAD_USAGE: /,
    );
    expect(
      (await cli(["withdraw", "--asset", "0", "--amount", "1", "--to", "0x1234"], { env: bob() })).stderr,
    ).toMatch(/^error: BAD_INPUT: /);
    expect(
      (await cli(["withdraw", "--asset", "0", "--amount", "5000", "--to", to], { env: bob() })).stderr,
    ).toMatch(/^error: INSUFFICIENT_BALANCE: /);
    expect(
      (await cli(["withdraw", "--asset", "DOGE", "--amount", "1", "--to", to], { env: bob() })).stderr,
    ).toMatch(/^error: UNKNOWN_SYMBOL: /);
  });
});
