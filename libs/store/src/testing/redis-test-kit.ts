import { blockDigest, canonicalBlockJson, canonicalJson } from '@bqm/block-files';
import { Block, RegistryCollections } from '@bqm/domain';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { FileCatalog, StoredBlock } from '../lib/file-catalog';
import { FileMeta } from '../lib/file-meta';
import { StoreKeys } from '../lib/keys';
import { ApplyBlockJob } from '../lib/queue';

/** Test support only (not exported by the library): the real Redis, under a key prefix of its own. */
export const TEST_REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/**
 * One test's (or one describe's) corner of the real Redis: a random key prefix, the connections
 * opened under it, and the clean-up that deletes every key under the prefix and closes them.
 */
export class RedisTestKit {
  readonly prefix = `bqmtest-${randomBytes(6).toString('hex')}`;
  readonly keys = new StoreKeys(this.prefix);
  private readonly connections: Redis[] = [];

  /** A new connection (each applier of a test gets its own, as separate consumers would). */
  connect(): Redis {
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connections.push(redis);
    return redis;
  }

  /** Every key under the prefix, sorted. */
  async allKeys(pattern = '*'): Promise<string[]> {
    const redis = this.connections[0] ?? this.connect();
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:${pattern}`, 'COUNT', 1000);
      keys.forEach((key) => found.add(key));
      cursor = next;
    } while (cursor !== '0');
    return [...found].sort();
  }

  /** Deletes every key under the prefix (SCAN + UNLINK). */
  async deleteAll(): Promise<void> {
    const redis = this.connections[0] ?? this.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  /** Deletes the keys, then closes every connection opened by the kit. */
  async close(): Promise<void> {
    try {
      await this.deleteAll();
    } finally {
      await Promise.all(this.connections.splice(0).map((redis) => redis.quit().catch(() => redis.disconnect())));
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A deterministic shuffle (mulberry32), so a failing order can be run again. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/**
 * The blocks as a consumer sees them: parsed back from their canonical JSON (object keys sorted).
 * The reference replay must use these, as rejection messages quote the event's values as stored.
 */
export function asStored(blocks: readonly Block[]): Block[] {
  return blocks.map((block) => JSON.parse(canonicalBlockJson(block)) as Block);
}

/** Blocks as the ingest stores them: canonical JSON and its digest. */
export function storedBlocks(blocks: readonly Block[]): StoredBlock[] {
  return blocks.map((block) => ({ number: block.number, payload: canonicalBlockJson(block), digest: blockDigest(block) }));
}

/** The job the ingest queues for each block of a file. */
export function jobsOf(fileName: string, generation: number, blocks: readonly Block[]): ApplyBlockJob[] {
  return blocks.map((block) => ({ fileName, generation, blockNumber: block.number, digest: blockDigest(block) }));
}

/**
 * Stores a file as the ingest does (open, blocks in chunks, seal) and returns its meta and jobs.
 * `sealed: false` leaves it open, as a running simulation's file is.
 */
export async function storeFile(
  catalog: FileCatalog,
  fileName: string,
  blocks: readonly Block[],
  options: { toBlock?: number; sealed?: boolean; chunk?: number } = {},
): Promise<{ meta: FileMeta; jobs: ApplyBlockJob[] }> {
  const opened = await catalog.open(fileName, 'json');
  const stored = storedBlocks(blocks);
  const chunk = options.chunk ?? 500;
  for (let at = 0; at < stored.length; at += chunk) await catalog.storeBlocks(fileName, opened.generation, stored.slice(at, at + chunk));
  const meta = await catalog.seal(fileName, opened.generation, options.toBlock, options.sealed ?? true);
  return { meta, jobs: jobsOf(fileName, meta.generation, blocks) };
}

/**
 * Asserts two states are equal. Large states are compared as canonical JSON first (Jest's deep
 * equality takes a second or more on a few thousand entities); only when they differ does Jest
 * compare them, for a readable diff that names `where`.
 */
export function expectSameState(actual: RegistryCollections, expected: RegistryCollections, where: Record<string, unknown>): void {
  if (canonicalJson(actual) === canonicalJson(expected)) return;
  for (const kind of ['operators', 'validators', 'clusters', 'accounts'] as const) {
    expect({ ...where, kind, entities: actual[kind] }).toEqual({ ...where, kind, entities: expected[kind] });
  }
  // Equal as values but not as canonical JSON (an undefined member): still a difference worth seeing.
  expect(canonicalJson(actual)).toBe(canonicalJson(expected));
}
