#!/usr/bin/env node
// The package's bin in the bundle (scripts/bundle.mjs builds it as dist/bundle/cli.js, CommonJS: an
// ES module entry costs Node its module loader before anything runs): runs the program file, cli.tsx
// and everything it imports in one CommonJS file, through V8's code cache (code-cache.ts). Its key is
// the command, as cli.tsx reads it: the console's cached code is made once its first frame is out, a
// command's when it exits with 0.
import path from 'node:path';
import process from 'node:process';
import {runProgram} from './code-cache.js';

/** The program file's name, beside this one (scripts/bundle.mjs). */
declare const CALICO_MCM_PROGRAM: string;
/** This file's directory (CommonJS's __dirname: scripts/bundle.mjs builds this file as CommonJS). */
declare const CALICO_MCM_BIN_DIR: string;

const first = process.argv[2];
const console = first === undefined || first.startsWith('-');
runProgram(path.join(CALICO_MCM_BIN_DIR, CALICO_MCM_PROGRAM), {
	key: console ? 'console' : first.replace(/[^a-z_]/g, '_').slice(0, 20),
	saveOn: console ? 'warm' : 'exit',
});
