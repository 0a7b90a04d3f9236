import { api } from "../lib/http";

export const handler = api({ auth: false }, async () => ({ status: 200, body: { ok: true } }));
