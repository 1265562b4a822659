import { JsonBlockScanner } from './json-scanner';
import { MAX_NESTING_DEPTH } from './json-text';
import { NdjsonScanner } from './ndjson-scanner';
import { BlockScanner, ScanError, ScanItem } from './scan';

type Outcome = { items: ScanItem[]; error?: string };

function scan(make: () => BlockScanner, pieces: string[]): Outcome {
  const scanner = make();
  const items: ScanItem[] = [];
  try {
    for (const piece of pieces) scanner.push(piece, items);
    scanner.end(items);
  } catch (error) {
    if (!(error instanceof ScanError)) throw error;
    return { items, error: error.describe((index) => `block #${index + 1}`) };
  }
  return { items };
}

/** The text cut in every way that matters: whole, at each single position, and one character at a time. */
function splits(text: string): string[][] {
  const ways: string[][] = [[text], [...text]];
  for (let cut = 1; cut < text.length; cut++) ways.push([text.slice(0, cut), text.slice(cut)]);
  ways.push(text.match(/[\s\S]{1,3}/g) ?? []);
  return ways;
}

function expectSameAtEverySplit(make: () => BlockScanner, text: string): Outcome {
  const whole = scan(make, [text]);
  for (const pieces of splits(text)) expect(scan(make, pieces)).toEqual(whole);
  return whole;
}

const json = () => new JsonBlockScanner();
const ndjson = () => new NdjsonScanner();

describe('JsonBlockScanner', () => {
  it('cuts a top-level array into the texts of its elements, at every chunk boundary', () => {
    const text = '\t[ {"number":1,"events":["]","}","\\"","\\\\",{"a":[[]]}]} ,\n\n  {"number":2 ,"events":[]}\r\n]\n';
    const { items, error } = expectSameAtEverySplit(json, text);
    expect(error).toBeUndefined();
    expect(items).toEqual([
      { kind: 'block', text: '{"number":1,"events":["]","}","\\"","\\\\",{"a":[[]]}]}', index: 0, line: 1 },
      { kind: 'block', text: '{"number":2 ,"events":[]}', index: 1, line: 3 },
    ]);
  });

  it('keeps strings whole: quotes escaped, backslashes doubled, \\u escapes, brackets and multi-byte characters', () => {
    const element = '{"s":"a\\"b\\\\","t":"\\\\\\"]}","u":"\\u0022\\u005c","v":"é✓😀 [{","w":"\\\\"}';
    const { items } = expectSameAtEverySplit(json, `[${element},${element}]`);
    expect(items.map((item) => item.text)).toEqual([element, element]);
    expect(JSON.parse(items[0].text)).toEqual({ s: 'a"b\\', t: '\\"]}', u: '"\\', v: 'é✓😀 [{', w: '\\' });
  });

  it('passes any JSON value as an element (the reader refuses what is not a block)', () => {
    const { items } = expectSameAtEverySplit(json, '[1, -2.5e3 ,"x]",true,null,[],{}, [1,[2]] ]');
    expect(items.map((item) => item.text)).toEqual(['1', '-2.5e3', '"x]"', 'true', 'null', '[]', '{}', '[1,[2]]']);
  });

  it('reads the object shape with the keys in any order, toBlock as a value', () => {
    const first = expectSameAtEverySplit(json, '{ "toBlock" : 405 ,\n "blocks" : [ {"number":1} ] }');
    expect(first.items).toEqual([
      { kind: 'toBlock', text: '405', line: 1 },
      { kind: 'block', text: '{"number":1}', index: 0, line: 2 },
    ]);
    const after = expectSameAtEverySplit(json, '{"blocks":[{"number":1}],"toBlock":{"x":"}"}}');
    expect(after.items.map((item) => item.text)).toEqual(['{"number":1}', '{"x":"}"}']);
    // An escaped key is still the key it spells.
    expect(expectSameAtEverySplit(json, '{"bl\\u006fcks":[]}').error).toBeUndefined();
  });

  it.each([
    ['', 'the file is empty: expected an array of blocks, or an object { "toBlock"?: n, "blocks": [...] }'],
    ['[{"a":"}\\"', 'block #1: the file is truncated: it ends inside this block'],
    ['[{"a":"b\\', 'block #1: the file is truncated: it ends inside this block'],
    ['[1', 'block #1: the file is truncated: it ends inside this block'],
    ['[{}', "after block #1: the file is truncated: it ends without the closing ']' of the array of blocks"],
    ['{"blocks":[', `the file is truncated: it ends before the first block, without the closing ']' of the "blocks" array`],
    ['{"blocks":[]', "the file is truncated: it ends inside the top-level object, without its closing '}'"],
    ['{"blocks":[]}x', 'not JSON: unexpected "x" at line 1, column 14 after the end of the top-level value (trailing content)'],
    ['[]\n\n []', 'not JSON: unexpected "[" at line 3, column 2 after the end of the top-level value (trailing content)'],
    ['[{},,{}]', `not JSON: unexpected "," at line 1, column 5 (expected a block)`],
    ['[{} {}]', `after block #1: not JSON: unexpected "{" at line 1, column 5 (expected ',' or ']')`],
    ['{"blocks" []}', `not JSON: unexpected "[" at line 1, column 11 (expected ':' after the key "blocks")`],
    ['{"blocks":[],}', `not JSON: unexpected "}" at line 1, column 14 (expected a key)`],
    ['{"blocks":"[]"}', 'field "blocks" must be an array of blocks, got a string at line 1, column 11'],
    ['{"toBlock":}', `not JSON: unexpected "}" at line 1, column 12 (expected the value of field "toBlock")`],
    ['{"a\\x":1}', 'not JSON: the top-level key at line 1, column 2 is not a valid JSON string'],
    ['"blocks"', 'not one of the shapes: the file holds a string, expected an array of blocks, or an object { "toBlock"?: n, "blocks": [...] }'],
    ['true', 'not one of the shapes: the file holds a boolean, expected an array of blocks, or an object { "toBlock"?: n, "blocks": [...] }'],
  ])('refuses %j at every chunk boundary', (text, message) => {
    expect(expectSameAtEverySplit(json, text).error).toBe(message);
  });

  describe('nesting', () => {
    /** An event whose field `x` holds `levels` nested arrays: the block nests `levels + 3` deep. */
    const block = (levels: number, number = 7) =>
      `{"number":${number},"events":[{"type":"Foo","x":${'['.repeat(levels)}${']'.repeat(levels)}}]}`;

    it(`takes ${MAX_NESTING_DEPTH} levels, brackets inside strings not counting`, () => {
      const deepString = `{"number":1,"events":["${'[{'.repeat(200)}"]}`;
      const { items, error } = expectSameAtEverySplit(json, `[${block(MAX_NESTING_DEPTH - 3)},
${deepString}]`);
      expect(error).toBeUndefined();
      expect(items.map((item) => item.text)).toEqual([block(MAX_NESTING_DEPTH - 3), deepString]);
      expect(expectSameAtEverySplit(json, `[${'['.repeat(MAX_NESTING_DEPTH)}${']'.repeat(MAX_NESTING_DEPTH)}]`).error).toBeUndefined();
    });

    it('refuses a block nested deeper, naming the block and the field, at every chunk boundary', () => {
      const text = `[{"number":1,"events":[]},
  ${block(MAX_NESTING_DEPTH - 2)}]`;
      const { items, error } = expectSameAtEverySplit(json, text);
      expect(items).toHaveLength(1);
      expect(error).toBe(
        `block 7 (line 2): field "events[0].x" is nested deeper than ${MAX_NESTING_DEPTH} levels of arrays and objects ` +
          // (2 spaces, the 40 characters before x's arrays, then its 62nd '[' is level 65)
          '(at line 2, column 104)',
      );
      // Without a number before the deep part, the block is named by its place; arrays all the way down: no field.
      expect(expectSameAtEverySplit(json, `[{"events":[{"a":{"b c":${'['.repeat(99)}`).error).toMatch(
        /^block #1: field "events\[0\]\.a\["b c"\]" is nested deeper than 64 levels of arrays and objects \(at line 1, column \d+\)$/,
      );
      expect(expectSameAtEverySplit(json, `[${'['.repeat(300)}${']'.repeat(300)}]`).error).toBe(
        'block #1: the block is nested deeper than 64 levels of arrays and objects (at line 1, column 66)',
      );
      expect(expectSameAtEverySplit(json, `[${'{"a":'.repeat(70)}`).error).toBe(
        'block #1: field "a.a.a.a.a.a.a.a…" is nested deeper than 64 levels of arrays and objects (at line 1, column 322)',
      );
    });

    it('refuses a top-level member nested too deeply: toBlock, or a member of a JSON-RPC response', () => {
      expect(expectSameAtEverySplit(json, `{"blocks":[],"toBlock":${'['.repeat(65)}`).error).toBe(
        'field "toBlock" is nested deeper than 64 levels of arrays and objects (at line 1, column 88)',
      );
      const rpc = () => new JsonBlockScanner(undefined, 'any');
      expect(expectSameAtEverySplit(rpc, `{"jsonrpc":"2.0","id":${'['.repeat(65)}`).error).toBe(
        'field "id" is nested deeper than 64 levels of arrays and objects (at line 1, column 87)',
      );
    });
  });

  it('bounds the text of one block', () => {
    const scanner = new JsonBlockScanner(10);
    const items: ScanItem[] = [];
    scanner.push('[{"a":1},', items);
    expect(items).toHaveLength(1);
    expect(() => {
      scanner.push('{"a":"', items);
      scanner.push('0123456789"}]', items);
    }).toThrow(ScanError);
    expect(() => new JsonBlockScanner(10).push('[{"a":"0123456789"}]', [])).toThrow(ScanError);
  });
});

describe('JsonBlockScanner on the shapes of logs files', () => {
  const any = () => new JsonBlockScanner(undefined, 'any');
  const logs = () => new JsonBlockScanner(undefined, 'logs');
  const LOG_SHAPES = 'an array of logs (eth_getLogs log objects), or a JSON-RPC response { "jsonrpc", "id", "result": [...] }';

  it('cuts the "result" of a JSON-RPC response, skipping "jsonrpc" and "id", at every chunk boundary', () => {
    const text = '{ "jsonrpc" : "2.0", "id" : {"x":"]}"},\n "result" : [ {"topics":["}"]} ,\n{"data":"0x"} ] }\n';
    for (const make of [any, logs]) {
      const { items, error } = expectSameAtEverySplit(make, text);
      expect(error).toBeUndefined();
      expect(items).toEqual([
        { kind: 'block', text: '{"topics":["}"]}', index: 0, line: 2 },
        { kind: 'block', text: '{"data":"0x"}', index: 1, line: 3 },
      ]);
    }
  });

  it('hands the "error" of a JSON-RPC response to the reader', () => {
    const { items } = expectSameAtEverySplit(any, '{"jsonrpc":"2.0","error":{"code":-1,"message":"no"},"id":1}');
    expect(items).toEqual([{ kind: 'rpcError', text: '{"code":-1,"message":"no"}', line: 1 }]);
  });

  it('tells the shape: the array, the native object, or a JSON-RPC response (by its first key under "any")', () => {
    const shapeOf = (make: () => JsonBlockScanner, text: string) => {
      const scanner = make();
      scanner.push(text, []);
      return scanner.shape;
    };
    expect(shapeOf(any, ' ')).toBeUndefined();
    expect(shapeOf(any, '[')).toBe('array');
    expect(shapeOf(any, '{')).toBeUndefined();
    expect(shapeOf(any, '{"id":')).toBe('rpc');
    expect(shapeOf(any, '{"toBlock":')).toBe('blocks');
    expect(shapeOf(logs, '{')).toBe('rpc');
    expect(shapeOf(json, '{')).toBe('blocks');
  });

  it.each([
    [any, '{"blocks":[],"result":[]}', 'not one of the shapes: unknown top-level key "result" at line 1, column 14; expected an array of blocks, or an object { "toBlock"?: n, "blocks": [...] }'],
    [any, '{"result":[],"blocks":[]}', `not one of the shapes: unknown top-level key "blocks" at line 1, column 14; expected ${LOG_SHAPES}`],
    [any, '{"id":1}', `not one of the shapes: the JSON-RPC response has no "result" array of logs (expected ${LOG_SHAPES})`],
    [logs, '{}', `not one of the shapes: the JSON-RPC response has no "result" array of logs (expected ${LOG_SHAPES})`],
    [logs, '', `the file is empty: expected ${LOG_SHAPES}`],
    [logs, '7', `not one of the shapes: the file holds a number, expected ${LOG_SHAPES}`],
    [logs, '[{}', "after block #1: the file is truncated: it ends without the closing ']' of the array of logs"],
    [logs, '[{', 'log #1: the file is truncated: it ends inside this log'],
    [logs, '[,', `not JSON: unexpected "," at line 1, column 2 (expected a log or ']')`],
    [any, '{"result":"[]"}', 'field "result" must be an array of logs, got a string at line 1, column 11'],
    [any, '{"result":[', `the file is truncated: it ends before the first log, without the closing ']' of the "result" array`],
    [any, '{"jsonrpc":"2.', 'the file is truncated: it ends inside the value of field "jsonrpc"'],
    [any, '{"error":{', 'the file is truncated: it ends inside the value of field "error"'],
    [any, '{"topics":[]}', `not one of the shapes: unknown top-level key "topics" at line 1, column 2; expected ${LOG_SHAPES} (a single log must be wrapped in an array: [ {log} ])`],
  ])('refuses %#: %j at every chunk boundary', (make, text, message) => {
    expect(expectSameAtEverySplit(make, text).error).toBe(message);
  });

  it('says "log" once the reader knows the elements are logs', () => {
    const scanner = any();
    const items: ScanItem[] = [];
    let error: unknown;
    try {
      scanner.push('[{"topics":[]},{', items);
      scanner.end(items);
    } catch (caught) {
      error = caught;
    }
    expect((error as ScanError).describe((index) => `log #${index + 1}`, 'log')).toBe(
      'log #2, after log #1: the file is truncated: it ends inside this log',
    );
    expect((error as ScanError).describe((index) => `block #${index + 1}`)).toBe(
      'block #2, after block #1: the file is truncated: it ends inside this block',
    );
  });
});

describe('NdjsonScanner', () => {
  it('cuts lines, skipping blank ones, dropping \\r, at every chunk boundary', () => {
    const text = '\n{"number":1}\r\n \t\r\n{"s":"é😀\\n"}\n\n[1]\n{"last":true}';
    const { items } = expectSameAtEverySplit(ndjson, text);
    expect(items).toEqual([
      { kind: 'block', text: '{"number":1}', index: 0, line: 2 },
      { kind: 'block', text: '{"s":"é😀\\n"}', index: 1, line: 4 },
      { kind: 'block', text: '[1]', index: 2, line: 6 },
      { kind: 'block', text: '{"last":true}', index: 3, line: 7, unterminated: true },
    ]);
  });

  it('gives nothing for an empty text', () => {
    expect(scan(ndjson, [''])).toEqual({ items: [] });
    expect(scan(ndjson, ['\n \n'])).toEqual({ items: [] });
  });

  it(`takes ${MAX_NESTING_DEPTH} levels of nesting in a line, and refuses more, naming the block and the field`, () => {
    const line = (levels: number) => `{"number":3,"events":[{"type":"Foo","x":${'['.repeat(levels)}${']'.repeat(levels)},"s":"[[[["}]}`;
    const fine = expectSameAtEverySplit(ndjson, `${line(MAX_NESTING_DEPTH - 3)}\n`);
    expect(fine).toEqual({ items: [{ kind: 'block', text: line(MAX_NESTING_DEPTH - 3), index: 0, line: 1 }] });
    const { items, error } = expectSameAtEverySplit(ndjson, `{"number":1}\n\n${line(MAX_NESTING_DEPTH - 2)}\n`);
    expect(items).toHaveLength(1);
    expect(error).toBe(
      `block 3 (line 3): field "events[0].x" is nested deeper than 64 levels of arrays and objects (at line 3, column ${40 + 62})`,
    );
    expect(scan(ndjson, [`${'['.repeat(5000)}${']'.repeat(5000)}`]).error).toBe(
      'block #1 (line 1): the block is nested deeper than 64 levels of arrays and objects (at line 1, column 65)',
    );
  });

  it('bounds the text of one line', () => {
    expect(scan(() => new NdjsonScanner(5), ['{"a":', '1}\n']).error).toBe(
      'block #1 (line 1) is larger than the limit of 5 characters for one block',
    );
    expect(scan(() => new NdjsonScanner(5), ['{}\n{"a":1}\n']).error).toBe(
      'block #2 (line 2) is larger than the limit of 5 characters for one block',
    );
  });
});
