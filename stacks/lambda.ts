/** `in_app` → `InApp`, `functions/api/notifications/by-id.handler` → `ApiNotificationsById`. */
export function pascal(value: string): string {
  return value
    .replace(/^functions\//, "")
    .replace(/\.[A-Za-z]+$/, "")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join("");
}

/**
 * Defaults for every Herald function: Graviton, a current Node.js runtime, source maps, and a role
 * only Lambda can assume. (SST's role also trusts the account root, which `sst dev` uses to run functions
 * locally with their role; deployed stages have no use for it.)
 */
export const lambda = {
  runtime: "nodejs24.x",
  architecture: "arm64",
  // Stack traces in the logs point at the TypeScript source.
  nodejs: { sourcemap: true },
  environment: { NODE_OPTIONS: "--enable-source-maps" },
  transform: {
    role: (args: aws.iam.RoleArgs): undefined => {
      if (!$dev) {
        args.assumeRolePolicy = aws.iam.assumeRolePolicyForPrincipal({
          Service: "lambda.amazonaws.com",
        });
      }
    },
  },
} as const;
