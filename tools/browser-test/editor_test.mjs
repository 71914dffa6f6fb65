// Browser test of the labelling page (label-export --editor) and the classify
// timeline, in Debian's chromium driven by playwright-core.
//   node editor_test.mjs PAGE.html TIMELINE.svg OUT_DIR
// Draws a region, resizes it, relabels it with a key, exports the labels,
// and takes screenshots. Exits non-zero when a check fails.
import { chromium } from "playwright-core";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";

const [page_path, svg_path, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const failures = [];
const check = (ok, what) => { console.log((ok ? "ok   " : "FAIL ") + what); if (!ok) failures.push(what); };
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 600 } });
  await page.goto("file://" + resolve(page_path));
  await page.waitForSelector("body[data-ready='1']");
  const info = await page.evaluate(() => ({ duration: window.podclean.duration, labels: window.podclean.labels,
                                            before: window.podclean.regions.length }));
  const box = await page.locator("#detail").boundingBox();
  const at = (fraction) => box.x + box.width * fraction;
  const y = box.y + 18 + 40;  // in the waveform lane, below the time axis
  // draw a region from 20 % to 40 % of the recording
  await page.mouse.move(at(0.2), y);
  await page.mouse.down();
  await page.mouse.move(at(0.3), y, { steps: 5 });
  await page.mouse.move(at(0.4), y, { steps: 5 });
  await page.mouse.up();
  // resize its end to 50 %
  await page.mouse.move(at(0.4), y);
  await page.mouse.down();
  await page.mouse.move(at(0.5), y, { steps: 5 });
  await page.mouse.up();
  // select it and give it the second label
  await page.mouse.click(at(0.35), y);
  await page.keyboard.press("2");
  const text = await page.evaluate(() => window.podclean.exportLabels("audacity"));
  writeFileSync(out + "/edited.txt", text);
  const rows = text.trim().split("\n").map((l) => l.split("\t"));
  check(rows.length === info.before + 1, `one region added (${info.before} -> ${rows.length})`);
  const mine = rows.find((r) => Math.abs(+r[0] - 0.2 * info.duration) < 0.02 * info.duration);
  check(!!mine, "a region starts at 20 % of the recording");
  if (mine) {
    check(Math.abs(+mine[1] - 0.5 * info.duration) < 0.02 * info.duration, `its end was dragged to 50 % (${mine[1]} s)`);
    check(mine[2] === info.labels[1], `key 2 relabelled it '${info.labels[1]}' (got '${mine[2]}')`);
  }
  await page.screenshot({ path: out + "/editor.png" });
  // the classify timeline: bands are drawn
  const svg = await browser.newPage({ viewport: { width: 1040, height: 240 } });
  await svg.goto("file://" + resolve(svg_path));
  const bands = await svg.locator("rect.band").count();
  const visible = await svg.locator("rect.band").first().isVisible();
  check(bands > 0 && visible, `classify timeline shows ${bands} label bands`);
  await svg.screenshot({ path: out + "/timeline.png" });
} finally {
  await browser.close();
}
if (failures.length) { console.error(failures.length + " check(s) failed"); process.exit(1); }
