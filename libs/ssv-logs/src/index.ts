export * from './lib/abi';
export * from './lib/raw-log';
export * from './lib/decode';
export * from './lib/assembler';
export * from './lib/encode';
