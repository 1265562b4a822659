import { EntityKind, Operator, ValidatorRecord } from '@bqm/domain';

/** An entity before and after a change (undefined: it does not exist on that side). */
export interface EntityTransition {
  kind: EntityKind;
  before: unknown;
  after: unknown;
}

const OPERATOR_KEYS = 'index:operator-keys';

/**
 * The index entries that follow from entities changing (applying blocks) or going back
 * (a rollback): which not-removed operator holds each public key, and which not-removed
 * validators each cluster has. Keys are relative to the file's base, as the scripts expect.
 * Keys freed are freed before keys are taken: one batch may free a key another operator takes.
 */
export function indexOperations(transitions: Iterable<EntityTransition>): string[][] {
  const released: string[][] = [];
  const taken: string[][] = [];
  const members: string[][] = [];
  for (const { kind, before, after } of transitions) {
    if (kind === 'operators') {
      const was = before as Operator | undefined;
      const is = after as Operator | undefined;
      const heldBefore = was && !was.removed ? was.publicKey : undefined;
      const heldAfter = is && !is.removed ? is.publicKey : undefined;
      if (heldBefore === heldAfter) continue;
      if (heldBefore !== undefined) released.push(['HDEL', OPERATOR_KEYS, heldBefore, '']);
      if (heldAfter !== undefined) taken.push(['HSET', OPERATOR_KEYS, heldAfter, String(is!.operatorId)]);
    } else if (kind === 'validators') {
      const was = before as ValidatorRecord | undefined;
      const is = after as ValidatorRecord | undefined;
      const wasIn = was && !was.removed ? was.clusterId : undefined;
      const isIn = is && !is.removed ? is.clusterId : undefined;
      if (wasIn === isIn) continue;
      const publicKey = (is ?? was)!.publicKey;
      if (wasIn !== undefined) members.push(['SREM', `index:cluster:${wasIn}`, publicKey, '']);
      if (isIn !== undefined) members.push(['SADD', `index:cluster:${isIn}`, publicKey, '']);
    }
  }
  return [...released, ...taken, ...members];
}
