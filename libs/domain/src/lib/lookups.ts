import { clusterIdOf } from './entities';
import { parseEvent } from './events';

/**
 * Everything of the state that applying some events may read. A store that cannot answer
 * `RegistryView` synchronously loads these first. Validators of the listed `clusterMembers`
 * must be loaded too, once the member lists are known.
 */
export interface Lookups {
  operatorIds: Set<number>;
  operatorPublicKeys: Set<string>;
  validatorKeys: Set<string>;
  clusterIds: Set<string>;
  owners: Set<string>;
  clusterMembers: Set<string>;
}

export function emptyLookups(): Lookups {
  return {
    operatorIds: new Set(),
    operatorPublicKeys: new Set(),
    validatorKeys: new Set(),
    clusterIds: new Set(),
    owners: new Set(),
    clusterMembers: new Set(),
  };
}

export function addLookupsFor(events: readonly unknown[], into: Lookups): Lookups {
  for (const raw of events) {
    const parsed = parseEvent(raw);
    if (!parsed.ok) continue;
    const event = parsed.event;
    if ('owner' in event) into.owners.add(event.owner);
    if ('operatorId' in event) into.operatorIds.add(event.operatorId);
    if ('operatorIds' in event) event.operatorIds.forEach((id) => into.operatorIds.add(id));
    if (event.type === 'OperatorAdded') into.operatorPublicKeys.add(event.publicKey);
    if ('publicKey' in event && event.type !== 'OperatorAdded') into.validatorKeys.add(event.publicKey);
    if ('operatorIds' in event && 'owner' in event) {
      const clusterId = clusterIdOf(event.owner, event.operatorIds);
      into.clusterIds.add(clusterId);
      if (event.type === 'ClusterLiquidated' || event.type === 'ClusterReactivated') into.clusterMembers.add(clusterId);
    }
  }
  return into;
}
