/** Test support for run storage: temp roots, the crash-writer child process, export reader, the PyTorch runner. */
export * from './child-process.js';
export * from './crash-writer.js';
export * from './export-read.js';
export * from './python-torch.js';
export * from './test-helpers.js';
