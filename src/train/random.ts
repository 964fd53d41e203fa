/**
 * One seeded source of randomness for a run. tfjs draws its weight-init and dropout seeds from
 * Math.random, so replacing Math.random with a seeded generator (and saving its state in each
 * checkpoint) makes a run with --seed repeatable, resumed or not.
 */
import seedrandom from 'seedrandom';

export interface SeededRandom {
  state(): object;
}

export function seedGlobalRandom(seed: number | string, state?: object | null): SeededRandom {
  const rng = state ? seedrandom('', { state: state as seedrandom.State.Arc4 }) : seedrandom(String(seed), { state: true });
  Math.random = rng;
  return rng as unknown as SeededRandom;
}
