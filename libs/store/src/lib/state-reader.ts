import { ENTITY_KINDS, EntityByKind, EntityKind, Rejection, RegistryCollections, toCollections } from '@bqm/domain';
import type { Redis } from 'ioredis';
import { FileMeta, parseFileMeta } from './file-meta';
import { StoreKeys } from './keys';
import { STATE_PAGE } from './scripts';
import { VERSION_CODECS, VersionCodec } from './version-codec';

const STATE_PAGE_SIZE = 5000;

/** The file changed under a read (replaced, or a reorganisation took back blocks): read again. */
export class StateMovedError extends Error {
  constructor(fileName: string) {
    super(`the state of ${fileName} changed while it was read`);
    this.name = 'StateMovedError';
  }
}

/**
 * Reads what consumers wrote: files, their progress, the state as of any block, rejections.
 * A state as of N is read from each entity's versions, never by replaying blocks, so its cost
 * depends on the size of that state, not on how many blocks came before N.
 */
export class StateReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  async fileMeta(fileName: string): Promise<FileMeta | null> {
    return parseFileMeta(await this.redis.hgetall(this.keys.file(fileName).meta));
  }

  async listFiles(): Promise<FileMeta[]> {
    const names = await this.redis.zrange(this.keys.files, 0, -1);
    const pipeline = this.redis.pipeline();
    for (const name of names) pipeline.hgetall(this.keys.file(name).meta);
    const replies = (await pipeline.exec()) ?? [];
    return replies
      .map(([, hash]) => parseFileMeta(hash as Record<string, string>))
      .filter((meta): meta is FileMeta => meta !== null)
      .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
  }

  /**
   * The registry as of `blockNumber`, which the caller has checked is at most `processedThrough`
   * (`meta`). Throws `StateMovedError` if the file moved under the read.
   */
  async stateAt(meta: FileMeta, blockNumber: number, includeRemoved: boolean): Promise<RegistryCollections> {
    const entities = {} as { [K in EntityKind]: EntityByKind[K][] };
    try {
      const operatorHeads = await this.redis.hgetall(this.keys.file(meta.fileName).head('operators'));
      const head = (key: string) => (operatorHeads[key] === undefined ? undefined : JSON.parse(operatorHeads[key]));
      for (const kind of ENTITY_KINDS) {
        const codec = VERSION_CODECS[kind] as VersionCodec<EntityKind>;
        const page = await this.versionsAt(meta.fileName, kind, blockNumber);
        const decoded: EntityByKind[EntityKind][] = [];
        for (let i = 0; i < page.length; i += 2) {
          const version = page[i + 1];
          decoded.push(codec.decode(page[i], version.slice(version.indexOf('|') + 1), head));
        }
        entities[kind] = decoded as never;
      }
    } catch (error) {
      // A file replaced mid-read mixes generations (an operator version without the head read
      // before it): that is the file moving, not a fault of the store.
      if (await this.moved(meta, blockNumber)) throw new StateMovedError(meta.fileName);
      throw error;
    }
    if (await this.moved(meta, blockNumber)) throw new StateMovedError(meta.fileName);
    return toCollections(entities, includeRemoved);
  }

  private async moved(meta: FileMeta, blockNumber: number): Promise<boolean> {
    const after = await this.fileMeta(meta.fileName);
    return !after || after.generation !== meta.generation || (after.processedThrough ?? -1) < blockNumber;
  }

  /** Key, version, key, version... of the entities of `kind` as of `blockNumber`. */
  private async versionsAt(fileName: string, kind: EntityKind, blockNumber: number): Promise<string[]> {
    const base = this.keys.file(fileName).base;
    const versions: string[] = [];
    for (let offset = 0; ; offset += STATE_PAGE_SIZE) {
      const text = await STATE_PAGE.run<string>(this.redis, [], [base, kind, blockNumber, offset, STATE_PAGE_SIZE]);
      const page = text === '' ? [] : text.split('\n');
      versions.push(...page);
      if (page.length < 2 * STATE_PAGE_SIZE) return versions;
    }
  }

  /** Rejections in block order, then event order; optionally within [fromBlock, toBlock]. */
  async rejections(fileName: string, fromBlock?: number, toBlock?: number): Promise<Rejection[]> {
    const members = await this.redis.zrangebyscore(
      this.keys.file(fileName).rejections,
      fromBlock === undefined ? '-inf' : String(fromBlock),
      toBlock === undefined ? '+inf' : String(toBlock),
    );
    return members.map((member) => JSON.parse(member.slice(member.indexOf('|') + 1)) as Rejection);
  }
}
