import { describeLogs, INGEST_USAGE, parseIngestArgs, UsageError } from './ingest.command';

const FILE = __filename;
const CONTRACT = '0xDD9BC35aE942eF0cFa76930954a156B3fF30a4E1';
const OTHER = '0x0000000000000000000000000000000000000abc';

describe('parseIngestArgs', () => {
  it('takes --format logs and repeated --address options', () => {
    expect(parseIngestArgs([FILE, '--format', 'logs', '--address', CONTRACT, '--address', OTHER])).toEqual({
      path: FILE,
      name: undefined,
      wait: false,
      replace: false,
      format: 'logs',
      addresses: [CONTRACT, OTHER],
    });
  });

  it('leaves format and addresses out when not given (the reader detects the format)', () => {
    const args = parseIngestArgs([FILE]);
    expect(args.format).toBeUndefined();
    expect(args).not.toHaveProperty('addresses');
    // --address without --format: the file may be detected as logs.
    expect(parseIngestArgs([FILE, `--address=${OTHER}`]).addresses).toEqual([OTHER]);
  });

  it.each(['json', 'ndjson', 'logs'])('accepts --format %s', (format) => {
    expect(parseIngestArgs([FILE, '--format', format]).format).toBe(format);
  });

  it.each([
    [['--format', 'csv'], '--format must be json, ndjson or logs, got csv'],
    [['--address', '0x1234'], '--address must be a contract address (0x followed by 40 hex digits), got 0x1234'],
    [['--address', `${OTHER}0`], `--address must be a contract address (0x followed by 40 hex digits), got ${OTHER}0`],
    [['--address', OTHER.slice(2)], `--address must be a contract address (0x followed by 40 hex digits), got ${OTHER.slice(2)}`],
    [['--address', `0x${'g'.repeat(40)}`], `--address must be a contract address (0x followed by 40 hex digits), got 0x${'g'.repeat(40)}`],
    [['--format', 'json', '--address', OTHER], '--address applies to logs files, not to --format json'],
    [['--format', 'ndjson', '--address', OTHER], '--address applies to logs files, not to --format ndjson'],
  ])('refuses %j as a usage mistake', (extra, message) => {
    expect(() => parseIngestArgs([FILE, ...extra])).toThrow(UsageError);
    expect(() => parseIngestArgs([FILE, ...extra])).toThrow(message);
  });

  it('refuses --address without a value', () => {
    expect(() => parseIngestArgs([FILE, '--address'])).toThrow(UsageError);
  });

  it('tells the new options in the usage', () => {
    expect(INGEST_USAGE).toContain('--format json|ndjson|logs');
    expect(INGEST_USAGE).toContain('--address');
  });
});

describe('describeLogs', () => {
  it('tells what became of the logs of a logs file', () => {
    expect(describeLogs('dump.json', { total: 12, ignored: 3, invalid: 1, removed: 2, duplicates: 0 })).toBe(
      'dump.json: 12 logs: 3 ignored (not registry events, or not of the contract addresses followed), ' +
        '1 invalid (rejected with InvalidEvent), 2 removed (reorganised away)',
    );
  });

  it('counts the logs given twice (overlapping pages), read once', () => {
    expect(describeLogs('pages.json', { total: 14, ignored: 0, invalid: 0, removed: 0, duplicates: 2 })).toBe(
      'pages.json: 14 logs: 0 ignored (not registry events, or not of the contract addresses followed), ' +
        '0 invalid (rejected with InvalidEvent), 0 removed (reorganised away), 2 given twice (read once)',
    );
  });

  it('says nothing for a file of native blocks', () => {
    expect(describeLogs('blocks.json', undefined)).toBeUndefined();
  });
});
