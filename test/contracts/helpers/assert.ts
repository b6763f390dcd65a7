// Assertions for the contract tests: custom-error decoding (the rollup's ABI plus the few OpenZeppelin errors it
// can bubble) and the solvency invariant checked after every test.
import { Interface } from "ethers";
import { expect } from "vitest";
import type { World } from "./world.js";

const OZ_ERRORS = new Interface([
  "error ReentrancyGuardReentrantCall()",
  "error SafeERC20FailedOperation(address token)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
]);

function revertData(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 6 && cur && typeof cur === "object"; depth++) {
    const o = cur as { data?: unknown; error?: unknown; info?: { error?: unknown } };
    if (typeof o.data === "string" && o.data.startsWith("0x")) return o.data;
    if (o.data && typeof o.data === "object" && typeof (o.data as { data?: unknown }).data === "string") {
      return (o.data as { data: string }).data;
    }
    cur = o.error ?? o.info?.error;
  }
  return undefined;
}

/** Decodes a revert as `Name(args)` against the rollup's ABI (and the few OpenZeppelin errors it may bubble). */
export function decodeRevert(iface: Interface, e: unknown): { name: string; args: unknown[] } {
  const data = revertData(e);
  if (!data) throw new Error(`no revert data in ${String(e)}`);
  for (const i of [iface, OZ_ERRORS]) {
    const parsed = i.parseError(data);
    if (parsed) return { name: parsed.name, args: [...parsed.args] };
  }
  throw new Error(`unknown revert data ${data}`);
}

/** Expects `p` to revert with the custom error `name` (and `args`, when given). */
export async function expectRevert(
  p: Promise<unknown>,
  iface: Interface,
  name: string,
  args?: readonly unknown[],
): Promise<void> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, `expected revert ${name}`).toBeDefined();
  const got = decodeRevert(iface, err);
  expect(got.name).toBe(name);
  if (args) expect(got.args).toEqual([...args]);
}

// ---------------------------------------------------------------- invariants

/**
 * The solvency invariant: for every asset the rollup holds at least what deposits brought in minus what it paid
 * out, and at least everything it owes. Checked after every test.
 */
export async function checkSolvency(w: World): Promise<void> {
  for (const [asset, t] of w.d.tokens.entries()) {
    const balance = (await t.getFunction("balanceOf")(w.address)) as bigint;
    const [deposited, owed, paid] = (await w.rollup.getFunction("assetTotals")(asset)) as [
      bigint,
      bigint,
      bigint,
    ];
    expect(balance, `asset ${asset}: balance covers deposits − payouts`).toBeGreaterThanOrEqual(
      deposited - paid,
    );
    expect(balance, `asset ${asset}: balance covers what is owed`).toBeGreaterThanOrEqual(owed);
  }
}
