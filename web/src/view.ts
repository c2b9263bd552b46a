// What a view gets from the app: links that keep the filters, chart sizing,
// and a place to register charts for clean-up.
import type uPlot from 'uplot';

export interface ViewContext {
  /** a URL with these parameters changed (null removes one), keeping the rest */
  href(change: Record<string, string | null>): string;
  /** an in-app link (no full reload) */
  link(text: string, href: string, attrs?: Record<string, string>): HTMLAnchorElement;
  /** the current page parameter, or null */
  param(name: string): string | null;
  /** replaces URL parameters and re-renders from the data already loaded */
  setParams(change: Record<string, string | null>): void;
  chartWidth(): number;
  keep(plot: uPlot): void;
}
