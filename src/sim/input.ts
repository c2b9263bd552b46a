// Input files → simulator requests. Pure: the caller reads the text. A JSONL
// file has one request per line; a .json file holds one request or an array.
// A request is either a bare Messages API body or an object with the body
// under "body" plus timing and model metadata (format: docs/simulate.md).
// Any problem is a SimInputError naming the file and line.
import { BodyError, fingerprintRequest, type FingerprintOptions } from './fingerprint.js';
import type { Fingerprint, SimRequest } from './types.js';

export class SimInputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}

export interface InputOptions extends FingerprintOptions {
  /** start time (ms) of a first request given without "at"; later ones without it start 1 s after the previous */
  now?: number;
  /** time to the first response byte when a request gives neither "ttft_ms" nor "response_start" */
  defaultTtftMs?: number;
  /** model for requests that name none */
  model?: string;
}

/** One request as read, with its body and fingerprint (lint and diff need the body). */
export interface ParsedRequest {
  file: string;
  line: number;
  body: Record<string, unknown>;
  fingerprint: Fingerprint;
  request: SimRequest;
  /** "at" was given */
  timed: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseTime(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  throw new Error(`"${what}" must be an ISO date-time or ms since the epoch, got ${JSON.stringify(v)}`);
}

/** Offset of the first JSON syntax error (JSON.parse messages do not always carry one). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  const string = (): void => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail();
    i++;
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return at as number;
  }
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

/** Split a file's text into (line number, JSON value) items. */
function items(file: string, text: string): { line: number; value: unknown; element?: number }[] {
  if (file.endsWith('.json')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new SimInputError(file, lineOf(text, Math.max(0, jsonErrorOffset(text))), `not JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    if (Array.isArray(value)) return value.map((v, i) => ({ line: 1, value: v, element: i }));
    return [{ line: 1, value }];
  }
  const out: { line: number; value: unknown }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i]!.trim();
    if (s === '') continue;
    try {
      out.push({ line: i + 1, value: JSON.parse(s) });
    } catch (e) {
      throw new SimInputError(file, i + 1, `not JSON: ${(e as Error).message}`);
    }
  }
  return out;
}

function toRequest(file: string, line: number, value: unknown, prevStart: number | null, opts: InputOptions, element: number | undefined): ParsedRequest {
  const fail = (msg: string): never => {
    throw new SimInputError(file, line, element === undefined ? msg : `request [${element}]: ${msg}`);
  };
  if (!isObj(value)) fail('expected a JSON object (a Messages API body, or {"at", "model", "body", …})');
  const v = value as Obj;
  const wrapped = isObj(v['body']);
  const body = (wrapped ? v['body'] : v) as Obj;
  const meta = wrapped ? v : {};
  let fingerprint: Fingerprint;
  try {
    const tokens = meta['tokens'];
    if (tokens !== undefined && !(Array.isArray(tokens) && tokens.every((t) => typeof t === 'number'))) fail('"tokens" must be an array of numbers');
    fingerprint = fingerprintRequest(body, { ...opts, tokens: tokens as number[] | undefined });
  } catch (e) {
    if (e instanceof BodyError) return fail(wrapped && e.path ? `body.${e.message}` : e.message);
    throw e;
  }
  const model = meta['model'] ?? body['model'] ?? opts.model;
  if (typeof model !== 'string' || model === '') return fail('no model: give "model" in the body or beside it (or --model)');
  let start: number;
  let responseStart: number;
  try {
    start = meta['at'] !== undefined ? parseTime(meta['at'], 'at') : prevStart === null ? (opts.now ?? 0) : prevStart + 1000;
    if (meta['response_start'] !== undefined) responseStart = parseTime(meta['response_start'], 'response_start');
    else if (meta['ttft_ms'] !== undefined) {
      const t = meta['ttft_ms'];
      if (typeof t !== 'number' || !(t >= 0)) throw new Error('"ttft_ms" must be a number ≥ 0');
      responseStart = start + t;
    } else responseStart = start + (opts.defaultTtftMs ?? 0);
  } catch (e) {
    return fail((e as Error).message);
  }
  if (responseStart < start) fail('"response_start" is before "at"');
  const output = meta['output_tokens'] ?? 0;
  if (typeof output !== 'number' || !Number.isInteger(output) || output < 0) fail('"output_tokens" must be a whole number ≥ 0');
  const workspace = meta['workspace'] ?? 'default';
  if (typeof workspace !== 'string') fail('"workspace" must be a string');
  const speed = meta['speed'] ?? body['speed'] ?? null;
  const geo = meta['inference_geo'] ?? body['inference_geo'] ?? null;
  const request: SimRequest = {
    id: `${file}:${line}${element !== undefined ? `[${element}]` : ''}`,
    start,
    responseStart,
    model,
    workspace: workspace as string,
    blocks: fingerprint.blocks,
    autoCache: fingerprint.autoCache,
    outputTokens: output as number,
    speed: typeof speed === 'string' ? speed : null,
    inferenceGeo: typeof geo === 'string' ? geo : null,
  };
  return { file, line, body, fingerprint, request, timed: meta['at'] !== undefined };
}

/** Parse one file's requests. `prevStart`: the start of the request before the file's first one. */
export function parseRequests(file: string, text: string, opts: InputOptions = {}, prevStart: number | null = null): ParsedRequest[] {
  const out: ParsedRequest[] = [];
  let prev = prevStart;
  for (const it of items(file, text)) {
    const r = toRequest(file, it.line, it.value, prev, opts, it.element);
    prev = r.request.start;
    out.push(r);
  }
  if (out.length === 0) throw new SimInputError(file, 1, 'no requests in the file');
  return out;
}
