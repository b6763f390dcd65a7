// The local stack's oracle: a few registered signers that observe one price path and post EIP-712 signed reports to
// the sequencer, as independent price feeders would. Each signer adds its own small deterministic noise, so the
// quorum's lower median (what the sequencer publishes and the contract recomputes) is exercised for real. The path
// itself is a seeded random walk with optional scripted shocks (the demo's crash), never wall-clock randomness, so
// two runs of the demo see the same market.
import type { Signer } from "ethers";
import type { Domain, Prices } from "../../protocol/index.js";
import { signReport } from "../../sequencer/oracle/report.js";

export interface FeederOptions {
  readonly sequencerUrl: string;
  readonly domain: Domain;
  readonly signers: readonly Signer[];
  /** Current reference prices; the feeder reads it at every tick (the demo moves it). */
  readonly prices: () => Prices;
  /** Per-signer deviation from the reference, in ppm (deterministic: signer i gets (i − mid)·noisePpm). */
  readonly noisePpm?: number;
  /** Chain time source: reports are stamped with it (the contract compares with block.timestamp). */
  readonly nowSeconds: () => Promise<bigint>;
  readonly onError?: (e: Error) => void;
}

export class OracleFeeder {
  private timer: NodeJS.Timeout | undefined;
  private last = 0n;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly o: FeederOptions) {}

  /** Signs and posts one report per signer at the current reference prices. */
  async tick(): Promise<void> {
    let ts = await this.o.nowSeconds();
    // Each signer's timestamps must strictly increase (the sequencer refuses a replayed or older report).
    if (ts <= this.last) ts = this.last + 1n;
    this.last = ts;
    const ref = this.o.prices();
    const n = this.o.signers.length;
    const noise = BigInt(this.o.noisePpm ?? 200);
    await Promise.all(
      this.o.signers.map(async (signer, i) => {
        const k = BigInt(i) - BigInt(Math.floor(n / 2));
        const shift = (p: bigint): bigint => {
          const q = p + (p * k * noise) / 1_000_000n;
          return q > 0n ? q : 1n;
        };
        const s = await signReport(signer, this.o.domain, {
          timestamp: ts,
          markets: ref.markets.map(shift),
          collaterals: ref.collaterals.map(shift),
        });
        const body = {
          report: {
            timestamp: s.report.timestamp.toString(),
            markets: s.report.markets.map(String),
            collaterals: s.report.collaterals.map(String),
          },
          signature: s.signature,
        };
        const res = await fetch(`${this.o.sequencerUrl}/v1/oracle/reports`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        if (!res.ok) {
          const err = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
          throw new Error(`oracle report refused: ${err.code ?? res.status} ${err.message ?? ""}`.trim());
        }
      }),
    );
  }

  /** Ticks every `ms` until stop(); a failed tick is reported, not fatal (the next one retries). */
  start(ms: number): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.tick().catch((e: unknown) => this.o.onError?.(e as Error)));
    }, ms);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
