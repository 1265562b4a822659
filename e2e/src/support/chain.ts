import { Block, InMemoryRegistry } from '@bqm/domain';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { TestSystem } from './system';
import { collectionsOf } from './replay';

const hashOf = (text: string) => `0x${createHash('sha256').update(text).digest('hex')}`;

/**
 * Another branch of a chain from block `from` on: `change` rewrites the blocks' content there,
 * and every block from `from` gets a new hash (with parentHash links kept), as a real
 * reorganisation does.
 */
export function fork(blocks: readonly Block[], from: number, change: (block: Block) => Block, label = 'fork'): Block[] {
  let parentHash: string | undefined;
  return blocks.map((block) => {
    if (block.number < from) {
      parentHash = block.hash;
      return block;
    }
    const changed = change({ ...block, events: [...block.events] });
    const rehashed: Block = { ...changed, hash: hashOf(`${label}:${block.number}:${block.hash ?? ''}`) };
    if (block.parentHash !== undefined && parentHash !== undefined) rehashed.parentHash = parentHash;
    parentHash = rehashed.hash;
    return rehashed;
  });
}

export function writeNdjson(path: string, blocks: readonly Block[]): string {
  writeFileSync(path, blocks.map((block) => JSON.stringify(block)).join('\n') + '\n');
  return path;
}

/** The file's state, rejections and counts are exactly a replay of `blocks`. */
export async function expectExactly(system: TestSystem, fileName: string, blocks: readonly Block[], heights: number[]): Promise<void> {
  const reference = InMemoryRegistry.replay(blocks);
  const meta = await system.meta(fileName);
  const events = blocks.reduce((sum, block) => sum + block.events.length, 0);
  expect(meta).toMatchObject({
    blocksApplied: blocks.length,
    eventsApplied: events - reference.rejections.length,
    eventsRejected: reference.rejections.length,
    processedThrough: blocks[blocks.length - 1].number,
  });
  for (const at of heights) {
    const { status, body } = await system.get(`/state?fileName=${fileName}&blockNumber=${at}&includeRemoved=true`);
    expect({ at, status }).toEqual({ at, status: 200 });
    expect(collectionsOf(body)).toEqual(InMemoryRegistry.replay(blocks, at).collections(true));
  }
  const { body } = await system.get(`/files/${fileName}/rejections`);
  expect(body.rejections.map(({ blockNumber, index, code }: Record<string, unknown>) => `${blockNumber}:${index}:${code}`)).toEqual(
    reference.rejections.map(({ blockNumber, index, code }) => `${blockNumber}:${index}:${code}`),
  );
}
