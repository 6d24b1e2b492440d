// Browser tests: Playwright driving Debian's Chromium (never a downloaded browser) against
// a real callbar server (tests/e2e/fixtures). Run `scripts/test`, or here `npx playwright test`
// after `cargo build --release`.

import { defineConfig } from "@playwright/test";

/**
 * Host origins the tests serve pages at (see fixtures/host.mjs). Chromium treats them as
 * secure, as production hosts are (https), so that the softphone framed by them is a
 * secure context and may use the microphone and WebRTC.
 */
export const TEST_HOST_ORIGINS = [
  "http://crm-a.test",
  "http://crm-b.test",
  "http://crm-c.test",
];

/** The flags from docs on the media spike (shared/reference/media-notes.md, section 2). */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
  "--autoplay-policy=no-user-gesture-required",
  "--allow-loopback-in-peer-connection",
  `--unsafely-treat-insecure-origin-as-secure=${TEST_HOST_ORIGINS.join(",")}`,
];

export default defineConfig({
  testDir: ".",
  testMatch: "**/*.spec.mjs",
  // Two cores: two workers, each with its own server and browser.
  workers: process.env.E2E_WORKERS ? Number(process.env.E2E_WORKERS) : 2,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  globalTimeout: 15 * 60_000,
  expect: { timeout: 5_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    browserName: "chromium",
    headless: true,
    viewport: { width: 1600, height: 1000 },
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    launchOptions: {
      executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
    },
  },
});
