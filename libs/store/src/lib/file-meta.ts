/** A file's description and progress, as kept in its `meta` hash. */
export interface FileMeta {
  fileName: string;
  generation: number;
  format: string;
  /** `file` for ingested files, `simulation` for a file a running simulator writes and feeds. */
  source: 'file' | 'simulation';
  createdAt: number;
  updatedAt: number;
  blockCount: number;
  firstBlock: number | null;
  lastBlock: number | null;
  /** Declared coverage of the object shape: blocks up to it that are not listed had no events. */
  toBlock: number | null;
  /** The file is fully ingested; an open file (a running simulation) may still grow. */
  sealed: boolean;
  /** The last block applied, or null. */
  appliedThrough: number | null;
  /** Spec §5: every block of the file numbered ≤ it has been applied (null: none yet). */
  processedThrough: number | null;
  blocksApplied: number;
  eventsApplied: number;
  eventsRejected: number;
  /** `stopped` when the file cannot go on (a reorganisation deeper than the window). */
  status: 'active' | 'stopped';
  error: string | null;
  /** Recent blocks a reorganisation may replace (fixed when the file is first ingested). */
  reorgWindow: number;
  /** Reorganisations taken so far, and the first block of the last one. */
  reorgs: number;
  lastReorgBlock: number | null;
  /** Bumped by each reorganisation: batches computed before it are refused. */
  epoch: number;
  /** A reorganisation replaced applied blocks and no consumer has undone them yet: back to here. */
  rewindTo: number | null;
  /** Raw-log files: logs that were not SSV network events (or not of the given addresses). */
  ignoredLogs: number | null;
}

export const FILE_STATUS_ACTIVE = 'active';
export const FILE_STATUS_STOPPED = 'stopped';

const numberOrNull = (value: string | undefined): number | null =>
  value === undefined || value === '' ? null : Number(value);

export function parseFileMeta(hash: Record<string, string>): FileMeta | null {
  if (!hash['fileName']) return null;
  return {
    fileName: hash['fileName'],
    generation: Number(hash['generation'] ?? 0),
    format: hash['format'] ?? 'json',
    source: hash['source'] === 'simulation' ? 'simulation' : 'file',
    createdAt: Number(hash['createdAt'] ?? 0),
    updatedAt: Number(hash['updatedAt'] ?? 0),
    blockCount: Number(hash['blockCount'] ?? 0),
    firstBlock: numberOrNull(hash['firstBlock']),
    lastBlock: numberOrNull(hash['lastBlock']),
    toBlock: numberOrNull(hash['toBlock']),
    sealed: hash['sealed'] === '1',
    appliedThrough: numberOrNull(hash['appliedThrough']),
    processedThrough: numberOrNull(hash['processedThrough']),
    blocksApplied: Number(hash['blocksApplied'] ?? 0),
    eventsApplied: Number(hash['eventsApplied'] ?? 0),
    eventsRejected: Number(hash['eventsRejected'] ?? 0),
    status: hash['status'] === FILE_STATUS_STOPPED ? 'stopped' : 'active',
    error: hash['error'] || null,
    reorgWindow: Number(hash['reorgWindow'] ?? 64),
    reorgs: Number(hash['reorgs'] ?? 0),
    epoch: Number(hash['epoch'] ?? 0),
    lastReorgBlock: numberOrNull(hash['lastReorgBlock']),
    rewindTo: numberOrNull(hash['rewindTo']),
    ignoredLogs: numberOrNull(hash['ignoredLogs']),
  };
}

/** The last block the file covers: its last block, or its `toBlock` when that is further. */
export function coverageEnd(meta: FileMeta): number | null {
  if (meta.lastBlock === null) return meta.toBlock;
  return meta.toBlock === null ? meta.lastBlock : Math.max(meta.lastBlock, meta.toBlock);
}

/** Fully processed: ingested whole, every block of it applied, no reorganisation left to undo. */
export function isComplete(meta: FileMeta): boolean {
  const end = coverageEnd(meta);
  return meta.sealed && meta.status === 'active' && meta.rewindTo === null && (end === null || (meta.processedThrough ?? -1) >= end);
}
