import { describe, expect, it } from 'vitest';
import { hostAllowed, isLoopback } from './server.js';

describe('hostAllowed (DNS rebinding guard)', () => {
  it('on loopback: only 127.0.0.1, localhost and [::1] with the bound port', () => {
    expect(hostAllowed('127.0.0.1', 4477, '127.0.0.1:4477')).toBe(true);
    expect(hostAllowed('127.0.0.1', 4477, 'LOCALHOST:4477')).toBe(true);
    expect(hostAllowed('127.0.0.1', 4477, '[::1]:4477')).toBe(true);
    expect(hostAllowed('127.0.0.1', 4477, '127.0.0.1:4478')).toBe(false);
    expect(hostAllowed('127.0.0.1', 4477, 'evil.example:4477')).toBe(false);
    expect(hostAllowed('127.0.0.1', 4477, 'evil.example')).toBe(false);
    expect(hostAllowed('127.0.0.1', 4477, '127.0.0.1')).toBe(false);
    expect(hostAllowed('127.0.0.1', 4477, undefined)).toBe(false);
    expect(hostAllowed('127.0.0.1', 80, '127.0.0.1')).toBe(true);
  });

  it('on another address: that address only; on every interface: any name (the token guards the API)', () => {
    expect(hostAllowed('192.168.1.5', 4477, '192.168.1.5:4477')).toBe(true);
    expect(hostAllowed('192.168.1.5', 4477, 'localhost:4477')).toBe(false);
    expect(hostAllowed('fe80::1', 4477, '[fe80::1]:4477')).toBe(true);
    expect(hostAllowed('0.0.0.0', 4477, 'anything:4477')).toBe(true);
  });

  it('isLoopback', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.1.2.3')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
  });
});
