#!/usr/bin/env node
// Entry point of `npx cdk8s synth` (see cdk8s.yaml).
require('./register-ts');
require('../cli/entrypoints/cdk8s');
