// parseTimestamp reads the transcripts' timestamps from bytes; Date.parse is the reference.
import { describe, expect, it } from 'vitest';
import { Rng } from '../demo/_random.js';
import { parseTimestamp } from './_timestamp.js';

describe('parseTimestamp', () => {
  it('equals Date.parse on the written form, on rolled-over days and on other forms', () => {
    const seeded = new Rng(7);
    const rand = (): number => seeded.next();
    const pad = (n: number, w: number): string => String(n).padStart(w, '0');
    const samples: string[] = ['2025-10-03T23:52:01.650Z', '1970-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '2000-02-29T12:00:00.000Z', '2100-02-29T12:00:00.000Z', '9999-12-31T23:59:59.999Z', '2025-10-03T23:52:01Z', '2025-10-03T23:52:01.65Z', '2025-10-03T23:52:01.650+01:00', '2025-10-03 23:52:01.650Z', '+002025-10-03T23:52:01.650Z', '2025-1O-03T23:52:01.650Z', ''];
    for (let i = 0; i < 20000; i++) {
      const y = 1960 + Math.floor(rand() * 200);
      const mo = Math.floor(rand() * 14);
      const d = Math.floor(rand() * 33);
      const h = Math.floor(rand() * 26);
      const mi = Math.floor(rand() * 61);
      const s = Math.floor(rand() * 61);
      const ms = Math.floor(rand() * 1000);
      samples.push(`${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}Z`);
    }
    for (const s of samples) {
      const b = Buffer.from(`"${s}"`);
      const got = parseTimestamp(b, 1, b.length - 1);
      expect(Number.isNaN(got) ? 'NaN' : got, s).toEqual(Number.isNaN(Date.parse(s)) ? 'NaN' : Date.parse(s));
    }
  });
});
