/** @smd/native: the oneDNN/OpenMP Node-API backend implementing the engine's Kernels. */
export const NATIVE_PACKAGE = '@smd/native';
