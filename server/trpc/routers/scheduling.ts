/** tRPC router `scheduling`: thin procedures over the engine's use cases (see server/jobs/*.ts for the services). */
import { createTRPCRouter } from "../init";

export const schedulingRouter = createTRPCRouter({});
