/** The application router: one router per area. */
import { createCallerFactory, createTRPCRouter } from "./init";
import { alertsRouter } from "./routers/alerts";
import { authRouter } from "./routers/auth";
import { digestsRouter } from "./routers/digests";
import { pagerRouter } from "./routers/pager";
import { platformRouter } from "./routers/platform";
import { schedulingRouter } from "./routers/scheduling";

export const appRouter = createTRPCRouter({
  auth: authRouter,
  alerts: alertsRouter,
  pager: pagerRouter,
  digests: digestsRouter,
  scheduling: schedulingRouter,
  platform: platformRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
