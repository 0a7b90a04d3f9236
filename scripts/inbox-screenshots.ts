/**
 * Regenerates docs/inbox-light.png and docs/inbox-dark.png: the `<herald-inbox>` demo page with
 * the panel open, against a local cloud, in Debian's chromium. `npx tsx scripts/inbox-screenshots.ts`
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Herald } from "@herald/client";
import { startLocalCloud } from "@herald/local/cloud";
import { startInboxDemo } from "@herald/local/inbox-demo";
import { launch } from "puppeteer-core";

const cloud = await startLocalCloud();
const apiKey = await cloud.createKey("screenshots");
const demo = await startInboxDemo({ apiUrl: cloud.apiUrl, feedUrl: cloud.feedUrl, apiKey });
const herald = new Herald({ baseUrl: cloud.apiUrl, apiKey });
const sent = [];
for (let i = 0; i < 4; i++) {
  sent.push((await (await fetch(`${demo.url}/send`, { method: "POST" })).json()) as { id: string });
}
for (const { id } of sent) await herald.waitFor(id, "delivered");
await herald.markRead("demo-user", sent[0]?.id ?? "");

const profile = mkdtempSync(join(tmpdir(), "herald-chromium-"));
const browser = await launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  userDataDir: profile,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});
try {
  for (const theme of ["light", "dark"]) {
    const page = await browser.newPage();
    await page.setViewport({ width: 960, height: 640, deviceScaleFactor: 1 });
    await page.goto(`${demo.url}/?open&theme=${theme}`);
    await page.waitForFunction(
      'document.querySelector("herald-inbox")?.getAttribute("unread") === "3"',
    );
    await page.waitForSelector("herald-inbox >>> .item");
    // Seen marks land as the panel opens; let them settle before the picture.
    await page.waitForNetworkIdle();
    await page.screenshot({ path: `docs/inbox-${theme}.png` });
    process.stdout.write(`wrote docs/inbox-${theme}.png\n`);
  }
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
  await demo.stop();
  await cloud.stop();
}
