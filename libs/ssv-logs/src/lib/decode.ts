import { ClusterSnapshot, UNDECODABLE } from '@bqm/domain';
import { BaseError, decodeAbiParameters, decodeEventLog, Hex, hexToBytes } from 'viem';
import { EVENT_BY_TOPIC0, SsvEventAbi, SsvEventName } from './abi';
import { describeLog, RawLog } from './raw-log';

/** The native events of spec §4, as decoded from logs (plain JSON). */
export type SsvNativeEvent =
  | { type: 'OperatorAdded'; operatorId: number; owner: string; publicKey: string; fee: string }
  | { type: 'OperatorRemoved'; operatorId: number }
  | { type: 'OperatorFeeDeclared'; owner: string; operatorId: number; fee: string }
  | { type: 'OperatorFeeDeclarationCancelled'; owner: string; operatorId: number }
  | { type: 'OperatorFeeExecuted'; owner: string; operatorId: number; fee: string }
  | { type: 'OperatorPrivacyStatusUpdated'; operatorIds: number[]; toPrivate: boolean }
  | {
      type: 'ValidatorAdded';
      owner: string;
      operatorIds: number[];
      publicKey: string;
      shares: string;
      cluster: ClusterSnapshot;
    }
  | { type: 'ValidatorRemoved'; owner: string; operatorIds: number[]; publicKey: string; cluster: ClusterSnapshot }
  | { type: 'ValidatorExited'; owner: string; operatorIds: number[]; publicKey: string }
  | { type: 'ClusterLiquidated'; owner: string; operatorIds: number[]; cluster: ClusterSnapshot }
  | { type: 'ClusterReactivated'; owner: string; operatorIds: number[]; cluster: ClusterSnapshot }
  | { type: 'ClusterDeposited'; owner: string; operatorIds: number[]; value: string; cluster: ClusterSnapshot }
  | { type: 'ClusterWithdrawn'; owner: string; operatorIds: number[]; value: string; cluster: ClusterSnapshot }
  | { type: 'FeeRecipientAddressUpdated'; owner: string; recipientAddress: string };

/** An event that the domain rejects with `InvalidEvent` and this message. */
export interface UndecodableEvent {
  type: SsvEventName | null;
  [UNDECODABLE]: string;
}

export type DecodedLog =
  | { kind: 'event'; event: SsvNativeEvent }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; type: SsvEventName | null; message: string };

export interface DecodeOptions {
  /** Only logs of these contract addresses (any case) are decoded; the others are ignored. */
  addresses?: readonly string[];
}

/** Arguments that are in the log but not in the native event. */
const DROPPED_ARGUMENTS: Partial<Record<SsvEventName, readonly string[]>> = {
  OperatorFeeDeclared: ['blockNumber'],
  OperatorFeeExecuted: ['blockNumber'],
};

/** A value that decoded but does not fit the native event; the message names the argument. */
class ConversionError extends Error {}

interface AbiParam {
  type: string;
  name?: string;
  components?: readonly AbiParam[];
}

function checkWidth(value: bigint, type: string, name: string): bigint {
  const bits = Number(/^uint(\d+)$/.exec(type)?.[1] ?? 256);
  if (value >= 1n << BigInt(bits)) {
    throw new ConversionError(`argument "${name}" (${value}) does not fit in ${type}`);
  }
  return value;
}

function toSafeNumber(value: bigint, name: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ConversionError(`argument "${name}" (${value}) is beyond Number.MAX_SAFE_INTEGER`);
  }
  return Number(value);
}

function toCluster(value: unknown, param: AbiParam): ClusterSnapshot {
  const fields = value as Record<string, unknown>;
  const cluster: Record<string, unknown> = {};
  for (const component of param.components ?? []) {
    const name = `${param.name}.${component.name}`;
    const field = fields[component.name!];
    if (component.type === 'bool') {
      cluster[component.name!] = field;
    } else {
      const amount = checkWidth(field as bigint, component.type, name);
      cluster[component.name!] = component.type === 'uint32' ? toSafeNumber(amount, name) : amount.toString();
    }
  }
  return cluster as unknown as ClusterSnapshot;
}

/**
 * The text inside OperatorAdded's `publicKey` bytes: they hold an ABI-encoded `string` (the SSV
 * node decodes them the same way). The text must be UTF-8, or it could not be kept exactly.
 */
function decodeOperatorPublicKey(bytes: Hex): string {
  let inner: Hex;
  try {
    [inner] = decodeAbiParameters([{ type: 'bytes' }], bytes);
  } catch (error) {
    throw new ConversionError(`argument "publicKey" is not an ABI-encoded string: ${shortMessage(error)}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(hexToBytes(inner));
  } catch {
    throw new ConversionError('argument "publicKey" is an ABI-encoded string that is not valid UTF-8');
  }
}

function convertArgument(eventName: SsvEventName, param: AbiParam, value: unknown): unknown {
  const name = param.name!;
  switch (param.type) {
    case 'address':
      return (value as string).toLowerCase();
    case 'bool':
      return value;
    case 'bytes':
      return eventName === 'OperatorAdded' && name === 'publicKey'
        ? decodeOperatorPublicKey(value as Hex)
        : (value as string).toLowerCase();
    case 'uint64':
      return toSafeNumber(checkWidth(value as bigint, param.type, name), name);
    case 'uint64[]':
      return (value as bigint[]).map((id, i) => {
        const item = `${name}[${i}]`;
        return toSafeNumber(checkWidth(id, 'uint64', item), item);
      });
    case 'uint256':
      return (value as bigint).toString();
    case 'tuple':
      return toCluster(value, param);
    default:
      throw new ConversionError(`argument "${name}" has a type (${param.type}) this decoder does not handle`);
  }
}

function shortMessage(error: unknown): string {
  const text = error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim();
}

function ignored(reason: string): DecodedLog {
  return { kind: 'ignored', reason };
}

/**
 * Decodes one log of the SSV network contract into its native event (spec §4), or says why it
 * is ignored (not one of the 14 events, or not a followed address) or invalid (one of the 14
 * events whose topics or data do not fit its ABI).
 */
export function decodeSsvLog(log: RawLog, options: DecodeOptions = {}): DecodedLog {
  if (options.addresses && !options.addresses.some((address) => address.toLowerCase() === log.address)) {
    return ignored(`address ${log.address} is not one of the contract addresses followed`);
  }
  const topic0 = log.topics[0];
  if (topic0 === undefined) return ignored('the log has no topics (anonymous event)');
  const item: SsvEventAbi | undefined = EVENT_BY_TOPIC0.get(topic0);
  if (item === undefined) return ignored(`topic0 ${topic0} is not one of the SSV registry events`);

  const invalid = (problem: string): DecodedLog => ({
    kind: 'invalid',
    type: item.name,
    message: `${item.name} log (${describeLog(log)}): ${problem}`,
  });

  const inputs = item.inputs as readonly (AbiParam & { indexed?: boolean })[];
  const indexed = inputs.filter((input) => input.indexed).length;
  if (log.topics.length !== indexed + 1) {
    const missing = log.topics.length < indexed + 1 ? ' (an indexed argument is missing)' : '';
    const got = log.topics.length;
    return invalid(`expected ${indexed + 1} topics (topic0 and ${indexed} indexed), got ${got}${missing}`);
  }

  let args: Record<string, unknown>;
  try {
    const decoded = decodeEventLog({
      abi: [item],
      topics: log.topics as [Hex, ...Hex[]],
      data: log.data as Hex,
      strict: true,
    });
    args = (decoded.args ?? {}) as Record<string, unknown>;
  } catch (error) {
    return invalid(`topics/data cannot be ABI-decoded: ${shortMessage(error)}`);
  }

  const event: Record<string, unknown> = { type: item.name };
  const dropped = DROPPED_ARGUMENTS[item.name] ?? [];
  try {
    for (const input of inputs) {
      if (dropped.includes(input.name!)) continue;
      event[input.name!] = convertArgument(item.name, input, args[input.name!]);
    }
  } catch (error) {
    if (error instanceof ConversionError) return invalid(error.message);
    throw error;
  }
  return { kind: 'event', event: event as unknown as SsvNativeEvent };
}

/**
 * The event to put in the native block: the decoded event, or for an invalid log an event that
 * the domain rejects with `InvalidEvent` and the decoder's message. An ignored log has none.
 */
export function toNativeEvent(decoded: DecodedLog): SsvNativeEvent | UndecodableEvent | null {
  switch (decoded.kind) {
    case 'event':
      return decoded.event;
    case 'invalid':
      return { type: decoded.type, [UNDECODABLE]: decoded.message };
    case 'ignored':
      return null;
  }
}
