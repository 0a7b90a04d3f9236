import { describe, expect, it } from "vitest";
import { client, unique, useLocalCloud } from "./support";

const cloud = useLocalCloud();

describe("the handlers' log level", () => {
  // The tests start the local cloud with AWS_LAMBDA_LOG_LEVEL=silent (HERALD_TEST_LOG overrides
  // it); core's logger was loaded before that, by this very file's imports.
  it.skipIf(process.env.HERALD_TEST_LOG)(
    "is the one the local cloud was started with, though core was loaded first",
    async () => {
      // Prepare
      const api = client(cloud().apiUrl, await cloud().createKey(unique("tenant")));
      const lines: string[] = [];
      const write = process.stdout.write;
      process.stdout.write = ((chunk: unknown) => {
        lines.push(String(chunk));
        return true;
      }) as typeof process.stdout.write;

      // Act
      try {
        await api.request("GET", "/v1/notifications");
        await api.request("GET", "/v1/notifications/ntf_missing");
      } finally {
        process.stdout.write = write;
      }

      // Assess
      expect(lines.filter((line) => line.includes('"message":"request"'))).toEqual([]);
    },
  );
});
