/**
 * Small builders for the domain's unit tests: raw events exactly as they come in a block file,
 * blocks, and a registry replayed from them. Test support only (not exported by the library).
 */
import { Block } from '../lib/blocks';
import { Account, Cluster, Operator, RegistryCollections, Validator } from '../lib/entities';
import { InMemoryRegistry } from '../lib/in-memory-registry';

export type RawEvent = Record<string, unknown>;

/** An address made of one repeated hex digit, e.g. `address('a')` is `0xaaaa…a`. */
export const address = (digit: string): string => `0x${digit.repeat(40)}`;

/** A distinct validator public key (0x + 96 lowercase hex digits) for a small number. */
export const validatorKey = (n: number): string => `0x${n.toString(16).padStart(96, '0')}`;

export const ALICE = address('a');
export const BOB = address('b');
export const CAROL = address('c');

export const UINT256_MAX = '115792089237316195423570985008687907853269984665640564039457584007913129639935';

/** The on-chain cluster snapshot; only its `balance` is read. */
export const snapshot = (balance: unknown): RawEvent => ({
  validatorCount: 1,
  networkFeeIndex: '0',
  index: '0',
  active: true,
  balance,
});

export const operatorAdded = (operatorId: unknown, owner: string, publicKey: unknown = `operator-key-${operatorId}`, fee: unknown = '0'): RawEvent => ({
  type: 'OperatorAdded',
  operatorId,
  owner,
  publicKey,
  fee,
});

export const operatorRemoved = (operatorId: unknown): RawEvent => ({ type: 'OperatorRemoved', operatorId });

export const operatorFeeDeclared = (owner: string, operatorId: unknown, fee: unknown): RawEvent => ({
  type: 'OperatorFeeDeclared',
  owner,
  operatorId,
  fee,
});

export const operatorFeeDeclarationCancelled = (owner: string, operatorId: unknown): RawEvent => ({
  type: 'OperatorFeeDeclarationCancelled',
  owner,
  operatorId,
});

export const operatorFeeExecuted = (owner: string, operatorId: unknown, fee: unknown): RawEvent => ({
  type: 'OperatorFeeExecuted',
  owner,
  operatorId,
  fee,
});

export const operatorPrivacyStatusUpdated = (operatorIds: unknown, toPrivate: unknown): RawEvent => ({
  type: 'OperatorPrivacyStatusUpdated',
  operatorIds,
  toPrivate,
});

export const validatorAdded = (owner: string, operatorIds: unknown, publicKey: unknown, extra: RawEvent = {}): RawEvent => ({
  type: 'ValidatorAdded',
  owner,
  operatorIds,
  publicKey,
  shares: '0x1234',
  ...extra,
});

export const validatorRemoved = (owner: string, operatorIds: unknown, publicKey: unknown, extra: RawEvent = {}): RawEvent => ({
  type: 'ValidatorRemoved',
  owner,
  operatorIds,
  publicKey,
  ...extra,
});

export const validatorExited = (owner: string, operatorIds: unknown, publicKey: unknown): RawEvent => ({
  type: 'ValidatorExited',
  owner,
  operatorIds,
  publicKey,
});

export const clusterLiquidated = (owner: string, operatorIds: unknown, extra: RawEvent = {}): RawEvent => ({
  type: 'ClusterLiquidated',
  owner,
  operatorIds,
  ...extra,
});

export const clusterReactivated = (owner: string, operatorIds: unknown, extra: RawEvent = {}): RawEvent => ({
  type: 'ClusterReactivated',
  owner,
  operatorIds,
  ...extra,
});

export const clusterDeposited = (owner: string, operatorIds: unknown, value: unknown = '1', extra: RawEvent = {}): RawEvent => ({
  type: 'ClusterDeposited',
  owner,
  operatorIds,
  value,
  ...extra,
});

export const clusterWithdrawn = (owner: string, operatorIds: unknown, value: unknown = '1', extra: RawEvent = {}): RawEvent => ({
  type: 'ClusterWithdrawn',
  owner,
  operatorIds,
  value,
  ...extra,
});

export const feeRecipientAddressUpdated = (owner: string, recipientAddress: unknown): RawEvent => ({
  type: 'FeeRecipientAddressUpdated',
  owner,
  recipientAddress,
});

export const block = (number: number, ...events: unknown[]): Block => ({ number, events });

/** Operators `ids`, all owned by `owner`, as OperatorAdded events. */
export const operatorsAdded = (owner: string, ids: readonly number[]): RawEvent[] => ids.map((id) => operatorAdded(id, owner));

/** A registry with `blocks` applied in order. */
export function replay(...blocks: Block[]): InMemoryRegistry {
  const registry = new InMemoryRegistry();
  for (const each of blocks) registry.applyBlock(each);
  return registry;
}

/** The state of a registry with removed entities included, for looking one entity up. */
export function stateOf(registry: InMemoryRegistry): RegistryCollections {
  return registry.collections(true);
}

function find<T>(items: T[], found: T | undefined, what: string): T {
  if (!found) throw new Error(`${what} is not in the state (${items.length} present)`);
  return found;
}

export function operatorIn(registry: InMemoryRegistry, operatorId: number): Operator {
  const { operators } = stateOf(registry);
  return find(operators, operators.find((o) => o.operatorId === operatorId), `operator ${operatorId}`);
}

export function validatorIn(registry: InMemoryRegistry, publicKey: string): Validator {
  const { validators } = stateOf(registry);
  return find(validators, validators.find((v) => v.publicKey === publicKey), `validator ${publicKey}`);
}

export function clusterIn(registry: InMemoryRegistry, clusterId: string): Cluster {
  const { clusters } = stateOf(registry);
  return find(clusters, clusters.find((c) => c.clusterId === clusterId), `cluster ${clusterId}`);
}

export function accountIn(registry: InMemoryRegistry, owner: string): Account {
  const { accounts } = stateOf(registry);
  return find(accounts, accounts.find((a) => a.owner === owner), `account ${owner}`);
}

/** The codes of a registry's rejections, in order. */
export const rejectionCodes = (registry: InMemoryRegistry): string[] => registry.rejections.map((r) => r.code);
