// Static lint of our circom sources for the mistakes circom itself accepts silently and that make a circuit
// unsound: a witness hint (`<--`) nothing constrains, a circomlib comparator fed values nobody range-checked, a
// full-field Num2Bits that aliases, a hand-written `main`, a template whose header does not state its signal types
// and preconditions. Heuristic by design (no full circom parser): each rule says what it looks for, and a
// deliberate exception is written down next to the code with `// lint-allow: <rule> — <reason>`.
//
//   npm run lint:circuits [-- FILE_OR_DIR ...] [--show-allowed]      (default: circuits/)
//
// Conventions (docs/CIRCUITS.md, "Build, fingerprints and lint"):
//   hint-comment      every `x <-- e` carries `// constrained by: <the constraint(s) that pin x>` (or "pinned by"),
//                     trailing on the line, in the comment block just above, or just below the group of hints.
//   comparator-range  an input of LessThan/LessEqThan/GreaterThan/GreaterEqThan(n) is the input of a
//                     Num2Bits/UintRange(k ≤ n) in the same template, or carries `// range: <where it is checked>`;
//                     SignedLessThan(n) likewise with IntRange(k ≤ n) or an unsigned check of k < n bits.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const RULES = [
  "hint-unconstrained",
  "hint-comment",
  "comparator-range",
  "num2bits-full",
  "main-in-source",
  "header",
  "one-template",
] as const;
export type Rule = (typeof RULES)[number];

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly rule: Rule;
  readonly message: string;
}

export interface AllowedFinding extends Finding {
  readonly reason: string;
}

export interface LintResult {
  readonly findings: readonly Finding[];
  readonly allowed: readonly AllowedFinding[];
}

export interface LintContext {
  /** Values of zero-argument constant functions (constants.circom: `function X() { return N; }`). */
  readonly constants: ReadonlyMap<string, bigint>;
}

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "..", "..");

/** Unsigned circomlib comparators: both inputs must be < 2^n. */
const UNSIGNED_COMPARATORS = new Set(["LessThan", "LessEqThan", "GreaterThan", "GreaterEqThan"]);
const SIGNED_COMPARATORS = new Set(["SignedLessThan"]);
/** Templates whose `in` is range-checked as an unsigned value of their first parameter's bits. */
const UNSIGNED_RANGE = new Set(["Num2Bits", "UintRange"]);
/** Signed range check Int<k>: enough for SignedLessThan, not for circomlib's unsigned comparators (a negative
 *  value is a field element near r, far above 2^n). */
const SIGNED_RANGE = new Set(["IntRange"]);
/** Templates whose `out` is an unsigned value of their first parameter's bits: Abs(k) gives |x| ≤ 2^(k−1). */
const UNSIGNED_OUTPUT = new Set(["Abs", "Bits2Num"]);

const HINT_MARKER = /\b(?:constrained|pinned)\s+by\b:?\s*\S/i;
const RANGE_MARKER = /\brange:\s*\S/i;
const ALLOW_RE = /\blint-allow:\s*([a-z0-9-]+)\s*(?:[—–:-]+\s*)?(.*)$/i;
const TYPE_ANNOTATION = /\{[A-Za-z][^}]*\}/;

// ---------------------------------------------------------------------------------------------------------------
// Source model: code with comments blanked (offsets and lines preserved), and each line's comment text.

interface Source {
  readonly file: string;
  readonly code: string;
  readonly lineStarts: readonly number[];
  /** Comment text per line (1-based index; "" when none). */
  readonly comments: readonly string[];
  /** Whether a line holds any code (1-based). */
  readonly hasCode: readonly boolean[];
}

function parseSource(file: string, text: string): Source {
  let code = "";
  const lineCount = text.split("\n").length;
  const comments: string[] = Array.from({ length: lineCount + 2 }, () => "");
  const hasCode: boolean[] = Array.from({ length: lineCount + 2 }, () => false);
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? text.length : end;
      comments[line] += text.slice(i + 2, stop);
      code += " ".repeat(stop - i);
      i = stop;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (const ch of text.slice(i, stop)) {
        if (ch === "\n") {
          code += "\n";
          line++;
        } else {
          code += " ";
          comments[line] += ch;
        }
      }
      i = stop;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      const stop = end < 0 ? text.length : end + 1;
      code += text.slice(i, stop);
      hasCode[line] = true;
      i = stop;
    } else {
      code += c;
      if (c === "\n") line++;
      else if (!/\s/.test(c)) hasCode[line] = true;
      i++;
    }
  }
  const lineStarts = [0];
  for (let j = 0; j < code.length; j++) if (code[j] === "\n") lineStarts.push(j + 1);
  return { file, code, lineStarts, comments, hasCode };
}

function lineOf(src: Source, offset: number): number {
  let lo = 0;
  let hi = src.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (src.lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

// ---------------------------------------------------------------------------------------------------------------
// Templates and statements

interface Statement {
  /** Statement text without control-flow prefixes (`for (...)`, `if (...)`, `else`), whitespace collapsed. */
  readonly text: string;
  readonly firstLine: number;
  readonly lastLine: number;
  readonly index: number;
}

interface Template {
  readonly name: string;
  readonly params: readonly string[];
  readonly line: number;
  readonly statements: readonly Statement[];
}

const TEMPLATE_RE = /\btemplate\s+(?:parallel\s+|custom\s+)*([A-Za-z_$][\w$]*)\s*\(([^)]*)\)\s*\{/g;

function matchClose(code: string, open: number, o: string, c: string): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === o) depth++;
    else if (code[i] === c && --depth === 0) return i;
  }
  return code.length;
}

function stripControl(s: string): string {
  let t = s.trim();
  for (;;) {
    const m = /^(for|while|if)\s*\(/.exec(t);
    if (m) {
      const open = t.indexOf("(");
      t = t.slice(matchClose(t, open, "(", ")") + 1).trim();
      continue;
    }
    const e = /^else\b/.exec(t);
    if (e) {
      t = t.slice(e[0].length).trim();
      continue;
    }
    return t;
  }
}

function parseTemplates(src: Source): Template[] {
  const out: Template[] = [];
  for (const m of src.code.matchAll(TEMPLATE_RE)) {
    const open = m.index + m[0].length - 1;
    const close = matchClose(src.code, open, "{", "}");
    const statements: Statement[] = [];
    let depth = 0;
    let start = open + 1;
    const push = (end: number): void => {
      const raw = src.code.slice(start, end);
      const lead = raw.length - raw.trimStart().length;
      const text = stripControl(raw).replace(/\s+/g, " ");
      if (text !== "") {
        statements.push({
          text,
          firstLine: lineOf(src, start + lead),
          lastLine: lineOf(src, Math.max(start, end - 1)),
          index: statements.length,
        });
      }
      start = end + 1;
    };
    for (let i = open + 1; i < close; i++) {
      const ch = src.code[i]!;
      if (ch === "(" || ch === "[") depth++;
      else if (ch === ")" || ch === "]") depth--;
      else if (ch === "{" && /\b(?:signal|input|output)\s*$/.test(src.code.slice(start, i))) {
        // A tag list (`signal input {binary} x`), not a block.
        i = matchClose(src.code, i, "{", "}");
      } else if (depth === 0 && (ch === ";" || ch === "{" || ch === "}")) push(i);
    }
    push(close);
    out.push({
      name: m[1]!,
      params: m[2]!
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p !== ""),
      line: lineOf(src, m.index),
      statements,
    });
  }
  return out;
}

/** Removes every balanced `[...]` (indices), so `c[i].in[0]` becomes `c.in`. */
function stripIndices(s: string): string {
  let out = "";
  let depth = 0;
  for (const ch of s) {
    if (ch === "[") depth++;
    else if (ch === "]") depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

function norm(s: string): string {
  return s.replace(/\s+/g, "");
}

function mentions(text: string, path: string): boolean {
  const escaped = path.replace(/[.$]/g, (c) => `\\${c}`);
  return new RegExp(`(?<![\\w.$])${escaped}(?![\\w$])`).test(stripIndices(text));
}

const isConstraint = (s: string): boolean => /===|<==|==>/.test(s);

interface Hint {
  readonly target: string;
  readonly stmt: Statement;
}

function hintOf(stmt: Statement): Hint | undefined {
  const left = /^(.*?)<--(.*)$/.exec(stmt.text);
  if (left) return { target: declTarget(left[1]!), stmt };
  const right = /^(.*?)-->(.*)$/.exec(stmt.text);
  if (right) return { target: declTarget(right[2]!), stmt };
  return undefined;
}

/** `signal output {tag} x[2]` → `x`; `c[i].in[0]` → `c.in`. */
function declTarget(s: string): string {
  const t = s
    .replace(/^\s*signal\b/, "")
    .replace(/^\s*(input|output)\b/, "")
    .replace(/\{[^}]*\}/g, "");
  return norm(stripIndices(t));
}

/** Names declared by `signal ...` statements (inputs, outputs, intermediates). */
function signalNames(t: Template): { all: Set<string>; io: Map<string, "input" | "output"> } {
  const all = new Set<string>();
  const io = new Map<string, "input" | "output">();
  for (const s of t.statements) {
    const m = /^signal\b\s*(input|output)?\s*(?:\{[^}]*\}\s*)?(.*)$/.exec(s.text);
    if (!m) continue;
    const decl = m[2]!.split(/<==|<--|={1}/)[0]!;
    for (const part of stripIndices(decl).split(",")) {
      const name = /^\s*([A-Za-z_$][\w$]*)/.exec(part)?.[1];
      if (!name) continue;
      all.add(name);
      if (m[1]) io.set(name, m[1] as "input" | "output");
    }
  }
  return { all, io };
}

// ---------------------------------------------------------------------------------------------------------------
// Constant evaluation of bit widths: numbers, constants.circom functions, and template vars assigned once.

type Env = ReadonlyMap<string, bigint>;

export function evaluate(expr: string, env: Env, constants: ReadonlyMap<string, bigint>): bigint | undefined {
  const tokens = expr.match(
    /0x[0-9a-fA-F]+|\d+|[A-Za-z_$][\w$]*\s*\(\s*\)|[A-Za-z_$][\w$]*|\*\*|[-+*/\\%()]/g,
  );
  if (!tokens || norm(tokens.join("")) !== norm(expr)) return undefined;
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const fail = (): never => {
    throw new Error("not constant");
  };
  const primary = (): bigint => {
    const t = tokens[pos++] ?? fail();
    if (t === "(") {
      const v = sum();
      if (tokens[pos++] !== ")") fail();
      return v;
    }
    if (t === "-") return -primary();
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(t)) return BigInt(t);
    const call = /^([A-Za-z_$][\w$]*)\s*\(\s*\)$/.exec(t);
    if (call) return constants.get(call[1]!) ?? fail();
    return env.get(t) ?? fail();
  };
  const power = (): bigint => {
    const b = primary();
    if (peek() === "**") {
      pos++;
      const e = power();
      if (e < 0n || e > 1024n) fail();
      return b ** e;
    }
    return b;
  };
  const product = (): bigint => {
    let v = power();
    while (peek() === "*" || peek() === "/" || peek() === "\\" || peek() === "%") {
      const op = tokens[pos++]!;
      const r = power();
      if (op === "*") v *= r;
      else if (r === 0n) fail();
      else if (op === "%") v %= r;
      else v /= r;
    }
    return v;
  };
  const sum = (): bigint => {
    let v = product();
    while (peek() === "+" || peek() === "-") {
      const op = tokens[pos++]!;
      const r = product();
      v = op === "+" ? v + r : v - r;
    }
    return v;
  };
  try {
    const v = sum();
    return pos === tokens.length ? v : undefined;
  } catch {
    return undefined;
  }
}

function templateEnv(t: Template, constants: ReadonlyMap<string, bigint>): Map<string, bigint> {
  const env = new Map<string, bigint>();
  const reassigned = new Set<string>();
  for (const s of t.statements) {
    const m = /^([A-Za-z_$][\w$]*)\s*(?:[-+*/]?=(?!=)|\+\+|--)/.exec(s.text);
    if (m && !/^var\b/.test(s.text)) reassigned.add(m[1]!);
  }
  for (const s of t.statements) {
    const m = /^var\s+([A-Za-z_$][\w$]*)\s*=(?!=)\s*(.*)$/.exec(s.text);
    if (!m || reassigned.has(m[1]!)) continue;
    const v = evaluate(m[2]!, env, constants);
    if (v !== undefined) env.set(m[1]!, v);
  }
  return env;
}

// ---------------------------------------------------------------------------------------------------------------
// Comment attachment

function commentBlockAbove(src: Source, line: number, passThrough: (l: number) => boolean): string[] {
  const out: string[] = [];
  for (let l = line - 1; l >= 1; l--) {
    const c = src.comments[l]!;
    if (!src.hasCode[l] && c.trim() !== "") out.push(c);
    else if (src.hasCode[l] && passThrough(l)) {
      if (c) out.push(c);
    } else break;
  }
  return out;
}

function commentBlockBelow(src: Source, line: number, passThrough: (l: number) => boolean): string[] {
  const out: string[] = [];
  for (let l = line + 1; l < src.comments.length; l++) {
    const c = src.comments[l]!;
    if (!src.hasCode[l] && c.trim() !== "") out.push(c);
    else if (src.hasCode[l] && passThrough(l)) {
      if (c) out.push(c);
    } else break;
  }
  return out;
}

function trailing(src: Source, s: Statement): string[] {
  const out: string[] = [];
  for (let l = s.firstLine; l <= s.lastLine; l++) if (src.comments[l]) out.push(src.comments[l]!);
  return out;
}

/** Comments attached to a statement: on its lines and the comment-only block directly above it. */
function attached(src: Source, s: Statement): string[] {
  return [...trailing(src, s), ...commentBlockAbove(src, s.firstLine, () => false)];
}

// ---------------------------------------------------------------------------------------------------------------
// Rules

interface RangeCheck {
  readonly kind: "unsigned" | "signed";
  readonly bits: string;
  readonly line: number;
}

function checkHints(src: Source, t: Template, report: (line: number, rule: Rule, msg: string) => void): void {
  const hints = t.statements.map(hintOf).filter((h): h is Hint => h !== undefined);
  const hintLines = new Set<number>();
  for (const h of hints) for (let l = h.stmt.firstLine; l <= h.stmt.lastLine; l++) hintLines.add(l);
  const declLines = new Set<number>();
  for (const s of t.statements) {
    if (/^signal\b/.test(s.text) && !/<--|-->|<==|==>/.test(s.text)) {
      for (let l = s.firstLine; l <= s.lastLine; l++) declLines.add(l);
    }
  }
  for (const h of hints) {
    const later = t.statements.filter((s) => s.index > h.stmt.index && isConstraint(s.text));
    if (!later.some((s) => mentions(s.text, h.target))) {
      report(
        h.stmt.firstLine,
        "hint-unconstrained",
        `\`${h.target}\` is assigned with <-- in ${t.name} and no later constraint (===, <==, ==>) of the template mentions it`,
      );
    }
    const near = [
      ...trailing(src, h.stmt),
      ...commentBlockAbove(src, h.stmt.firstLine, (l) => hintLines.has(l) || declLines.has(l)),
      ...commentBlockBelow(src, h.stmt.lastLine, (l) => hintLines.has(l)),
    ];
    if (!near.some((c) => HINT_MARKER.test(c))) {
      report(
        h.stmt.firstLine,
        "hint-comment",
        `\`${h.target} <--\` in ${t.name} has no "// constrained by: <constraint>" comment naming what pins it`,
      );
    }
  }
}

function collectRangeChecks(t: Template): Map<string, RangeCheck[]> {
  // Components instantiated as a range check, by name (indices stripped).
  const comps = new Map<string, { kind: "unsigned" | "signed"; bits: string }>();
  const producers = new Map<string, string>();
  const checked = new Map<string, RangeCheck[]>();
  const add = (expr: string, rc: RangeCheck): void => {
    const k = norm(expr);
    checked.set(k, [...(checked.get(k) ?? []), rc]);
  };
  for (const s of t.statements) {
    const m =
      /^(?:component\s+)?([A-Za-z_$][\w$]*)(?:\[[^\]]*\])*\s*=(?!=)\s*([A-Za-z_$][\w$]*)\s*\((.*)\)$/.exec(
        s.text,
      );
    if (m && (UNSIGNED_RANGE.has(m[2]!) || SIGNED_RANGE.has(m[2]!))) {
      comps.set(m[1]!, { kind: UNSIGNED_RANGE.has(m[2]!) ? "unsigned" : "signed", bits: m[3]! });
    }
    if (m && UNSIGNED_OUTPUT.has(m[2]!)) producers.set(m[1]!, m[3]!);
    // Anonymous: UintRange(k)(x), possibly as the right side of an assignment.
    for (const a of s.text.matchAll(
      /\b(Num2Bits|UintRange|IntRange)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g,
    )) {
      add(a[3]!, { kind: UNSIGNED_RANGE.has(a[1]!) ? "unsigned" : "signed", bits: a[2]!, line: s.firstLine });
    }
  }
  for (const s of t.statements) {
    const fwd = /^(.*?)<==(.*)$/.exec(s.text);
    const bwd = /^(.*?)==>(.*)$/.exec(s.text);
    const [lhs, rhs] = fwd ? [fwd[1]!, fwd[2]!] : bwd ? [bwd[2]!, bwd[1]!] : [undefined, undefined];
    if (lhs === undefined || rhs === undefined) continue;
    const target = norm(stripIndices(lhs));
    const dot = /^([A-Za-z_$][\w$]*)\.in$/.exec(target);
    const comp = dot ? comps.get(dot[1]!) : undefined;
    if (comp) add(rhs, { ...comp, line: s.firstLine });
    // `x <== abs.out`: x is as bounded as the producer's output.
    const out = /^([A-Za-z_$][\w$]*)\.out$/.exec(norm(stripIndices(rhs)));
    const bits = out ? producers.get(out[1]!) : undefined;
    if (bits !== undefined) add(lhs, { kind: "unsigned", bits, line: s.firstLine });
  }
  // A producer's output itself, wherever it is read (`abs[m].out`).
  for (const s of t.statements) {
    for (const o of s.text.matchAll(/(?<![\w.$])([A-Za-z_$][\w$]*)((?:\[[^\]]*\])*)\.out\b(?!\s*\[)/g)) {
      const bits = producers.get(o[1]!);
      if (bits !== undefined) add(o[0], { kind: "unsigned", bits, line: s.firstLine });
    }
  }
  return checked;
}

/** Whether `expr` reads anything but template parameters, vars and function calls (a signal, bus or component). */
function readsSignal(expr: string, constantNames: ReadonlySet<string>): boolean {
  for (const m of expr.matchAll(/(?<![\w.$])([A-Za-z_$][\w$]*)(?![\w$])(?!\s*\()/g)) {
    if (!constantNames.has(m[1]!)) return true;
  }
  return false;
}

function checkComparators(
  src: Source,
  t: Template,
  ctx: LintContext,
  report: (line: number, rule: Rule, msg: string) => void,
): void {
  const env = templateEnv(t, ctx.constants);
  const constantNames = new Set<string>(t.params);
  for (const s of t.statements) {
    for (const m of s.text.matchAll(/\bvar\s+([A-Za-z_$][\w$]*)/g)) constantNames.add(m[1]!);
  }
  const checked = collectRangeChecks(t);
  const leq = (k: string, n: string, strict: boolean): boolean | undefined => {
    const kv = evaluate(k, env, ctx.constants);
    const nv = evaluate(n, env, ctx.constants);
    if (kv !== undefined && nv !== undefined) return strict ? kv < nv : kv <= nv;
    if (!strict && norm(k) === norm(n)) return true;
    return undefined;
  };

  for (const s of t.statements) {
    // Anonymous comparators cannot be followed to their inputs: they must state the range.
    for (const a of s.text.matchAll(
      /\b([A-Za-z_$][\w$]*)\s*\([^()]*(?:\([^()]*\)[^()]*)*\)\s*\(\s*\)\s*\(/g,
    )) {
      if (!UNSIGNED_COMPARATORS.has(a[1]!) && !SIGNED_COMPARATORS.has(a[1]!)) continue;
      if (!attached(src, s).some((c) => RANGE_MARKER.test(c))) {
        report(
          s.firstLine,
          "comparator-range",
          `anonymous ${a[1]} in ${t.name}: add "// range: <where both inputs are checked>"`,
        );
      }
    }
    const m =
      /^(?:component\s+)?([A-Za-z_$][\w$]*)(?:\[[^\]]*\])*\s*=(?!=)\s*([A-Za-z_$][\w$]*)\s*\((.*)\)$/.exec(
        s.text,
      );
    if (!m) continue;
    const [, comp, kind, nExpr] = [m[0], m[1]!, m[2]!, m[3]!];
    const signed = SIGNED_COMPARATORS.has(kind);
    if (!signed && !UNSIGNED_COMPARATORS.has(kind)) continue;
    const instRange = attached(src, s).some((c) => RANGE_MARKER.test(c));
    // Every assignment to comp.in (any index): `c.in[i] <== e`, `e ==> c.in[i]`, `c.in <== [a, b]`.
    for (const a of t.statements) {
      const fwd = /^(.*?)<==(.*)$/.exec(a.text);
      const bwd = /^(.*?)==>(.*)$/.exec(a.text);
      const [lhs, rhs] = fwd ? [fwd[1]!, fwd[2]!] : bwd ? [bwd[2]!, bwd[1]!] : [undefined, undefined];
      if (lhs === undefined || rhs === undefined || norm(stripIndices(lhs)) !== `${comp}.in`) continue;
      const slot = /\.in\s*(\[[^\]]*\])?\s*$/.exec(lhs.trim())?.[1] ?? "";
      const arr = /^\s*\[(.*)\]\s*$/.exec(rhs);
      const inputs = arr
        ? arr[1]!.split(",").map((e, i) => ({ slot: `[${i}]`, expr: e }))
        : [{ slot, expr: rhs }];
      const stated = instRange || attached(src, a).some((c) => RANGE_MARKER.test(c));
      for (const { slot: sl, expr } of inputs) {
        if (!readsSignal(expr, constantNames)) continue; // a constant
        const found = checked.get(norm(expr)) ?? [];
        const ok = found.some((rc) =>
          signed
            ? rc.kind === "signed"
              ? leq(rc.bits, nExpr, false) === true
              : leq(rc.bits, nExpr, true) === true
            : rc.kind === "unsigned" && leq(rc.bits, nExpr, false) === true,
        );
        if (ok || stated) continue;
        const why =
          found.length > 0
            ? `its range check${found.length > 1 ? "s" : ""} (${found.map((f) => `${f.kind} ${f.bits.trim()} bits, line ${f.line}`).join("; ")}) ${signed ? "are not shown to fit Int" : "are not shown ≤"} ${nExpr.trim()} bits`
            : `it is not the input of a ${signed ? "IntRange/UintRange" : "Num2Bits/UintRange"} in ${t.name}`;
        report(
          a.firstLine,
          "comparator-range",
          `${kind}(${nExpr.trim()}) ${comp}.in${sl} = \`${expr.trim()}\`: ${why}; range-check it or add "// range: <where the caller checks it>"`,
        );
      }
    }
  }
}

function checkNum2Bits(
  t: Template,
  ctx: LintContext,
  report: (line: number, rule: Rule, msg: string) => void,
): void {
  const env = templateEnv(t, ctx.constants);
  for (const s of t.statements) {
    for (const m of s.text.matchAll(/\bNum2Bits\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g)) {
      const bits = evaluate(m[1]!, env, ctx.constants);
      if (bits !== undefined && bits >= 253n) {
        report(
          s.firstLine,
          "num2bits-full",
          `Num2Bits(${m[1]!.trim()}) = ${bits} bits in ${t.name}: ${bits >= 254n ? "254 bits alias (x and x + r both decompose)" : "253 bits cannot hold every field element"}; use Num2Bits_strict for a full-field decomposition, or UintRange(n ≤ 253) for a range check`,
        );
      }
    }
  }
}

function headerLines(src: Source): { line: number; text: string }[] {
  // The comment lines before the first include/template/function (the pragma and blank lines are skipped).
  const out: { line: number; text: string }[] = [];
  for (let l = 1; l < src.comments.length; l++) {
    if (src.hasCode[l]) {
      const code = src.code.slice(src.lineStarts[l - 1], src.lineStarts[l] ?? src.code.length).trim();
      if (/^pragma\b/.test(code)) continue;
      break;
    }
    if (src.comments[l]!.trim() !== "") out.push({ line: l, text: src.comments[l]! });
  }
  return out;
}

function checkHeader(
  src: Source,
  t: Template,
  report: (line: number, rule: Rule, msg: string) => void,
): void {
  const header = headerLines(src);
  if (header.length === 0) {
    report(
      t.line,
      "header",
      `${t.name}: no header comment (purpose, "Signals:" with {types}, NOTE: preconditions)`,
    );
    return;
  }
  const missing: string[] = [];
  const all = header.map((h) => h.text).join("\n");
  if (!new RegExp(`\\b${t.name}\\b`).test(all)) missing.push(`the purpose line naming ${t.name}`);
  const { io } = signalNames(t);
  const untyped = [...io.keys()].filter(
    (name) =>
      !header.some(
        (h) => TYPE_ANNOTATION.test(h.text) && new RegExp(`(?<![\\w$])${name}(?![\\w$])`).test(h.text),
      ),
  );
  if (untyped.length > 0) missing.push(`a {type} for ${untyped.join(", ")}`);
  if (!/\bNOTE:/.test(all)) missing.push('a "NOTE:" line (the caller\'s preconditions, or "NOTE: none")');
  if (missing.length > 0) report(header[0]!.line, "header", `${t.name} header lacks ${missing.join("; ")}`);
}

/** Lints one file's text. `file` is only used in findings. */
export function lintSource(file: string, text: string, ctx: LintContext): LintResult {
  const src = parseSource(file, text);
  const raw: Finding[] = [];
  const report = (line: number, rule: Rule, message: string): void =>
    void raw.push({ file, line, rule, message });
  for (const m of src.code.matchAll(/\bcomponent\s+main\b/g)) {
    report(
      lineOf(src, m.index),
      "main-in-source",
      "`component main` in a source file: mains are generated from circuits/mains.ts",
    );
  }
  const templates = parseTemplates(src);
  for (const extra of templates.slice(1)) {
    report(
      extra.line,
      "one-template",
      `second template ${extra.name} in the file (one template per file; ${templates[0]!.name} is first)`,
    );
  }
  if (templates[0]) checkHeader(src, templates[0], report);
  for (const t of templates) {
    checkHints(src, t, report);
    checkComparators(src, t, ctx, report);
    checkNum2Bits(t, ctx, report);
  }
  // Suppressions: `// lint-allow: <rule> — <reason>` on the flagged line or in the comment block above it.
  const findings: Finding[] = [];
  const allowed: AllowedFinding[] = [];
  for (const f of raw) {
    const near = [src.comments[f.line] ?? "", ...commentBlockAbove(src, f.line, () => false)];
    let reason: string | undefined;
    for (const c of near) {
      const m = ALLOW_RE.exec(c);
      if (m && m[1] === f.rule && m[2]!.trim() !== "") reason = m[2]!.trim();
    }
    if (reason !== undefined) allowed.push({ ...f, reason });
    else findings.push(f);
  }
  return { findings, allowed };
}

/** Constant functions of a constants file (`function NAME() { return N; }`). */
export function readConstants(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const m of text.matchAll(/function\s+([A-Za-z_$][\w$]*)\s*\(\s*\)\s*\{\s*return\s+(\d+)\s*;\s*\}/g)) {
    out.set(m[1]!, BigInt(m[2]!));
  }
  return out;
}

export function defaultContext(): LintContext {
  const p = join(REPO_ROOT, "circuits/lib/constants.circom");
  return { constants: existsSync(p) ? readConstants(readFileSync(p, "utf8")) : new Map() };
}

function circomFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return path.endsWith(".circom") ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((n) => circomFiles(join(path, n)));
}

export function lintPaths(paths: readonly string[], ctx: LintContext = defaultContext()): LintResult {
  const findings: Finding[] = [];
  const allowed: AllowedFinding[] = [];
  for (const p of paths) {
    for (const f of circomFiles(resolve(REPO_ROOT, p))) {
      const r = lintSource(relative(REPO_ROOT, f), readFileSync(f, "utf8"), ctx);
      findings.push(...r.findings);
      allowed.push(...r.allowed);
    }
  }
  return { findings, allowed };
}

function main(): void {
  const argv = process.argv.slice(2);
  const showAllowed = argv.includes("--show-allowed");
  const paths = argv.filter((a) => !a.startsWith("--"));
  const { findings, allowed } = lintPaths(paths.length > 0 ? paths : ["circuits"]);
  for (const f of findings) process.stdout.write(`${f.file}:${f.line}: [${f.rule}] ${f.message}\n`);
  if (showAllowed) {
    for (const a of allowed) process.stdout.write(`allowed ${a.file}:${a.line}: [${a.rule}] ${a.reason}\n`);
  }
  const byRule = RULES.map((r) => [r, findings.filter((f) => f.rule === r).length] as const).filter(
    ([, n]) => n > 0,
  );
  process.stdout.write(
    `circuit-lint: ${findings.length} finding(s)${byRule.length ? ` (${byRule.map(([r, n]) => `${r} ${n}`).join(", ")})` : ""}, ${allowed.length} allowed by lint-allow\n`,
  );
  process.exitCode = findings.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
