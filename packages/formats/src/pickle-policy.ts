/**
 * Which Python globals a pickle may even name. The unpickler never imports or calls anything,
 * so naming a global is harmless in itself; but a pickle that names os.system or builtins.eval
 * was written to run code, and the file is refused outright (one line naming the global) rather
 * than half-read. Everything else becomes an inert placeholder unless the caller interprets it.
 */

/** Modules (and their submodules) whose globals only exist in a pickle to run code. */
const REFUSED_MODULES = [
  'os',
  'posix',
  'nt',
  'sys',
  'subprocess',
  'shutil',
  'socket',
  'pty',
  'runpy',
  'code',
  'codeop',
  'commands',
  'importlib',
  'imp',
  'pkgutil',
  'webbrowser',
  'pickle',
  '_pickle',
  'cPickle',
  'marshal',
  'types',
  'ctypes',
  'functools',
  'operator',
  'inspect',
  'pydoc',
  'multiprocessing',
  'threading',
  '_thread',
  'signal',
  'tempfile',
  'io',
  '_io',
  'codecs',
  'timeit',
  'platform',
  'glob',
  'asyncio',
  'urllib',
  'http',
  'ftplib',
  'smtplib',
  'telnetlib',
  'requests',
  'bdb',
  'pdb',
  'trace',
  'ensurepip',
  'venv',
  'distutils',
  'setuptools',
  'zipimport',
  'torch.hub',
  'torch.jit',
  'torch.package',
  'torch.ops',
  'torch.utils.cpp_extension',
];

/** builtins that build plain data; every other builtin (eval, exec, getattr, open, …) is refused. */
const DATA_BUILTINS = new Set([
  'set',
  'frozenset',
  'slice',
  'bytearray',
  'bytes',
  'complex',
  'int',
  'float',
  'str',
  'list',
  'tuple',
  'dict',
  'bool',
  'range',
  'object',
]);

/**
 * Null when a pickle may name `module.name`, else why it may not (the caller refuses the file).
 * `_codecs.encode` (how protocol 2 spells bytes) is the one codecs function allowed.
 */
export function refusedGlobal(module: string, name: string): string | null {
  if (module === 'builtins' || module === '__builtin__') {
    return DATA_BUILTINS.has(name) ? null : 'a builtin that runs code or reaches outside data';
  }
  if (module === '_codecs') return name === 'encode' ? null : 'a codecs function';
  for (const m of REFUSED_MODULES) {
    if (module === m || module.startsWith(m + '.')) return `module ${m} only serves to run code`;
  }
  if (name.startsWith('__') && name !== '__builtin__') {
    return 'a dunder attribute (attribute access tricks)';
  }
  if (name.includes('.')) return 'a dotted attribute path (attribute access tricks)';
  return null;
}
