/** @smd/engine: tensors, autograd, ops, Kernels and the reference TS backend, nn, optim, schedules, RNG. */
export const ENGINE_PACKAGE = '@smd/engine';
