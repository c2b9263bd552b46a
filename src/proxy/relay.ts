// The forwarding path, at the byte level: each client connection is paired
// with an upstream connection of its own (net, or tls for https), so
// keep-alive carries over 1:1. Of a request only the head is parsed and written
// again (Host, the upstream's base path, no hop-by-hop headers); its body bytes
// go upstream as they arrive. Response bytes go to the client as they arrive,
// before anything reads them; the relay then parses the status line and the
// body framing to know where each response ends. node:http's parser and stream
// pipes cost about a millisecond per request more than this (BENCHMARKS.md).
import { STATUS_CODES } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { createBodyDecoder, requestFraming, responseFraming, type BodyDecoder } from './framing.js';
import {
  closesConnection, createHeadReader, headerTokens, MAX_HEAD_BYTES, parseResponseHead, scanRequestHead, type RawHeaders, type RequestHead,
} from './http-head.js';

/** What the server does with one exchange; the relay calls it as bytes pass. */
export interface ExchangeSink {
  /** request body payload (chunked framing removed), as slices of the socket's chunks */
  body(payload: Buffer): void;
  /** the final response head has been passed on to the client */
  response(head: { status: number; headers: RawHeaders }): void;
  /** response body payload (framing removed, content encoding kept) */
  responseBody(payload: Buffer): void;
  /** once: the response ended or the exchange failed; `status` is set when the relay answered itself */
  end(outcome: { status: number | null; note: string | null }): void;
}

export interface RelayOptions {
  upstream: URL;
  timeoutMs: number;
  /** CA certificates for an https upstream (default: Node's, plus NODE_EXTRA_CA_CERTS) */
  ca?: string | Buffer;
  warn(line: string): void;
  open(head: RequestHead): ExchangeSink;
}

export interface Relay {
  server: net.Server;
  /** destroys every client connection and its upstream connection */
  closeConnections(): void;
}

export const errorBody = (message: string): string => JSON.stringify({ type: 'error', error: { type: 'api_error', message } });

function errorResponse(status: number, message: string): string {
  const body = errorBody(message);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-cachelens-proxy-error: 1\r\nconnection: close\r\n\r\n${body}`;
}

export function createRelay(o: RelayOptions): Relay {
  const live = new Set<() => void>();
  const server = net.createServer({ noDelay: true }, (c) => {
    const kill = pair(c, o);
    live.add(kill);
    c.on('close', () => live.delete(kill));
  });
  return { server, closeConnections: () => [...live].forEach((kill) => kill()) };
}

// --- internal ---

/** A request sent upstream whose response has not ended. */
interface Pending {
  sink: ExchangeSink;
  method: string;
  path: string;
  /** the connection ends after this exchange (the request's or the response's Connection, or a body read until close) */
  close: boolean;
  /** the final (non-1xx) response head has been passed on */
  final: boolean;
  timer: NodeJS.Timeout | null;
  note: string | null;
  ended: boolean;
}

function pair(c: net.Socket, o: RelayOptions): () => void {
  const target = {
    tls: o.upstream.protocol === 'https:',
    host: o.upstream.hostname.replace(/^\[|\]$/g, ''),
    port: Number(o.upstream.port) || (o.upstream.protocol === 'https:' ? 443 : 80),
    head: { host: o.upstream.host, base: o.upstream.pathname.replace(/\/+$/, '') },
  };
  const origin = o.upstream.origin;
  const seconds = Math.round(o.timeoutMs / 1000);
  let up: net.Socket | null = null;
  // requests sent upstream, oldest first: responses come back in this order (pipelining included)
  const queue: Pending[] = [];
  const reqHeads = createHeadReader();
  let reqBody: BodyDecoder | null = null;
  let receiving: Pending | null = null;
  const resHeads = createHeadReader();
  let resBody: BodyDecoder | null = null;
  // the response body ends when the upstream closes (no length, not chunked)
  let untilClose = false;
  // no more requests are read: the connection ends once what is under way is done
  let closing = false;
  let last: string | undefined;
  let ended = false;
  let paused = false;

  const finish = (x: Pending, status: number | null, note: string | null): void => {
    if (x.ended) return;
    x.ended = true;
    if (x.timer) clearTimeout(x.timer);
    x.sink.end({ status, note });
  };
  const dropUpstream = (): void => {
    const s = up;
    up = null; // first: the socket's own close handler sees it is no longer ours and stays quiet
    s?.destroy();
  };
  const maybeEnd = (): void => {
    if (!closing || ended || queue.length > 0 || reqBody) return;
    ended = true;
    dropUpstream();
    if (last === undefined) c.end();
    else c.end(last);
  };
  const refuse = (status: number, message: string): void => {
    o.warn(`cachelens proxy: refused a request: ${message}`);
    closing = true;
    last = errorResponse(status, `cachelens proxy: ${message}`);
    maybeEnd();
  };
  /** The relay answers `x` itself (nothing of a response was passed on yet); the connection then ends. */
  const answer = (x: Pending, status: number, message: string, note: string): void => {
    dropUpstream();
    o.warn(`${message} (${x.method} ${x.path})`);
    c.write(errorResponse(status, message));
    finish(x, status, note);
    for (const y of queue.slice(1)) finish(y, null, 'not answered: an earlier request on its connection failed');
    queue.length = 0;
    closing = true;
    maybeEnd();
  };
  /** The response was under way: the client sees it cut, as it would without the proxy. */
  const cut = (x: Pending, note: string): void => {
    x.note ??= note;
    o.warn(`cachelens proxy: ${x.method} ${x.path}: ${note}`);
    for (const y of queue) finish(y, null, y.note ?? 'not answered: an earlier request on its connection failed');
    queue.length = 0;
    dropUpstream();
    c.destroy();
  };
  const canAnswer = (x: Pending): boolean => !x.final && resHeads.held === 0;

  const responseDone = (x: Pending): void => {
    resBody = null;
    queue.shift();
    finish(x, null, x.note);
    if (!x.close) return maybeEnd();
    for (const y of queue) finish(y, null, 'not answered: the upstream closed the connection after an earlier response');
    queue.length = 0;
    reqBody = null; // the rest of a request still coming in has nowhere to go
    closing = true;
    maybeEnd();
  };

  const readResponse = (chunk: Buffer): void => {
    let rest = chunk;
    while (rest.length > 0) {
      const x = queue[0];
      if (!x) return dropUpstream(); // bytes beyond the responses asked for
      if (resBody) {
        const n = resBody.push(rest);
        if (resBody.error) return cut(x, `upstream response framing broken: ${resBody.error}`);
        rest = rest.subarray(n);
        if (resBody.done) responseDone(x);
        continue;
      }
      const got = resHeads.push(rest);
      if (got === null) return;
      if ('tooLarge' in got) return cut(x, `upstream response head over ${MAX_HEAD_BYTES / 1024} KB`);
      rest = got.rest;
      const p = parseResponseHead(got.head);
      if (!p.ok) {
        // already passed on as it came; what follows is passed on too, until the upstream closes
        x.note ??= `upstream sent a malformed response head: ${p.error}`;
        x.final = x.close = closing = untilClose = true;
        resBody = createBodyDecoder({ kind: 'close' }, () => undefined);
        continue;
      }
      const r = p.head;
      // 100 Continue and the like: passed on; the final response follows. 101 cannot come: Upgrade is not forwarded
      if (r.status < 200 && r.status !== 101) continue;
      x.final = true;
      if (x.timer) clearTimeout(x.timer);
      x.sink.response({ status: r.status, headers: r.headers });
      const framing = r.status === 101 ? ({ kind: 'close' } as const) : responseFraming(x.method, r.status, r.headers);
      untilClose = framing.kind === 'close';
      if (untilClose || closesConnection(headerTokens(r.headers, 'connection'), r.minor)) x.close = closing = true;
      resBody = createBodyDecoder(framing, (b) => x.sink.responseBody(b));
      if (resBody.done) responseDone(x);
    }
  };

  const onUpstreamClose = (connected: boolean, err: Error | null): void => {
    up = null;
    const x = queue[0];
    if (!x) return maybeEnd(); // idle: the next request opens another connection
    if (resBody && untilClose) return responseDone(x); // a body read until close: this is its end
    if (canAnswer(x)) {
      if (!connected) return answer(x, 502, `cachelens proxy: cannot reach upstream ${origin}: ${err?.message ?? 'connection closed'}`, `upstream unreachable: ${err?.message ?? 'connection closed'}`);
      const why = err?.message ?? 'the connection closed';
      return answer(x, 502, `cachelens proxy: upstream ${origin} closed the connection before responding: ${why}`, `upstream connection lost before the response: ${why}`);
    }
    cut(x, `upstream connection lost mid-response: ${err?.message ?? 'the connection closed'}`);
  };

  const connect = (): net.Socket => {
    const s = target.tls
      ? tls.connect({ host: target.host, port: target.port, servername: net.isIP(target.host) ? undefined : target.host, ALPNProtocols: ['http/1.1'], ...(o.ca ? { ca: o.ca } : {}) })
      : net.connect({ host: target.host, port: target.port });
    s.setNoDelay(true);
    let connected = false;
    let error: Error | null = null;
    s.once(target.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      s.setNoDelay(true); // again: on a TLS socket the call before connecting may not reach the TCP socket
    });
    s.on('data', (chunk: Buffer) => {
      if (s !== up) return;
      if (queue.length === 0) return dropUpstream(); // a response nobody asked for (a 408 before an idle close, say)
      // passed on first: the client never waits for the parsing below
      if (!c.write(chunk) && !paused) {
        paused = true;
        s.pause();
        c.once('drain', () => {
          paused = false;
          s.resume();
        });
      }
      readResponse(chunk);
    });
    s.on('error', (e) => (error = e));
    s.on('close', () => {
      if (s === up) onUpstreamClose(connected, error);
    });
    up = s;
    return s;
  };

  /** A request head is in: send it (rewritten) and the body bytes after it upstream. Returns the bytes past its body. */
  const startRequest = (headBytes: Buffer, after: Buffer): Buffer | null => {
    const p = scanRequestHead(headBytes, target.head);
    if (!p.ok) return refuse(p.status, p.error), null;
    const h = p.head.head;
    if (h.method === 'CONNECT') return refuse(405, 'CONNECT is not supported: this is not a forward proxy; set the client\'s base URL to it'), null;
    const framing = requestFraming(p.head.transferEncoding, p.head.contentLength);
    if ('error' in framing) return refuse(400, `cannot forward this request: ${framing.error}`), null;
    // the bytes go on first; opening the exchange (the server's clock and bookkeeping) waits until they have:
    // between paced requests that code is cold and took a fifth of a millisecond before the write
    let sink: ExchangeSink | null = null;
    const early: Buffer[] = [];
    const dec = createBodyDecoder(framing, (b) => (sink ? sink.body(b) : void early.push(b)));
    const n = dec.push(after);
    const u = up ?? connect();
    u.cork();
    u.write(p.head.out);
    if (n > 0) u.write(n === after.length ? after : after.subarray(0, n));
    u.uncork();
    sink = o.open(h);
    for (const b of early) sink.body(b);
    const q = h.target.indexOf('?');
    const x: Pending = { sink, method: h.method, path: q >= 0 ? h.target.slice(0, q) : h.target, close: closesConnection(p.head.connection, h.minor), final: false, timer: null, note: null, ended: false };
    queue.push(x);
    if (x.close) closing = true;
    // our own timer: an OS-level connect timeout is 'unreachable', not 'no response'
    x.timer = setTimeout(() => {
      if (x.ended) return;
      if (canAnswer(x) && queue[0] === x) answer(x, 504, `cachelens proxy: upstream ${origin} sent no response within ${seconds} s`, `upstream timed out: no response within ${seconds} s`);
      else cut(x, `upstream timed out: no response within ${seconds} s`);
    }, o.timeoutMs);
    if (dec.error) return cut(x, `client request failed: ${dec.error}`), null;
    if (!dec.done) {
      reqBody = dec;
      receiving = x;
    }
    return after.subarray(n);
  };

  c.on('data', (chunk: Buffer) => {
    let rest: Buffer | null = chunk;
    while (rest && rest.length > 0) {
      if (reqBody) {
        const n = reqBody.push(rest);
        // written on without waiting for 'drain': a body is at most tens of MB, and pausing the
        // client for every 16 KB the upstream socket has not taken yet costs more than the memory
        if (up && n > 0) up.write(n === rest.length ? rest : rest.subarray(0, n));
        if (reqBody.error) return cut(receiving!, `client request failed: ${reqBody.error}`);
        rest = rest.subarray(n);
        if (reqBody.done) {
          reqBody = receiving = null;
          maybeEnd();
        }
        continue;
      }
      if (closing) return; // nothing after a request that closes the connection, or after an error answer
      const got = reqHeads.push(rest);
      if (got === null) return;
      if ('tooLarge' in got) return refuse(431, `request head over ${MAX_HEAD_BYTES / 1024} KB`);
      rest = startRequest(got.head, got.rest);
    }
  });
  // like node:http's server: a client that stops sending has left; what it asked and did not get is dropped
  c.on('end', () => {
    if (queue.length > 0 || reqBody) c.destroy();
  });
  c.on('error', () => undefined); // 'close' follows and says what the exchange needs
  c.on('close', () => {
    dropUpstream();
    for (const x of queue) finish(x, null, x.note ?? 'client closed the connection before the response ended');
    queue.length = 0;
  });
  return () => {
    dropUpstream();
    c.destroy();
  };
}
