// Speed of the review page in headless chromium (bench/review_bench.sh):
//   node review_bench.mjs PAGE.html
// Prints one JSON line: open_s (drawn and usable), audio_s (its audio read),
// wide_redraw_ms (a whole-file-wide view moved), zoom10_ms (a 10 s view drawn
// from the decoded samples), scroll10_ms (that view moved, coarse first).
import { chromium } from "playwright-core";
import { resolve } from "node:path";

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const t0 = Date.now();
  await page.goto("file://" + resolve(process.argv[2]));
  await page.waitForSelector("body[data-ready='1']", { timeout: 120000 });
  const open_s = (Date.now() - t0) / 1000;
  await page.waitForSelector("body[data-audio='1']", { timeout: 120000 });
  const audio_s = (Date.now() - t0) / 1000;
  const r = await page.evaluate(async () => {
    const frame = () => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)));
    const d = podclean.duration, out = {};
    let t = performance.now();
    for (let i = 0; i < 10; i++) { podclean.setView(i * d / 100, d * 0.9); await frame(); }
    out.wide_redraw_ms = (performance.now() - t) / 10;
    t = performance.now();
    podclean.setView(d * 0.6, 10);
    while (!(podclean.rendered().fine && podclean.rendered().current)) await new Promise((ok) => setTimeout(ok, 5));
    out.zoom10_ms = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < 10; i++) { podclean.setView(d * 0.6 + i * 2, 10); await frame(); }
    out.scroll10_ms = (performance.now() - t) / 10;
    return out;
  });
  const round = (v) => Math.round(v * 100) / 100;
  console.log(JSON.stringify({ open_s, audio_s, ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)])) }));
} finally {
  await browser.close();
}
