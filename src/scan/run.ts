// Scans a list of files in this thread: the unit of work a worker runs.
import { emptyIssues, type ScanIssues } from '../domain/types.js';
import type { DiscoveredFile } from '../discover/index.js';
import { addOutcome, emptyCollected, type Collected } from './collect.js';
import { newScratch, scanFile } from './file.js';
import type { LineContext } from './line.js';

export interface RunResult {
  collected: Collected;
  issues: ScanIssues;
  bytes: number;
  usageLines: number;
}

export function addIssues(into: ScanIssues, from: ScanIssues): void {
  into.badLines += from.badLines;
  into.truncatedLastLines += from.truncatedLastLines;
  into.concatenatedLines += from.concatenatedLines;
  into.noMessageId += from.noMessageId;
  into.syntheticNoResponse += from.syntheticNoResponse;
  into.noTimestamp += from.noTimestamp;
  into.emptyFiles += from.emptyFiles;
  into.unreadableFiles.push(...from.unreadableFiles);
}

export function scanFilesInThread(
  files: Pick<DiscoveredFile, 'path' | 'project' | 'fileAgentId' | 'fileSessionId'>[],
  opts: { events?: boolean } = {},
): RunResult {
  const collected = emptyCollected();
  const issues = emptyIssues();
  let bytes = 0;
  let usageLines = 0;
  const scratch = newScratch();
  for (const f of files) {
    const ctx: LineContext = { file: f.path, project: f.project, fileAgentId: f.fileAgentId, fileSessionId: f.fileSessionId };
    const r = scanFile(f.path, ctx, (o, offset) => addOutcome(collected, o, ctx, offset), { scratch, events: opts.events });
    bytes += r.bytes;
    usageLines += r.usageLines;
    addIssues(issues, r.issues);
  }
  return { collected, issues, bytes, usageLines };
}
