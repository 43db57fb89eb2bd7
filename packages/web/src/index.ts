/** @smd/web: the dashboard and static report web app. */
export const WEB_PACKAGE = '@smd/web';
