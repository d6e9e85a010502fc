// Edit-to-reload latency of `lede serve`, for the benchmark (issue 5): the time from a
// file write to the live-reload message that tells the browser to reload.
//
//   node tests/e2e/latency.mjs --root /tmp/corpus/lede --page content/section-3/page-00013.md \
//        [--lede target/release/lede] [--runs 30]
//
// Starts `lede serve` on a free port, listens to /__lede/events like the page script does,
// then edits one line of the page's body `--runs` times (waiting for each message) and puts
// the file back. Prints one line with the median, p90, min and max in milliseconds, and the
// median of the server's own rebuild time (`timing.build_ms` in the message), then the same
// as JSON. No dependencies besides Node.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const lede = path.resolve(option('--lede', path.join(here, '..', '..', 'target', 'release', 'lede')));
const root = option('--root');
const pageRel = option('--page');
const runs = Number(option('--runs', '30'));
if (!root || !pageRel) {
  console.error('usage: latency.mjs --root SITE --page content/PAGE.md [--lede BIN] [--runs N]');
  process.exit(2);
}
const page = path.join(root, pageRel);
const original = fs.readFileSync(page, 'utf8');

const server = spawn(lede, ['--root', root, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/Serving at (http:\/\/\S+\/) /);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`lede serve exited (${code}): ${out}`)));
});

// The event stream: each `data:` line is one JSON message.
const waiting = [];
const queued = [];
http.get(`${url}__lede/events`, (res) => {
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => {
    buffer += chunk;
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (!line.startsWith('data: ')) continue;
      const message = { at: performance.now(), body: JSON.parse(line.slice(6)) };
      const w = waiting.shift();
      if (w) w(message);
      else queued.push(message);
    }
  });
});
const next = () =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30000);
    const take = (m) => {
      clearTimeout(timer);
      resolve(m);
    };
    if (queued.length) take(queued.shift());
    else waiting.push(take);
  });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const latencies = [];
const builds = [];
try {
  await next(); // hello
  const fence = original.indexOf('+++', 3);
  const bodyStart = original.indexOf('\n', fence) + 1;
  for (let i = 0; i < runs; i++) {
    const text = `${original.slice(0, bodyStart)}Latency edit ${i}.\n\n${original.slice(bodyStart)}`;
    const t0 = performance.now();
    fs.writeFileSync(page, text);
    const m = await next();
    if (m.body.errors.length) throw new Error(`the edit did not build: ${JSON.stringify(m.body.errors)}`);
    latencies.push(m.at - t0);
    builds.push(m.body.timing ? m.body.timing.build_ms : NaN);
    await sleep(150);
  }
} finally {
  fs.writeFileSync(page, original);
  await sleep(300);
  const exited = new Promise((resolve) => server.on('exit', resolve));
  server.kill('SIGINT');
  await exited;
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const quantile = (xs, q) => sorted(xs)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const result = {
  runs,
  median_ms: quantile(latencies, 0.5),
  p90_ms: quantile(latencies, 0.9),
  min_ms: Math.min(...latencies),
  max_ms: Math.max(...latencies),
  rebuild_median_ms: quantile(builds, 0.5),
};
const f = (x) => x.toFixed(1);
console.log(
  `lede serve edit-to-reload: median ${f(result.median_ms)} ms, p90 ${f(result.p90_ms)} ms, ` +
    `min ${f(result.min_ms)}, max ${f(result.max_ms)} (rebuild median ${f(result.rebuild_median_ms)} ms) over ${runs} edits`,
);
console.log(JSON.stringify(result));
process.exit(0);
