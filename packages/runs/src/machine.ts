/** Description of the current machine for the run manifest. */
import { arch, cpus, hostname, platform, totalmem } from 'node:os';
import type { MachineInfo } from './browser/manifest-schema.js';

/** Hostname, OS, CPU and memory of this machine, and the Node version. */
export function describeMachine(): MachineInfo {
  const cs = cpus();
  return {
    hostname: hostname(),
    platform: platform(),
    arch: arch(),
    cpus: cs.length,
    cpuModel: cs[0]?.model.trim() ?? 'unknown',
    totalMemBytes: totalmem(),
    node: process.version,
  };
}
