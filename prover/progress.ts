// Progress for the prover's long steps (circuit compile, native build, trusted setup, proving): a live bar on a
// terminal, plain lines elsewhere (CI logs, files, pipes), where carriage-return redraws would be noise. Every step
// reports through the same (stage, done, total) callback devSetup already uses, so one reporter serves all of them;
// an unknown total shows the stage and the elapsed time.
import { SingleBar } from "cli-progress";
import type { ProgressCallback } from "./backend/types.js";

export interface ProgressOptions {
  /** Default process.stderr. */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Force the mode; default: a bar when the stream is a TTY. */
  readonly tty?: boolean;
  /** Nothing at all (a caller that prints its own summary). */
  readonly quiet?: boolean;
  /** Non-TTY: a repeat line at most this often within one stage (default 10 s). */
  readonly plainIntervalMs?: number;
}

export interface Progress {
  /** Enters or advances a stage; `total` undefined or 0 for a step with no measurable progress. */
  update(stage: string, done?: number, total?: number): void;
  /** A line that stays in the log above the bar. */
  log(line: string): void;
  /** Ends the display with `label  summary  (N.N s)`; returns the elapsed seconds. */
  finish(summary?: string): number;
  fail(reason?: string): void;
  /** This reporter as the callback devSetup, backends and native builds take. */
  readonly callback: ProgressCallback;
}

const BAR_WIDTH = 24;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function createProgress(label: string, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const quiet = opts.quiet === true;
  const tty = opts.tty ?? stream.isTTY === true;
  const interval = opts.plainIntervalMs ?? 10_000;
  const t0 = performance.now();
  let stage = "";
  let stageT0 = t0;
  let lastLine = 0;
  let done = 0;
  let total = 0;
  let bar: SingleBar | undefined;
  let ended = false;
  const seen = new Set<string>();

  const render = (): string => {
    const elapsed = seconds(performance.now() - t0);
    if (total > 0) {
      const frac = Math.min(1, done / total);
      const full = Math.round(frac * BAR_WIDTH);
      const pct = Math.floor(frac * 100)
        .toString()
        .padStart(3);
      return `${label} ${"█".repeat(full)}${"░".repeat(BAR_WIDTH - full)} ${pct}% ${stage} (${done}/${total}) ${elapsed}`;
    }
    return `${label} … ${stage} ${elapsed}`;
  };

  const ensureBar = (): SingleBar => {
    if (!bar) {
      bar = new SingleBar({
        stream,
        format: () => render(),
        hideCursor: false,
        clearOnComplete: true,
        linewrap: false,
        fps: 4,
      });
      bar.start(1, 0);
    }
    return bar;
  };

  const line = (text: string): void => {
    stream.write(`${text}\n`);
  };

  const update = (name: string, d?: number, t?: number): void => {
    if (quiet || ended) return;
    const now = performance.now();
    const changed = name !== stage;
    if (changed) {
      stage = name;
      stageT0 = now;
    }
    done = d ?? 0;
    total = t ?? 0;
    if (tty) {
      ensureBar().update(0);
      return;
    }
    // A stage's first report always shows; after that at most one line per interval, whichever stage is current, so
    // stages that interleave (the setup runs several at once) cannot flood a log.
    const first = !seen.has(name);
    if (first || now - lastLine >= interval) {
      seen.add(name);
      lastLine = now;
      const count = total > 0 ? ` ${done}/${total}` : "";
      const inStage = first ? "" : ` (${seconds(now - stageT0)} in stage)`;
      line(`${label}: ${stage}${count}${inStage}`);
    }
  };

  const stop = (): void => {
    ended = true;
    if (bar) {
      bar.stop();
      bar = undefined;
    }
  };

  return {
    update,
    log(text: string) {
      if (quiet) return;
      if (bar) {
        // Clear the bar's line, print, and let the next redraw put it back.
        stream.write("\r\x1b[K");
        line(text);
        bar.update(0);
      } else line(text);
    },
    finish(summary?: string) {
      const ms = performance.now() - t0;
      stop();
      if (!quiet) line(`${label}${summary ? `  ${summary}` : ""}  (${seconds(ms)})`);
      return ms / 1000;
    },
    fail(reason?: string) {
      stop();
      if (!quiet) line(`${label}: FAILED${stage ? ` during ${stage}` : ""}${reason ? `: ${reason}` : ""}`);
    },
    callback: (s, d, t) => update(s, d, t),
  };
}
