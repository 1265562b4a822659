/**
 * Parsers for the value types of spec §2. Each returns the canonical value, or a `ValueError`
 * that says what was expected, so that messages can name the field and the bad value.
 */

export class ValueError {
  constructor(readonly expected: string) {}
}

export type Parsed<T> = T | ValueError;

export const isValueError = (value: unknown): value is ValueError => value instanceof ValueError;

const UINT256_MAX = (1n << 256n) - 1n;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const VALIDATOR_PUBLIC_KEY = /^0x[0-9a-fA-F]{96}$/;
const HASH_32_BYTES = /^0x[0-9a-fA-F]{64}$/;
const DECIMAL = /^[0-9]+$/;

export function parseAddress(value: unknown): Parsed<string> {
  return typeof value === 'string' && ADDRESS.test(value)
    ? value.toLowerCase()
    : new ValueError('an address (0x followed by 40 hex digits)');
}

export function parseValidatorPublicKey(value: unknown): Parsed<string> {
  return typeof value === 'string' && VALIDATOR_PUBLIC_KEY.test(value)
    ? value.toLowerCase()
    : new ValueError('a validator public key (0x followed by 96 hex digits)');
}

export function parseOperatorPublicKey(value: unknown): Parsed<string> {
  return typeof value === 'string' && value.length > 0 ? value : new ValueError('a non-empty string');
}

export function parseOperatorId(value: unknown): Parsed<number> {
  const id =
    typeof value === 'number' ? value : typeof value === 'string' && DECIMAL.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(id) && id >= 1 ? id : new ValueError('an operator id (an integer ≥ 1)');
}

export function parseOperatorIds(value: unknown): Parsed<number[]> {
  if (!Array.isArray(value)) return new ValueError('an array of operator ids');
  const ids: number[] = [];
  for (const item of value) {
    const id = parseOperatorId(item);
    if (isValueError(id)) return new ValueError('an array of operator ids (integers ≥ 1)');
    ids.push(id);
  }
  return ids;
}

/** uint256 as a decimal string, or a JSON number when it is a safe integer; returned canonical. */
export function parseAmount(value: unknown): Parsed<string> {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0
      ? String(value)
      : new ValueError('an amount (a non-negative integer; large values as decimal strings)');
  }
  if (typeof value === 'string' && DECIMAL.test(value)) {
    const amount = BigInt(value);
    if (amount <= UINT256_MAX) return amount.toString();
  }
  return new ValueError('an amount (a uint256 decimal string)');
}

export function parseBoolean(value: unknown): Parsed<boolean> {
  return typeof value === 'boolean' ? value : new ValueError('true or false');
}

export function parseBlockNumber(value: unknown): Parsed<number> {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    ? value
    : new ValueError('a block number (a non-negative integer)');
}

export function parseHash(value: unknown): Parsed<string> {
  return typeof value === 'string' && HASH_32_BYTES.test(value)
    ? value.toLowerCase()
    : new ValueError('a 32-byte hex hash (0x followed by 64 hex digits)');
}

export function parseTimestamp(value: unknown): Parsed<number> {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    ? value
    : new ValueError('a timestamp in seconds (a non-negative integer)');
}

/** A short, safe rendering of a bad value for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
