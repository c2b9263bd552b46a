// Public face of the accounting stage: filter and price the scanned records.
import type { ApiErrorRecord, ConversationEvent, RequestRecord } from '../domain/types.js';
import type { Pricing } from '../pricing/index.js';
import type { Calendar } from './time.js';
import type { PricedRequest } from './aggregate.js';

export * from './aggregate.js';
export * from './time.js';

export interface Filters {
  /** inclusive local dates 'YYYY-MM-DD' */
  since: string | null;
  until: string | null;
  /** case-insensitive substring of the project directory name */
  project: string | null;
  /** case-insensitive substring of the model id as recorded; absent = every model */
  model?: string | null;
}

export interface Dataset {
  requests: PricedRequest[];
  apiErrors: ApiErrorRecord[];
  events: ConversationEvent[];
  calendar: Calendar;
  /** [from, to) epoch ms covered by the filters, null where open */
  range: { from: number | null; to: number | null };
}

function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + 1));
  return t.toISOString().slice(0, 10);
}

export function projectMatches(project: string, filter: string | null): boolean {
  return filter === null || project.toLowerCase().includes(filter.toLowerCase());
}

/** The filters as tests on fields, and the [from, to) epoch ms they cover (null where open). */
export interface DatasetFilter {
  /** a request: its time, project and model */
  request(timestamp: number, project: string, model: string): boolean;
  /** an API error or event: its time and project (API errors belong to no model: a model filter leaves them out) */
  other(timestamp: number, project: string): boolean;
  /** whether a model filter is set */
  byModel: boolean;
  /** no filter at all: every request and API error is kept */
  all: boolean;
  range: { from: number | null; to: number | null };
}

export function datasetFilter(calendar: Calendar, filters: Filters): DatasetFilter {
  const from = filters.since ? calendar.startOfDay(filters.since) : null;
  const to = filters.until ? calendar.startOfDay(nextDay(filters.until)) : null;
  const keep = (ts: number, project: string): boolean =>
    (from === null || ts >= from) && (to === null || ts < to) && projectMatches(project, filters.project);
  const model = filters.model ? filters.model.toLowerCase() : null;
  return {
    request: (ts, project, m) => keep(ts, project) && (model === null || m.toLowerCase().includes(model)),
    other: keep,
    byModel: model !== null,
    all: from === null && to === null && filters.project === null && model === null,
    range: { from, to },
  };
}

/** Applies the filters and prices every remaining request once, at its model and date. */
export function prepareDataset(
  scan: { requests: RequestRecord[]; apiErrors: ApiErrorRecord[]; events: ConversationEvent[] },
  pricing: Pricing,
  calendar: Calendar,
  filters: Filters,
): Dataset {
  const keep = datasetFilter(calendar, filters);
  const requests: PricedRequest[] = [];
  for (const r of scan.requests) {
    if (!keep.request(r.timestamp, r.project, r.model)) continue;
    const c = pricing.price(r);
    requests.push({ r, costUSD: c ? c.costUSD : null, noCacheCostUSD: c ? c.noCacheCostUSD : null });
  }
  return {
    requests,
    apiErrors: keep.byModel ? [] : scan.apiErrors.filter((e) => keep.other(e.timestamp, e.project)),
    events: scan.events.filter((e) => keep.other(e.timestamp, e.project)),
    calendar,
    range: keep.range,
  };
}
