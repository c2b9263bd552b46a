// The report objects the API returns: the very types the CLI's --json prints.
export type { OverviewReport } from '../../src/report/overview.js';
export type { SessionsReport, SessionReport, SessionRow, RequestRow } from '../../src/report/sessions.js';
export type { BreaksReport } from '../../src/report/breaks.js';
export type { WhatifReport } from '../../src/report/whatif.js';
export type { Totals } from '../../src/accounting/index.js';
