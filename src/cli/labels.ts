// Display names of rebuild causes (the JSON keeps the cause ids).

export const CAUSE_LABEL: Record<string, string> = {
  'ttl-expired': 'TTL expired',
  'model-switch': 'model switch',
  compaction: 'compaction',
  'claude-code-upgrade': 'Claude Code upgrade',
  resume: 'resume',
  clear: '/clear',
  rewind: 'rewind',
  fork: 'fork',
  'effort-or-fast-mode': 'effort / fast mode',
  'parallel-fanout': 'parallel fan-out',
  partial: 'partial (prefix tail changed)',
  unexplained: 'unexplained',
  'cold-start': 'cold start',
};

export function causeLabel(cause: string, ttl?: string | null): string {
  const base = CAUSE_LABEL[cause] ?? cause;
  return cause === 'ttl-expired' && ttl ? `${base} (${ttl})` : base;
}
