import { publicApi } from "../lib/route";

export const handler = publicApi({}, async () => ({ status: 200, body: { ok: true } }));
