// pure-rand 8 publishes only subpath exports; the repo's moduleResolution "node" cannot see
// their typings, so the two subpaths we use are declared here (same signatures as upstream).
declare module 'pure-rand/generator/xoroshiro128plus' {
  import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
  export function xoroshiro128plus(seed: number): RandomGenerator;
}
declare module 'pure-rand/distribution/uniformFloat64' {
  import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
  export function uniformFloat64(rng: RandomGenerator): number;
}
declare module 'pure-rand/types/RandomGenerator' {
  export interface RandomGenerator {
    clone(): RandomGenerator;
    next(): number;
    getState(): readonly number[];
  }
}
