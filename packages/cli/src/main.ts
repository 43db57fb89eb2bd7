#!/usr/bin/env node
/** Entry point of the `smd` command. */
console.log('smd');
