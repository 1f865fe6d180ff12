/** The capture client's feed over HTTP: GET /events?after=&limit= and GET /templates on the dbsim server. */
import type { EventFeed, FeedPage, FeedTemplate } from "../feed";
import { parseFeedPage, templatesResponseSchema } from "../feed";

export class DbsimHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "DbsimHttpError";
  }
}

export class HttpEventFeed implements EventFeed {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  async read(after: number, limit: number, signal?: AbortSignal): Promise<FeedPage> {
    return parseFeedPage(await this.getJson(`/events?after=${after}&limit=${limit}`, signal));
  }

  async templates(signal?: AbortSignal): Promise<FeedTemplate[]> {
    return templatesResponseSchema.parse(await this.getJson("/templates", signal)).templates;
  }

  private async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const response = await fetch(new URL(path, this.baseUrl), {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!response.ok)
      throw new DbsimHttpError(
        response.status,
        `GET ${path} answered ${response.status}: ${(await response.text()).trim()}`,
      );
    return response.json();
  }
}
