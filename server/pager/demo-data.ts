/**
 * The pager's demo data, fixed so that docs, browser tests and people can use it: each demo service's
 * integration key (the PagerDuty routing_key / Alertmanager bearer key for POST /api/v1/pager/events) and the
 * standard policy's targets. Service and policy ids are in server/jobs/demo-ids.ts.
 */
import type { PolicyInput } from "./model";

export const DEMO_INTEGRATION_KEYS = {
  checkout: "wpk_demo_checkout_0000000000000001",
  search: "wpk_demo_search_00000000000000002",
  database: "wpk_demo_database_000000000000003",
} as const;

export const DEMO_STANDARD_POLICY: PolicyInput = {
  name: "Standard on-call",
  levels: [
    {
      delayMinutes: 15,
      targets: [
        { channel: "email", address: "primary-oncall@demo.watchpost.local" },
        { channel: "sms", address: "+15555550101" },
      ],
    },
    {
      delayMinutes: 15,
      targets: [
        { channel: "email", address: "secondary-oncall@demo.watchpost.local" },
        { channel: "sms", address: "+15555550102" },
      ],
    },
    { delayMinutes: 30, targets: [{ channel: "email", address: "engineering-manager@demo.watchpost.local" }] },
  ],
  repeatCount: 0,
};
