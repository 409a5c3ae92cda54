#!/usr/bin/env node
// Entry point of `npx cdktf synth` (see cdktf.json).
require('./register-ts');
require('../cli/entrypoints/cdktf');
