// A scripted, deterministic market on the protocol model: genesis, deposits, trades with partial fills and fees,
// a price fall with funding ticks, liquidations against the insurance fund and against a resting signed order,
// funding settlement and withdrawals — every batch through BatchBuilder. Each scripted op states the outcome it
// must have (accepted, or the exact rejection code), so the script proves that the margin rules really bind and
// fails loudly the moment the model stops agreeing. Tests, test vectors and `zkmargin start` all replay it.
import {
  AMOUNT_DECIMALS,
  ForcedKind,
  L1Effect,
  Opcode,
  Order,
  PRICE_DECIMALS,
  RATE_SCALE,
  RollupState,
  BatchBuilder,
  isProtocolError,
  parseDecimal,
  signWithdrawal,
  type BatchHeader,
  type BatchResult,
  type ForcedRequest,
  type Op,
  type ParamSetName,
  type ProtocolErrorCode,
  type ProtocolParams,
  type SignedOrder,
  type SlotRecord,
} from "../../protocol/index.js";
import { seededAddress, seededKey, seededSalt, type SeededKey } from "./keys.js";
import { simParams, simPrices } from "./markets.js";

export interface Actor {
  readonly name: string;
  readonly index: bigint;
  readonly key: SeededKey;
  readonly l1Address: bigint;
  readonly salt: bigint;
}

/** "ok", or the code the op must be rejected with. */
export type Expectation = "ok" | ProtocolErrorCode;

export interface Intent {
  readonly what: string;
  readonly expect: Expectation;
  /** For accepted ops whose handler reports an outcome (refund, forced request rejected): the note it must give. */
  readonly expectNote?: string;
  readonly op: () => Op;
}

export interface Phase {
  readonly label: string;
  /** Price overrides by symbol, cumulative over phases (human decimals). */
  readonly prices?: Readonly<Record<string, string>>;
  /** Funding index moves by market symbol, in USD per contract unit, applied in the phase's first batch. */
  readonly funding?: Readonly<Record<string, string>>;
  readonly intents: readonly Intent[] | ((state: RollupState) => readonly Intent[]);
}

export interface RejectedOp {
  readonly what: string;
  /** Number of ops the batch had accepted when this one was tried. */
  readonly atSlot: number;
  readonly op: Op;
  readonly code: ProtocolErrorCode;
  readonly message: string;
}

export interface StateSummary {
  readonly root: bigint;
  readonly batchNumber: bigint;
  readonly depositHash: bigint;
  readonly forcedHash: bigint;
  readonly fundingIndices: readonly bigint[];
  readonly lastBatchTime: bigint;
}

export interface ScenarioBatch {
  readonly phase: string;
  readonly header: BatchHeader;
  readonly before: StateSummary;
  /** One per slot, padding included ("padding" for the NOOPs finish() adds). */
  readonly descriptions: readonly string[];
  readonly slots: readonly SlotRecord[];
  readonly rejected: readonly RejectedOp[];
  readonly result: BatchResult;
  /** Wall time to apply and finish the batch (not deterministic: never put it in vectors). */
  readonly elapsedMs: number;
}

export interface Ledger {
  /** Per asset id (0 = quote), in Amount units of that asset. */
  readonly credited: bigint[];
  readonly refunded: bigint[];
  readonly withdrawn: bigint[];
}

export interface ScenarioRun {
  readonly paramSet: ParamSetName;
  readonly params: ProtocolParams;
  readonly actors: readonly Actor[];
  readonly genesis: RollupState;
  readonly batches: readonly ScenarioBatch[];
  readonly finalState: RollupState;
  readonly ledger: Ledger;
}

export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
  readonly code = "SCENARIO_DIVERGED";
}

export interface ScenarioOptions {
  readonly paramSet?: "test" | "dev";
  /** Called after each batch is finished, for live logs. */
  readonly onBatch?: (b: ScenarioBatch) => void;
}

/** 2026-01-01T00:00:00Z; every batch is one minute after the previous one. */
export const GENESIS_TIME = 1_767_225_600n;
const BATCH_INTERVAL = 60n;
const DAY = 86_400n;
const MAKER_FEE_PPM = 200n;
const TAKER_FEE_PPM = 500n;
const MAX_FEE_PPM = 1_000n;

const ACTOR_NAMES = ["fund", "alice", "bob", "carol", "dave", "eve", "mallory"] as const;
type ActorName = (typeof ACTOR_NAMES)[number];

export function scenarioActors(): Actor[] {
  return ACTOR_NAMES.map((name, i) => ({
    name,
    index: BigInt(i),
    key: seededKey(`actor:${name}`),
    l1Address: seededAddress(`actor:${name}`),
    salt: seededSalt(`actor:${name}`),
  }));
}

const amt = (s: string): bigint => parseDecimal(s, AMOUNT_DECIMALS, "amount");
const px = (s: string): bigint => parseDecimal(s, PRICE_DECIMALS, "price");

/** Fee in Value units at `ppm` of the fill's notional, rounded down (the cap check is fee·1e6 ≤ notional·maxFee). */
export function feeOf(fill: bigint, price: bigint, ppm: bigint): bigint {
  return (fill * price * ppm) / RATE_SCALE;
}

interface OrderSpec {
  readonly slot: number;
  readonly nonce: number;
  readonly market: string;
  readonly side: "buy" | "sell";
  readonly size: string;
  readonly limit: string;
  readonly expiry?: bigint;
  readonly flags?: number;
}

/** The script itself. Figures in the comments are worked by hand; the expectations make the model confirm them. */
function script(params: ProtocolParams, actors: Readonly<Record<ActorName, Actor>>): Phase[] {
  const { fund, alice, bob, carol, dave, eve, mallory } = actors;
  const mkt = (s: string): number => params.config.marketIndex(s);
  const asset = (s: string): number => (s === "USDC" ? 0 : params.config.collateralIndex(s) + 1);
  const signedOrders = new Map<string, SignedOrder>();

  const order = (who: Actor, o: OrderSpec): SignedOrder => {
    // Memoised so a resting order referenced by several intents is one signed object, as a book would hold it.
    const id = [
      who.name,
      o.slot,
      o.nonce,
      o.market,
      o.side,
      o.size,
      o.limit,
      o.expiry ?? "",
      o.flags ?? 0,
    ].join("/");
    let so = signedOrders.get(id);
    if (!so) {
      so = new Order({
        accountIndex: who.index,
        slot: BigInt(o.slot),
        nonce: BigInt(o.nonce),
        market: mkt(o.market),
        isBuy: o.side === "buy",
        size: amt(o.size),
        limitPrice: px(o.limit),
        expiry: o.expiry ?? GENESIS_TIME + DAY,
        flags: o.flags ?? 0,
        maxFee: MAX_FEE_PPM,
      }).sign(who.key.privateKey, params.domain);
      signedOrders.set(id, so);
    }
    return so;
  };
  const deposit = (who: Actor, sym: string, amount: string, key: Actor = who): Intent => ({
    what: `${key.name} deposits ${amount} ${sym} into account ${who.index} (${who.name})`,
    expect: "ok",
    op: () => ({
      opcode: Opcode.DEPOSIT,
      l1Address: key.l1Address,
      accountIndex: who.index,
      pubKeyX: key.key.publicKey.x,
      pubKeyY: key.key.publicKey.y,
      asset: asset(sym),
      amount: amt(amount),
      salt: key.salt,
    }),
  });
  const trade = (
    what: string,
    expect: Expectation,
    maker: () => SignedOrder,
    taker: () => SignedOrder,
    fill: string,
    price: string,
    takerFeePpm = TAKER_FEE_PPM,
  ): Intent => ({
    what,
    expect,
    op: () => ({
      opcode: Opcode.TRADE,
      maker: maker(),
      taker: taker(),
      fill: amt(fill),
      price: px(price),
      makerFee: feeOf(amt(fill), px(price), MAKER_FEE_PPM),
      takerFee: feeOf(amt(fill), px(price), takerFeePpm),
    }),
  });
  const liquidate = (
    what: string,
    expect: Expectation,
    who: Actor,
    market: string,
    fill: string,
    price: string,
    penaltyUsd: string,
    liquidator: (() => SignedOrder) | null,
    servesForced: ForcedRequest | null = null,
  ): Intent => ({
    what,
    expect,
    op: () => ({
      opcode: Opcode.LIQUIDATE,
      accountIndex: who.index,
      servesForced,
      liquidator: liquidator ? liquidator() : null,
      market: mkt(market),
      fill: amt(fill),
      price: px(price),
      penalty: parseDecimal(penaltyUsd, 16, "penalty"),
    }),
  });
  const withdraw = (
    who: Actor,
    sym: string,
    amount: string,
    nonce: number,
    expect: Expectation,
    why = "",
  ): Intent => ({
    what: `${who.name} withdraws ${amount} ${sym} (nonce ${nonce})${why ? ` — ${why}` : ""}`,
    expect,
    op: () => {
      const w = {
        accountIndex: who.index,
        asset: asset(sym),
        amount: amt(amount),
        l1Address: who.l1Address,
        nonce: BigInt(nonce),
      };
      return {
        opcode: Opcode.WITHDRAW,
        ...w,
        signature: signWithdrawal(who.key.privateKey, params.domain, w),
      };
    },
  });
  // A forced request as the contract queued it: the registry holds the key of the index's first depositor.
  const forced = (kind: ForcedKind, who: Actor, by: Actor, sym = "USDC", amount = "0"): ForcedRequest => ({
    kind,
    accountIndex: who.index,
    pubKeyX: who.key.publicKey.x,
    pubKeyY: who.key.publicKey.y,
    asset: kind === ForcedKind.WITHDRAWAL ? asset(sym) : 0,
    amount: kind === ForcedKind.WITHDRAWAL ? amt(amount) : 0n,
    l1Address: by.l1Address,
  });
  const forcedWithdraw = (who: Actor, sym: string, amount: string, note: string): Intent => ({
    what: `${who.name} forces a withdrawal of ${amount} ${sym} on L1`,
    expect: "ok",
    expectNote: note,
    op: () => ({
      opcode: Opcode.FORCED_WITHDRAW,
      request: forced(ForcedKind.WITHDRAWAL, who, who, sym, amount),
    }),
  });
  const forcedCheck = (who: Actor, by: Actor, expect: Expectation): Intent => ({
    what: `serve ${by.name}'s forced-liquidation request on ${who.name} by proving it healthy`,
    expect,
    ...(expect === "ok" ? { expectNote: "healthy" } : {}),
    op: () => ({ opcode: Opcode.FORCED_LIQUIDATION_CHECK, request: forced(ForcedKind.LIQUIDATION, who, by) }),
  });
  const settle = (who: Actor): Intent => ({
    what: `settle funding of ${who.name}`,
    expect: "ok",
    op: () => ({ opcode: Opcode.FUNDING_SETTLE, accountIndex: who.index }),
  });

  // Resting orders, referenced by several intents.
  const aliceSellsBtc = (): SignedOrder =>
    order(alice, { slot: 0, nonce: 1, market: "BTC", side: "sell", size: "2", limit: "60000" });
  const bobSellsEth = (): SignedOrder =>
    order(bob, { slot: 0, nonce: 1, market: "ETH", side: "sell", size: "10", limit: "3000" });
  const daveBidsBtc = (): SignedOrder =>
    order(dave, { slot: 1, nonce: 1, market: "BTC", side: "buy", size: "1", limit: "54500" });

  const hasSol = params.config.markets.some((m) => m.symbol === "SOL");

  return [
    {
      label: "genesis deposits",
      intents: [
        deposit(fund, "USDC", "10000"),
        deposit(alice, "USDC", "200000"),
        deposit(alice, "WETH", "10"),
        deposit(bob, "WBTC", "1"),
        deposit(bob, "USDC", "5000"),
        deposit(carol, "USDC", "10000"),
        deposit(dave, "USDC", "50000"),
        deposit(eve, "USDC", "20000"),
        // Mallory's key does not match account 1's: the deposit is refunded on L1, never lost [I12].
        deposit(alice, "USDC", "1000", mallory),
      ],
    },
    {
      label: "trading at BTC 60000 / ETH 3000",
      intents: [
        // Carol: TV 10000 − 45 fee = 9955 ≥ IM 1.5·60000·0.1 = 9000. Alice's 2 BTC offer is now 1.5 filled.
        trade(
          "carol buys 1.5 BTC @ 60000 from alice's 2 BTC offer (partial fill)",
          "ok",
          aliceSellsBtc,
          () => order(carol, { slot: 0, nonce: 1, market: "BTC", side: "buy", size: "1.5", limit: "60100" }),
          "1.5",
          "60000",
        ),
        // 1.7 BTC needs IM 10200 > TV ≈ 9949: the initial-margin rule binds [I5].
        trade(
          "carol tries 0.2 BTC more: needs IM 10200 with TV 9949",
          "UNDER_MARGINED",
          aliceSellsBtc,
          () => order(carol, { slot: 1, nonce: 1, market: "BTC", side: "buy", size: "0.2", limit: "60000" }),
          "0.2",
          "60000",
        ),
        trade(
          "bob buys the remaining 0.5 BTC @ 60000 of alice's offer",
          "ok",
          aliceSellsBtc,
          () => order(bob, { slot: 1, nonce: 1, market: "BTC", side: "buy", size: "0.5", limit: "60000" }),
          "0.5",
          "60000",
        ),
        trade(
          "dave tries to lift alice's fully filled offer",
          "OVERFILL",
          aliceSellsBtc,
          () => order(dave, { slot: 0, nonce: 1, market: "BTC", side: "buy", size: "0.1", limit: "61000" }),
          "0.1",
          "60000",
        ),
        trade(
          "eve buys 4 ETH @ 3000 from bob's 10 ETH offer",
          "ok",
          bobSellsEth,
          () => order(eve, { slot: 0, nonce: 1, market: "ETH", side: "buy", size: "4", limit: "3010" }),
          "4",
          "3000",
        ),
        trade(
          "dave tries 1 ETH with a 0.2% taker fee above his signed 0.1% cap",
          "FEE_TOO_HIGH",
          bobSellsEth,
          () => order(dave, { slot: 2, nonce: 1, market: "ETH", side: "buy", size: "3", limit: "3000" }),
          "1",
          "3000",
          2_000n,
        ),
        trade(
          "dave buys 3 ETH @ 3000 from bob's offer (7 of 10 filled)",
          "ok",
          bobSellsEth,
          () => order(dave, { slot: 2, nonce: 1, market: "ETH", side: "buy", size: "3", limit: "3000" }),
          "3",
          "3000",
        ),
        ...(hasSol
          ? [
              trade(
                "dave buys 100 SOL @ 150 from alice",
                "ok",
                () =>
                  order(alice, { slot: 1, nonce: 1, market: "SOL", side: "sell", size: "100", limit: "150" }),
                () =>
                  order(dave, { slot: 3, nonce: 1, market: "SOL", side: "buy", size: "100", limit: "151" }),
                "100",
                "150",
              ),
            ]
          : []),
      ],
    },
    {
      label: "BTC falls to 56000, funding tick",
      prices: { BTC: "56000", WBTC: "56000", ETH: "3100", WETH: "3100" },
      // Bounds: |ΔI|·1e6 ≤ P·0.001 → BTC ≤ 56, ETH ≤ 3.1 USD per unit. Longs pay BTC funding, shorts pay ETH.
      funding: { BTC: "20", ETH: "-1" },
      intents: [
        settle(alice),
        liquidate("liquidate bob (healthy)", "NOT_LIQUIDATABLE", bob, "BTC", "0.1", "56000", "0", null),
        // Carol: quote −80075 after funding, TV 3925 < MM 4200. Zero price p0 = 56000·(1 − 0.05·3925/4200) ≈ 53383.
        liquidate(
          "liquidate 0.5 BTC of carol @ 53000, below the zero price",
          "HEALTH_WORSENED",
          carol,
          "BTC",
          "0.5",
          "53000",
          "0",
          null,
        ),
        liquidate(
          "liquidate carol with a 300 USD penalty (cap 0.5·56000·1% = 280)",
          "PENALTY_TOO_HIGH",
          carol,
          "BTC",
          "0.5",
          "55000",
          "300",
          null,
        ),
        // TV' = 3925 − 500 − 280 = 3145, MM' = 2800: healthier, and healthy again [I7].
        liquidate(
          "insurance fund takes 0.5 BTC of carol @ 55000, penalty 280",
          "ok",
          carol,
          "BTC",
          "0.5",
          "55000",
          "280",
          null,
        ),
      ],
    },
    {
      label: "BTC falls to 54000, funding tick",
      prices: { BTC: "54000", WBTC: "54000" },
      funding: { BTC: "10" },
      intents: [
        trade(
          "alice replaces slot 0 with a new order (nonce 2) and sells dave 1 ETH @ 3100",
          "ok",
          () => order(alice, { slot: 0, nonce: 2, market: "ETH", side: "sell", size: "1", limit: "3100" }),
          () => order(dave, { slot: 0, nonce: 2, market: "ETH", side: "buy", size: "1", limit: "3100" }),
          "1",
          "3100",
        ),
        trade(
          "eve tries to fill alice's old slot-0 order (nonce 1)",
          "ORDER_REPLAYED",
          aliceSellsBtc,
          () => order(eve, { slot: 1, nonce: 1, market: "BTC", side: "buy", size: "0.1", limit: "60000" }),
          "0.1",
          "60000",
        ),
        // Carol: quote −52865, TV 1135 < MM 2700: liquidatable again. p0 = 54000 − 1135 = 52865.
        liquidate(
          "liquidate carol against dave's expired bid",
          "ORDER_EXPIRED",
          carol,
          "BTC",
          "1",
          "54000",
          "0",
          () =>
            order(dave, {
              slot: 3,
              nonce: 2,
              market: "BTC",
              side: "buy",
              size: "1",
              limit: "54500",
              expiry: GENESIS_TIME + 1n,
            }),
        ),
        // Eve's forced-liquidation request on carol cannot be answered with a health proof [I19] ...
        forcedCheck(carol, eve, "LIQUIDATABLE"),
        // ... only by liquidating her. Full close: MM' = 0, so the rule is TV' = 1135 − 540 = 595 ≥ 0.
        liquidate(
          "dave's resting bid takes all 1 BTC of carol @ 54000, penalty 540, serving eve's forced request",
          "ok",
          carol,
          "BTC",
          "1",
          "54000",
          "540",
          daveBidsBtc,
          forced(ForcedKind.LIQUIDATION, carol, eve),
        ),
        forcedCheck(alice, bob, "ok"),
      ],
    },
    {
      label: "withdrawals",
      intents: [
        withdraw(eve, "USDC", "5000", 0, "ok"),
        withdraw(eve, "USDC", "1000", 0, "BAD_NONCE", "nonce 0 is spent"),
        withdraw(eve, "USDC", "3000", 1, "INSUFFICIENT_BALANCE", "quote is 2998 and never borrowed"),
        // Bob: TV ≈ 47159, IM 4870; 0.95 WBTC counts 0.95·54000·0.85 = 43605 → TV' ≈ 3554 < IM [I5].
        withdraw(bob, "WBTC", "0.95", 0, "UNDER_MARGINED", "would leave TV below IM"),
        withdraw(bob, "WBTC", "0.5", 0, "ok"),
        withdraw(carol, "USDC", "500", 0, "ok", "what the liquidations left"),
        forcedWithdraw(eve, "USDC", "1000", "executed"),
        // Dave paid for his longs out of quote, which is now negative: the request is served (the queue advances)
        // but rejected, with no state change and no L1 payout [I19].
        forcedWithdraw(dave, "USDC", "1000", "rejected: insufficient quote"),
      ],
    },
    {
      label: "funding settlement",
      intents: (state) =>
        Object.values(actors)
          .filter((a) => {
            const acct = state.account(a.index);
            return acct.sizes.some((s, m) => s !== 0n && acct.fundingIndices[m] !== state.fundingIndices[m]);
          })
          .map(settle),
    },
  ];
}

function summary(s: RollupState): StateSummary {
  return {
    root: s.root,
    batchNumber: s.batchNumber,
    depositHash: s.depositHash,
    forcedHash: s.forcedHash,
    fundingIndices: [...s.fundingIndices],
    lastBatchTime: s.lastBatchTime,
  };
}

export function runScenario(opts: ScenarioOptions = {}): ScenarioRun {
  const name = opts.paramSet ?? "test";
  const params = simParams(name);
  const actors = scenarioActors();
  const byName = Object.fromEntries(actors.map((a) => [a.name, a])) as Record<ActorName, Actor>;
  const genesis = RollupState.genesis(params, byName.fund.key.publicKey, byName.fund.salt);
  const phases = script(params, byName);
  const batches: ScenarioBatch[] = [];
  const C = params.sizes.collaterals;
  const ledger: Ledger = {
    credited: Array<bigint>(C + 1).fill(0n),
    refunded: Array<bigint>(C + 1).fill(0n),
    withdrawn: Array<bigint>(C + 1).fill(0n),
  };

  let state = genesis;
  let priceOverrides: Record<string, string> = {};
  let time = GENESIS_TIME;

  for (const phase of phases) {
    priceOverrides = { ...priceOverrides, ...phase.prices };
    const prices = simPrices(params, priceOverrides);
    const fundingIndices = state.fundingIndices.map((idx, m) => {
      const move = phase.funding?.[params.config.markets[m]!.symbol];
      return move === undefined ? idx : idx + parseDecimal(move, PRICE_DECIMALS, "funding move");
    });
    const intents = typeof phase.intents === "function" ? phase.intents(state) : phase.intents;

    let open: {
      builder: BatchBuilder;
      before: StateSummary;
      what: string[];
      rejected: RejectedOp[];
      t0: number;
    } | null = null;
    const close = (): void => {
      if (!open) return;
      const result = open.builder.finish();
      const elapsedMs = performance.now() - open.t0;
      const descriptions = result.slots.map((_, i) => open!.what[i] ?? "padding");
      for (const rec of result.slots) {
        if (rec.op.opcode === Opcode.DEPOSIT) {
          const column = rec.l1Effect ? ledger.refunded : ledger.credited;
          column[rec.op.asset] = column[rec.op.asset]! + rec.op.amount;
        } else if (rec.l1Effect?.kind === L1Effect.WITHDRAWAL) {
          // Signed and forced withdrawals alike: the L1 effect is what the contract pays out.
          ledger.withdrawn[rec.l1Effect.asset] = ledger.withdrawn[rec.l1Effect.asset]! + rec.l1Effect.amount;
        }
      }
      const b: ScenarioBatch = {
        phase: phase.label,
        header: open.builder.header,
        before: open.before,
        descriptions,
        slots: result.slots,
        rejected: open.rejected,
        result,
        elapsedMs,
      };
      batches.push(b);
      opts.onBatch?.(b);
      state = result.state;
      open = null;
    };
    const ensureOpen = (): NonNullable<typeof open> => {
      if (open && open.builder.full) close();
      if (!open) {
        time += BATCH_INTERVAL;
        // The funding tick rides on the phase's first batch; later batches of the phase repeat the same indices.
        const header: BatchHeader = { batchTime: time, prices, fundingIndices };
        open = {
          builder: new BatchBuilder(state, header),
          before: summary(state),
          what: [],
          rejected: [],
          t0: performance.now(),
        };
      }
      return open;
    };

    const batchesBefore = batches.length;
    for (const intent of intents) {
      const op = intent.op();
      const b = ensureOpen();
      let outcome: Expectation = "ok";
      try {
        const rec = b.builder.apply(op);
        b.what.push(intent.what);
        if (intent.expectNote !== undefined && rec.note !== intent.expectNote) {
          throw new ScenarioError(
            `[${phase.label}] "${intent.what}": expected note "${intent.expectNote}", got "${rec.note}"`,
          );
        }
      } catch (e) {
        if (!isProtocolError(e)) throw e;
        outcome = e.code;
        b.rejected.push({ what: intent.what, atSlot: b.builder.size, op, code: e.code, message: e.message });
      }
      if (outcome !== intent.expect) {
        const detail =
          outcome === "ok" ? "it was accepted" : `it was rejected: ${b.rejected.at(-1)!.message}`;
        throw new ScenarioError(
          `[${phase.label}] "${intent.what}": expected ${intent.expect}, but ${detail} (${outcome})`,
        );
      }
    }
    // Every phase commits at least one batch, so its price move and funding tick reach the chain.
    if (!open && batches.length === batchesBefore) ensureOpen();
    close();
  }

  return { paramSet: name, params, actors, genesis, batches, finalState: state, ledger };
}
