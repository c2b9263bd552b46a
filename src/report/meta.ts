// What every report object carries besides its own figures.
import type { ScanStats } from '../domain/types.js';

export interface ReportMeta {
  /** true when no transcripts were found and the built-in demo data is shown */
  demo: boolean;
  /** projects/ directories read */
  sources: string[];
  filters: { since: string | null; until: string | null; tz: string; project: string | null; model?: string | null };
  /** what this run read and what it skipped (counted, never fatal); with the store, only what changed since the last run */
  scan: ScanStats;
  /** the embedded store this run read from, or null with --no-store (and for the demo) */
  store: StoreInfo | null;
}

export interface StoreInfo {
  path: string;
  machineId: string;
  /** request records held in the store (all roots) */
  requests: number;
  trackedFiles: number;
  /** files read by this run's incremental scan, and their new bytes */
  filesRead: number;
  bytesRead: number;
}
