import { describeValue, isValueError, parseBlockNumber, parseHash, parseTimestamp } from './values';

/**
 * A block as it is queued and applied: the file-level fields checked, the events still raw
 * (an event that breaks a rule is rejected when the block is applied, it does not refuse the file).
 */
export interface Block {
  number: number;
  hash?: string;
  parentHash?: string;
  timestamp?: number;
  events: unknown[];
}

/** Why a file is refused whole (spec §1), naming the block and the field. */
export class BlockFileError extends Error {
  constructor(
    readonly reason: string,
    readonly location: { blockIndex?: number; blockNumber?: number; field?: string; line?: number } = {},
  ) {
    super(reason);
    this.name = 'BlockFileError';
  }
}

/** Where a block sits in its file, for messages: its position, and its line for NDJSON. */
export interface BlockPosition {
  index: number;
  line?: number;
}

function describePosition(position: BlockPosition, blockNumber?: number): string {
  const at = blockNumber === undefined ? `block #${position.index + 1}` : `block ${blockNumber}`;
  return position.line === undefined ? at : `${at} (line ${position.line})`;
}

/**
 * Checks one block's own fields (spec §1). `number` has the alias `blockNumber`;
 * `hash`, `parentHash` and `timestamp` are optional but must be well formed when present.
 */
export function parseBlock(raw: unknown, position: BlockPosition): Block {
  const where = { blockIndex: position.index, line: position.line };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new BlockFileError(`${describePosition(position)} must be an object, got ${describeValue(raw)}`, where);
  }
  const fields = raw as Record<string, unknown>;
  const hasNumber = fields['number'] !== undefined;
  const hasAlias = fields['blockNumber'] !== undefined;
  const numberField = hasNumber ? 'number' : 'blockNumber';
  if (!hasNumber && !hasAlias) {
    throw new BlockFileError(`${describePosition(position)}: field "number" is missing`, { ...where, field: 'number' });
  }
  const number = parseBlockNumber(fields[numberField]);
  if (isValueError(number)) {
    throw new BlockFileError(
      `${describePosition(position)}: field "${numberField}" must be ${number.expected}, got ${describeValue(fields[numberField])}`,
      { ...where, field: numberField },
    );
  }
  if (hasNumber && hasAlias && fields['blockNumber'] !== number) {
    throw new BlockFileError(
      `${describePosition(position, number)}: fields "number" (${number}) and "blockNumber" (${describeValue(fields['blockNumber'])}) disagree`,
      { ...where, blockNumber: number, field: 'blockNumber' },
    );
  }
  const block: Block = { number, events: [] };
  const optional = { hash: parseHash, parentHash: parseHash, timestamp: parseTimestamp } as const;
  for (const [field, parse] of Object.entries(optional)) {
    const value = fields[field];
    if (value === undefined) continue;
    const parsed = parse(value);
    if (isValueError(parsed)) {
      throw new BlockFileError(
        `${describePosition(position, number)}: field "${field}" must be ${parsed.expected}, got ${describeValue(value)}`,
        { ...where, blockNumber: number, field },
      );
    }
    (block as unknown as Record<string, unknown>)[field] = parsed;
  }
  if (!Array.isArray(fields['events'])) {
    const problem = fields['events'] === undefined ? 'is missing' : `must be an array, got ${describeValue(fields['events'])}`;
    throw new BlockFileError(`${describePosition(position, number)}: field "events" ${problem}`, {
      ...where,
      blockNumber: number,
      field: 'events',
    });
  }
  block.events = fields['events'];
  return block;
}

/**
 * The file-level rules that span blocks: numbers strictly increasing, `toBlock` not below the
 * last block. Fed block by block so that a file is checked as a stream.
 */
export class BlockSequenceChecker {
  private previous: number | undefined;
  private count = 0;

  accept(block: Block, position: BlockPosition): void {
    if (this.previous !== undefined && block.number <= this.previous) {
      const relation = block.number === this.previous ? 'repeats' : 'comes after';
      throw new BlockFileError(
        `${describePosition(position, block.number)}: block numbers must be strictly increasing, but block ${block.number} ${relation} block ${this.previous}`,
        { blockIndex: position.index, blockNumber: block.number, field: 'number', line: position.line },
      );
    }
    this.previous = block.number;
    this.count += 1;
  }

  get lastBlock(): number | undefined {
    return this.previous;
  }

  get blockCount(): number {
    return this.count;
  }

  checkToBlock(toBlock: unknown): number {
    const parsed = parseBlockNumber(toBlock);
    if (isValueError(parsed)) {
      throw new BlockFileError(`field "toBlock" must be ${parsed.expected}, got ${describeValue(toBlock)}`, {
        field: 'toBlock',
      });
    }
    if (this.previous !== undefined && parsed < this.previous) {
      throw new BlockFileError(
        `field "toBlock" (${parsed}) is below the last block of the file (${this.previous})`,
        { blockNumber: this.previous, field: 'toBlock' },
      );
    }
    return parsed;
  }
}
