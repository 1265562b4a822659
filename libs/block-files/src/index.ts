export type { BlockPosition } from '@bqm/domain';
export { BlockFileError } from '@bqm/domain';
export {
  BlockFileReader,
  checkBlockFile,
  formatOfPath,
  looksLikeLog,
  type BlockFileFormat,
  type BlockFileReaderOptions,
  type BlockFileSummary,
  type LogCounts,
  type ReadBlock,
} from './lib/block-file-reader';
export { blockDigest, canonicalBlockJson, canonicalJson, digestOf } from './lib/canonical';
