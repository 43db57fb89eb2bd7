// The native contract (issue #17): every function the C++ addon exports that the engine's
// Kernels call, with its arguments in order. scripts/gen-native-contract.mjs generates from it
// both sides — src/addon-calls.ts (the NativeAddon interface and, per engine kernel, the call
// that reads the engine's named params record) and src/cc/contract.h (per function, each
// argument's position and name, read as `A::name` in C++) — so a renamed or moved argument is a
// compile error on one side, and an addon built from another spec fails to load (its hash).
//
// An argument: [name, type, tsExpression?]. Types: 'f32' Float32Array, 'f32?' Float32Array or
// null, 'f64' Float64Array (optimizer state kept in float64), 'u32?' Uint32Array or null,
// 'i32' Int32Array, 'int', 'num', 'bool' (0/1),
// 'order' (0 NHWC, 1 nChw16c), 'ints' (number[]), 'str'; a result: 'str' or 'buf' (ArrayBuffer). The TS expression reads the engine's
// params record `p` (default `p.<name>`; 'bool' and 'order' convert it). A Float32Array argument
// read straight from `p` is checked: any other buffer (float64) runs the TS kernel instead.
// `kernels` maps each engine kernel served by the function to overrides of those expressions,
// `guard` is an extra condition for the native call (else TS); `helper` generates a typed
// function (name, params type) for a function that is not a kernel.

/** Conv geometry: the engine's Conv2dGeometry fields (p.geom), then the storage orders. */
const CONV_GEOM = [
  ...['n', 'cIn', 'h', 'w', 'cOut', 'kH', 'kW', 'outH', 'outW'],
  ...['strideH', 'strideW', 'padH', 'padW', 'dilationH', 'dilationW', 'groups'],
]
  .map((k) => [k, 'int', `p.geom.${k}`])
  .concat([
    ['xOrder', 'order'],
    ['yOrder', 'order'],
  ]);

/** Pool geometry: the engine's Pool2dGeometry fields (p.geom). */
const POOL_GEOM = ['n', 'c', 'h', 'w', 'outH', 'outW', 'kH', 'kW']
  .concat(['strideH', 'strideW', 'padH', 'padW'])
  .map((k) => [k, 'int', `p.geom.${k}`]);

/** Batch-norm storage: order and pixels per image (read for nChw16c only). */
const BN_ORDER = [
  ['order', 'order'],
  ['hw', 'int', 'p.hw ?? 0'],
];

/** @type {{ fn: string, kernels: Record<string, Record<string, string>>, guard?: string, helper?: { name: string, params: string }, returns?: string, args: [string, string, string?][] }[]} */
export const ADDON_FUNCTIONS = [
  {
    fn: 'binary',
    kernels: { binary: {} },
    guard: 'numelOf(p.shape) >= SMALL',
    args: [
      ['op', 'int', 'BINARY_OPS[p.op]'],
      ['out', 'f32'],
      ['a', 'f32'],
      ['b', 'f32'],
      ['shape', 'ints'],
      ['outStrides', 'ints'],
      ['aStrides', 'ints'],
      ['bStrides', 'ints'],
    ],
  },
  {
    fn: 'unary',
    kernels: { unary: {} },
    args: [
      ['op', 'int', 'UNARY_OPS[p.op]'],
      ['out', 'f32'],
      ['x', 'f32'],
      ['n', 'int'],
    ],
  },
  {
    fn: 'scalar',
    kernels: { scalar: {} },
    args: [
      ['op', 'int', 'SCALAR_OPS[p.op]'],
      ['out', 'f32'],
      ['x', 'f32'],
      ['s', 'num'],
      ['n', 'int'],
    ],
  },
  {
    fn: 'reluBackward',
    kernels: { reluBackward: {} },
    args: [
      ['dx', 'f32'],
      ['dy', 'f32'],
      ['y', 'f32'],
      ['n', 'int'],
    ],
  },
  {
    fn: 'sumAxis',
    kernels: { sumAxis: {} },
    args: [
      ['out', 'f32'],
      ['x', 'f32'],
      ['outer', 'int'],
      ['mid', 'int'],
      ['inner', 'int'],
    ],
  },
  {
    fn: 'copyStrided',
    kernels: { copyStrided: {} },
    guard: 'numelOf(p.shape) >= SMALL',
    args: [
      ['out', 'f32'],
      ['x', 'f32'],
      ['shape', 'ints'],
      ['xStrides', 'ints'],
    ],
  },
  {
    fn: 'matmul',
    kernels: { matmul: {} },
    args: [
      ['out', 'f32'],
      ['a', 'f32'],
      ['b', 'f32'],
      ['batch', 'int'],
      ['m', 'int'],
      ['n', 'int'],
      ['k', 'int'],
      ['transA', 'bool'],
      ['transB', 'bool'],
      ['aBatchStride', 'int'],
      ['bBatchStride', 'int'],
      ['accumulate', 'bool'],
    ],
  },
  {
    fn: 'conv2dForward',
    kernels: { conv2dForward: {} },
    args: [['y', 'f32'], ['x', 'f32'], ['weight', 'f32'], ['bias', 'f32?'], ...CONV_GEOM],
  },
  {
    fn: 'conv2dBackwardData',
    kernels: { conv2dBackwardInput: {} },
    args: [['dx', 'f32'], ['dy', 'f32'], ['weight', 'f32'], ['overwriteDx', 'bool'], ...CONV_GEOM],
  },
  {
    fn: 'conv2dBackwardWeights',
    kernels: { conv2dBackwardWeight: {} },
    args: [['dweight', 'f32'], ['dbias', 'f32?'], ['x', 'f32'], ['dy', 'f32'], ...CONV_GEOM],
  },
  {
    // not a kernel: which oneDNN implementation a convolution gets (nativeConvImplementation)
    fn: 'convImpl',
    kernels: {},
    helper: {
      name: 'convImplOf',
      params:
        "{ kind: 'forward' | 'backwardData' | 'backwardWeights'; geom: Conv2dGeometry; xOrder?: ChannelOrder; yOrder?: ChannelOrder }",
    },
    returns: 'str',
    args: [['kind', 'str'], ...CONV_GEOM],
  },
  {
    // not a kernel: a whole file in memory backed by huge pages (file-read.cc, readFileFast)
    fn: 'readFileHuge',
    kernels: {},
    returns: 'buf',
    args: [['path', 'str']],
  },
  {
    // y = relu?(bn(x) + residual); the plain kernel is the case without residual and ReLU
    fn: 'batchNormForwardTrain',
    kernels: {
      batchNormForwardTrain: { residual: 'null', relu: '0', reluMask: 'null' },
      batchNormActForwardTrain: {},
    },
    args: [
      ['y', 'f32'],
      ['mean', 'f32'],
      ['varBiased', 'f32'],
      ['invStd', 'f32'],
      ['x', 'f32'],
      ['gamma', 'f32?'],
      ['beta', 'f32?'],
      ['residual', 'f32?'],
      ['relu', 'bool'],
      ['m', 'int'],
      ['c', 'int'],
      ['eps', 'num'],
      ...BN_ORDER,
      ['reluMask', 'u32?'],
    ],
  },
  {
    fn: 'batchNormForwardEval',
    kernels: { batchNormForwardEval: {} },
    args: [
      ['y', 'f32'],
      ['x', 'f32'],
      ['mean', 'f32'],
      ['variance', 'f32'],
      ['gamma', 'f32?'],
      ['beta', 'f32?'],
      ['m', 'int'],
      ['c', 'int'],
      ['eps', 'num'],
      ...BN_ORDER,
    ],
  },
  {
    // backward of y = relu?(bn(x) + residual): y (or reluMask) null means no ReLU
    fn: 'batchNormBackward',
    kernels: {
      batchNormBackward: {
        dresidual: 'null',
        y: 'null',
        reluMask: 'null',
        overwriteDx: '0',
        overwriteDresidual: '0',
      },
      batchNormActBackward: {},
    },
    args: [
      ['dx', 'f32'],
      ['dgamma', 'f32?'],
      ['dbeta', 'f32?'],
      ['dresidual', 'f32?'],
      ['y', 'f32?'],
      ['dy', 'f32'],
      ['x', 'f32'],
      ['mean', 'f32'],
      ['invStd', 'f32'],
      ['gamma', 'f32?'],
      ['m', 'int'],
      ['c', 'int'],
      ...BN_ORDER,
      ['overwriteDx', 'bool'],
      ['overwriteDresidual', 'bool'],
      ['reluMask', 'u32?'],
    ],
  },
  {
    fn: 'groupNormForward',
    kernels: { groupNormForward: {} },
    args: [
      ['y', 'f32'],
      ['mean', 'f32'],
      ['invStd', 'f32'],
      ['x', 'f32'],
      ['gamma', 'f32?'],
      ['beta', 'f32?'],
      ['residual', 'f32?'],
      ['relu', 'bool'],
      ['n', 'int'],
      ['c', 'int'],
      ['hw', 'int'],
      ['groups', 'int'],
      ['eps', 'num'],
      ['order', 'order'],
      ['reluMask', 'u32?'],
    ],
  },
  {
    fn: 'groupNormBackward',
    kernels: { groupNormBackward: {} },
    args: [
      ['dx', 'f32'],
      ['dgamma', 'f32?'],
      ['dbeta', 'f32?'],
      ['dresidual', 'f32?'],
      ['y', 'f32?'],
      ['dy', 'f32'],
      ['x', 'f32'],
      ['mean', 'f32'],
      ['invStd', 'f32'],
      ['gamma', 'f32?'],
      ['n', 'int'],
      ['c', 'int'],
      ['hw', 'int'],
      ['groups', 'int'],
      ['order', 'order'],
      ['overwriteDx', 'bool'],
      ['overwriteDresidual', 'bool'],
      ['reluMask', 'u32?'],
    ],
  },
  {
    fn: 'maxPool2dForward',
    kernels: { maxPool2dForward: {} },
    args: [['y', 'f32'], ['argmax', 'i32'], ['x', 'f32'], ...POOL_GEOM],
  },
  {
    fn: 'maxPool2dBackward',
    kernels: { maxPool2dBackward: {} },
    args: [['dx', 'f32'], ['dy', 'f32'], ['argmax', 'i32'], ...POOL_GEOM],
  },
  {
    fn: 'avgPool2dForward',
    kernels: { avgPool2dForward: {} },
    args: [['y', 'f32'], ['x', 'f32'], ...POOL_GEOM],
  },
  {
    fn: 'avgPool2dBackward',
    kernels: { avgPool2dBackward: {} },
    args: [['dx', 'f32'], ['dy', 'f32'], ...POOL_GEOM],
  },
  {
    fn: 'adaptiveAvgPool2d',
    kernels: {
      adaptiveAvgPool2dForward: { backward: '0' },
      adaptiveAvgPool2dBackward: { backward: '1' },
    },
    args: [
      ['backward', 'bool'],
      ['out', 'f32'],
      ['x', 'f32'],
      ['n', 'int'],
      ['c', 'int'],
      ['h', 'int'],
      ['w', 'int'],
      ['outH', 'int'],
      ['outW', 'int'],
      ['order', 'order'],
    ],
  },
  {
    fn: 'logSoftmaxForward',
    kernels: { logSoftmaxForward: {} },
    args: [
      ['y', 'f32'],
      ['x', 'f32'],
      ['rows', 'int'],
      ['cols', 'int'],
    ],
  },
  {
    fn: 'logSoftmaxBackward',
    kernels: { logSoftmaxBackward: {} },
    args: [
      ['dx', 'f32'],
      ['dy', 'f32'],
      ['y', 'f32'],
      ['rows', 'int'],
      ['cols', 'int'],
    ],
  },
  {
    fn: 'crossEntropyForward',
    kernels: { crossEntropyForward: {} },
    args: [
      ['losses', 'f32'],
      ['logProb', 'f32'],
      ['logits', 'f32'],
      ['labels', 'i32'],
      ['rows', 'int'],
      ['cols', 'int'],
      ['labelSmoothing', 'num'],
    ],
  },
  {
    fn: 'crossEntropyBackward',
    kernels: { crossEntropyBackward: {} },
    args: [
      ['dlogits', 'f32'],
      ['logProb', 'f32'],
      ['labels', 'i32'],
      ['rows', 'int'],
      ['cols', 'int'],
      ['labelSmoothing', 'num'],
      ['scale', 'num'],
    ],
  },
  {
    fn: 'sgdStep',
    kernels: { sgdStep: {} },
    args: [
      ['param', 'f32'],
      ['momentumBuf', 'f32?'],
      ['grad', 'f32'],
      ['n', 'int'],
      ['lr', 'num'],
      ['momentum', 'num'],
      ['dampening', 'num'],
      ['weightDecay', 'num'],
      ['nesterov', 'bool'],
      ['firstStep', 'bool'],
    ],
  },
  {
    fn: 'adamStep',
    kernels: { adamStep: {} },
    args: [
      ['param', 'f32'],
      ['expAvg', 'f32'],
      ['expAvgSq', 'f32'],
      ['grad', 'f32'],
      ['n', 'int'],
      ['lr', 'num'],
      ['beta1', 'num'],
      ['beta2', 'num'],
      ['eps', 'num'],
      ['weightDecay', 'num'],
      ['decoupled', 'bool'],
      ['step', 'num'],
    ],
  },
  {
    // Lion (Chen et al. 2023): decoupled decay, w -= lr·sign(β1·m + (1−β1)·g), m = β2·m + (1−β2)·g
    fn: 'lionStep',
    kernels: { lionStep: {} },
    args: [
      ['param', 'f32'],
      ['expAvg', 'f32'],
      ['grad', 'f32'],
      ['n', 'int'],
      ['lr', 'num'],
      ['beta1', 'num'],
      ['beta2', 'num'],
      ['weightDecay', 'num'],
    ],
  },
  {
    // SGDP (Heo et al. 2021): the SGD step loses its radial part on scale-invariant weights
    fn: 'sgdpStep',
    kernels: { sgdpStep: {} },
    args: [
      ['param', 'f32'],
      ['momentumBuf', 'f32'],
      ['grad', 'f32'],
      ['direction', 'f32'],
      ['shape', 'ints'],
      ['lr', 'num'],
      ['momentum', 'num'],
      ['dampening', 'num'],
      ['weightDecay', 'num'],
      ['nesterov', 'bool'],
      ['delta', 'num'],
      ['eps', 'num'],
      ['wdRatio', 'num'],
    ],
  },
  {
    // AdamP (Heo et al. 2021): the Adam step loses its radial part on scale-invariant weights
    fn: 'adampStep',
    kernels: { adampStep: {} },
    args: [
      ['param', 'f32'],
      ['expAvg', 'f32'],
      ['expAvgSq', 'f32'],
      ['grad', 'f32'],
      ['direction', 'f32'],
      ['shape', 'ints'],
      ['lr', 'num'],
      ['beta1', 'num'],
      ['beta2', 'num'],
      ['eps', 'num'],
      ['weightDecay', 'num'],
      ['nesterov', 'bool'],
      ['delta', 'num'],
      ['wdRatio', 'num'],
      ['step', 'num'],
    ],
  },
  {
    // the rotational wrapper (Kosson et al. 2024): turn each row of w by η_r along direction d
    fn: 'rotationalStep',
    kernels: { rotationalStep: {} },
    args: [
      ['param', 'f32'],
      ['direction', 'f32'],
      ['norm', 'f64'],
      ['updateNorm2', 'f64'],
      ['n', 'int'],
      ['rows', 'int'],
      ['step', 'num'],
      ['etaR', 'num'],
      ['updateNormDecay', 'num'],
      ['eps', 'num'],
      ['zeroMean', 'bool'],
    ],
  },
];
