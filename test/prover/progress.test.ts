// The progress helper: plain lines when the stream is not a terminal (CI logs), a redrawn bar when it is, and
// nothing when quiet.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress } from "../../prover/progress.js";

class Capture extends Writable {
  text = "";
  isTTY?: boolean;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe("createProgress", () => {
  it("writes one plain line per stage (not per step) and a summary when not on a TTY", () => {
    const out = new Capture();
    const p = createProgress("setup", { stream: out, plainIntervalMs: 60_000 });
    for (let i = 0; i <= 100; i++) p.update("zkey A", i, 100);
    p.update("zkey B2", 0, 10);
    p.callback("verification key", 1, 1);
    p.log("a note");
    const s = p.finish("done");
    const lines = out.text.trimEnd().split("\n");
    expect(lines).toEqual([
      "setup: zkey A 0/100",
      "setup: zkey B2 0/10",
      "setup: verification key 1/1",
      "a note",
      expect.stringMatching(/^setup {2}done {2}\(\d+\.\d s\)$/),
    ]);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(out.text).not.toMatch(/\r|\x1b\[/);
  });

  it("repeats a long stage's line at the configured interval", async () => {
    const out = new Capture();
    const p = createProgress("prove", { stream: out, plainIntervalMs: 20 });
    p.update("multiexp H", 1, 9);
    await new Promise((r) => setTimeout(r, 40));
    p.update("multiexp H", 1, 9);
    p.fail("boom");
    const lines = out.text.trimEnd().split("\n");
    expect(lines[0]).toBe("prove: multiexp H 1/9");
    expect(lines[1]).toMatch(/^prove: multiexp H 1\/9 \(\d+\.\d s in stage\)$/);
    expect(lines[2]).toBe("prove: FAILED during multiexp H: boom");
  });

  it("draws a bar on a TTY and clears it at the end", () => {
    const out = new Capture();
    out.isTTY = true;
    const p = createProgress("setup", { stream: out });
    p.update("zkey H", 512, 2048);
    p.finish("ok");
    expect(out.text).toContain("setup ██████░░░░░░░░░░░░░░░░░░  25% zkey H (512/2048)");
    expect(out.text).toMatch(/setup {2}ok {2}\(\d+\.\d s\)\n$/);
  });

  it("prints nothing when quiet", () => {
    const out = new Capture();
    const p = createProgress("x", { stream: out, quiet: true });
    p.update("a", 1, 2);
    p.log("b");
    p.finish("c");
    expect(out.text).toBe("");
  });
});
