// The test harness itself: the browser profile blocks third-party cookies as claimed, and
// the server fixture restarts, survives a kill and runs admin commands. If these fail,
// other failures may be the harness's fault.

import { once } from "node:events";
import http from "node:http";

import { test, expect } from "./fixtures/test.mjs";
import { hostPage } from "./fixtures/host.mjs";
import { DEMO_AGENTS } from "./fixtures/server.mjs";

const HOST = "http://crm-c.test";

/**
 * A plain HTTP server on 127.0.0.1 that records the Cookie header of every request.
 * Cookies ignore ports, so it shares the callbar server's cookie jar (site 127.0.0.1),
 * and it shows what the browser really sends. (Playwright's `request.allHeaders()` is no
 * witness: it lists cookies that Chromium did not send.)
 */
async function cookieEchoServer() {
  /** @type {Map<string, string>} path → Cookie header ("" when none) */
  const received = new Map();
  const server = http.createServer((req, res) => {
    received.set(new URL(req.url ?? "/", "http://x").pathname, req.headers.cookie ?? "");
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end("<!doctype html><title>echo</title><p>echo</p>");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${port}`, received, close: () => server.close() };
}

/**
 * Sets a cookie for 127.0.0.1 in a first-party tab, then frames 127.0.0.1 from a
 * cross-site host page, and reports what the frames see and send: the softphone's
 * `document.cookie`, and the Cookie headers an echo server receives for a framed page and
 * for a request that page makes.
 *
 * @param {import("@playwright/test").Page} page
 * @param {import("./fixtures/server.mjs").CallbarServer} callbar
 */
async function cookiesInThirdPartyFrames(page, callbar) {
  const echo = await cookieEchoServer();
  try {
    const firstParty = await page.context().newPage();
    await firstParty.goto(`${echo.url}/first-party`);
    const own = await firstParty.evaluate(() => {
      document.cookie = "probe=first-party; SameSite=None; Secure; Path=/";
      return document.cookie;
    });
    expect(own, "a first-party cookie can be set").toContain("probe=first-party");
    await firstParty.close();

    // The softphone, framed by a cross-site host page.
    await callbar.approveOrigin(HOST);
    const host = await hostPage(page, HOST, { server: callbar.url });
    await host.waitForMessage("zcc-init-config-request");
    const embed = page.frames().find((f) => f.url().startsWith(callbar.url));
    expect(embed, "the softphone is in the frame").toBeTruthy();
    const softphone = await embed?.evaluate(async () => {
      document.cookie = "probe2=third-party; SameSite=None; Secure; Path=/";
      return { cookie: document.cookie, storageAccess: await document.hasStorageAccess() };
    });

    // A page of the same site in the same position, whose server reports what it got.
    await hostPage(page, HOST, { server: callbar.url, src: `${echo.url}/framed` });
    const framed = page.frames().find((f) => f.url().startsWith(`${echo.url}/framed`));
    await framed?.evaluate(() => fetch("/from-frame", { credentials: "include" }).then((r) => r.text()));

    return {
      softphone,
      framedPageCookie: echo.received.get("/framed"),
      framedFetchCookie: echo.received.get("/from-frame"),
    };
  } finally {
    echo.close();
  }
}

test.describe("with the default profile", () => {
  test("third-party cookies are blocked: a framed page neither reads nor receives its site's cookies", async ({
    page,
    callbar,
  }) => {
    expect(await cookiesInThirdPartyFrames(page, callbar)).toEqual({
      softphone: { cookie: "", storageAccess: false },
      framedPageCookie: "",
      framedFetchCookie: "",
    });
  });
});

test.describe("with third-party cookies allowed (the control)", () => {
  test.use({ thirdPartyCookies: "allowed" });

  test("the same frames read and send the cookies, so the check above can fail", async ({ page, callbar }) => {
    const seen = await cookiesInThirdPartyFrames(page, callbar);
    expect(seen.softphone?.cookie).toContain("probe=first-party");
    expect(seen.softphone?.cookie).toContain("probe2=third-party");
    expect(seen.framedPageCookie).toContain("probe=first-party");
    expect(seen.framedFetchCookie).toContain("probe=first-party");
  });
});

test("restart keeps the ports and the data folder; kill and start recover", async ({ callbar }) => {
  const origin = "http://crm-restart.test";
  const added = await callbar.cli(["domain", "add", origin]);
  expect(added.code, added.stderr).toBe(0);
  const { url, demoUrl, dataDir } = callbar;
  const pid = callbar.pid;

  await callbar.restart();
  expect([callbar.url, callbar.demoUrl, callbar.dataDir]).toEqual([url, demoUrl, dataDir]);
  expect(callbar.pid).not.toBe(pid);
  const token = await callbar.signIn();
  const { body } = await callbar.api("GET", "/api/v1/domains", { token });
  expect(JSON.stringify(body)).toContain(origin);

  await callbar.kill();
  expect(callbar.running).toBe(false);
  await callbar.start();
  expect((await fetch(`${callbar.url}/healthz`)).ok).toBe(true);
});

test("cli runs admin commands against the data folder, with standard input", async ({ callbar }) => {
  const email = "linus@example.com";
  const password = "a long enough password 42";
  const added = await callbar.cli(
    ["user", "add", "--email", email, "--name", "Linus Test", "--role", "agent", "--password-stdin"],
    `${password}\n`,
  );
  expect(added.code, added.stderr).toBe(0);
  await callbar.signIn({ email, password });

  const listed = await callbar.cli(["user", "list"]);
  expect(listed.code).toBe(0);
  expect(listed.stdout).toContain(email);
  expect(listed.stdout).toContain(DEMO_AGENTS[0].email);
});

test("the browser runs the pinned flags: fake media devices and a secure context for test hosts", async ({
  page,
  callbar,
}) => {
  await callbar.approveOrigin(HOST);
  const host = await hostPage(page, HOST, { server: callbar.url });
  await host.waitForMessage("zcc-init-config-request");
  const frame = page.frames().find((f) => f.url().startsWith(callbar.url));
  const info = await frame?.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const tracks = stream.getAudioTracks().length;
    for (const t of stream.getTracks()) t.stop();
    return { secure: window.isSecureContext, tracks };
  });
  expect(info).toEqual({ secure: true, tracks: 1 });
});
