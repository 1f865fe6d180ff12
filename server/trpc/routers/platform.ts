/**
 * tRPC router `platform`: the process the console is served by, for the Overview — its NATS connections
 * (connected, or disconnected since when; the last outage and its length) and the engines it runs. Signed-in
 * users only; the same facts, with the database's write probe, are on GET /api/v1/ready for machines.
 */
import { createTRPCRouter, signedInProcedure } from "../init";

export const platformRouter = createTRPCRouter({
  status: createTRPCRouter({
    get: signedInProcedure.query(({ ctx }) => ctx.consoles.platform.status()),
  }),
});
