/** @smd/formats: IDX, safetensors, PyTorch .pt (safe subset) readers and writers; metric exports. */
export const FORMATS_PACKAGE = '@smd/formats';
