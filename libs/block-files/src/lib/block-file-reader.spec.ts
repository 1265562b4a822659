import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BlockFileError } from '@bqm/domain';
import { BlockFileReader, BlockFileReaderOptions, checkBlockFile, ReadBlock } from './block-file-reader';
import { blockDigest, canonicalBlockJson } from './canonical';

const fixtures = join(__dirname, '..', 'fixtures');
const good = (name: string) => join(fixtures, 'good', name);
const bad = (name: string) => join(fixtures, 'bad', name);

/** Chunk sizes that put chunk boundaries everywhere: inside strings, escapes, multi-byte characters. */
const CHUNK_SIZES = [1, 2, 3, 5, 7, 64, undefined];

async function readAll(path: string, options?: BlockFileReaderOptions): Promise<{ blocks: ReadBlock[]; reader: BlockFileReader }> {
  const reader = new BlockFileReader(path, options);
  const blocks: ReadBlock[] = [];
  for await (const read of reader.blocks()) blocks.push(read);
  return { blocks, reader };
}

async function refusal(path: string, options?: BlockFileReaderOptions): Promise<BlockFileError> {
  try {
    await readAll(path, options);
  } catch (error) {
    if (error instanceof BlockFileError) return error;
    throw error;
  }
  throw new Error(`${path} was not refused`);
}

describe('BlockFileReader on good files', () => {
  // The same three blocks, written as a pretty array, an object with toBlock after or before the
  // blocks (keys reversed, \u escapes), NDJSON (CRLF, blank lines, no final newline), JSONL, and with a BOM.
  const sameBlocks = [
    'array.json',
    'object.json',
    'object-toblock-first.json',
    'blocks.ndjson',
    'blocks.jsonl',
    'bom.json',
  ];

  it('reads the pretty array with the blocks normalised and positioned', async () => {
    const { blocks, reader } = await readAll(good('array.json'));
    expect(blocks.map((b) => b.block.number)).toEqual([3, 7, 12]);
    expect(blocks.map((b) => b.position)).toEqual([
      { index: 0, line: 2 },
      { index: 1, line: 17 },
      { index: 2, line: 21 },
    ]);
    const [first, second, third] = blocks.map((b) => b.block);
    expect(first.hash).toBe(`0x${'ab'.repeat(32)}`);
    expect(first.parentHash).toBe(`0x${'0f'.repeat(32)}`);
    expect(first.timestamp).toBe(1700000036);
    expect((first.events[0] as { publicKey: string }).publicKey).toBe('clé publique ✓ 😀 "quoted" back\\slash [{}] ,:');
    expect(second).toEqual({ number: 7, events: [] });
    expect(third.events.slice(1)).toEqual(['not an event', null, ['}', ']', '\\', '"']]);
    expect((third.events[0] as { shares: string }).shares).toBe('0xé中😀\\u0041');
    expect(reader.summary()).toEqual({ format: 'json', blockCount: 3, firstBlock: 3, lastBlock: 12 });
  });

  it('gives each block its canonical payload and digest', async () => {
    const { blocks } = await readAll(good('array.json'));
    expect(blocks[1].payload).toBe('{"events":[],"number":7}');
    expect(blocks[0].payload).toBe(
      `{"events":[{"fee":"1000","operatorId":1,"owner":"0x1111111111111111111111111111111111111111",` +
        `"publicKey":"clé publique ✓ 😀 \\"quoted\\" back\\\\slash [{}] ,:","type":"OperatorAdded"}],` +
        `"hash":"0x${'ab'.repeat(32)}","number":3,"parentHash":"0x${'0f'.repeat(32)}","timestamp":1700000036}`,
    );
    for (const read of blocks) {
      expect(read.payload).toBe(canonicalBlockJson(read.block));
      expect(read.digest).toBe(blockDigest(read.block));
      expect(read.digest).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it.each(sameBlocks)('reads %s into the same blocks, payloads and digests at every chunk size', async (name) => {
    const expected = (await readAll(good('array.json'))).blocks.map(({ payload, digest }) => ({ payload, digest }));
    for (const chunkSize of CHUNK_SIZES) {
      const { blocks } = await readAll(good(name), { chunkSize });
      expect(blocks.map(({ payload, digest }) => ({ payload, digest }))).toEqual(expected);
    }
  });

  it('tells the object shape’s toBlock, written after or before the blocks', async () => {
    const after = await readAll(good('object.json'));
    expect(after.reader.summary()).toEqual({ format: 'json', blockCount: 3, firstBlock: 3, lastBlock: 12, toBlock: 20 });
    const before = await readAll(good('object-toblock-first.json'));
    expect(before.reader.summary()).toEqual({ format: 'json', blockCount: 3, firstBlock: 3, lastBlock: 12, toBlock: 12 });
  });

  it('reads NDJSON and JSONL line by line, skipping blank lines, with each block’s line', async () => {
    const ndjson = await readAll(good('blocks.ndjson'));
    expect(ndjson.blocks.map((b) => b.position)).toEqual([
      { index: 0, line: 2 },
      { index: 1, line: 4 },
      { index: 2, line: 5 },
    ]);
    expect(ndjson.reader.summary()).toEqual({ format: 'ndjson', blockCount: 3, firstBlock: 3, lastBlock: 12 });
    const jsonl = await readAll(good('blocks.jsonl'));
    expect(jsonl.blocks.map((b) => b.position.line)).toEqual([1, 2, 3]);
    expect(jsonl.reader.summary().format).toBe('ndjson');
  });

  it('accepts an empty array of blocks and an object with no blocks', async () => {
    for (const name of ['empty-array.json', 'object-empty-blocks.json']) {
      const { blocks, reader } = await readAll(good(name));
      expect(blocks).toEqual([]);
      expect(reader.summary()).toEqual({ format: 'json', blockCount: 0 });
    }
  });

  it('checks a file without keeping its blocks', async () => {
    await expect(checkBlockFile(good('object.json'))).resolves.toEqual({
      format: 'json',
      blockCount: 3,
      firstBlock: 3,
      lastBlock: 12,
      toBlock: 20,
    });
    await expect(checkBlockFile(good('blocks.ndjson'), { chunkSize: 1 })).resolves.toMatchObject({ blockCount: 3 });
  });

  it('has a summary only once the blocks have all been read', async () => {
    const reader = new BlockFileReader(good('array.json'));
    expect(() => reader.summary()).toThrow('array.json: the summary is available once blocks() has been fully iterated');
    for await (const read of reader.blocks()) {
      expect(read.block.number).toBe(3);
      break; // stopping early closes the file and leaves no summary
    }
    expect(() => reader.summary()).toThrow(/fully iterated/);
    for await (const _ of reader.blocks()) {
      // a second pass reads the file again
    }
    expect(reader.summary().blockCount).toBe(3);
  });

  it('lets options.format override the extension', async () => {
    await expect(readAll(good('blocks.jsonl'), { format: 'json' })).rejects.toThrow(
      /^blocks\.jsonl: not one of the shapes: unknown top-level key "events" at line 1, column 2;/,
    );
    await expect(readAll(good('array.json'), { format: 'ndjson' })).rejects.toThrow(
      /^array\.json: block #1 \(line 1\): not JSON: /,
    );
  });
});

/**
 * Every refusal, with the exact message: the file's name first, then the block (by number when
 * known, else by position; with its line for NDJSON, and for JSON when not on line 1), then the
 * field or the problem. The same message whatever the chunk size.
 */
const REFUSALS: Record<string, string> = {
  // Not JSON, not one of the shapes.
  'empty.json': 'empty.json: the file is empty: expected an array of blocks, or an object { "toBlock"?: n, "blocks": [...] }',
  'whitespace-only.json':
    'whitespace-only.json: the file is empty: expected an array of blocks, or an object { "toBlock"?: n, "blocks": [...] }',
  'bom-only.json': 'bom-only.json: the file is empty: expected an array of blocks, or an object { "toBlock"?: n, "blocks": [...] }',
  'not-json.json':
    'not-json.json: not JSON: unexpected "b" at line 1, column 1 (expected an array of blocks, or an object { "toBlock"?: n, "blocks": [...] })',
  'not-utf8.json':
    'not-utf8.json: block #2: not UTF-8: an invalid byte sequence starting with byte 0xe9 at byte offset 60 (line 1)',
  'not-utf8-broken-character.json':
    'not-utf8-broken-character.json: block #2: not UTF-8: an invalid byte sequence starting with byte 0xf0 at byte offset 57 (line 2)',
  'ends-mid-character.json':
    'ends-mid-character.json: block #1: not UTF-8: the file ends inside a multi-byte character starting at byte offset 24 (line 1)',
  'scalar.json':
    'scalar.json: not one of the shapes: the file holds a number, expected an array of blocks, or an object { "toBlock"?: n, "blocks": [...] }',
  'not-a-list.json':
    'not-a-list.json: not one of the shapes: unknown top-level key "number" at line 1, column 2; expected an array of blocks, ' +
    'or an object { "toBlock"?: n, "blocks": [...] } (a single block must be wrapped in an array: [ {block} ])',
  'unknown-key.json':
    'unknown-key.json: not one of the shapes: unknown top-level key "fromBlock" at line 1, column 26; expected an array of blocks, ' +
    'or an object { "toBlock"?: n, "blocks": [...] }',
  'duplicate-key.json': 'duplicate-key.json: not one of the shapes: the top-level key "blocks" appears twice (at line 1, column 26)',
  'no-blocks-key.json':
    'no-blocks-key.json: not one of the shapes: the top-level object has no "blocks" array (expected an array of blocks, ' +
    'or an object { "toBlock"?: n, "blocks": [...] })',
  'blocks-not-array.json': 'blocks-not-array.json: field "blocks" must be an array of blocks, got an object at line 1, column 11',
  'trailing-garbage.json':
    'trailing-garbage.json: not JSON: unexpected "x" at line 2, column 3 after the end of the top-level value (trailing content)',
  'trailing-second-value.json':
    'trailing-second-value.json: not JSON: unexpected "[" at line 1, column 27 after the end of the top-level value (trailing content)',
  'trailing-comma.json': "trailing-comma.json: after block 1: not JSON: a trailing comma before ']' at line 1, column 27",
  'missing-comma.json': `missing-comma.json: after block 1: not JSON: unexpected "{" at line 1, column 27 (expected ',' or ']')`,
  'leading-comma.json': `leading-comma.json: not JSON: unexpected "," at line 1, column 2 (expected a block or ']')`,
  'block-not-json.json':
    "block-not-json.json: block #2 (line 3): not JSON: Expected double-quoted property name in JSON at position 24",
  'block-not-object.json': 'block-not-object.json: block #2 must be an object, got 7',
  'first-problem-wins.json':
    'first-problem-wins.json: block 1: block numbers must be strictly increasing, but block 1 comes after block 2',
  // Truncated.
  'truncated-in-string.json':
    'truncated-in-string.json: block #2 (line 2), after block 1: the file is truncated: it ends inside this block',
  'truncated-after-backslash.json': 'truncated-after-backslash.json: block #1: the file is truncated: it ends inside this block',
  'truncated-after-escapes.json':
    "truncated-after-escapes.json: after block 2: the file is truncated: it ends without the closing ']' of the array of blocks",
  'truncated-after-comma.json':
    "truncated-after-comma.json: after block 1: the file is truncated: it ends without the closing ']' of the array of blocks",
  'truncated-before-close.json':
    "truncated-before-close.json: after block 1: the file is truncated: it ends without the closing ']' of the array of blocks",
  'truncated-object.json': "truncated-object.json: the file is truncated: it ends inside the top-level object, without its closing '}'",
  'truncated-in-key.json': "truncated-in-key.json: the file is truncated: it ends inside the top-level object, without its closing '}'",
  'truncated-in-toblock.json': 'truncated-in-toblock.json: the file is truncated: it ends inside the value of field "toBlock"',
  // The block fields (checked by the domain's parseBlock).
  'missing-number.json': 'missing-number.json: block #2: field "number" is missing',
  'number-not-integer.json':
    'number-not-integer.json: block #1: field "number" must be a block number (a non-negative integer), got 1.5',
  'number-string.json': 'number-string.json: block #1: field "number" must be a block number (a non-negative integer), got "7"',
  // Beyond 2^53−1, JSON.parse rounds a number: the message says so and shows it as written.
  'number-unsafe.json':
    'number-unsafe.json: block #1: field "number" is 9007199254740993, beyond 9007199254740991 (2^53−1), the largest block number it takes',
  'number-beyond.json':
    'number-beyond.json: block #1: field "number" is 99999999999999999999999, beyond 9007199254740991 (2^53−1), the largest block number it takes',
  'number-negative-unsafe.json':
    'number-negative-unsafe.json: block #1: field "number" must be a block number (a non-negative integer), got -1e400',
  'alias-unsafe.ndjson':
    'alias-unsafe.ndjson: block #2 (line 2): field "blockNumber" is 12345678901234567890, beyond 9007199254740991 (2^53−1), the largest block number it takes',
  'timestamp-unsafe.json':
    'timestamp-unsafe.json: block 2 (line 3): field "timestamp" is 18446744073709551615, beyond 9007199254740991 (2^53−1), the largest timestamp it takes',
  'toblock-unsafe.json':
    'toblock-unsafe.json: field "toBlock" is 9007199254740992, beyond 9007199254740991 (2^53−1), the largest block number it takes',
  // Nested deeper than any block needs: refused by the scanner, before anything parses it.
  'too-deep.json':
    'too-deep.json: block 1: field "events[0].x" is nested deeper than 64 levels of arrays and objects (at line 1, column 103)',
  'too-deep-array.json':
    'too-deep-array.json: block #1: the block is nested deeper than 64 levels of arrays and objects (at line 1, column 66)',
  'too-deep.ndjson':
    'too-deep.ndjson: block 2 (line 2): field "events[0].cluster.a.a.a.a.a…" is nested deeper than 64 levels of arrays and objects (at line 2, column 352)',
  'negative-number.json': 'negative-number.json: block #1: field "number" must be a block number (a non-negative integer), got -1',
  'number-alias-disagree.json': 'number-alias-disagree.json: block 1: fields "number" (1) and "blockNumber" (2) disagree',
  'events-missing.json': 'events-missing.json: block 1: field "events" is missing',
  'events-not-array.json': 'events-not-array.json: block 1: field "events" must be an array, got {}',
  'bad-hash.json':
    'bad-hash.json: block 1: field "hash" must be a 32-byte hex hash (0x followed by 64 hex digits), got "0x1234"',
  'bad-timestamp.json':
    'bad-timestamp.json: block 1: field "timestamp" must be a timestamp in seconds (a non-negative integer), got "2023-11-14"',
  // The order of the blocks and toBlock (the domain's BlockSequenceChecker).
  'decreasing.json': 'decreasing.json: block 2: block numbers must be strictly increasing, but block 2 comes after block 3',
  'duplicate-number.json':
    'duplicate-number.json: block 3 (line 3): block numbers must be strictly increasing, but block 3 repeats block 3',
  'toblock-below-last.json': 'toblock-below-last.json: field "toBlock" (5) is below the last block of the file (9)',
  'toblock-first-below.json': 'toblock-first-below.json: field "toBlock" (5) is below the last block of the file (9)',
  'toblock-not-number.json': 'toblock-not-number.json: field "toBlock" must be a block number (a non-negative integer), got "12"',
  'toblock-not-json.json':
    'toblock-not-json.json: field "toBlock" is not JSON: Unexpected non-whitespace character after JSON at position 2',
  // NDJSON.
  'empty.ndjson': 'empty.ndjson: the file is empty: it holds no block (one JSON block object per line)',
  'blank-lines.ndjson': 'blank-lines.ndjson: the file is empty: it holds no block (one JSON block object per line)',
  'line-not-json.ndjson':
    "line-not-json.ndjson: block #3 (line 4): not JSON: Expected ',' or '}' after property value in JSON at position 24",
  'truncated.ndjson':
    'truncated.ndjson: block #2 (line 2): not JSON: Unterminated string in JSON at position 33 ' +
    '(the last line has no newline: is the file truncated?)',
  'decreasing.ndjson':
    'decreasing.ndjson: block 4 (line 4): block numbers must be strictly increasing, but block 4 comes after block 5',
  'array-line.ndjson': 'array-line.ndjson: block #1 (line 1) must be an object, got [{"number":1,"events":[]}]',
  'missing-number.jsonl':
    'missing-number.jsonl: block #2 (line 2): field "blockNumber" must be a block number (a non-negative integer), got null',
};

describe('BlockFileReader on bad files', () => {
  it('has an expected message for every bad fixture', () => {
    expect(readdirSync(join(fixtures, 'bad')).sort()).toEqual(Object.keys(REFUSALS).sort());
  });

  it.each(Object.entries(REFUSALS))('refuses %s, naming the file, the block and the field', async (name, message) => {
    for (const chunkSize of CHUNK_SIZES) {
      const error = await refusal(bad(name), { chunkSize });
      expect(error).toBeInstanceOf(BlockFileError);
      expect(error.message).toBe(message);
      expect(error.reason).toBe(message.slice(`${name}: `.length));
    }
    await expect(checkBlockFile(bad(name))).rejects.toThrow(message);
  });

  it('keeps the location of the domain’s error, completed by the reader', async () => {
    expect((await refusal(bad('decreasing.json'))).location).toEqual({
      blockIndex: 1,
      blockNumber: 2,
      field: 'number',
      line: undefined,
    });
    expect((await refusal(bad('decreasing.ndjson'))).location).toEqual({
      blockIndex: 2,
      blockNumber: 4,
      field: 'number',
      line: 4,
    });
    expect((await refusal(bad('toblock-below-last.json'))).location).toEqual({ blockNumber: 9, field: 'toBlock' });
    expect((await refusal(bad('missing-number.json'))).location).toMatchObject({ blockIndex: 1, field: 'number' });
    expect((await refusal(bad('not-a-list.json'))).location).toMatchObject({ field: 'number', line: 1 });
    expect((await refusal(bad('missing-comma.json'))).location).toMatchObject({ blockIndex: 0, blockNumber: 1 });
    expect((await refusal(bad('truncated-in-string.json'))).location).toMatchObject({ blockIndex: 1, line: 2 });
    expect((await refusal(bad('number-unsafe.json'))).location).toEqual({ blockIndex: 0, field: 'number', line: undefined });
    expect((await refusal(bad('timestamp-unsafe.json'))).location).toEqual({ blockIndex: 1, blockNumber: 2, field: 'timestamp', line: 3 });
    expect((await refusal(bad('too-deep.json'))).location).toEqual({ blockIndex: 0, blockNumber: 1, field: 'events[0].x' });
    expect((await refusal(bad('too-deep.ndjson'))).location).toMatchObject({ blockIndex: 1, blockNumber: 2, line: 2 });
  });

  it('yields the blocks before the problem, then throws', async () => {
    const reader = new BlockFileReader(bad('decreasing.json'));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const read of reader.blocks()) seen.push(read.block.number);
      })(),
    ).rejects.toThrow('block 2 comes after block 3');
    expect(seen).toEqual([3]);
    expect(() => reader.summary()).toThrow(/fully iterated/);
  });

  it('refuses a toBlock given first as soon as a block goes past it', async () => {
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const read of new BlockFileReader(bad('toblock-first-below.json')).blocks()) seen.push(read.block.number);
      })(),
    ).rejects.toThrow('field "toBlock" (5) is below the last block of the file (9)');
    expect(seen).toEqual([3]);
  });

  it('uses the display name given', async () => {
    await expect(readAll(bad('decreasing.json'), { displayName: 'upload-42.json' })).rejects.toThrow(
      /^upload-42\.json: block 2: /,
    );
  });

  it('refuses a block larger than the limit', async () => {
    for (const name of ['array.json', 'blocks.ndjson']) {
      for (const chunkSize of [16, undefined]) {
        await expect(readAll(good(name), { maxBlockChars: 100, chunkSize })).rejects.toThrow(
          /^(array\.json|blocks\.ndjson): block #1 \(line 2\) is larger than the limit of 100 characters for one block$/,
        );
      }
    }
  });

  it('refuses a file it cannot read', async () => {
    const error = await refusal(join(fixtures, 'no-such-file.json'));
    expect(error.message).toMatch(/^no-such-file\.json: cannot read the file: ENOENT: no such file or directory/);
  });

  it('refuses a chunk size that is not a positive integer', () => {
    expect(() => new BlockFileReader(good('array.json'), { chunkSize: 0 })).toThrow(RangeError);
  });
});
