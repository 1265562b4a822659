// Runs one app from its build: `node tools/run-app.mjs <app> [args...]`. Builds it first (a cache
// hit when nothing changed), then hands over the terminal, the signals and the exit code.
import { spawn } from 'node:child_process';
import { appEntry, buildApps } from './lib/build-apps.mjs';

const [app, ...args] = process.argv.slice(2);
if (!['api', 'consumer', 'producer'].includes(app ?? '')) {
  console.error('usage: node tools/run-app.mjs <api|consumer|producer> [args...]');
  process.exit(2);
}
buildApps([app]);
const child = spawn(process.execPath, ['--enable-source-maps', appEntry(app), ...args], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
// npm does not always pass signals on: when it is gone, stop the app as SIGTERM would.
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    child.kill('SIGTERM');
  }
}, 1000).unref();
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
