/** Fixed ids of the demo data, so that each area's seed can refer to the others' rows without importing them. */
export const DEMO_USERS = {
  admin: {
    id: "usr_demo_admin",
    email: "admin@demo.watchpost.local",
    name: "Ada Admin",
    role: "admin",
    password: "demo-admin-password",
  },
  responder: {
    id: "usr_demo_responder",
    email: "responder@demo.watchpost.local",
    name: "Rui Responder",
    role: "responder",
    password: "demo-responder-password",
  },
  viewer: {
    id: "usr_demo_viewer",
    email: "viewer@demo.watchpost.local",
    name: "Vera Viewer",
    role: "viewer",
    password: "demo-viewer-password",
  },
} as const;

export const DEMO_SERVICES = {
  checkout: "svc_demo_checkout",
  search: "svc_demo_search",
  database: "svc_demo_database",
} as const;

export const DEMO_POLICIES = {
  standard: "pol_demo_standard",
} as const;
