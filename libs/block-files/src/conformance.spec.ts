import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BlockFileError, parseBlock } from '@bqm/domain';
import { BlockFileReader, canonicalBlockJson, checkBlockFile, ReadBlock } from './index';

/**
 * The shared fixtures of the spec (../shared/fixtures from the workspace root), read where they
 * exist. A fresh clone has no such folder: it passes on the project's own fixtures and says here
 * that it skipped this part.
 */
const workspaceRoot = resolve(__dirname, '..', '..', '..');
const shared = resolve(workspaceRoot, '..', 'shared', 'fixtures');
const present = existsSync(join(shared, 'blocks.json'));

if (!present) {
  console.warn(`block-files conformance: SKIPPED, no shared fixtures at ${shared}`);
}

/** The blocks of a small file read the simple way (all in memory), to compare with the stream. */
function readWhole(path: string): { raws: unknown[]; toBlock?: number } {
  const text = readFileSync(path, 'utf8');
  if (path.endsWith('.ndjson')) {
    return { raws: text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line)) };
  }
  const value = JSON.parse(text) as unknown[] | { toBlock?: number; blocks: unknown[] };
  return Array.isArray(value) ? { raws: value } : { raws: value.blocks, toBlock: value.toBlock };
}

(present ? describe : describe.skip)('conformance with the shared fixtures (spec §1)', () => {
  const goodFiles: [string, string, number, number | undefined][] = [
    ['blocks.json', 'json', 6, undefined],
    ['registry-small.json', 'json', 80, undefined],
    ['registry-object.json', 'json', 50, 405],
    ['registry-medium.ndjson', 'ndjson', 2000, undefined],
  ];

  it.each(goodFiles)('reads %s fully: %s, %d blocks, toBlock %p', async (name, format, count, toBlock) => {
    const path = join(shared, name);
    const whole = readWhole(path);
    const expectedPayloads = whole.raws.map((raw, index) => canonicalBlockJson(parseBlock(raw, { index })));
    expect(whole.raws).toHaveLength(count);
    expect(whole.toBlock).toBe(toBlock);

    // Tiny reads are slow (one read call each): 7 bytes for the small files, 997 for the larger.
    for (const chunkSize of [undefined, statSync(path).size < 100_000 ? 7 : 997]) {
      const reader = new BlockFileReader(path, { chunkSize });
      const blocks: ReadBlock[] = [];
      for await (const read of reader.blocks()) blocks.push(read);
      expect(blocks.map((read) => read.payload)).toEqual(expectedPayloads);
      const numbers = blocks.map((read) => read.block.number);
      expect(reader.summary()).toEqual({
        format,
        blockCount: count,
        firstBlock: numbers[0],
        lastBlock: numbers[numbers.length - 1],
        ...(toBlock === undefined ? {} : { toBlock }),
      });
    }
    await expect(checkBlockFile(path)).resolves.toMatchObject({ blockCount: count });
  });

  const refusals: Record<string, string> = {
    'decreasing.json': 'decreasing.json: block 2: block numbers must be strictly increasing, but block 2 comes after block 3',
    'duplicate-number.json':
      'duplicate-number.json: block 3: block numbers must be strictly increasing, but block 3 repeats block 3',
    'events-not-array.json': 'events-not-array.json: block 1: field "events" must be an array, got {}',
    'missing-number.json': 'missing-number.json: block #1: field "number" is missing',
    'negative-number.json':
      'negative-number.json: block #1: field "number" must be a block number (a non-negative integer), got -1',
    'not-a-list.json':
      'not-a-list.json: not one of the shapes: unknown top-level key "number" at line 1, column 2; expected an array of blocks, ' +
      'or an object { "toBlock"?: n, "blocks": [...] } (a single block must be wrapped in an array: [ {block} ])',
    'toblock-below-last.json': 'toblock-below-last.json: field "toBlock" (5) is below the last block of the file (9)',
    'truncated.json': 'truncated.json: block #2, after block 1: the file is truncated: it ends inside this block',
  };

  it('has an expected refusal for every bad file', () => {
    expect(readdirSync(join(shared, 'bad')).sort()).toEqual(Object.keys(refusals).sort());
  });

  it.each(Object.entries(refusals))('refuses bad/%s before anything is queued', async (name, message) => {
    const error = await checkBlockFile(join(shared, 'bad', name)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BlockFileError);
    expect((error as Error).message).toBe(message);
    const tiny = await checkBlockFile(join(shared, 'bad', name), { chunkSize: 1 }).catch((caught: unknown) => caught);
    expect((tiny as Error).message).toBe(message);
  });
});
