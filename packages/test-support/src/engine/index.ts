/** Test support for the engine and the native backend: shape sweeps for the conformance suite and PyTorch golden-fixture readers. */
export * from './conformance-shapes.js';
export * from './fixture-net.js';
export * from './group-norm-fixtures.js';
export * from './group-norm-shapes.js';
export * from './torch-fixture.js';
export * from './optim-ext-fixture.js';
