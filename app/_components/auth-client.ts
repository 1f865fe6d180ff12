"use client";

/** better-auth's browser client, on the same origin as the console. */
import { createAuthClient } from "better-auth/react";

export const authClient = createAuthClient();
