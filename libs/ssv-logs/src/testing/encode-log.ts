import { getAddress, keccak256, toHex } from 'viem';
import { SsvEventName } from '../lib/abi';
import { encodeSsvEvent } from '../lib/encode';

/** Made-up values for the tests (none taken from the shared fixtures). */
export const CONTRACT = getAddress('0x00000000000000000000000000000000c0ffee01');
/** Checksummed, so mixed case: the decoder must lowercase it. */
export const OWNER = getAddress('0xabcdef0123456789abcdef0123456789abcdef01');
export const OTHER = '0x1111111111111111111111111111111111111111';
export const UINT256_MAX = (1n << 256n) - 1n;
export const UINT64_MAX = (1n << 64n) - 1n;

export const hash = (label: string): `0x${string}` => keccak256(toHex(label));

/** `n` bytes of a repeated pattern, as 0x hex. */
export const bytes = (n: number, byte = 'ab'): `0x${string}` => `0x${byte.repeat(n)}`;

export interface RawLogJson {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string | number;
  blockHash?: string;
  transactionHash?: string;
  transactionIndex?: string;
  logIndex?: string;
  removed?: boolean;
}

/** A raw `eth_getLogs` entry of one SSV event, encoded with viem from the ABI. */
export function encodeLog(
  eventName: SsvEventName,
  args: Record<string, unknown>,
  extra: Partial<RawLogJson> = {},
): RawLogJson {
  const { topics, data } = encodeSsvEvent(eventName, args);
  return {
    address: CONTRACT,
    topics,
    data,
    blockNumber: '0x10',
    blockHash: hash('block 16'),
    transactionHash: hash(`tx of ${eventName}`),
    transactionIndex: '0x0',
    logIndex: '0x3',
    removed: false,
    ...extra,
  };
}
