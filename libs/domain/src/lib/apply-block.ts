import { Block } from './blocks';
import { Account, Cluster, clusterIdOf, Operator, ValidatorRecord } from './entities';
import {
  ClusterDeposited,
  ClusterLiquidated,
  ClusterReactivated,
  ClusterWithdrawn,
  FeeRecipientAddressUpdated,
  OperatorAdded,
  OperatorFeeDeclarationCancelled,
  OperatorFeeDeclared,
  OperatorFeeExecuted,
  OperatorPrivacyStatusUpdated,
  OperatorRemoved,
  parseEvent,
  RegistryEvent,
  ValidatorAdded,
  ValidatorExited,
  ValidatorRemoved,
} from './events';
import { EntityChanges, RegistryOverlay, RegistryView } from './registry-view';

export const REJECTION_CODES = [
  'InvalidEvent',
  'UnknownEventType',
  'OperatorAlreadyExists',
  'OperatorPublicKeyAlreadyExists',
  'OperatorDoesNotExist',
  'CallerNotOwner',
  'NoFeeDeclared',
  'InvalidOperatorIdsLength',
  'UnsortedOperatorsList',
  'ValidatorAlreadyExists',
  'ClusterIsLiquidated',
  'ValidatorDoesNotExist',
  'IncorrectValidatorOwner',
  'IncorrectOperatorIds',
  'ClusterDoesNotExist',
  'ClusterAlreadyEnabled',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  blockNumber: number;
  index: number;
  /** The event's `type` as it came (null when the event had none). */
  type: unknown;
  code: RejectionCode;
  message: string;
}

export interface BlockOutcome {
  blockNumber: number;
  changes: EntityChanges;
  rejections: Rejection[];
  eventsApplied: number;
  eventsRejected: number;
}

const VALID_COMMITTEE_SIZES = new Set([4, 7, 10, 13]);

class Rejected {
  constructor(
    readonly code: RejectionCode,
    readonly message: string,
  ) {}
}

const sameIds = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((id, i) => id === b[i]);

/**
 * Applies one block to a state (spec §4): a pure function from state and block to the new
 * versions of what changed, and the events it rejected. `view` is never modified.
 */
export function applyBlock(view: RegistryView, block: Block): BlockOutcome {
  const rules = new BlockRules(new RegistryOverlay(view), block.number);
  const rejections: Rejection[] = [];
  block.events.forEach((raw, index) => {
    const parsed = parseEvent(raw);
    const type = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? ((raw as { type?: unknown }).type ?? null) : null;
    const verdict = parsed.ok ? rules.apply(parsed.event) : new Rejected(parsed.code, parsed.message);
    if (verdict instanceof Rejected) {
      rejections.push({ blockNumber: block.number, index, type, code: verdict.code, message: verdict.message });
    }
  });
  return {
    blockNumber: block.number,
    changes: rules.state.changes,
    rejections,
    eventsApplied: block.events.length - rejections.length,
    eventsRejected: rejections.length,
  };
}

/** The rules of each event type, writing into an overlay; a rule returns `Rejected` or nothing. */
class BlockRules {
  constructor(
    readonly state: RegistryOverlay,
    private readonly blockNumber: number,
  ) {}

  apply(event: RegistryEvent): Rejected | void {
    switch (event.type) {
      case 'OperatorAdded':
        return this.operatorAdded(event);
      case 'OperatorRemoved':
        return this.operatorRemoved(event);
      case 'OperatorFeeDeclared':
        return this.operatorFeeDeclared(event);
      case 'OperatorFeeDeclarationCancelled':
        return this.operatorFeeDeclarationCancelled(event);
      case 'OperatorFeeExecuted':
        return this.operatorFeeExecuted(event);
      case 'OperatorPrivacyStatusUpdated':
        return this.operatorPrivacyStatusUpdated(event);
      case 'ValidatorAdded':
        return this.validatorAdded(event);
      case 'ValidatorRemoved':
        return this.validatorRemoved(event);
      case 'ValidatorExited':
        return this.validatorExited(event);
      case 'ClusterLiquidated':
        return this.clusterLiquidated(event);
      case 'ClusterReactivated':
        return this.clusterReactivated(event);
      case 'ClusterDeposited':
        return this.clusterDeposited(event);
      case 'ClusterWithdrawn':
        return this.clusterWithdrawn(event);
      case 'FeeRecipientAddressUpdated':
        return this.feeRecipientAddressUpdated(event);
    }
  }

  // --- operators ---

  private operatorAdded(event: OperatorAdded): Rejected | void {
    this.ensureAccount(event.owner);
    if (this.state.getOperator(event.operatorId)) {
      return new Rejected('OperatorAlreadyExists', `operator ${event.operatorId} already exists (ids are never reused)`);
    }
    const holder = this.state.findOperatorByPublicKey(event.publicKey);
    if (holder !== undefined) {
      return new Rejected('OperatorPublicKeyAlreadyExists', `operator ${holder} already has this public key`);
    }
    this.state.setOperator({
      operatorId: event.operatorId,
      owner: event.owner,
      publicKey: event.publicKey,
      fee: event.fee,
      declaredFee: null,
      isPrivate: false,
      validatorCount: 0,
      removed: false,
      lastUpdateBlock: this.blockNumber,
    });
  }

  private operatorRemoved(event: OperatorRemoved): Rejected | void {
    const operator = this.liveOperator(event.operatorId);
    if (operator instanceof Rejected) return operator;
    this.touchOperator(operator, { removed: true, fee: '0', validatorCount: 0 });
  }

  private operatorFeeDeclared(event: OperatorFeeDeclared): Rejected | void {
    const operator = this.ownedOperator(event.owner, event.operatorId);
    if (operator instanceof Rejected) return operator;
    this.touchOperator(operator, { declaredFee: event.fee });
  }

  private operatorFeeDeclarationCancelled(event: OperatorFeeDeclarationCancelled): Rejected | void {
    const operator = this.ownedOperator(event.owner, event.operatorId);
    if (operator instanceof Rejected) return operator;
    if (operator.declaredFee === null) {
      return new Rejected('NoFeeDeclared', `operator ${operator.operatorId} has no declared fee to cancel`);
    }
    this.touchOperator(operator, { declaredFee: null });
  }

  private operatorFeeExecuted(event: OperatorFeeExecuted): Rejected | void {
    const operator = this.ownedOperator(event.owner, event.operatorId);
    if (operator instanceof Rejected) return operator;
    this.touchOperator(operator, { fee: event.fee, declaredFee: null });
  }

  private operatorPrivacyStatusUpdated(event: OperatorPrivacyStatusUpdated): Rejected | void {
    const operators = this.liveOperators(event.operatorIds);
    if (operators instanceof Rejected) return operators;
    for (const operator of operators) this.touchOperator(this.state.getOperator(operator.operatorId)!, { isPrivate: event.toPrivate });
  }

  // --- validators ---

  private validatorAdded(event: ValidatorAdded): Rejected | void {
    const account = this.ensureAccount(event.owner);
    this.state.setAccount({ ...account, nonce: account.nonce + 1 });
    const committee = this.checkCommittee(event.operatorIds);
    if (committee) return committee;
    const operators = this.liveOperators(event.operatorIds);
    if (operators instanceof Rejected) return operators;
    const existing = this.state.getValidator(event.publicKey);
    if (existing && !existing.removed) {
      return new Rejected('ValidatorAlreadyExists', `validator ${event.publicKey} is already registered by ${existing.owner}`);
    }
    const clusterId = clusterIdOf(event.owner, event.operatorIds);
    const cluster = this.state.getCluster(clusterId);
    if (cluster && !cluster.active) {
      return new Rejected('ClusterIsLiquidated', `cluster ${clusterId} is liquidated`);
    }
    const base = cluster ?? this.newCluster(event.owner, event.operatorIds);
    this.touchCluster(base, { validatorCount: base.validatorCount + 1 }, event.clusterBalance);
    for (const operator of operators) {
      this.touchOperator(operator, { validatorCount: operator.validatorCount + 1 });
    }
    this.state.setValidator({
      publicKey: event.publicKey,
      owner: event.owner,
      operatorIds: event.operatorIds,
      clusterId,
      exited: false,
      removed: false,
      lastUpdateBlock: this.blockNumber,
    });
    const owner = this.state.getAccount(event.owner)!;
    this.state.setAccount({ ...owner, validatorCount: owner.validatorCount + 1 });
  }

  private validatorRemoved(event: ValidatorRemoved): Rejected | void {
    const validator = this.registeredValidator(event);
    if (validator instanceof Rejected) return validator;
    this.touchValidator(validator, { removed: true });
    const cluster = this.state.getCluster(validator.clusterId)!;
    this.touchCluster(cluster, { validatorCount: cluster.validatorCount - 1 }, event.clusterBalance);
    if (cluster.active) {
      for (const id of validator.operatorIds) {
        const operator = this.state.getOperator(id);
        if (operator && !operator.removed) this.touchOperator(operator, { validatorCount: operator.validatorCount - 1 });
      }
    }
    const owner = this.state.getAccount(validator.owner)!;
    this.state.setAccount({ ...owner, validatorCount: owner.validatorCount - 1 });
  }

  private validatorExited(event: ValidatorExited): Rejected | void {
    const validator = this.registeredValidator(event);
    if (validator instanceof Rejected) return validator;
    this.touchValidator(validator, { exited: true });
  }

  // --- clusters ---

  private clusterLiquidated(event: ClusterLiquidated): Rejected | void {
    const cluster = this.existingCluster(event.owner, event.operatorIds);
    if (cluster instanceof Rejected) return cluster;
    if (!cluster.active) return new Rejected('ClusterIsLiquidated', `cluster ${cluster.clusterId} is already liquidated`);
    this.switchCluster(cluster, false, event.clusterBalance);
  }

  private clusterReactivated(event: ClusterReactivated): Rejected | void {
    const cluster = this.existingCluster(event.owner, event.operatorIds);
    if (cluster instanceof Rejected) return cluster;
    if (cluster.active) return new Rejected('ClusterAlreadyEnabled', `cluster ${cluster.clusterId} is already active`);
    this.switchCluster(cluster, true, event.clusterBalance);
  }

  private clusterDeposited(event: ClusterDeposited): Rejected | void {
    this.ensureAccount(event.owner);
    // Spec §4 lists these two checks of a deposit in the opposite order to ValidatorAdded's.
    const committee = this.checkCommittee(event.operatorIds, 'orderFirst');
    if (committee) return committee;
    const clusterId = clusterIdOf(event.owner, event.operatorIds);
    const cluster = this.state.getCluster(clusterId) ?? this.newCluster(event.owner, event.operatorIds);
    this.touchCluster(cluster, {}, event.clusterBalance);
  }

  private clusterWithdrawn(event: ClusterWithdrawn): Rejected | void {
    const cluster = this.existingCluster(event.owner, event.operatorIds);
    if (cluster instanceof Rejected) return cluster;
    this.touchCluster(cluster, {}, event.clusterBalance);
  }

  private feeRecipientAddressUpdated(event: FeeRecipientAddressUpdated): Rejected | void {
    const account = this.ensureAccount(event.owner);
    this.state.setAccount({ ...account, feeRecipient: event.recipientAddress });
  }

  // --- shared checks and writes ---

  /** Accounts exist from the first event naming them as owner, accepted or rejected. */
  private ensureAccount(owner: string): Account {
    const account = this.state.getAccount(owner);
    if (account) return account;
    const created = { owner, feeRecipient: owner, nonce: 0, validatorCount: 0 };
    this.state.setAccount(created);
    return created;
  }

  private liveOperator(operatorId: number): Operator | Rejected {
    const operator = this.state.getOperator(operatorId);
    if (!operator) return new Rejected('OperatorDoesNotExist', `operator ${operatorId} does not exist`);
    if (operator.removed) return new Rejected('OperatorDoesNotExist', `operator ${operatorId} was removed`);
    return operator;
  }

  private liveOperators(operatorIds: readonly number[]): Operator[] | Rejected {
    const operators: Operator[] = [];
    for (const id of operatorIds) {
      const operator = this.liveOperator(id);
      if (operator instanceof Rejected) return operator;
      operators.push(operator);
    }
    return operators;
  }

  private ownedOperator(owner: string, operatorId: number): Operator | Rejected {
    this.ensureAccount(owner);
    const operator = this.liveOperator(operatorId);
    if (operator instanceof Rejected) return operator;
    if (operator.owner !== owner) {
      return new Rejected('CallerNotOwner', `operator ${operatorId} is owned by ${operator.owner}, not ${owner}`);
    }
    return operator;
  }

  private checkCommittee(operatorIds: readonly number[], checks: 'sizeFirst' | 'orderFirst' = 'sizeFirst'): Rejected | undefined {
    const size = VALID_COMMITTEE_SIZES.has(operatorIds.length)
      ? undefined
      : new Rejected('InvalidOperatorIdsLength', `a committee has 4, 7, 10 or 13 operators, not ${operatorIds.length}`);
    const order = operatorIds.some((id, i) => i > 0 && id <= operatorIds[i - 1])
      ? new Rejected('UnsortedOperatorsList', `operator ids must be strictly ascending, got [${operatorIds.join(', ')}]`)
      : undefined;
    return checks === 'sizeFirst' ? (size ?? order) : (order ?? size);
  }

  private registeredValidator(event: { owner: string; operatorIds: number[]; publicKey: string }): ValidatorRecord | Rejected {
    this.ensureAccount(event.owner);
    const validator = this.state.getValidator(event.publicKey);
    if (!validator || validator.removed) {
      return new Rejected('ValidatorDoesNotExist', `validator ${event.publicKey} is not registered`);
    }
    if (validator.owner !== event.owner) {
      return new Rejected('IncorrectValidatorOwner', `validator ${event.publicKey} is owned by ${validator.owner}, not ${event.owner}`);
    }
    if (!sameIds(validator.operatorIds, event.operatorIds)) {
      return new Rejected(
        'IncorrectOperatorIds',
        `validator ${event.publicKey} runs on operators [${validator.operatorIds.join(', ')}], not [${event.operatorIds.join(', ')}]`,
      );
    }
    return validator;
  }

  private existingCluster(owner: string, operatorIds: number[]): Cluster | Rejected {
    this.ensureAccount(owner);
    const clusterId = clusterIdOf(owner, operatorIds);
    return this.state.getCluster(clusterId) ?? new Rejected('ClusterDoesNotExist', `cluster ${clusterId} does not exist`);
  }

  private newCluster(owner: string, operatorIds: number[]): Cluster {
    return {
      clusterId: clusterIdOf(owner, operatorIds),
      owner,
      operatorIds,
      validatorCount: 0,
      active: true,
      balance: null,
      lastUpdateBlock: this.blockNumber,
    };
  }

  /**
   * Liquidation and reactivation: operators lose or regain the cluster's validators; its live
   * validators are touched (their status follows the cluster, see `ValidatorRecord`).
   */
  private switchCluster(cluster: Cluster, active: boolean, balance: string | undefined): void {
    this.touchCluster(cluster, { active }, balance);
    const delta = active ? cluster.validatorCount : -cluster.validatorCount;
    for (const id of cluster.operatorIds) {
      const operator = this.state.getOperator(id);
      if (operator && !operator.removed) this.touchOperator(operator, { validatorCount: operator.validatorCount + delta });
    }
    for (const publicKey of this.state.listClusterValidators(cluster.clusterId)) {
      const validator = this.state.getValidator(publicKey)!;
      if (!validator.exited) this.touchValidator(validator, {});
    }
  }

  private touchOperator(operator: Operator, update: Partial<Operator>): void {
    this.state.setOperator({ ...operator, ...update, lastUpdateBlock: this.blockNumber });
  }

  private touchValidator(validator: ValidatorRecord, update: Partial<ValidatorRecord>): void {
    this.state.setValidator({ ...validator, ...update, lastUpdateBlock: this.blockNumber });
  }

  private touchCluster(cluster: Cluster, update: Partial<Cluster>, balance: string | undefined): void {
    this.state.setCluster({
      ...cluster,
      ...update,
      ...(balance === undefined ? {} : { balance }),
      lastUpdateBlock: this.blockNumber,
    });
  }
}
