import { firstInvalidUtf8, incompleteTail, rollTail } from './utf8';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('UTF-8 error location', () => {
  it('finds the first sequence that is not well formed', () => {
    expect(firstInvalidUtf8(Buffer.from('aé✓😀z'))).toBe(-1);
    expect(firstInvalidUtf8(bytes(0x61, 0xe9, 0x22))).toBe(1); // Latin-1 é
    expect(firstInvalidUtf8(bytes(0x61, 0x80))).toBe(1); // a lone continuation byte
    expect(firstInvalidUtf8(bytes(0xc0, 0xaf))).toBe(0); // overlong
    expect(firstInvalidUtf8(bytes(0xe0, 0x80, 0xaf))).toBe(0); // overlong
    expect(firstInvalidUtf8(bytes(0xed, 0xa0, 0x80))).toBe(0); // a surrogate
    expect(firstInvalidUtf8(bytes(0xf4, 0x90, 0x80, 0x80))).toBe(0); // above U+10FFFF
    expect(firstInvalidUtf8(bytes(0x61, 0xf0, 0x9f))).toBe(-1); // unfinished, not wrong yet
  });

  it('agrees with TextDecoder on what is valid', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let lead = 0x80; lead <= 0xff; lead++) {
      for (const next of [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0]) {
        const sample = bytes(lead, next, 0x80, 0x80, 0x41);
        let valid = true;
        try {
          decoder.decode(sample);
        } catch {
          valid = false;
        }
        expect([lead, next, firstInvalidUtf8(sample) === -1]).toEqual([lead, next, valid]);
      }
    }
  });

  it('keeps the unfinished character at the end of what was read', () => {
    expect(incompleteTail(Buffer.from('ab'))).toEqual(bytes());
    expect(incompleteTail(Buffer.from('aé'))).toEqual(bytes());
    expect(incompleteTail(bytes(0x61, 0xf0, 0x9f, 0x98))).toEqual(bytes(0xf0, 0x9f, 0x98));
    expect(incompleteTail(bytes(0xe2, 0x9c))).toEqual(bytes(0xe2, 0x9c));
    let tail: Uint8Array = bytes();
    for (const byte of [0x61, 0xf0, 0x9f, 0x98]) tail = rollTail(tail, bytes(byte));
    expect(incompleteTail(tail)).toEqual(bytes(0xf0, 0x9f, 0x98));
  });
});
