import { FileIngestor, IngestRefusedError } from '@bqm/ingest';
import { FileBusyError, FileCatalog } from '@bqm/store';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { FSWatcher, watch } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PinoLogger } from 'nestjs-pino';
import { ingestRidingOutRedis } from '../ingest/ride-out-redis';
import { ProducerConfig } from '../producer.config';

const BLOCK_FILE = /\.(json|ndjson|jsonl)$/;
/** A file must keep its size this long before it is read: it may still be being copied in. */
const SETTLE_MS = 500;

/**
 * Ingests every block file of DATA_DIR at start, then each file added or grown there. Ingest is
 * idempotent, so seeing a file twice is harmless; files are taken one at a time.
 */
@Injectable()
export class DataDirWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private watcher?: FSWatcher;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private queue: Promise<void> = Promise.resolve();
  private readonly directory: string;
  private closing = false;

  constructor(
    private readonly ingestor: FileIngestor,
    private readonly catalog: FileCatalog,
    config: ConfigService<ProducerConfig, true>,
    private readonly logger: PinoLogger,
  ) {
    this.directory = resolve(config.get('DATA_DIR'));
    this.logger.setContext(DataDirWatcher.name);
  }

  async onApplicationBootstrap(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    this.watcher = watch(this.directory, (_event, name) => {
      if (name && BLOCK_FILE.test(name) && !name.startsWith('.')) this.schedule(name.toString());
    });
    const names = (await readdir(this.directory)).filter((name) => BLOCK_FILE.test(name) && !name.startsWith('.')).sort();
    this.logger.info({ directory: this.directory, files: names.length }, 'watching the data directory');
    for (const name of names) this.enqueue(name);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.watcher?.close();
    for (const timer of this.pending.values()) clearTimeout(timer);
    await this.queue;
  }

  /** Waits until the queue of files to ingest is empty (for tests and the start script). */
  idle(): Promise<void> {
    return this.queue;
  }

  private schedule(name: string): void {
    clearTimeout(this.pending.get(name));
    this.pending.set(
      name,
      setTimeout(() => {
        this.pending.delete(name);
        this.enqueue(name);
      }, SETTLE_MS),
    );
  }

  private enqueue(name: string): void {
    this.queue = this.queue.then(() => (this.closing ? undefined : this.ingest(name)));
  }

  private async ingest(name: string): Promise<void> {
    const path = join(this.directory, name);
    try {
      if (!(await stat(path)).isFile()) return;
    } catch {
      return; // removed meanwhile
    }
    const meta = await this.catalog.meta(name);
    if (meta?.source === 'simulation' && !meta.sealed) return; // a running simulation feeds it itself
    try {
      const result = await ingestRidingOutRedis(this.ingestor, path, {}, (error) =>
        this.logger.warn({ file: name, err: error }, `Redis dropped the connection while ${name} was ingested: ingesting it again once Redis answers`),
      );
      const level = result.outcome === 'unchanged' ? 'debug' : 'info';
      this.logger[level]({ file: name, outcome: result.outcome, blocksQueued: result.blocksQueued }, `ingested ${name}`);
    } catch (error) {
      if (error instanceof IngestRefusedError || error instanceof FileBusyError) {
        this.logger.warn({ file: name }, `refused ${name}: ${error.message}`);
      } else {
        this.logger.error({ file: name, err: error }, `failed to ingest ${name}`);
      }
    }
  }
}
