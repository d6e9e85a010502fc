// End-to-end test of `lede serve`'s live reload in headless Debian Chromium (issue 5).
//
//   node tests/e2e/reload.mjs [--lede target/release/lede] [--chromium /usr/bin/chromium]
//
// Copies the `basic` fixture into a temporary folder, starts `lede serve` on a free port,
// opens a page in Chromium and edits the site's files the way a writer would:
//   - a content edit shows without a manual reload, at the same scroll position;
//   - a CSS edit restyles the page without reloading it;
//   - a broken save shows the error overlay over the last good page; the fix clears it;
//   - a template edit shows without a manual reload.
// Never downloads a browser. Last line: `e2e: N passed, M failed`; exit code 0 only if M = 0.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assert, check, counts, executablePath, launchChromium, lede, repo } from './harness.mjs';

const TIMEOUT = 5000;

/// Starts `lede serve` and resolves with its URL once it prints it.
function startServer(root) {
  const child = spawn(lede, ['--root', root, 'serve', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lede serve did not start:\n${out}\n${err}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/Serving at (http:\/\/\S+\/) /);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`lede serve exited (${code}):\n${out}\n${err}`)));
  });
  return { child, url, output: () => `${out}\n${err}` };
}

function copyTree(from, to) {
  fs.cpSync(from, to, { recursive: true });
}

/// Writes a file the way many editors do: a temporary file renamed over the old one.
function save(file, text) {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-e2e`);
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

async function main() {
  assert(fs.existsSync(lede), `no lede binary at ${lede}: run cargo build --release`);
  assert(fs.existsSync(executablePath), `no browser at ${executablePath}: apt-get install chromium`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lede-e2e-'));
  const root = path.join(tmp, 'site');
  copyTree(path.join(repo, 'tests', 'fixtures', 'basic'), root);
  const page = path.join(root, 'content', 'a.md');
  const original = fs.readFileSync(page, 'utf8');
  // A long page, to check that a reload keeps the scroll position.
  const filler = Array.from({ length: 80 }, (_, i) => `Filler paragraph ${i}.`).join('\n\n');
  fs.writeFileSync(page, `${original}\n\n${filler}\n\nThe end, version 0.\n`);

  const server = startServer(root);
  let browser;
  try {
    const url = await server.url;
    browser = await launchChromium();
    const tab = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    const consoleErrors = [];
    tab.on('console', (m) => {
      const where = m.location().url || '';
      // The fixture has no favicon; the browser asks for one anyway.
      if (m.type() === 'error' && !where.endsWith('/favicon.ico')) consoleErrors.push(`${m.text()} (${where})`);
    });
    await tab.goto(`${url}a/`);
    await tab.waitForFunction(() => window.scrollTo !== undefined);
    const text = () => fs.readFileSync(page, 'utf8');
    const shows = (needle) =>
      tab.waitForFunction((n) => document.body && document.body.innerText.includes(n), needle, {
        timeout: TIMEOUT,
      });
    // The event stream is open before any edit (the page says hello first).
    await tab.waitForTimeout(300);

    await check('a content edit shows without a manual reload, at the same scroll position', async () => {
      await tab.evaluate(() => window.scrollTo(0, 900));
      const before = await tab.evaluate(() => window.scrollY);
      assert(before > 800, `the page did not scroll (scrollY ${before})`);
      save(page, text().replace('The end, version 0.', 'The end, version 1.'));
      await shows('The end, version 1.');
      await tab.waitForFunction((y) => Math.abs(window.scrollY - y) < 50, before, { timeout: TIMEOUT });
    });

    await check('a CSS edit restyles the page without reloading it', async () => {
      await tab.evaluate(() => {
        window.__ledeNotReloaded = true;
      });
      const css = path.join(root, 'static', 'style.css');
      save(css, 'body { color: rgb(1, 2, 3); }\n');
      await tab.waitForFunction(() => getComputedStyle(document.body).color === 'rgb(1, 2, 3)', null, {
        timeout: TIMEOUT,
      });
      assert(await tab.evaluate(() => window.__ledeNotReloaded === true), 'the page was reloaded');
      const sheets = await tab.evaluate(() => document.querySelectorAll('link[rel="stylesheet"]').length);
      assert(sheets === 1, `${sheets} stylesheets after the swap`);
    });

    await check('a broken save shows the error over the last good page; the fix clears it', async () => {
      save(page, text().replace('[C](sub/c.md)', '[C](sub/missing.md)'));
      const overlay = await tab.waitForSelector('#__lede_errors', { timeout: TIMEOUT });
      const message = await overlay.innerText();
      assert(/content\/a\.md:\d+/.test(message), `no file:line in the overlay: ${message}`);
      assert(message.includes('sub/missing.md'), `no message in the overlay: ${message}`);
      assert(await tab.evaluate(() => document.body.innerText.includes('The end, version 1.')), 'the last good page is gone');
      save(page, text().replace('[C](sub/missing.md)', '[C](sub/c.md)').replace('version 1.', 'version 2.'));
      await shows('The end, version 2.');
      await tab.waitForSelector('#__lede_errors', { state: 'detached', timeout: TIMEOUT });
    });

    await check('a template edit shows without a manual reload', async () => {
      const template = path.join(root, 'templates', 'page.html');
      save(template, fs.readFileSync(template, 'utf8').replace('<h1>', '<h1 data-edited="yes">'));
      await tab.waitForSelector('h1[data-edited="yes"]', { timeout: TIMEOUT });
    });

    await check('no script errors in the page', async () => {
      assert(consoleErrors.length === 0, consoleErrors.join('\n'));
    });

    await check('nothing was written to the output folder', async () => {
      assert(!fs.existsSync(path.join(root, 'public')), 'public/ exists');
    });
  } catch (e) {
    counts.failed += 1;
    console.log(`FAIL setup\n     ${e && e.stack ? e.stack : e}\n${server.output()}`);
  } finally {
    if (browser) await browser.close();
    server.child.kill('SIGINT');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
console.log(`e2e: ${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed === 0 ? 0 : 1);
