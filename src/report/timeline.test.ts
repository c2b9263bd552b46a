import { describe, expect, it } from 'vitest';
import { segment } from './timeline.js';

const pt = (hit: number, waste = 0.02) => ({ hit, waste, weight: Math.log1p(100) });

describe('phase segmentation', () => {
  it('splits a cold-start build phase from a steady phase', () => {
    const series = [0.55, 0.6, 0.58, 0.62, 0.95, 0.96, 0.94, 0.955, 0.96, 0.95].map((h) => pt(h));
    expect(segment(series)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  });

  it('keeps weekly noise in one phase', () => {
    const series = [0.94, 0.955, 0.948, 0.96, 0.945, 0.952, 0.958, 0.947].map((h) => pt(h));
    expect(new Set(segment(series)).size).toBe(1);
  });

  it('a shift in waste alone opens a phase', () => {
    const series = [0.02, 0.03, 0.02, 0.025, 0.3, 0.32, 0.28, 0.31].map((w) => pt(0.95, w));
    expect(segment(series)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });
});
