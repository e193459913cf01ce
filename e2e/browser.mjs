// The headless Debian chromium every browser script of the workbench drives (CHROMIUM overrides its path),
// and the screenshot directory (SHOT_DIR), made if missing.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

export const SHOTS = process.env.SHOT_DIR || 'target/e2e';
mkdirSync(SHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
}

// axe-core checks a page against WCAG 2.2 AA; the page's context needs bypassCSP (the workbench's CSP,
// script-src 'self', would refuse the injected script).
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/// Serious and critical WCAG 2.2 AA violations of the page as it stands, one line each.
export async function accessibility(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.nodes.length}× e.g. ${v.nodes[0].target.join(' ')}`);
  }, AXE_TAGS);
  return violations.map((v) => `WCAG 2.2 AA ${v}`);
}

// Clicks what submits a form or follows a link and waits until the page it leads to has loaded. A form that
// posts and comes back to its own address is the common case, where `waitForURL` returns at once and the
// test would read the old page.
export async function go(page, target) {
  await Promise.all([page.waitForNavigation(), target.click()]);
}
