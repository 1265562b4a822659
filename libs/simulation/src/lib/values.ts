import { hexWord, Random } from './random';

/** Wei in one SSV token. */
export const SSV = 10n ** 18n;
/** Blocks in a year at 12 s a block: SSV fees are quoted per year and charged per block. */
export const BLOCKS_PER_YEAR = 2_628_000;
/** On-chain fees are multiples of this (the contract's fee precision). */
export const FEE_UNIT = 10_000_000;
/** The network fee per validator per block, in wei (about 1 SSV a year). */
export const NETWORK_FEE = 380_000 * FEE_UNIT;

/**
 * An address as wallets show it: 40 hex digits, letters in mixed case (like an EIP-55 checksum;
 * the registry lowercases it).
 */
export function randomAddress(rng: Random): string {
  const digits = rng.hex(40);
  let out = '0x';
  let bits = 0;
  let left = 0;
  for (let i = 0; i < digits.length; i++) {
    const ch = digits[i];
    if (ch >= 'a') {
      if (left === 0) {
        bits = rng.uint32();
        left = 32;
      }
      out += bits & 1 ? ch.toUpperCase() : ch;
      bits >>>= 1;
      left -= 1;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * A BLS12-381 public key as registered: 48 bytes, compressed, so the first byte has the
 * compression flag set and the infinity flag clear (it starts with 8, 9, a or b).
 */
export function randomValidatorKey(rng: Random): string {
  const first = rng.uint32();
  const top = (0x80 | ((first >>> 24) & 0x3f)) << 24;
  return `0x${hexWord((top | (first & 0xffffff)) >>> 0)}${rng.hex(88)}`;
}

/** The `shares` payload of a registration: signature, then a public key and an encrypted key per operator. */
export function randomShares(rng: Random, operators: number, compact: boolean): string {
  const bytes = compact ? 32 : 96 + operators * (48 + 256);
  return `0x${rng.hex(bytes * 2)}`;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += BASE64[(n >>> 18) & 63] + BASE64[(n >>> 12) & 63];
    out += i + 1 < bytes.length ? BASE64[(n >>> 6) & 63] : '=';
    out += i + 2 < bytes.length ? BASE64[n & 63] : '=';
  }
  return out;
}

/** DER header of a 2048-bit RSA SubjectPublicKeyInfo, up to the modulus. */
const RSA_SPKI_HEADER = [
  0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03,
  0x82, 0x01, 0x0f, 0x00, 0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00,
];
/** The public exponent 65537. */
const RSA_SPKI_TRAILER = [0x02, 0x03, 0x01, 0x00, 0x01];

/**
 * An operator public key as SSV operators register it: the base64 of a PEM "RSA PUBLIC KEY"
 * block holding a 2048-bit key (so it starts with "LS0tLS1CRUdJTiBSU0Eg…").
 */
export function randomOperatorKey(rng: Random): string {
  const der = [...RSA_SPKI_HEADER];
  for (let i = 0; i < 64; i++) {
    const word = rng.uint32();
    der.push(word >>> 24, (word >>> 16) & 255, (word >>> 8) & 255, word & 255);
  }
  der[RSA_SPKI_HEADER.length] |= 0x80;
  der.push(...RSA_SPKI_TRAILER);
  const body = base64(der).replace(/.{64}/g, '$&\n');
  const pem = `-----BEGIN RSA PUBLIC KEY-----\n${body}\n-----END RSA PUBLIC KEY-----\n`;
  return base64(Array.from(pem, (ch) => ch.charCodeAt(0)));
}

/** A yearly fee in SSV as the per-block fee in wei (a decimal integer, a multiple of FEE_UNIT). */
export function feePerBlock(ssvPerYear: number): number {
  return Math.round((ssvPerYear * 1e18) / BLOCKS_PER_YEAR / FEE_UNIT) * FEE_UNIT;
}

/** An amount of SSV (to the thousandth) in wei. */
export function ssvAmount(ssv: number): bigint {
  return (BigInt(Math.max(0, Math.round(ssv * 1000))) * SSV) / 1000n;
}
