/**
 * The `local` stage: no cloud resources, only Herald's local cloud (`npm run dev`: API, queues,
 * scheduler, mail viewer, all in one process on this machine) as a pane of `sst dev`.
 */
export const local = new sst.x.DevCommand("Herald", {
  dev: { command: "npm run dev", autostart: true, title: "Herald (local cloud)" },
});
