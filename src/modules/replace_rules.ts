/** How a module decides class K in `mwt replace` (src/modules/replace.ts); tfjs-free, for the CLI's options. */
export const REPLACE_RULES = ['calibrated', 'cnnsplitter'] as const;
export type ReplaceRule = (typeof REPLACE_RULES)[number];
