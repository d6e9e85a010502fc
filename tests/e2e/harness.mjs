// What the browser tests in this folder share: their command-line options, the checks they
// count, and Debian's Chromium started headless (never a downloaded browser).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** `--lede PATH` (default target/release/lede) and `--chromium PATH` (default /usr/bin/chromium). */
export const lede = path.resolve(option('--lede', path.join(repo, 'target', 'release', 'lede')));
export const executablePath = option('--chromium', '/usr/bin/chromium');

/** Passed and failed checks so far. */
export const counts = { passed: 0, failed: 0 };

/** Runs one named check: prints `ok` or `FAIL` with the error, and counts it. */
export async function check(name, body) {
  try {
    await body();
    counts.passed += 1;
    console.log(`ok   ${name}`);
  } catch (e) {
    counts.failed += 1;
    console.log(`FAIL ${name}\n     ${String(e && e.stack ? e.stack : e).split('\n').join('\n     ')}`);
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export function launchChromium() {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
