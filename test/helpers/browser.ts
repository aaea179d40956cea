// Debian's chromium driven by playwright-core, for the console's browser tests. Without chromium the
// tests skip with a message, unless GATEHOUSE_REQUIRE_SERVICES=1 (CI), which makes it a failure.
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const chromiumPath = process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium';
export const artifacts = 'test-artifacts/console';

/** Why browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  const why = `chromium not found at ${chromiumPath} (apt-get install chromium, or set GATEHOUSE_CHROMIUM)`;
  if (process.env.GATEHOUSE_REQUIRE_SERVICES === '1') throw new Error(why);
  return why;
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
