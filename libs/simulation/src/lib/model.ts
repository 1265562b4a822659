import { applyBlock, clusterIdOf, Cluster, ClusterSnapshot, InMemoryRegistry, RejectionCode } from '@bqm/domain';
import { IndexedSet } from './indexed-set';
import { Random } from './random';
import { NETWORK_FEE, randomAddress, randomValidatorKey } from './values';

export interface AccountModel {
  /** As events carry it (mixed case). */
  address: string;
  /** As the registry keys it (lowercase). */
  key: string;
  clusters: ClusterModel[];
  operators: OperatorModel[];
}

export interface OperatorModel {
  id: number;
  owner: AccountModel;
  /** How much stakers like this operator: its chance of being picked for a committee. */
  weight: number;
  /** Fee per block in wei, as a number (fees stay far below 2^53). */
  fee: number;
}

export interface ClusterModel {
  id: string;
  owner: AccountModel;
  operatorIds: number[];
  /** The balance as of `lastBlock`, in wei; the fees burn it down from there. */
  balance: bigint;
  lastBlock: number;
}


/** Committee sizes and how often stakers choose them. */
const COMMITTEE_SIZES: readonly (readonly [number, number])[] = [
  [4, 0.86],
  [7, 0.08],
  [10, 0.035],
  [13, 0.025],
];

const WHALES = 8;
const RECENTLY_REMOVED = 256;

export interface SimulationCounters {
  events: number;
  rejected: number;
  accounts: number;
}

/**
 * What the simulator knows of the registry. The state itself is an `InMemoryRegistry`: every
 * event is applied to it as soon as it is generated, and must get exactly the verdict it was
 * generated for (accepted, or rejected with the intended code), so the blocks are right by
 * construction. Beside it, indexes to pick entities at random in O(1).
 */
export class SimulationModel {
  readonly registry = new InMemoryRegistry();
  blockNumber = 0;
  events: unknown[] = [];
  readonly counters: SimulationCounters = { events: 0, rejected: 0, accounts: 0 };
  /** Registrations carry a short `shares` instead of the full payload (smaller files). */
  compactShares = false;

  readonly accounts: AccountModel[] = [];
  readonly accountByKey = new Map<string, AccountModel>();
  /** Staking pools and custodians: a few accounts that own a large share of validators. */
  readonly whales: AccountModel[] = [];
  readonly operatorOwners: AccountModel[] = [];

  readonly operators = new Map<number, OperatorModel>();
  readonly liveOperators = new IndexedSet<number>();
  readonly removedOperators: number[] = [];
  readonly pendingFees = new IndexedSet<number>();
  nextOperatorId = 1;
  private cumulativeWeights: Float64Array | null = null;

  readonly validators = new IndexedSet<string>();
  readonly exitedValidators = new IndexedSet<string>();
  readonly recentlyRemoved: string[] = [];
  private removedCursor = 0;

  readonly clusters = new Map<string, ClusterModel>();
  readonly clusterList: ClusterModel[] = [];
  readonly liquidated = new IndexedSet<string>();

  constructor(readonly rng: Random) {
    for (let i = 0; i < WHALES; i++) this.whales.push(this.newAccount());
  }

  beginBlock(blockNumber: number): void {
    this.blockNumber = blockNumber;
    this.events = [];
  }

  /**
   * Applies one event to the state and adds it to the block. It must get exactly the verdict
   * it was made for: anything else is a bug of the simulator, never silently emitted.
   */
  submit(event: unknown, expected: RejectionCode | null): boolean {
    const outcome = applyBlock(this.registry, { number: this.blockNumber, events: [event] });
    const rejection = outcome.rejections[0];
    const got = rejection?.code ?? null;
    if (got !== expected) {
      throw new Error(
        `simulator bug in block ${this.blockNumber}: the event was meant to be ${expected ?? 'accepted'} ` +
          `but was ${got ?? 'accepted'}${rejection ? ` (${rejection.message})` : ''}: ${JSON.stringify(event).slice(0, 400)}`,
      );
    }
    for (const owner of outcome.changes.accounts.keys()) {
      if (!this.registry.getAccount(owner)) this.counters.accounts += 1;
    }
    this.registry.commit(outcome.changes);
    this.events.push(event);
    this.counters.events += 1;
    if (got !== null) this.counters.rejected += 1;
    return got === null;
  }

  // --- accounts ---

  /** A fresh account, known to the model (the registry learns of it from its first event). */
  newAccount(): AccountModel {
    const address = randomAddress(this.rng);
    const account: AccountModel = { address, key: address.toLowerCase(), clusters: [], operators: [] };
    this.accounts.push(account);
    this.accountByKey.set(account.key, account);
    return account;
  }

  account(key: string): AccountModel {
    return this.accountByKey.get(key)!;
  }

  /** Any account but `not`. */
  otherAccount(not: string): AccountModel {
    for (let i = 0; i < 4; i++) {
      const account = this.rng.pick(this.accounts);
      if (account.key !== not) return account;
    }
    return this.newAccount();
  }

  /**
   * Who registers the next validator: new stakers now and then, the pools often, and otherwise
   * owners in proportion to what they already run (rich get richer).
   */
  pickStaker(): AccountModel {
    const roll = this.rng.float();
    if (this.validators.size === 0) return roll < 0.5 ? this.pickWhale() : this.newAccount();
    if (roll < 0.12) return this.newAccount();
    if (roll < 0.42) return this.pickWhale();
    if (roll < 0.8) return this.account(this.registry.getValidator(this.validators.pick(this.rng)!)!.owner);
    return this.rng.pick(this.accounts);
  }

  pickWhale(): AccountModel {
    const u = this.rng.float();
    return this.whales[Math.floor(u * u * this.whales.length)];
  }

  // --- operators ---

  addOperatorModel(operator: OperatorModel): void {
    this.operators.set(operator.id, operator);
    this.liveOperators.add(operator.id);
    operator.owner.operators.push(operator);
    this.cumulativeWeights = null;
  }

  removeOperatorModel(operatorId: number): void {
    this.liveOperators.delete(operatorId);
    this.pendingFees.delete(operatorId);
    this.removedOperators.push(operatorId);
    this.operators.get(operatorId)!.fee = 0;
    this.cumulativeWeights = null;
  }

  randomLiveOperator(): OperatorModel | undefined {
    const id = this.liveOperators.pick(this.rng);
    return id === undefined ? undefined : this.operators.get(id);
  }

  /** A live operator, chosen in proportion to its popularity. */
  private popularOperator(): number {
    const ids = this.liveOperators.values();
    if (!this.cumulativeWeights) {
      const cumulative = new Float64Array(ids.length);
      let total = 0;
      ids.forEach((id, i) => {
        total += this.operators.get(id)!.weight;
        cumulative[i] = total;
      });
      this.cumulativeWeights = cumulative;
    }
    const cumulative = this.cumulativeWeights;
    const target = this.rng.float() * cumulative[cumulative.length - 1];
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return ids[lo];
  }

  committeeSize(): number {
    const live = this.liveOperators.size;
    return this.rng.weighted(COMMITTEE_SIZES.filter(([size]) => size <= live));
  }

  /** `size` distinct live operators, ascending; the caller makes sure there are enough. */
  pickCommittee(size: number): number[] {
    const chosen = new Set<number>();
    for (let tries = 0; chosen.size < size && tries < size * 20; tries++) chosen.add(this.popularOperator());
    while (chosen.size < size) chosen.add(this.liveOperators.pick(this.rng)!);
    return [...chosen].sort((a, b) => a - b);
  }

  // --- validators ---

  freshValidatorKey(): string {
    for (;;) {
      const key = randomValidatorKey(this.rng);
      if (!this.registry.getValidator(key)) return key;
    }
  }

  /** A key that was registered and removed since, to register again (spec: re-registration). */
  removedValidatorKey(): string | undefined {
    if (this.recentlyRemoved.length === 0) return undefined;
    const key = this.rng.pick(this.recentlyRemoved);
    return this.registry.getValidator(key)?.removed ? key : undefined;
  }

  forgetValidator(publicKey: string): void {
    this.validators.delete(publicKey);
    this.exitedValidators.delete(publicKey);
    if (this.recentlyRemoved.length < RECENTLY_REMOVED) this.recentlyRemoved.push(publicKey);
    else this.recentlyRemoved[this.removedCursor++ % RECENTLY_REMOVED] = publicKey;
  }

  // --- clusters ---

  stateOf(cluster: ClusterModel): Cluster | undefined {
    return this.registry.getCluster(cluster.id);
  }

  /** A cluster that can take a validator now: active, every operator live. */
  usable(cluster: ClusterModel): boolean {
    return this.stateOf(cluster)?.active === true && cluster.operatorIds.every((id) => this.liveOperators.has(id));
  }

  /** The model of an existing cluster, made when an accepted event has just created it. */
  clusterModel(owner: AccountModel, operatorIds: number[]): ClusterModel {
    const id = clusterIdOf(owner.key, operatorIds);
    let cluster = this.clusters.get(id);
    if (!cluster) {
      cluster = { id, owner, operatorIds, balance: 0n, lastBlock: this.blockNumber };
      this.clusters.set(id, cluster);
      this.clusterList.push(cluster);
      owner.clusters.push(cluster);
    }
    return cluster;
  }

  findCluster(owner: AccountModel, operatorIds: number[]): ClusterModel | undefined {
    return this.clusters.get(clusterIdOf(owner.key, operatorIds));
  }

  /** Burns the fees since the cluster's last update: its balance as of this block. */
  settle(cluster: ClusterModel): bigint {
    const state = this.stateOf(cluster);
    if (state?.active && state.validatorCount > 0 && this.blockNumber > cluster.lastBlock) {
      let perValidator = NETWORK_FEE;
      for (const id of cluster.operatorIds) perValidator += this.operators.get(id)!.fee;
      const burn = BigInt(perValidator) * BigInt(state.validatorCount) * BigInt(this.blockNumber - cluster.lastBlock);
      cluster.balance = cluster.balance > burn ? cluster.balance - burn : 0n;
    }
    cluster.lastBlock = this.blockNumber;
    return cluster.balance;
  }

  /** The snapshot an event carries: the cluster as it is after the event. */
  snapshot(operatorIds: readonly number[], validatorCount: number, active: boolean, balance: bigint): ClusterSnapshot {
    if (!active) return { validatorCount, networkFeeIndex: '0', index: '0', active, balance: balance.toString() };
    let feeUnits = 0;
    for (const id of operatorIds) feeUnits += Math.round((this.operators.get(id)?.fee ?? 0) / 10_000_000);
    return {
      validatorCount,
      networkFeeIndex: String(Math.round(NETWORK_FEE / 10_000_000) * this.blockNumber),
      index: String(feeUnits * this.blockNumber),
      active,
      balance: balance.toString(),
    };
  }

  /** An owner's cluster to add a validator to: mostly one it has, sometimes a new committee. */
  targetFor(owner: AccountModel): { owner: AccountModel; operatorIds: number[] } | undefined {
    const count = owner.clusters.length;
    if (count > 0 && !this.rng.chance(0.35 / (1 + count / 4))) {
      for (let i = 0; i < 3; i++) {
        const cluster = this.rng.pick(owner.clusters);
        if (this.usable(cluster)) return { owner, operatorIds: cluster.operatorIds };
      }
    }
    if (this.liveOperators.size < 4) return undefined;
    for (let i = 0; i < 5; i++) {
      const operatorIds = this.pickCommittee(this.committeeSize());
      const existing = this.registry.getCluster(clusterIdOf(owner.key, operatorIds));
      if (!existing || existing.active) return { owner, operatorIds };
    }
    return undefined;
  }

  /** A random cluster the predicate accepts, after a few tries. */
  randomCluster(accept: (cluster: ClusterModel) => boolean, tries = 6): ClusterModel | undefined {
    if (this.clusterList.length === 0) return undefined;
    for (let i = 0; i < tries; i++) {
      const cluster = this.rng.pick(this.clusterList);
      if (accept(cluster)) return cluster;
    }
    return undefined;
  }
}
