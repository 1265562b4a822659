import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { appEntry, WORKSPACE } from '../support/workspace';

/**
 * The container files, checked without Docker (this machine has no engine): docker-compose.yml
 * and the Dockerfile are parsed, and what they name is compared with the workspace — the build
 * command, the built entry points, the settings the apps read, the packages dist/ requires.
 */

const APPS = ['api', 'consumer', 'producer'] as const;
type App = (typeof APPS)[number];

const read = (path: string) => readFileSync(join(WORKSPACE, path), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string> };

// ---------- docker-compose.yml ----------

type Service = Record<string, unknown>;
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const service = (name: string): Service => compose.services[name] ?? {};

function environment(svc: Service): Record<string, string> {
  const env = svc['environment'];
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((line) => String(line).split(/=(.*)/s, 2) as [string, string]));
  }
  return Object.fromEntries(Object.entries((env ?? {}) as Record<string, unknown>).map(([key, value]) => [key, String(value ?? '')]));
}

function words(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? value.trim().split(/\s+/) : [];
}

/** Compose durations: "30s", "1m30s", "500ms". */
function seconds(duration: unknown): number {
  const text = String(duration ?? '');
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|us|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) throw new Error(`not a duration: "${text}"`);
  return parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * units[unit!]!, 0);
}

/** The container side of each published port. */
function containerPorts(svc: Service): number[] {
  return ((svc['ports'] ?? []) as unknown[]).map((port) => {
    if (typeof port === 'object' && port !== null) return Number((port as { target: unknown }).target);
    return Number(String(port).split('/')[0]!.split(':').pop());
  });
}

interface Mount {
  type: string;
  source: string;
  target: string;
  readOnly: boolean;
}

function mounts(svc: Service): Mount[] {
  return ((svc['volumes'] ?? []) as unknown[]).map((volume) => {
    if (typeof volume === 'object' && volume !== null) {
      const long = volume as { type?: string; source?: string; target: string; read_only?: boolean };
      return { type: long.type ?? 'volume', source: long.source ?? '', target: long.target, readOnly: long.read_only === true };
    }
    const [source = '', target = '', mode = ''] = String(volume).split(':');
    const type = /^[./~]/.test(source) ? 'bind' : 'volume';
    return { type, source, target, readOnly: mode.split(',').includes('ro') };
  });
}

function healthcheckCommand(svc: Service): string[] {
  const test = (svc['healthcheck'] as { test?: unknown } | undefined)?.test;
  const parts = words(test);
  if (Array.isArray(test) && test[0] === 'CMD-SHELL') return words(test.slice(1).join(' '));
  return parts[0] === 'CMD' || parts[0] === 'NONE' ? parts.slice(1) : parts;
}

// ---------- Dockerfile ----------

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** A simple Dockerfile reader: comments dropped, continuation lines joined, one entry per instruction. */
function readDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue; // a comment, even inside a continued instruction
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  if (current.trim()) logical.push(current.trim());

  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/s.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest };
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = rest.replace(/--platform=\S+\s+/, '').split(/\s+/);
      const resolved = image.replace(/\$\{?(\w+)\}?/g, (_match, arg: string) => args[arg] ?? '');
      stages.push({ image: resolved, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name = '', value = ''] = rest.split(/=(.*)/s, 2);
        args[name.trim()] = value.trim().replace(/^"(.*)"$/, '$1');
      }
    } else {
      stages[stages.length - 1]!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** CMD / ENTRYPOINT as argv: the exec form (JSON), or the shell form run by /bin/sh -c. */
function argv(instruction: Instruction | undefined): string[] {
  if (!instruction) return [];
  const text = instruction.args.trim();
  if (text.startsWith('[')) return (JSON.parse(text) as unknown[]).map(String);
  return ['/bin/sh', '-c', text];
}

/** ENV, in both forms: `ENV A=1 B="two"` and `ENV A 1`. */
function envNames(instruction: Instruction): string[] {
  const text = instruction.args.trim();
  if (!/^\w+=/.test(text)) return [text.split(/\s+/)[0]!];
  return [...text.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)].map((match) => match[1]!);
}

const dockerfile = readDockerfile(read('Dockerfile'));
const finalStage = dockerfile.stages[dockerfile.stages.length - 1]!;
const of = (stage: Stage, keyword: string) => stage.instructions.filter((instruction) => instruction.keyword === keyword);
const stageNamed = (name: string) => dockerfile.stages.find((stage) => stage.name === name);
/** `COPY --from=stage src... dest`: the stage, the sources, the destination. */
function copies(stage: Stage): { from?: string; sources: string[]; dest: string }[] {
  return of(stage, 'COPY').map(({ args }) => {
    const parts = args.trim().split(/\s+/);
    const flags = parts.filter((part) => part.startsWith('--'));
    const paths = parts.filter((part) => !part.startsWith('--'));
    const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
    return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] ?? '' };
  });
}

// ---------- the workspace ----------

/** The entry point an argv starts: `dist/apps/<app>/src/main.js`. */
function entryOf(command: string[]): { app: string; path: string } | undefined {
  for (const word of command) {
    const match = /(?:^|\/)(dist\/apps\/([\w-]+)\/src\/main\.js)$/.exec(word);
    if (match) return { app: match[2]!, path: match[1]! };
  }
  return undefined;
}

function fieldsOfClasses(source: string): string[] {
  return [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]*)\??\s*(?::[^=;\n]+)?=/gm)].map((match) => match[1]!);
}

function* sources(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'testing') yield* sources(path);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) yield path;
  }
}

function envReads(dir: string): string[] {
  const names: string[] = [];
  for (const file of sources(dir)) {
    for (const match of readFileSync(file, 'utf8').matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)) {
      names.push((match[1] ?? match[2])!);
    }
  }
  return names;
}

/** The environment variables an app reads: its settings class, BaseConfig's, and direct reads. */
function settingsOf(app: App): Set<string> {
  const platform = read('libs/platform/src/lib/config.ts');
  const base = /export class BaseConfig\b[\s\S]*?\n}/.exec(platform)?.[0] ?? '';
  const appDir = join(WORKSPACE, 'apps', app, 'src');
  const own = readdirSync(appDir)
    .filter((name) => name.endsWith('config.ts'))
    .flatMap((name) => fieldsOfClasses(readFileSync(join(appDir, name), 'utf8')));
  const libs = readdirSync(join(WORKSPACE, 'libs')).flatMap((lib) => envReads(join(WORKSPACE, 'libs', lib, 'src')));
  return new Set([...fieldsOfClasses(base), ...own, ...envReads(appDir), ...libs]);
}

function* builtFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* builtFiles(path);
    else if (entry.name.endsWith('.js')) yield path;
  }
}

const packageName = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

describe('docker-compose.yml', () => {
  const appServices = APPS.map((app) => [app, service(app)] as const);

  it('has redis, api, consumer and producer', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['redis', 'api', 'consumer', 'producer']));
  });

  describe('redis', () => {
    const redis = service('redis');
    const command = words(redis['command']).join(' ');

    it('never evicts and keeps an append-only file', () => {
      expect(String(redis['image'])).toMatch(/^redis:7/);
      expect(command).toMatch(/--maxmemory-policy\s+noeviction\b/);
      expect(command).toMatch(/--appendonly\s+yes\b/);
    });

    it('has a healthcheck (redis-cli ping) and a named volume for /data', () => {
      expect(healthcheckCommand(redis).join(' ')).toMatch(/redis-cli.*\bping\b/);
      const data = mounts(redis).find((mount) => mount.target === '/data');
      expect(data).toMatchObject({ type: 'volume' });
      expect(Object.keys(compose.volumes ?? {})).toContain(data?.source);
    });

    it('restarts', () => {
      expect(['always', 'unless-stopped', 'on-failure']).toContain(redis['restart']);
    });
  });

  describe.each(appServices)('%s', (app, svc) => {
    it('waits for a healthy redis and uses it', () => {
      expect(svc['depends_on']).toMatchObject({ redis: { condition: 'service_healthy' } });
      expect(environment(svc)['REDIS_URL']).toMatch(/^redis:\/\/redis:6379(\/\d+)?$/);
    });

    it('restarts, and leaves the app more than its 15 s to stop', () => {
      expect(['always', 'unless-stopped', 'on-failure']).toContain(svc['restart']);
      expect(seconds(svc['stop_grace_period'])).toBeGreaterThanOrEqual(20);
    });

    it('is built from the Dockerfile at the root', () => {
      const build = svc['build'];
      const { context, dockerfile: file } = typeof build === 'string' ? { context: build, dockerfile: undefined } : ((build ?? {}) as { context?: string; dockerfile?: string });
      expect(context).toBeDefined();
      expect(resolve(WORKSPACE, context!)).toBe(WORKSPACE);
      expect(file ?? 'Dockerfile').toBe('Dockerfile');
    });

    it(`runs dist/apps/${app}/src/main.js, which the build makes`, () => {
      const command = words(svc['command']);
      const entry = entryOf(command);
      expect(entry?.app).toBe(app);
      expect(existsSync(appEntry(app))).toBe(true);
      expect(command).toContain('--enable-source-maps');
    });

    it('sets only settings the app reads', () => {
      const settings = settingsOf(app);
      const unknown = Object.keys(environment(svc)).filter((name) => !settings.has(name));
      expect(unknown).toEqual([]);
    });
  });

  it('builds every app from the same build (one image)', () => {
    const builds = appServices.map(([, svc]) => JSON.stringify([svc['build'], svc['image'] ?? null]));
    expect(new Set(builds).size).toBe(1);
  });

  it('api: publishes 5000 and checks /health with a tool the image has', () => {
    const api = service('api');
    expect(containerPorts(api)).toContain(5000);
    const port = environment(api)['PORT'];
    if (port !== undefined) expect(port).toBe('5000');
    const command = healthcheckCommand(api);
    expect(command.join(' ')).toMatch(/(127\.0\.0\.1|localhost):5000\/health\b/);
    // node is in every node image; busybox wget only in the alpine ones; curl in neither.
    const tools = /alpine/.test(finalStage.image) ? ['node', 'wget'] : ['node'];
    expect(tools).toContain(command[0]);
  });

  it('consumer: scalable (no container_name, no published ports)', () => {
    const consumer = service('consumer');
    expect(consumer['container_name']).toBeUndefined();
    expect(consumer['ports']).toBeUndefined();
  });

  it('producer: DATA_DIR is a mount that holds the sample block files', () => {
    const producer = service('producer');
    const dataDir = environment(producer)['DATA_DIR'];
    expect(dataDir).toMatch(/^\//);
    const mount = mounts(producer).find((candidate) => candidate.target.replace(/\/$/, '') === dataDir!.replace(/\/$/, ''));
    expect(mount).toBeDefined();
    if (mount!.type === 'bind') {
      const source = resolve(WORKSPACE, mount!.source);
      expect(statSync(source).isDirectory()).toBe(true);
      expect(readdirSync(source).some((name) => /\.(json|ndjson|jsonl)$/.test(name))).toBe(true);
    } else {
      expect(Object.keys(compose.volumes ?? {})).toContain(mount!.source);
    }
  });
});

describe('Dockerfile', () => {
  const buildScript = packageJson.scripts['build']!;

  it('is multi-stage, on Node 20', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile.stages) expect(stage.image).toMatch(/^node:20(\.|-|$)/);
  });

  it(`builds with npm ci and the build script of package.json ("${buildScript}")`, () => {
    const builder = dockerfile.stages.find((stage) => of(stage, 'RUN').some(({ args }) => args.includes(buildScript) || /\bnpm run build\b/.test(args)));
    expect(builder).toBeDefined();
    const runs = of(builder!, 'RUN').map(({ args }) => args);
    const install = runs.findIndex((args) => /\bnpm ci\b/.test(args) && !/--omit=dev|--production/.test(args));
    const build = runs.findIndex((args) => args.includes(buildScript) || /\bnpm run build\b/.test(args));
    expect(install).toBeGreaterThanOrEqual(0);
    expect(install).toBeLessThan(build);
  });

  it('runs as a user other than root, with NODE_ENV=production', () => {
    const user = of(finalStage, 'USER').pop()?.args.trim();
    expect(user).toBeDefined();
    expect(['root', '0', '0:0', 'root:root']).not.toContain(user);
    const env = of(finalStage, 'ENV').map(({ args }) => args).join(' ');
    expect(env).toMatch(/\bNODE_ENV=("?)production\1(\s|$)/);
  });

  it('ships dist/, production node_modules and package.json only (no sources, no dev dependencies)', () => {
    const copied = copies(finalStage);
    const dist = copied.find((copy) => copy.sources.some((source) => /(^|\/)dist\/?$/.test(source)));
    expect(dist?.from).toBeDefined();
    const modules = copied.find((copy) => copy.sources.some((source) => /node_modules\/?$/.test(source)));
    expect(modules?.from).toBeDefined();
    const depsStage = stageNamed(modules!.from!) ?? dockerfile.stages[Number(modules!.from)];
    expect(of(depsStage!, 'RUN').some(({ args }) => /\bnpm (ci|prune|install)\b.*(--omit=dev|--production)/.test(args))).toBe(true);
    expect(copied.some((copy) => copy.sources.some((source) => /^(\.\/)?package\.json$/.test(source)))).toBe(true);
    const sourcesCopied = copied.filter((copy) => !copy.from).flatMap((copy) => copy.sources);
    expect(sourcesCopied.filter((source) => /^(\.\/?|apps|libs|tools|e2e)(\/|$)/.test(source))).toEqual([]);
    expect(of(finalStage, 'RUN').filter(({ args }) => /\b(npm|npx|nx)\b/.test(args))).toEqual([]);
  });

  it('starts a built app by default, with source maps', () => {
    const command = [...argv(of(finalStage, 'ENTRYPOINT').pop()), ...argv(of(finalStage, 'CMD').pop())];
    const entry = entryOf(command);
    expect(APPS).toContain(entry?.app);
    expect(existsSync(appEntry(entry!.app as App))).toBe(true);
    expect(command.join(' ')).toMatch(/--enable-source-maps|NODE_OPTIONS/);
  });

  it('sets only environment variables the apps read (and NODE_ENV)', () => {
    const known = new Set(['NODE_ENV', 'NODE_OPTIONS', ...APPS.flatMap((app) => [...settingsOf(app)])]);
    const names = of(finalStage, 'ENV').flatMap(envNames);
    expect(names.filter((name) => !known.has(name))).toEqual([]);
  });

  it('dist/ requires only dependencies (not devDependencies) and node built-ins', () => {
    const builtins = new Set(builtinModules);
    const required = new Set<string>();
    for (const root of ['dist/apps', 'dist/libs']) {
      for (const file of builtFiles(join(WORKSPACE, root))) {
        const code = readFileSync(file, 'utf8');
        for (const match of code.matchAll(/\b(?:require|import)\(\s*["']([^"'.][^"']*)["']\s*\)/g)) required.add(match[1]!);
        // pino loads its transports by name, in a worker (LOG_FORMAT=pretty or a terminal).
        for (const match of code.matchAll(/\btarget:\s*["'](pino-[\w-]+)["']/g)) required.add(match[1]!);
      }
    }
    expect(required.size).toBeGreaterThan(0);
    const missing = [...required]
      .filter((specifier) => !specifier.startsWith('node:') && !builtins.has(specifier))
      .map(packageName)
      .filter((name) => !(name in packageJson.dependencies));
    expect([...new Set(missing)]).toEqual([]);
  });
});

describe('.dockerignore', () => {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  /** Docker's rules, simply: paths from the context root, `*` within a name, `**` across, `!` re-includes, the last match wins, a directory takes its content along. */
  const rules = patterns.map((line) => {
    const include = line.startsWith('!');
    const glob = line.replace(/^!/, '').replace(/^\//, '').replace(/\/$/, '');
    const source = glob
      .split(/(\*\*\/?|\*|\?)/)
      .map((part) => (part.startsWith('**') ? '(.*/)?' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    return { include, regex: new RegExp(`^${source}$`) };
  });
  const excluded = (path: string) => {
    const segments = path.split('/');
    const prefixes = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
    let out = false;
    for (const rule of rules) if (prefixes.some((prefix) => rule.regex.test(prefix))) out = !rule.include;
    return out;
  };

  it('keeps node_modules, dist, the Nx cache and .git out of the build context', () => {
    const kept = ['node_modules', 'node_modules/nx/package.json', 'apps/api/node_modules', 'dist', 'dist/apps/api/src/main.js', '.nx', '.git'].filter((path) => !excluded(path));
    expect(kept).toEqual([]);
  });

  it('keeps what the build and the image need', () => {
    const needed = ['package.json', 'package-lock.json', 'nx.json', 'tsconfig.base.json', '.swcrc', 'tools/build.mjs', 'apps/api/src/main.ts', 'libs/platform/src/index.ts', 'data/blocks.json'];
    expect(needed.filter(excluded)).toEqual([]);
    expect(excluded('data/run.sim.ndjson')).toBe(true);
  });
});
