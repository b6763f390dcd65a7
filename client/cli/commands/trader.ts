// The trader commands of the `zkmargin` CLI — keys, deposit, order, cancel, account, withdraw — as a thin layer over
// the SDK (client/sdk). Only commander is loaded when the program is built; the SDK (and with it circomlibjs and
// ethers) is imported inside each action, so `zkmargin --help` stays instant. Secrets never travel on the command
// line, where `ps` would show them: the key file password comes from ZKMARGIN_KEY_PASSWORD or a prompt, an L1 key
// from ZKMARGIN_ETH_KEY, a seed to import from stdin. Amounts and prices are decimal strings in human units, parsed
// exactly. Failures are the CLI's one line `error: <CODE>: <message>` (errors.ts), with the SDK's or the
// sequencer's code.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import type { JsonRpcProvider } from "ethers";
import type * as Sdk from "../../sdk/index.js";
import type { Domain } from "../../../protocol/index.js";
import { CliError } from "../errors.js";

export const ENV = {
  sequencer: "ZKMARGIN_SEQUENCER",
  rpc: "ZKMARGIN_RPC",
  key: "ZKMARGIN_KEY",
  deployment: "ZKMARGIN_DEPLOYMENT",
  password: "ZKMARGIN_KEY_PASSWORD",
  passphrase: "ZKMARGIN_PASSPHRASE",
  ethKey: "ZKMARGIN_ETH_KEY",
} as const;

const DEFAULT_SEQUENCER = "http://127.0.0.1:8080";
const DEFAULT_EXPIRY = "7d";

/** Where the commands talk to the world; tests pass their own. */
export interface TraderIo {
  /** One line of the command's result (stdout). */
  out(line: string): void;
  /** Notes and prompts (stderr). */
  err(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A secret typed by the user: hidden on a terminal, else the next line of stdin. */
  readSecret(prompt: string): Promise<string>;
  /** Whether a human can answer prompts (so a new password is asked twice). */
  readonly interactive: boolean;
  now(): number;
}

let stdinLines: AsyncIterator<string> | null = null;

async function readSecretFromProcess(prompt: string): Promise<string> {
  if (process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    // Echo nothing after the prompt: the secret must not land on the screen or in a terminal log.
    const muted = rl as unknown as { _writeToOutput(s: string): void };
    let prompted = false;
    muted._writeToOutput = (s: string) => {
      if (!prompted) {
        process.stderr.write(s);
        prompted = true;
      }
    };
    try {
      return await new Promise<string>((resolve) => rl.question(prompt, resolve));
    } finally {
      process.stderr.write("\n");
      rl.close();
    }
  }
  stdinLines ??= createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const next = await stdinLines.next();
  if (next.done) throw new CliError("BAD_USAGE", `${prompt.replace(/:\s*$/, "")}: nothing on stdin`);
  return next.value;
}

export function processIo(): TraderIo {
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    env: process.env,
    readSecret: readSecretFromProcess,
    interactive: process.stdin.isTTY === true,
    now: Date.now,
  };
}

// ---------------------------------------------------------------- shared options

interface KeyOpts {
  key?: string;
  json?: boolean;
}

interface ConnOpts extends KeyOpts {
  sequencer?: string;
  rpc?: string;
  deployment?: string;
  contract?: string;
  chainId?: string;
}

function keyOption(cmd: Command): Command {
  return cmd
    .option("--key <file>", `encrypted key file (default $${ENV.key}, else ~/.zkmargin/key.json)`)
    .option("--json", "print one JSON object instead of text");
}

function connOptions(cmd: Command, o: { rpc: "optional" | "needed" | "none" }): Command {
  keyOption(cmd)
    .option("--sequencer <url>", `sequencer API (default $${ENV.sequencer}, else ${DEFAULT_SEQUENCER})`)
    .option(
      "--deployment <file>",
      `deployment JSON with chainId, contract and optionally paramSet, sequencer, rpc (default $${ENV.deployment})`,
    )
    .option("--contract <address>", "rollup contract address (overrides the deployment file)")
    .option(
      "--chain-id <n>",
      "chain id the signatures bind (default: the deployment file's, else asked of --rpc)",
    );
  if (o.rpc !== "none")
    cmd.option(
      "--rpc <url>",
      `L1 JSON-RPC endpoint (default $${ENV.rpc})${o.rpc === "needed" ? "" : "; with it, the account is checked against the root settled on L1"}`,
    );
  return cmd;
}

function keyPath(o: KeyOpts, io: TraderIo): string {
  return o.key ?? io.env[ENV.key] ?? join(homedir(), ".zkmargin", "key.json");
}

/** The slot records live beside the key file, so they follow the key around. */
function slotsPath(key: string): string {
  return key.endsWith(".json") ? `${key.slice(0, -5)}.slots.json` : `${key}.slots.json`;
}

interface DeploymentFile {
  chainId?: string | number;
  contract?: string;
  rollup?: string;
  paramSet?: string;
  set?: string;
  sequencer?: string;
  rpc?: string;
}

function readDeployment(o: ConnOpts, io: TraderIo): DeploymentFile {
  const path = o.deployment ?? io.env[ENV.deployment];
  if (path === undefined) return {};
  if (!existsSync(path)) throw new CliError("INPUT_NOT_FOUND", `--deployment ${path}: no such file`);
  let d: unknown;
  try {
    d = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new CliError("BAD_JSON", `--deployment ${path} is not JSON`);
  }
  if (!d || typeof d !== "object")
    throw new CliError("BAD_INPUT", `--deployment ${path}: expected an object`);
  return d as DeploymentFile;
}

interface Conn {
  readonly sdk: typeof Sdk;
  readonly dep: DeploymentFile;
  readonly sequencerUrl: string;
  readonly rpcUrl: string | undefined;
}

async function conn(o: ConnOpts, io: TraderIo): Promise<Conn> {
  const dep = readDeployment(o, io);
  const sdk = await import("../../sdk/index.js");
  return {
    sdk,
    dep,
    sequencerUrl: o.sequencer ?? io.env[ENV.sequencer] ?? dep.sequencer ?? DEFAULT_SEQUENCER,
    rpcUrl: o.rpc ?? io.env[ENV.rpc] ?? dep.rpc,
  };
}

async function domainOf(
  c: Conn,
  o: ConnOpts,
  provider: { getNetwork(): Promise<{ chainId: bigint }> } | null,
): Promise<Domain> {
  const { makeDomain } = await import("../../../protocol/index.js");
  const contract = o.contract ?? c.dep.contract ?? c.dep.rollup;
  if (contract === undefined)
    throw new CliError(
      "BAD_USAGE",
      "the rollup contract is unknown: pass --deployment FILE or --contract ADDRESS",
    );
  if (!/^0x[0-9a-fA-F]{40}$/.test(contract))
    throw new CliError("BAD_USAGE", `"${contract}" is not a contract address (0x and 40 hex digits)`);
  let chainId: bigint | undefined;
  const given = o.chainId ?? (c.dep.chainId !== undefined ? String(c.dep.chainId) : undefined);
  if (given !== undefined) {
    if (!/^[0-9]{1,20}$/.test(given))
      throw new CliError("BAD_USAGE", `chain id "${given}" is not a whole number`);
    chainId = BigInt(given);
  } else if (provider) {
    chainId = (await provider.getNetwork()).chainId;
  }
  if (chainId === undefined)
    throw new CliError(
      "BAD_USAGE",
      "the chain id is unknown: pass --chain-id N, --rpc URL or --deployment FILE",
    );
  return makeDomain(chainId, contract);
}

async function password(io: TraderIo, fresh: boolean): Promise<string> {
  const fromEnv = io.env[ENV.password];
  if (fromEnv !== undefined) return fromEnv;
  const p = await io.readSecret(fresh ? "new key file password: " : "key file password: ");
  if (fresh && io.interactive && (await io.readSecret("repeat the password: ")) !== p)
    throw new CliError("BAD_INPUT", "the two passwords differ");
  return p;
}

async function unlock(
  sdk: typeof Sdk,
  o: KeyOpts,
  io: TraderIo,
): Promise<{ key: Sdk.TraderKey; path: string }> {
  const path = keyPath(o, io);
  // Read the header first, so a missing file is reported before any password is asked for.
  const header = await sdk.readKeyFileHeader(path);
  return { key: await sdk.decryptKey(header, await password(io, false)), path };
}

async function l1SignerOf(
  sdk: typeof Sdk,
  provider: JsonRpcProvider,
  from: string | undefined,
  io: TraderIo,
) {
  const pk = io.env[ENV.ethKey];
  if (pk !== undefined) return sdk.l1Signer(provider, { privateKey: pk });
  if (from !== undefined) return sdk.l1Signer(provider, { account: from });
  throw new CliError(
    "BAD_USAGE",
    `no L1 account: set $${ENV.ethKey} to a private key, or pass --from N (an account the node holds unlocked)`,
  );
}

function show(io: TraderIo, json: boolean | undefined, data: unknown, text: () => string[]): void {
  if (json) io.out(JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  else for (const l of text()) io.out(l);
}

/** A market by id or symbol (case-insensitive), from the sequencer's market list. */
function marketOf(m: Sdk.MarketsView, s: string): Sdk.MarketView {
  const found = /^[0-9]{1,3}$/.test(s)
    ? m.markets.find((x) => x.market === Number(s))
    : m.markets.find((x) => x.symbol.toLowerCase() === s.toLowerCase());
  if (!found)
    throw new CliError(
      "UNKNOWN_SYMBOL",
      `no market "${s}" (markets: ${m.markets.map((x) => `${x.market} ${x.symbol}`).join(", ")})`,
    );
  return found;
}

/** An asset by id, symbol, or "quote"/"USD" for asset 0. */
function assetOf(m: Sdk.MarketsView, s: string): { asset: number; symbol: string } {
  if (/^[0-9]{1,3}$/.test(s)) {
    const a = Number(s);
    if (a === 0) return { asset: 0, symbol: "USD" };
    const c = m.collaterals.find((x) => x.asset === a);
    if (!c)
      throw new CliError(
        "UNKNOWN_SYMBOL",
        `no asset ${a} (0 = quote, 1..${m.collaterals.length} collateral)`,
      );
    return { asset: a, symbol: c.symbol };
  }
  if (["quote", "usd"].includes(s.toLowerCase())) return { asset: 0, symbol: "USD" };
  const c = m.collaterals.find((x) => x.symbol.toLowerCase() === s.toLowerCase());
  if (!c)
    throw new CliError(
      "UNKNOWN_SYMBOL",
      `no asset "${s}" (quote, ${m.collaterals.map((x) => x.symbol).join(", ")})`,
    );
  return { asset: c.asset, symbol: c.symbol };
}

const short = (v: bigint | string): string => {
  const h = BigInt(v).toString(16).padStart(64, "0");
  return `0x${h.slice(0, 10)}…${h.slice(-6)}`;
};

// ---------------------------------------------------------------- commands

export function registerTraderCommands(program: Command, io: TraderIo = processIo()): void {
  registerKeys(program, io);
  registerDeposit(program, io);
  registerOrder(program, io);
  registerCancel(program, io);
  registerAccount(program, io);
  registerWithdraw(program, io);
}

function registerKeys(program: Command, io: TraderIo): void {
  const keys = program
    .command("keys")
    .summary("create, import or show the trader key (an encrypted key file)")
    .description(
      "The trader's Baby Jubjub key, in a key file encrypted with a password (scrypt + AES-256-GCM). " +
        `The password comes from $${ENV.password}, else it is asked for on the terminal (or read from stdin).`,
    );

  keyOption(
    keys
      .command("new")
      .summary("create a key file with a new random key (or one derived from a passphrase)")
      .description(
        "Creates a key file with a fresh random key. With --derive the key is derived from a passphrase instead " +
          `($${ENV.passphrase} or a prompt; at least 12 characters), so the same passphrase recreates it anywhere — ` +
          "only as strong as the passphrase. Prints the public key.",
      )
      .option("--derive", "derive the key from a passphrase instead of drawing it at random")
      .option("--force", "replace an existing key file (its key is lost unless backed up)"),
  ).action(async (o: KeyOpts & { derive?: boolean; force?: boolean }) => {
    const sdk = await import("../../sdk/index.js");
    const path = keyPath(o, io);
    if (existsSync(path) && !o.force)
      throw new CliError("BAD_USAGE", `${path} exists; pass --force to replace it (its key is then lost)`);
    let key: Sdk.TraderKey;
    if (o.derive) {
      const phrase = io.env[ENV.passphrase] ?? (await io.readSecret("passphrase: "));
      key = await sdk.TraderKey.fromPassphrase(phrase);
    } else key = sdk.TraderKey.generate();
    await sdk.writeKeyFile(path, key, await password(io, true), { force: o.force === true });
    const pk = { x: key.publicKey.x.toString(), y: key.publicKey.y.toString() };
    show(io, o.json, { path, publicKey: pk }, () => [
      `key written to ${path}`,
      `public key x ${pk.x}`,
      `public key y ${pk.y}`,
    ]);
  });

  keyOption(
    keys
      .command("import")
      .summary("create a key file from an existing 32-byte secret read from stdin")
      .description(
        "Reads the secret (64 hex digits) from stdin — or a hidden prompt on a terminal — never from the " +
          "command line, and writes it to an encrypted key file. Example: `zkmargin keys import < secret.hex`.",
      )
      .option("--force", "replace an existing key file (its key is then lost unless backed up)"),
  ).action(async (o: KeyOpts & { force?: boolean }) => {
    const sdk = await import("../../sdk/index.js");
    const path = keyPath(o, io);
    if (existsSync(path) && !o.force)
      throw new CliError("BAD_USAGE", `${path} exists; pass --force to replace it (its key is then lost)`);
    const key = sdk.TraderKey.fromSeed(await io.readSecret("secret (64 hex digits): "));
    await sdk.writeKeyFile(path, key, await password(io, true), { force: o.force === true });
    const pk = { x: key.publicKey.x.toString(), y: key.publicKey.y.toString() };
    show(io, o.json, { path, publicKey: pk }, () => [
      `key written to ${path}`,
      `public key x ${pk.x}`,
      `public key y ${pk.y}`,
    ]);
  });

  keyOption(
    keys
      .command("show")
      .summary("print the public key of a key file")
      .description(
        "Prints the key file's public key and encryption parameters; the public key is stored in clear, so no " +
          "password is needed unless --check asks to unlock the file.",
      )
      .option("--check", "also unlock the file with the password, to check it"),
  ).action(async (o: KeyOpts & { check?: boolean }) => {
    const sdk = await import("../../sdk/index.js");
    const path = keyPath(o, io);
    const h = await sdk.readKeyFileHeader(path);
    if (o.check) await sdk.decryptKey(h, await password(io, false));
    const data = {
      path,
      version: h.version,
      publicKey: h.publicKey,
      kdf: { name: h.kdf.name, N: h.kdf.N, r: h.kdf.r, p: h.kdf.p },
      cipher: h.cipher.name,
      ...(o.check ? { passwordOk: true } : {}),
    };
    show(io, o.json, data, () => [
      `key file ${path} (version ${h.version}, scrypt N=${h.kdf.N} r=${h.kdf.r} p=${h.kdf.p}, ${h.cipher.name})`,
      `public key x ${h.publicKey.x}`,
      `public key y ${h.publicKey.y}`,
      ...(o.check ? ["password OK"] : []),
    ]);
  });
}

function registerDeposit(program: Command, io: TraderIo): void {
  connOptions(
    program
      .command("deposit")
      .summary("deposit collateral from L1 into your account (ERC-20 approve + deposit)")
      .description(
        "Deposits tokens into the account of your key: asks the sequencer for the account index (reserving one " +
          "for a new key), approves the rollup for exactly the amount and calls its deposit. The first deposit " +
          "registers your key at the index on L1. Prints the L1 queue position; the sequencer credits the deposit " +
          `once it consumes that position. L1 account: $${ENV.ethKey} (a private key) or --from N.`,
      )
      .requiredOption("--asset <asset>", "asset id (0 = quote) or the token's symbol")
      .requiredOption("--amount <decimal>", "whole tokens, e.g. 1000 or 0.5 (at most 8 decimals)")
      .option(
        "--from <account>",
        "an account the node holds unlocked: its number in eth_accounts, or its address",
      )
      .option("--account-index <n>", "deposit into this index instead of asking the sequencer"),
    { rpc: "needed" },
  ).action(async (o: ConnOpts & { asset: string; amount: string; from?: string; accountIndex?: string }) => {
    const c = await conn(o, io);
    const { sdk } = c;
    if (c.rpcUrl === undefined) throw new CliError("BAD_USAGE", `a deposit needs --rpc URL (or $${ENV.rpc})`);
    const provider = await sdk.connectRpc(c.rpcUrl);
    try {
      const domain = await domainOf(c, o, provider);
      const { key } = await unlock(sdk, o, io);
      const chain = new sdk.RollupChain(`0x${domain.contract.toString(16).padStart(40, "0")}`, provider);
      let index: bigint;
      if (o.accountIndex !== undefined) {
        if (!/^[0-9]{1,20}$/.test(o.accountIndex))
          throw new CliError("BAD_USAGE", "--account-index must be a whole number");
        index = BigInt(o.accountIndex);
      } else {
        const client = new sdk.SequencerClient({ baseUrl: c.sequencerUrl });
        index = BigInt((await client.register(key.publicKey)).accountIndex);
      }
      let assetId: number;
      if (/^[0-9]{1,3}$/.test(o.asset)) assetId = Number(o.asset);
      else {
        assetId = -1;
        const count = Number(await chain.contract.getFunction("collateralCount")());
        for (let a = 0; a <= count && assetId < 0; a++)
          if ((await chain.asset(a)).symbol.toLowerCase() === o.asset.toLowerCase()) assetId = a;
        if (assetId < 0)
          throw new CliError("UNKNOWN_SYMBOL", `no token "${o.asset}" in the rollup's asset list`);
      }
      const info = await chain.asset(assetId);
      const tokenAmount = sdk.tokenUnits(o.amount, info.decimals);
      const signer = await l1SignerOf(sdk, provider, o.from, io);
      const r = await chain.deposit(signer, {
        accountIndex: index,
        publicKey: key.publicKey,
        asset: assetId,
        tokenAmount,
      });
      show(io, o.json, { ...r, symbol: info.symbol, from: await signer.getAddress() }, () => [
        `deposit #${r.depositId}: ${o.amount} ${info.symbol} into account ${r.accountIndex} (tx ${r.txHash})`,
        `the sequencer credits it once it consumes L1 deposit #${r.depositId}`,
      ]);
    } finally {
      provider.destroy();
    }
  });
}

/** The pieces every sequencer-facing command needs: SDK, domain, unlocked key, a Trader with its index. */
async function session(o: ConnOpts, io: TraderIo, useChain: boolean) {
  const c = await conn(o, io);
  const { sdk } = c;
  // Order and cancel need the chain only to learn the chain id, when nothing else gives it.
  const chainIdKnown = o.chainId !== undefined || c.dep.chainId !== undefined;
  const provider =
    c.rpcUrl !== undefined && (useChain || !chainIdKnown) ? await sdk.connectRpc(c.rpcUrl) : null;
  try {
    const domain = await domainOf(c, o, provider);
    const { key, path } = await unlock(sdk, o, io);
    const client = new sdk.SequencerClient({ baseUrl: c.sequencerUrl });
    const { paramSet } = await import("../../../protocol/index.js");
    const set = c.dep.paramSet ?? c.dep.set;
    const trader = new sdk.Trader({
      key,
      domain,
      client,
      slots: new sdk.FileSlotStore(slotsPath(path)),
      ...(set !== undefined ? { paramSet: paramSet(set).name } : {}),
    });
    const reg = await trader.register();
    return { c, sdk, domain, key, trader, client, provider, status: reg.status };
  } catch (e) {
    provider?.destroy();
    throw e;
  }
}

function registerOrder(program: Command, io: TraderIo): void {
  connOptions(
    program
      .command("order")
      .summary("place a signed limit order")
      .description(
        "Signs and places a limit order. Sizes are in contract units and prices in USD, as decimals (at most 8 " +
          "decimals). The SDK picks a free order slot and its next nonce, remembered in a file beside the key " +
          "file. --max-fee is the highest fee you accept as a fraction of the notional (default: the sequencer's " +
          "highest fee rate); --expiry a duration (30m, 12h, 7d) or unix seconds.",
      )
      .requiredOption("--market <market>", "market id or symbol (e.g. BTC)")
      .requiredOption("--side <side>", "buy or sell")
      .requiredOption("--size <decimal>", "contract units, e.g. 0.25")
      .requiredOption("--price <decimal>", "limit price in USD, e.g. 60000")
      .option("--post-only", "rest on the book or be refused; never take liquidity")
      .option("--ioc", "immediate-or-cancel: fill what crosses now, cancel the rest")
      .option("--reduce-only", "only reduce an open position (enforced by the circuit)")
      .option("--expiry <when>", "duration from now or unix seconds", DEFAULT_EXPIRY)
      .option("--max-fee <rate>", "highest fee accepted, as a fraction of notional (e.g. 0.001)")
      .option("--slot <n>", "order slot to use; replaces the order open in it")
      .option("--client-id <id>", "idempotency key (retrying with it never places twice)"),
    { rpc: "none" },
  ).action(
    async (
      o: ConnOpts & {
        market: string;
        side: string;
        size: string;
        price: string;
        postOnly?: boolean;
        ioc?: boolean;
        reduceOnly?: boolean;
        expiry: string;
        maxFee?: string;
        slot?: string;
        clientId?: string;
      },
    ) => {
      const side = o.side.toLowerCase();
      if (side !== "buy" && side !== "sell") throw new CliError("BAD_USAGE", "--side is buy or sell");
      if (o.slot !== undefined && !/^[0-9]{1,10}$/.test(o.slot))
        throw new CliError("BAD_USAGE", "--slot must be a whole number");
      const s = await session(o, io, false);
      try {
        const { sdk } = s;
        const markets = await s.client.markets();
        const m = marketOf(markets, o.market);
        const fees = markets.fees;
        const maxFee =
          o.maxFee !== undefined
            ? sdk.parseFeeRate(o.maxFee)
            : BigInt(fees.takerPpm) > BigInt(fees.makerPpm)
              ? BigInt(fees.takerPpm)
              : BigInt(fees.makerPpm);
        const r = await s.trader.placeOrder({
          market: m.market,
          isBuy: side === "buy",
          size: sdk.parseAmount(o.size, "size"),
          limitPrice: sdk.parsePrice(o.price),
          expiry: sdk.parseExpiry(o.expiry, BigInt(Math.floor(io.now() / 1000))),
          maxFee,
          ...(o.postOnly ? { postOnly: true } : {}),
          ...(o.ioc ? { ioc: true } : {}),
          ...(o.reduceOnly ? { reduceOnly: true } : {}),
          ...(o.slot !== undefined ? { slot: BigInt(o.slot) } : {}),
          ...(o.clientId !== undefined ? { clientOrderId: o.clientId } : {}),
        });
        show(io, o.json, r, () => [
          `order ${r.orderId} (${side} ${o.size} ${m.symbol} @ ${o.price}, slot ${r.slot}, nonce ${r.nonce}): ${r.status}, ` +
            `filled ${sdk.formatAmount(BigInt(r.filled))} of ${sdk.formatAmount(BigInt(r.size))}` +
            (r.reason ? ` (${r.reason.code}: ${r.reason.message})` : ""),
          ...r.fills.map(
            (f) =>
              `  fill ${sdk.formatAmount(BigInt(f.size))} @ ${sdk.formatPrice(BigInt(f.price))}, fee ${sdk.formatUsd(BigInt(f.fee))} USD (${f.liquidity})`,
          ),
        ]);
      } finally {
        s.provider?.destroy();
      }
    },
  );
}

function registerCancel(program: Command, io: TraderIo): void {
  connOptions(
    program
      .command("cancel")
      .summary("cancel an order (by id or client id) or all of them")
      .description(
        "Cancels one open order by its order id or client id, or all open orders (of one market with --market). " +
          "Cancellation is off-chain; an order that must never fill is also bounded by its expiry.",
      )
      .argument("[orderId]", "the order id the sequencer gave")
      .option("--client-id <id>", "the client id the order was placed with")
      .option("--all", "cancel every open order")
      .option("--market <market>", "with --all: only this market"),
    { rpc: "none" },
  ).action(
    async (
      orderId: string | undefined,
      o: ConnOpts & { clientId?: string; all?: boolean; market?: string },
    ) => {
      const ways = [orderId !== undefined, o.clientId !== undefined, o.all === true].filter(Boolean).length;
      if (ways !== 1)
        throw new CliError("BAD_USAGE", "name exactly one of: an order id, --client-id ID, --all");
      if (o.market !== undefined && !o.all) throw new CliError("BAD_USAGE", "--market goes with --all");
      const s = await session(o, io, false);
      try {
        if (o.all) {
          const market =
            o.market !== undefined ? marketOf(await s.client.markets(), o.market).market : undefined;
          const r = await s.client.cancelAll(market);
          show(io, o.json, r, () => [
            `cancelled ${r.cancelled.length} order(s)${r.cancelled.length ? `: ${r.cancelled.join(", ")}` : ""}`,
          ]);
          return;
        }
        const r =
          orderId !== undefined
            ? await s.client.cancelById(orderId)
            : await s.client.cancel({ clientOrderId: o.clientId! });
        show(io, o.json, r, () => [
          `order ${r.orderId} (${r.clientOrderId}): ${r.status}, filled ${s.sdk.formatAmount(BigInt(r.filled))} before the cancel`,
        ]);
      } finally {
        s.provider?.destroy();
      }
    },
  );
}

function registerAccount(program: Command, io: TraderIo): void {
  connOptions(
    program
      .command("account")
      .summary("your account: balances, positions, margin, and the check against the L1 root")
      .description(
        "Shows the account of your key as the sequencer holds it (balances, positions, total value, maintenance " +
          "and initial requirement, in USD), then checks the account against the chain: the leaf preimage and " +
          "Merkle path the sequencer serves for the last settled batch are hashed with the protocol model and " +
          "compared with the root the rollup contract settled (--rpc). A mismatch is an error (exit code 1).",
      )
      .option("--orders", "also list open orders")
      .option("--fills", "also list recent fills")
      .option("--no-mirror", "skip the check against the settled root"),
    { rpc: "optional" },
  ).action(async (o: ConnOpts & { orders?: boolean; fills?: boolean; mirror: boolean }) => {
    const s = await session(o, io, true);
    try {
      const { sdk, client, trader } = s;
      const [a, markets] = await Promise.all([client.account(), client.markets()]);
      const orders = o.orders ? (await client.orders()).open : null;
      const fills = o.fills ? (await client.fills({ limit: 20 })).fills : null;
      let mirror: Sdk.MirrorCheck | null = null;
      if (o.mirror) {
        if (s.provider) {
          const chain = new sdk.RollupChain(
            `0x${s.domain.contract.toString(16).padStart(40, "0")}`,
            s.provider,
          );
          mirror = await trader.checkMirror(chain.rootSource());
        } else {
          // No chain to ask: the path is still checked against the sequencer's own root claim.
          mirror = await trader.mirror().check(await client.proof(), null, undefined, "none");
        }
      }
      const symbolOfMarket = (m: number) =>
        markets.markets.find((x) => x.market === m)?.symbol ?? `market ${m}`;
      const usd = (v: string) => `${sdk.formatUsd(BigInt(v))} USD`;
      const mirrorJson = mirror ? sdk.AccountMirror.serialize(mirror) : null;
      show(
        io,
        o.json,
        { account: a, ...(orders ? { orders } : {}), ...(fills ? { fills } : {}), mirror: mirrorJson },
        () => {
          const lines = [
            `account ${a.accountIndex} (${a.status}), withdrawal nonce ${a.nonce}, changes go into batch ${a.pendingBatch}`,
            `  quote                ${usd(a.quote)}`,
            ...a.balances.map((b, c) => {
              const sym = markets.collaterals.find((x) => x.asset === c + 1)?.symbol ?? `asset ${c + 1}`;
              return `  collateral ${sym.padEnd(9)} ${sdk.formatAmount(BigInt(b))}`;
            }),
            ...(a.positions.length === 0
              ? ["  positions            none"]
              : a.positions.map(
                  (p) =>
                    `  position ${symbolOfMarket(p.market).padEnd(11)} ${sdk.formatAmount(BigInt(p.size))} (funding index ${sdk.formatPrice(BigInt(p.fundingIndex))})`,
                )),
            `  total value          ${usd(a.margin.totalValue)}`,
            `  maintenance margin   ${usd(a.margin.maintenance)}`,
            `  initial margin       ${usd(a.margin.initial)}`,
            `  unsettled funding    ${usd(a.margin.unsettledFunding)}`,
            `  healthy ${a.margin.healthy ? "yes" : "NO"}, liquidatable ${a.margin.liquidatable ? "YES" : "no"}, open orders ${a.openOrders}`,
          ];
          for (const x of orders ?? [])
            lines.push(
              `  open ${x.orderId} ${x.isBuy ? "buy" : "sell"} ${symbolOfMarket(x.market)} ${sdk.formatAmount(BigInt(x.remaining))} @ ${sdk.formatPrice(BigInt(x.price))} (client id ${x.clientOrderId})`,
            );
          for (const f of fills ?? [])
            lines.push(
              `  fill ${f.isBuy ? "buy" : "sell"} ${symbolOfMarket(f.market)} ${sdk.formatAmount(BigInt(f.size))} @ ${sdk.formatPrice(BigInt(f.price))}, fee ${usd(f.fee)} (${f.liquidity}, batch ${f.batchNumber})`,
            );
          if (mirror) lines.push(...mirrorLines(mirror, s.provider !== null));
          return lines;
        },
      );
      if (mirror?.status === "mismatch") sdk.assertVerified(mirror);
    } finally {
      s.provider?.destroy();
    }
  });
}

function mirrorLines(m: Sdk.MirrorCheck, withL1: boolean): string[] {
  const what = m.empty
    ? "the empty leaf (the account is not in a settled batch yet)"
    : "the leaf preimage and path";
  if (m.status === "verified")
    return [
      `  L1 check             verified: ${what} match the root settled on L1 for batch ${m.batchNumber} (${short(m.computedRoot)})`,
    ];
  if (m.status === "mismatch")
    return [
      `  L1 check             MISMATCH for batch ${m.batchNumber}:`,
      ...m.problems.map((p) => `    ${p.code}: ${p.message}`),
    ];
  if (!withL1)
    return [
      `  L1 check             not done: ${what} for batch ${m.batchNumber} match the sequencer's root ${short(m.computedRoot)}; pass --rpc to compare with L1`,
    ];
  return [`  L1 check             not possible yet: ${m.problems.map((p) => p.message).join("; ")}`];
}

function registerWithdraw(program: Command, io: TraderIo): void {
  connOptions(
    program
      .command("withdraw")
      .summary("withdraw to an L1 address, or pull settled withdrawals from the contract")
      .description(
        "Without --claim: signs a withdrawal of --amount of --asset to the L1 address --to, with the account's " +
          "current withdrawal nonce. Once its batch settles, the contract owes the tokens to that address. " +
          "With --claim: pulls everything the contract owes your L1 account in --asset (its withdraw), using " +
          `$${ENV.ethKey} or --from N; needs --rpc.`,
      )
      .requiredOption("--asset <asset>", "asset id (0 = quote), its symbol, or quote/USD")
      .option("--amount <decimal>", "amount of the asset (at most 8 decimals)")
      .option("--to <address>", "L1 recipient (0x + 40 hex digits)")
      .option("--claim", "pull the tokens the contract owes your L1 account instead")
      .option("--from <account>", "with --claim: an account the node holds unlocked (number or address)"),
    { rpc: "optional" },
  ).action(
    async (o: ConnOpts & { asset: string; amount?: string; to?: string; claim?: boolean; from?: string }) => {
      if (o.claim) {
        if (o.amount !== undefined || o.to !== undefined)
          throw new CliError("BAD_USAGE", "--claim pulls everything owed: it takes no --amount or --to");
        const c = await conn(o, io);
        const { sdk } = c;
        if (c.rpcUrl === undefined)
          throw new CliError("BAD_USAGE", `--claim needs --rpc URL (or $${ENV.rpc})`);
        const provider = await sdk.connectRpc(c.rpcUrl);
        try {
          const domain = await domainOf(c, o, provider);
          const chain = new sdk.RollupChain(`0x${domain.contract.toString(16).padStart(40, "0")}`, provider);
          if (!/^[0-9]{1,3}$/.test(o.asset))
            throw new CliError("BAD_USAGE", "with --claim, --asset is the asset id (0 = quote)");
          const info = await chain.asset(Number(o.asset));
          const signer = await l1SignerOf(sdk, provider, o.from, io);
          const r = await chain.claim(signer, info.asset);
          const to = await signer.getAddress();
          show(io, o.json, { ...r, symbol: info.symbol, to }, () => [
            `pulled ${r.tokenAmount} token units of ${info.symbol} to ${to} (tx ${r.txHash})`,
          ]);
        } finally {
          provider.destroy();
        }
        return;
      }
      const { amount, to } = o;
      if (amount === undefined || to === undefined)
        throw new CliError(
          "BAD_USAGE",
          "a withdrawal needs --amount and --to (or --claim to pull settled ones)",
        );
      const s = await session(o, io, false);
      try {
        const { sdk } = s;
        const a = assetOf(await s.client.markets(), o.asset);
        const r = await s.trader.withdraw({ asset: a.asset, amount: sdk.parseAmount(amount), l1Address: to });
        show(io, o.json, r, () => [
          `withdrawal of ${amount} ${a.symbol} to ${to.toLowerCase()}: ${r.status} (nonce ${r.nonce}, batch ${r.batchNumber})`,
          `once batch ${r.batchNumber} settles, pull it on L1: zkmargin withdraw --claim --asset ${a.asset}`,
        ]);
      } finally {
        s.provider?.destroy();
      }
    },
  );
}
