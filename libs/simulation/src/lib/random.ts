/**
 * The simulator's only source of chance: xoshiro128** seeded through splitmix32, so that the
 * same seed gives the same stream on every machine (no Math.random, no clock).
 */

// Builtins held in module constants: a global lookup per call is slow in a VM context (Jest).
const { imul, floor, exp, sqrt, log, cos, PI, round, max } = Math;

/** The finaliser of MurmurHash3: a good 32-bit mixer. */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed (any safe integer, negative too) as two 32-bit words. */
export function seedWords(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  return [seed >>> 0, floor(seed / 4294967296) >>> 0];
}

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A 32-bit word as 8 lowercase hex digits. */
export function hexWord(word: number): string {
  return HEX_BYTE[word >>> 24] + HEX_BYTE[(word >>> 16) & 255] + HEX_BYTE[(word >>> 8) & 255] + HEX_BYTE[word & 255];
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

export class Random {
  // xoshiro128** state.
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed: number, stream = 0) {
    const [lo, hi] = seedWords(seed);
    // splitmix32 over the seed words gives the four state words (never all zero).
    let x = fmix32(lo ^ fmix32(hi ^ 0x5eed5eed) ^ imul(stream + 1, 0x9e3779b9));
    const next = () => {
      x = (x + 0x9e3779b9) | 0;
      return fmix32(x) | 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A uniform unsigned 32-bit integer. */
  uint32(): number {
    const result = imul(rotl(imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** A uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[floor(this.float() * items.length)];
  }

  /** One of the keys, with probability proportional to its weight (weights ≥ 0, not all 0). */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of entries) total += weight;
    let target = this.float() * total;
    for (const [value, weight] of entries) {
      target -= weight;
      if (target < 0 && weight > 0) return value;
    }
    for (let i = entries.length - 1; i >= 0; i--) if (entries[i][1] > 0) return entries[i][0];
    return entries[entries.length - 1][0];
  }

  /** A Poisson-distributed count (Knuth's method: fine for the small rates used here). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 30) return max(0, round(lambda + sqrt(lambda) * this.gaussian()));
    const limit = exp(-lambda);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k += 1;
      p *= this.float();
    }
    return k;
  }

  /** A standard normal deviate (Box-Muller). */
  gaussian(): number {
    const u = 1 - this.float();
    return sqrt(-2 * log(u)) * cos(2 * PI * this.float());
  }

  /** `digits` lowercase hex digits. */
  hex(digits: number): string {
    let out = '';
    for (let i = 0; i < digits; i += 8) out += hexWord(this.uint32());
    return out.length === digits ? out : out.slice(0, digits);
  }
}

/**
 * A 32-byte hash as a pure function of the seed and the block number, so that a block's hash
 * does not depend on what was generated before it and a parent's hash can be recomputed.
 */
export function blockHash(seed: number, blockNumber: number): string {
  const [seedLo, seedHi] = seedWords(seed);
  const [numberLo, numberHi] = seedWords(blockNumber);
  const base = fmix32(fmix32(seedLo ^ 0x68617368) ^ fmix32(seedHi + 0x626c6f63));
  let out = '0x';
  for (let i = 0; i < 8; i++) {
    out += hexWord(fmix32(fmix32(base ^ numberLo) + fmix32(numberHi ^ imul(i + 1, 0x9e3779b9))));
  }
  return out;
}
