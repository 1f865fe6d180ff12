/** Tables of the alerts engine (server/alerts). */
export {};
