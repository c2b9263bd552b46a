// What every report object carries besides its own figures.
import type { ScanStats } from '../domain/types.js';

export interface ReportMeta {
  /** true when no transcripts were found and the built-in demo data is shown */
  demo: boolean;
  /** projects/ directories read */
  sources: string[];
  filters: { since: string | null; until: string | null; tz: string; project: string | null };
  /** what the scan read and what it skipped (counted, never fatal) */
  scan: ScanStats;
}
