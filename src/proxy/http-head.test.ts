import { describe, expect, it } from 'vitest';
import { createHeadReader } from './http-head.js';

describe('createHeadReader', () => {
  const msg = Buffer.from('POST /v1/messages HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody');
  const headEnd = msg.indexOf('\r\n\r\n');

  it('finds the end of a head split at every byte, the blank line straddling the split included', () => {
    for (let cut = 1; cut < msg.length; cut++) {
      const r = createHeadReader();
      const first = r.push(msg.subarray(0, cut));
      const got = first ?? r.push(msg.subarray(cut));
      expect(got && 'head' in got, `cut at ${cut}`).toBe(true);
      if (!got || !('head' in got)) continue;
      expect(got.head.toString()).toBe(msg.subarray(0, headEnd).toString());
      // when the head ended in the first part, the rest of that part is the start of the body
      expect(Buffer.concat([got.rest, first ? msg.subarray(cut) : Buffer.alloc(0)]).toString()).toBe('body');
    }
  });

  it('refuses a head over the limit, and takes one that ends exactly at it', () => {
    const at = (n: number) => Buffer.concat([Buffer.alloc(n, 0x61), Buffer.from('\r\n\r\nrest')]);
    expect(createHeadReader(16).push(at(16))).toMatchObject({ rest: Buffer.from('rest') });
    expect(createHeadReader(16).push(at(17))).toEqual({ tooLarge: true });
    const r = createHeadReader(16);
    expect(r.push(Buffer.alloc(10, 0x61))).toBeNull();
    expect(r.held).toBe(10);
    expect(r.push(Buffer.alloc(10, 0x61))).toEqual({ tooLarge: true });
  });
});
