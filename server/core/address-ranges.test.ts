import { describe, expect, it } from "vitest";
import { createAddressMatcher, normalizeAddress, parseAddressRanges } from "./address-ranges";
import { ConfigError, parseConfig } from "./config";

describe("address ranges", () => {
  it("reads addresses and CIDR ranges of both families", () => {
    const { ranges, problems } = parseAddressRanges(" 10.0.0.0/8, 192.168.1.7 ,fd00::/8, [::1] ");
    expect(problems).toEqual([]);
    expect(ranges).toEqual([
      { address: "10.0.0.0", prefix: 8, family: "ipv4" },
      { address: "192.168.1.7", prefix: 32, family: "ipv4" },
      { address: "fd00::", prefix: 8, family: "ipv6" },
      { address: "::1", prefix: 128, family: "ipv6" },
    ]);
  });

  it("names each entry that is not an address or range", () => {
    expect(parseAddressRanges("10.0.0.0/33, proxy.internal, ::1/129, 10.0.0.1/x").problems).toEqual([
      '"10.0.0.0/33" has a prefix length that is not 0 to 32',
      '"proxy.internal" is not an IPv4 or IPv6 address',
      '"::1/129" has a prefix length that is not 0 to 128',
      '"10.0.0.1/x" has a prefix length that is not 0 to 32',
    ]);
  });

  it("matches IPv4, IPv6 and IPv4-mapped IPv6 addresses against their ranges", () => {
    const trusted = createAddressMatcher(parseAddressRanges("10.0.0.0/8, fd00::/8, ::1").ranges);
    expect(trusted("10.20.30.40")).toBe(true);
    expect(trusted("::ffff:10.20.30.40")).toBe(true);
    expect(trusted("fd12:3456::1")).toBe(true);
    expect(trusted("::1")).toBe(true);
    expect(trusted("11.0.0.1")).toBe(false);
    expect(trusted("fe80::1")).toBe(false);
    expect(trusted("not an address")).toBe(false);
    expect(createAddressMatcher([])("127.0.0.1")).toBe(false);
  });

  it("spells an address one way", () => {
    expect(normalizeAddress("::FFFF:127.0.0.1")).toBe("127.0.0.1");
    expect(normalizeAddress("[2001:DB8::1]")).toBe("2001:db8::1");
    expect(normalizeAddress("fe80::1%eth0")).toBe("fe80::1");
    expect(normalizeAddress("1.2.3")).toBeNull();
  });
});

describe("configuration of the sign-in protection and the listening address", () => {
  it("trusts no proxy by default and reads a list when given", () => {
    expect(parseConfig({}).WATCHPOST_TRUSTED_PROXIES).toEqual([]);
    expect(parseConfig({ WATCHPOST_TRUSTED_PROXIES: "10.0.0.0/8,::1" }).WATCHPOST_TRUSTED_PROXIES).toHaveLength(2);
  });

  it("stops on a bad proxy list with a message naming the variable and the entry", () => {
    expect(() => parseConfig({ WATCHPOST_TRUSTED_PROXIES: "10.0.0.0/8, lb.internal" })).toThrow(ConfigError);
    expect(() => parseConfig({ WATCHPOST_TRUSTED_PROXIES: "10.0.0.0/8, lb.internal" })).toThrow(
      /WATCHPOST_TRUSTED_PROXIES: expected a comma list of addresses or CIDR ranges .*"lb.internal" is not an IPv4 or IPv6 address/,
    );
  });

  it("lets the default base URL follow PORT, and keeps a given one", () => {
    expect(parseConfig({}).WATCHPOST_BASE_URL).toBe("http://localhost:3000");
    expect(parseConfig({ PORT: "4321" }).WATCHPOST_BASE_URL).toBe("http://localhost:4321");
    expect(parseConfig({ PORT: "4321", WATCHPOST_BASE_URL: "https://watch.example.com" }).WATCHPOST_BASE_URL).toBe(
      "https://watch.example.com",
    );
  });

  it("reads WATCHPOST_HOST and refuses one that is no address or host name", () => {
    expect(parseConfig({}).WATCHPOST_HOST).toBeUndefined();
    expect(parseConfig({ WATCHPOST_HOST: "0.0.0.0" }).WATCHPOST_HOST).toBe("0.0.0.0");
    expect(parseConfig({ WATCHPOST_HOST: "::" }).WATCHPOST_HOST).toBe("::");
    expect(() => parseConfig({ WATCHPOST_HOST: "http://0.0.0.0" })).toThrow(/WATCHPOST_HOST: expected an address/);
  });
});
