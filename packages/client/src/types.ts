import type { components, paths } from "./openapi.js";

/** The public types of the client, derived from the generated OpenAPI types (./openapi.ts). */
type Schemas = components["schemas"];
type Query<Path extends keyof paths, Method extends keyof paths[Path]> = NonNullable<
  paths[Path][Method] extends { parameters: { query?: infer Q } } ? Q : never
>;

/** A notification as the API returns it. */
export type Notification = Schemas["Notification"];
export type Status = Notification["status"];
export type Channel = Notification["channel"];
/** Body of `send()`. */
export type SendInput = Schemas["SendNotification"];
/** A page of notifications (`list()`, `inbox()`). */
export type Listing = Schemas["NotificationList"];
export type Profile = Schemas["RecipientProfile"];
export type ProfileInput = Schemas["RecipientProfileInput"];
export type Counts = Schemas["Metrics"];

/** Query of `list()`: filters and paging. */
export type ListQuery = Query<"/v1/notifications", "get">;
/** Query of `inbox()`. */
export type InboxQuery = Query<"/v1/recipients/{id}/inbox", "get">;
export type MetricsQuery = Query<"/v1/metrics", "get">;
