/** Tables of the pager engine (server/pager). */
export {};
