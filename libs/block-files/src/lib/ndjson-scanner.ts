import { tooDeepAt } from './json-text';
import { BlockScanner, DEFAULT_MAX_BLOCK_CHARS, ScanItem, tooDeep, tooLarge } from './scan';

/**
 * Splits NDJSON text into lines, one block per line. Blank lines (whitespace only) are skipped
 * but counted, so that line numbers match the file; a `\r` before the newline is dropped.
 * A line is never parsed here: the reader parses the lines one at a time. A line nested deeper
 * than MAX_NESTING_DEPTH is refused here, before anything parses or walks it.
 */
export class NdjsonScanner implements BlockScanner {
  private pieces: string[] = [];
  private pendingChars = 0;
  private line = 1;
  private index = 0;

  constructor(private readonly maxBlockChars = DEFAULT_MAX_BLOCK_CHARS) {}

  push(chunk: string, out: ScanItem[]): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      const newline = chunk.indexOf('\n', i);
      if (newline < 0) {
        this.keep(chunk.slice(i));
        return;
      }
      let text = chunk.slice(i, newline);
      if (this.pieces.length > 0) {
        this.keep(text);
        text = this.pieces.join('');
        this.pieces = [];
        this.pendingChars = 0;
      } else if (text.length > this.maxBlockChars) {
        throw tooLarge(this.index, this.line, this.maxBlockChars);
      }
      this.emit(text, out, false);
      this.line += 1;
      i = newline + 1;
    }
  }

  end(out: ScanItem[]): void {
    if (this.pieces.length === 0) return;
    const text = this.pieces.join('');
    this.pieces = [];
    this.pendingChars = 0;
    this.emit(text, out, true);
  }

  /** Where the scan stands, for a problem found outside the scanner (bytes that are not UTF-8). */
  where(): { line: number; blockIndex?: number } {
    return { line: this.line, blockIndex: this.index };
  }

  private keep(piece: string): void {
    if (piece.length === 0) return;
    this.pendingChars += piece.length;
    if (this.pendingChars > this.maxBlockChars) throw tooLarge(this.index, this.line, this.maxBlockChars);
    this.pieces.push(piece);
  }

  private emit(text: string, out: ScanItem[], unterminated: boolean): void {
    if (text.length > 0 && text.charCodeAt(text.length - 1) === 0x0d) text = text.slice(0, -1);
    // A block line starts with '{' (the common case, checked first); anything else may be blank.
    if (text.charCodeAt(0) !== 0x7b && isBlank(text)) return;
    const deep = tooDeepAt(text);
    if (deep >= 0) throw tooDeep(this.index, this.line, `line ${this.line}, column ${deep + 1}`, text.slice(0, deep + 1));
    const item: ScanItem = { kind: 'block', text, index: this.index, line: this.line };
    if (unterminated) item.unterminated = true;
    out.push(item);
    this.index += 1;
  }
}

/** Only JSON whitespace (space, tab, carriage return): a line with anything else is a block. */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}
