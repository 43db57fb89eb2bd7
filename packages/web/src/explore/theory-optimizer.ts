/**
 * The theory form's optimizer part: the optimizer select, α (SGDM) and β1, β2 (AdamW, Lion),
 * each shown only for the optimizers that use it. Edits `state` in place and calls `changed`.
 */
import { numberControl, selectControl } from './controls.js';
import { defaultTheoryBetas, usesBetas, type TheoryState } from './theory-state.js';

/** The form elements, in the order the form shows them. */
export function optimizerControls(state: TheoryState, changed: () => void): HTMLElement[] {
  const field = (k: 'momentum' | 'beta1' | 'beta2', label: string, max: number, step: number) =>
    numberControl({ field: k, label, min: 0, max, step }, state[k], (v) => {
      state[k] = v;
      changed();
    });
  const momentum = field('momentum', 'momentum α', 0.99, 0.01);
  const beta1 = field('beta1', 'β1', 0.999, 0.001);
  const beta2 = field('beta2', 'β2', 0.9999, 0.0001);
  const sync = (): void => {
    momentum.el.hidden = state.optimizer !== 'sgdm';
    beta1.el.hidden = beta2.el.hidden = !usesBetas(state.optimizer);
  };
  sync();
  const select = selectControl(
    'optimizer',
    'optimizer',
    [
      ['sgdm', 'SGD with momentum'],
      ['sgd', 'SGD'],
      ['adamw', 'AdamW'],
      ['lion', 'Lion'],
    ],
    state.optimizer,
    (v) => {
      // Switching between AdamW and Lion keeps edited betas, but moves untouched defaults.
      const [o1, o2] = defaultTheoryBetas(v === 'lion' ? 'adamw' : 'lion');
      if (usesBetas(v) && state.beta1 === o1 && state.beta2 === o2) {
        [state.beta1, state.beta2] = defaultTheoryBetas(v);
        beta1.set(state.beta1);
        beta2.set(state.beta2);
      }
      state.optimizer = v;
      sync();
      changed();
    },
  );
  return [select, momentum.el, beta1.el, beta2.el];
}
