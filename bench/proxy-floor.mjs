// The floor for the proxy bench: the least a Node forwarding proxy can do
// (pipe the request up, pipe the response back; no capture, no store).
// `node bench/proxy-floor.mjs UPSTREAM_PORT` prints '127.0.0.1:PORT →' when listening.
import http from 'node:http';

const upPort = Number(process.argv[2]);
const agent = new http.Agent({ keepAlive: true });
const server = http.createServer({ noDelay: true }, (req, res) => {
  const up = http.request({ host: '127.0.0.1', port: upPort, method: req.method, path: req.url, headers: req.headers, agent }, (ur) => {
    res.writeHead(ur.statusCode ?? 502, ur.headers);
    res.flushHeaders();
    ur.pipe(res);
  });
  up.on('error', (err) => res.destroy(err));
  req.pipe(up);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`127.0.0.1:${server.address().port} →\n`));
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  agent.destroy();
});
