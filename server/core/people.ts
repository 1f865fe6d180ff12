/**
 * The people port: what an engine may ask of the console's user directory (names for ids that arrive in
 * messages), without importing the directory. The runtime passes the directory to every engine module.
 */
export type PersonName = { name: string; email: string };

export interface PeopleDirectory {
  /** Names and e-mails of the given user ids; ids that are not console users are left out. */
  describe(ids: readonly string[]): Map<string, PersonName>;
}
