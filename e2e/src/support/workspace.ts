import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const WORKSPACE = resolve(__dirname, '../../..');
export const SHARED_FIXTURES = resolve(WORKSPACE, '../shared/fixtures');
export const OWN_FIXTURES = join(WORKSPACE, 'e2e/fixtures');
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export function appEntry(app: 'api' | 'consumer' | 'producer'): string {
  const entry = join(WORKSPACE, 'dist/apps', app, 'src/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build the apps first (npx nx run-many -t build)`);
  return entry;
}

/** The shared fixtures are optional: a fresh clone has none. Tests that need them say they skipped. */
export function sharedFixturesPresent(suite: string): boolean {
  const present = existsSync(SHARED_FIXTURES);
  if (!present) {
    console.warn(`SKIPPED ${suite}: ${SHARED_FIXTURES} is not there (it is optional; the project's own fixtures ran)`);
  }
  return present;
}
