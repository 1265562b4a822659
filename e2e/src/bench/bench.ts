/**
 * `npm run bench`: end-to-end figures of the real system over the local Redis, printed as JSON.
 * - ingest throughput: a generated file of 20,000 blocks, from `ingest` until processedThrough
 *   reaches its end, with 1 and with 2 consumers;
 * - GET /state latency (median, p99) at three heights of that file, the last one ~30,000 validators.
 * Figures are medians over repeated runs in one process; the machine is noisy, compare ratios.
 */
import { simulateBlocks } from '@bqm/simulation';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestSystem } from '../support/system';

const BLOCKS = Number(process.env['BENCH_BLOCKS'] ?? 20_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const STATE_REQUESTS = Number(process.env['BENCH_STATE_REQUESTS'] ?? 30);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function ingestRun(path: string, consumers: number) {
  const system = await TestSystem.start({ consumers });
  try {
    // Consumers are up and idle before the clock starts.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const started = performance.now();
    const result = await system.ingest([path]);
    if (result.code !== 0) throw new Error(`ingest failed: ${result.stderr}`);
    const ingested = performance.now();
    const meta = await system.waitComplete('bench.ndjson', 600_000);
    const finished = performance.now();
    return { system, seconds: (finished - started) / 1000, ingestSeconds: (ingested - started) / 1000, meta };
  } catch (error) {
    await system.stop();
    throw error;
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bqm-bench-'));
  const path = join(dir, 'bench.ndjson');
  const generated = performance.now();
  const blocks = simulateBlocks({ seed: 2026, blocks: BLOCKS, validatorsPerBlock: 1.75, compactShares: true });
  writeFileSync(path, blocks.map((block) => JSON.stringify(block)).join('\n'));
  const events = blocks.reduce((sum, block) => sum + block.events.length, 0);
  const last = blocks[blocks.length - 1].number;
  const report: Record<string, unknown> = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    file: { blocks: blocks.length, events, bytes: statSync(path).size, generatedSeconds: round((performance.now() - generated) / 1000, 2) },
    ingest: {} as Record<string, unknown>,
  };

  let keep: TestSystem | undefined;
  for (const consumers of [1, 2]) {
    const runs: { seconds: number; ingestSeconds: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { system, seconds, ingestSeconds, meta } = await ingestRun(path, consumers);
      if (meta.blocksApplied !== blocks.length) throw new Error(`applied ${meta.blocksApplied} of ${blocks.length} blocks`);
      runs.push({ seconds, ingestSeconds });
      if (!keep && consumers === 1 && run === RUNS - 1) keep = system;
      else await system.stop();
    }
    const seconds = median(runs.map((r) => r.seconds));
    (report['ingest'] as Record<string, unknown>)[`${consumers}-consumer${consumers > 1 ? 's' : ''}`] = {
      runs: runs.map((r) => round(r.seconds, 2)),
      medianSeconds: round(seconds, 2),
      blocksPerSecond: round(blocks.length / seconds, 0),
      eventsPerSecond: round(events / seconds, 0),
      medianIngestCommandSeconds: round(median(runs.map((r) => r.ingestSeconds)), 2),
    };
  }

  const system = keep!;
  const heights = [Math.round(last * 0.1), Math.round(last * 0.5), last];
  const latency: Record<string, unknown> = {};
  for (const height of heights) {
    const times: number[] = [];
    let size = {};
    for (let i = 0; i < STATE_REQUESTS; i++) {
      const started = performance.now();
      const response = await fetch(`${system.apiUrl}/state?fileName=bench.ndjson&blockNumber=${height}`);
      const body = (await response.json()) as Record<string, unknown[]>;
      times.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`state at ${height}: ${response.status}`);
      size = { operators: body['operators'].length, validators: body['validators'].length, clusters: body['clusters'].length, accounts: body['accounts'].length };
    }
    latency[`block ${height}`] = { ...size, medianMs: round(median(times)), p99Ms: round(percentile(times, 99)) };
  }
  report['stateLatency'] = latency;
  await system.stop();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
