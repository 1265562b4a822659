import { Block } from '@bqm/domain';
import { FileIngestor, IngestRefusedError } from '@bqm/ingest';
import { RegistrySimulator } from '@bqm/simulation';
import { BlockFileReader, canonicalBlockJson } from '@bqm/block-files';
import { FileCatalog } from '@bqm/store';
import { Injectable } from '@nestjs/common';
import { appendFile, mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface SimulationRun {
  name: string;
  seed: number;
  /** Blocks per second; 0 for as fast as they can be queued. */
  rate: number;
  /** Stop once the file has this many blocks (undefined: run until stopped). */
  blocks?: number;
  invalidShare: number;
  /** Start over: delete the file and its state first. */
  replace: boolean;
}

export interface SimulationProgress {
  fileName: string;
  blocks: number;
  lastBlock: number;
  events: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes simulated registry traffic block after block: each block is appended to
 * DATA_DIR/<name> as a line of NDJSON (so the run is a file that can be ingested again) and
 * queued at once. The same seed gives the same file; a run under an existing name continues it
 * when the file is what the seed produces, and refuses otherwise.
 */
@Injectable()
export class SimulationService {
  constructor(
    private readonly ingestor: FileIngestor,
    private readonly catalog: FileCatalog,
  ) {}

  async run(dataDir: string, run: SimulationRun, isStopped: () => boolean, onProgress: (p: SimulationProgress) => void): Promise<SimulationProgress> {
    const path = join(resolve(dataDir), run.name);
    await mkdir(resolve(dataDir), { recursive: true });
    if (run.replace) {
      await rm(path, { force: true });
      if (await this.catalog.meta(run.name)) await this.catalog.drop(run.name);
    }
    const simulator = new RegistrySimulator({ seed: run.seed, invalidShare: run.invalidShare });
    const existing = await this.resume(path, run, simulator);
    if (existing > 0) {
      // The state may be behind the file (a crash between the two): ingest brings it level.
      await this.ingestor.ingest(path, { name: run.name });
    } else {
      const known = await this.catalog.meta(run.name);
      if (known && known.lastBlock !== null) {
        throw new IngestRefusedError(
          `${run.name} is already known (its blocks ${known.firstBlock} to ${known.lastBlock}) but ${path} is not there to continue: ` +
            'use --replace to start it again, or another --name',
        );
      }
    }
    const stream = await this.ingestor.openStream(run.name);
    const progress: SimulationProgress = { fileName: run.name, blocks: existing, lastBlock: stream.lastBlock ?? 0, events: 0 };
    const interval = run.rate > 0 ? 1000 / run.rate : 0;
    let next = Date.now();
    try {
      while (!isStopped() && (run.blocks === undefined || progress.blocks < run.blocks)) {
        const block = simulator.next().value as Block;
        await appendFile(path, `${canonicalBlockJson(block)}\n`);
        await this.ingestor.appendToStream(stream, [block]);
        progress.blocks += 1;
        progress.lastBlock = block.number;
        progress.events += block.events.length;
        onProgress({ ...progress });
        if (interval > 0) {
          next += interval;
          const wait = next - Date.now();
          if (wait > 0) await sleep(wait);
          else next = Date.now();
        }
      }
    } finally {
      await this.ingestor.closeStream(stream);
    }
    return progress;
  }

  /** How many blocks the file already has, after checking they are what this seed produces. */
  private async resume(path: string, run: SimulationRun, simulator: RegistrySimulator): Promise<number> {
    try {
      await stat(path);
    } catch {
      return 0;
    }
    let count = 0;
    for await (const { block, payload } of new BlockFileReader(path, { format: 'ndjson', displayName: run.name }).blocks()) {
      const expected = simulator.next().value as Block;
      if (canonicalBlockJson(expected) !== payload) {
        throw new IngestRefusedError(
          `${run.name} exists and its block ${block.number} is not what seed ${run.seed} produces: ` +
            'use --replace to start it again, or another --name',
        );
      }
      count += 1;
    }
    return count;
  }
}
