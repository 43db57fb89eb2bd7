/**
 * Messages between the explorer's page and its training worker (live-worker.ts), and the network
 * both the worker and the speed benchmark build. Plain data (structured-clone safe).
 */

/** The explorer's network: conv3×3–BN–ReLU × 3 (strides 1, 2, 2), global average pool, linear. */
export const LIVE_NET = { channels: [8, 16, 32], strides: [1, 2, 2] } as const;

/** Training hyper-parameters of a live run. */
export interface LiveConfig {
  lr: number;
  wd: number;
  momentum: number;
  batchSize: number;
  seed: number;
}

/** The default live run: SGDM η = 0.1, λ = 5e-4, batch 32 (equilibrium within a few hundred steps). */
export const DEFAULT_LIVE: LiveConfig = {
  lr: 0.1,
  wd: 5e-4,
  momentum: 0.9,
  batchSize: 32,
  seed: 0,
};

/** The shipped data: `count` 28×28 uint8 images and their labels. */
export interface LiveData {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Page → worker. */
export type ToWorker =
  | { type: 'start'; data: LiveData; config: LiveConfig }
  | { type: 'pause' }
  | { type: 'resume' }
  /** η ÷ k, and with `rescale` every scale-invariant weight × k^{-1/4} (the rescaling trick). */
  | { type: 'drop'; k: number; rescale: boolean }
  | { type: 'set-wd'; wd: number }
  | { type: 'reset'; config: LiveConfig };

/** Per-layer probe values of consecutive steps (one entry per step of the chunk). */
export interface LayerChunk {
  name: string;
  /** Δ_t = ∠(w_t, w_{t+1}) (rad). */
  delta: number[];
  /** ‖w_t‖. */
  norm: number[];
  /** ‖g̃_t‖² (drives L_t under SGD). */
  unitGradSq: number[];
  /** h̃_t (drives L_t under SGDM). */
  hTilde: number[];
}

/** Something that happened at a step (drawn as a marker, listed in the log). */
export interface LiveEvent {
  step: number;
  kind: 'drop' | 'rescale' | 'wd' | 'reset';
  /** For 'drop' and 'rescale': the lr division factor k. */
  k?: number;
  message: string;
}

/** Worker → page. */
export type FromWorker =
  | {
      type: 'ready';
      /** Scale-invariant parameters (probed), in model order. */
      layers: string[];
      /** Every parameter with its scale-invariance verdict's reason. */
      params: { name: string; scaleInvariant: boolean; reason: string }[];
      numParams: number;
    }
  | {
      type: 'progress';
      /** Step index of the chunk's first entry. */
      firstStep: number;
      /** η and λ used at each step of the chunk. */
      lr: number[];
      wd: number[];
      loss: number[];
      /** Batch accuracy per step. */
      acc: number[];
      layers: LayerChunk[];
      /** Training throughput over the chunk. */
      imagesPerSec: number;
      paused: boolean;
    }
  | { type: 'event'; event: LiveEvent }
  | { type: 'error'; message: string };
