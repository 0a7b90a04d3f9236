/**
 * Real-time fan-out: one PUBLISH per status change someone may listen to (./presence; see
 * ./event for the channel names), pattern subscriptions for feeds, short-lived recipient tokens
 * (./token), replay of what a feed missed from DynamoDB (./replay), the SSE feed (./feed) and the
 * WebSocket feed on AppSync Events (./socket).
 */

export * from "./event";
export * from "./feed";
export * as Presence from "./presence";
export { publish, publishMany } from "./publish";
export * from "./replay";
export * as Socket from "./socket";
export { issue, TokenResponse } from "./socket";
export * from "./subscribe";
export * from "./token";
