/**
 * A seedable random generator (pure-rand's xoroshiro128+), so that simulations and jitter replay exactly
 * under a fixed seed. Engines take a `RandomSource` as a port; production seeds it from the OS.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { randomInt } from "node:crypto";

export interface RandomSource {
  /** A float uniformly in [0, 1). */
  next(): number;
  /** An integer uniformly in [min, max], both included. */
  integer(min: number, max: number): number;
  /** A standard normal deviate (mean 0, standard deviation 1). */
  normal(): number;
  /** A deviate of the exponential distribution with rate 1. */
  exponential(): number;
}

export class SeededRandom implements RandomSource {
  private readonly generator: RandomGenerator;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.generator = xoroshiro128plus(seed | 0);
    // Small seeds leave xoroshiro's state sparse for the first outputs: let it mix before use.
    for (let warmUp = 0; warmUp < 16; warmUp++) uniformFloat64(this.generator);
  }

  next(): number {
    return uniformFloat64(this.generator);
  }

  integer(min: number, max: number): number {
    return uniformInt(this.generator, min, max);
  }

  normal(): number {
    if (this.spareNormal !== undefined) {
      const value = this.spareNormal;
      this.spareNormal = undefined;
      return value;
    }
    // Marsaglia's polar method: two independent deviates per accepted pair.
    for (;;) {
      const u = this.next() * 2 - 1;
      const v = this.next() * 2 - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const factor = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * factor;
        return u * factor;
      }
    }
  }

  exponential(): number {
    return -Math.log(1 - this.next());
  }
}

/** A generator seeded from the operating system, for production use. */
export function createRandomSource(seed?: number): RandomSource {
  return new SeededRandom(seed ?? randomInt(0, 2 ** 31 - 1));
}
