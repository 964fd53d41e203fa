/**
 * What an experiment's result records as its settings: its options less those that say where
 * things are and how the command runs (output format, folders, backend, a second process and
 * its role), which change no figure. A rerun compares them to tell whether a finished step can be kept.
 */
export const RUN_ONLY_OPTIONS = ['json', 'out', 'backend', 'dataDir', 'parallel', 'worker'] as const;

export type ResultSettings<T, K extends PropertyKey = never> = Omit<T, (typeof RUN_ONLY_OPTIONS)[number] | K>;

/** `opts` without the run-only options and without `also` (options of this command that are inputs, not settings). */
export function resultSettings<T extends object, K extends keyof T = never>(opts: T, ...also: K[]): ResultSettings<T, K> {
  const leave = new Set<PropertyKey>([...RUN_ONLY_OPTIONS, ...also]);
  return Object.fromEntries(Object.entries(opts).filter(([key]) => !leave.has(key))) as ResultSettings<T, K>;
}
