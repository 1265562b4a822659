import { Block, EventType, REJECTION_CODES } from '@bqm/domain';
import { INVALID_EVENTS } from './invalid-events';
import { SimulationModel } from './model';
import { blockHash, Random } from './random';
import { feeRecipientAddressUpdated, operatorAdded, VALID_EVENTS, validatorAdded, validatorsAdded } from './valid-events';

export interface SimulationOptions {
  /** Same seed and options give the same blocks, byte for byte. A safe integer. */
  seed: number;
  /** The number of the first block. Default 1. */
  startBlock?: number;
  /** Share of events (0..1) that deliberately break a rule, spread over every rejection code. Default 0.05. */
  invalidShare?: number;
  /** Share of blocks (0..1) without events (the first few blocks, the operators' burst, always have some). Default 0.2. */
  emptyBlockShare?: number;
  /**
   * Give each block `hash` and `parentHash` (32-byte hex, a function of seed and number, each
   * parentHash the previous block's hash) and `timestamp` (12 s a block). Default true.
   */
  withHashes?: boolean;
  /** Validators registered per block, on average over all blocks. Default 1. */
  validatorsPerBlock?: number;
  /** Validator removals per registration, on average. Default 0.1. */
  removalRatio?: number;
  /** Registrations carry a 32-byte `shares` instead of the full payload (smaller files). Default false. */
  compactShares?: boolean;
}

/** The size of the simulated registry as of the last generated block. */
export interface SimulationStats {
  /** The number of the last generated block; null before the first. */
  lastBlock: number | null;
  blocks: number;
  events: number;
  rejectedEvents: number;
  /** Operators not removed. */
  operators: number;
  /** Validators not removed (exited ones included). */
  validators: number;
  clusters: number;
  accounts: number;
}

/** Timestamp of block 0: blocks are 12 s apart from there. */
export const GENESIS_TIMESTAMP = 1_700_000_000;
export const SECONDS_PER_BLOCK = 12;
const ZERO_HASH = `0x${'0'.repeat(64)}`;

/** The first blocks bring a burst of operators, so that validators can register early. */
const BURST_BLOCKS = 5;
const BURST_OPERATORS: readonly [number, number] = [6, 10];

/** Bulk registrations (many validators of one owner on one cluster in one block): their size. */
const BULK_SIZE: readonly [number, number] = [5, 40];
/** At most this share of the registrations come in bulk. */
const BULK_SHARE = 0.2;

/** Events per block, on average over all blocks, besides registrations and removals. */
const BASE_RATES: Partial<Record<EventType, number>> = {
  OperatorAdded: 0.02,
  OperatorRemoved: 0.002,
  OperatorFeeDeclared: 0.01,
  OperatorFeeDeclarationCancelled: 0.002,
  OperatorFeeExecuted: 0.007,
  OperatorPrivacyStatusUpdated: 0.004,
  ClusterLiquidated: 0.012,
  ClusterReactivated: 0.006,
  ClusterDeposited: 0.15,
  ClusterWithdrawn: 0.04,
  FeeRecipientAddressUpdated: 0.03,
};
/** Exits per registration. */
const EXIT_RATIO = 0.05;

function share(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!(result >= 0 && result <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
  return result;
}

function rate(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!(Number.isFinite(result) && result >= 0)) throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
  return result;
}

/**
 * Generates realistic SSV registry traffic as native blocks, block after block, forever.
 * Pure and deterministic: everything comes from the seed. It keeps the registry state (not the
 * blocks), and every event it means to be valid is checked valid against that state as it is made.
 */
export class RegistrySimulator implements Iterator<Block>, Iterable<Block> {
  private readonly seed: number;
  private readonly startBlock: number;
  private readonly invalidShare: number;
  private readonly emptyBlockShare: number;
  private readonly withHashes: boolean;
  private readonly rng: Random;
  private readonly model: SimulationModel;
  /** Event types of a non-empty block and their expected counts in it. */
  private readonly eventWeights: [EventType, number][];
  private readonly eventsPerBlock: number;
  private readonly bulkProbability: number;
  private nextNumber: number;
  private previousHash: string | undefined;
  private generated = 0;

  constructor(options: SimulationOptions) {
    this.rng = new Random(options.seed);
    this.seed = options.seed;
    this.startBlock = options.startBlock ?? 1;
    if (!Number.isSafeInteger(this.startBlock) || this.startBlock < 0) {
      throw new RangeError(`startBlock must be a non-negative safe integer, got ${options.startBlock}`);
    }
    this.invalidShare = share('invalidShare', options.invalidShare, 0.05);
    this.emptyBlockShare = share('emptyBlockShare', options.emptyBlockShare, 0.2);
    this.withHashes = options.withHashes ?? true;
    const validatorsPerBlock = rate('validatorsPerBlock', options.validatorsPerBlock, 1);
    const removalRatio = rate('removalRatio', options.removalRatio, 0.1);
    this.model = new SimulationModel(this.rng);
    this.model.compactShares = options.compactShares ?? false;
    this.nextNumber = this.startBlock;

    // Rates over all blocks become rates within the non-empty blocks.
    const nonEmpty = Math.max(1 - this.emptyBlockShare, 1e-9);
    const registrations = validatorsPerBlock / nonEmpty;
    const bulkMean = (BULK_SIZE[0] + BULK_SIZE[1]) / 2;
    this.bulkProbability = Math.min(0.01, (registrations * BULK_SHARE) / bulkMean);
    const perBlock: Partial<Record<EventType, number>> = {
      ...BASE_RATES,
      ValidatorAdded: Math.max(0, registrations - this.bulkProbability * bulkMean),
      ValidatorRemoved: validatorsPerBlock * removalRatio,
      ValidatorExited: validatorsPerBlock * EXIT_RATIO,
    };
    this.eventWeights = Object.entries(perBlock).map(([type, value]) => [
      type as EventType,
      type === 'ValidatorAdded' ? value : value / nonEmpty,
    ]);
    this.eventsPerBlock = this.eventWeights.reduce((sum, [, weight]) => sum + weight, 0);
  }

  [Symbol.iterator](): RegistrySimulator {
    return this;
  }

  next(): IteratorResult<Block> {
    return { done: false, value: this.nextBlock() };
  }

  nextBlock(): Block {
    const number = this.nextNumber;
    const { model, rng } = this;
    model.beginBlock(number);
    const position = number - this.startBlock;
    if (position < BURST_BLOCKS) {
      const operators = rng.int(BURST_OPERATORS[0], BURST_OPERATORS[1]);
      for (let i = 0; i < operators; i++) this.slot(() => operatorAdded(model));
    } else if (!rng.chance(this.emptyBlockShare)) {
      const events = this.eventsPerBlock >= 1 ? 1 + rng.poisson(this.eventsPerBlock - 1) : 1;
      const bulk = rng.chance(this.bulkProbability) ? rng.int(BULK_SIZE[0], BULK_SIZE[1]) : 0;
      const bulkAt = bulk > 0 ? rng.int(0, events) : -1;
      for (let i = 0; i <= events; i++) {
        if (i === bulkAt) this.bulk(bulk);
        if (i < events) {
          const type = rng.weighted(this.eventWeights);
          this.slot(() => VALID_EVENTS[type](model) || validatorAdded(model) || feeRecipientAddressUpdated(model));
        }
      }
    }
    this.nextNumber += 1;
    this.generated += 1;
    const events = model.events;
    if (!this.withHashes) return { number, events };
    const hash = blockHash(this.seed, number);
    const parentHash = this.previousHash ?? (number === 0 ? ZERO_HASH : blockHash(this.seed, number - 1));
    this.previousHash = hash;
    return { number, hash, parentHash, timestamp: GENESIS_TIMESTAMP + number * SECONDS_PER_BLOCK, events };
  }

  /** What the registry holds as of the last generated block. */
  stats(): SimulationStats {
    const { model } = this;
    return {
      lastBlock: this.generated === 0 ? null : this.nextNumber - 1,
      blocks: this.generated,
      events: model.counters.events,
      rejectedEvents: model.counters.rejected,
      operators: model.liveOperators.size,
      validators: model.validators.size,
      clusters: model.clusterList.length,
      accounts: model.counters.accounts,
    };
  }

  /** One event: with probability `invalidShare` one that breaks a rule instead of the planned one. */
  private slot(valid: () => boolean): void {
    if (this.rng.chance(this.invalidShare)) this.invalid();
    else valid();
  }

  /** An event rejected with a code drawn evenly from all of them (one the state allows). */
  private invalid(): void {
    for (let i = 0; i < 3; i++) {
      if (INVALID_EVENTS[this.rng.pick(REJECTION_CODES)](this.model)) return;
    }
    INVALID_EVENTS.InvalidEvent(this.model);
  }

  /** A pool or custodian registers many validators on one cluster in one transaction. */
  private bulk(count: number): void {
    const model = this.model;
    const owner = this.rng.chance(0.7) ? model.pickWhale() : model.pickStaker();
    validatorsAdded(model, owner, count, () => {
      if (this.rng.chance(this.invalidShare)) this.invalid();
    });
  }
}

/** The first `blocks` blocks of a simulation, in an array. */
export function simulateBlocks(options: SimulationOptions & { blocks: number }): Block[] {
  const simulator = new RegistrySimulator(options);
  const blocks: Block[] = [];
  for (let i = 0; i < options.blocks; i++) blocks.push(simulator.nextBlock());
  return blocks;
}
