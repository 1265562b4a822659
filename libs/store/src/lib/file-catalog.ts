import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { FILE_STATUS_ACTIVE, FileMeta, parseFileMeta } from './file-meta';
import { StoreKeys } from './keys';
import { BEGIN_REORG, RELEASE_LEASE, RESUME_FILE, SEAL_FILE, STORE_BLOCKS, TAKE_LEASE } from './scripts';

export interface StoredBlock {
  number: number;
  payload: string;
  digest: string;
}

export class FileBusyError extends Error {
  constructor(fileName: string) {
    super(`${fileName} is being ingested by another process; try again when it is done`);
    this.name = 'FileBusyError';
  }
}

/** How many recent blocks a reorganisation may replace, unless configured (REORG_WINDOW). */
export const DEFAULT_REORG_WINDOW = 64;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PAGE = 1000;
const INGEST_LOCK_MS = 30_000;

/** The producer's side of the store: which files exist, and what blocks each has. */
export class FileCatalog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  async meta(fileName: string): Promise<FileMeta | null> {
    return parseFileMeta(await this.redis.hgetall(this.keys.file(fileName).meta));
  }

  /** The file's stored block numbers with their digests, in block order, read page by page. */
  async *storedDigests(fileName: string): AsyncGenerator<{ number: number; digest: string }> {
    const file = this.keys.file(fileName);
    for (let offset = 0; ; offset += PAGE) {
      const numbers = await this.redis.zrange(file.blocks, offset, offset + PAGE - 1);
      if (numbers.length === 0) return;
      const digests = await this.redis.hmget(file.digests, ...numbers);
      for (let i = 0; i < numbers.length; i++) yield { number: Number(numbers[i]), digest: digests[i] ?? '' };
      if (numbers.length < PAGE) return;
    }
  }

  /**
   * Makes sure the file exists and marks it as being ingested (not sealed: it is not complete
   * until the ingest ends). A new file gets the next generation of its name.
   */
  async open(fileName: string, format: string, source: FileMeta['source'] = 'file', reorgWindow = DEFAULT_REORG_WINDOW): Promise<FileMeta> {
    const file = this.keys.file(fileName);
    if (!(await this.redis.exists(file.meta))) {
      const generation = await this.redis.hincrby(this.keys.generations, fileName, 1);
      const now = Date.now();
      await this.redis
        .multi()
        .hsetnx(file.meta, 'fileName', fileName)
        .hset(file.meta, {
          generation,
          format,
          source,
          createdAt: now,
          updatedAt: now,
          blockCount: 0,
          firstBlock: '',
          lastBlock: '',
          toBlock: '',
          appliedThrough: '',
          processedThrough: '',
          blocksApplied: 0,
          eventsApplied: 0,
          eventsRejected: 0,
          status: FILE_STATUS_ACTIVE,
          error: '',
          epoch: 0,
          rewindTo: '',
          reorgWindow,
          reorgs: 0,
        })
        .zadd(this.keys.files, 'NX', now, fileName)
        .exec();
    }
    await this.redis.hset(file.meta, 'sealed', '0', 'source', source);
    return (await this.meta(fileName))!;
  }

  /**
   * Drops everything of a file. The generation moves first, so that no consumer batch of the
   * old content can land while the keys are being deleted.
   */
  async drop(fileName: string): Promise<void> {
    const file = this.keys.file(fileName);
    const generation = await this.redis.hincrby(this.keys.generations, fileName, 1);
    await this.redis.hset(file.meta, 'generation', generation);
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.fileKeyPattern(fileName), 'COUNT', 1000);
      const doomed = keys.filter((key) => key !== file.ingestLock);
      if (doomed.length) await this.redis.unlink(...doomed);
      cursor = next;
    } while (cursor !== '0');
    await this.redis.zrem(this.keys.files, fileName);
  }

  /**
   * The file's blocks from `fromBlock` on are being replaced (see BEGIN_REORG). Returns undefined
   * when done, or why not: the change reaches further back than the blocks that can be undone
   * (and the file was stopped if `stopWhenTooDeep`), or the file moved.
   */
  async beginReorg(
    fileName: string,
    generation: number,
    fromBlock: number,
    stopWhenTooDeep: boolean,
  ): Promise<{ reason: string; stopped: boolean } | undefined> {
    const file = this.keys.file(fileName);
    const [ok, reason, stopped] = await BEGIN_REORG.run<[number, string, number?]>(this.redis, [file.meta], [
      file.base,
      String(generation),
      String(fromBlock),
      String(Date.now()),
      stopWhenTooDeep ? '1' : '0',
    ]);
    return ok === 1 ? undefined : { reason, stopped: stopped === 1 };
  }

  /** A stopped file goes on (see RESUME_FILE). */
  async resume(fileName: string, generation: number): Promise<void> {
    const file = this.keys.file(fileName);
    await RESUME_FILE.run(this.redis, [file.meta], [file.base, String(generation), String(Date.now())]);
  }

  async storeBlocks(fileName: string, generation: number, blocks: readonly StoredBlock[]): Promise<void> {
    if (blocks.length === 0) return;
    const file = this.keys.file(fileName);
    const args = [file.base, String(generation), String(Date.now())];
    for (const block of blocks) args.push(String(block.number), block.payload, block.digest);
    if ((await STORE_BLOCKS.run<number>(this.redis, [file.meta], args)) !== 1) {
      throw new Error(`${fileName} was replaced by another ingest while this one was storing blocks`);
    }
  }

  async seal(fileName: string, generation: number, toBlock: number | undefined, sealed: boolean, ignoredLogs?: number): Promise<FileMeta> {
    const file = this.keys.file(fileName);
    await SEAL_FILE.run(this.redis, [file.meta], [
      file.base,
      String(generation),
      toBlock === undefined ? '' : String(toBlock),
      sealed ? '1' : '0',
      String(Date.now()),
      ignoredLogs === undefined ? '' : String(ignoredLogs),
    ]);
    return (await this.meta(fileName))!;
  }

  /** Runs `work` holding the file's ingest lock, so that two ingests of one file never interleave. */
  async withIngestLock<T>(fileName: string, work: () => Promise<T>, waitMs = 60_000): Promise<T> {
    const lock = this.keys.file(fileName).ingestLock;
    const holder = randomUUID();
    const deadline = Date.now() + waitMs;
    while ((await TAKE_LEASE.run<number>(this.redis, [lock], [holder, INGEST_LOCK_MS])) !== 1) {
      if (Date.now() > deadline) throw new FileBusyError(fileName);
      await sleep(200);
    }
    const renew = setInterval(() => {
      TAKE_LEASE.run(this.redis, [lock], [holder, INGEST_LOCK_MS]).catch(() => undefined);
    }, INGEST_LOCK_MS / 3);
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await RELEASE_LEASE.run(this.redis, [lock], [holder]);
    }
  }
}
