/**
 * Rows buffered by the metric store between commits, as parallel arrays (no per-row objects on
 * the hot path: ~220 probe rows per step). Values are already SQL-ready (NaN → null).
 */
import type { EventKind } from './browser/metric-types.js';

/** A buffered event with its per-step sequence number. */
export interface PendingEvent {
  step: number;
  seq: number;
  kind: EventKind;
  message: string;
}

/** Buffered scalar, probe and event rows. */
export class PendingRows {
  sStep: number[] = [];
  sName: string[] = [];
  sValue: (number | null)[] = [];
  pStep: number[] = [];
  pParam: string[] = [];
  /** Metric id (PROBE_METRIC_IDS). */
  pMetric: number[] = [];
  /** Channel, -1 for the whole tensor. */
  pChannel: number[] = [];
  pValue: (number | null)[] = [];
  events: PendingEvent[] = [];

  /** Number of buffered rows. */
  get size(): number {
    return this.sStep.length + this.pStep.length + this.events.length;
  }

  /** Buffers a scalar row. */
  scalar(step: number, name: string, value: number | null): void {
    this.sStep.push(step);
    this.sName.push(name);
    this.sValue.push(value);
  }

  /** Buffers a probe row. */
  probe(
    step: number,
    param: string,
    metricId: number,
    channel: number,
    value: number | null,
  ): void {
    this.pStep.push(step);
    this.pParam.push(param);
    this.pMetric.push(metricId);
    this.pChannel.push(channel);
    this.pValue.push(value);
  }

  /** Drops every buffered row. */
  clear(): void {
    this.sStep = [];
    this.sName = [];
    this.sValue = [];
    this.pStep = [];
    this.pParam = [];
    this.pMetric = [];
    this.pChannel = [];
    this.pValue = [];
    this.events = [];
  }

  /** Drops buffered rows with step > `step`. */
  keepUpTo(step: number): void {
    const keepS = this.sStep.map((s) => s <= step);
    const keepP = this.pStep.map((s) => s <= step);
    const filt = <T>(xs: T[], keep: boolean[]): T[] => xs.filter((_, i) => keep[i]);
    this.sName = filt(this.sName, keepS);
    this.sValue = filt(this.sValue, keepS);
    this.sStep = filt(this.sStep, keepS);
    this.pParam = filt(this.pParam, keepP);
    this.pMetric = filt(this.pMetric, keepP);
    this.pChannel = filt(this.pChannel, keepP);
    this.pValue = filt(this.pValue, keepP);
    this.pStep = filt(this.pStep, keepP);
    this.events = this.events.filter((e) => e.step <= step);
  }
}
