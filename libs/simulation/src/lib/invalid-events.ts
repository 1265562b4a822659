import { clusterIdOf, RejectionCode } from '@bqm/domain';
import { AccountModel, SimulationModel } from './model';
import { feePerBlock, randomAddress, randomOperatorKey, randomValidatorKey, ssvAmount } from './values';

/**
 * Generators of events that break exactly one rule, one per rejection code of the spec. Each
 * builds an event that the current state must reject with its code, or returns false when the
 * state cannot give one yet (no validator to misuse, no liquidated cluster...).
 */
export type InvalidEventGenerator = (model: SimulationModel) => boolean;

const UINT256_MAX = (1n << 256n) - 1n;

function reject(model: SimulationModel, event: unknown, code: RejectionCode): true {
  model.submit(event, code);
  return true;
}

/** `size` distinct operator ids, live ones when there are enough (size and order are checked first). */
function someIds(model: SimulationModel, size: number): number[] {
  if (model.liveOperators.size >= size) return model.pickCommittee(size);
  const ids = new Set<number>();
  while (ids.size < size) ids.add(model.rng.int(1, model.nextOperatorId + 2 * size));
  return [...ids].sort((a, b) => a - b);
}

/** An id that no operator has, or one of a removed operator. */
function deadOperatorId(model: SimulationModel): number {
  return model.removedOperators.length > 0 && model.rng.chance(0.5)
    ? model.rng.pick(model.removedOperators)
    : model.nextOperatorId + model.rng.int(1, 500);
}

function someOwner(model: SimulationModel): AccountModel {
  return model.accounts.length > 0 && model.rng.chance(0.8) ? model.rng.pick(model.accounts) : model.newAccount();
}

function someFee(model: SimulationModel): string {
  return String(feePerBlock(0.5 + model.rng.float() * 4));
}

function someSnapshot(model: SimulationModel, operatorIds: number[], validatorCount: number) {
  return model.snapshot(operatorIds, validatorCount, true, ssvAmount(1 + model.rng.float() * 20));
}

/** A live validator with its record, if there is one. */
function someValidator(model: SimulationModel) {
  const publicKey = model.validators.pick(model.rng);
  return publicKey === undefined ? undefined : model.registry.getValidator(publicKey)!;
}

const removalType = (model: SimulationModel) => (model.rng.chance(0.6) ? 'ValidatorRemoved' : 'ValidatorExited');

/** Shapes the input layer must refuse before any rule: not an object, no type, a bad field. */
const MALFORMED: ((model: SimulationModel) => unknown)[] = [
  (model) => model.rng.pick([null, 42, 'ValidatorAdded', [], true, [{ type: 'OperatorRemoved', operatorId: 1 }]]),
  (model) => ({ owner: someOwner(model).address, operatorIds: someIds(model, 4), publicKey: randomValidatorKey(model.rng) }),
  (model) => ({ type: model.rng.pick([7, null, true, { name: 'ValidatorAdded' }]), operatorId: 1 }),
  (model) => ({
    type: 'ValidatorAdded',
    owner: someOwner(model).address,
    operatorIds: someIds(model, 4),
    publicKey: randomValidatorKey(model.rng).slice(0, model.rng.pick([50, 96])),
    shares: '0x',
  }),
  (model) => ({
    type: 'ValidatorAdded',
    owner: someOwner(model).address,
    operatorIds: someIds(model, 4),
    publicKey: randomValidatorKey(model.rng),
    cluster: model.rng.pick([{ validatorCount: 1, active: true }, { balance: '-1' }, 'active', { balance: 1.5 }]),
  }),
  (model) => ({
    type: 'OperatorAdded',
    operatorId: model.nextOperatorId,
    owner: someOwner(model).address,
    publicKey: model.rng.pick([randomOperatorKey(model.rng), '']),
    fee: model.rng.pick(['12.5', '-1', '1e18', (UINT256_MAX + 1n).toString(), '0x10', undefined]),
  }),
  (model) => ({ type: 'OperatorRemoved', operatorId: model.rng.pick([0, -3, 1.5, 'abc', '', undefined]) }),
  (model) => ({
    type: 'FeeRecipientAddressUpdated',
    owner: someOwner(model).address,
    recipientAddress: model.rng.pick(['0x1234', randomAddress(model.rng).slice(2), `${randomAddress(model.rng)}00`]),
  }),
  (model) => ({ type: 'ClusterDeposited', owner: someOwner(model).address, operatorIds: someIds(model, 4) }),
  (model) => ({ type: 'OperatorPrivacyStatusUpdated', operatorIds: someIds(model, 1), toPrivate: model.rng.pick(['true', 1]) }),
  (model) => ({
    type: 'ClusterWithdrawn',
    owner: someOwner(model).address,
    operatorIds: model.rng.pick([someIds(model, 4).join(','), [1, 'two', 3, 4], [0, 1, 2, 3]]),
    value: '1000',
  }),
  (model) => ({ type: 'ValidatorExited', operatorIds: someIds(model, 4), publicKey: randomValidatorKey(model.rng) }),
];

/** Events of the SSV contract that this registry does not know. */
const UNKNOWN: ((model: SimulationModel) => unknown)[] = [
  (model) => ({ type: 'NetworkFeeUpdated', oldFee: '382640000000', newFee: String(feePerBlock(1 + model.rng.float())) }),
  (model) => ({ type: 'OperatorWhitelistUpdated', operatorId: model.rng.int(1, model.nextOperatorId), whitelisted: randomAddress(model.rng) }),
  (model) => ({ type: 'OperatorMaximumFeeUpdated', maxFee: String(feePerBlock(20 + model.rng.int(0, 30))) }),
  (model) => ({ type: 'OperatorWithdrawn', owner: someOwner(model).address, operatorId: 1, value: '1000000000' }),
  () => ({ type: 'LiquidationThresholdPeriodUpdated', value: 214800 }),
  () => ({ type: 'validatorAdded' }),
  () => ({ type: '' }),
];

export const INVALID_EVENTS: Record<RejectionCode, InvalidEventGenerator> = {
  InvalidEvent: (model) => reject(model, model.rng.pick(MALFORMED)(model), 'InvalidEvent'),

  UnknownEventType: (model) => reject(model, model.rng.pick(UNKNOWN)(model), 'UnknownEventType'),

  OperatorAlreadyExists: (model) => {
    if (model.nextOperatorId === 1) return false;
    const operatorId = model.rng.int(1, model.nextOperatorId - 1);
    const event = { type: 'OperatorAdded', operatorId, owner: someOwner(model).address, publicKey: randomOperatorKey(model.rng), fee: someFee(model) };
    return reject(model, event, 'OperatorAlreadyExists');
  },

  OperatorPublicKeyAlreadyExists: (model) => {
    const holder = model.randomLiveOperator();
    if (!holder) return false;
    const publicKey = model.registry.getOperator(holder.id)!.publicKey;
    const event = { type: 'OperatorAdded', operatorId: model.nextOperatorId, owner: someOwner(model).address, publicKey, fee: someFee(model) };
    return reject(model, event, 'OperatorPublicKeyAlreadyExists');
  },

  OperatorDoesNotExist: (model) => {
    const { rng } = model;
    const dead = deadOperatorId(model);
    const variant = rng.int(0, 3);
    let event: unknown;
    if (variant === 0) {
      event = { type: 'OperatorRemoved', operatorId: dead };
    } else if (variant === 1) {
      event = { type: 'OperatorFeeDeclared', owner: someOwner(model).address, operatorId: dead, fee: someFee(model) };
    } else if (variant === 2) {
      const ids = model.liveOperators.size > 0 ? [model.liveOperators.pick(rng)!, dead] : [dead];
      event = { type: 'OperatorPrivacyStatusUpdated', operatorIds: ids.sort((a, b) => a - b), toPrivate: rng.chance(0.5) };
    } else {
      if (model.liveOperators.size < 3) return false;
      const ids = [...model.pickCommittee(3), dead].sort((a, b) => a - b);
      const owner = someOwner(model);
      event = {
        type: 'ValidatorAdded',
        owner: owner.address,
        operatorIds: ids,
        publicKey: randomValidatorKey(rng),
        shares: '0x',
        cluster: someSnapshot(model, ids, 1),
      };
    }
    return reject(model, event, 'OperatorDoesNotExist');
  },

  CallerNotOwner: (model) => {
    const operator = model.randomLiveOperator();
    if (!operator) return false;
    const caller = model.otherAccount(operator.owner.key).address;
    const type = model.rng.pick(['OperatorFeeDeclared', 'OperatorFeeDeclarationCancelled', 'OperatorFeeExecuted']);
    const event =
      type === 'OperatorFeeDeclarationCancelled'
        ? { type, owner: caller, operatorId: operator.id }
        : { type, owner: caller, operatorId: operator.id, fee: someFee(model) };
    return reject(model, event, 'CallerNotOwner');
  },

  NoFeeDeclared: (model) => {
    for (let i = 0; i < 4; i++) {
      const operator = model.randomLiveOperator();
      if (!operator) return false;
      if (model.registry.getOperator(operator.id)!.declaredFee !== null) continue;
      const event = { type: 'OperatorFeeDeclarationCancelled', owner: operator.owner.address, operatorId: operator.id };
      return reject(model, event, 'NoFeeDeclared');
    }
    return false;
  },

  InvalidOperatorIdsLength: (model) => {
    const ids = someIds(model, model.rng.pick([1, 2, 3, 5, 6, 8, 9, 11, 12, 14]));
    const owner = someOwner(model);
    const event = model.rng.chance(0.7)
      ? { type: 'ValidatorAdded', owner: owner.address, operatorIds: ids, publicKey: randomValidatorKey(model.rng), shares: '0x', cluster: someSnapshot(model, ids, 1) }
      : { type: 'ClusterDeposited', owner: owner.address, operatorIds: ids, value: ssvAmount(5).toString(), cluster: someSnapshot(model, ids, 0) };
    return reject(model, event, 'InvalidOperatorIdsLength');
  },

  UnsortedOperatorsList: (model) => {
    const { rng } = model;
    const ids = someIds(model, 4);
    const at = rng.int(0, 2);
    if (rng.chance(0.3)) ids[at + 1] = ids[at]; // a repeat counts as unsorted
    else [ids[at], ids[at + 1]] = [ids[at + 1], ids[at]];
    const owner = someOwner(model);
    const event = rng.chance(0.7)
      ? { type: 'ValidatorAdded', owner: owner.address, operatorIds: ids, publicKey: randomValidatorKey(rng), shares: '0x', cluster: someSnapshot(model, ids, 1) }
      : { type: 'ClusterDeposited', owner: owner.address, operatorIds: ids, value: ssvAmount(5).toString(), cluster: someSnapshot(model, ids, 0) };
    return reject(model, event, 'UnsortedOperatorsList');
  },

  ValidatorAlreadyExists: (model) => {
    const validator = someValidator(model);
    if (!validator || model.liveOperators.size < 4) return false;
    // Someone registers a key that is already registered, on a committee that is fine.
    const ids = model.pickCommittee(4);
    const event = {
      type: 'ValidatorAdded',
      owner: someOwner(model).address,
      operatorIds: ids,
      publicKey: validator.publicKey,
      shares: '0x',
      cluster: someSnapshot(model, ids, 1),
    };
    return reject(model, event, 'ValidatorAlreadyExists');
  },

  ClusterIsLiquidated: (model) => {
    const id = model.liquidated.pick(model.rng);
    if (id === undefined) return false;
    const cluster = model.clusters.get(id)!;
    const operatorsLive = cluster.operatorIds.every((operatorId) => model.liveOperators.has(operatorId));
    const event =
      operatorsLive && model.rng.chance(0.6)
        ? {
            type: 'ValidatorAdded',
            owner: cluster.owner.address,
            operatorIds: cluster.operatorIds,
            publicKey: model.freshValidatorKey(),
            shares: '0x',
            cluster: model.snapshot(cluster.operatorIds, 0, false, 0n),
          }
        : { type: 'ClusterLiquidated', owner: cluster.owner.address, operatorIds: cluster.operatorIds };
    return reject(model, event, 'ClusterIsLiquidated');
  },

  ValidatorDoesNotExist: (model) => {
    const removed = model.removedValidatorKey();
    const publicKey = removed && model.rng.chance(0.5) ? removed : model.freshValidatorKey();
    const event = { type: removalType(model), owner: someOwner(model).address, operatorIds: someIds(model, 4), publicKey };
    return reject(model, event, 'ValidatorDoesNotExist');
  },

  IncorrectValidatorOwner: (model) => {
    const validator = someValidator(model);
    if (!validator) return false;
    const owner = model.otherAccount(validator.owner).address;
    const event = { type: removalType(model), owner, operatorIds: validator.operatorIds, publicKey: validator.publicKey };
    return reject(model, event, 'IncorrectValidatorOwner');
  },

  IncorrectOperatorIds: (model) => {
    const validator = someValidator(model);
    if (!validator) return false;
    const ids = [...validator.operatorIds];
    // Off by one operator, or the committee of another cluster.
    if (model.rng.chance(0.5)) ids[ids.length - 1] += 1;
    else ids.pop();
    const event = {
      type: removalType(model),
      owner: model.account(validator.owner).address,
      operatorIds: ids,
      publicKey: validator.publicKey,
    };
    return reject(model, event, 'IncorrectOperatorIds');
  },

  ClusterDoesNotExist: (model) => {
    for (let i = 0; i < 4; i++) {
      const owner = someOwner(model);
      const ids = someIds(model, 4);
      if (model.registry.getCluster(clusterIdOf(owner.key, ids))) continue;
      const type = model.rng.pick(['ClusterWithdrawn', 'ClusterLiquidated', 'ClusterReactivated']);
      const event =
        type === 'ClusterWithdrawn'
          ? { type, owner: owner.address, operatorIds: ids, value: ssvAmount(1).toString(), cluster: someSnapshot(model, ids, 0) }
          : { type, owner: owner.address, operatorIds: ids };
      return reject(model, event, 'ClusterDoesNotExist');
    }
    return false;
  },

  ClusterAlreadyEnabled: (model) => {
    const cluster = model.randomCluster((candidate) => model.stateOf(candidate)!.active);
    if (!cluster) return false;
    const event = {
      type: 'ClusterReactivated',
      owner: cluster.owner.address,
      operatorIds: cluster.operatorIds,
      cluster: someSnapshot(model, cluster.operatorIds, model.stateOf(cluster)!.validatorCount),
    };
    return reject(model, event, 'ClusterAlreadyEnabled');
  },
};
