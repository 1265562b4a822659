import { Account, Cluster, EntityKind, Operator, ValidatorRecord } from './entities';

/**
 * What the rules need to read of the state. It is synchronous on purpose: the shell loads what a
 * block needs (see `lookupsFor`) before the rules run, so the rules stay pure.
 */
export interface RegistryView {
  getOperator(operatorId: number): Operator | undefined;
  /** The id of the not-removed operator with this public key, if any. */
  findOperatorByPublicKey(publicKey: string): number | undefined;
  getValidator(publicKey: string): ValidatorRecord | undefined;
  getCluster(clusterId: string): Cluster | undefined;
  getAccount(owner: string): Account | undefined;
  /** Public keys of the not-removed validators whose cluster is `clusterId`. */
  listClusterValidators(clusterId: string): readonly string[];
}

/** New versions of the entities a block (or a batch of blocks) changed, by key. */
export interface EntityChanges {
  operators: Map<number, Operator>;
  validators: Map<string, ValidatorRecord>;
  clusters: Map<string, Cluster>;
  accounts: Map<string, Account>;
}

export function emptyChanges(): EntityChanges {
  return { operators: new Map(), validators: new Map(), clusters: new Map(), accounts: new Map() };
}

export function countChanges(changes: EntityChanges): number {
  return changes.operators.size + changes.validators.size + changes.clusters.size + changes.accounts.size;
}

/** Each change as `[kind, key, entity]`, for writers that treat the four collections alike. */
export function* eachChange(changes: EntityChanges): Generator<[EntityKind, string, object]> {
  for (const [id, operator] of changes.operators) yield ['operators', String(id), operator];
  for (const [key, validator] of changes.validators) yield ['validators', key, validator];
  for (const [id, cluster] of changes.clusters) yield ['clusters', id, cluster];
  for (const [owner, account] of changes.accounts) yield ['accounts', owner, account];
}

/**
 * A view of `base` with `changes` laid over it. The rules write into an overlay, so a block sees
 * its own earlier events, and the base is never touched.
 */
export class RegistryOverlay implements RegistryView {
  readonly changes: EntityChanges = emptyChanges();

  constructor(private readonly base: RegistryView) {}

  getOperator(operatorId: number): Operator | undefined {
    return this.changes.operators.get(operatorId) ?? this.base.getOperator(operatorId);
  }

  findOperatorByPublicKey(publicKey: string): number | undefined {
    for (const operator of this.changes.operators.values()) {
      if (operator.publicKey === publicKey && !operator.removed) return operator.operatorId;
    }
    const id = this.base.findOperatorByPublicKey(publicKey);
    // An operator the overlay changed and did not return above is removed now.
    return id !== undefined && this.changes.operators.has(id) ? undefined : id;
  }

  getValidator(publicKey: string): ValidatorRecord | undefined {
    return this.changes.validators.get(publicKey) ?? this.base.getValidator(publicKey);
  }

  getCluster(clusterId: string): Cluster | undefined {
    return this.changes.clusters.get(clusterId) ?? this.base.getCluster(clusterId);
  }

  getAccount(owner: string): Account | undefined {
    return this.changes.accounts.get(owner) ?? this.base.getAccount(owner);
  }

  listClusterValidators(clusterId: string): readonly string[] {
    const members = new Set(this.base.listClusterValidators(clusterId));
    for (const [key, validator] of this.changes.validators) {
      if (validator.clusterId === clusterId && !validator.removed) members.add(key);
      else members.delete(key);
    }
    return [...members];
  }

  setOperator(operator: Operator): void {
    this.changes.operators.set(operator.operatorId, operator);
  }

  setValidator(validator: ValidatorRecord): void {
    this.changes.validators.set(validator.publicKey, validator);
  }

  setCluster(cluster: Cluster): void {
    this.changes.clusters.set(cluster.clusterId, cluster);
  }

  setAccount(account: Account): void {
    this.changes.accounts.set(account.owner, account);
  }

  /** Lays later changes over these (a batch of blocks folds each block's changes in). */
  absorb(later: EntityChanges): void {
    for (const operator of later.operators.values()) this.setOperator(operator);
    for (const validator of later.validators.values()) this.setValidator(validator);
    for (const cluster of later.clusters.values()) this.setCluster(cluster);
    for (const account of later.accounts.values()) this.setAccount(account);
  }
}
