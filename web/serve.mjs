// A small static server for the built page, bound to 127.0.0.1 only.
//
//   node web/serve.mjs --dir build/web/site [--port 8080]
//   import { startServer } from './serve.mjs';  const s = await startServer({dir, port: 0});
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png', '.data': 'application/octet-stream',
  '.css': 'text/css; charset=utf-8', '.ttf': 'font/ttf',
};

export function startServer({ dir, port = 8080, host = '127.0.0.1' }) {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    let urlPath;
    try { urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { res.writeHead(400); res.end('bad request'); return; }
    if (urlPath.endsWith('/')) urlPath += 'edgestudy.html';
    const file = path.resolve(root, '.' + urlPath);
    if (!file.startsWith(root + path.sep)) { res.writeHead(403); res.end('forbidden'); return; }
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found'); return; }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(data);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const get = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
  const dir = get('--dir', 'build/web/site');
  const port = Number(get('--port', '8080'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) { console.error(`serve: --port must be 0..65535, got ${get('--port')}`); process.exit(2); }
  if (!fs.existsSync(path.join(dir, 'edgestudy.html'))) { console.error(`serve: ${dir}/edgestudy.html not found (run ./build.sh web)`); process.exit(2); }
  startServer({ dir, port }).then((server) => {
    const { port: p } = server.address();
    console.log(`EdgeStudy is served at http://127.0.0.1:${p}/  (Ctrl+C to stop)`);
  }, (err) => {
    console.error(`serve: cannot listen on 127.0.0.1:${port}: ${err.code || err.message}` +
      (err.code === 'EADDRINUSE' ? ' (another server is using it; try PORT=8081 ./build.sh run)' : ''));
    process.exit(1);
  });
}
