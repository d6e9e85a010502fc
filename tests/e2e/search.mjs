// End-to-end test of the search box (issue 19) in headless Debian Chromium.
//
//   node tests/e2e/search.mjs [--lede target/release/lede] [--chromium /usr/bin/chromium]
//
// Builds this repository's explainer with `base_url = /explainer/` into a temporary folder
// WWW/explainer/ and serves WWW with a plain static file server (tests/quality/serve.mjs:
// files, index.html for folders, nothing else), so the site lives under a sub-path. Then, in
// the browser: "/" focuses the box; "Donbass" (an alias) finds the Donbas term page first;
// "27 points" finds the documents page; the arrow keys move through the results; Escape
// closes them; a result's link opens its page; and without JavaScript the header holds a
// plain link to the glossary. Never downloads a browser.
// Last line: `e2e search: N passed, M failed`; exit code 0 only if M = 0.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assert, check, counts, executablePath, launchChromium, lede, repo } from './harness.mjs';
import { startServer } from '../quality/serve.mjs';

const TIMEOUT = 10000;

/** Types `query` into the box and resolves with the results: [{href, kind, title, excerpt}]. */
async function searchFor(tab, query) {
  const input = tab.locator('#search-input');
  await input.fill('');
  await input.pressSequentially(query, { delay: 20 });
  await tab.waitForFunction(
    (q) => {
      const status = document.querySelector('#search-status');
      return !document.querySelector('.search-panel').hidden && status.textContent !== '' &&
        document.querySelector('#search-input').value === q;
    },
    query,
    { timeout: TIMEOUT },
  );
  // The last keystroke's search is the one shown once the status settles.
  await tab.waitForTimeout(300);
  return tab.$$eval('#search-results a', (links) =>
    links.map((a) => ({
      href: a.getAttribute('href'),
      kind: a.querySelector('.search-kind').textContent,
      title: a.querySelector('.search-title').textContent,
      excerpt: a.querySelector('.search-excerpt').innerHTML,
    })),
  );
}

async function main() {
  assert(fs.existsSync(lede), `no lede binary at ${lede}: run cargo build --release`);
  assert(fs.existsSync(executablePath), `no browser at ${executablePath}: apt-get install chromium`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lede-search-e2e-'));
  const www = path.join(tmp, 'www');
  fs.mkdirSync(www);
  const built = spawnSync(
    lede,
    ['--root', repo, 'build', '--output-dir', path.join(www, 'explainer'), '--base-url', '/explainer/'],
    { encoding: 'utf8' },
  );
  let server;
  let browser;
  try {
    assert(built.status === 0, `lede build failed:\n${built.stdout}\n${built.stderr}`);
    server = await startServer(www);
    const site = `${server.url}/explainer/`;
    browser = await launchChromium();
    const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const consoleErrors = [];
    tab.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url || ''})`);
    });
    tab.on('pageerror', (e) => consoleErrors.push(String(e)));
    const loaded = [];
    tab.on('request', (r) => loaded.push(new URL(r.url()).pathname));
    await tab.goto(`${site}meeting/`);

    await check('the index loads only when the box is used', async () => {
      assert(!loaded.some((p) => p.includes('/pagefind/')), `loaded before use: ${loaded.join(', ')}`);
    });

    await check('"/" focuses the search box', async () => {
      await tab.locator('main').click({ position: { x: 5, y: 5 } });
      await tab.keyboard.press('/');
      const focused = await tab.evaluate(() => document.activeElement && document.activeElement.id);
      assert(focused === 'search-input', `focus is on #${focused}`);
      assert((await tab.inputValue('#search-input')) === '', 'the "/" was typed into the box');
    });

    await check('"Donbass" finds the Donbas term page first', async () => {
      const results = await searchFor(tab, 'Donbass');
      assert(results.length > 0, 'no results');
      assert(results[0].href === '/explainer/glossary/donbas/', `first result: ${JSON.stringify(results[0])}`);
      assert(results[0].kind === 'Term', `kind: ${results[0].kind}`);
      assert(results[0].title === 'Donbas', `title: ${results[0].title}`);
    });

    await check('"Donbas" ranks the term page above the pages that mention it', async () => {
      const results = await searchFor(tab, 'Donbas');
      assert(results.length > 1, `only ${results.length} result(s)`);
      assert(results[0].href === '/explainer/glossary/donbas/', `first: ${results[0].href}`);
      assert(results[0].excerpt.includes('<mark>'), `no marked hit: ${results[0].excerpt}`);
    });

    let results = [];
    await check('"27 points" finds the documents page, with the hit marked', async () => {
      results = await searchFor(tab, '27 points');
      const documents = results.find((r) => r.href === '/explainer/documents/');
      assert(documents, `not among: ${results.map((r) => r.href).join(', ')}`);
      assert(documents.kind === 'Page', `kind: ${documents.kind}`);
      assert(/<mark>27<\/mark>/.test(documents.excerpt), `excerpt: ${documents.excerpt}`);
    });

    await check('the arrow keys move through the results and back to the box', async () => {
      assert(results.length >= 2, `need two results, have ${results.length}`);
      const focused = () => tab.evaluate(() => document.activeElement.getAttribute('href') || document.activeElement.id);
      await tab.keyboard.press('ArrowDown');
      assert((await focused()) === results[0].href, `after ↓: ${await focused()}`);
      await tab.keyboard.press('ArrowDown');
      assert((await focused()) === results[1].href, `after ↓↓: ${await focused()}`);
      await tab.keyboard.press('ArrowUp');
      await tab.keyboard.press('ArrowUp');
      assert((await focused()) === 'search-input', `after ↓↓↑↑: ${await focused()}`);
    });

    await check('Escape closes the results', async () => {
      await tab.keyboard.press('ArrowDown');
      await tab.keyboard.press('Escape');
      const state = await tab.evaluate(() => ({
        hidden: document.querySelector('.search-panel').hidden,
        visible: document.querySelector('#search-results').checkVisibility(),
        focus: document.activeElement.id,
      }));
      assert(state.hidden && !state.visible, `results still shown: ${JSON.stringify(state)}`);
      assert(state.focus === 'search-input', `focus went to #${state.focus}`);
    });

    await check('a result opens its page under the sub-path', async () => {
      await searchFor(tab, 'Donbass');
      await Promise.all([tab.waitForURL(`${site}glossary/donbas/`), tab.keyboard.press('ArrowDown').then(() => tab.keyboard.press('Enter'))]);
      const h1 = await tab.textContent('h1');
      assert(h1.trim() === 'Donbas', `h1: ${h1}`);
    });

    await check('readable at 375 px: the box and its results fit the screen', async () => {
      const phone = await browser.newPage({ viewport: { width: 375, height: 700 } });
      await phone.goto(`${site}`);
      await phone.locator('#search-input').click();
      await searchFor(phone, 'Ushakov');
      const boxes = await phone.evaluate(() =>
        ['#search-input', '.search-panel'].map((s) => document.querySelector(s).getBoundingClientRect().toJSON()),
      );
      for (const b of boxes) assert(b.left >= 0 && b.right <= 375 && b.width >= 250, `box ${JSON.stringify(b)}`);
      await phone.close();
    });

    await check('without JavaScript the header links to the glossary', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const plain = await context.newPage();
      await plain.goto(`${site}meeting/`);
      const link = plain.locator('.site-search a');
      assert(await link.isVisible(), 'no visible link');
      assert((await link.getAttribute('href')) === '/explainer/glossary/', `href ${await link.getAttribute('href')}`);
      assert(!(await plain.locator('#search-input').isVisible()), 'a search box that cannot work is shown');
      await context.close();
    });

    await check('no script errors in the page', async () => {
      assert(consoleErrors.length === 0, consoleErrors.join('\n'));
    });
  } catch (e) {
    counts.failed += 1;
    console.log(`FAIL setup\n     ${e && e.stack ? e.stack : e}`);
  } finally {
    if (browser) await browser.close();
    if (server) await server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
console.log(`e2e search: ${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed === 0 ? 0 : 1);
