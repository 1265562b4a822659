import { encodeSsvEvent, SsvEventName } from '@bqm/ssv-logs';
import { encodeAbiParameters, getAddress, keccak256, toHex } from 'viem';

/**
 * Raw `eth_getLogs` entries for the end-to-end tests, encoded with viem from the SSV network
 * event ABI that @bqm/ssv-logs exports. Every value is made up here.
 */

export const hash = (label: string): `0x${string}` => keccak256(toHex(label));
const hex = (n: number) => `0x${n.toString(16)}`;
export const blockHash = (number: number): `0x${string}` => hash(`e2e logs block ${number}`);

export interface RawLogJson {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  transactionIndex: string;
  logIndex: string;
  removed: boolean;
}

export interface LogPlace {
  address: string;
  block: number;
  tx: number;
  log: number;
}

/** One log of an SSV event at a place in the chain. */
export function encodeLog(eventName: SsvEventName, args: Record<string, unknown>, place: LogPlace): RawLogJson {
  const { topics, data } = encodeSsvEvent(eventName, args);
  return {
    address: getAddress(place.address),
    topics,
    data,
    blockNumber: hex(place.block),
    blockHash: blockHash(place.block),
    transactionHash: hash(`e2e logs tx ${place.block}/${place.tx}`),
    transactionIndex: hex(place.tx),
    logIndex: hex(place.log),
    removed: false,
  };
}

/** OperatorAdded's `publicKey` bytes hold an ABI-encoded string (as on chain). */
export const operatorKey = (text: string): `0x${string}` => encodeAbiParameters([{ type: 'string' }], [text]);

/** A log of an event that is not one of the registry's (an ERC-20 Transfer). */
export function transferLog(place: LogPlace): RawLogJson {
  return {
    ...encodeLog('OperatorRemoved', { operatorId: 1n }, place),
    topics: [keccak256(toHex('Transfer(address,address,uint256)')), hash('from'), hash('to')],
    data: encodeAbiParameters([{ type: 'uint256' }], [1000n]),
  };
}
