/*
 * Only to say where a file stops being UTF-8: the decoding itself is TextDecoder's (fatal mode),
 * which tells that the bytes are bad but not where.
 */

const EMPTY = new Uint8Array(0);

/** The last bytes of a stream (≤ 3) that start a character not finished yet. */
export function incompleteTail(tail: Uint8Array): Uint8Array {
  for (let k = 1; k <= Math.min(3, tail.length); k++) {
    const byte = tail[tail.length - k];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > k ? tail.subarray(tail.length - k) : EMPTY;
  }
  return EMPTY;
}

/** The last `keep` bytes of `previous` followed by `bytes`, as a short rolling tail. */
export function rollTail(previous: Uint8Array, bytes: Uint8Array, keep = 3): Uint8Array {
  if (bytes.length >= keep) return bytes.subarray(bytes.length - keep);
  const joined = new Uint8Array(previous.length + bytes.length);
  joined.set(previous, 0);
  joined.set(bytes, previous.length);
  return joined.subarray(Math.max(0, joined.length - keep));
}

/**
 * The offset of the first byte that does not start a well-formed UTF-8 sequence (WHATWG rules:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or -1 when every sequence is
 * well formed (the last one may be unfinished). `bytes` starts on a character boundary.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      if (i + k >= n) return -1; // unfinished at the end: not an error yet
      const byte = bytes[i + k];
      if (k === 1 ? byte < low || byte > high : (byte & 0xc0) !== 0x80) return i;
    }
    i += length;
  }
  return -1;
}
