/**
 * PyTorch checkpoints (.pt/.pth/.bin/.ckpt: a state_dict, a checkpoint dict with the optimizer
 * state, a Lightning checkpoint) dropped onto the explorer, analyzed exactly as `smd analyze`
 * analyzes a folder of them: each file read by @smd/formats readTrainingCheckpoint (restricted
 * unpickler, no code runs), ordered by step (checkpointStep), and each analyzed by @smd/runs
 * analyzeCheckpoint against the previous one (‖w‖, the exact Δ_t of the step that wrote it,
 * Δ*, the angle to the previous checkpoint, scale invariance with the radial test). Pure.
 */
import { readTrainingCheckpoint, type TrainingCheckpoint } from '@smd/formats';
import {
  analyzeCheckpoint,
  checkpointStep,
  type CheckpointAnalysis,
  type PreviousCheckpoint,
} from '@smd/runs/browser';
import type { CheckpointInput } from './checkpoint-series.js';

/** File names read as PyTorch checkpoints. */
export const TORCH_FILE = /\.(pt|pth|bin|ckpt)$/i;

/** The analysis of dropped PyTorch checkpoints, one per file in step order. */
export interface TorchSeries {
  analyses: CheckpointAnalysis[];
  /** One line per file that could not be used, naming it. */
  skipped: string[];
}

/** Reads and analyzes `inputs` as one training run's checkpoints. */
export function analyzeTorchCheckpoints(inputs: CheckpointInput[]): TorchSeries {
  const skipped: string[] = [];
  const read: { ckpt: TrainingCheckpoint; step: number | null; order: number }[] = [];
  inputs.forEach((inp, order) => {
    try {
      const ckpt = readTrainingCheckpoint(new Map([[inp.name, inp.bytes]]), inp.name);
      read.push({ ckpt, step: checkpointStep(ckpt), order });
    } catch (e) {
      skipped.push((e as Error).message.split('\n')[0]);
    }
  });
  // By step; files without one keep their drop order after those with one.
  read.sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity) || a.order - b.order);
  const analyses: CheckpointAnalysis[] = [];
  let prev: PreviousCheckpoint | null = null;
  let lastStep = -1;
  for (const r of read) {
    const step = r.step ?? lastStep + 1;
    if (prev && step <= prev.step) {
      skipped.push(`${r.ckpt.label}: step ${step} is not after step ${prev.step} (skipped)`);
      continue;
    }
    const { analysis, weights } = analyzeCheckpoint(r.ckpt, step, prev);
    analyses.push(analysis);
    prev = { step, weights };
    lastStep = step;
  }
  return { analyses, skipped };
}
