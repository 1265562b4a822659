import { ChildProcess, spawn } from 'node:child_process';
import { appEntry, WORKSPACE } from './workspace';

/** A running app process, with its output kept for the failure message of a test. */
export class AppProcess {
  readonly output: string[] = [];
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 400) this.output.splice(0, 100);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exit;
  }

  /** Sends a signal and waits for the exit (SIGKILL at the deadline). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', deadlineMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const started = Date.now();
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), deadlineMs);
    const result = await this.exit;
    clearTimeout(timer);
    return { ...result, ms: Date.now() - started };
  }

  log(): string {
    return this.output.join('');
  }
}

export function startApp(app: 'api' | 'consumer' | 'producer', env: Record<string, string>, args: string[] = []): AppProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', appEntry(app), ...args], {
    cwd: WORKSPACE,
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new AppProcess(app, child);
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an app as a command to its end (the producer's `ingest`). */
export function runApp(app: 'producer', env: Record<string, string>, args: string[], timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', appEntry(app), ...args], {
      cwd: WORKSPACE,
      env: { ...process.env, LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
