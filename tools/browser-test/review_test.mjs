// Browser test of the review page (`clean --review`) on a long episode, in
// Debian's chromium driven by playwright-core.
//   node review_test.mjs PAGE.html OUT_DIR MARKER_AT_S
// The episode carries a full-scale 1 kHz tone over [MARKER_AT_S, +1 s)
// (tools/make_long_episode.cpp). Checks: the page opens in under 5 s; zooming
// to 10 s shows that span, with the tone drawn where it belongs; the wheel
// zooms about the pointer; drawing a region and deleting a cut are undone and
// redone; the preview of a cut is 1 s + 1 s long; then saves the edited cut
// list (OUT_DIR/edited.json, edited.txt, expected_output_s.txt) for
// `clean --apply-cuts`, and screenshots. Exits non-zero when a check fails.
import { chromium } from "playwright-core";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";

const [page_path, out, marker_arg] = process.argv.slice(2);
const marker = +marker_arg;
const failures = [];
const check = (ok, what) => { console.log((ok ? "ok   " : "FAIL ") + what); if (!ok) failures.push(what); };
const near = (a, b, tolerance) => Math.abs(a - b) <= tolerance;
const seconds = (t0) => ((performance.now() - t0) / 1000).toFixed(2);

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const requests = [];
  page.on("request", (r) => { if (!r.url().startsWith("file:") && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) requests.push(r.url()); });
  page.on("pageerror", (e) => check(false, "no script error (" + e.message + ")"));

  // 1. opens in under 5 s: loaded, parsed and the first view drawn
  let t0 = performance.now();
  await page.goto("file://" + resolve(page_path));
  await page.waitForSelector("body[data-ready='1']", { timeout: 20000 });
  const open_s = (performance.now() - t0) / 1000;
  check(open_s < 5, `page opens (drawn, usable) in ${open_s.toFixed(2)} s (< 5 s)`);
  await page.waitForSelector("body[data-audio='1']", { timeout: 30000 });
  const audio_s = (performance.now() - t0) / 1000;
  check(audio_s < 15, `its audio is read in ${audio_s.toFixed(2)} s (< 15 s)`);
  const info = await page.evaluate(() => ({ duration: podclean.duration, view: podclean.view(), cuts: podclean.regions.length,
                                            labels: podclean.labels, original: podclean.exportLabels("audacity") }));
  check(info.duration > 3500 && near(info.view.span, info.duration, 1e-6), `the whole ${info.duration.toFixed(0)} s file is in view`);
  check(info.cuts > 20, `the model proposed ${info.cuts} cuts`);
  await page.screenshot({ path: out + "/review-whole.png" });

  // 2. zoom to 10 s (type it into the span box): the view and the drawing
  t0 = performance.now();
  await page.evaluate((t) => podclean.setView(t - 50, 100), marker);  // centred on the marker; the box zooms about the centre
  await page.fill("#span", "10");
  await page.press("#span", "Enter");
  await page.waitForFunction(() => { const r = podclean.rendered(); return r && r.current && r.fine; }, null, { timeout: 10000 });
  const zoomed = await page.evaluate(() => podclean.view());
  check(near(zoomed.span, 10, 1e-6) && near(zoomed.start, marker - 5, 1e-6),
        `zoomed to ${zoomed.span} s at ${zoomed.start.toFixed(2)} s, drawn from the samples in ${seconds(t0)} s`);
  // the marker tone: the longest run of full-scale columns, 50-60 % across (it starts 5 s into the 10 s view)
  const run = await page.evaluate(() => {
    const c = document.getElementById("detail"), g = c.getContext("2d");
    const top = 18 + 150 - 7, img = g.getImageData(0, top, c.width, 4).data;  // just above the wave lane's bottom (no text there)
    let best = [0, -1], start = -1, last = -9;  // runs of inked columns, gaps of up to 3 (a region's edge) bridged
    for (let x = 0; x <= c.width; x++) {
      let inked = false;
      for (let y = 0; y < 4 && x < c.width; y++) { const p = 4 * (y * c.width + x); if (img[p] < 150 && img[p + 2] > 100) inked = true; }
      if (inked) { if (x - last > 4) start = x; last = x; }
      if (start >= 0 && last + 1 - start > best[1] - best[0]) best = [start, last + 1];
    }
    return { from: best[0] / c.width, to: best[1] / c.width };
  });
  check(near(run.from, 0.5, 0.01) && near(run.to, 0.6, 0.01), `the 1 kHz marker is drawn over ${(run.from * 100).toFixed(1)}-${(run.to * 100).toFixed(1)} % of the view (50-60 %)`);

  // 3. the mouse wheel zooms in about the pointer
  const box = await page.locator("#detail").boundingBox();
  const xAt = (fraction) => box.x + box.width * fraction;
  const wave_y = box.y + 18 + 40;
  await page.mouse.move(xAt(0.25), wave_y);
  const before_wheel = await page.evaluate(() => podclean.view());
  await page.mouse.wheel(0, -300);
  await page.waitForFunction((s) => podclean.view().span < s, before_wheel.span);
  const after_wheel = await page.evaluate(() => podclean.view());
  const pinned = (v) => v.start + 0.25 * v.span;
  check(after_wheel.span < before_wheel.span * 0.7 && near(pinned(after_wheel), pinned(before_wheel), 0.05),
        `wheel zoom ${before_wheel.span} -> ${after_wheel.span.toFixed(2)} s, the time under the pointer kept`);
  await page.press("body", "=");
  await page.press("body", "-");
  const after_keys = await page.evaluate(() => podclean.view());
  check(near(after_keys.span, after_wheel.span, 1e-6), "= (zoom in) then - returns to the same span");
  await page.fill("#span", "10");
  await page.press("#span", "Enter");
  await page.evaluate((t) => podclean.setView(t - 5, 10), marker);

  // 4. draw a region over [marker - 4, marker - 3) and undo / redo it
  await page.mouse.move(xAt(0.1), wave_y);
  await page.mouse.down();
  await page.mouse.move(xAt(0.15), wave_y, { steps: 4 });
  await page.mouse.move(xAt(0.2), wave_y, { steps: 4 });
  await page.mouse.up();
  const drawn = await page.evaluate(() => ({ n: podclean.regions.length, text: podclean.exportLabels("audacity") }));
  const mine = drawn.text.trim().split("\n").map((l) => l.split("\t")).find((r) => near(+r[0], marker - 4, 0.05));
  check(drawn.n === info.cuts + 1 && !!mine && near(+mine[1], marker - 3, 0.05),
        `drew a region ${mine ? mine[0] + "-" + mine[1] : "(none)"} s (expected ${marker - 4}-${marker - 3})`);
  await page.keyboard.press("Control+z");
  const undone = await page.evaluate(() => podclean.exportLabels("audacity"));
  check(undone === info.original, "Ctrl+Z takes it away again (the export equals the original)");
  await page.keyboard.press("Control+Shift+z");
  const redone = await page.evaluate(() => podclean.exportLabels("audacity"));
  check(redone === drawn.text, "Ctrl+Shift+Z puts it back");

  // its end edge dragged on to 25 % (resize), then back onto its start (no region left); undo both
  const dragEdge = async (from, to) => {
    await page.mouse.move(xAt(from), wave_y); await page.mouse.down();
    await page.mouse.move(xAt(to), wave_y, { steps: 6 }); await page.mouse.up();
  };
  await dragEdge(0.2, 0.25);
  const resized = await page.evaluate((t) => podclean.regions.find((r) => Math.abs(r.start - t) < 0.05), marker - 4);
  check(!!resized && near(resized.end, marker - 2.5, 0.05), `dragging its end edge resizes it to ${resized ? resized.end.toFixed(2) : "?"} s`);
  await dragEdge(0.25, 0.1);
  const collapsed = await page.evaluate(() => podclean.regions.length);
  await page.keyboard.press("Control+z");
  await page.keyboard.press("Control+z");
  const unresized = await page.evaluate(() => podclean.exportLabels("audacity"));
  check(collapsed === info.cuts && unresized === drawn.text, "an end dragged onto the start removes the region; two undos bring back the original");

  // 5. next cut (N), its preview, delete it, undo, delete again
  await page.keyboard.press("n");
  const picked = await page.evaluate(() => {
    const i = podclean.regions.findIndex((r) => r === podclean.selectedRegion());
    return { i, r: { ...podclean.regions[i] }, view: podclean.view() };
  });
  check(picked.i >= 0 && picked.r.start > marker - 3 && picked.r.start >= picked.view.start && picked.r.end <= picked.view.start + picked.view.span,
        `N selects the next cut (${picked.r.start?.toFixed(2)}-${picked.r.end?.toFixed(2)} s) and brings it into view`);
  const preview = await page.evaluate(async (i) => podclean.previewSeconds(i), picked.i);
  check(near(preview.seconds, preview.expected, 0.002) && preview.expected > 0.5 && preview.expected <= 2 + 1e-6,
        `its preview lasts ${preview.seconds.toFixed(3)} s: 1 s before and after, less any cuts there (${preview.expected.toFixed(3)} s)`);
  const playing = await page.waitForFunction(() => podclean.playing(), null, { timeout: 3000 }).then(() => true, () => false);
  check(playing, "N plays the preview");
  await page.keyboard.press("Escape");
  await page.evaluate((i) => podclean.select(i), picked.i);
  await page.keyboard.press("Delete");
  const deleted = await page.evaluate(() => podclean.regions.length);
  await page.keyboard.press("Control+z");
  const restored = await page.evaluate(() => podclean.exportLabels("audacity"));
  check(deleted === info.cuts && restored === drawn.text, "Delete removes the cut; Ctrl+Z brings it back");
  await page.keyboard.press("Control+Shift+z");
  await page.waitForTimeout(100);
  await page.screenshot({ path: out + "/review-zoomed.png" });

  // 6. space plays the file from the cursor (the playhead moves on)
  await page.evaluate((t) => podclean.setView(t - 20, 10), marker);
  await page.mouse.click(xAt(0.5), wave_y);  // sets the cursor (or selects the cut there)
  const cursor_at = await page.evaluate(() => podclean.cursor());
  await page.keyboard.press(" ");
  await page.waitForFunction((c) => podclean.playing() && podclean.playing().at > c + 0.5, cursor_at, { timeout: 5000 })
    .then(() => check(true, `space plays from the cursor (${cursor_at.toFixed(2)} s) and the playhead moves`),
          () => check(false, `space plays from the cursor (${cursor_at.toFixed(2)} s) and the playhead moves`));
  await page.keyboard.press(" ");
  check(await page.evaluate(() => podclean.playing() === null), "space again stops it");

  // 7. the export
  const saved = await page.evaluate(() => ({ json: podclean.exportLabels("json"), txt: podclean.exportLabels("audacity"),
                                             output_s: podclean.outputDuration(), n: podclean.regions.length }));
  check(saved.n === info.cuts, `after the edits: ${saved.n} cuts (one drawn, one deleted)`);
  const parsed = JSON.parse(saved.json);
  check(parsed.cuts.length === saved.n && parsed.cuts.every((c) => c.end > c.start && typeof c.class === "string"),
        "the JSON export is a cut list with a class per cut");
  writeFileSync(out + "/edited.json", saved.json);
  writeFileSync(out + "/edited.txt", saved.txt);
  writeFileSync(out + "/expected_output_s.txt", saved.output_s.toFixed(3) + "\n");
  check(requests.length === 0, `no network requests (${requests.length})`);
} finally {
  await browser.close();
}
if (failures.length) { console.error(failures.length + " check(s) failed"); process.exit(1); }
