/**
 * Form controls of the explorer: a labelled slider paired with a number box (linear or log
 * scale), a select, a checkbox. Each calls `onInput` on every change, so views update while a
 * slider moves.
 */
import { h } from '../app/dom.js';

/** A numeric control's definition. */
export interface NumberControlDef {
  /** Name used in data-field (tests) and for the element id. */
  field: string;
  label: string;
  min: number;
  max: number;
  /** Slider resolution (linear) or points per decade (log). */
  step: number;
  log?: boolean;
  /** Text after the control (units, hints). */
  hint?: string;
}

/** A slider + number box bound to a value. */
export interface NumberControl {
  el: HTMLElement;
  set(v: number): void;
}

/** Builds a slider + number box; typing any number (even outside the slider range) is allowed. */
export function numberControl(
  def: NumberControlDef,
  value: number,
  onInput: (v: number) => void,
): NumberControl {
  const toSlider = (v: number): number =>
    def.log ? Math.round(Math.log10(Math.max(v, def.min)) * def.step) : v;
  const fromSlider = (s: number): number =>
    def.log ? Number(Math.pow(10, s / def.step).toPrecision(3)) : s;
  const range = h('input', {
    type: 'range',
    min: String(toSlider(def.min)),
    max: String(toSlider(def.max)),
    step: def.log ? '1' : String(def.step),
    'aria-label': def.label,
  }) as HTMLInputElement;
  const box = h('input', {
    type: 'number',
    id: `f-${def.field}`,
    'data-field': def.field,
    step: 'any',
  }) as HTMLInputElement;
  const set = (v: number): void => {
    range.value = String(toSlider(v));
    box.value = String(v);
  };
  set(value);
  range.addEventListener('input', () => {
    const v = fromSlider(Number(range.value));
    box.value = String(v);
    onInput(v);
  });
  box.addEventListener('input', () => {
    const v = Number(box.value);
    if (box.value.trim() === '' || !Number.isFinite(v)) return;
    range.value = String(toSlider(v));
    onInput(v);
  });
  const el = h(
    'label',
    { class: 'ctl' },
    h('span', { class: 'ctl-name' }, def.label),
    range,
    box,
    def.hint ? h('span', { class: 'ctl-hint' }, def.hint) : null,
  );
  return { el, set };
}

/** A labelled select. */
export function selectControl<T extends string>(
  field: string,
  label: string,
  options: readonly [T, string][],
  value: T,
  onInput: (v: T) => void,
): HTMLElement {
  const sel = h(
    'select',
    { 'data-field': field, id: `f-${field}` },
    ...options.map(([v, text]) => {
      const o = h('option', { value: v }, text) as HTMLOptionElement;
      o.selected = v === value;
      return o;
    }),
  ) as HTMLSelectElement;
  sel.addEventListener('change', () => onInput(sel.value as T));
  return h('label', { class: 'ctl' }, h('span', { class: 'ctl-name' }, label), sel);
}

/** A labelled checkbox. */
export function checkControl(
  field: string,
  label: string,
  value: boolean,
  onInput: (v: boolean) => void,
): HTMLElement {
  const box = h('input', {
    type: 'checkbox',
    'data-field': field,
    id: `f-${field}`,
  }) as HTMLInputElement;
  box.checked = value;
  box.addEventListener('change', () => onInput(box.checked));
  return h('label', { class: 'ctl ctl-check' }, box, h('span', {}, label));
}

/** A labelled text box (e.g. milestones "30,60,80"). */
export function textControl(
  field: string,
  label: string,
  value: string,
  onInput: (v: string) => void,
  hint?: string,
): HTMLElement {
  const box = h('input', {
    type: 'text',
    'data-field': field,
    id: `f-${field}`,
  }) as HTMLInputElement;
  box.value = value;
  box.addEventListener('input', () => onInput(box.value));
  return h(
    'label',
    { class: 'ctl' },
    h('span', { class: 'ctl-name' }, label),
    box,
    hint ? h('span', { class: 'ctl-hint' }, hint) : null,
  );
}
