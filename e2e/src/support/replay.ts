import { Block, InMemoryRegistry, parseBlock, RegistryCollections } from '@bqm/domain';
import { readFileSync } from 'node:fs';

/** Reads a small native JSON/NDJSON file whole (test inputs only) into checked blocks. */
export function readBlocks(path: string): Block[] {
  const text = readFileSync(path, 'utf8');
  const raws: unknown[] = path.endsWith('.ndjson')
    ? text.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line))
    : (() => {
        const parsed = JSON.parse(text);
        return Array.isArray(parsed) ? parsed : parsed.blocks;
      })();
  return raws.map((raw, index) => parseBlock(raw, { index }));
}

/** The reference answer: the in-memory rules replayed through `blockNumber`. */
export function expectedState(blocks: Block[], blockNumber: number, includeRemoved = false): RegistryCollections {
  return InMemoryRegistry.replay(blocks, blockNumber).collections(includeRemoved);
}

export function collectionsOf(body: Record<string, unknown>): RegistryCollections {
  const { operators, validators, clusters, accounts } = body as unknown as RegistryCollections;
  return { operators, validators, clusters, accounts };
}
