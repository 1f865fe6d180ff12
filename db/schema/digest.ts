/** Tables of the digest engine (server/digest). */
export {};
