// `zkmargin start` (what `npm start` runs): for now the model-only market simulation. It must say so up front,
// finish cleanly and end on a conservation table that balances [I1][I3].
import { describe, expect, it } from "vitest";
import { runCli } from "./run.js";

describe("zkmargin start", () => {
  it("[I1][I3] runs the scripted market on the test set, says it is model-only, and balances every asset", async () => {
    const r = await runCli(["start", "--param-set", "test"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/MODEL-ONLY SIMULATION/);
    expect(lines.slice(0, 3).join(" ")).toMatch(/chain .*prover.*sequencer are not built yet/);
    expect(r.stdout).toMatch(
      /^parameter set test: account tree depth 6, 2 markets, 2 collateral assets, 4 op slots per batch$/m,
    );
    // Rejections are logged with their codes, liquidations with their before/after figures.
    expect(r.stdout).toMatch(/rejected UNDER_MARGINED: /);
    expect(r.stdout).toMatch(
      /liquidation of carol \(3\) by fund \(0\): TV 3925 \/ MM 4200 → TV 3145 \/ MM 2800/,
    );
    for (const asset of ["USDC", "WETH", "WBTC"]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${asset}\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+ok$`, "m"));
    }
    expect(lines.filter(Boolean).at(-1)).toBe("conservation: OK for USDC, WETH, WBTC and 2 markets");
  });

  it("refuses a parameter set the simulation does not run, with one usage line", async () => {
    const r = await runCli(["start", "--param-set", "prod"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: BAD_USAGE: .*prod.*\n$/);
  });
});
