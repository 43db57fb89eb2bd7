/**
 * The reference ResNet's forward through the engine's fused batchNormAct2d op (BN + residual add
 * + ReLU in one kernel, forward and backward) instead of nn's BatchNorm2d → add → relu, using the
 * same modules and parameters. Does not bump num_batches_tracked (irrelevant with momentum 0.1).
 */
import {
  adaptiveAvgPool2d,
  BasicBlock,
  BatchNorm2d,
  batchNormAct2d,
  flatten,
  type Module,
  type ResNet,
  type Tensor,
} from '@smd/engine';

/** relu?(bn(x) + residual) with `bn`'s parameters and running statistics, one fused kernel. */
function bnAct(bn: Module, x: Tensor, residual: Tensor | null = null, relu = true): Tensor {
  if (!(bn instanceof BatchNorm2d)) throw new Error('engine-bench: --fused needs BatchNorm2d');
  return batchNormAct2d(x, {
    weight: bn.weight,
    bias: bn.bias,
    runningMean: bn.runningMean,
    runningVar: bn.runningVar,
    momentum: bn.momentum ?? 0.1,
    eps: bn.eps,
    residual,
    relu,
  });
}

function blockFused(b: BasicBlock, x: Tensor): Tensor {
  const identity = b.downsample === null ? x : b.downsample.forward(x);
  const out = bnAct(b.bn1, b.conv1.forward(x));
  return bnAct(b.bn2, b.conv2.forward(out), identity);
}

/** ResNet forward with fused BN(+residual)+ReLU. */
export function forwardFused(m: ResNet, x: Tensor): Tensor {
  let y = bnAct(m.bn1, m.conv1.forward(x));
  for (const stage of [m.layer1, m.layer2, m.layer3]) {
    for (const [, blk] of stage.namedChildren()) {
      if (!(blk instanceof BasicBlock)) throw new Error('engine-bench: expected BasicBlocks');
      y = blockFused(blk, y);
    }
  }
  return m.fc.forward(flatten(adaptiveAvgPool2d(y, 1), 1));
}
