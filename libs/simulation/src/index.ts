export {
  GENESIS_TIMESTAMP,
  RegistrySimulator,
  SECONDS_PER_BLOCK,
  simulateBlocks,
  type SimulationOptions,
  type SimulationStats,
} from './lib/simulator';
