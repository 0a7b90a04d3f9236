import type { HeraldError } from "./errors.js";
import { RecipientInbox } from "./recipient.js";
import type { Subscription, TokenSource } from "./sse.js";
import type { Notification } from "./types.js";

/**
 * `<herald-inbox>`: a bell with the live unread count and a panel listing the recipient's in-app
 * messages, framework-free (a custom element in a shadow root). It authenticates with a recipient
 * token, never an API key.
 *
 * - The count is never kept by arithmetic: after every change (a feed event, a mark, a
 *   reconnect) it is read again from `GET /v1/inbox/unread-count`, so it cannot drift.
 * - The list is keyed by notification id: a feed event replaces the message it names, so
 *   repeated or reordered events change nothing.
 * - Scrolling to the end loads the next page (the inbox cursor).
 * - Offline (the feed fails, or the browser goes offline), it says so and reconnects; on
 *   reconnecting it resumes the feed after the last event and reloads count and first page.
 *
 * @example
 * ```html
 * <script type="module">
 *   import "@herald/client/inbox";
 *   const inbox = document.querySelector("herald-inbox");
 *   inbox.tokenProvider = () => fetch("/my-backend/herald-token").then((r) => r.json()).then((b) => b.token);
 * </script>
 * <herald-inbox base-url="https://api.example.com" feed-url="https://feed.example.com"></herald-inbox>
 * ```
 *
 * Attributes: `base-url`, `feed-url`, `token` (or the `tokenProvider` property, called again
 * when a token expires), `page-size` (default 20), `open` (panel open). Theme with the CSS custom
 * properties listed in STYLE (`--herald-inbox-*`). Events: `herald-inbox-open` (detail: the
 * notification when a message is opened), `herald-inbox-error`.
 */

const STYLE = `
:host {
  --herald-inbox-font: system-ui, -apple-system, "Segoe UI", sans-serif;
  --herald-inbox-bg: #ffffff;
  --herald-inbox-fg: #1d2430;
  --herald-inbox-muted: #667085;
  --herald-inbox-border: #dde2ea;
  --herald-inbox-accent: #2563eb;
  --herald-inbox-accent-fg: #ffffff;
  --herald-inbox-unread-bg: #eef4ff;
  --herald-inbox-hover-bg: #f4f6f9;
  --herald-inbox-badge-bg: #d92d20;
  --herald-inbox-badge-fg: #ffffff;
  --herald-inbox-radius: 10px;
  --herald-inbox-width: 360px;
  --herald-inbox-max-height: 440px;
  --herald-inbox-shadow: 0 12px 32px rgba(16, 24, 40, 0.18);
  display: inline-block;
  position: relative;
  font-family: var(--herald-inbox-font);
  color: var(--herald-inbox-fg);
}
button { font: inherit; color: inherit; }
:focus-visible { outline: 2px solid var(--herald-inbox-accent); outline-offset: 2px; }
.bell {
  position: relative; display: inline-flex; align-items: center; justify-content: center;
  width: 40px; height: 40px; border-radius: 50%; border: 1px solid var(--herald-inbox-border);
  background: var(--herald-inbox-bg); cursor: pointer; padding: 0;
}
.bell svg { width: 20px; height: 20px; fill: none; stroke: currentColor; stroke-width: 2; }
.badge {
  position: absolute; top: -4px; right: -4px; min-width: 18px; height: 18px; padding: 0 5px;
  box-sizing: border-box; border-radius: 9px; background: var(--herald-inbox-badge-bg);
  color: var(--herald-inbox-badge-fg); font-size: 11px; font-weight: 600; line-height: 18px;
  text-align: center;
}
.badge[hidden] { display: none; }
.panel {
  position: absolute; right: 0; top: 48px; z-index: 10; width: var(--herald-inbox-width);
  background: var(--herald-inbox-bg); border: 1px solid var(--herald-inbox-border);
  border-radius: var(--herald-inbox-radius); box-shadow: var(--herald-inbox-shadow);
  overflow: hidden; display: flex; flex-direction: column;
}
.panel[hidden] { display: none; }
header {
  display: flex; align-items: center; justify-content: space-between; gap: 8px;
  padding: 10px 14px; border-bottom: 1px solid var(--herald-inbox-border);
}
h2 { font-size: 15px; margin: 0; }
.all {
  border: none; background: none; color: var(--herald-inbox-accent); cursor: pointer;
  font-size: 13px; padding: 4px 6px; border-radius: 6px;
}
.all:disabled { color: var(--herald-inbox-muted); cursor: default; }
.status {
  padding: 8px 14px; font-size: 13px; color: var(--herald-inbox-muted);
  border-bottom: 1px solid var(--herald-inbox-border);
}
.status[hidden] { display: none; }
.status.offline { color: var(--herald-inbox-badge-bg); }
.scroll { overflow-y: auto; max-height: var(--herald-inbox-max-height); }
ul { list-style: none; margin: 0; padding: 0; }
li + li { border-top: 1px solid var(--herald-inbox-border); }
.item {
  display: grid; grid-template-columns: 10px 1fr; gap: 10px; width: 100%; text-align: left;
  padding: 12px 14px; border: none; background: var(--herald-inbox-bg); cursor: pointer;
}
.item:hover { background: var(--herald-inbox-hover-bg); }
.item.unread { background: var(--herald-inbox-unread-bg); }
.dot { width: 8px; height: 8px; margin-top: 6px; border-radius: 50%; }
.unread .dot { background: var(--herald-inbox-accent); }
.title { font-weight: 600; font-size: 14px; display: block; }
.body { font-size: 13px; color: var(--herald-inbox-muted); display: block; margin-top: 2px; }
time { font-size: 12px; color: var(--herald-inbox-muted); display: block; margin-top: 4px; }
.empty { padding: 32px 14px; text-align: center; color: var(--herald-inbox-muted); font-size: 14px; }
.empty[hidden] { display: none; }
.more { height: 1px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

const BELL = `<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>`;

type Content = { title?: string; body?: string; url?: string };

export class HeraldInboxElement extends HTMLElement {
  static observedAttributes = ["base-url", "feed-url", "token", "open"];

  private readonly root: ShadowRoot;
  private readonly messages = new Map<string, Notification>();
  private readonly nodes = new Map<string, HTMLLIElement>();
  /** Messages whose seen mark is on its way. */
  private readonly seeing = new Set<string>();
  private inbox: RecipientInbox | undefined;
  private subscription: Subscription | undefined;
  private lastEventId: string | undefined;
  private cursor: string | undefined;
  private loaded = false;
  private loading = false;
  private unread = 0;
  private offline = false;
  private counting: Promise<void> | undefined;
  /** Connected and started: attribute and provider changes restart it from then on. */
  private started = false;
  private recountAgain = false;
  private observer: IntersectionObserver | undefined;
  private readonly onOnline = () => this.reconnect();
  private readonly onOffline = () => {
    this.subscription?.close();
    this.goOffline();
  };

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
    this.root.innerHTML = `<style>${STYLE}</style>
<button class="bell" part="bell" aria-haspopup="dialog" aria-expanded="false" aria-controls="panel">
  ${BELL}<span class="badge" part="badge" aria-hidden="true" hidden>0</span>
  <span class="sr label">Notifications</span>
</button>
<div class="sr" role="status" aria-live="polite" id="live"></div>
<section class="panel" id="panel" part="panel" role="dialog" aria-label="Notifications" hidden>
  <header><h2>Notifications</h2><button class="all" type="button">Mark all as read</button></header>
  <div class="status" role="status" hidden></div>
  <div class="scroll">
    <ul role="list" aria-label="Messages"></ul>
    <p class="empty" hidden>You're all caught up. New messages will appear here.</p>
    <div class="more" aria-hidden="true"></div>
  </div>
</section>`;
    this.$(".bell").addEventListener("click", () => this.toggle());
    this.$(".all").addEventListener("click", () => this.markAllRead());
    this.$("ul").addEventListener("click", (event) => {
      const item = (event.target as Element).closest<HTMLElement>(".item");
      if (item?.dataset.id) this.openMessage(item.dataset.id);
    });
    this.root.addEventListener("keydown", (event) => this.onKey(event as KeyboardEvent));
  }

  private provider: (() => string | Promise<string>) | undefined;

  /** Returns a fresh recipient token: the token refresh hook, asked on connect and on expiry. */
  get tokenProvider(): (() => string | Promise<string>) | undefined {
    return this.provider;
  }

  set tokenProvider(provider: (() => string | Promise<string>) | undefined) {
    this.provider = provider;
    if (this.started) this.start();
  }

  /** The unread count the bell shows. */
  get unreadCount(): number {
    return this.unread;
  }

  get open(): boolean {
    return this.hasAttribute("open");
  }

  set open(value: boolean) {
    this.toggleAttribute("open", value);
  }

  connectedCallback() {
    // A page may set properties before the element is defined: they shadow the accessors.
    const own = this as unknown as Record<string, unknown>;
    if (Object.hasOwn(this, "tokenProvider")) {
      const provider = own.tokenProvider as typeof this.provider;
      delete own.tokenProvider;
      this.provider = provider;
    }
    if (Object.hasOwn(this, "open")) {
      const open = Boolean(own.open);
      delete own.open;
      this.open = open;
    }
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    this.started = true;
    this.start();
  }

  disconnectedCallback() {
    this.started = false;
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    this.subscription?.close();
    this.subscription = undefined;
    this.observer?.disconnect();
  }

  attributeChangedCallback(name: string, before: string | null, after: string | null) {
    if (name === "open") return this.renderOpen();
    if (before !== after && this.started) this.start();
  }

  /** Close the feed and connect again (after the last event); count and list reload on open. */
  reconnect() {
    this.connectFeed();
  }

  private $<T extends Element = HTMLElement>(selector: string): T {
    return this.root.querySelector(selector) as T;
  }

  /** (Re)start with the current attributes: a new token source, feed, count and list. */
  private start() {
    const baseUrl = this.getAttribute("base-url");
    const token: TokenSource | undefined =
      this.tokenProvider ?? this.getAttribute("token") ?? undefined;
    if (!baseUrl || !token) return;
    this.inbox = new RecipientInbox({
      baseUrl,
      feedUrl: this.getAttribute("feed-url") ?? undefined,
      // A provider set after the element was created is still the one asked.
      token: this.provider ? () => (this.provider as () => string)() : token,
    });
    this.messages.clear();
    this.nodes.clear();
    this.$("ul").replaceChildren();
    this.cursor = undefined;
    this.loaded = false;
    this.lastEventId = undefined;
    this.connectFeed();
    void this.refresh();
  }

  private connectFeed() {
    this.subscription?.close();
    this.subscription = undefined;
    if (!this.inbox || !this.getAttribute("feed-url")) return;
    this.subscription = this.inbox.subscribe(
      (event) => {
        this.lastEventId = event.event_id;
        if (event.notification.channel !== "in_app" || !event.notification.delivered_at) return;
        this.update(event.notification);
        this.recount();
      },
      {
        lastEventId: this.lastEventId,
        onOpen: () => {
          this.offline = false;
          this.toggleAttribute("live", true);
          this.renderStatus();
          // Whatever changed before or while the feed was away: count and first page again.
          void this.refresh();
        },
        onError: (error) => {
          this.goOffline();
          this.fail(error);
        },
      },
    );
  }

  private goOffline() {
    this.offline = true;
    this.toggleAttribute("live", false);
    this.renderStatus();
  }

  /** Count and first page again, keeping what is loaded beyond it. */
  private async refresh() {
    this.recount();
    await this.loadPage(true);
  }

  /** Read the count from the API; changes arriving meanwhile trigger one more read. */
  private recount() {
    if (this.counting) {
      this.recountAgain = true;
      return;
    }
    this.counting = (async () => {
      do {
        this.recountAgain = false;
        try {
          const { unread } = (await this.inbox?.unreadCount()) ?? { unread: 0 };
          this.unread = unread;
          this.renderCount();
        } catch (error) {
          this.fail(error as HeraldError);
        }
      } while (this.recountAgain);
      this.counting = undefined;
    })();
  }

  private async loadPage(first = false) {
    if (!this.inbox || this.loading || (!first && this.loaded && !this.cursor)) return;
    this.loading = true;
    this.renderStatus();
    try {
      const page = await this.inbox.list({
        limit: Number(this.getAttribute("page-size") ?? 20),
        cursor: first ? undefined : this.cursor,
      });
      for (const item of page.items) this.update(item);
      if (first && this.loaded) {
        // Keep the cursor of the furthest page loaded.
      } else this.cursor = page.next_cursor;
      this.loaded = true;
      this.renderList();
      if (this.open) this.markShownSeen();
    } catch (error) {
      this.fail(error as HeraldError);
    } finally {
      this.loading = false;
      this.renderStatus();
    }
    // Observing afresh reports whether the end is still in view (a short page): then load on.
    if (this.open && this.cursor) this.observe();
  }

  private toggle() {
    this.open = !this.open;
  }

  private renderOpen() {
    const open = this.open;
    this.$(".panel").hidden = !open;
    this.$(".bell").setAttribute("aria-expanded", String(open));
    if (open) {
      this.observe();
      this.markShownSeen();
      const first = this.$<HTMLElement>(".item") ?? this.$<HTMLElement>(".all");
      first?.focus();
    } else {
      this.observer?.disconnect();
    }
  }

  private observe() {
    this.observer?.disconnect();
    this.observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) void this.loadPage();
      },
      { root: this.$(".scroll"), rootMargin: "120px" },
    );
    this.observer.observe(this.$(".more"));
  }

  private markShownSeen() {
    for (const message of this.messages.values()) {
      if (message.seen_at || !this.inbox || this.seeing.has(message.id)) continue;
      this.seeing.add(message.id);
      this.inbox
        .markSeen(message.id)
        .then(
          (marked) => this.update(marked),
          (error) => this.fail(error),
        )
        .finally(() => this.seeing.delete(message.id));
    }
  }

  private async openMessage(id: string) {
    const message = this.messages.get(id);
    if (!message || !this.inbox) return;
    this.dispatchEvent(
      new CustomEvent("herald-inbox-open", { detail: message, bubbles: true, composed: true }),
    );
    if (!message.read_at) {
      try {
        this.update(await this.inbox.markRead(id));
      } catch (error) {
        this.fail(error as HeraldError);
      }
      this.recount();
    }
    const { url } = message.content as Content;
    if (url && /^https?:/i.test(url)) window.location.assign(url);
  }

  private async markAllRead() {
    if (!this.inbox) return;
    try {
      await this.inbox.readAll();
      const now = new Date().toISOString();
      for (const [id, message] of this.messages) {
        if (!message.read_at)
          this.messages.set(id, { ...message, read_at: now, seen_at: message.seen_at ?? now });
      }
      this.renderList();
      this.announce("All messages marked as read");
    } catch (error) {
      this.fail(error as HeraldError);
    }
    this.recount();
  }

  /** A newer state of one message; an older one (a late or replayed event) is ignored. */
  private update(message: Notification) {
    const known = this.messages.get(message.id);
    if (known && known.updated_at > message.updated_at) return;
    if (known?.read_at && !message.read_at) return;
    this.messages.set(message.id, message);
    this.renderList();
  }

  private onKey(event: KeyboardEvent) {
    if (event.key === "Escape" && this.open) {
      this.open = false;
      this.$<HTMLButtonElement>(".bell").focus();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const items = [...this.root.querySelectorAll<HTMLElement>(".item")];
    const at = items.indexOf(this.root.activeElement as HTMLElement);
    if (at === -1) return;
    event.preventDefault();
    const next =
      items[Math.max(0, Math.min(items.length - 1, at + (event.key === "ArrowDown" ? 1 : -1)))];
    next?.focus();
  }

  private renderCount() {
    const badge = this.$(".badge");
    badge.textContent = this.unread > 99 ? "99+" : String(this.unread);
    badge.hidden = this.unread === 0;
    this.setAttribute("unread", String(this.unread));
    const label =
      this.unread === 0 ? "Notifications, none unread" : `Notifications, ${this.unread} unread`;
    this.$(".bell").setAttribute("aria-label", label);
    this.$(".all").toggleAttribute("disabled", this.unread === 0);
  }

  /** Keyed by id: a message's element is updated in place, so focus and handles survive. */
  private renderList() {
    const list = this.$("ul");
    const sorted = [...this.messages.values()].sort((a, b) =>
      (b.delivered_at ?? b.created_at).localeCompare(a.delivered_at ?? a.created_at),
    );
    sorted.forEach((message, index) => {
      let node = this.nodes.get(message.id);
      if (!node) {
        node = this.renderItem(message);
        this.nodes.set(message.id, node);
      } else this.updateItem(node, message);
      if (list.children[index] !== node) list.insertBefore(node, list.children[index] ?? null);
    });
    while (list.children.length > sorted.length) list.lastElementChild?.remove();
    this.$(".empty").hidden = !this.loaded || sorted.length > 0;
  }

  private renderItem(message: Notification): HTMLLIElement {
    const content = message.content as Content;
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.id = message.id;
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.setAttribute("aria-hidden", "true");
    const text = document.createElement("span");
    const state = document.createElement("span");
    state.className = "sr state";
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = content.title ?? "";
    text.append(state, title);
    if (content.body) {
      const body = document.createElement("span");
      body.className = "body";
      body.textContent = content.body;
      text.append(body);
    }
    const time = document.createElement("time");
    const when = message.delivered_at ?? message.created_at;
    time.dateTime = when;
    time.textContent = new Date(when).toLocaleString();
    text.append(time);
    button.append(dot, text);
    li.append(button);
    this.updateItem(li, message);
    return li;
  }

  private updateItem(li: HTMLLIElement, message: Notification) {
    const button = li.firstElementChild as HTMLButtonElement;
    button.className = message.read_at ? "item" : "item unread";
    button.setAttribute("part", message.read_at ? "item" : "item unread");
    (li.querySelector(".state") as HTMLElement).textContent = message.read_at ? "" : "Unread. ";
  }

  private renderStatus() {
    const status = this.$(".status");
    status.classList.toggle("offline", this.offline);
    if (this.offline) status.textContent = "You're offline. Reconnecting…";
    else if (this.loading && !this.loaded) status.textContent = "Loading…";
    else status.textContent = "";
    status.hidden = status.textContent === "";
    this.toggleAttribute("offline", this.offline);
  }

  private announce(text: string) {
    this.$("#live").textContent = text;
  }

  private fail(error: HeraldError) {
    this.dispatchEvent(
      new CustomEvent("herald-inbox-error", { detail: error, bubbles: true, composed: true }),
    );
  }
}

if (typeof customElements !== "undefined" && !customElements.get("herald-inbox")) {
  customElements.define("herald-inbox", HeraldInboxElement);
}

declare global {
  interface HTMLElementTagNameMap {
    "herald-inbox": HeraldInboxElement;
  }
}
