/** Next.js calls register() once per server process: start the engines there, in the Node runtime only. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startRunnerOrExit } = await import("./server/jobs/start");
  await startRunnerOrExit();
}
