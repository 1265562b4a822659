import { BlockFileFormat, LogCounts } from '@bqm/block-files';
import { FileIngestor, IngestRefusedError, IngestResult } from '@bqm/ingest';
import { BLOCKS_QUEUE, BullBlockQueue, FileBusyError, FileCatalog, isComplete } from '@bqm/store';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { INestApplicationContext } from '@nestjs/common';
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ingestRidingOutRedis } from '../ingest/ride-out-redis';
import { ProgressLine } from './progress';

export const INGEST_USAGE = `usage: npm run ingest -- <path> [--name <fileName>] [--wait] [--replace] [--format json|ndjson|logs] [--address 0x…]...

  --name     the name the file is known by (default: its base name)
  --wait     wait until every block is applied, showing progress
  --replace  drop the file's state first if its already-ingested blocks differ
  --format   read the file as this format instead of detecting it: json or ndjson (native blocks),
             logs (eth_getLogs output: a JSON array of logs, a JSON-RPC response, or NDJSON of logs)
  --address  logs only: keep the logs of this contract address (repeatable); the others are ignored`;

/** A usage mistake: exit 2 with the usage. */
export class UsageError extends Error {}

export interface IngestArgs {
  path: string;
  name?: string;
  wait: boolean;
  replace: boolean;
  format?: BlockFileFormat;
  /** Logs files: the contract addresses whose logs are kept. */
  addresses?: string[];
}

const FORMATS: readonly string[] = ['json', 'ndjson', 'logs'];
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function parseIngestArgs(args: string[]): IngestArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        wait: { type: 'boolean', default: false },
        replace: { type: 'boolean', default: false },
        format: { type: 'string' },
        address: { type: 'string', multiple: true },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'which file? give its path' : 'give one file at a time');
  const path = positionals[0];
  if (!existsSync(path)) throw new UsageError(`no such file: ${path}`);
  if (!statSync(path).isFile()) throw new UsageError(`not a file: ${path}`);
  if (values.format !== undefined && !FORMATS.includes(values.format)) {
    throw new UsageError(`--format must be json, ndjson or logs, got ${values.format}`);
  }
  const format = values.format as BlockFileFormat | undefined;
  const addresses = values.address ?? [];
  for (const address of addresses) {
    if (!ADDRESS.test(address)) throw new UsageError(`--address must be a contract address (0x followed by 40 hex digits), got ${address}`);
  }
  if (addresses.length > 0 && (format === 'json' || format === 'ndjson')) {
    throw new UsageError(`--address applies to logs files, not to --format ${format}`);
  }
  return {
    path,
    name: values.name,
    wait: values.wait ?? false,
    replace: values.replace ?? false,
    format,
    ...(addresses.length > 0 ? { addresses } : {}),
  };
}

/** What became of the logs of a logs file, when the ingest tells it. */
export function describeLogs(fileName: string, logs: LogCounts | null | undefined): string | undefined {
  if (!logs) return undefined;
  return (
    `${fileName}: ${logs.total} logs: ${logs.ignored} ignored (not registry events, or not of the contract addresses followed), ` +
    `${logs.invalid} invalid (rejected with InvalidEvent), ${logs.removed} removed (reorganised away)` +
    (logs.duplicates > 0 ? `, ${logs.duplicates} given twice (read once)` : '')
  );
}

function describe(result: IngestResult): string {
  const { fileName, outcome, blocksQueued, blocksInFile, firstQueuedBlock } = result;
  switch (outcome) {
    case 'unchanged':
      return `${fileName} is unchanged since it was last ingested: nothing queued`;
    case 'appended':
      return blocksQueued > 0
        ? `${fileName} grew: queued its ${blocksQueued} new blocks (from block ${firstQueuedBlock}); the ${blocksInFile - blocksQueued} blocks ingested before are unchanged`
        : `${fileName} now covers blocks up to ${result.meta.toBlock}; no new blocks to queue`;
    case 'reorganised':
      return `${fileName} reorganised: its blocks from block ${result.reorganisedFrom} were replaced by the file's (${blocksQueued} blocks queued)`;
    case 'replaced':
      return `${fileName} replaced: its earlier state was dropped and its ${blocksQueued} blocks queued`;
    default:
      return `${fileName}: queued ${blocksQueued} blocks`;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `ingest`; returns the exit code (0 done, 2 refused). */
export async function runIngest(app: INestApplicationContext, args: IngestArgs): Promise<number> {
  const progress = new ProgressLine();
  const fileName = args.name ?? basename(args.path);
  let waiting = false;
  // Interrupted, the file is left part-queued: say so, and how to finish it (nothing is lost).
  const interrupted = (signal: NodeJS.Signals) => {
    progress.done();
    process.stderr.write(
      waiting
        ? `stopped waiting: ${fileName} is queued whole and goes on being processed\n`
        : `interrupted: ${fileName} is not completely queued; ingest it again to finish it\n`,
    );
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    return await ingestAndWait(app, args, progress, () => (waiting = true));
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

async function ingestAndWait(app: INestApplicationContext, args: IngestArgs, progress: ProgressLine, startWaiting: () => void): Promise<number> {
  let result: IngestResult;
  try {
    result = await ingestRidingOutRedis(
      app.get(FileIngestor),
      args.path,
      {
        name: args.name,
        replace: args.replace,
        format: args.format,
        addresses: args.addresses,
        onProgress: (p) =>
          progress.update(p.phase === 'checking' ? `checking ${p.fileName}` : `queueing ${p.fileName}`, p.phase === 'checking' ? p.blocksRead : p.blocksQueued, undefined, 'blocks'),
      },
      (error) => {
        progress.done();
        process.stderr.write(`Redis dropped the connection (${error.message}): ingesting again once it answers\n`);
      },
    );
  } catch (error) {
    progress.done();
    if (error instanceof IngestRefusedError || error instanceof FileBusyError) {
      process.stderr.write(`${error instanceof IngestRefusedError && error.stoppedFile ? 'stopped' : 'refused'}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  progress.done();
  process.stdout.write(`${describe(result)}\n`);
  const logs = describeLogs(result.fileName, result.logs);
  if (logs !== undefined) process.stdout.write(`${logs}\n`);
  if (result.retriedFailedBlocks > 0) {
    process.stdout.write(`${result.fileName}: ${result.retriedFailedBlocks} blocks whose processing had failed are tried again\n`);
  }
  if (!args.wait) return 0;
  startWaiting();
  const catalog = app.get(FileCatalog);
  const queue = new BullBlockQueue(app.get<Queue>(getQueueToken(BLOCKS_QUEUE)));
  for (let round = 0; ; round++) {
    const meta = (await catalog.meta(result.fileName))!;
    const done = meta.blocksApplied;
    progress.update(`applying ${meta.fileName}`, done, meta.blockCount, `blocks (through block ${meta.processedThrough ?? '-'})`);
    if (meta.status === 'stopped') {
      progress.done();
      process.stderr.write(`${meta.fileName} stopped: ${meta.error}\n`);
      return 1;
    }
    if (isComplete(meta)) {
      progress.done();
      process.stdout.write(
        `${meta.fileName} is processed through block ${meta.processedThrough}: ${meta.eventsApplied} events applied, ${meta.eventsRejected} rejected\n`,
      );
      return 0;
    }
    // A block whose processing failed for good holds the file back: say so instead of waiting forever.
    if (round % 5 === 4) {
      const failed = ((await queue.failedBlocks()).get(meta.fileName) ?? []).filter((block) => block.generation === meta.generation);
      if (failed.length > 0) {
        progress.done();
        process.stderr.write(
          `${meta.fileName} is held at block ${meta.processedThrough ?? '-'}: processing of block ${failed[0].blockNumber} failed (${failed[0].reason})` +
            `${failed.length > 1 ? ` and ${failed.length - 1} more` : ''}; once the cause is fixed, ingest the file again to retry\n`,
        );
        return 1;
      }
    }
    await sleep(200);
  }
}
