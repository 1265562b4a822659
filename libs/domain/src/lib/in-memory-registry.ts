import { applyBlock, BlockOutcome, Rejection } from './apply-block';
import { Block } from './blocks';
import { Account, Cluster, Operator, RegistryCollections, toCollections, ValidatorRecord } from './entities';
import { EntityChanges, RegistryView } from './registry-view';

/**
 * A whole registry held in memory with the indexes the rules need. It is the reference the
 * Redis store is tested against, and replays a file to give the state as of any block.
 */
export class InMemoryRegistry implements RegistryView {
  private readonly operators = new Map<number, Operator>();
  private readonly validators = new Map<string, ValidatorRecord>();
  private readonly clusters = new Map<string, Cluster>();
  private readonly accounts = new Map<string, Account>();
  private readonly operatorByPublicKey = new Map<string, number>();
  private readonly clusterMembers = new Map<string, Set<string>>();
  readonly rejections: Rejection[] = [];

  getOperator(operatorId: number): Operator | undefined {
    return this.operators.get(operatorId);
  }

  findOperatorByPublicKey(publicKey: string): number | undefined {
    return this.operatorByPublicKey.get(publicKey);
  }

  getValidator(publicKey: string): ValidatorRecord | undefined {
    return this.validators.get(publicKey);
  }

  getCluster(clusterId: string): Cluster | undefined {
    return this.clusters.get(clusterId);
  }

  getAccount(owner: string): Account | undefined {
    return this.accounts.get(owner);
  }

  listClusterValidators(clusterId: string): readonly string[] {
    return [...(this.clusterMembers.get(clusterId) ?? [])];
  }

  applyBlock(block: Block): BlockOutcome {
    const outcome = applyBlock(this, block);
    this.commit(outcome.changes);
    this.rejections.push(...outcome.rejections);
    return outcome;
  }

  commit(changes: EntityChanges): void {
    for (const operator of changes.operators.values()) {
      const previous = this.operators.get(operator.operatorId);
      if (previous && this.operatorByPublicKey.get(previous.publicKey) === previous.operatorId) {
        this.operatorByPublicKey.delete(previous.publicKey);
      }
      if (!operator.removed) this.operatorByPublicKey.set(operator.publicKey, operator.operatorId);
      this.operators.set(operator.operatorId, operator);
    }
    for (const validator of changes.validators.values()) {
      const previous = this.validators.get(validator.publicKey);
      if (previous) this.clusterMembers.get(previous.clusterId)?.delete(previous.publicKey);
      if (!validator.removed) {
        const members = this.clusterMembers.get(validator.clusterId) ?? new Set<string>();
        members.add(validator.publicKey);
        this.clusterMembers.set(validator.clusterId, members);
      }
      this.validators.set(validator.publicKey, validator);
    }
    for (const cluster of changes.clusters.values()) this.clusters.set(cluster.clusterId, cluster);
    for (const account of changes.accounts.values()) this.accounts.set(account.owner, account);
  }

  collections(includeRemoved = false): RegistryCollections {
    return toCollections(
      {
        operators: this.operators.values(),
        validators: this.validators.values(),
        clusters: this.clusters.values(),
        accounts: this.accounts.values(),
      },
      includeRemoved,
    );
  }

  /** The state as of `blockNumber` (spec §5): every block numbered ≤ it, in order. */
  static replay(blocks: Iterable<Block>, throughBlock = Number.MAX_SAFE_INTEGER): InMemoryRegistry {
    const registry = new InMemoryRegistry();
    for (const block of blocks) {
      if (block.number > throughBlock) break;
      registry.applyBlock(block);
    }
    return registry;
  }
}
