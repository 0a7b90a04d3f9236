import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Herald } from "@herald/client";
import { type InboxDemo, startInboxDemo } from "@herald/local/inbox-demo";
import { type Browser, launch, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unique, useLocalCloud } from "./support";

/**
 * `<herald-inbox>` in a real browser: Debian's chromium (`apt-get install chromium`; never a
 * downloaded one) driven by puppeteer-core, on the demo page `npm run dev` serves, against the
 * local cloud. Every wait polls the page (waitForFunction); none asserts a duration.
 */
const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (path): path is string => Boolean(path && existsSync(path)),
);
if (!CHROMIUM && process.env.CI) {
  throw new Error("CI must run the browser tests: install chromium (.ci/run does, with apt-get)");
}
if (!CHROMIUM) {
  process.stderr.write(
    "test/inbox-browser.test.ts: skipped, no chromium found (apt-get install -y chromium, or set CHROMIUM_PATH)\n",
  );
}

const cloud = useLocalCloud();
let browser: Browser;
let profile: string;
let demo: InboxDemo;
let herald: Herald;
let recipient: string;

beforeAll(async () => {
  if (!CHROMIUM) return;
  const apiKey = await cloud().createKey(unique("tenant"));
  recipient = unique("user");
  herald = new Herald({ baseUrl: cloud().apiUrl, apiKey, feedUrl: cloud().feedUrl });
  demo = await startInboxDemo({
    apiUrl: cloud().apiUrl,
    feedUrl: cloud().feedUrl,
    apiKey,
    recipient,
  });
  profile = mkdtempSync(join(tmpdir(), "herald-chromium-"));
  browser = await launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${profile}`,
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Wait until the component's attribute `name` reads `value` (polls the page). */
function attribute(page: Page, name: string, value: string | null) {
  return page.waitForFunction(
    (n, v) => (globalThis as any).document.querySelector("herald-inbox")?.getAttribute(n) === v,
    { timeout: 15_000 },
    name,
    value,
  );
}

function send(title: string) {
  return herald.send({
    channel: "in_app",
    recipient: { id: recipient },
    content: { title, body: "From the browser test" },
    immediate: true,
  });
}

describe.skipIf(!CHROMIUM)("<herald-inbox> in chromium", () => {
  it("counts live, marks read on open, and keeps its state across a reconnect", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(demo.url);
    await attribute(page, "unread", "0");
    await attribute(page, "live", "");
    // Nothing yet: the empty state.
    expect(await page.$eval("herald-inbox >>> .empty", (empty) => (empty as any).hidden)).toBe(
      false,
    );

    // A notification raises the count, through the real-time feed.
    const first = await send("First");
    await attribute(page, "unread", "1");

    // Opening the panel and then the message marks it read; the count falls.
    await page.click("herald-inbox >>> .bell");
    const item = await page.waitForSelector(`herald-inbox >>> .item.unread[data-id="${first.id}"]`);
    await item?.click();
    await attribute(page, "unread", "0");
    expect((await herald.get(first.id)).read_at).toBeDefined();
    expect((await herald.unreadCount(recipient)).unread).toBe(0);

    // Offline: the component says so; what arrives meanwhile shows once it reconnects.
    await page.setOfflineMode(true);
    await attribute(page, "offline", "");
    const second = await send("Second");
    await herald.waitFor(second.id, "delivered");
    await page.setOfflineMode(false);
    await attribute(page, "live", "");
    await attribute(page, "unread", "1");
    await page.waitForSelector(`herald-inbox >>> .item.unread[data-id="${second.id}"]`);
    const read = await page.$$(`herald-inbox >>> .item:not(.unread)[data-id="${first.id}"]`);
    expect(read).toHaveLength(1);

    // Marked read elsewhere (another tab, the server): the feed brings it, the count follows.
    const third = await send("Third");
    await attribute(page, "unread", "2");
    await herald.markRead(recipient, second.id);
    await attribute(page, "unread", "1");
    await page.waitForSelector(`herald-inbox >>> .item:not(.unread)[data-id="${second.id}"]`);
    await page.waitForSelector(`herald-inbox >>> .item.unread[data-id="${third.id}"]`);

    // Mark all read: the count reaches zero and stays there.
    await page.click("herald-inbox >>> .all");
    await attribute(page, "unread", "0");
    expect((await herald.unreadCount(recipient)).unread).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);

  it("is usable from the keyboard and labels its state for screen readers", async () => {
    const page = await browser.newPage();
    await page.goto(demo.url);
    await attribute(page, "live", "");
    await send("Keyboard");
    await attribute(page, "unread", "1");

    await page.focus("herald-inbox >>> .bell");
    await page.keyboard.press("Enter");
    const expanded = await page.$eval("herald-inbox >>> .bell", (bell) => ({
      expanded: bell.getAttribute("aria-expanded"),
      label: bell.getAttribute("aria-label"),
    }));
    expect(expanded).toEqual({ expanded: "true", label: "Notifications, 1 unread" });
    await page.waitForFunction(() =>
      (globalThis as any).document
        .querySelector("herald-inbox")
        ?.shadowRoot?.activeElement?.classList.contains("item"),
    );
    await page.keyboard.press("Enter");
    await attribute(page, "unread", "0");
    await page.keyboard.press("Escape");
    const closed = await page.$eval("herald-inbox >>> .bell", (bell) =>
      bell.getAttribute("aria-expanded"),
    );
    expect(closed).toBe("false");
  }, 60_000);

  it("loads older messages as the list scrolls to its end (the inbox cursor)", async () => {
    // Prepare: another recipient, five messages, pages of two.
    const other = unique("user");
    const scrolling = await startInboxDemo({
      apiUrl: cloud().apiUrl,
      feedUrl: cloud().feedUrl,
      apiKey: (herald as any).options.apiKey,
      recipient: other,
    });
    try {
      for (let i = 0; i < 5; i++) {
        const sent = await herald.send({
          channel: "in_app",
          recipient: { id: other },
          content: { title: `Message ${i}` },
          immediate: true,
        });
        await herald.waitFor(sent.id, "delivered");
      }
      const page = await browser.newPage();
      await page.goto(`${scrolling.url}/?open&page-size=2`);
      await attribute(page, "unread", "5");

      // Act: scroll to the end until every message is listed (each poll scrolls again).
      await page.waitForFunction(
        () => {
          const root = (globalThis as any).document.querySelector("herald-inbox")?.shadowRoot;
          const scroller = root?.querySelector(".scroll");
          if (scroller) scroller.scrollTop = scroller.scrollHeight;
          return root?.querySelectorAll(".item").length === 5;
        },
        { timeout: 15_000, polling: 100 },
      );

      // Assess: newest first, no repeats.
      const titles = await page.$$eval("herald-inbox >>> .title", (nodes) =>
        nodes.map((node) => node.textContent),
      );
      expect(titles).toEqual(["Message 4", "Message 3", "Message 2", "Message 1", "Message 0"]);
    } finally {
      await scrolling.stop();
    }
  }, 60_000);
});
