#!/usr/bin/env node
/** Entry point of the `smd` command: run the CLI on process.argv, print, exit with its code. */
import { runCli } from './run-cli.js';

const result = await runCli(process.argv.slice(2));
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;
