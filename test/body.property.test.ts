import * as Body from "@herald/core/notification/body";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/**
 * The body codec (packages/core/src/notification/body.ts): any content round-trips through
 * compress/decompress byte for byte, and the decision to keep content apart is made where it
 * saves write units and nowhere else.
 */

const SEED = Number(
  process.env.HERALD_PROPERTY_SEED ??
    (process.env.CI ? 20261130 : Math.floor(Math.random() * 2 ** 31)),
);
const options = { seed: SEED, numRuns: Number(process.env.HERALD_PROPERTY_RUNS ?? 500) };

/** Content as the API accepts it: strings of any Unicode (astral planes, combining marks). */
const anyContent = fc.dictionary(
  fc.string({ maxLength: 20 }),
  fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 2_000 }),
    fc.string({ unit: "binary", maxLength: 2_000 }),
    fc.jsonValue(),
  ),
);

describe("notification bodies", () => {
  it("round-trips any Unicode content through compress and decompress", () => {
    fc.assert(
      fc.property(anyContent, (content) => {
        const json = JSON.stringify(content);
        const back = Body.decompress(Body.compress(json));
        expect(back).toBe(json);
        expect(JSON.parse(back)).toEqual(JSON.parse(json));
      }),
      options,
    );
  });

  it("keeps content apart only when it crosses a KB the status item would not", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 900 }),
        fc.integer({ min: 0, max: 40_000 }),
        (rest, size) => {
          const json = JSON.stringify({ subject: "s", html: "x".repeat(size) });
          const kept = Body.offload(rest, json);
          const inline = rest + "content".length + Buffer.byteLength(json);
          if (inline <= 1024) expect(kept).toBeUndefined();
          if (kept) {
            expect(kept.sk).toBe(Body.sortKeyOf(json));
            expect(Body.decompress(kept.data)).toBe(json);
          }
        },
      ),
      options,
    );
  });

  it("keeps a 3 KB HTML email apart, in a body of one KB, named by its content", () => {
    const html = `<table>${Array.from({ length: 60 }, (_, i) => `<tr><td>item ${i} ${"é日".repeat(i % 7)}</td><td>$${i}.99</td></tr>`).join("")}</table>`;
    const json = JSON.stringify({ subject: "Your order", html: html.slice(0, 3_000) });

    const kept = Body.offload(650, json);
    const again = Body.offload(650, json);
    const other = Body.offload(650, json.replace("order", "Order"));

    expect(kept?.data.byteLength).toBeLessThan(1024 - 160);
    expect(again?.sk).toBe(kept?.sk);
    expect(other?.sk).not.toBe(kept?.sk);
    expect(kept?.sk).toMatch(/^BODY#[\w-]{22}$/);
  });
});
