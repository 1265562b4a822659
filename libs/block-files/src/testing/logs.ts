import { encodeSsvEvent, SsvEventName } from '@bqm/ssv-logs';
import { encodeAbiParameters, getAddress, keccak256, toHex } from 'viem';

/**
 * Raw `eth_getLogs` entries for the tests, encoded with viem from the SSV network event ABI that
 * @bqm/ssv-logs exports. Every value is made up here (none comes from the shared fixtures).
 */

/** The SSV network contract of these tests (checksummed: mixed case). */
export const CONTRACT = getAddress('0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a01');
/** Another contract, whose logs an address filter leaves out. */
export const OTHER_CONTRACT = getAddress('0x7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e02');
export const OWNER = getAddress('0x0a11ce0000000000000000000000000000000a11');
export const OTHER_OWNER = '0x00000000000000000000000000000000000b0b02';

export const hash = (label: string): `0x${string}` => keccak256(toHex(label));
export const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
export const blockHash = (number: number): `0x${string}` => hash(`logs test block ${number}`);

export interface RawLogJson {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash?: string;
  transactionHash?: string;
  transactionIndex?: string;
  logIndex?: string;
  removed?: boolean;
}

export interface LogPlace {
  block: number;
  tx?: number;
  log?: number;
}

/** One log of an SSV event at a place in the chain (block, transaction index, log index). */
export function encodeLog(
  eventName: SsvEventName,
  args: Record<string, unknown>,
  place: LogPlace,
  extra: Partial<RawLogJson> = {},
): RawLogJson {
  const { topics, data } = encodeSsvEvent(eventName, args);
  const tx = place.tx ?? 0;
  const log = place.log ?? 0;
  return {
    address: CONTRACT,
    topics,
    data,
    blockNumber: hex(place.block),
    blockHash: blockHash(place.block),
    transactionHash: hash(`logs test tx ${place.block}/${tx}`),
    transactionIndex: hex(tx),
    logIndex: hex(log),
    removed: false,
    ...extra,
  };
}

/** OperatorAdded's `publicKey` bytes hold an ABI-encoded string (as on chain). */
export const operatorKey = (text: string): `0x${string}` => encodeAbiParameters([{ type: 'string' }], [text]);

export const operatorRemoved = (operatorId: number, place: LogPlace, extra: Partial<RawLogJson> = {}): RawLogJson =>
  encodeLog('OperatorRemoved', { operatorId: BigInt(operatorId) }, place, extra);

/** A log of an event that is not one of the registry's (an ERC-20 Transfer). */
export function transferLog(place: LogPlace, extra: Partial<RawLogJson> = {}): RawLogJson {
  return {
    ...operatorRemoved(1, place),
    topics: [keccak256(toHex('Transfer(address,address,uint256)')), hash('from'), hash('to')],
    data: encodeAbiParameters([{ type: 'uint256' }], [1000n]),
    ...extra,
  };
}

/** The NDJSON text of some values, one per line. */
export const ndjson = (values: readonly unknown[]): string => values.map((value) => `${JSON.stringify(value)}\n`).join('');

/** A JSON-RPC response to eth_getLogs. */
export const rpcResponse = (logs: readonly unknown[], id: number | string = 1) => ({ jsonrpc: '2.0', id, result: logs });
