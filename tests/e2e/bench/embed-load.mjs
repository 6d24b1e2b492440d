// Benchmark: how fast the embed greets its host, and what it downloads on first load.
//
//   node bench/embed-load.mjs <callbar origin> <host port>
//
// The host page is served by a plain HTTP server on 127.0.0.1:<host port>, whose origin
// the caller has approved (`callbar domain add`).
// The host page sets the iframe's src at t0 (navigation start) and records when
// `zcc-init-config-request` arrives. 20 loads in one browser (the first cold, the rest
// with the HTTP cache, as an agent reloading the CRM has it); bytes are counted on a cold
// load from the encoded (on-the-wire) response bodies.

import http from "node:http";
import { once } from "node:events";
import { chromium } from "@playwright/test";

const [server, hostPort] = process.argv.slice(2);
if (!server || !hostPort) throw new Error("usage: embed-load.mjs <callbar origin> <host port>");
const host = `http://127.0.0.1:${hostPort}`;
const LOADS = 20;

const hostPage = `<!doctype html><meta charset="utf-8"><body><script>
  window.measure = () => new Promise((resolve) => {
    const iframe = document.createElement('iframe');
    iframe.setAttribute('sandbox', 'allow-forms allow-popups allow-popups-to-escape-sandbox allow-scripts allow-same-origin allow-downloads');
    iframe.setAttribute('allow', ';autoplay;microphone;camera;display-capture;midi;encrypted-media;clipboard-write;');
    iframe.style.cssText = 'width:840px;height:700px';
    const t0 = performance.now();
    addEventListener('message', function onMessage(e) {
      if (e.origin === ${JSON.stringify(server)} && e.data && e.data.type === 'zcc-init-config-request') {
        removeEventListener('message', onMessage);
        resolve(performance.now() - t0);
        iframe.remove();
      }
    });
    iframe.src = ${JSON.stringify(`${server}/cci/callbar/crm/?origin=${host}`)};
    document.body.append(iframe);
  });
</script>`;

const hostServer = http.createServer((_, res) => {
  res.writeHead(200, { "content-type": "text/html" });
  res.end(hostPage);
});
hostServer.listen(Number(hostPort), "127.0.0.1");
await once(hostServer, "listening");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();

  let bytes = 0;
  const files = [];
  page.on("requestfinished", async (request) => {
    if (!request.url().startsWith(server)) return;
    const sizes = await request.sizes();
    bytes += sizes.responseBodySize;
    files.push(`${new URL(request.url()).pathname} ${sizes.responseBodySize}`);
  });

  await page.goto(`${host}/bench`);
  const times = [await page.evaluate(() => window.measure())];
  // Let the size callbacks of the cold load finish before counting.
  await page.waitForTimeout(500);
  const coldBytes = bytes;
  const coldFiles = files.join("\n");
  for (let i = 1; i < LOADS; i++) times.push(await page.evaluate(() => window.measure()));

  const sorted = [...times].sort((a, b) => a - b);
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  console.error(coldFiles);
  console.log(
    JSON.stringify({
      loads: LOADS,
      cold_ms: Number(times[0].toFixed(1)),
      median_ms: Number(pick(0.5).toFixed(1)),
      p95_ms: Number(pick(0.95).toFixed(1)),
      max_ms: Number(sorted.at(-1).toFixed(1)),
      first_load_bytes_on_wire: coldBytes,
    }),
  );
} finally {
  await browser.close();
  hostServer.close();
}
