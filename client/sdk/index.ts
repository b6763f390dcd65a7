// The trader SDK's public surface: keys and key files, signing, the REST and WebSocket clients, the chain (deposits,
// settled root, withdrawal pulls), the local account mirror, slot bookkeeping, units, and the Trader session.
export * from "./errors.js";
export * from "./keys.js";
export * from "./signing.js";
export * from "./slots.js";
export * from "./units.js";
export * from "./client.js";
export * from "./ws.js";
export * from "./chain.js";
export * from "./mirror.js";
export * from "./trader.js";
export type * from "./types.js";
