// Worker thread for the development setup. ffjavascript only offers
// variable-base scalar multiplication (~260 us per G1 point here), but every
// point of a development ptau/zkey is k*G for the fixed generator G, so this
// worker runs a fixed-base signed-window method straight on ffjavascript's
// bn128 wasm exports (~16 mixed additions per point). It also does the
// constraint-by-constraint field accumulation for the zkey, which would
// cost microseconds per element through ffjavascript's copying JS API.
// Plain CommonJS so that it loads the same way under node, tsx and vitest.
"use strict";

// ffjavascript itself cannot be loaded in a worker thread (its web-worker
// shim takes over any non-main thread), so the main thread hands over the
// bn128 wasm binary and the generators instead.
const { parentPort, workerData } = require("node:worker_threads");

const FR_N8 = 32;
// ffjavascript keeps the free-memory pointer at address 0; wasm batch
// functions (batchToAffine, ...) take their scratch space from there.
const WASM_PAGE = 65536;

let ex;
let memory;
let persistentTop = 0; // end of long-lived allocations (window tables)
let top = 0; // end of allocations for the current task
const tables = new Map();

const groups = {
  1: { prefix: "g1m", n8: 32 },
  2: { prefix: "g2m", n8: 64 },
};

function u8() {
  return new Uint8Array(memory.buffer);
}

function ensure(end) {
  const have = memory.buffer.byteLength;
  if (end > have) memory.grow(Math.ceil((end - have) / WASM_PAGE));
}

function setFree(p) {
  new Uint32Array(memory.buffer, 0, 1)[0] = p;
}

// Allocations are 8-aligned; `scratch` extra bytes stay free above for the
// temporaries wasm batch functions allocate from the free pointer.
function alloc(len, scratch) {
  const p = (top + 7) & ~7;
  top = p + len;
  ensure(top + (scratch || 0) + WASM_PAGE);
  setFree(top);
  return p;
}

function put(bytes, scratch) {
  const p = alloc(bytes.byteLength, scratch);
  u8().set(bytes, p);
  return p;
}

function get(p, len) {
  return u8().slice(p, p + len);
}

function resetTask() {
  top = persistentTop;
  setFree(top);
}

// Table for window width w: entry (j, k-1) = k * 2^(w*j) * G, k = 1..2^(w-1),
// enough windows that a signed recoding of any 255-bit scalar fits.
function getTable(group, w) {
  const key = group + ":" + w;
  const cached = tables.get(key);
  if (cached) return cached;
  const { prefix, n8 } = groups[group];
  const sA = n8 * 2;
  const sJ = n8 * 3;
  const half = 1 << (w - 1);
  const nw = Math.ceil(255 / w);
  resetTask();
  const pTable = alloc(nw * half * sA);
  persistentTop = top;
  const gen = group === 1 ? workerData.g1 : workerData.g2;
  const pBase = alloc(sJ);
  const pGen = put(gen);
  ex[prefix + "_toJacobian"](pGen, pBase);
  const pBaseA = alloc(sA);
  const pTmp = alloc(half * sJ, half * sJ);
  for (let j = 0; j < nw; j++) {
    ex[prefix + "_toAffine"](pBase, pBaseA);
    ex[prefix + "_copy"](pBase, pTmp);
    if (half > 1) ex[prefix + "_double"](pBase, pTmp + sJ);
    for (let k = 2; k < half; k++) {
      ex[prefix + "_addMixed"](pTmp + (k - 1) * sJ, pBaseA, pTmp + k * sJ);
    }
    ex[prefix + "_batchToAffine"](pTmp, half, pTable + j * half * sA);
    // 2^w * B = 2 * (2^(w-1) * B)
    ex[prefix + "_double"](pTmp + (half - 1) * sJ, pBase);
  }
  const t = { pTable, w, half, nw, sA, sJ, prefix };
  tables.set(key, t);
  resetTask();
  return t;
}

// Signed w-bit digits of each scalar (normal-form little-endian), window
// by window; digits lie in [-(2^(w-1)-1), 2^(w-1)] so they index the table.
function recode(scalars, n, w, nw) {
  const digits = new Int32Array(n * nw);
  const mask = (1 << w) - 1;
  const half = 1 << (w - 1);
  const full = 1 << w;
  for (let i = 0; i < n; i++) {
    const base = i * FR_N8;
    let carry = 0;
    for (let j = 0; j < nw; j++) {
      const bit = j * w;
      const byte = bit >>> 3;
      let v = 0;
      if (byte < FR_N8) v = scalars[base + byte];
      if (byte + 1 < FR_N8) v |= scalars[base + byte + 1] << 8;
      if (byte + 2 < FR_N8) v |= scalars[base + byte + 2] << 16;
      let d = ((v >>> (bit & 7)) & mask) + carry;
      if (d > half) {
        d -= full;
        carry = 1;
      } else {
        carry = 0;
      }
      digits[j * n + i] = d;
    }
    if (carry !== 0) throw new Error("fixedBase: scalar does not fit the window table");
  }
  return digits;
}

// out[i] = scalars[i] * G, scalars in normal (non-Montgomery) little-endian
// form. Returns affine Montgomery points (snarkjs's LEM layout) and, on
// request, the uncompressed/compressed encodings used by ptau hashes.
//
// Accumulators stay affine and each window's additions share one batched
// inversion (Montgomery's trick): about 6 field multiplications per addition
// instead of 11 for a mixed Jacobian one. The rare additions whose operands
// share an x coordinate (doubling or cancellation) go through the Jacobian
// formulas instead.
function fixedBase(msg) {
  const t = getTable(msg.group, msg.w);
  const { pTable, w, half, nw, sA, sJ, prefix } = t;
  const fp = msg.group === 1 ? "f1m" : "f2m";
  const fs = sA / 2;
  const n = msg.scalars.byteLength / FR_N8;
  const digits = recode(msg.scalars, n, w, nw);
  resetTask();
  const pAcc = alloc(n * sA);
  const pDen = alloc(n * fs);
  const pInv = alloc(n * fs, (n + 1) * fs);
  const pNum = alloc(fs);
  const pLambda = alloc(fs);
  const pX3 = alloc(fs);
  const pT = alloc(fs);
  const pJac = alloc(sJ);
  const isZero = new Uint8Array(n).fill(1);
  const list = new Int32Array(n);
  const special = new Uint8Array(n);
  const { [fp + "_sub"]: sub, [fp + "_add"]: add, [fp + "_neg"]: neg, [fp + "_mul"]: mul } = ex;
  const { [fp + "_square"]: square, [fp + "_copy"]: copy, [fp + "_isZero"]: fIsZero } = ex;
  const batchInverse = ex[fp + "_batchInverse"];
  for (let j = 0; j < nw; j++) {
    const row = j * n;
    const pRow = pTable + j * half * sA;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const d = digits[row + i];
      if (d === 0) continue;
      const pP = pRow + ((d > 0 ? d : -d) - 1) * sA;
      const pA = pAcc + i * sA;
      if (isZero[i]) {
        copy(pP, pA);
        if (d > 0) copy(pP + fs, pA + fs);
        else neg(pP + fs, pA + fs);
        isZero[i] = 0;
        continue;
      }
      const pD = pDen + m * fs;
      sub(pP, pA, pD);
      special[m] = fIsZero(pD);
      list[m++] = i;
    }
    if (m === 0) continue;
    batchInverse(pDen, fs, m, pInv, fs);
    for (let k = 0; k < m; k++) {
      const i = list[k];
      const d = digits[row + i];
      const pP = pRow + ((d > 0 ? d : -d) - 1) * sA;
      const pA = pAcc + i * sA;
      if (special[k]) {
        ex[prefix + "_toJacobian"](pA, pJac);
        if (d > 0) ex[prefix + "_addMixed"](pJac, pP, pJac);
        else ex[prefix + "_subMixed"](pJac, pP, pJac);
        if (ex[prefix + "_isZero"](pJac)) isZero[i] = 1;
        else ex[prefix + "_toAffine"](pJac, pA);
        continue;
      }
      // lambda = (yP' - yA) / (xP - xA), yP' = +-yP
      if (d > 0) {
        sub(pP + fs, pA + fs, pNum);
      } else {
        add(pP + fs, pA + fs, pNum);
        neg(pNum, pNum);
      }
      mul(pNum, pInv + k * fs, pLambda);
      // x3 = lambda^2 - xA - xP; y3 = lambda (xA - x3) - yA
      square(pLambda, pX3);
      sub(pX3, pA, pX3);
      sub(pX3, pP, pX3);
      sub(pA, pX3, pT);
      mul(pLambda, pT, pT);
      sub(pT, pA + fs, pA + fs);
      copy(pX3, pA);
    }
  }
  for (let i = 0; i < n; i++) if (isZero[i]) ex[prefix + "_zeroAffine"](pAcc + i * sA);
  const out = { lem: get(pAcc, n * sA) };
  if (msg.wantU) {
    const pU = alloc(n * sA, n * sA);
    ex[prefix + "_batchLEMtoU"](pAcc, n, pU);
    out.u = get(pU, n * sA);
  }
  if (msg.wantC) {
    const pC = alloc(n * fs, n * sA);
    ex[prefix + "_batchLEMtoC"](pAcc, n, pC);
    out.c = get(pC, n * fs);
  }
  resetTask();
  return out;
}

// Replays snarkjs zkey_new's H-point hashing: (p1[i] - p2[i]) through
// g1m_subAffine, batchToAffine and batchLEMtoU, the same wasm calls on the
// same bytes, so even a point read past the end of a section hashes the same.
function subToU(msg) {
  const n = msg.p1.byteLength / 64;
  resetTask();
  const p1 = put(msg.p1);
  const p2 = put(msg.p2);
  const pJ = alloc(n * 96, n * 96);
  for (let i = 0; i < n; i++) ex.g1m_subAffine(p1 + i * 64, p2 + i * 64, pJ + i * 96);
  ex.g1m_batchToAffine(pJ, n, pJ);
  ex.g1m_batchLEMtoU(pJ, n, pJ);
  const out = { u: get(pJ, n * 64) };
  resetTask();
  return out;
}

function convert(msg) {
  const { prefix, n8 } = groups[msg.group];
  const sA = n8 * 2;
  const n = msg.points.byteLength / sA;
  resetTask();
  const p = put(msg.points, n * sA);
  ex[prefix + (msg.to === "U" ? "_batchLEMtoU" : "_batchLEMtoC")](p, n, p);
  const out = { data: get(p, msg.to === "U" ? n * sA : n * (sA / 2)) };
  resetTask();
  return out;
}

// Per-wire QAP evaluations at tau (snarkjs zkey_new's A/B/IC/C points, but as
// scalars): A_s = sum a_cs L_c, B_s likewise, plus the extra A rows snarkjs
// adds for the public wires; K_s = beta*A_s + alpha*B_s + C_s goes to IC for
// public wires and, divided by delta (and undivided, for the circuit hash),
// to the C section for private ones. Inputs/outputs in normal form except
// `lagrange`, alpha, beta, invDelta, which are Montgomery (ffjavascript's Fr).
function r1csLinComb(msg) {
  const { nConstraints, nVars, nPublic } = msg;
  const cons = msg.constraints;
  const dv = new DataView(cons.buffer, cons.byteOffset, cons.byteLength);
  resetTask();
  const pCons = put(cons);
  const pL = put(msg.lagrange);
  const pAlpha = put(msg.alpha);
  const pBeta = put(msg.beta);
  const pInvDelta = put(msg.invDelta);
  const size = nVars * FR_N8;
  const pAcc = [alloc(size), alloc(size), alloc(size)];
  const mem0 = u8();
  for (const p of pAcc) mem0.fill(0, p, p + size);
  const pT = alloc(FR_N8);
  const { frm_toMontgomery: toM, frm_mul: mul, frm_add: add } = ex;
  let pos = 0;
  for (let c = 0; c < nConstraints; c++) {
    const pLc = pL + c * FR_N8;
    for (let m = 0; m < 3; m++) {
      const nEntries = dv.getUint32(pos, true);
      pos += 4;
      const pDst = pAcc[m];
      for (let e = 0; e < nEntries; e++) {
        const s = dv.getUint32(pos, true);
        if (s >= nVars) throw new Error("r1cs: wire " + s + " out of range");
        toM(pCons + pos + 4, pT);
        mul(pT, pLc, pT);
        add(pDst + s * FR_N8, pT, pDst + s * FR_N8);
        pos += 4 + FR_N8;
      }
    }
  }
  if (pos !== cons.byteLength) throw new Error("r1cs: constraints section has trailing bytes");
  for (let s = 0; s <= nPublic; s++) {
    add(pAcc[0] + s * FR_N8, pL + (nConstraints + s) * FR_N8, pAcc[0] + s * FR_N8);
  }
  const pK = alloc(size);
  const pT2 = alloc(FR_N8);
  for (let s = 0; s < nVars; s++) {
    const o = s * FR_N8;
    mul(pBeta, pAcc[0] + o, pT);
    mul(pAlpha, pAcc[1] + o, pT2);
    add(pT, pT2, pT);
    add(pT, pAcc[2] + o, pK + o);
  }
  const nPriv = nVars - nPublic - 1;
  const pCd = alloc(nPriv * FR_N8);
  for (let s = 0; s < nPriv; s++) {
    mul(pK + (nPublic + 1 + s) * FR_N8, pInvDelta, pCd + s * FR_N8);
  }
  const fromM = ex.frm_batchFromMontgomery;
  fromM(pAcc[0], nVars, pAcc[0]);
  fromM(pAcc[1], nVars, pAcc[1]);
  fromM(pK, nVars, pK);
  fromM(pCd, nPriv, pCd);
  const out = {
    a: get(pAcc[0], size),
    b: get(pAcc[1], size),
    ic: get(pK, (nPublic + 1) * FR_N8),
    c: get(pK + (nPublic + 1) * FR_N8, nPriv * FR_N8),
    cDelta: get(pCd, nPriv * FR_N8),
  };
  resetTask();
  return out;
}

async function init() {
  // Same initial size ffjavascript uses (the module imports at least 25 pages).
  memory = new WebAssembly.Memory({ initial: 25 });
  const { instance } = await WebAssembly.instantiate(workerData.code, { env: { memory } });
  ex = instance.exports;
  persistentTop = (new Uint32Array(memory.buffer, 0, 1)[0] + 7) & ~7;
  top = persistentTop;
}

const ready = init();

parentPort.on("message", async (msg) => {
  try {
    await ready;
    let out;
    if (msg.op === "fixedBase") out = fixedBase(msg);
    else if (msg.op === "subToU") out = subToU(msg);
    else if (msg.op === "convert") out = convert(msg);
    else if (msg.op === "r1csLinComb") out = r1csLinComb(msg);
    else if (msg.op === "ping") out = {};
    else throw new Error("unknown op " + msg.op);
    const transfer = Object.values(out).map((b) => b.buffer);
    parentPort.postMessage({ id: msg.id, ok: true, out }, transfer);
  } catch (e) {
    parentPort.postMessage({ id: msg.id, ok: false, error: String((e && e.stack) || e) });
  }
});
