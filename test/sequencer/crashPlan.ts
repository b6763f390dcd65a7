// The crash test's fixed world, shared by the test and its child process (no vitest import here): a frozen clock,
// deterministic deposit salts and the traders funded at genesis.
import { Trader, testKey } from "./setup.js";

export const CRASH_CLOCK = 1_800_000_000_000;

export function crashSalt(queueIndex: bigint): bigint {
  return 0x5a17n + queueIndex * 7919n;
}

export function crashTraders(base = ""): Trader[] {
  return [1, 2, 3, 4].map((i) => {
    const t = new Trader(testKey(i), base, `t${i}`);
    t.index = BigInt(i);
    return t;
  });
}
