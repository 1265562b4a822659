export * from './lib/entities';
export * from './lib/values';
export * from './lib/events';
export * from './lib/blocks';
export * from './lib/registry-view';
export * from './lib/apply-block';
export * from './lib/lookups';
export * from './lib/in-memory-registry';
