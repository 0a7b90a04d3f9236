import * as z from "./zod";

/**
 * Free-form JSON from callers (`data`, `metadata`), checked without recursion so hostile input
 * cannot exhaust the stack: bounded depth, finite numbers, and no keys that reach into an
 * object's prototype.
 */
export const MAX_DEPTH = 16;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export function jsonProblem(value: unknown): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length) {
    const next = stack.pop() as { value: unknown; depth: number };
    const current = next.value;
    if (typeof current === "number" && !Number.isFinite(current)) return "numbers must be finite";
    if (current === null || typeof current !== "object") continue;
    if (next.depth >= MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
    for (const [key, child] of Object.entries(current)) {
      if (FORBIDDEN_KEYS.has(key)) return `"${key}" is not allowed as a key`;
      stack.push({ value: child, depth: next.depth + 1 });
    }
    if (Object.hasOwn(current, "__proto__")) return `"__proto__" is not allowed as a key`;
  }
  return undefined;
}

export function jsonSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null));
}

/** Refuses what `jsonProblem` finds, and anything over `maxBytes` once serialised. */
function withinJson(maxBytes: number) {
  return z.superRefine((value: unknown, ctx) => {
    const problem = jsonProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
    else if (jsonSize(value) > maxBytes) {
      ctx.addIssue({ code: "custom", message: `over ${maxBytes} bytes as JSON` });
    }
  });
}

/** Any JSON value within `maxBytes` once serialised. */
export function json(maxBytes: number) {
  return z.unknown().check(withinJson(maxBytes));
}

/** A JSON object within `maxBytes`. */
export function jsonObject(maxBytes: number) {
  const Key = z.string().check(z.maxLength(64));
  return z.record(Key, z.unknown()).check(withinJson(maxBytes));
}
