import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { close, HOST, listen } from "./net";

/**
 * The `<herald-inbox>` demo page `npm run dev` serves: the component, live against the local
 * cloud, for one recipient. The page's server plays the part of a product's backend: it holds
 * the API key, issues the browser a recipient token (`POST /token`, the component's token
 * provider) and sends test notifications (`POST /send`). The component itself is bundled from
 * the client's source on first request.
 */

export interface InboxDemoOptions {
  apiUrl: string;
  feedUrl: string;
  apiKey: string;
  /** The recipient whose inbox the page shows (default "demo-user"). */
  recipient?: string;
  /** Recipient token lifetime (default 900 s). */
  tokenTtlSeconds?: number;
  port?: number;
}

export interface InboxDemo {
  url: string;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL("../../client/src/inbox.ts", import.meta.url));

const TITLES = [
  ["Your order shipped", "Order #4821 is on its way and arrives Thursday."],
  ["New comment on “Q3 plan”", "Grace: “Looks good, one question on the budget.”"],
  ["Payment received", "Thanks! We received €49.00 for your subscription."],
  ["Weekly summary", "12 tasks done, 3 due this week."],
  ["Security alert", "A new sign-in from Firefox on Linux."],
];

export async function startInboxDemo(options: InboxDemoOptions): Promise<InboxDemo> {
  const recipient = options.recipient ?? "demo-user";
  let bundle: Promise<string> | undefined;
  let sent = 0;
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${options.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? "/", "http://demo").pathname;
      if (req.method === "GET" && path === "/") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(page(options, recipient));
      } else if (req.method === "GET" && path === "/herald-inbox.js") {
        bundle ??= build({
          entryPoints: [ENTRY],
          bundle: true,
          format: "esm",
          target: "es2022",
          write: false,
        }).then((result) => result.outputFiles[0]?.text ?? "");
        res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
        res.end(await bundle);
      } else if (req.method === "POST" && path === "/token") {
        const answer = await api("POST", `/v1/recipients/${encodeURIComponent(recipient)}/tokens`, {
          ttl_seconds: options.tokenTtlSeconds ?? 900,
        });
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(await answer.text());
      } else if (req.method === "POST" && path === "/send") {
        const [title, body] = TITLES[sent++ % TITLES.length] as [string, string];
        const answer = await api("POST", "/v1/notifications", {
          channel: "in_app",
          recipient: { id: recipient },
          content: { title, body },
          immediate: true,
        });
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(await answer.text());
      } else {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("Not found");
      }
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    }
  });
  const port = await listen(server, options.port ?? 0);
  return { url: `http://${HOST}:${port}`, stop: () => close(server) };
}

function page(options: InboxDemoOptions, recipient: string): string {
  const attr = (text: string) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald inbox demo</title>
<style>
  body { margin: 0; font: 15px/1.5 system-ui, sans-serif; background: #f4f6f9; color: #1d2430; min-height: 100vh; }
  nav { display: flex; align-items: center; justify-content: space-between; padding: 12px 24px;
    background: #fff; border-bottom: 1px solid #dde2ea; }
  nav strong { font-size: 17px; }
  .tools { display: flex; align-items: center; gap: 12px; }
  main { max-width: 720px; margin: 32px auto; padding: 0 24px; }
  main button { font: inherit; padding: 8px 14px; border-radius: 8px; border: 1px solid #c9d1dd;
    background: #fff; color: inherit; cursor: pointer; }
  code { font-family: ui-monospace, monospace; font-size: 13px; }
  body.dark { background: #0f1217; color: #e6e9ef; }
  body.dark nav { background: #161a21; border-color: #2a303b; }
  body.dark main button { background: #1b2029; border-color: #343b48; }
  body.dark herald-inbox {
    --herald-inbox-bg: #1b2029;
    --herald-inbox-fg: #e6e9ef;
    --herald-inbox-muted: #98a2b3;
    --herald-inbox-border: #2f3643;
    --herald-inbox-accent: #7aa2ff;
    --herald-inbox-unread-bg: #1f2a44;
    --herald-inbox-hover-bg: #232a36;
    --herald-inbox-shadow: 0 12px 32px rgba(0, 0, 0, 0.5);
  }
</style>
</head>
<body>
<nav>
  <strong>Acme</strong>
  <div class="tools">
    <herald-inbox base-url="${attr(options.apiUrl)}" feed-url="${attr(options.feedUrl)}"></herald-inbox>
  </div>
</nav>
<main>
  <h1>&lt;herald-inbox&gt;</h1>
  <p>The bell is the component, live against the local cloud, for recipient <code>${attr(recipient)}</code>.
  Its count comes from the real-time feed; opening a message marks it read.</p>
  <p><button id="send" type="button">Send a test notification</button>
  <button id="theme" type="button">Dark theme</button></p>
</main>
<script type="module">
  const params = new URLSearchParams(location.search);
  const inbox = document.querySelector("herald-inbox");
  if (params.has("page-size")) inbox.setAttribute("page-size", params.get("page-size"));
  // The token refresh hook: asked on connect, and again whenever a token expires.
  inbox.tokenProvider = () =>
    fetch("/token", { method: "POST" }).then((r) => r.json()).then((b) => b.token);
  await import("/herald-inbox.js");
  const theme = document.querySelector("#theme");
  const setDark = (dark) => {
    document.body.classList.toggle("dark", dark);
    theme.textContent = dark ? "Light theme" : "Dark theme";
  };
  setDark(params.get("theme") === "dark");
  theme.addEventListener("click", () => setDark(!document.body.classList.contains("dark")));
  document.querySelector("#send").addEventListener("click", () => fetch("/send", { method: "POST" }));
  if (params.has("open")) inbox.open = true;
</script>
</body>
</html>`;
}
