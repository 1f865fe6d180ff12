/** Tables of the scheduling engine (server/scheduling). */
export {};
