/** TS optimizer update kernels (torch.optim semantics, one parameter tensor per call). */
import type { AdamStepParams, SgdStepParams } from '../../kernels.js';

/** SGD with coupled weight decay, momentum, dampening and nesterov (torch.optim.SGD). */
export function sgdStep(p: SgdStepParams): void {
  const { param, momentumBuf: buf, grad, n, lr, momentum, dampening, weightDecay: wd } = p;
  for (let i = 0; i < n; i++) {
    let g = grad[i];
    if (wd !== 0) g += wd * param[i];
    if (momentum !== 0 && buf !== null) {
      const b = p.firstStep ? g : momentum * buf[i] + (1 - dampening) * g;
      buf[i] = b;
      g = p.nesterov ? g + momentum * b : b;
    }
    param[i] -= lr * g;
  }
}

/** Adam (L2) or AdamW (decoupled) update (torch.optim.Adam/AdamW, amsgrad=false). */
export function adamStep(p: AdamStepParams): void {
  const { param, expAvg: m, expAvgSq: v, grad, n, lr, beta1, beta2, eps, weightDecay: wd } = p;
  const bc1 = 1 - Math.pow(beta1, p.step);
  const bc2 = 1 - Math.pow(beta2, p.step);
  const stepSize = lr / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  for (let i = 0; i < n; i++) {
    let g = grad[i];
    if (p.decoupled) param[i] *= 1 - lr * wd;
    else if (wd !== 0) g += wd * param[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    const denom = Math.sqrt(v[i]) / bc2Sqrt + eps;
    param[i] -= (stepSize * m[i]) / denom;
  }
}
