/** Test support for the smd command: CLI runners and run comparison, fixture runs, the browser harness, fuzz and kill campaigns, simulated runs. */
export * from './browser-harness.js';
export * from './fixture-run.js';
export * from './fuzz-run.js';
export * from './fuzz-targets.js';
export * from './kill-campaign.js';
export * from './reproduce-kill-campaign.js';
export * from './sim-run.js';
export * from './test-helpers.js';
export * from './watch-kill-campaign.js';
