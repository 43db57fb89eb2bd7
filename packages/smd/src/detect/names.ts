/**
 * Scale-invariance from a state_dict alone (names, shapes and order; no model to run), for
 * checkpoints trained elsewhere (smd-theory.md §1). The rule: a conv/linear weight (≥ 2 dims)
 * is scale-invariant when the next module in state_dict order is a BatchNorm or GroupNorm over
 * its output channels — torchvision (`conv1`/`bn1`, `downsample.0`/`downsample.1`), timm
 * (`conv_stem`/`bn1`, `conv_dw`/`bn2`) and Hugging Face (`convolution`/`normalization`) all
 * register the norm right after the conv it normalizes. BatchNorm is recognised by its running
 * statistics, GroupNorm by its name. A weight followed by LayerNorm is not claimed: in
 * transformers the LayerNorm sees a residual sum, which is not scale-invariant in the weight.
 * Weight norm's direction (`weight_v`, `parametrizations.weight.original1`) is scale-invariant.
 * Every answer carries its reason; the radial test (offline/last-step.ts) can confirm it.
 */

/** A tensor of the state_dict: name and shape, in state_dict order. */
export interface NamedShape {
  name: string;
  shape: readonly number[];
}

/** Scale-invariance of one tensor judged from names and shapes. */
export interface NameVerdict {
  name: string;
  scaleInvariant: boolean;
  reason: string;
}

type NormKind = 'BatchNorm' | 'GroupNorm' | 'LayerNorm' | 'norm';

const STATS = /(^|\.)(running_mean|running_var|num_batches_tracked)$/;

function moduleOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i < 0 ? '' : name.slice(0, i);
}

function leafOf(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Kind of normalization module `m`, or null (from its tensors' names). */
function normKind(m: string, leaves: Set<string>): NormKind | null {
  const last = m.slice(m.lastIndexOf('.') + 1);
  if (leaves.has('running_mean') || leaves.has('running_var')) return 'BatchNorm';
  if (/^(gn|group_?norm)\d*$|groupnorm/i.test(last)) return 'GroupNorm';
  if (/^(ln|ln_\w+|layer_?norm|norm\d*|.*_norm|layernorm)\d*$/i.test(last)) return 'LayerNorm';
  if (/norm/i.test(last)) return 'norm';
  return null;
}

/** Judge every tensor of a state_dict (buffers are skipped: they get no verdict). */
export function scaleInvarianceFromNames(tensors: readonly NamedShape[]): NameVerdict[] {
  // modules in first-appearance order, with their leaf names and weight shapes
  const order: string[] = [];
  const leaves = new Map<string, Set<string>>();
  const weightShape = new Map<string, readonly number[]>();
  for (const t of tensors) {
    const m = moduleOf(t.name);
    if (!leaves.has(m)) {
      leaves.set(m, new Set());
      order.push(m);
    }
    leaves.get(m)!.add(leafOf(t.name));
    if (leafOf(t.name) === 'weight') weightShape.set(m, t.shape);
  }
  const kinds = new Map(order.map((m) => [m, normKind(m, leaves.get(m)!)]));
  const out: NameVerdict[] = [];
  for (const t of tensors) {
    if (STATS.test(t.name)) continue;
    const m = moduleOf(t.name);
    const leaf = leafOf(t.name);
    const kind = kinds.get(m);
    const shape = `[${t.shape.join(',')}]`;
    const verdict = (si: boolean, reason: string): void => {
      out.push({ name: t.name, scaleInvariant: si, reason });
    };
    if (leaf === 'weight_v' || /parametrizations\.weight\.original1$/.test(t.name)) {
      verdict(true, `weight-norm direction ${shape}: w = g·v/‖v‖ is invariant to the scale of v`);
      continue;
    }
    if (kind) {
      verdict(false, `affine parameter of ${kind} '${m}'`);
      continue;
    }
    if (leaf === 'bias' || t.shape.length < 2) {
      verdict(false, leaf === 'bias' ? 'bias' : `${t.shape.length}-d tensor ${shape}`);
      continue;
    }
    const what = t.shape.length > 2 ? 'conv weight' : 'linear weight';
    const next = order[order.indexOf(m) + 1];
    const nextKind = next === undefined ? null : kinds.get(next);
    if (!nextKind) {
      verdict(false, `${what} ${shape}: not followed by a normalization layer`);
      continue;
    }
    const channels = weightShape.get(next!)?.[0];
    if (nextKind === 'LayerNorm' || nextKind === 'norm') {
      verdict(
        false,
        `${what} ${shape} is followed by ${nextKind} '${next}', which usually normalizes a residual sum: not assumed scale-invariant`,
      );
      continue;
    }
    if (channels !== undefined && channels !== t.shape[0]) {
      verdict(
        false,
        `${what} ${shape}: the next ${nextKind} '${next}' has ${channels} channels, not ${t.shape[0]}`,
      );
      continue;
    }
    verdict(
      true,
      `${what} ${shape} feeds ${nextKind} '${next}' (next module${channels !== undefined ? `, ${channels} channels` : ''})`,
    );
  }
  return out;
}
