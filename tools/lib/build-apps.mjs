import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const workspace = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Builds the apps through Nx (cache hits when nothing changed), quietly unless it fails. */
export function buildApps(apps) {
  const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', ...apps, '--output-style=static'], {
    cwd: workspace,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (build.status !== 0) {
    process.stderr.write(build.stdout + build.stderr);
    process.stderr.write(`\nbuilding ${apps.join(', ')} failed\n`);
    process.exit(1);
  }
}

export function appEntry(app) {
  return join(workspace, 'dist/apps', app, 'src/main.js');
}
