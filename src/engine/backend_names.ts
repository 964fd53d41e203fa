/** Backend names in order of preference; tfjs-free so the CLI can offer them without the engine. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
