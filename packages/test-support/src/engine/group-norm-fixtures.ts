/**
 * Runs the PyTorch golden fixtures of the fused group norm (fixtures/torch/group-norm.json, made
 * by make_group_norm_fixtures.py) through groupNormAct2d on the current backend, in a given
 * dtype and input layout, and reports the worst relative error of the output and of every
 * gradient (compareArrays). Browser-safe: the caller reads and parses the JSON.
 */
import { groupNormAct2d, type DType, type Layout, type Tensor } from '@smd/engine';
import { compareArrays, fromFixture, type FixtureTensor } from './torch-fixture.js';

/** One case of group-norm.json. */
export interface GroupNormFixture {
  name: string;
  groups: number;
  relu: boolean;
  eps: number;
  x: FixtureTensor;
  weight: FixtureTensor;
  bias: FixtureTensor;
  residual?: FixtureTensor;
  output: FixtureTensor;
  gy: FixtureTensor;
  grads: Record<'x' | 'weight' | 'bias' | 'residual', FixtureTensor | undefined>;
}

/** Worst relative error per compared tensor ('output', 'grad x', …) of one case. */
export function groupNormFixtureErrors(
  c: GroupNormFixture,
  dtype: DType,
  layout: Layout,
): Record<string, number> {
  const leaf = (t: FixtureTensor, asLayout: boolean): Tensor => {
    const v = fromFixture(t, dtype);
    const out = asLayout ? v.toLayout(layout) : v;
    out.requiresGrad = true;
    return out;
  };
  const x = leaf(c.x, true);
  const weight = leaf(c.weight, false);
  const bias = leaf(c.bias, false);
  const residual = c.residual ? leaf(c.residual, true) : null;
  const y = groupNormAct2d(x, c.groups, { weight, bias, residual, relu: c.relu, eps: c.eps });
  const err: Record<string, number> = {
    output: compareArrays(y.toArray(), c.output.data).maxRel,
  };
  y.backward(fromFixture(c.gy, dtype).toLayout(y.layout));
  const pairs: [string, Tensor | null][] = [
    ['x', x],
    ['weight', weight],
    ['bias', bias],
    ['residual', residual],
  ];
  for (const [name, t] of pairs) {
    const want = c.grads[name as keyof GroupNormFixture['grads']];
    if (!t || !want) continue;
    err[`grad ${name}`] = compareArrays(t.grad!.toArray(), want.data).maxRel;
  }
  return err;
}
