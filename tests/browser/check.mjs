// Drives sim's pages in the system's headless Chromium through playwright-core (tests/it/teach.rs
// runs it): on the teaching page, moving the readers slider from 2 to 3 on DynamoDB Streams makes
// throttled calls appear; on a sweep report, moving an axis control changes the chart and the
// numbers. Neither page logs a console error or requests anything outside itself.
//
//   node check.mjs TEACH.html REPORT.html SHOTS_DIR
//
// SIM_CHROMIUM names the browser (default: the first of chromium-headless-shell, chromium found).
import { chromium } from "playwright-core";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [teachPath, reportPath, shots] = process.argv.slice(2);
if (!teachPath || !reportPath || !shots) {
  console.error("usage: node check.mjs TEACH.html REPORT.html SHOTS_DIR");
  process.exit(2);
}
const browserPath =
  process.env.SIM_CHROMIUM ||
  ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"].find((p) => existsSync(p));
if (!browserPath) {
  console.error("no chromium-headless-shell or chromium in /usr/bin (set SIM_CHROMIUM)");
  process.exit(3);
}

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

const profile = mkdtempSync(join(tmpdir(), "sim-browser-"));
const started = Date.now();
const context = await chromium.launchPersistentContext(profile, {
  executablePath: browserPath,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
  ],
  viewport: { width: 1200, height: 1000 },
});

try {
  await teach(pathToFileURL(resolve(teachPath)).href);
  await report(pathToFileURL(resolve(reportPath)).href);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`${failures ? "FAILED" : "passed"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failures ? 1 : 0);

// A page opened with every request outside `url` refused and counted, and every console error
// and uncaught exception kept.
async function open(url) {
  const page = await context.newPage();
  const outside = [];
  const errors = [];
  await page.route("**/*", (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    outside.push(u);
    return route.abort();
  });
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  return { page, outside, errors };
}

function clean(name, { outside, errors }) {
  check(errors.length === 0, `${name}: no console error ${errors.length ? JSON.stringify(errors) : ""}`);
  check(outside.length === 0, `${name}: no request outside the page ${outside.length ? JSON.stringify(outside) : ""}`);
}

async function teach(url) {
  const o = await open(url);
  const { page } = o;
  const throttled = () => page.locator("#lanes .thr").count();
  const readers = () => page.locator("#readers-out").textContent();
  check((await readers()) === "2", "teach: the page opens at two readers");
  check(await page.locator('input[name="kind"][value="dynamodb"]').isChecked(), "teach: on DynamoDB Streams");
  const calls2 = await page.locator("#lanes circle").count();
  check(calls2 > 0, `teach: two readers' calls are drawn (${calls2})`);
  check((await throttled()) === 0, "teach: at two readers no call is throttled");
  await page.screenshot({ path: join(shots, "teach-2-readers.png") });
  await page.locator("#readers").focus();
  // At the catalogue's defaults (GetRecords and invoke latencies stretch each poller's cycle)
  // three readers throttle only now and then; four always do.
  await page.keyboard.press("ArrowRight");
  check((await readers()) === "3", "teach: the arrow key moves the slider to three readers");
  await page.keyboard.press("ArrowRight");
  const t4 = await throttled();
  check(t4 > 0, `teach: at four readers throttled calls appear (${t4})`);
  const caption = await page.locator("#caption").textContent();
  check(/4 readers polling every \d+ ms would ask for 16 calls a second/.test(caption) && /\d+ throttled/.test(caption), `teach: the caption says so: "${caption}"`);
  await page.screenshot({ path: join(shots, "teach-4-readers.png") });
  await page.locator('input[name="kind"][value="efo"]').check();
  check((await throttled()) === 0 && (await page.locator("#lanes polygon.push").count()) > 0, "teach: enhanced fan-out pushes, never throttled");
  await page.locator('input[name="kind"][value="dynamodb"]').check();
  const clock = () => page.locator("#clock").textContent();
  await page.locator("#restart").click();
  const c0 = await clock();
  await page.locator("#step").click();
  check((await clock()) !== c0, "teach: step moves the clock");
  await page.locator("#speed").selectOption("4");
  await page.locator("#play").click();
  await page.waitForTimeout(400);
  await page.locator("#play").click();
  check((await page.locator("#play").textContent()) === "Play" && (await clock()) !== c0, "teach: play runs and pauses");
  clean("teach", o);
  await page.close();
}

async function report(url) {
  const o = await open(url);
  const { page } = o;
  const chart = () => page.locator("#explore-chart").innerHTML();
  const numbers = () => page.locator("#explore-numbers").textContent();
  const c0 = await chart();
  const n0 = await numbers();
  check(c0.includes("<path") && n0.length > 0, "report: the explorer draws a point");
  const control = page.locator("#explore-axis-0");
  await control.focus();
  if ((await control.evaluate((e) => e.tagName)) === "SELECT") await control.selectOption({ index: 1 });
  else await page.keyboard.press("End");
  check((await chart()) !== c0, "report: moving the axis control changes the chart");
  check((await numbers()) !== n0, "report: and the numbers");
  for (const shape of ["circle", "polygon", "rect"]) {
    check((await page.locator(`#explore-chart ${shape}`).count()) > 0, `report: marks of shape ${shape}`);
  }
  await page.locator("#explore").screenshot({ path: join(shots, "report-explore.png") });
  clean("report", o);
  await page.close();
}
