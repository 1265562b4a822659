export * from './lib/file-ingestor';
