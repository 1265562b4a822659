import { describeValue } from '@bqm/domain';

/**
 * One `eth_getLogs` entry, checked and made canonical: hex lowercase, quantities as numbers.
 * `blockHash`, `transactionHash`, `transactionIndex` and `logIndex` are optional because real
 * dumps leave them out; ordering treats a missing index as 0.
 */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: number;
  blockHash?: string;
  transactionHash?: string;
  transactionIndex?: number;
  logIndex?: number;
  removed: boolean;
}

/**
 * Why a value is not a usable log. `notALog` is set when the value is not a log object at all
 * (not an object, or neither `topics` nor `data`): a file of such values is not a log file.
 * Otherwise `field` names the field that is missing or malformed.
 */
export class RawLogError {
  constructor(
    readonly message: string,
    readonly field: string | null,
    readonly notALog: boolean,
  ) {}
}

export const isRawLogError = (value: unknown): value is RawLogError => value instanceof RawLogError;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HASH_32_BYTES = /^0x[0-9a-fA-F]{64}$/;
const HEX_DATA = /^0x(?:[0-9a-fA-F]{2})*$/;
const HEX_QUANTITY = /^0x[0-9a-fA-F]+$/;
const DECIMAL = /^[0-9]+$/;
/** A log has at most four topics: topic0 (the event) and up to three indexed arguments. */
const MAX_TOPICS = 4;

/** The largest integer a JSON number holds exactly, and so the largest block number (or index) taken. */
export const LARGEST_INTEGER = Number.MAX_SAFE_INTEGER;

/**
 * How a top-level member of a log (or block) was written in the file, when the caller has the
 * text: JSON.parse rounds a number beyond 2^53−1 (9007199254740993 reads as 9007199254740992),
 * so messages show the text instead.
 */
export type WrittenField = (field: string) => string | undefined;

/** A number as written in the file, for messages (shortened as describeValue does). */
export function describeWritten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * What is wrong with a field whose value is too large to be taken: `is <value>, beyond
 * 9007199254740991 (2^53−1), the largest <what> it takes`. `shown` is the value as written in the
 * file; without it (a JSON number whose text is not known), no value is shown rather than a
 * rounded one.
 */
export function beyondLargest(shown: string | undefined, what: string): string {
  return `is ${shown === undefined ? 'a number' : describeWritten(shown)}, beyond ${LARGEST_INTEGER} (2^53−1), the largest ${what} it takes`;
}

/** A quantity too large to be taken (see `beyondLargest`). */
const BEYOND = 'beyond';

/**
 * A quantity: a hex string (`0x843735`, any case, leading zeros tolerated), a decimal string,
 * or a JSON number; it must be a non-negative safe integer. `BEYOND` when it is an integer
 * beyond 2^53−1 (or a JSON number that large); undefined when it is not a quantity.
 */
function parseQuantity(value: unknown): number | typeof BEYOND | undefined {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    return value > LARGEST_INTEGER ? BEYOND : undefined;
  }
  if (typeof value !== 'string' || !(HEX_QUANTITY.test(value) || DECIMAL.test(value))) return undefined;
  const big = BigInt(value);
  return big <= BigInt(LARGEST_INTEGER) ? Number(big) : BEYOND;
}

const QUANTITY = 'a hex quantity (0x…) or a non-negative integer';

function fieldError(field: string, value: unknown, expected: string): RawLogError {
  const problem = value === undefined ? 'is missing' : `must be ${expected}, got ${describeValue(value)}`;
  return new RawLogError(`field "${field}" ${problem}`, field, false);
}

/** A quantity field that is not one; a JSON number is shown as written when the text is known. */
function quantityError(
  field: string,
  value: unknown,
  beyond: boolean,
  expected: string,
  what: string,
  written: WrittenField | undefined,
): RawLogError {
  const text = typeof value === 'number' ? written?.(field) : undefined;
  if (beyond) {
    const shown = typeof value === 'number' ? text : describeValue(value);
    return new RawLogError(`field "${field}" ${beyondLargest(shown, what)}`, field, false);
  }
  if (text !== undefined) return new RawLogError(`field "${field}" must be ${expected}, got ${describeWritten(text)}`, field, false);
  return fieldError(field, value, expected);
}

/** `null` stands for "not known" in pending logs and in some dumps: treated as missing. */
const absent = (value: unknown): boolean => value === undefined || value === null;

/**
 * Checks one `eth_getLogs` entry (see `RawLog`). `written` gives the text of the entry's fields as
 * written in the file, when the caller has it, for messages about numbers JSON.parse rounded.
 */
export function parseRawLog(value: unknown, written?: WrittenField): RawLog | RawLogError {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new RawLogError(`a log must be an object, got ${describeValue(value)}`, null, true);
  }
  const fields = value as Record<string, unknown>;
  if (fields['topics'] === undefined && fields['data'] === undefined) {
    return new RawLogError('not a log: it has neither "topics" nor "data"', null, true);
  }

  const address = fields['address'];
  if (typeof address !== 'string' || !ADDRESS.test(address)) {
    return fieldError('address', address, 'an address (0x followed by 40 hex digits)');
  }

  const topics = fields['topics'];
  if (!Array.isArray(topics) || topics.length > MAX_TOPICS) {
    return fieldError('topics', topics, `an array of at most ${MAX_TOPICS} topics`);
  }
  for (let i = 0; i < topics.length; i += 1) {
    const topic = topics[i];
    if (typeof topic !== 'string' || !HASH_32_BYTES.test(topic)) {
      return fieldError(`topics[${i}]`, topic, 'a 32-byte hex topic (0x followed by 64 hex digits)');
    }
  }

  const data = fields['data'];
  if (typeof data !== 'string' || !HEX_DATA.test(data)) {
    return fieldError('data', data, 'hex data (0x followed by an even number of hex digits)');
  }

  const blockNumber = parseQuantity(fields['blockNumber']);
  if (blockNumber === undefined || blockNumber === BEYOND) {
    const expected = `a block number (${QUANTITY})`;
    return quantityError('blockNumber', fields['blockNumber'], blockNumber === BEYOND, expected, 'block number', written);
  }

  const log: RawLog = {
    address: address.toLowerCase(),
    topics: (topics as string[]).map((topic) => topic.toLowerCase()),
    data: data.toLowerCase(),
    blockNumber,
    removed: false,
  };

  for (const field of ['blockHash', 'transactionHash'] as const) {
    const hash = fields[field];
    if (absent(hash)) continue;
    if (typeof hash !== 'string' || !HASH_32_BYTES.test(hash)) {
      return fieldError(field, hash, 'a 32-byte hex hash (0x followed by 64 hex digits)');
    }
    log[field] = hash.toLowerCase();
  }

  for (const field of ['transactionIndex', 'logIndex'] as const) {
    if (absent(fields[field])) continue;
    const index = parseQuantity(fields[field]);
    if (index === undefined || index === BEYOND) {
      const what = field === 'logIndex' ? 'log index' : 'transaction index';
      return quantityError(field, fields[field], index === BEYOND, QUANTITY, what, written);
    }
    log[field] = index;
  }

  const removed = fields['removed'];
  if (!absent(removed)) {
    if (typeof removed !== 'boolean') return fieldError('removed', removed, 'true or false');
    log.removed = removed;
  }
  return log;
}

/** Names a log in messages: its block, transaction hash and log index (what is known of them). */
export function describeLog(log: Pick<RawLog, 'blockNumber' | 'transactionHash' | 'logIndex'>): string {
  const tx = log.transactionHash === undefined ? 'tx unknown' : `tx ${log.transactionHash}`;
  const index = log.logIndex === undefined ? 'logIndex missing' : `logIndex ${log.logIndex}`;
  return `block ${log.blockNumber}, ${tx}, ${index}`;
}
