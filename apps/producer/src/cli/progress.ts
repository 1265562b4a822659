/**
 * Progress for people: one redrawn line with a bar in a terminal, plain lines (at most one a
 * second) when the output goes to a file or a pipe.
 */
export class ProgressLine {
  private lastPlain = 0;
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(label: string, done: number, total: number | undefined, detail = ''): void {
    if (this.out.isTTY) {
      const width = 28;
      const share = total ? Math.min(1, done / total) : 0;
      const bar = total ? `[${'#'.repeat(Math.round(share * width)).padEnd(width, '.')}] ${(share * 100).toFixed(0).padStart(3)}% ` : '';
      this.out.write(`\r\x1b[2K${label} ${bar}${done}${total ? `/${total}` : ''} ${detail}`);
      this.drawn = true;
      return;
    }
    const now = Date.now();
    if (now - this.lastPlain >= 1000 || (total !== undefined && done >= total)) {
      this.lastPlain = now;
      this.out.write(`${label} ${done}${total ? `/${total}` : ''} ${detail}\n`);
    }
  }

  /** Ends the redrawn line so that what follows starts on its own. */
  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
