// The headless Debian chromium every browser script of the workbench drives (CHROMIUM overrides its path),
// and the screenshot directory (SHOT_DIR), made if missing.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

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
