// Status page in headless Chromium: starts the built wirefeedd on its embedded broker (seeded
// with samples/: stories, a repeat, a non-UTF-8 dead letter), loads http://.../ in Debian's
// chromium through playwright-core, asserts what the page shows and that it fetched nothing from
// another origin, and saves a screenshot as <build>/status-page.png.
//   node tests/browser/status_page.mjs [build-dir]      (deploy/test.sh browser)
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const build = path.resolve(process.argv[2] ?? path.join(repo, "build"));
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const daemon = spawn(
  path.join(build, "bin/wirefeedd"),
  ["--config", path.join(repo, "config.yaml"), "--set", `metrics.listen=127.0.0.1:${port}`,
   "--set", `embedded.seed_dir=${path.join(repo, "samples")}`, "--status-sample-every", "1s"],
  { stdio: ["ignore", "ignore", "inherit"] });
let browser;
try {
  const deadline = Date.now() + 30000;
  for (;;) {
    const r = await fetch(`${base}/readyz`).catch(() => null);
    if (r && r.status === 200) break;
    if (Date.now() > deadline) throw new Error("daemon not ready within 30 s");
    await new Promise((res) => setTimeout(res, 200));
  }
  // Let the seeded stories through and a few throughput samples accumulate.
  for (;;) {
    const st = await (await fetch(`${base}/api/status`)).json();
    if (st.totals.stories > 0 && st.totals.dead_letters > 0) break;
    if (Date.now() > deadline) throw new Error("seeded stories not processed within 30 s");
    await new Promise((res) => setTimeout(res, 200));
  }
  await new Promise((res) => setTimeout(res, 2500));

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless=new"],
  });
  const page = await browser.newPage({ viewport: { width: 1000, height: 1100 } });
  const foreign = [];
  page.on("request", (req) => {
    if (!req.url().startsWith(base)) foreign.push(req.url());
  });
  await page.goto(`${base}/`);
  await page.waitForSelector("body[data-loaded='1']", { timeout: 10000 });
  await page.waitForFunction(() => Number(document.getElementById("chart").dataset.samples) >= 2,
                             null, { timeout: 10000 });

  const text = (sel) => page.locator(sel).innerText();
  check((await text("#ready")) === "ready", "readiness shows 'ready'");
  check(/^\d+\.\d+\.\d+ \(/.test(await text("#version")), "version and commit shown");
  check(/^[0-9a-f]{16}$/.test(await text("#config-hash")), "config hash shown");
  check(/\d+s$/.test(await text("#uptime")), "uptime shown");
  const partitions = await page.locator("#partitions tbody tr").count();
  // Rows for the partitions whose lag is known: those that received some of the seeded stories.
  check(partitions >= 1 && partitions <= 4, `partitions table lists input partitions (${partitions})`);
  check((await text("#partitions tbody")).includes("wire.raw"), "partitions name the input topic");
  check((await text("#dead-letters")).includes("DEAD_LETTER_REASON_"), "dead letters by reason");
  check(/exact|near|version/.test(await text("#duplicates")), "duplicates by kind");
  check(/published [1-9]\d* stories/.test(await text("#totals")), "totals count the stories");
  check((await page.locator("#chart polyline").count()) === 2, "throughput chart has two lines");
  // The last stories published and the duplicate cluster of the seeded repeat.
  await page.waitForFunction(() => document.querySelectorAll("#recent tbody tr").length > 0 &&
                             document.querySelectorAll("#clusters .cluster").length > 0,
                             null, { timeout: 10000 }).catch(() => {});
  const recent = await text("#recent tbody");
  check(recent.includes("Biden will push China to resume military ties with US, official says"),
        "last stories show a published headline");
  check(/Reuters/i.test(recent), "last stories show the agency");
  const story = page.locator("#recent tbody a", { hasText: "Biden will push China" }).first();
  const href = await story.getAttribute("href").catch(() => null);
  check(href !== null && href.startsWith("api/story/wf-"), `a story links to its decisions (${href})`);
  if (href) {
    const r = await fetch(`${base}/${href}`);
    check(r.status === 200 && (await r.json()).decisions.length >= 1, "its decisions are served");
  }
  const clusters = await text("#clusters");
  check(/Dockworkers extend strike at Rotterdam/.test(clusters) && /1 suppressed/.test(clusters),
        "a duplicate cluster shows the story and its suppressed copy");
  check(/suppressed: .*Dockworkers/.test(clusters), "the cluster lists the copy");
  check(/similarity \d\.\d\d/.test(clusters), "the cluster shows the evidence");
  check((await text("#routes tbody")).includes("(default)"), "routes table lists the default route");
  check((await page.locator("#chrome").count()) === 1, "learned chrome table present");
  check(foreign.length === 0, `no request leaves the daemon (${foreign.join(", ")})`);
  const shot = path.join(build, "status-page.png");
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);
} catch (e) {
  failures.push(String(e));
  console.error(e);
} finally {
  if (browser) await browser.close();
  daemon.kill("SIGTERM");
}
if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("status page: all checks passed");
