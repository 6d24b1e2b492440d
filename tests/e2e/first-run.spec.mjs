// `cargo run --release` as a new user tries it: the binary with no arguments, in a fresh
// folder, on its default ports. The printed URL must open the demo CRM with a working
// softphone, signed in with the printed demo credentials. The screenshot in the README is
// taken here, so it always shows the current product.

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { test, expect } from "./fixtures/test.mjs";
import { CALLBAR_BIN, REPO_ROOT } from "./fixtures/server.mjs";

test("the printed URL opens the demo CRM with a working softphone", async ({ page }) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "callbar-first-run-"));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CALLBAR_")));
  const child = spawn(CALLBAR_BIN, [], { cwd: dir, env: { ...env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (c) => (output += c));
  child.stderr.setEncoding("utf8").on("data", (c) => (output += c));
  try {
    await expect.poll(() => output, { timeout: 20_000 }).toContain("Callbar is running.");
    await expect.poll(() => output).toContain("These are demo passwords");
    const demoUrl = output.match(/Demo CRM \(open this\):\s+(\S+)/)?.[1];
    const [, email, password] = output.match(/agent\s+(\S+@\S+)\s+(\S+)/) ?? [];
    expect(demoUrl).toBe("http://127.0.0.1:8081/");
    expect(email).toBeTruthy();

    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(demoUrl);
    const phone = page.frameLocator("#zoom-embeddable-phone-iframe");
    await phone.getByLabel("Email").fill(email);
    await phone.getByLabel("Password").fill(password);
    await phone.getByRole("button", { name: "Sign in" }).click();
    const status = phone.getByLabel("Status", { exact: true });
    await expect(status).toBeEnabled();
    await status.selectOption({ label: "Ready" });
    // The demo CRM hears about it, as the example integration shows.
    await expect(page.locator("#agent-status")).toHaveAttribute("data-status-code", "1");
    await page.screenshot({ path: path.join(REPO_ROOT, "docs/screenshot.png") });
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await rm(dir, { recursive: true, force: true });
  }
  expect(child.exitCode === 0 || child.signalCode === "SIGTERM", `callbar exited badly:\n${output}`).toBe(true);
});
