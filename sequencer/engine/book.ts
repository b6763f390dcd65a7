// One market's limit order book with price-time priority. Levels are kept in a sorted price array (best first) and
// each level is an insertion-ordered Map, so the oldest order at the best price is always the first one iterated
// and a cancel is O(1) within its level. The book only stores and orders; matching rules live in the engine.
import type { SignedOrder } from "../../protocol/index.js";

export interface RestingOrder {
  readonly id: string;
  readonly account: bigint;
  readonly signed: SignedOrder;
  readonly isBuy: boolean;
  readonly price: bigint;
  /** Size still open for matching. */
  remaining: bigint;
  /** Engine-wide arrival sequence: the time priority. */
  readonly seq: number;
}

class Side {
  /** Best first: descending for bids, ascending for asks. */
  readonly prices: bigint[] = [];
  readonly levels = new Map<bigint, Map<string, RestingOrder>>();

  constructor(private readonly bids: boolean) {}

  private better(a: bigint, b: bigint): boolean {
    return this.bids ? a > b : a < b;
  }

  /** Index of the first price not better than p (binary search). */
  private position(p: bigint): number {
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.better(this.prices[mid]!, p)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(o: RestingOrder): void {
    let level = this.levels.get(o.price);
    if (!level) {
      level = new Map();
      this.levels.set(o.price, level);
      this.prices.splice(this.position(o.price), 0, o.price);
    }
    level.set(o.id, o);
  }

  remove(o: RestingOrder): boolean {
    const level = this.levels.get(o.price);
    if (!level || !level.delete(o.id)) return false;
    if (level.size === 0) {
      this.levels.delete(o.price);
      const i = this.position(o.price);
      if (this.prices[i] === o.price) this.prices.splice(i, 1);
    }
    return true;
  }

  first(): RestingOrder | null {
    const p = this.prices[0];
    if (p === undefined) return null;
    const level = this.levels.get(p)!;
    return level.values().next().value ?? null;
  }

  *orders(): Generator<RestingOrder> {
    for (const p of [...this.prices]) {
      const level = this.levels.get(p);
      if (level) yield* [...level.values()];
    }
  }

  depth(n: number): { price: bigint; size: bigint; orders: number }[] {
    return this.prices.slice(0, n).map((p) => {
      let size = 0n;
      const level = this.levels.get(p)!;
      for (const o of level.values()) size += o.remaining;
      return { price: p, size, orders: level.size };
    });
  }
}

export class OrderBook {
  readonly bids = new Side(true);
  readonly asks = new Side(false);

  constructor(readonly market: number) {}

  side(isBuy: boolean): Side {
    return isBuy ? this.bids : this.asks;
  }

  add(o: RestingOrder): void {
    this.side(o.isBuy).add(o);
  }

  remove(o: RestingOrder): boolean {
    return this.side(o.isBuy).remove(o);
  }

  /** The first resting order an incoming order of side `takerIsBuy` would meet, if it crosses `limit`. */
  bestOpposite(takerIsBuy: boolean, limit: bigint): RestingOrder | null {
    const o = this.side(!takerIsBuy).first();
    if (!o) return null;
    return (takerIsBuy ? o.price <= limit : o.price >= limit) ? o : null;
  }

  bestBid(): bigint | null {
    return this.bids.prices[0] ?? null;
  }

  bestAsk(): bigint | null {
    return this.asks.prices[0] ?? null;
  }

  /** All resting orders in priority order, bids then asks (for snapshots, scans and comparisons). */
  *all(): Generator<RestingOrder> {
    yield* this.bids.orders();
    yield* this.asks.orders();
  }
}
