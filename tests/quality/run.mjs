#!/usr/bin/env node
// HTML quality gates for a site built by `lede build`.
//
//   node tests/quality/run.mjs --site DIR    check every page of the built site in DIR
//   node tests/quality/run.mjs --self-test   prove each gate passes a known-good page and
//                                            fails a known-bad one (fixtures/)
//
// Gates, one check per page each:
//   vnu        the Nu HTML Checker (vnu.jar, errors only) finds no error
//   axe@375    axe-core finds no violation with the viewport 375 px wide
//   axe@1280   axe-core finds no violation with the viewport 1280 px wide
//   size       the page's HTML plus every same-origin CSS and JS file it references is
//              at most 60 KB (61,440 bytes) uncompressed
//
// Ends with the line `quality: N passed, M failed` (N and M count checks; a gate that could
// not run at all counts as one failed check) and exits 0 only when M is 0.
//
// Environment: QUALITY_CHROMIUM (default /usr/bin/chromium), JAVA (default `java`),
// QUALITY_BUDGET_BYTES (default 61440), QUALITY_TIMEOUT_S (default 480: the whole run's limit),
// QUALITY_MAX_LISTED (default 25: nodes/errors listed per violation/page before "… and N more").
// Never downloads a browser: Playwright drives the system's Chromium.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { startServer, contentType } from './serve.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const CHROMIUM = process.env.QUALITY_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const JAVA = process.env.JAVA || 'java';
const BUDGET = Number(process.env.QUALITY_BUDGET_BYTES || 60 * 1024);
const TIMEOUT_S = Number(process.env.QUALITY_TIMEOUT_S || 480);
const MAX_LISTED = Number(process.env.QUALITY_MAX_LISTED || 25);
const VIEWPORTS = [
  { width: 375, height: 812 },
  { width: 1280, height: 800 },
];
export const GATES = ['vnu', ...VIEWPORTS.map((v) => `axe@${v.width}`), 'size'];

// ---------------------------------------------------------------------------------------------
// Small helpers

class SetupError extends Error {}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function listed(items, max = MAX_LISTED) {
  const shown = items.slice(0, max);
  if (items.length > max) shown.push(`… and ${items.length - max} more`);
  return shown;
}

function resolveDependency(spec, what) {
  try {
    return require.resolve(spec);
  } catch {
    throw new SetupError(
      `cannot find ${what} (${spec}) in ${path.join(HERE, 'node_modules')}; ` +
        `run \`npm ci --ignore-scripts\` in tests/quality/ first`,
    );
  }
}

function vnuJarPath() {
  resolveDependency('vnu-jar', 'the Nu HTML Checker');
  const jar = String(require('vnu-jar'));
  if (!fs.existsSync(jar)) throw new SetupError(`vnu-jar says its jar is ${jar}, which is missing`);
  return jar;
}

function axeScriptPath() {
  return resolveDependency('axe-core/axe.min.js', 'axe-core');
}

/** Every .html file under `dir` (skipping dot-folders), as paths relative to it, sorted. */
export function htmlFiles(dir) {
  const out = [];
  const walk = (sub) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile() && /\.html?$/i.test(entry.name)) out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

/** The URL path a static host serves `rel` (an .html file's path in the site) at. */
export function urlPathOf(rel) {
  if (rel === 'index.html') return '/';
  if (rel.endsWith('/index.html')) return '/' + rel.slice(0, -'index.html'.length);
  return '/' + rel;
}

/** The file in `siteDir` that a same-origin URL path is served from, or null. */
function fileOfUrlPath(siteDir, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const base = path.resolve(siteDir);
  let file = path.resolve(base, '.' + path.posix.normalize(decoded));
  if (file !== base && !file.startsWith(base + path.sep)) return null;
  try {
    if (fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    return fs.statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Gate: Nu HTML Checker

/**
 * Runs vnu.jar once over `files` (absolute paths). Resolves to a Map from each file to its
 * error messages ({line, column, message}); throws a SetupError when the checker cannot run.
 * Uses `--format json` (same checks as `--format text`) so each error is tied to its file.
 */
export async function runVnu(files) {
  const jar = vnuJarPath();
  const args = ['-jar', jar, '--errors-only', '--format', 'json', ...files];
  const { code, stdout, stderr, error } = await new Promise((resolve) => {
    let out = '';
    let err = '';
    const child = spawn(JAVA, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve({ error: e, stdout: out, stderr: err }));
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  if (error) {
    throw new SetupError(
      `cannot run Java (\`${JAVA}\`) for the Nu HTML Checker: ${error.message}; ` +
        `install a Java runtime (17+) or set JAVA=/path/to/java`,
    );
  }
  const text = stderr + '\n' + stdout;
  const start = text.search(/\{"(messages|version|url)"/);
  let report;
  try {
    report = JSON.parse(text.slice(start, text.lastIndexOf('}') + 1));
  } catch {
    throw new SetupError(
      `the Nu HTML Checker exited with ${code} without a JSON report:\n${text.trim().slice(0, 2000)}`,
    );
  }
  const byFile = new Map(files.map((f) => [path.resolve(f), []]));
  for (const m of report.messages ?? []) {
    if (m.type !== 'error' && m.type !== 'non-document-error') continue;
    let file = null;
    try {
      file = m.url ? path.resolve(fileURLToPath(m.url)) : null;
    } catch {
      file = null;
    }
    const entry = {
      line: m.lastLine ?? m.firstLine ?? null,
      column: m.firstColumn ?? m.lastColumn ?? null,
      message: (m.type === 'non-document-error' ? `(could not check) ` : '') + m.message,
    };
    if (file && byFile.has(file)) byFile.get(file).push(entry);
    else throw new SetupError(`the Nu HTML Checker reported on an unexpected resource ${m.url}: ${m.message}`);
  }
  if (code !== 0 && [...byFile.values()].every((v) => v.length === 0)) {
    throw new SetupError(`the Nu HTML Checker exited with ${code} but reported no error:\n${text.trim().slice(0, 2000)}`);
  }
  return byFile;
}

// ---------------------------------------------------------------------------------------------
// Gate: axe-core in Chromium

export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new SetupError(
      `Chromium not found at ${CHROMIUM}; install Debian's (\`apt-get install -y chromium\`) ` +
        `or set QUALITY_CHROMIUM=/path/to/chromium. This script never downloads a browser.`,
    );
  }
  resolveDependency('playwright-core', 'playwright-core');
  const { chromium } = await import('playwright-core');
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
    });
  } catch (e) {
    throw new SetupError(`cannot start Chromium (${CHROMIUM}): ${e.message}`);
  }
}

/**
 * Opens one tab per viewport and returns { run(url) → {violations, warnings, loaded}, close() }.
 * `loaded` lists the same-origin CSS and JS the browser fetched (for the size gate).
 */
async function axeRunner(browser, viewport, origin) {
  const axePath = axeScriptPath();
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  let current = null; // per-URL collector
  page.on('pageerror', (e) => current?.warnings.push(`JavaScript error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location()?.url;
    current?.warnings.push(`console error: ${m.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('requestfailed', (r) => {
    if (r.url().startsWith(origin)) current?.warnings.push(`request failed: ${r.url()} (${r.failure()?.errorText})`);
  });
  page.on('response', (r) => {
    if (!current || !r.url().startsWith(origin)) return;
    const type = r.request().resourceType();
    if (r.status() >= 400 && r.request() !== current.mainRequest) {
      current.warnings.push(`HTTP ${r.status()} for ${r.url()} (${type})`);
    }
    if ((type === 'stylesheet' || type === 'script') && r.status() < 400) current.loaded.add(new URL(r.url()).pathname);
  });
  return {
    async run(urlPath) {
      current = { warnings: [], loaded: new Set(), mainRequest: null };
      const response = await page.goto(origin + urlPath, { waitUntil: 'load' });
      current.mainRequest = response?.request() ?? null;
      const problems = [];
      if (!response || response.status() !== 200) {
        problems.push(`HTTP ${response?.status() ?? 'no response'} for ${origin + urlPath}`);
      }
      await page.addScriptTag({ path: axePath });
      const result = await page.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          helpUrl: v.helpUrl,
          targets: v.nodes.map((n) => n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(' ')),
        }));
      });
      const out = { violations: result, problems, warnings: current.warnings, loaded: [...current.loaded] };
      current = null;
      return out;
    },
    close: () => context.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// Gate: size budget

function attributes(tagText) {
  const attrs = {};
  const re = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g;
  let m;
  while ((m = re.exec(tagText))) attrs[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  return attrs;
}

function decodeEntities(s) {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The CSS and JS URLs (as written) that an HTML document references. */
export function htmlReferences(html) {
  const refs = [];
  const body = html.replace(/<!--[\s\S]*?-->/g, '');
  const re = /<(link|script)\b([^>]*)>/gi;
  let m;
  while ((m = re.exec(body))) {
    const a = attributes(m[2]);
    if (m[1].toLowerCase() === 'script') {
      if (a.src) refs.push(a.src);
      continue;
    }
    const rel = (a.rel || '').toLowerCase().split(/\s+/);
    const as = (a.as || '').toLowerCase();
    if (!a.href) continue;
    if (rel.includes('stylesheet') || rel.includes('modulepreload') || (rel.includes('preload') && (as === 'style' || as === 'script'))) {
      refs.push(a.href);
    }
  }
  return refs;
}

/** The URLs (as written) a stylesheet @imports. */
export function cssImports(css) {
  const refs = [];
  const body = css.replace(/\/\*[\s\S]*?\*\//g, '');
  const re = /@import\s+(?:url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|"([^"]*)"|'([^']*)')/gi;
  let m;
  while ((m = re.exec(body))) refs.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5]);
  return refs;
}

/**
 * The weight of one page: its HTML plus each same-origin CSS/JS file it references (through
 * <link>/<script>, CSS @import, and `extraPaths`: what the browser was seen loading), each
 * counted once. Returns { total, parts: [{what, bytes}], missing: [url] }.
 */
export function pageWeight(siteDir, rel, extraPaths = []) {
  const origin = 'http://site.invalid';
  const pageFile = path.join(siteDir, rel);
  const html = fs.readFileSync(pageFile);
  const parts = [{ what: `${urlPathOf(rel)} (HTML)`, bytes: html.length }];
  const missing = [];
  const seen = new Set();
  const queue = [];
  const add = (ref, baseUrl) => {
    if (!ref || /^(data|blob|javascript|about):/i.test(ref.trim())) return;
    let u;
    try {
      u = new URL(ref.trim(), baseUrl);
    } catch {
      missing.push(ref);
      return;
    }
    if (u.origin !== origin) return; // another origin: not this site's weight
    if (seen.has(u.pathname)) return;
    seen.add(u.pathname);
    queue.push(u);
  };
  const pageUrl = origin + urlPathOf(rel);
  for (const ref of htmlReferences(html.toString('utf8'))) add(ref, pageUrl);
  for (const p of extraPaths) add(p, pageUrl);
  while (queue.length) {
    const u = queue.shift();
    const file = fileOfUrlPath(siteDir, u.pathname);
    if (!file) {
      missing.push(u.pathname);
      continue;
    }
    const bytes = fs.readFileSync(file);
    parts.push({ what: u.pathname, bytes: bytes.length });
    if (contentType(file).startsWith('text/css')) {
      for (const ref of cssImports(bytes.toString('utf8'))) add(ref, u.href);
    }
  }
  return { total: parts.reduce((s, p) => s + p.bytes, 0), parts, missing };
}

// ---------------------------------------------------------------------------------------------
// All gates over one site

/**
 * Runs every gate on the site in `siteDir`. Returns { pages, checks, largest } where each check
 * is { gate, page, ok, problems: [string], warnings: [string], data }.
 */
export async function checkSite(siteDir, { browser, log = () => {} } = {}) {
  siteDir = path.resolve(siteDir);
  const files = htmlFiles(siteDir);
  if (files.length === 0) throw new SetupError(`no .html files in ${siteDir}: did the build write anything?`);
  const pages = files.map((rel) => ({ rel, url: urlPathOf(rel), file: path.join(siteDir, rel) }));
  const checks = [];

  // vnu
  let t = Date.now();
  try {
    const byFile = await runVnu(pages.map((p) => p.file));
    for (const p of pages) {
      const errors = byFile.get(path.resolve(p.file)) ?? [];
      checks.push({
        gate: 'vnu',
        page: p.url,
        ok: errors.length === 0,
        problems: errors.map((e) => `${p.rel}:${e.line ?? '?'}:${e.column ?? '?'}: ${e.message}`),
        warnings: [],
        data: { errors },
      });
    }
  } catch (e) {
    if (!(e instanceof SetupError)) throw e;
    checks.push({ gate: 'vnu', page: '(all)', ok: false, problems: [`could not run: ${e.message}`], warnings: [], data: {} });
  }
  log(`vnu: ${pages.length} file(s) checked in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  // axe, at each width, over the site served on 127.0.0.1
  t = Date.now();
  const loadedByPage = new Map(pages.map((p) => [p.url, new Set()]));
  const server = await startServer(siteDir);
  try {
    for (const viewport of VIEWPORTS) {
      const gate = `axe@${viewport.width}`;
      const runner = await axeRunner(browser, viewport, server.url);
      try {
        for (const p of pages) {
          try {
            const r = await runner.run(p.url);
            r.loaded.forEach((x) => loadedByPage.get(p.url).add(x));
            const problems = [...r.problems];
            for (const v of r.violations) {
              problems.push(
                `${v.id} (${v.impact ?? 'no impact'}): ${v.help} — ${v.targets.length} node(s)\n` +
                  listed(v.targets).map((s) => `        ${s}`).join('\n'),
              );
            }
            checks.push({
              gate,
              page: p.url,
              ok: problems.length === 0,
              problems,
              warnings: r.warnings,
              data: { violations: r.violations },
            });
          } catch (e) {
            checks.push({ gate, page: p.url, ok: false, problems: [`could not check: ${e.message.split('\n')[0]}`], warnings: [], data: { violations: [] } });
          }
        }
      } finally {
        await runner.close();
      }
    }
  } finally {
    await server.close();
  }
  log(`axe: ${pages.length} page(s) × ${VIEWPORTS.length} widths checked in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  // size
  let largest = null;
  for (const p of pages) {
    const w = pageWeight(siteDir, p.rel, [...loadedByPage.get(p.url)]);
    const problems = [];
    if (w.total > BUDGET) {
      problems.push(
        `${kb(w.total)} (${w.total} bytes) is over the ${kb(BUDGET)} (${BUDGET} bytes) budget: ` +
          w.parts.map((x) => `${x.what} ${kb(x.bytes)}`).join(' + '),
      );
    }
    for (const m of w.missing) problems.push(`references ${m}, which is not in the site`);
    checks.push({ gate: 'size', page: p.url, ok: problems.length === 0, problems, warnings: [], data: w });
    if (!largest || w.total > largest.total) largest = { page: p.url, ...w };
  }
  return { pages, checks, largest };
}

// ---------------------------------------------------------------------------------------------
// Reporting

function report(checks, largest) {
  const failed = checks.filter((c) => !c.ok);
  for (const c of failed) {
    console.log(`\nFAIL ${c.gate} ${c.page}`);
    for (const p of c.gate === 'vnu' ? listed(c.problems) : c.problems) console.log(`    ${p}`);
  }
  const warned = checks.filter((c) => c.warnings.length);
  if (warned.length) {
    console.log('\nwarnings (not counted as failures):');
    for (const c of warned) for (const w of [...new Set(c.warnings)]) console.log(`    ${c.gate} ${c.page}: ${w}`);
  }

  console.log('\nsummary by gate:');
  for (const gate of GATES) {
    const mine = checks.filter((c) => c.gate === gate);
    const bad = mine.filter((c) => !c.ok).length;
    console.log(`    ${gate.padEnd(9)} ${mine.length - bad}/${mine.length} ok`);
  }

  const rules = new Map();
  for (const c of checks) {
    for (const v of c.data?.violations ?? []) {
      const r = rules.get(v.id) ?? { impact: v.impact, pages: {}, nodes: 0 };
      r.pages[c.gate] = (r.pages[c.gate] ?? 0) + 1;
      r.nodes += v.targets.length;
      rules.set(v.id, r);
    }
  }
  if (rules.size) {
    console.log('\naxe violations by rule (pages affected per width, nodes in all):');
    for (const [id, r] of [...rules].sort((a, b) => a[0].localeCompare(b[0]))) {
      const per = VIEWPORTS.map((v) => `${r.pages[`axe@${v.width}`] ?? 0} @${v.width}`).join(', ');
      console.log(`    ${id} (${r.impact}): ${per}; ${r.nodes} nodes`);
    }
  }
  const messages = new Map();
  for (const c of checks.filter((c) => c.gate === 'vnu')) {
    for (const e of c.data?.errors ?? []) {
      const key = e.message.replace(/“[^”]*”/g, '“…”');
      const m = messages.get(key) ?? { pages: new Set(), count: 0, example: e.message };
      m.pages.add(c.page);
      m.count += 1;
      messages.set(key, m);
    }
  }
  if (messages.size) {
    console.log('\nvnu errors by message (pages affected, errors in all):');
    for (const m of [...messages.values()].sort((a, b) => b.pages.size - a.pages.size)) {
      console.log(`    ${m.pages.size} page(s), ${m.count}×, e.g. ${m.example}`);
    }
  }
  if (largest) {
    console.log(
      `\nlargest page: ${largest.page} ${kb(largest.total)} (${largest.total} bytes; budget ${kb(BUDGET)}): ` +
        largest.parts.map((x) => `${x.what} ${kb(x.bytes)}`).join(' + '),
    );
  }
}

function summaryLine(passed, failed) {
  console.log(`quality: ${passed} passed, ${failed} failed`);
}

// ---------------------------------------------------------------------------------------------
// Self-test: the gates against fixtures with known verdicts

async function selfTest(browser) {
  const fixtures = path.join(HERE, 'fixtures');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lede-quality-selftest-'));
  const failures = [];
  let assertions = 0;
  const expect = (cond, what) => {
    assertions += 1;
    console.log(`    ${cond ? 'ok  ' : 'FAIL'} ${what}`);
    if (!cond) failures.push(what);
  };
  const copy = (from, to) => {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(fixtures, from), to);
  };
  try {
    // A good site: good.html at / and /nested/, its stylesheet, and a 404 page.
    const good = path.join(tmp, 'good');
    copy('good.html', path.join(good, 'index.html'));
    copy('good.html', path.join(good, 'nested', 'index.html'));
    copy('good.css', path.join(good, 'good.css'));
    copy('404.html', path.join(good, '404.html'));
    copy('square.svg', path.join(good, 'square.svg'));
    // A bad site: bad.html, which also pulls in a script over the size budget.
    const bad = path.join(tmp, 'bad');
    copy('bad.html', path.join(bad, 'index.html'));
    fs.writeFileSync(path.join(bad, 'big.js'), '// padding to go over the size budget\n'.repeat(Math.ceil((BUDGET + 4096) / 38)));

    console.log('self-test: static server');
    const server = await startServer(good);
    try {
      const get = (p) => fetch(server.url + p, { redirect: 'manual' });
      let r = await get('/');
      expect(r.status === 200 && r.headers.get('content-type').startsWith('text/html') && (await r.text()).includes('known-good'), '/ serves index.html as text/html');
      r = await get('/nested');
      expect(r.status === 301 && r.headers.get('location') === '/nested/', '/nested redirects to /nested/');
      r = await get('/nested/');
      expect(r.status === 200 && (await r.text()).includes('known-good'), '/nested/ serves nested/index.html');
      r = await get('/good.css');
      expect(r.status === 200 && r.headers.get('content-type').startsWith('text/css'), '/good.css is text/css');
      r = await get('/square.svg');
      expect(r.status === 200 && r.headers.get('content-type') === 'image/svg+xml', '/square.svg is image/svg+xml');
      r = await get('/no/such/page/');
      expect(r.status === 404 && (await r.text()).includes('Page not found'), 'a missing page is 404 with 404.html');
      r = await get('/..%2f..%2fetc/passwd');
      expect(r.status === 404, 'a path outside the site is 404');
    } finally {
      await server.close();
    }
    expect(
      ['a.html', 'a.css', 'a.js', 'a.svg', 'a.png', 'a.xml', 'a.txt', 'a.woff2'].map(contentType).join() ===
        'text/html; charset=utf-8,text/css; charset=utf-8,text/javascript; charset=utf-8,image/svg+xml,image/png,application/xml; charset=utf-8,text/plain; charset=utf-8,font/woff2',
      'content types for .html .css .js .svg .png .xml .txt .woff2',
    );

    console.log('self-test: reference extraction');
    const refs = htmlReferences(
      '<link rel="stylesheet" href="/a.css"><link rel=icon href=/i.png><!-- <script src="/x.js"></script> -->' +
        '<script src="b.js?v=1&amp;x=2" defer></script><link rel="preload" as="style" href="/c.css"><link href="//cdn.example/d.css" rel="stylesheet">',
    );
    expect(refs.join(' ') === '/a.css b.js?v=1&x=2 /c.css //cdn.example/d.css', `HTML references found (${refs.join(' ')})`);
    const imports = cssImports('/* @import "no.css"; */ @import url("a.css"); @import \'b.css\' screen; @import url(c.css);');
    expect(imports.join(' ') === 'a.css b.css c.css', `CSS @imports found (${imports.join(' ')})`);

    console.log('self-test: all gates on a known-good site (must pass)');
    const g = await checkSite(good, { browser });
    for (const gate of GATES) {
      const mine = g.checks.filter((c) => c.gate === gate);
      expect(mine.length === 3 && mine.every((c) => c.ok), `${gate} passes all 3 good pages${mine.every((c) => c.ok) ? '' : ': ' + mine.flatMap((c) => c.problems).join(' | ')}`);
    }
    const goodSize = g.checks.find((c) => c.gate === 'size' && c.page === '/');
    expect(goodSize.data.parts.some((p) => p.what === '/good.css'), 'size counts the page’s stylesheet');

    console.log('self-test: all gates on a known-bad site (must fail)');
    const b = await checkSite(bad, { browser });
    const verdict = (gate) => b.checks.find((c) => c.gate === gate && c.page === '/');
    const vnu = verdict('vnu');
    expect(vnu && !vnu.ok, `vnu fails bad.html (${vnu?.problems.length} errors)`);
    expect(vnu?.data.errors?.some((e) => /alt/.test(e.message)) && vnu?.data.errors?.some((e) => /[Dd]uplicate ID/.test(e.message)), 'vnu reports the missing alt and the duplicate id');
    for (const v of VIEWPORTS) {
      const axe = verdict(`axe@${v.width}`);
      const ids = (axe?.data.violations ?? []).map((x) => x.id);
      expect(axe && !axe.ok, `axe@${v.width} fails bad.html (${ids.join(', ')})`);
      expect(['image-alt', 'html-has-lang', 'color-contrast', 'document-title'].every((id) => ids.includes(id)), `axe@${v.width} reports image-alt, html-has-lang, color-contrast, document-title`);
    }
    const size = verdict('size');
    expect(size && !size.ok && size.data.total > BUDGET && size.data.parts.some((p) => p.what === '/big.js'), `size fails bad.html (${size ? kb(size.data.total) : '?'} with /big.js)`);
    expect(b.checks.filter((c) => !c.ok).length === GATES.length, `the bad site fails exactly ${GATES.length} checks, one per gate`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (failures.length) {
    console.log(`\nself-test FAILED: ${failures.length} of ${assertions} assertions did not hold; the gates cannot be trusted:`);
    for (const f of failures) console.log(`    ${f}`);
    return false;
  }
  console.log(`self-test OK: all ${assertions} assertions hold`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Main

function usage() {
  console.error('usage: node run.mjs --site DIR | --self-test');
  process.exit(2);
}

async function main() {
  const argv = process.argv.slice(2);
  const mode = argv[0] === '--self-test' ? 'self-test' : argv[0] === '--site' && argv[1] ? 'site' : usage();

  let browser = null;
  let finished = false;
  const watchdog = setTimeout(() => {
    if (finished) return;
    console.error(`\nerror: the quality check took longer than ${TIMEOUT_S} s; giving up (QUALITY_TIMEOUT_S)`);
    if (mode === 'site') summaryLine(0, 1);
    process.exit(1);
  }, TIMEOUT_S * 1000);
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => {
      console.error(`\ninterrupted (${sig})`);
      try {
        await browser?.close();
      } catch {}
      process.exit(130);
    });
  }

  const started = Date.now();
  try {
    if (mode === 'self-test') {
      console.log('quality self-test: checking that each gate passes good fixtures and fails bad ones');
      browser = await launchBrowser();
      const ok = await selfTest(browser);
      return ok ? 0 : 1;
    }

    const siteDir = path.resolve(argv[1]);
    if (!fs.existsSync(siteDir)) throw new SetupError(`the site folder ${siteDir} does not exist`);
    console.log(`checking the site in ${siteDir}`);
    let checks;
    let largest = null;
    try {
      browser = await launchBrowser();
      const result = await checkSite(siteDir, { browser, log: (m) => console.log(`    ${m}`) });
      console.log(`    ${result.pages.length} pages; ${GATES.join(', ')}`);
      checks = result.checks;
      largest = result.largest;
    } catch (e) {
      if (!(e instanceof SetupError)) throw e;
      console.error(`\nerror: ${e.message}`);
      summaryLine(0, 1);
      return 1;
    }
    report(checks, largest);
    const failed = checks.filter((c) => !c.ok).length;
    console.log(`\ntime: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    summaryLine(checks.length - failed, failed);
    return failed === 0 ? 0 : 1;
  } catch (e) {
    console.error(`\nerror: ${e instanceof SetupError ? e.message : e.stack || e}`);
    if (mode === 'site') summaryLine(0, 1);
    return 1;
  } finally {
    finished = true;
    try {
      await browser?.close();
    } catch {}
  }
}

process.exitCode = await main();
