import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { localTime, relativeTime, Time, utcTime } from "./time";

const at = Date.UTC(2021, 5, 7, 20, 40, 11, 123);

describe("<Time>", () => {
  it("renders UTC on the server (the viewer's zone is unknown there) with the exact instant in the tooltip", () => {
    const html = renderToStaticMarkup(createElement(Time, { value: at }));
    expect(html).toBe(
      '<time dateTime="2021-06-07T20:40:11.123Z" title="2021-06-07T20:40:11.123Z">2021-06-07 20:40:11 UTC</time>',
    );
  });

  it("puts the data's exact value, nanoseconds and all, in the tooltip only", () => {
    const html = renderToStaticMarkup(
      createElement(Time, { value: at, exact: "2021-06-07T20:40:11.123456789Z", showRelative: false }),
    );
    expect(html).toContain('title="2021-06-07T20:40:11.123456789Z"');
    expect(html).toContain(">2021-06-07 20:40:11 UTC<");
  });

  it("shows a dash for no value and the raw value for one that is no date, instead of throwing", () => {
    expect(renderToStaticMarkup(createElement(Time, { value: null }))).toContain("—");
    expect(renderToStaticMarkup(createElement(Time, { value: "not a date" }))).toContain("not a date");
  });

  it("formats local times with the zone's name, UTC times and relative hints", () => {
    const date = new Date(at);
    expect(utcTime(date)).toBe("2021-06-07 20:40:11 UTC");
    expect(localTime(date)).toMatch(/2021/);
    expect(localTime(date)).toMatch(/UTC|GMT|[A-Z]{2,5}|[+-]\d/);
    expect(relativeTime(at - 3 * 60_000, at)).toBe("3 minutes ago");
    expect(relativeTime(at + 2 * 3_600_000, at)).toBe("in 2 hours");
  });
});
