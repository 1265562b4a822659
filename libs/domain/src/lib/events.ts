import {
  describeValue,
  isValueError,
  parseAddress,
  parseAmount,
  parseBoolean,
  parseOperatorId,
  parseOperatorIds,
  parseOperatorPublicKey,
  parseValidatorPublicKey,
  Parsed,
  ValueError,
} from './values';

/** The typed events of spec §4, after their fields have been checked and made canonical. */
export interface OperatorAdded {
  type: 'OperatorAdded';
  operatorId: number;
  owner: string;
  publicKey: string;
  fee: string;
}
export interface OperatorRemoved {
  type: 'OperatorRemoved';
  operatorId: number;
}
export interface OperatorFeeDeclared {
  type: 'OperatorFeeDeclared';
  owner: string;
  operatorId: number;
  fee: string;
}
export interface OperatorFeeDeclarationCancelled {
  type: 'OperatorFeeDeclarationCancelled';
  owner: string;
  operatorId: number;
}
export interface OperatorFeeExecuted {
  type: 'OperatorFeeExecuted';
  owner: string;
  operatorId: number;
  fee: string;
}
export interface OperatorPrivacyStatusUpdated {
  type: 'OperatorPrivacyStatusUpdated';
  operatorIds: number[];
  toPrivate: boolean;
}
/** `clusterBalance` is the `balance` of the optional on-chain cluster snapshot. */
export interface ValidatorAdded {
  type: 'ValidatorAdded';
  owner: string;
  operatorIds: number[];
  publicKey: string;
  clusterBalance?: string;
}
export interface ValidatorRemoved {
  type: 'ValidatorRemoved';
  owner: string;
  operatorIds: number[];
  publicKey: string;
  clusterBalance?: string;
}
export interface ValidatorExited {
  type: 'ValidatorExited';
  owner: string;
  operatorIds: number[];
  publicKey: string;
}
export interface ClusterLiquidated {
  type: 'ClusterLiquidated';
  owner: string;
  operatorIds: number[];
  clusterBalance?: string;
}
export interface ClusterReactivated {
  type: 'ClusterReactivated';
  owner: string;
  operatorIds: number[];
  clusterBalance?: string;
}
export interface ClusterDeposited {
  type: 'ClusterDeposited';
  owner: string;
  operatorIds: number[];
  value: string;
  clusterBalance?: string;
}
export interface ClusterWithdrawn {
  type: 'ClusterWithdrawn';
  owner: string;
  operatorIds: number[];
  value: string;
  clusterBalance?: string;
}
export interface FeeRecipientAddressUpdated {
  type: 'FeeRecipientAddressUpdated';
  owner: string;
  recipientAddress: string;
}

export type RegistryEvent =
  | OperatorAdded
  | OperatorRemoved
  | OperatorFeeDeclared
  | OperatorFeeDeclarationCancelled
  | OperatorFeeExecuted
  | OperatorPrivacyStatusUpdated
  | ValidatorAdded
  | ValidatorRemoved
  | ValidatorExited
  | ClusterLiquidated
  | ClusterReactivated
  | ClusterDeposited
  | ClusterWithdrawn
  | FeeRecipientAddressUpdated;

export type EventType = RegistryEvent['type'];

/**
 * The on-chain cluster snapshot an event may carry (`cluster`), as raw logs and the simulator
 * write it: counters and amounts as decimal strings. The rules only read its `balance`.
 */
export interface ClusterSnapshot {
  validatorCount: number;
  networkFeeIndex: string;
  index: string;
  active: boolean;
  balance: string;
}

type FieldParser = (value: unknown) => Parsed<unknown>;

/** The cluster snapshot: when present, an object whose `balance` is an amount; nothing else is read. */
function parseClusterSnapshotBalance(value: unknown): Parsed<string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new ValueError('a cluster snapshot object with a balance');
  }
  const balance = parseAmount((value as Record<string, unknown>)['balance']);
  return isValueError(balance) ? new ValueError('a cluster snapshot whose balance is a uint256 amount') : balance;
}

interface FieldSpec {
  parse: FieldParser;
  optional?: boolean;
  /** Where the parsed value goes in the typed event, when not under the same name. */
  as?: string;
}

const owner: FieldSpec = { parse: parseAddress };
const operatorId: FieldSpec = { parse: parseOperatorId };
const operatorIds: FieldSpec = { parse: parseOperatorIds };
const amount: FieldSpec = { parse: parseAmount };
const validatorKey: FieldSpec = { parse: parseValidatorPublicKey };
const cluster: FieldSpec = { parse: parseClusterSnapshotBalance, optional: true, as: 'clusterBalance' };

const EVENT_FIELDS: Record<EventType, Record<string, FieldSpec>> = {
  OperatorAdded: { operatorId, owner, publicKey: { parse: parseOperatorPublicKey }, fee: amount },
  OperatorRemoved: { operatorId },
  OperatorFeeDeclared: { owner, operatorId, fee: amount },
  OperatorFeeDeclarationCancelled: { owner, operatorId },
  OperatorFeeExecuted: { owner, operatorId, fee: amount },
  OperatorPrivacyStatusUpdated: { operatorIds, toPrivate: { parse: parseBoolean } },
  ValidatorAdded: { owner, operatorIds, publicKey: validatorKey, cluster },
  ValidatorRemoved: { owner, operatorIds, publicKey: validatorKey, cluster },
  ValidatorExited: { owner, operatorIds, publicKey: validatorKey },
  ClusterLiquidated: { owner, operatorIds, cluster },
  ClusterReactivated: { owner, operatorIds, cluster },
  ClusterDeposited: { owner, operatorIds, value: amount, cluster },
  ClusterWithdrawn: { owner, operatorIds, value: amount, cluster },
  FeeRecipientAddressUpdated: { owner, recipientAddress: { parse: parseAddress } },
};

export const EVENT_TYPES = Object.keys(EVENT_FIELDS) as EventType[];

export type EventParseResult =
  | { ok: true; event: RegistryEvent }
  | { ok: false; code: 'InvalidEvent' | 'UnknownEventType'; message: string };

/**
 * The mark an input layer puts on an event it could not decode (a raw log that does not fit its
 * ABI), so that the event is still recorded, and rejected with `InvalidEvent` and this message.
 */
export const UNDECODABLE = '$undecodable';

/**
 * Checks an event as it came in the block (spec §4: shape and fields before any rule).
 * Unknown fields are ignored; `shares` is optional and never checked.
 */
export function parseEvent(raw: unknown): EventParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'InvalidEvent', message: `an event must be an object, got ${describeValue(raw)}` };
  }
  const fields = raw as Record<string, unknown>;
  if (typeof fields[UNDECODABLE] === 'string') {
    return { ok: false, code: 'InvalidEvent', message: fields[UNDECODABLE] as string };
  }
  const type = fields['type'];
  if (typeof type !== 'string') {
    return { ok: false, code: 'InvalidEvent', message: `field "type" must be a string, got ${describeValue(type)}` };
  }
  if (!Object.prototype.hasOwnProperty.call(EVENT_FIELDS, type)) {
    return { ok: false, code: 'UnknownEventType', message: `unknown event type ${describeValue(type)}` };
  }
  const event: Record<string, unknown> = { type };
  for (const [name, spec] of Object.entries(EVENT_FIELDS[type as EventType])) {
    const value = fields[name];
    if (value === undefined && spec.optional) continue;
    const parsed = spec.parse(value);
    if (isValueError(parsed)) {
      const problem = value === undefined ? 'is missing' : `must be ${parsed.expected}, got ${describeValue(value)}`;
      const expected = value === undefined ? ` (${parsed.expected})` : '';
      return { ok: false, code: 'InvalidEvent', message: `${type}: field "${name}" ${problem}${expected}` };
    }
    event[spec.as ?? name] = parsed;
  }
  return { ok: true, event: event as unknown as RegistryEvent };
}
