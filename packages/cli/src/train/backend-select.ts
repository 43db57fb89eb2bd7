/**
 * Picks the kernel backend of a run: native when asked (or 'auto') and the addon loaded, else
 * the TS reference backend, with the reason recorded for the manifest and `smd doctor`.
 */
import { setBackend, tsBackend, type Backend } from '@smd/engine';
import { nativeBackend, nativeStatus, setNativeThreads } from '@smd/native';
import { UsageError } from '../usage-error.js';
import type { BackendChoice } from './train-options.js';

/** The backend in force and why. */
export interface BackendChoiceResult {
  backend: Backend;
  /** why native was not used (null when it is, or when ts was asked for) */
  nativeUnavailable: string | null;
  threads: number;
}

/** Installs the backend for `choice`; throws a UsageError when 'native' is asked but absent. */
export function selectBackend(choice: BackendChoice, threads: number): BackendChoiceResult {
  const status = nativeStatus();
  if (choice === 'ts') {
    setBackend(tsBackend);
    return { backend: tsBackend, nativeUnavailable: null, threads: 1 };
  }
  const native = nativeBackend();
  if (native === null) {
    const why = status.reason ?? 'native addon not built';
    if (choice === 'native') {
      throw new UsageError(`smd train: --backend native is not available: ${why}`, 1);
    }
    setBackend(tsBackend);
    return { backend: tsBackend, nativeUnavailable: why, threads: 1 };
  }
  if (threads > 0) setNativeThreads(threads);
  setBackend(native);
  return { backend: native, nativeUnavailable: null, threads: nativeStatus().threads };
}
