import { Account, Cluster, EntityByKind, EntityKind, Operator, ValidatorRecord } from '@bqm/domain';

/**
 * How an entity's versions are written in its history. A version keeps only what can change:
 * the rest comes back from the entity's key (a validator's public key, a cluster id spelling its
 * owner and operators, an account's owner) or, for an operator's owner and public key (which
 * never change and can be long), from its latest version in `head`. Histories are most of a
 * file's memory, and what a state query reads, so this keeps both small.
 */
export interface VersionCodec<K extends EntityKind> {
  encode(entity: EntityByKind[K]): string;
  decode(key: string, stored: string, head: (key: string) => EntityByKind[K] | undefined): EntityByKind[K];
}

const flag = (value: boolean) => (value ? 1 : 0);

const operators: VersionCodec<'operators'> = {
  encode: (o) => JSON.stringify([o.fee, o.declaredFee, flag(o.isPrivate), o.validatorCount, flag(o.removed), o.lastUpdateBlock]),
  decode: (key, stored, head) => {
    const [fee, declaredFee, isPrivate, validatorCount, removed, lastUpdateBlock] = JSON.parse(stored);
    const latest = head(key);
    if (!latest) throw new Error(`operator ${key} has versions but no head`);
    const operator: Operator = {
      operatorId: latest.operatorId,
      owner: latest.owner,
      publicKey: latest.publicKey,
      fee,
      declaredFee,
      isPrivate: isPrivate === 1,
      validatorCount,
      removed: removed === 1,
      lastUpdateBlock,
    };
    return operator;
  },
};

const validators: VersionCodec<'validators'> = {
  encode: (v) => JSON.stringify([v.owner, v.operatorIds, flag(v.exited), flag(v.removed), v.lastUpdateBlock]),
  decode: (key, stored) => {
    const [owner, operatorIds, exited, removed, lastUpdateBlock] = JSON.parse(stored);
    const validator: ValidatorRecord = {
      publicKey: key,
      owner,
      operatorIds,
      clusterId: [owner, ...operatorIds].join('-'),
      exited: exited === 1,
      removed: removed === 1,
      lastUpdateBlock,
    };
    return validator;
  },
};

const clusters: VersionCodec<'clusters'> = {
  encode: (c) => JSON.stringify([c.validatorCount, flag(c.active), c.balance, c.lastUpdateBlock]),
  decode: (key, stored) => {
    const [validatorCount, active, balance, lastUpdateBlock] = JSON.parse(stored);
    const [owner, ...ids] = key.split('-');
    const cluster: Cluster = { clusterId: key, owner, operatorIds: ids.map(Number), validatorCount, active: active === 1, balance, lastUpdateBlock };
    return cluster;
  },
};

const accounts: VersionCodec<'accounts'> = {
  encode: (a) => JSON.stringify([a.feeRecipient, a.nonce, a.validatorCount]),
  decode: (key, stored) => {
    const [feeRecipient, nonce, validatorCount] = JSON.parse(stored);
    const account: Account = { owner: key, feeRecipient, nonce, validatorCount };
    return account;
  },
};

export const VERSION_CODECS: { [K in EntityKind]: VersionCodec<K> } = { operators, validators, clusters, accounts };
