// Shared fixtures of the batch-circuit tests: the compiled BatchMain at the `test` set (4 slots), a small world on
// the protocol model to build batches in (keys, orders, ops, prices, funding ticks), and the two judgements every
// test makes — the model's batch proves, with the circuit's per-slot state equal to the model's; or an op the model
// rejects has no witness, failing at the circuit line tagged with the model's rejection code.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { Account } from "../../protocol/index.js";
import {
  BatchBuilder,
  ForcedKind,
  Opcode,
  Order,
  RollupState,
  isProtocolError,
  signWithdrawal,
  type BatchHeader,
  type BatchResult,
  type DeleverageOp,
  type DepositOp,
  type ForcedRequest,
  type LiquidateOp,
  type Op,
  type Prices,
  type ProtocolErrorCode,
  type ProtocolParams,
  type SignedOrder,
  type TradeOp,
  type WithdrawOp,
} from "../../protocol/index.js";
import { seededAddress, seededKey, seededSalt, type SeededKey } from "../../client/sim/keys.js";
import { simParams, simPrices } from "../../client/sim/markets.js";
import { Circuit } from "../../circuits/tooling/circuit.js";
import { REPO_ROOT } from "../../circuits/tooling/compile.js";
import { isCircuitToolError } from "../../circuits/tooling/errors.js";
import {
  batchMainParams,
  batchWitness,
  type BatchInputs,
  type BatchWitness,
} from "../../circuits/tooling/batchWitness.js";

export const USD = 10n ** 16n; // Value units
export const UNIT = 10n ** 8n; // Amount and Price units

let compiled: Promise<Circuit> | undefined;

/** BatchMain at the test set's sizes (6, 2, 2, 2, 2, 4 slots), compiled once and cached on disk by content. */
export function batchCircuit(): Promise<Circuit> {
  compiled ??= Circuit.compile(
    {
      file: "circuits/batch/batch.circom",
      template: "BatchMain",
      params: batchMainParams(simParams("test").sizes),
      publics: ["publicInputHash"],
    },
    // The folder `npm run check:circuits` and prover/keys build this main into: one compile serves all three.
    { outRoot: "build/circuits/test/batch" },
  );
  return compiled;
}

export interface Actor {
  readonly index: bigint;
  readonly key: SeededKey;
  readonly l1Address: bigint;
  readonly salt: bigint;
}

export interface OrderSpec {
  readonly slot?: number;
  readonly nonce?: number;
  readonly market?: number;
  readonly buy: boolean;
  readonly size: bigint;
  readonly limit: bigint;
  readonly expiry?: bigint;
  readonly flags?: number;
  readonly maxFee?: bigint;
}

const GENESIS_TIME = 1_767_225_600n;

/** A rollup on the model at the test set, with deterministic actors (index 0 is the insurance fund). */
export class World {
  readonly params: ProtocolParams;
  readonly actors: readonly Actor[];
  state: RollupState;
  time = GENESIS_TIME;
  prices: Prices;
  funding: bigint[];

  constructor(
    readonly name = "world",
    actorCount = 6,
    params: ProtocolParams = simParams("test"),
    prices?: Prices,
  ) {
    this.params = params;
    this.actors = Array.from({ length: actorCount }, (_, i) => ({
      index: BigInt(i),
      key: seededKey(`${name}:${i}`),
      l1Address: seededAddress(`${name}:${i}`),
      salt: seededSalt(`${name}:${i}`),
    }));
    this.state = RollupState.genesis(params, this.actor(0).key.publicKey, this.actor(0).salt);
    this.prices = prices ?? simPrices(params, {});
    this.funding = [...this.state.fundingIndices];
  }

  actor(i: number): Actor {
    const a = this.actors[i];
    if (!a) throw new RangeError(`no actor ${i}`);
    return a;
  }

  account(i: number | bigint): Account {
    return this.state.account(BigInt(i));
  }

  header(over: Partial<BatchHeader> = {}): BatchHeader {
    return { batchTime: this.time + 60n, prices: this.prices, fundingIndices: this.funding, ...over };
  }

  deposit(who: number, asset: number, amount: bigint, key: number = who): DepositOp {
    const k = this.actor(key);
    return {
      opcode: Opcode.DEPOSIT,
      l1Address: k.l1Address,
      accountIndex: BigInt(who),
      pubKeyX: k.key.publicKey.x,
      pubKeyY: k.key.publicKey.y,
      asset,
      amount,
      salt: k.salt,
    };
  }

  order(who: number, o: OrderSpec, signer: number = who): SignedOrder {
    return new Order({
      accountIndex: BigInt(who),
      slot: BigInt(o.slot ?? 0),
      nonce: BigInt(o.nonce ?? 1),
      market: o.market ?? 0,
      isBuy: o.buy,
      size: o.size,
      limitPrice: o.limit,
      expiry: o.expiry ?? this.time + 86_400n,
      flags: o.flags ?? 0,
      maxFee: o.maxFee ?? 1_000n,
    }).sign(this.actor(signer).key.privateKey, this.params.domain);
  }

  trade(
    maker: SignedOrder,
    taker: SignedOrder,
    fill: bigint,
    price: bigint,
    fees: [bigint, bigint] = [0n, 0n],
  ): TradeOp {
    return { opcode: Opcode.TRADE, maker, taker, fill, price, makerFee: fees[0], takerFee: fees[1] };
  }

  withdraw(who: number, asset: number, amount: bigint, nonce?: bigint, signer: number = who): WithdrawOp {
    const w = {
      accountIndex: BigInt(who),
      asset,
      amount,
      l1Address: this.actor(signer).l1Address,
      nonce: nonce ?? this.account(who).nonce,
    };
    return {
      opcode: Opcode.WITHDRAW,
      ...w,
      signature: signWithdrawal(this.actor(signer).key.privateKey, this.params.domain, w),
    };
  }

  liquidate(
    who: number,
    market: number,
    fill: bigint,
    price: bigint,
    penalty = 0n,
    liquidator: SignedOrder | null = null,
    servesForced: ForcedRequest | null = null,
  ): LiquidateOp {
    return {
      opcode: Opcode.LIQUIDATE,
      accountIndex: BigInt(who),
      liquidator,
      market,
      fill,
      price,
      penalty,
      servesForced,
    };
  }

  deleverage(who: number, counterparty: number, market: number, fill: bigint, price: bigint): DeleverageOp {
    return {
      opcode: Opcode.DELEVERAGE,
      accountIndex: BigInt(who),
      counterparty: BigInt(counterparty),
      market,
      fill,
      price,
    };
  }

  settle(who: number): Op {
    return { opcode: Opcode.FUNDING_SETTLE, accountIndex: BigInt(who) };
  }

  forcedRequest(kind: ForcedKind, who: number, by: number, asset = 0, amount = 0n): ForcedRequest {
    const k = this.actor(who).key.publicKey;
    return {
      kind,
      accountIndex: BigInt(who),
      pubKeyX: k.x,
      pubKeyY: k.y,
      asset,
      amount,
      l1Address: this.actor(by).l1Address,
    };
  }

  forcedWithdraw(who: number, asset: number, amount: bigint): Op {
    return {
      opcode: Opcode.FORCED_WITHDRAW,
      request: this.forcedRequest(ForcedKind.WITHDRAWAL, who, who, asset, amount),
    };
  }

  forcedCheck(who: number, by: number): Op {
    return {
      opcode: Opcode.FORCED_LIQUIDATION_CHECK,
      request: this.forcedRequest(ForcedKind.LIQUIDATION, who, by),
    };
  }

  /** Applies `ops` as one batch; every op must be accepted. Advances the world. */
  commit(ops: readonly Op[], over: Partial<BatchHeader> = {}): BatchResult {
    const header = this.header(over);
    const b = new BatchBuilder(this.state, header);
    for (const op of ops) b.apply(op);
    const result = b.finish();
    this.state = result.state;
    this.time = header.batchTime;
    this.prices = header.prices;
    this.funding = [...header.fundingIndices];
    return result;
  }

  /** The batch `ops` would make, without advancing the world. */
  preview(ops: readonly Op[], over: Partial<BatchHeader> = {}): BatchResult {
    const b = new BatchBuilder(this.state, this.header(over));
    for (const op of ops) b.apply(op);
    return b.finish();
  }

  /** The model's verdict on `op` after `prefix` in the next batch: "ok" or the rejection code. */
  verdict(
    prefix: readonly Op[],
    op: Op,
    over: Partial<BatchHeader> = {},
  ): "ok" | ProtocolErrorCode | unknown {
    const b = new BatchBuilder(this.state, this.header(over));
    for (const p of prefix) b.apply(p);
    const err = b.check(op);
    return err === null ? "ok" : isProtocolError(err) ? err.code : err;
  }

  /**
   * The witness of the batch `prefix` + NOOPs with `op` substituted into the slot right after the prefix (read from
   * the state there, writing nothing). The world does not advance.
   */
  substituted(prefix: readonly Op[], op: Op, over: Partial<BatchHeader> = {}): BatchWitness {
    const b = new BatchBuilder(this.state, this.header(over));
    for (const p of prefix) b.apply(p);
    return batchWitness(b.finish(), { substitute: new Map([[prefix.length, op]]) });
  }

  /** `substituted`, after checking that the model rejects `bad` there with `code`. */
  rejected(
    prefix: readonly Op[],
    bad: Op,
    code: ProtocolErrorCode,
    over: Partial<BatchHeader> = {},
  ): BatchWitness {
    expect(this.verdict(prefix, bad, over), "the model's verdict on the bad op").toBe(code);
    return this.substituted(prefix, bad, over);
  }
}

/** Witness for the model's batch; our R1CS check; and every slot's threaded state equal to the model's. */
export async function expectProves(c: Circuit, result: BatchResult): Promise<bigint[]> {
  const { inputs, trace } = batchWitness(result);
  const w = await c.witness(inputs);
  expect(await c.check(w), "a constraint of the batch circuit is violated").toBeNull();
  expect(c.value(w, "publicInputHash")).toBe(result.publicInputHash);
  const last = trace.length - 1;
  // --O2 keeps one wire per value: a slot's outputs may survive under the next slot's input names, and the last
  // slot's under the fund write-back and the public hash's inputs.
  const read = (i: number, names: string[], signed = false): bigint => {
    const name = names.find((n) => c.signals.isWire(n));
    if (!name) throw new Error(`slot ${i}: none of ${names.join(", ")} survives --O2`);
    return signed ? c.signed(w, name) : c.value(w, name);
  };
  trace.forEach((t, i) => {
    const out = (x: string): string => `slot[${i}].${x}`;
    const next = (x: string): string => `slot[${i + 1}].${x}`;
    const got = {
      root: read(i, [out("rootOut"), i < last ? next("rootIn") : "fundWrite.oldRoot"]),
      depositHash: read(i, [out("depositHashOut"), i < last ? next("depositHashIn") : "pub.in[8]"]),
      forcedHash: read(i, [out("forcedHashOut"), i < last ? next("forcedHashIn") : "pub.in[10]"]),
      l1EffectsHash: read(i, [out("l1EffectsHashOut"), i < last ? next("l1EffectsHashIn") : "pub.in[11]"]),
      fundQuote: read(
        i,
        [out("fundOut.quote"), i < last ? next("fundIn.quote") : "fundLeafAfter.quote"],
        true,
      ),
    };
    expect(got, `slot ${i}: circuit state`).toEqual({
      root: t.root,
      depositHash: t.depositHash,
      forcedHash: t.forcedHash,
      l1EffectsHash: t.l1EffectsHash,
      fundQuote: t.fund.quote,
    });
  });
  return w;
}

/** One "Error in template T_n line: L" frame of a witness-calculator failure, innermost first. */
export interface Frame {
  readonly template: string;
  readonly line: number;
}

export function frames(message: string): Frame[] {
  return [...message.matchAll(/Error in template (\w+?)_\d+ line: (\d+)/g)].map((m) => ({
    template: m[1]!,
    line: Number(m[2]),
  }));
}

const sourceCache = new Map<string, string[]>();

/** Lines (1-based) of `file` carrying the tag comment `// <tag>` (tag matched as a prefix of the comment). */
export function taggedLines(file: string, tag: string): number[] {
  let lines = sourceCache.get(file);
  if (!lines) {
    lines = readFileSync(`${REPO_ROOT}/${file}`, "utf8").split("\n");
    sourceCache.set(file, lines);
  }
  const out: number[] = [];
  lines.forEach((l, i) => {
    const at = l.indexOf("//");
    if (
      at >= 0 &&
      l
        .slice(at + 2)
        .trim()
        .startsWith(tag) &&
      l.slice(0, at).trim() !== ""
    )
      out.push(i + 1);
  });
  if (out.length === 0) throw new Error(`${file} has no line tagged "// ${tag}"`);
  return out;
}

export interface Site {
  /** The template's file; its template name is read from the file. */
  readonly file: string;
  /** The line's tag comment (e.g. "NOT_LIQUIDATABLE", "OUT_OF_RANGE (fill)"). */
  readonly tag: string;
}

function templateOf(file: string): string {
  const m = /^template (\w+)\(/m.exec(readFileSync(`${REPO_ROOT}/${file}`, "utf8"));
  if (!m) throw new Error(`${file} defines no template`);
  return m[1]!;
}

/** The witness calculator must refuse `inputs`, and the refusal must come from a line tagged `site.tag`. */
export async function expectRejectedAt(c: Circuit, inputs: BatchInputs, site: Site): Promise<void> {
  let err: unknown;
  try {
    await c.witness(inputs);
  } catch (e) {
    err = e;
  }
  expect(err, `a witness was computed; expected a failure at ${site.file} "${site.tag}"`).toBeDefined();
  if (!isCircuitToolError(err, "WITNESS_FAILED")) throw err;
  const template = templateOf(site.file);
  const lines = taggedLines(site.file, site.tag);
  const fs = frames(err.message);
  expect(
    fs.some((f) => f.template === template && lines.includes(f.line)),
    `expected a failure at ${template} lines ${lines.join(",")} ("${site.tag}"), got:\n${err.message}`,
  ).toBe(true);
}

export const OPS = "circuits/ops";
export const BATCH = "circuits/batch";
export const site = {
  op: (name: string, tag: string): Site => ({ file: `${OPS}/${name}.circom`, tag }),
  slot: (tag: string): Site => ({ file: `${BATCH}/op_slot.circom`, tag }),
  order: (tag: string): Site => ({ file: `${BATCH}/order_port.circom`, tag }),
  batch: (tag: string): Site => ({ file: `${BATCH}/batch.circom`, tag }),
  signature: (tag = "BAD_SIGNATURE"): Site => ({ file: `${BATCH}/signature_check.circom`, tag }),
  port: (tag: string): Site => ({ file: `${BATCH}/port_write.circom`, tag }),
  merkle: (): Site => ({ file: `${BATCH}/gated_merkle_update.circom`, tag: "wrong path" }),
  merkleIndex: (): Site => ({ file: `${BATCH}/gated_merkle_update.circom`, tag: "index ≥ 2^depth" }),
};

/** A world with the fund and five funded traders (quote 1,000,000 USD each, some collateral). */
export function fundedWorld(name: string): World {
  const w = new World(name);
  const M = 1_000_000n * UNIT;
  w.commit([w.deposit(0, 0, M), w.deposit(1, 0, M), w.deposit(2, 0, M), w.deposit(3, 0, M)]);
  w.commit([
    w.deposit(4, 0, M),
    w.deposit(5, 0, M),
    w.deposit(1, 1, 100n * UNIT),
    w.deposit(2, 2, 10n * UNIT),
  ]);
  return w;
}
