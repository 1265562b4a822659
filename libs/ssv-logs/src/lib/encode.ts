import { encodeAbiParameters, encodeEventTopics, Hex } from 'viem';
import { SSV_NETWORK_EVENTS_ABI, SsvEventName } from './abi';

/**
 * The inverse of decoding: the `topics` and `data` of a log of one SSV network event, with the
 * event's arguments by ABI name (uint values as bigint, OperatorAdded's `publicKey` as the
 * ABI-encoded string bytes). For tests and tools that need real-looking `eth_getLogs` entries.
 */
export function encodeSsvEvent(eventName: SsvEventName, args: Record<string, unknown>): { topics: Hex[]; data: Hex } {
  const item = SSV_NETWORK_EVENTS_ABI.find((event) => event.name === eventName);
  if (!item) throw new Error(`${eventName} is not an SSV network event`);
  const inputs = item.inputs as readonly { name: string; indexed?: boolean }[];
  const indexedArgs = Object.fromEntries(inputs.filter((input) => input.indexed).map((input) => [input.name, args[input.name]]));
  const topics = encodeEventTopics({ abi: [item], eventName, args: indexedArgs } as unknown as Parameters<typeof encodeEventTopics>[0]) as Hex[];
  const nonIndexed = item.inputs.filter((input) => !('indexed' in input && input.indexed));
  const data = encodeAbiParameters(
    nonIndexed as unknown as Parameters<typeof encodeAbiParameters>[0],
    nonIndexed.map((input) => args[input.name]) as never,
  );
  return { topics, data };
}
