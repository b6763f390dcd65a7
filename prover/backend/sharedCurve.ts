// snarkjs proves and verifies on ONE process-wide bn128 curve (globalThis.curve_bn128, built by ffjavascript): its
// WASM threads are started on first use and live until someone terminates the curve, which keeps node alive and
// holds memory. Building it costs ~0.5 s, so a backend must keep it across proofs, and must only terminate a curve
// it built itself and nobody else still leases (prover/setup/snarkjsApi.ts follows the same "only what I built"
// rule for the setup's snarkjs calls).
//
// threads = 1 installs a single-threaded curve as the shared one (pool workers: one core each, no idle threads);
// snarkjs then reuses it because buildBn128(false) returns whatever the global holds. Any other value builds the
// multi-threaded curve, which uses every core (ffjavascript takes os.cpus().length; it has no other setting).
import { buildBn128 } from "ffjavascript";

interface Curve {
  terminate(): Promise<void>;
}

interface CurveHolder {
  curve_bn128?: Curve | null;
}

export interface CurveLease {
  /** Whether the leased curve runs on one thread. */
  readonly singleThread: boolean;
  release(): Promise<void>;
}

const holder = globalThis as unknown as CurveHolder;

let leases = 0;
let owned: { curve: Curve; singleThread: boolean } | undefined;
/** Serialises building, so two first leases cannot build two curves. */
let building: Promise<void> = Promise.resolve();

export async function leaseSharedCurve(threads?: number): Promise<CurveLease> {
  const single = threads === 1;
  const step = building.then(async () => {
    if (!holder.curve_bn128) {
      const curve = (await buildBn128(single)) as Curve;
      // The multi-threaded build registers itself as the global; the single-threaded one does not.
      holder.curve_bn128 = curve;
      owned = { curve, singleThread: single };
    }
  });
  building = step.catch(() => {});
  await step;
  leases++;
  let released = false;
  return {
    singleThread: owned !== undefined && owned.curve === holder.curve_bn128 ? owned.singleThread : false,
    async release() {
      if (released) return;
      released = true;
      leases--;
      if (leases === 0 && owned && holder.curve_bn128 === owned.curve) {
        const { curve } = owned;
        owned = undefined;
        holder.curve_bn128 = null;
        await curve.terminate();
      }
    },
  };
}

/** Leases held in this process (tests check that close() gives everything back). */
export function sharedCurveLeases(): number {
  return leases;
}

/** Whether a shared curve exists right now (built by anyone). */
export function sharedCurveExists(): boolean {
  return !!holder.curve_bn128;
}
