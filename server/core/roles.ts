/** Roles and what they allow: viewer reads; responder also acknowledges and resolves; admin also edits. */
export const ROLES = ["viewer", "responder", "admin"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, responder: 1, admin: 2 };

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** True when `role` has at least the rights of `required`. */
export function roleAllows(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}
