import { EntityByKind, EntityKind, ENTITY_KINDS } from '@bqm/domain';
import type { Redis } from 'ioredis';
import { EntityTransition, indexOperations } from './index-operations';
import { FileKeys } from './keys';
import { ROLLBACK } from './scripts';
import { VERSION_CODECS, VersionCodec } from './version-codec';

/** Where a file stands, as read at the start of a rollback or a batch. */
export interface FilePosition {
  generation: string;
  epoch: string;
  appliedThrough: string;
  rewindTo: string;
}

/**
 * Carries out a recorded rewind: undoes the blocks applied after `position.rewindTo`, from the
 * change log of the recent blocks. The plan is read and computed here; the write is one script
 * that first checks the file has not moved. Returns the number of blocks undone, or undefined
 * when the file moved (the caller looks again).
 */
export async function rollBack(redis: Redis, file: FileKeys, position: FilePosition): Promise<number | undefined> {
  const target = position.rewindTo;
  const changed = new Map<string, [EntityKind, string]>();
  for (const member of await redis.zrangebyscore(file.changelog, `(${target}`, '+inf')) {
    for (const entry of member.slice(member.indexOf('|') + 1).split('\n')) {
      const split = entry.indexOf(':');
      const kind = entry.slice(0, split) as EntityKind;
      if (ENTITY_KINDS.includes(kind)) changed.set(entry, [kind, entry.slice(split + 1)]);
    }
  }
  const entries = [...changed.values()];
  const pipeline = redis.pipeline();
  for (const [kind, key] of entries) {
    pipeline.hget(file.head(kind), key);
    pipeline.zrevrangebyscore(file.history(kind, key), target, '-inf', 'LIMIT', 0, 1);
  }
  const replies = (await pipeline.exec()) ?? [];
  const heads: string[] = [];
  const transitions: EntityTransition[] = [];
  entries.forEach(([kind, key], i) => {
    const [headError, headJson] = replies[2 * i];
    const [versionError, versions] = replies[2 * i + 1];
    if (headError || versionError) throw headError ?? versionError;
    const current = headJson === null ? undefined : (JSON.parse(headJson as string) as EntityByKind[EntityKind]);
    const version = (versions as string[])[0];
    const restored =
      version === undefined
        ? undefined
        : (VERSION_CODECS[kind] as VersionCodec<EntityKind>).decode(key, version.slice(version.indexOf('|') + 1), () => current as never);
    heads.push(kind, key, restored === undefined ? '' : JSON.stringify(restored));
    transitions.push({ kind, before: current, after: restored });
  });
  const ops = indexOperations(transitions);
  const reply = await ROLLBACK.run<[number, number | string]>(redis, [file.meta], [
    file.base,
    position.generation,
    position.epoch,
    position.appliedThrough,
    target,
    String(Date.now()),
    String(heads.length / 3),
    String(ops.length),
    ...heads,
    ...ops.flat(),
  ]);
  return reply[0] === 1 ? Number(reply[1]) : undefined;
}
