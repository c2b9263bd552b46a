// uPlot wrappers: line/bar charts over a category axis (periods) with the
// theme's colours read from CSS variables, and optional shaded bands (phases).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom.js';

export interface SeriesSpec {
  label: string;
  values: (number | null)[];
  /** CSS variable holding the colour, e.g. '--c-read' */
  color: string;
  bars?: boolean;
}

export interface ChartSpec {
  title: string;
  testId: string;
  labels: string[];
  series: SeriesSpec[];
  yFormat: (v: number) => string;
  /** [fromIndex, toIndex, label] shaded behind the data */
  bands?: [number, number, string][];
  height?: number;
  /** name of the x values in the legend (default 'period') */
  xLabel?: string;
  /** logarithmic y axis (zeros are left out) */
  log?: boolean;
}

export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function bandsPlugin(bands: [number, number, string][]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (u: uPlot) => {
        const ctx = u.ctx;
        const top = u.bbox.top;
        const height = u.bbox.height;
        bands.forEach(([from, to, label], i) => {
          const x0 = u.valToPos(from - 0.5, 'x', true);
          const x1 = u.valToPos(to + 0.5, 'x', true);
          ctx.save();
          ctx.fillStyle = cssVar(i % 2 === 0 ? '--band-a' : '--band-b');
          ctx.fillRect(x0, top, x1 - x0, height);
          ctx.fillStyle = cssVar('--muted');
          ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
          if (ctx.measureText(label).width + 8 * devicePixelRatio < x1 - x0) ctx.fillText(label, x0 + 4 * devicePixelRatio, top + height - 4 * devicePixelRatio);
          ctx.restore();
        });
      },
    },
  };
}

/** A chart in a figure; the caller destroys it (returned) before dropping the element. */
export function chart(spec: ChartSpec, width: number): { el: HTMLElement; plot: uPlot | null } {
  const box = h('div', { class: 'chart-box' });
  const fig = h('figure', { class: 'chart', 'data-testid': spec.testId, 'data-series': spec.series.length, 'aria-label': spec.title }, h('figcaption', {}, spec.title), box);
  if (spec.labels.length === 0) {
    box.append(h('p', { class: 'empty' }, 'No data for these filters.'));
    return { el: fig, plot: null };
  }
  const xs = spec.labels.map((_, i) => i);
  const decades = (_u: uPlot, splits: number[]): (number | null)[] => splits.map((v) => (Number.isInteger(Math.round(Math.log10(v) * 1e6) / 1e6) ? v : null));
  const axisColor = cssVar('--muted');
  const grid = { stroke: cssVar('--grid'), width: 1 };
  const bars = uPlot.paths.bars!({ size: [0.7, 40] });
  const opts: uPlot.Options = {
    width,
    height: spec.height ?? 220,
    scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }, ...(spec.log ? { y: { distr: 3, log: 10 } } : {}) },
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    plugins: spec.bands?.length ? [bandsPlugin(spec.bands)] : [],
    axes: [
      { stroke: axisColor, grid, space: 80, incrs: [1, 2, 4, 8, 13, 26, 52, 104], values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? (spec.labels[v] ?? '') : '')) },
      // on a log axis only the powers of ten get a label, tick and grid line (uPlot also splits between them)
      {
        stroke: axisColor,
        grid,
        size: 64,
        values: (_u, splits) => splits.map((v) => (v === null ? '' : spec.yFormat(v))),
        ...(spec.log ? { filter: decades, grid: { ...grid, filter: decades }, ticks: { filter: decades } } : {}),
      },
    ],
    series: [
      { label: spec.xLabel ?? 'period', value: (_u, v) => (v === null ? '' : (spec.labels[v] ?? '')) },
      ...spec.series.map((s) => ({
        label: s.label,
        stroke: cssVar(s.color),
        fill: s.bars ? cssVar(s.color) + '55' : undefined,
        width: s.bars ? 1 : 2,
        paths: s.bars ? bars : undefined,
        points: { show: !s.bars && spec.labels.length < 60 },
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : spec.yFormat(v)),
      })),
    ],
  };
  const values = spec.series.map((s) => (spec.log ? s.values.map((v) => (v !== null && v > 0 ? v : null)) : s.values));
  const plot = new uPlot(opts, [xs, ...values] as uPlot.AlignedData, box);
  return { el: fig, plot };
}
