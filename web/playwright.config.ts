// End-to-end tests in Debian's Chromium (never a downloaded browser) against BASE_URL: the real stack
// started by scripts/web-e2e (Nginx + workers + SecantusDB + Redis).
import { defineConfig } from "@playwright/test"

const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:8080"

export default defineConfig({
  testDir: "tests/e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: Number(process.env.E2E_WORKERS ?? 2),
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    locale: "en-US",
    timezoneId: "Asia/Shanghai",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
})
