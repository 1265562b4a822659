import { EntityKind } from '@bqm/domain';

/**
 * The Redis key layout, in one place (docs/ARCHITECTURE.md explains it; the Lua scripts in
 * scripts.ts build the same names from `FileKeys.base`). Every key of a file
 * carries the file name in braces, a hash tag: all of a file's keys live in one slot, so the
 * Lua scripts that touch several of them stay valid on a Redis Cluster.
 */
export const DEFAULT_KEY_PREFIX = 'bqm';

export class StoreKeys {
  constructor(readonly prefix: string = DEFAULT_KEY_PREFIX) {}

  /** Sorted set: every known file name, scored by when it was first ingested (ms). */
  get files(): string {
    return `${this.prefix}:files`;
  }

  /** Hash: file name → generation; survives `--replace` so that old jobs can be told apart. */
  get generations(): string {
    return `${this.prefix}:generations`;
  }

  /** Hash: deployment-wide counters (`jobs:<outcome>`, `rollbacks`). */
  get counters(): string {
    return `${this.prefix}:counters`;
  }

  /** Hash: consumer id → heartbeat JSON. */
  get consumers(): string {
    return `${this.prefix}:consumers`;
  }

  file(fileName: string): FileKeys {
    return new FileKeys(`${this.prefix}:file:{${fileName}}:`);
  }

  /** Pattern matching every key of one file, to drop a file. */
  fileKeyPattern(fileName: string): string {
    return `${this.prefix}:file:{${fileName.replace(/[*?[\]\\]/g, '\\$&')}}:*`;
  }
}

export class FileKeys {
  constructor(readonly base: string) {}

  /** Hash: the file's description and progress (see `FileMeta`). */
  get meta(): string {
    return `${this.base}meta`;
  }
  /** Sorted set: the file's block numbers (member and score). */
  get blocks(): string {
    return `${this.base}blocks`;
  }
  /** Hash: block number → canonical block JSON, until the block is applied. */
  get payloads(): string {
    return `${this.base}payloads`;
  }
  /** Hash: block number → digest of its content, kept to recognise re-ingested and appended files. */
  get digests(): string {
    return `${this.base}digests`;
  }
  /** Hash: entity key → latest version (JSON); the state as of `appliedThrough`. */
  head(kind: EntityKind): string {
    return `${this.base}head:${kind}`;
  }
  /** Sorted set: entity key scored by the block it first appeared in. */
  born(kind: EntityKind): string {
    return `${this.base}born:${kind}`;
  }
  /** Sorted set: one entity's versions, `<block>|<json>` scored by block. */
  history(kind: EntityKind, key: string): string {
    return `${this.base}hist:${kind}:${key}`;
  }
  /** Hash: public key → id of the not-removed operator holding it. */
  get operatorKeyIndex(): string {
    return `${this.base}index:operator-keys`;
  }
  /** Set: public keys of a cluster's not-removed validators. */
  clusterMembers(clusterId: string): string {
    return `${this.base}index:cluster:${clusterId}`;
  }
  /** Sorted set: rejections, `<index>|<json>` scored by block. */
  get rejections(): string {
    return `${this.base}rejections`;
  }
  /** Sorted set: `<block>|<kind>|<key>` scored by block, for the recent blocks a reorganisation may undo. */
  get changelog(): string {
    return `${this.base}changelog`;
  }
  /** Sorted set: `<block>|<applied>|<rejected>` event counts scored by block, for the same recent blocks. */
  get blockStats(): string {
    return `${this.base}block-stats`;
  }
  /** String: the consumer currently applying this file's blocks (a lease with a time limit). */
  get applyLease(): string {
    return `${this.base}apply-lease`;
  }
  /** String: set by a job that found the file being applied by a consumer: its holder must look again. */
  get moreBlocks(): string {
    return `${this.base}more-blocks`;
  }
  /** String: the producer currently ingesting this file. */
  get ingestLock(): string {
    return `${this.base}ingest-lock`;
  }
}
