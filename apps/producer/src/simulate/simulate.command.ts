import { IngestRefusedError } from '@bqm/ingest';
import { INestApplicationContext } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { ProgressLine } from '../cli/progress';
import { UsageError } from '../cli/ingest.command';
import { SimulationRun, SimulationService } from './simulation.service';

export const SIMULATE_USAGE = `usage: npm run simulate -- [--name sim.ndjson] [--seed 7] [--rate 2] [--blocks N] [--invalid 0.05] [--replace]

  --name     the file written in DATA_DIR and known by that name (default sim.ndjson)
  --seed     the same seed gives the same blocks (default 7)
  --rate     blocks per second (default 2; 0: as fast as possible)
  --blocks   stop once the file has N blocks (default: run until Ctrl-C)
  --invalid  share of events that break a rule, 0..1 (default 0.05)
  --replace  start the file again instead of continuing it`;

function number(value: string | undefined, name: string, fallback: number, check: (n: number) => boolean, expected: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || !check(parsed)) throw new UsageError(`--${name} must be ${expected}, got ${value}`);
  return parsed;
}

export function parseSimulateArgs(args: string[]): SimulationRun {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        name: { type: 'string' },
        seed: { type: 'string' },
        rate: { type: 'string' },
        blocks: { type: 'string' },
        invalid: { type: 'string' },
        replace: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  const name = values.name ?? 'sim.ndjson';
  if (!/\.(ndjson|jsonl)$/.test(name)) throw new UsageError(`--name must end in .ndjson or .jsonl (the simulator writes NDJSON), got ${name}`);
  return {
    name,
    seed: number(values.seed, 'seed', 7, Number.isSafeInteger, 'an integer'),
    rate: number(values.rate, 'rate', 2, (n) => n >= 0 && n <= 10_000, 'a number of blocks per second from 0 to 10000'),
    blocks: values.blocks === undefined ? undefined : number(values.blocks, 'blocks', 0, (n) => Number.isSafeInteger(n) && n > 0, 'a positive integer'),
    invalidShare: number(values.invalid, 'invalid', 0.05, (n) => n >= 0 && n <= 1, 'a share from 0 to 1'),
    replace: values.replace ?? false,
  };
}

/** Runs `simulate` until its block count or Ctrl-C; returns the exit code. */
export async function runSimulate(app: INestApplicationContext, dataDir: string, run: SimulationRun): Promise<number> {
  let stopped = false;
  const stop = () => (stopped = true);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const progress = new ProgressLine();
  try {
    const done = await app.get(SimulationService).run(dataDir, run, () => stopped, (p) =>
      progress.update(`simulating ${p.fileName}`, p.blocks, run.blocks, `blocks (last block ${p.lastBlock}, ${p.events} events this run)`),
    );
    progress.done();
    process.stdout.write(`${done.fileName}: ${done.blocks} blocks, through block ${done.lastBlock}${stopped ? ' (stopped)' : ''}\n`);
    return 0;
  } catch (error) {
    progress.done();
    if (error instanceof IngestRefusedError) {
      process.stderr.write(`refused: ${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
