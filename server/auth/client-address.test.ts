import { describe, expect, it } from "vitest";
import { createAddressMatcher, parseAddressRanges } from "@/server/core/address-ranges";
import { PEER_ADDRESS_HEADER as STAMPED_HEADER } from "../../scripts/peer-address.mjs";
import { addressLimitKey, PEER_ADDRESS_HEADER, resolveClientAddress, UNKNOWN_CLIENT } from "./client-address";

const trusting = (list: string) => createAddressMatcher(parseAddressRanges(list).ranges);

describe("the client address", () => {
  it("reads the header the console's HTTP server stamps", () => {
    expect(PEER_ADDRESS_HEADER).toBe(STAMPED_HEADER);
  });

  it("is the connection's peer, whatever X-Forwarded-For says, when no proxy is trusted", () => {
    expect(resolveClientAddress({ peer: "::ffff:198.51.100.4", forwardedFor: "203.0.113.9" }, trusting(""))).toBe(
      "198.51.100.4",
    );
  });

  it("behind a trusted proxy, is the right-most hop that is not a trusted proxy", () => {
    const trusted = trusting("10.0.0.0/8");
    expect(resolveClientAddress({ peer: "10.0.0.2", forwardedFor: "6.6.6.6, 203.0.113.9" }, trusted)).toBe(
      "203.0.113.9",
    );
    expect(resolveClientAddress({ peer: "10.0.0.2", forwardedFor: "6.6.6.6, 203.0.113.9, 10.0.0.7" }, trusted)).toBe(
      "203.0.113.9",
    );
    expect(resolveClientAddress({ peer: "10.0.0.2", forwardedFor: null }, trusted)).toBe("10.0.0.2");
    expect(resolveClientAddress({ peer: "10.0.0.2", forwardedFor: "10.0.0.9, 10.0.0.7" }, trusted)).toBe("10.0.0.9");
  });

  it("stops at a hop that is not an address, at the proxy that sent it", () => {
    expect(resolveClientAddress({ peer: "10.0.0.2", forwardedFor: "garbage" }, trusting("10.0.0.0/8"))).toBe(
      "10.0.0.2",
    );
  });

  it("puts requests without a peer address in one bucket", () => {
    expect(resolveClientAddress({ peer: null, forwardedFor: "203.0.113.9" }, trusting(""))).toBe(UNKNOWN_CLIENT);
  });

  it("counts IPv4 by address and IPv6 by its /64", () => {
    expect(addressLimitKey("198.51.100.4")).toBe("198.51.100.4");
    expect(addressLimitKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressLimitKey("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(addressLimitKey("::1")).toBe("0:0:0:0::/64");
  });
});
