// `npm start`: the whole system on one machine — the API, one consumer and the producer, which
// ingests the sample files of ./data. Uses REDIS_URL (default redis://127.0.0.1:6379); when
// nothing answers there and redis-server is installed, runs a private Redis for the session.
// Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { appEntry, buildApps, workspace } from './lib/build-apps.mjs';

const port = Number(process.env.PORT ?? 5000);
const children = [];
let stopping = false;

function log(line) {
  process.stdout.write(`[start] ${line}\n`);
}

function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
    server.on('error', reject);
  });
}

async function redisAnswers(url) {
  const { Redis } = await import('ioredis');
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

function run(name, command, args, env) {
  const child = spawn(command, args, { cwd: workspace, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} exited (${signal ?? code}); stopping everything`);
      stop(1);
    }
  });
  children.push({ name, child });
  return child;
}

const exited = (child) =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  log('stopping...');
  const timeout = setTimeout(() => children.forEach(({ child }) => child.kill('SIGKILL')), 20_000);
  // Apps first, Redis last: the apps need it to finish their jobs.
  const apps = children.filter(({ name }) => name !== 'redis').map(({ child }) => child);
  const redis = children.find(({ name }) => name === 'redis')?.child;
  apps.forEach((child) => child.kill('SIGTERM'));
  await Promise.all(apps.map(exited));
  if (redis) {
    redis.kill('SIGTERM');
    await exited(redis);
  }
  clearTimeout(timeout);
  log('stopped');
  process.exit(code);
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
// npm does not always pass signals on: when it is gone (SIGTERM to its pid), stop everything too.
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    stop(0);
  }
}, 1000).unref();

log('building the apps...');
buildApps(['api', 'consumer', 'producer']);

let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
if (!(await redisAnswers(redisUrl))) {
  const installed = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!installed) {
    process.stderr.write(
      `Redis does not answer at ${redisUrl}, and redis-server is not installed.\n` +
        'Start Redis (for example: sudo apt install redis-server, or docker compose up -d redis) or set REDIS_URL, then run npm start again.\n',
    );
    process.exit(1);
  }
  // The port of REDIS_URL when it is free (so `npm run ingest` finds this Redis), else any.
  const wanted = new URL(redisUrl);
  const local = ['127.0.0.1', 'localhost'].includes(wanted.hostname);
  const redisPort = local && (await portFree(Number(wanted.port || 6379))) ? Number(wanted.port || 6379) : await freePort();
  log(`Redis does not answer at ${redisUrl}: starting a private Redis on port ${redisPort} for this run (kept in memory only)`);
  run('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction']);
  redisUrl = `redis://127.0.0.1:${redisPort}`;
  for (let i = 0; i < 50 && !(await redisAnswers(redisUrl)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}

const env = { REDIS_URL: redisUrl, LOG_FORMAT: process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json') };
const node = [process.execPath, '--enable-source-maps'];
run('api', node[0], [node[1], appEntry('api')], { ...env, PORT: String(port) });
run('consumer', node[0], [node[1], appEntry('consumer')], env);
run('producer', node[0], [node[1], appEntry('producer')], { ...env, DATA_DIR: process.env.DATA_DIR ?? 'data' });

const base = `http://127.0.0.1:${port}`;
let up = false;
for (let i = 0; i < 150 && !stopping && !up; i++) {
  try {
    up = (await fetch(`${base}/health`)).ok;
  } catch {
    /* not listening yet */
  }
  if (!up) await new Promise((resolve) => setTimeout(resolve, 200));
}
if (!up) {
  if (!stopping) {
    log(`the API did not answer on ${base}; stopping`);
    await stop(1);
  }
} else {
  log(`the system is running; the sample files of ./data are being ingested.`);
  log(`try: ${base}/state?fileName=blocks.json&blockNumber=2`);
  log(`     ${base}/files   ${base}/status   ${base}/queues   ${base}/docs`);
  if (redisUrl !== (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')) {
    log(`other commands reach this system with REDIS_URL=${redisUrl} (e.g. REDIS_URL=${redisUrl} npm run ingest -- <file>)`);
  }
  log('Ctrl-C stops everything.');
}
