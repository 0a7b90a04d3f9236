/**
 * One client per AWS service, created on first use and reused for the life of the container.
 * Endpoints and credentials come from the standard SDK environment (`AWS_ENDPOINT_URL_<SERVICE>`),
 * which is how the local cloud redirects them; nothing here branches on where it runs.
 *
 * Each client is a module of its own (./dynamo, ./sqs, ./scheduler, ./ses, ./sms,
 * ./connections) and code imports that module, so a function's bundle (and its init) holds only
 * the SDK packages it calls: an import of an external package stays in a bundle even when
 * tree-shaking drops every use of it, so one module creating five clients put all five into
 * every function. This file only re-exports what `realtime/socket.ts` imports from it.
 */
export { connections } from "./connections";
export { dynamo } from "./dynamo";
