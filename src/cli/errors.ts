// Known user-facing errors: one line, a hint, exit code 2.

export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function isCliError(e: unknown): e is CliError {
  return e instanceof CliError;
}
