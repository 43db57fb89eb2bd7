/**
 * @smd/web: the dashboard and static report web app. The browser bundle is dist/app.js (built by
 * scripts/build-app.mjs); this entry exports the browser-safe model the Node side builds and the
 * figures both sides draw.
 */
export const WEB_PACKAGE = '@smd/web';
export * from './model/series.js';
export * from './model/run-data.js';
export * from './model/figures.js';
export * from './model/run-list.js';
export * from './page/html-shell.js';
export * from './explore/live-data.js';
