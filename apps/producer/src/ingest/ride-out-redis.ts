import { FileIngestor, IngestOptions, IngestResult } from '@bqm/ingest';
import { isRedisUnavailable } from '@bqm/platform';

/** A Redis restart costs at most one try (commands wait for Redis; those in flight are aborted). */
const ATTEMPTS = 5;
const PAUSE_MS = 1000;

/**
 * Ingests a file, riding out Redis restarts: when Redis drops the connection mid-ingest, the
 * commands in flight fail and the ingest is left half-done; ingest is idempotent and resumes from
 * what was stored, so it is simply run again once Redis answers.
 */
export async function ingestRidingOutRedis(
  ingestor: FileIngestor,
  path: string,
  options: IngestOptions,
  onRetry: (error: Error, attempt: number) => void,
): Promise<IngestResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ingestor.ingest(path, options);
    } catch (error) {
      if (attempt >= ATTEMPTS || !isRedisUnavailable(error)) throw error;
      onRetry(error as Error, attempt);
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  }
}
