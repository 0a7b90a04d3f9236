import { describe, expect, it } from "vitest";
import { httpRoutes } from "../functions/routes";

/**
 * The query parameters each handler takes (`RouteOptions.query`, enforced in its chain) are
 * those its route declares in routes.ts, from which /openapi.json is built: a route declaring a
 * parameter its handler refuses, or taking one it does not document, fails here. A route that
 * ignores unknown parameters (`queryIgnored`) is one whose handler reads them as `"any"`, or a
 * plain handler outside the chain.
 */
describe("query parameters", () => {
  it("lets each route take exactly the query parameters it declares", async () => {
    // Prepare
    const routes = Object.entries(httpRoutes);

    // Act
    const checked = await Promise.all(
      routes.map(async ([key, route]) => {
        const [file, name = "handler"] = route.handler.split(".");
        const url = new URL(`../${file}.ts`, import.meta.url).href;
        const module = (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
        const handler = module[name] as { queryRules?: Record<string, unknown> };
        const rule = handler.queryRules?.[key] as
          | "any"
          | { _zod: { def: { shape: object } } }
          | undefined;
        const takes =
          handler.queryRules === undefined || rule === "any"
            ? "any"
            : Object.keys(rule?._zod.def.shape ?? {}).sort();
        const declared = route.queryIgnored
          ? "any"
          : Object.keys(route.query?._zod.def.shape ?? {}).sort();
        return { key, takes, declared };
      }),
    );

    // Assess
    for (const { key, takes, declared } of checked) expect(takes, key).toEqual(declared);
  });
});
