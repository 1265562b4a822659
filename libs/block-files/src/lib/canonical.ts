import * as crypto from 'node:crypto';
import type { Block } from '@bqm/domain';

/**
 * Stable JSON of any JSON value: object keys sorted (by UTF-16 code units, as Array#sort does),
 * at every depth; no whitespace. Otherwise exactly JSON.stringify (undefined, functions and
 * symbols left out of objects and null in arrays, `toJSON` honoured, non-finite numbers null).
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(sortedDeep(value)) as string | undefined;
  } catch (error) {
    if (error !== INTEGER_KEYS) throw error;
    text = write(value);
  }
  if (text === undefined) throw new TypeError(`canonicalJson: ${typeof value} has no JSON form`);
  return text;
}

/**
 * Thrown by sortedDeep for an object with integer-like keys ("2", "10"): JavaScript always puts
 * those first, in numeric order, so no object can hold them in sorted text order for
 * JSON.stringify; the slower writer below is used instead.
 */
const INTEGER_KEYS = Symbol('integer-like keys');

/** JavaScript lists integer-like keys first: checking the first key tells whether there are any. */
function isIntegerKey(key: string | undefined): boolean {
  if (key === undefined) return false;
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && String(Number(key)) === key;
}

/** The canonical text written by hand: for the rare values that sortedDeep cannot handle. */
function write(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) as string | undefined;
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += `${i > 0 ? ',' : ''}${write(value[i]) ?? 'null'}`;
    return `${text}]`;
  }
  const object = value as Record<string, unknown>;
  if (typeof object['toJSON'] === 'function') return write((object['toJSON'] as () => unknown)());
  let text = '{';
  for (const key of Object.keys(object).sort()) {
    const member = write(object[key]);
    if (member !== undefined) text += `${text.length > 1 ? ',' : ''}${JSON.stringify(key)}:${member}`;
  }
  return `${text}}`;
}

/**
 * The value with the keys of every object in sorted order, for the native JSON.stringify to write
 * (much faster than writing the text by hand). Parts already in order are reused, not copied;
 * the input is never changed.
 */
function sortedDeep(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      if (typeof element !== 'object' || element === null) continue;
      const sorted = sortedDeep(element);
      if (sorted !== element) {
        copy ??= value.slice();
        copy[i] = sorted;
      }
    }
    return copy ?? value;
  }
  const object = value as Record<string, unknown>;
  if (typeof object['toJSON'] === 'function') return sortedDeep((object['toJSON'] as () => unknown)());
  const keys = Object.keys(object);
  if (isIntegerKey(keys[0])) throw INTEGER_KEYS;
  let changed = false;
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      changed = true;
      sortKeys(keys);
      break;
    }
  }
  const members: unknown[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const member = object[keys[i]];
    if (typeof member !== 'object' || member === null) {
      members[i] = member;
      continue;
    }
    const sorted = sortedDeep(member);
    members[i] = sorted;
    if (sorted !== member) changed = true;
  }
  if (!changed) return object;
  const copy: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) setMember(copy, keys[i], members[i]);
  return copy;
}

/** Sorts keys by UTF-16 code units: insertion sort for the few keys of an event, much faster than Array#sort there. */
function sortKeys(keys: string[]): void {
  if (keys.length > 16) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j -= 1;
    }
    keys[j + 1] = key;
  }
}

/** obj[key] = value, also for the key "__proto__" (an own member, as JSON.parse makes it). */
function setMember(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

/**
 * The stable JSON of a block: only the block fields of spec §1, normalised (`number`, never the
 * alias `blockNumber`; `hash` and `parentHash` lowercase; `timestamp`; `events` as given), with
 * object keys sorted at every depth. The same block written in any shape, key order or spacing
 * gives the same text.
 */
export function canonicalBlockJson(block: Block): string {
  // Keys in sorted order: events, hash, number, parentHash, timestamp.
  let text = `{"events":${canonicalJson(block.events)}`;
  if (block.hash !== undefined) text += `,"hash":${JSON.stringify(block.hash.toLowerCase())}`;
  text += `,"number":${canonicalJson(block.number)}`;
  if (block.parentHash !== undefined) text += `,"parentHash":${JSON.stringify(block.parentHash.toLowerCase())}`;
  if (block.timestamp !== undefined) text += `,"timestamp":${canonicalJson(block.timestamp)}`;
  return `${text}}`;
}

/** sha256 (hex) of the block's canonical JSON, first 32 hex digits (128 bits). */
export function blockDigest(block: Block): string {
  return digestOf(canonicalBlockJson(block));
}

/** The digest of a canonical block text already computed. */
export function digestOf(payload: string): string {
  return sha256Hex(payload).slice(0, 32);
}

// crypto.hash (Node >= 20.12) is a one-shot, about twice as fast as createHash on small inputs.
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');
