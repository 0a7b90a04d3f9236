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
  // Stack traces in the logs point at the TypeScript source. Splitting: what a handler loads
  // with import() (templates on the send path) is a chunk of its own, read only when used.
  nodejs: { sourcemap: true, splitting: true },
  // JSON logs, so Lambda filters its own lines by level: at WARN, no START/END/REPORT lines
  // (≈ 260 bytes per invocation, billed as log ingestion; duration and memory are CloudWatch
  // metrics anyway). Herald's lines are JSON already; their level is AWS_LAMBDA_LOG_LEVEL.
  logging: { format: "json" as const },
  environment: { NODE_OPTIONS: "--enable-source-maps" },
  transform: {
    function: (args: aws.lambda.FunctionArgs): undefined => {
      if (!args.loggingConfig) return;
      args.loggingConfig = $output(args.loggingConfig).apply((config) => ({
        ...config,
        systemLogLevel: "WARN",
        applicationLogLevel: "INFO",
      }));
    },
    role: (args: aws.iam.RoleArgs): undefined => {
      if (!$dev) {
        args.assumeRolePolicy = aws.iam.assumeRolePolicyForPrincipal({
          Service: "lambda.amazonaws.com",
        });
      }
    },
  },
} as const;
