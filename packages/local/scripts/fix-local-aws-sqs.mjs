// local-aws-sqs 2.0.2 counts a ChangeMessageVisibility call as a receive: every retry backoff
// then moves a message a step closer to its dead-letter queue, unlike SQS. This swaps the one
// expression that does it (only a receive increments ApproximateReceiveCount) and fails loudly
// if the package changed shape, so an upgrade cannot silently undo it.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const file = createRequire(import.meta.url).resolve("local-aws-sqs");
const before = "let n=Number(t.record.attributes.ApproximateReceiveCount)+1;";
const after = "let n=Number(t.record.attributes.ApproximateReceiveCount)+(i?0:1);";
const source = readFileSync(file, "utf8");
if (source.includes(after)) process.exit(0);
if (!source.includes(before)) {
  process.stderr.write(
    `fix-local-aws-sqs: ${file} changed; check whether the fix is still needed\n`,
  );
  process.exit(1);
}
writeFileSync(file, source.replace(before, after));
