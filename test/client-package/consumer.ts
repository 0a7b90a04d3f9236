// A program written as another repository would: it knows @herald/client only from npm.
import {
  type FeedEvent,
  Herald,
  HeraldError,
  type Notification,
  RecipientInbox,
  type SendInput,
} from "@herald/client";
import type { HeraldInboxElement } from "@herald/client/inbox";

// The component's types ship too (it runs in browsers; this program only names them).
export const count = (element: HeraldInboxElement): number => element.unreadCount;

const [baseUrl, apiKey, feedUrl, recipient] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const herald = new Herald({ baseUrl, apiKey, feedUrl });

const { token } = await herald.issueToken(recipient);
const events: FeedEvent[] = [];
const subscription = herald.subscribe(token, (event) => {
  events.push(event);
});
await subscription.ready;

const input: SendInput = {
  channel: "in_app",
  recipient: { id: recipient },
  content: { title: "From the tarball" },
  immediate: true,
};
const sent: Notification = await herald.send(input);
const done = await herald.waitFor(sent.id, "delivered", { timeoutMs: 15_000, feed: { token } });
while (
  !events.some(
    (event) => event.notification.id === sent.id && event.notification.status === "delivered",
  )
) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
subscription.close();

try {
  await herald.get("ntf_missing");
} catch (error) {
  if (!(error instanceof HeraldError) || error.status !== 404) throw error;
}
const { unread } = await herald.unreadCount(recipient);
// The browser's side: the recipient token alone reads the same inbox.
const mine = await new RecipientInbox({ baseUrl, token }).unreadCount();
if (mine.unread !== unread) throw new Error(`recipient inbox counts ${mine.unread}, not ${unread}`);
process.stdout.write(
  `${JSON.stringify({ id: done.id, status: done.status, events: events.length, unread })}\n`,
);
