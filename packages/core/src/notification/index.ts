/**
 * The notification domain, one module per concern so a function bundles the verbs it calls:
 * ./send (accepting), ./manage (read, list, cancel, force, retry), ./lifecycle (what workers
 * and feedback do), ./inbox, ./model. Handlers may import this namespace; core modules import
 * the module they need.
 */
export * as Inbox from "./inbox";
export * from "./lifecycle";
export * from "./manage";
export * from "./model";
export * from "./send";
export { mayHaveLostItsMessage } from "./store";
