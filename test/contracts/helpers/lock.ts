// A cross-process lock for build steps that several vitest workers may start at once (hardhat compile, the
// stand-in circuit and keys): mkdir is atomic, so one worker builds while the others wait, then reuse its output.
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const DIR = join("build", "contracts-test", "locks");
/** A lock older than this was left by a killed process. */
const STALE_MS = 10 * 60_000;

export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(DIR, { recursive: true });
  const path = join(DIR, `${name}.lock`);
  for (;;) {
    try {
      mkdirSync(path);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      try {
        if (Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}
