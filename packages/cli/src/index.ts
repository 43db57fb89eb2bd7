/** @smd/cli: the smd command's subcommands as functions (main.ts is the entry point). */
export const CLI_PACKAGE = '@smd/cli';
