import { EventType } from '@bqm/domain';
import { AccountModel, ClusterModel, SimulationModel } from './model';
import { FEE_UNIT, feePerBlock, randomAddress, randomOperatorKey, randomShares, ssvAmount } from './values';

/**
 * Generators of events that follow every rule. Each one looks for what it needs in the model,
 * returns false when the state offers nothing to act on (the caller then emits something else),
 * and otherwise submits the event and updates the model's indexes.
 */
export type ValidEventGenerator = (model: SimulationModel) => boolean;

/** Operators never drop below this many by removals. */
const MIN_LIVE_OPERATORS = 30;
/** The highest fee an operator declares, per block (about 25 SSV a year). */
const MAX_FEE = feePerBlock(25);

const roundFee = (fee: number) => Math.min(MAX_FEE, Math.max(0, Math.round(fee / FEE_UNIT) * FEE_UNIT));

/** What a staker deposits for `validators` validators: a few months to a couple of years of fees. */
function deposit(model: SimulationModel, validators: number): bigint {
  return ssvAmount(validators * (1 + model.rng.float() * model.rng.float() * 14));
}

// --- operators ---

export function operatorAdded(model: SimulationModel): boolean {
  const { rng } = model;
  const owner: AccountModel =
    model.operatorOwners.length > 0 && rng.chance(0.3) ? rng.pick(model.operatorOwners) : model.newAccount();
  let publicKey = randomOperatorKey(rng);
  while (model.registry.findOperatorByPublicKey(publicKey) !== undefined) publicKey = randomOperatorKey(rng);
  // A tenth run for free (public goods); the rest charge 0.5 to 8 SSV a year, most about 2.
  const fee = rng.chance(0.1) ? 0 : feePerBlock(Math.min(8, 0.5 + Math.exp(rng.gaussian() * 0.6) * 1.5));
  const operatorId = model.nextOperatorId;
  model.submit({ type: 'OperatorAdded', operatorId, owner: owner.address, publicKey, fee: String(fee) }, null);
  model.nextOperatorId += 1;
  if (owner.operators.length === 0) model.operatorOwners.push(owner);
  const u = rng.float();
  model.addOperatorModel({ id: operatorId, owner, weight: 1 + 24 * u * u * u, fee });
  return true;
}

export function operatorRemoved(model: SimulationModel): boolean {
  if (model.liveOperators.size <= MIN_LIVE_OPERATORS) return false;
  // Operators that leave are mostly the ones few validators chose.
  let chosen = model.randomLiveOperator()!;
  for (let i = 0; i < 3; i++) {
    const other = model.randomLiveOperator()!;
    if (model.registry.getOperator(other.id)!.validatorCount < model.registry.getOperator(chosen.id)!.validatorCount) {
      chosen = other;
    }
  }
  model.submit({ type: 'OperatorRemoved', operatorId: chosen.id }, null);
  model.removeOperatorModel(chosen.id);
  return true;
}

export function operatorFeeDeclared(model: SimulationModel): boolean {
  const operator = model.randomLiveOperator();
  if (!operator) return false;
  // The contract lets a fee rise by at most 10% a declaration (a free operator starts small).
  const fee = operator.fee === 0 ? feePerBlock(0.5) : roundFee(operator.fee * (1.01 + model.rng.float() * 0.09));
  model.submit({ type: 'OperatorFeeDeclared', owner: operator.owner.address, operatorId: operator.id, fee: String(fee) }, null);
  model.pendingFees.add(operator.id);
  return true;
}

export function operatorFeeDeclarationCancelled(model: SimulationModel): boolean {
  const operatorId = model.pendingFees.pick(model.rng);
  if (operatorId === undefined) return false;
  const operator = model.operators.get(operatorId)!;
  model.submit({ type: 'OperatorFeeDeclarationCancelled', owner: operator.owner.address, operatorId }, null);
  model.pendingFees.delete(operatorId);
  return true;
}

/** Mostly the execution of a declared fee; otherwise a fee reduction, which needs no declaration. */
export function operatorFeeExecuted(model: SimulationModel): boolean {
  const { rng } = model;
  let operatorId = model.pendingFees.size > 0 && rng.chance(0.8) ? model.pendingFees.pick(rng)! : undefined;
  let fee: number;
  if (operatorId !== undefined) {
    fee = Number(model.registry.getOperator(operatorId)!.declaredFee);
  } else {
    const operator = model.randomLiveOperator();
    if (!operator || operator.fee === 0) return false;
    operatorId = operator.id;
    fee = roundFee(operator.fee * (0.5 + rng.float() * 0.45));
  }
  const operator = model.operators.get(operatorId)!;
  model.submit({ type: 'OperatorFeeExecuted', owner: operator.owner.address, operatorId, fee: String(fee) }, null);
  operator.fee = fee;
  model.pendingFees.delete(operatorId);
  return true;
}

/** An owner turns some of its operators private (whitelisted stakers only) or public again. */
export function operatorPrivacyStatusUpdated(model: SimulationModel): boolean {
  const operator = model.randomLiveOperator();
  if (!operator) return false;
  const operatorIds = operator.owner.operators
    .filter((other) => model.liveOperators.has(other.id))
    .slice(0, 3)
    .map((other) => other.id)
    .sort((a, b) => a - b);
  const toPrivate = !model.registry.getOperator(operator.id)!.isPrivate;
  model.submit({ type: 'OperatorPrivacyStatusUpdated', operatorIds, toPrivate }, null);
  return true;
}

// --- validators ---

/**
 * Registers `count` validators of one owner on one cluster (the contract's bulk registration
 * when count > 1); `between` is called before each registration after the first.
 */
export function validatorsAdded(
  model: SimulationModel,
  owner: AccountModel,
  count: number,
  between: () => void = () => undefined,
): number {
  const target = model.targetFor(owner);
  if (!target) return 0;
  const { rng } = model;
  let added = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0) between();
    const cluster = model.findCluster(owner, target.operatorIds);
    if (cluster && !model.usable(cluster)) break;
    const publicKey = (rng.chance(0.02) && model.removedValidatorKey()) || model.freshValidatorKey();
    const before = cluster ? model.settle(cluster) : 0n;
    const validatorCount = (cluster ? model.stateOf(cluster)!.validatorCount : 0) + 1;
    const topUp = !cluster || before === 0n ? true : rng.chance(0.3);
    const balance = before + (topUp ? deposit(model, i === 0 ? count : 1) : 0n);
    model.submit(
      {
        type: 'ValidatorAdded',
        owner: owner.address,
        operatorIds: target.operatorIds,
        publicKey,
        shares: randomShares(rng, target.operatorIds.length, model.compactShares),
        cluster: model.snapshot(target.operatorIds, validatorCount, true, balance),
      },
      null,
    );
    const updated = model.clusterModel(owner, target.operatorIds);
    updated.balance = balance;
    updated.lastBlock = model.blockNumber;
    model.validators.add(publicKey);
    added += 1;
  }
  return added;
}

export function validatorAdded(model: SimulationModel): boolean {
  return validatorsAdded(model, model.pickStaker(), 1) > 0;
}

/** Often a validator that exited first (the usual way out), otherwise any. */
export function validatorRemoved(model: SimulationModel): boolean {
  const { rng } = model;
  const publicKey =
    model.exitedValidators.size > 0 && rng.chance(0.3) ? model.exitedValidators.pick(rng) : model.validators.pick(rng);
  if (publicKey === undefined) return false;
  const validator = model.registry.getValidator(publicKey)!;
  const cluster = model.clusters.get(validator.clusterId)!;
  const state = model.stateOf(cluster)!;
  const balance = model.settle(cluster);
  model.submit(
    {
      type: 'ValidatorRemoved',
      owner: model.account(validator.owner).address,
      operatorIds: validator.operatorIds,
      publicKey,
      cluster: model.snapshot(validator.operatorIds, state.validatorCount - 1, state.active, balance),
    },
    null,
  );
  model.forgetValidator(publicKey);
  return true;
}

export function validatorExited(model: SimulationModel): boolean {
  for (let i = 0; i < 4; i++) {
    const publicKey = model.validators.pick(model.rng);
    if (publicKey === undefined) return false;
    if (model.exitedValidators.has(publicKey)) continue;
    const validator = model.registry.getValidator(publicKey)!;
    model.submit(
      { type: 'ValidatorExited', owner: model.account(validator.owner).address, operatorIds: validator.operatorIds, publicKey },
      null,
    );
    model.exitedValidators.add(publicKey);
    return true;
  }
  return false;
}

// --- clusters ---

/** A top-up of a cluster; now and then the first deposit of a committee that has no validator yet. */
export function clusterDeposited(model: SimulationModel): boolean {
  const { rng } = model;
  let owner: AccountModel;
  let operatorIds: number[];
  if (model.clusterList.length === 0 || rng.chance(0.08)) {
    if (model.liveOperators.size < 4) return false;
    owner = model.pickStaker();
    operatorIds = model.pickCommittee(model.committeeSize());
  } else {
    const cluster = rng.pick(model.clusterList);
    owner = cluster.owner;
    operatorIds = cluster.operatorIds;
  }
  const existing = model.findCluster(owner, operatorIds);
  const state = existing && model.stateOf(existing);
  const value = deposit(model, Math.max(1, state?.validatorCount ?? 1));
  const balance = (existing ? model.settle(existing) : 0n) + value;
  model.submit(
    {
      type: 'ClusterDeposited',
      owner: owner.address,
      operatorIds,
      value: value.toString(),
      cluster: model.snapshot(operatorIds, state?.validatorCount ?? 0, state?.active ?? true, balance),
    },
    null,
  );
  const cluster = model.clusterModel(owner, operatorIds);
  cluster.balance = balance;
  cluster.lastBlock = model.blockNumber;
  return true;
}

export function clusterWithdrawn(model: SimulationModel): boolean {
  const cluster = model.randomCluster((candidate) => model.stateOf(candidate)!.active && model.settle(candidate) > 0n);
  if (!cluster) return false;
  const state = model.stateOf(cluster)!;
  const value = (cluster.balance * BigInt(100 + model.rng.int(0, 500))) / 1000n;
  const balance = cluster.balance - value;
  model.submit(
    {
      type: 'ClusterWithdrawn',
      owner: cluster.owner.address,
      operatorIds: cluster.operatorIds,
      value: value.toString(),
      cluster: model.snapshot(cluster.operatorIds, state.validatorCount, true, balance),
    },
    null,
  );
  cluster.balance = balance;
  return true;
}

/** A liquidator takes the cluster that runs lowest of a few. */
export function clusterLiquidated(model: SimulationModel): boolean {
  let chosen: ClusterModel | undefined;
  for (let i = 0; i < 3; i++) {
    const candidate = model.randomCluster((cluster) => model.stateOf(cluster)!.active);
    if (candidate && (!chosen || model.settle(candidate) < model.settle(chosen))) chosen = candidate;
  }
  if (!chosen) return false;
  model.settle(chosen);
  const state = model.stateOf(chosen)!;
  model.submit(
    {
      type: 'ClusterLiquidated',
      owner: chosen.owner.address,
      operatorIds: chosen.operatorIds,
      cluster: model.snapshot(chosen.operatorIds, state.validatorCount, false, 0n),
    },
    null,
  );
  chosen.balance = 0n;
  model.liquidated.add(chosen.id);
  return true;
}

export function clusterReactivated(model: SimulationModel): boolean {
  const id = model.liquidated.pick(model.rng);
  if (id === undefined) return false;
  const cluster = model.clusters.get(id)!;
  const state = model.stateOf(cluster)!;
  const balance = deposit(model, Math.max(1, state.validatorCount));
  model.submit(
    {
      type: 'ClusterReactivated',
      owner: cluster.owner.address,
      operatorIds: cluster.operatorIds,
      cluster: model.snapshot(cluster.operatorIds, state.validatorCount, true, balance),
    },
    null,
  );
  cluster.balance = balance;
  cluster.lastBlock = model.blockNumber;
  model.liquidated.delete(id);
  return true;
}

// --- accounts ---

export function feeRecipientAddressUpdated(model: SimulationModel): boolean {
  const owner = model.rng.chance(0.15) ? model.newAccount() : model.rng.pick(model.accounts);
  model.submit({ type: 'FeeRecipientAddressUpdated', owner: owner.address, recipientAddress: randomAddress(model.rng) }, null);
  return true;
}

export const VALID_EVENTS: Record<EventType, ValidEventGenerator> = {
  OperatorAdded: operatorAdded,
  OperatorRemoved: operatorRemoved,
  OperatorFeeDeclared: operatorFeeDeclared,
  OperatorFeeDeclarationCancelled: operatorFeeDeclarationCancelled,
  OperatorFeeExecuted: operatorFeeExecuted,
  OperatorPrivacyStatusUpdated: operatorPrivacyStatusUpdated,
  ValidatorAdded: validatorAdded,
  ValidatorRemoved: validatorRemoved,
  ValidatorExited: validatorExited,
  ClusterLiquidated: clusterLiquidated,
  ClusterReactivated: clusterReactivated,
  ClusterDeposited: clusterDeposited,
  ClusterWithdrawn: clusterWithdrawn,
  FeeRecipientAddressUpdated: feeRecipientAddressUpdated,
};
