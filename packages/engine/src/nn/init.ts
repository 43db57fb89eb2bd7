/**
 * Parameter initialization with torch.nn.init's formulas, drawn from a seeded `Rng` (the
 * distributions match torch's; the numbers do not, torch uses its own generator). Values are
 * drawn in logical row-major order, so a given seed gives the same weights on every backend.
 */
import { Rng } from '../rng.js';
import type { Tensor } from '../tensor.js';

let globalRng = new Rng(0);

/** The generator layers use when no `rng` option is given (seed 0 until `manualSeed`). */
export function defaultInitRng(): Rng {
  return globalRng;
}

/** Reseed the default init generator (torch.manual_seed for layer construction). */
export function manualSeed(seed: number): void {
  globalRng = new Rng(seed);
}

/** Nonlinearities known to `calculateGain` (torch spelling). */
export type Nonlinearity = 'linear' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu';

/** torch.nn.init.calculate_gain. `param` is leaky_relu's negative slope (default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv2d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
  }
}

/** torch's _calculate_fan_in_and_fan_out: [fanIn, fanOut] of a weight of rank ≥ 2. */
export function fanInAndFanOut(shape: readonly number[]): [number, number] {
  if (shape.length < 2) {
    throw new Error(`fan in/out needs a tensor of rank >= 2, got shape [${shape.join(',')}]`);
  }
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return [shape[1] * receptive, shape[0] * receptive];
}

/** Fill `t` (in place, logical order) with U(low, high). */
export function uniform_(t: Tensor, low: number, high: number, rng: Rng = globalRng): Tensor {
  return fillWith(t, () => rng.uniform(low, high));
}

/** Fill `t` with N(mean, std²). */
export function normal_(t: Tensor, mean: number, std: number, rng: Rng = globalRng): Tensor {
  return fillWith(t, () => mean + std * rng.normal());
}

/** Fill `t` with a constant. */
export function constant_(t: Tensor, value: number): Tensor {
  t.data.fill(value);
  return t;
}

/** Options of the kaiming initializers (torch defaults: a = 0, fan_in, leaky_relu). */
export interface KaimingOptions {
  a?: number;
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(shape: readonly number[], o: KaimingOptions): number {
  const [fanIn, fanOut] = fanInAndFanOut(shape);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  return fan === 0 ? 0 : gain / Math.sqrt(fan);
}

/** torch.nn.init.kaiming_uniform_: U(−b, b), b = gain·√(3/fan). */
export function kaimingUniform_(
  t: Tensor,
  opts: KaimingOptions = {},
  rng: Rng = globalRng,
): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t.shape, opts);
  return uniform_(t, -bound, bound, rng);
}

/** torch.nn.init.kaiming_normal_: N(0, (gain/√fan)²). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}, rng: Rng = globalRng): Tensor {
  return normal_(t, 0, kaimingStd(t.shape, opts), rng);
}

/**
 * The default init of torch's Conv2d and Linear (`reset_parameters`): weight by
 * kaiming_uniform_(a = √5), i.e. U(±1/√fan_in); then bias by U(±1/√fan_in).
 */
export function resetLinearLike(weight: Tensor, bias: Tensor | null, rng: Rng = globalRng): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) }, rng);
  if (bias !== null) {
    const [fanIn] = fanInAndFanOut(weight.shape);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound, rng);
  }
}

function fillWith(t: Tensor, draw: () => number): Tensor {
  if (t.layout !== 'contiguous') throw new Error('init: expected a contiguous tensor');
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = draw();
  return t;
}
