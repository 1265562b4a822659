/**
 * The registry entities exactly as the API returns them (spec §3).
 * Amounts are canonical decimal strings so that uint256 values survive JSON.
 */

export interface Operator {
  operatorId: number;
  owner: string;
  publicKey: string;
  fee: string;
  declaredFee: string | null;
  isPrivate: boolean;
  validatorCount: number;
  removed: boolean;
  lastUpdateBlock: number;
}

export type ValidatorStatus = 'active' | 'exited' | 'liquidated';

/** A validator as the API returns it: `status` is derived from `exited` and its cluster. */
export interface Validator {
  publicKey: string;
  owner: string;
  operatorIds: number[];
  clusterId: string;
  status: ValidatorStatus;
  removed: boolean;
  lastUpdateBlock: number;
}

/**
 * A validator as it is stored. `status` is not stored: it is `exited` once exited, else it
 * follows its cluster, even for a removed validator whose cluster is liquidated later (spec §3,
 * and the fixtures' `+removed` states), which no event of that validator records.
 */
export interface ValidatorRecord {
  publicKey: string;
  owner: string;
  operatorIds: number[];
  clusterId: string;
  exited: boolean;
  removed: boolean;
  lastUpdateBlock: number;
}

export interface Cluster {
  clusterId: string;
  owner: string;
  operatorIds: number[];
  validatorCount: number;
  active: boolean;
  balance: string | null;
  lastUpdateBlock: number;
}

export interface Account {
  owner: string;
  feeRecipient: string;
  nonce: number;
  validatorCount: number;
}

/** The four collections of a registry state, in the order and shape of spec §5. */
export interface RegistryCollections {
  operators: Operator[];
  validators: Validator[];
  clusters: Cluster[];
  accounts: Account[];
}

export const ENTITY_KINDS = ['operators', 'validators', 'clusters', 'accounts'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export interface EntityByKind {
  operators: Operator;
  validators: ValidatorRecord;
  clusters: Cluster;
  accounts: Account;
}

/** The key that identifies an entity inside its collection. */
export function entityKey<K extends EntityKind>(kind: K, entity: EntityByKind[K]): string {
  switch (kind) {
    case 'operators':
      return String((entity as Operator).operatorId);
    case 'validators':
      return (entity as ValidatorRecord).publicKey;
    case 'clusters':
      return (entity as Cluster).clusterId;
    default:
      return (entity as Account).owner;
  }
}

export function clusterIdOf(owner: string, operatorIds: readonly number[]): string {
  return [owner, ...operatorIds].join('-');
}

/** Entities that leave the default answer when removed (clusters and accounts are always listed). */
export function isRemoved(kind: EntityKind, entity: EntityByKind[EntityKind]): boolean {
  return (kind === 'operators' || kind === 'validators') && (entity as Operator | ValidatorRecord).removed;
}

const byPlainString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function toValidator(record: ValidatorRecord, clusterActive: boolean): Validator {
  return {
    publicKey: record.publicKey,
    owner: record.owner,
    operatorIds: record.operatorIds,
    clusterId: record.clusterId,
    status: record.exited ? 'exited' : clusterActive ? 'active' : 'liquidated',
    removed: record.removed,
    lastUpdateBlock: record.lastUpdateBlock,
  };
}

/**
 * The answer for a state (spec §5) from all its entities: removed ones left out unless asked for,
 * operators ordered numerically, everything else by its key as plain strings (so `…-1-10-…`
 * sorts before `…-1-2-…`), validator status derived from the clusters of the same state.
 */
export function toCollections(
  entities: { [K in EntityKind]: Iterable<EntityByKind[K]> },
  includeRemoved: boolean,
): RegistryCollections {
  const keep = <K extends EntityKind>(kind: K) =>
    [...entities[kind]].filter((entity) => includeRemoved || !isRemoved(kind, entity));
  const clusters = [...entities.clusters];
  const inactiveClusters = new Set(clusters.filter((cluster) => !cluster.active).map((cluster) => cluster.clusterId));
  return {
    operators: keep('operators').sort((a, b) => a.operatorId - b.operatorId),
    validators: keep('validators')
      .sort((a, b) => byPlainString(a.publicKey, b.publicKey))
      .map((record) => toValidator(record, !inactiveClusters.has(record.clusterId))),
    clusters: clusters.sort((a, b) => byPlainString(a.clusterId, b.clusterId)),
    accounts: keep('accounts').sort((a, b) => byPlainString(a.owner, b.owner)),
  };
}
