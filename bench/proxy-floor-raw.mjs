// The raw floor for the proxy bench: the least any forwarding process can do
// (each client connection paired with one upstream TCP connection, bytes
// relayed both ways; no HTTP parsing at all, so no Host rewrite, no capture).
// `node bench/proxy-floor-raw.mjs UPSTREAM_PORT` prints '127.0.0.1:PORT →' when listening.
import net from 'node:net';

const upPort = Number(process.argv[2]);
const pairs = new Set();
const server = net.createServer({ noDelay: true }, (c) => {
  const u = net.connect({ host: '127.0.0.1', port: upPort, noDelay: true });
  pairs.add(c);
  c.on('data', (d) => u.write(d));
  u.on('data', (d) => c.write(d));
  c.on('close', () => (pairs.delete(c), u.destroy()));
  u.on('close', () => c.destroy());
  c.on('error', () => undefined);
  u.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`127.0.0.1:${server.address().port} →\n`));
process.on('SIGTERM', () => {
  server.close();
  for (const c of pairs) c.destroy();
});
