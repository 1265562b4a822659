import { parseAbi, toEventSelector } from 'viem';

/**
 * The events of the SSV network contract that the registry follows (spec §4), as the contract
 * declares them. `Cluster` is the on-chain cluster snapshot the contract emits with them.
 */
export const SSV_NETWORK_EVENTS_ABI = parseAbi([
  'struct Cluster { uint32 validatorCount; uint64 networkFeeIndex; uint64 index; bool active; uint256 balance; }',
  'event OperatorAdded(uint64 indexed operatorId, address indexed owner, bytes publicKey, uint256 fee)',
  'event OperatorRemoved(uint64 indexed operatorId)',
  'event OperatorFeeDeclared(address indexed owner, uint64 indexed operatorId, uint256 blockNumber, uint256 fee)',
  'event OperatorFeeDeclarationCancelled(address indexed owner, uint64 indexed operatorId)',
  'event OperatorFeeExecuted(address indexed owner, uint64 indexed operatorId, uint256 blockNumber, uint256 fee)',
  'event OperatorPrivacyStatusUpdated(uint64[] operatorIds, bool toPrivate)',
  'event ValidatorAdded(address indexed owner, uint64[] operatorIds, bytes publicKey, bytes shares, Cluster cluster)',
  'event ValidatorRemoved(address indexed owner, uint64[] operatorIds, bytes publicKey, Cluster cluster)',
  'event ValidatorExited(address indexed owner, uint64[] operatorIds, bytes publicKey)',
  'event ClusterLiquidated(address indexed owner, uint64[] operatorIds, Cluster cluster)',
  'event ClusterReactivated(address indexed owner, uint64[] operatorIds, Cluster cluster)',
  'event ClusterDeposited(address indexed owner, uint64[] operatorIds, uint256 value, Cluster cluster)',
  'event ClusterWithdrawn(address indexed owner, uint64[] operatorIds, uint256 value, Cluster cluster)',
  'event FeeRecipientAddressUpdated(address indexed owner, address recipientAddress)',
]);

export type SsvEventAbi = (typeof SSV_NETWORK_EVENTS_ABI)[number];
export type SsvEventName = SsvEventAbi['name'];

export const SSV_EVENT_NAMES: readonly SsvEventName[] = SSV_NETWORK_EVENTS_ABI.map((item) => item.name);

/** topic0 (the keccak of the event signature, lowercase hex) of each event. */
export const SSV_EVENT_TOPICS: Readonly<Record<SsvEventName, string>> = Object.fromEntries(
  SSV_NETWORK_EVENTS_ABI.map((item) => [item.name, toEventSelector(item)]),
) as Record<SsvEventName, string>;

/** The event whose topic0 this is, if it is one of the 14. */
export const EVENT_BY_TOPIC0: ReadonlyMap<string, SsvEventAbi> = new Map(
  SSV_NETWORK_EVENTS_ABI.map((item) => [toEventSelector(item), item]),
);
