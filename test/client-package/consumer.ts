// A program written as another repository would: it knows @herald/client only from npm.
import {
  type FeedEvent,
  Herald,
  HeraldError,
  type Notification,
  type SendInput,
} from "@herald/client";

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
process.stdout.write(
  `${JSON.stringify({ id: done.id, status: done.status, events: events.length, unread })}\n`,
);
