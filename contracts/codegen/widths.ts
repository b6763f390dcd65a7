// Which Poseidon widths the rollup calls (PROTOCOL §3's chaining of H over k fields), shared by the code generator
// and the deploy module. protocol/poseidon.ts chainShape is the reference; a test compares the two.

/** Fields per chunk of H after the tag / running hash. */
export const CHAIN_CHUNK = 15;

/** Inputs of each Poseidon call H(tag, k fields) makes. */
export function chainWidths(k: number): number[] {
  const widths = [Math.min(k, CHAIN_CHUNK) + 1];
  for (let i = CHAIN_CHUNK; i < k; i += CHAIN_CHUNK) widths.push(Math.min(CHAIN_CHUNK, k - i) + 1);
  return widths;
}

/** Fields hashed per object: a deposit step (§7.1), a forced-request step (§7.8), an L1-effect step (§8). */
export const DEPOSIT_FIELDS = 7;
export const FORCED_FIELDS = 8;
export const EFFECT_FIELDS = 5;

/** Public-input field count (PROTOCOL §9): 12 scalars, then P[M], Q[C], I_old[M], I_new[M]. */
export function publicFieldCount(markets: number, collaterals: number): number {
  return 12 + 3 * markets + collaterals;
}

/** Every width a rollup with `markets` and `collaterals` calls, ascending. */
export function rollupWidths(markets: number, collaterals: number): number[] {
  const set = new Set<number>();
  for (const k of [DEPOSIT_FIELDS, FORCED_FIELDS, EFFECT_FIELDS, publicFieldCount(markets, collaterals)]) {
    for (const w of chainWidths(k)) set.add(w);
  }
  return [...set].sort((a, b) => a - b);
}
