import { BLOCKS_QUEUE, QUEUE_NAMES } from '@bqm/store';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, BrowserContextOptions, chromium, Page, Response } from 'playwright-core';
import { AppProcess, startApp } from '../support/processes';
import { freePort, TestSystem } from '../support/system';
import { REDIS_URL, WORKSPACE } from '../support/workspace';

/**
 * The queue dashboard (bull-board at /queues on the API), driven by a real headless Chromium over
 * the real system: the page and its assets load through the API's Express/Nest stack, it lists
 * every queue, its counts are the real queue's, it offers no action unless BOARD_READ_ONLY=false,
 * and BOARD_USER/BOARD_PASSWORD put it behind basic auth.
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`SKIPPED the queue dashboard browser tests: ${CHROMIUM} is not there (install it: apt-get install -y chromium)`);
}
const describeWithBrowser = haveChromium ? describe : describe.skip;

const SAMPLE = join(WORKSPACE, 'data/blocks.json');
const SAMPLE_BLOCKS = (JSON.parse(readFileSync(SAMPLE, 'utf8')) as unknown[]).length;
const BOARD_TITLE = 'Block Queue Manager';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A browser of its own: `launch` gives it a fresh temporary profile (user-data-dir), removed at
 * `close`; every context is a fresh session on top of it (no cookies, no cached credentials).
 */
function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * A browser session that only reaches the API under test: the board's page also links Google Fonts,
 * which are refused so the test never depends on the internet (the UI falls back to system fonts).
 */
async function newSession(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
  return context;
}

interface Visit {
  page: Page;
  response: Response;
  /** Every answer from /queues the page received (the page, its scripts, styles, images and JSON). */
  boardResponses: Response[];
  /** Requests to the API under test that got no answer at all. */
  failures: string[];
}

async function visit(context: BrowserContext, url: string): Promise<Visit> {
  const page = await context.newPage();
  const boardResponses: Response[] = [];
  const failures: string[] = [];
  const origin = new URL(url).origin;
  page.on('response', (response) => {
    if (response.url().startsWith(`${origin}/queues`)) boardResponses.push(response);
  });
  page.on('requestfailed', (request) => {
    if (request.url().startsWith(origin)) failures.push(`${request.url()}: ${request.failure()?.errorText}`);
  });
  const response = await page.goto(url);
  if (!response) throw new Error(`no response for ${url}`);
  return { page, response, boardResponses, failures };
}

/** The count the status tab of a queue's page shows (no badge: 0); job links and the sidebar's link end in `?status=…` too. */
async function tabCount(page: Page, status: string, queue = BLOCKS_QUEUE): Promise<number> {
  const text = await page.locator(`main a[href="/queues/queue/${queue}?status=${status}"]`).innerText();
  const count = /(\d+)\s*$/.exec(text);
  return count ? Number(count[1]) : 0;
}

/** Waits until the check holds, so a board still fetching its data is not read too early. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Another API process over the same system (its Redis and key prefix), with settings of its own. */
async function startExtraApi(system: TestSystem, env: Record<string, string>): Promise<{ app: AppProcess; url: string }> {
  const port = await freePort();
  const app = startApp('api', { ...system.environment, PORT: String(port), HOST: '127.0.0.1', ...env });
  const url = `http://127.0.0.1:${port}`;
  await system.waitUntil(
    async () => {
      if (!app.running) throw new Error(`the api did not start:\n${app.log()}`);
      return fetch(`${url}/files`).then(
        (response) => response.ok,
        () => false,
      );
    },
    'the second api',
    30_000,
  );
  return { app, url };
}

const jobIds = async (system: TestSystem, status: 'completed' | 'waiting') =>
  (await system.queue.getJobs([status])).map((job) => job.id!).sort();

// The tests of this suite build on each other, in order: a file applied (completed jobs), then a
// file waiting with no consumer, then the read-only and the writable board over those jobs.
describeWithBrowser('queue dashboard at /queues (headless Chromium)', () => {
  let system: TestSystem;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    [system, browser] = await Promise.all([TestSystem.start({ consumers: 1 }), launchBrowser()]);
    context = await newSession(browser);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  }, 60_000);

  it('serves the page and every asset it loads through the API, and lists every queue of the system', async () => {
    const { page, response, boardResponses, failures } = await visit(context, `${system.apiUrl}/queues`);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toContain('text/html');
    for (const name of QUEUE_NAMES) await page.locator(`nav a[title="${name}"]`).waitFor();
    expect(QUEUE_NAMES).toContain(BLOCKS_QUEUE);
    expect(await page.title()).toBe(BOARD_TITLE);
    // The overview has a card per queue, and its data came from the board's own JSON API.
    for (const name of QUEUE_NAMES) await page.locator(`main a[title="${name}"]`).waitFor();

    const assets = boardResponses.filter((r) => r.url().includes('/queues/static/'));
    expect(assets.some((r) => r.url().endsWith('.js'))).toBe(true);
    expect(assets.some((r) => r.url().endsWith('.css'))).toBe(true);
    expect(boardResponses.some((r) => r.url().includes('/queues/api/queues'))).toBe(true);
    const bad = boardResponses.filter((r) => r.status() >= 400).map((r) => `${r.status()} ${r.url()}`);
    expect(bad).toEqual([]);
    expect(failures).toEqual([]);
    await page.close();
  });

  it("serves the board's own routes, and leaves other paths to the API's error answers", async () => {
    // Deep links of the single-page app are the board's, not the API's 404.
    for (const path of ['/queues/', `/queues/queue/${BLOCKS_QUEUE}`, `/queues/queue/${BLOCKS_QUEUE}?status=failed`]) {
      const response = await fetch(`${system.apiUrl}${path}`);
      expect([path, response.status, response.headers.get('content-type')]).toEqual([path, 200, 'text/html; charset=utf-8']);
    }
    // The board's JSON keeps its own error format (the API's filter does not rewrite it)...
    const unknownQueue = await fetch(`${system.apiUrl}/queues/api/queues/nope/some-job`);
    expect(unknownQueue.status).toBe(404);
    expect(await unknownQueue.json()).toEqual({ error: { key: 'ERRORS.QUEUE_NOT_FOUND' } });
    // ...and what the board does not serve falls through to the API's own 404.
    const elsewhere = await system.get('/queues/no-such-page');
    expect(elsewhere).toEqual({ status: 404, body: { error: 'not_found', message: 'Cannot GET /queues/no-such-page' } });
  });

  it('shows the completed jobs of the real queue once a consumer has applied a file', async () => {
    expect((await system.ingest([SAMPLE, '--wait'])).code).toBe(0);
    // `--wait` ends when the blocks are applied; BullMQ marks the last job completed just after.
    await system.waitUntil(async () => (await system.queue.getJobCounts('completed')).completed === SAMPLE_BLOCKS, 'the jobs to complete');
    const counts = await system.queue.getJobCounts();
    const completed = await jobIds(system, 'completed');
    expect(counts.completed).toBe(SAMPLE_BLOCKS);

    const { page } = await visit(context, `${system.apiUrl}/queues/queue/${BLOCKS_QUEUE}?status=completed`);
    for (const id of completed) await page.getByText(id, { exact: true }).waitFor();
    expect(await tabCount(page, 'completed')).toBe(counts.completed);
    expect(await tabCount(page, 'waiting')).toBe(counts.waiting);
    expect(await tabCount(page, 'failed')).toBe(counts.failed);

    // The overview's card of the queue adds them up.
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    await page.goto(`${system.apiUrl}/queues`);
    await page.getByText(`${total} Jobs`, { exact: true }).waitFor();
    await page.close();
  });

  it('shows the waiting jobs while no consumer runs', async () => {
    await Promise.all(system.consumers.map((consumer) => consumer.stop('SIGTERM')));
    expect((await system.ingest([SAMPLE, '--name', 'pending.json'])).code).toBe(0);
    const counts = await system.queue.getJobCounts();
    const waiting = await jobIds(system, 'waiting');
    expect(counts.waiting).toBe(SAMPLE_BLOCKS);
    expect(waiting.every((id) => id.startsWith('pending.json--'))).toBe(true);

    const { page } = await visit(context, `${system.apiUrl}/queues/queue/${BLOCKS_QUEUE}?status=waiting`);
    for (const id of waiting) await page.getByText(id, { exact: true }).waitFor();
    expect(await tabCount(page, 'waiting')).toBe(counts.waiting);
    expect(await tabCount(page, 'completed')).toBe(counts.completed);
    expect(await tabCount(page, 'active')).toBe(0);
    await page.close();
  });

  it('is read-only by default: no action is offered, and the board API refuses them', async () => {
    const before = await system.queue.getJobCounts();
    const page = await context.newPage();
    for (const status of ['completed', 'waiting']) {
      await page.goto(`${system.apiUrl}/queues/queue/${BLOCKS_QUEUE}?status=${status}`);
      const someJob = (await jobIds(system, status as 'completed' | 'waiting'))[0]!;
      await page.getByText(someJob, { exact: true }).waitFor();
      expect(await page.getByRole('button', { name: /^(Retry all|Clean all|Promote all)$/ }).count()).toBe(0);
      expect(await page.locator('[class*="jobActions"] button').count()).toBe(0); // per job: duplicate, retry, clean, promote
      expect(await page.locator('main button[aria-haspopup="menu"]').count()).toBe(0); // the queue's menu: add, pause, empty, obliterate
    }
    // Asking anyway (same origin, as the page would): 405, and the queue is untouched.
    const answers = await page.evaluate(async (queue) => {
      const put = (path: string) => fetch(`/queues/api/queues/${queue}/${path}`, { method: 'PUT' }).then((r) => r.status);
      return [await put('retry/completed'), await put('clean/completed'), await put('promote'), await put('pause')];
    }, BLOCKS_QUEUE);
    expect(answers).toEqual([405, 405, 405, 405]);
    expect(await system.queue.getJobCounts()).toEqual(before);
    await page.close();
  });

  it('BOARD_READ_ONLY=false offers retry, clean and the queue actions, and they act on the real queue', async () => {
    const writable = await startExtraApi(system, { BOARD_READ_ONLY: 'false' });
    try {
      const page = await context.newPage();
      await page.goto(`${writable.url}/queues/queue/${BLOCKS_QUEUE}?status=completed`);
      const completed = await jobIds(system, 'completed');
      await page.getByText(completed[0]!, { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Retry all' }).waitFor();
      expect(await page.locator('[class*="jobActions"] button').count()).toBeGreaterThanOrEqual(completed.length);
      await page.locator('main button[aria-haspopup="menu"]').click();
      const menu = await page.getByRole('menuitem').allInnerTexts();
      expect(menu).toEqual(expect.arrayContaining(['Pause', 'Empty', 'Obliterate']));
      await page.keyboard.press('Escape');

      // Clean the completed jobs from the page: gone from the real queue, and from the board.
      await page.getByRole('button', { name: 'Clean all' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' }).click();
      await system.waitUntil(async () => (await system.queue.getJobCounts('completed')).completed === 0, 'the completed jobs to be cleaned', 15_000);
      await eventually(async () => (await tabCount(page, 'completed')) === 0, 'the board to show no completed job');
      expect((await system.queue.getJobCounts('waiting')).waiting).toBe(SAMPLE_BLOCKS);
      await page.close();
    } finally {
      await writable.app.stop('SIGTERM');
    }
  });
});

describeWithBrowser('queue dashboard behind basic auth (BOARD_USER, BOARD_PASSWORD)', () => {
  const USER = 'operator';
  const PASSWORD = 'correct:horse battery';
  let system: TestSystem;
  let browser: Browser;

  beforeAll(async () => {
    [system, browser] = await Promise.all([
      TestSystem.start({ consumers: 0, env: { BOARD_USER: USER, BOARD_PASSWORD: PASSWORD } }),
      launchBrowser(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  }, 60_000);

  const expectRefused = async (response: Response) => {
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toBe('Basic realm="queues", charset="UTF-8"');
  };

  it('without credentials: 401 asking for basic auth, and no board', async () => {
    const context = await newSession(browser);
    const page = await context.newPage();
    const served: Response[] = [];
    page.on('response', (response) => served.push(response));
    // Headless, nobody can answer the browser's prompt for credentials: the navigation fails on the 401.
    await expect(page.goto(`${system.apiUrl}/queues`)).rejects.toThrow('net::ERR_INVALID_AUTH_CREDENTIALS');
    expect(served.map((response) => response.url())).toEqual([`${system.apiUrl}/queues`]); // nothing else was served
    await expectRefused(served[0]!);
    expect(await page.locator('nav a[title]').count()).toBe(0);
    await context.close();
  });

  it.each([
    ['a wrong password', USER, 'wrong'],
    ['a wrong user', 'admin', PASSWORD],
    ['the right password cut short', USER, PASSWORD.slice(0, -1)],
  ])('with %s: 401', async (_case, username, password) => {
    const context = await newSession(browser, { httpCredentials: { username, password } });
    const { page, response } = await visit(context, `${system.apiUrl}/queues`);
    await expectRefused(response);
    expect(await page.locator('nav a[title]').count()).toBe(0);
    await context.close();
  });

  it('with the right credentials: the board and all its assets load', async () => {
    const context = await newSession(browser, { httpCredentials: { username: USER, password: PASSWORD } });
    const { page, response, boardResponses, failures } = await visit(context, `${system.apiUrl}/queues`);
    expect(response.status()).toBe(200);
    for (const name of QUEUE_NAMES) await page.locator(`nav a[title="${name}"]`).waitFor();
    expect(await page.title()).toBe(BOARD_TITLE);
    expect(boardResponses.some((r) => r.url().includes('/queues/static/') && r.status() === 200)).toBe(true);
    expect(boardResponses.some((r) => r.url().includes('/queues/api/queues') && r.status() === 200)).toBe(true);
    expect(boardResponses.filter((r) => r.status() >= 400).map((r) => `${r.status()} ${r.url()}`)).toEqual([]);
    expect(failures).toEqual([]);
    await context.close();
  });

  it("guards the board's assets and JSON too, and nothing else of the API", async () => {
    const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    for (const path of ['/queues', '/queues/static/images/logo.svg', '/queues/api/queues']) {
      const refused = await fetch(`${system.apiUrl}${path}`);
      expect([path, refused.status, await refused.json()]).toEqual([path, 401, { error: 'unauthorized', message: 'this page needs a user and password (HTTP basic auth)' }]);
      expect([path, (await fetch(`${system.apiUrl}${path}`, { headers: { authorization } })).status]).toEqual([path, 200]);
    }
    expect((await system.get('/files')).status).toBe(200);
  });
});

describe('queue dashboard settings', () => {
  /** Runs the API with these settings and expects it to refuse to start, saying why. */
  async function refusedStart(env: Record<string, string>): Promise<{ code: number | null; log: string }> {
    const app = startApp('api', { REDIS_URL, KEY_PREFIX: 'bqmtest-settings', PORT: String(await freePort()), HOST: '127.0.0.1', ...env });
    const timer = setTimeout(() => app.child.kill('SIGKILL'), 20_000);
    const { code } = await app.exited();
    clearTimeout(timer);
    return { code, log: app.log() };
  }

  it.each([
    [{ BOARD_USER: 'operator' }, 'BOARD_USER is set but BOARD_PASSWORD is not: basic auth on the queue dashboard (/queues) needs both (or neither)'],
    [{ BOARD_PASSWORD: 'secret' }, 'BOARD_PASSWORD is set but BOARD_USER is not: basic auth on the queue dashboard (/queues) needs both (or neither)'],
    [{ BOARD_USER: 'a:b', BOARD_PASSWORD: 'secret' }, 'BOARD_USER cannot contain ":"'],
    [{ BOARD_READ_ONLY: 'no' }, 'BOARD_READ_ONLY must be true or false, got "no"'],
  ])('%j: exit code 2, saying why', async (env, message) => {
    const { code, log } = await refusedStart(env);
    expect(code).toBe(2);
    expect(log).toContain(message);
    expect(log).not.toContain('secret');
  });
});
