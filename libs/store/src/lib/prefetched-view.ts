import { Account, Cluster, EntityByKind, EntityKind, Lookups, Operator, RegistryView, ValidatorRecord } from '@bqm/domain';
import type { Redis } from 'ioredis';
import { FileKeys } from './keys';

class NotLoaded extends Error {
  constructor(what: string) {
    super(`internal error: ${what} was read by the rules but not loaded from Redis first`);
  }
}

function lookup<K, V>(map: Map<K, V | undefined>, key: K, what: string): V | undefined {
  if (!map.has(key)) throw new NotLoaded(`${what} ${String(key)}`);
  return map.get(key);
}

/**
 * The part of a file's latest state that some blocks need, loaded from Redis in a few round
 * trips, answering `RegistryView` synchronously. Reading anything that was not loaded is a bug,
 * and fails loudly instead of answering "does not exist".
 */
export class PrefetchedView implements RegistryView {
  private readonly operators = new Map<number, Operator | undefined>();
  private readonly operatorKeys = new Map<string, number | undefined>();
  private readonly validators = new Map<string, ValidatorRecord | undefined>();
  private readonly clusters = new Map<string, Cluster | undefined>();
  private readonly accounts = new Map<string, Account | undefined>();
  private readonly members = new Map<string, string[]>();

  getOperator(operatorId: number): Operator | undefined {
    return lookup(this.operators, operatorId, 'operator');
  }
  findOperatorByPublicKey(publicKey: string): number | undefined {
    return lookup(this.operatorKeys, publicKey, 'operator public key');
  }
  getValidator(publicKey: string): ValidatorRecord | undefined {
    return lookup(this.validators, publicKey, 'validator');
  }
  getCluster(clusterId: string): Cluster | undefined {
    return lookup(this.clusters, clusterId, 'cluster');
  }
  getAccount(owner: string): Account | undefined {
    return lookup(this.accounts, owner, 'account');
  }
  listClusterValidators(clusterId: string): readonly string[] {
    const members = this.members.get(clusterId);
    if (!members) throw new NotLoaded(`members of cluster ${clusterId}`);
    return members;
  }

  /** The entity as it was before the batch (undefined: it did not exist). */
  get(kind: EntityKind, key: string): EntityByKind[EntityKind] | undefined {
    switch (kind) {
      case 'operators':
        return this.getOperator(Number(key));
      case 'validators':
        return this.getValidator(key);
      case 'clusters':
        return this.getCluster(key);
      default:
        return this.getAccount(key);
    }
  }

  /** Whether the entity existed before the batch. */
  has(kind: EntityKind, key: string): boolean {
    return this.get(kind, key) !== undefined;
  }

  static async load(redis: Redis, keys: FileKeys, lookups: Lookups): Promise<PrefetchedView> {
    const view = new PrefetchedView();
    const operatorIds = [...lookups.operatorIds];
    const operatorKeys = [...lookups.operatorPublicKeys];
    const clusterIds = [...lookups.clusterIds];
    const owners = [...lookups.owners];
    const memberClusters = [...lookups.clusterMembers];

    const first = redis.pipeline();
    // HMGET through `call` with one array: a busy block names more keys than a call can take spread out.
    const hmget = (key: string, fields: string[]) => first.call('HMGET', [key, ...fields]);
    if (operatorIds.length) hmget(keys.head('operators'), operatorIds.map(String));
    if (operatorKeys.length) hmget(keys.operatorKeyIndex, operatorKeys);
    if (clusterIds.length) hmget(keys.head('clusters'), clusterIds);
    if (owners.length) hmget(keys.head('accounts'), owners);
    for (const clusterId of memberClusters) first.smembers(keys.clusterMembers(clusterId));
    const results = (await first.exec()) ?? [];
    const next = () => {
      const [error, value] = results.shift() ?? [new Error('missing pipeline reply'), null];
      if (error) throw error;
      return value;
    };
    const parse = <T>(json: string | null): T | undefined => (json === null ? undefined : (JSON.parse(json) as T));
    if (operatorIds.length) (next() as (string | null)[]).forEach((json, i) => view.operators.set(operatorIds[i], parse(json)));
    if (operatorKeys.length) {
      (next() as (string | null)[]).forEach((id, i) => view.operatorKeys.set(operatorKeys[i], id === null ? undefined : Number(id)));
    }
    if (clusterIds.length) (next() as (string | null)[]).forEach((json, i) => view.clusters.set(clusterIds[i], parse(json)));
    if (owners.length) (next() as (string | null)[]).forEach((json, i) => view.accounts.set(owners[i], parse(json)));
    for (const clusterId of memberClusters) view.members.set(clusterId, next() as string[]);

    // Validators named by the events, and those of clusters being liquidated or reactivated.
    const validatorKeys = [...new Set([...lookups.validatorKeys, ...[...view.members.values()].flat()])];
    if (validatorKeys.length) {
      const versions = (await redis.call('HMGET', [keys.head('validators'), ...validatorKeys])) as (string | null)[];
      versions.forEach((json, i) => view.validators.set(validatorKeys[i], parse(json)));
    }
    return view;
  }
}
