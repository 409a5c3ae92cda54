#!/usr/bin/env node

require('./register-ts');
require('../cli/main').run(process.argv.slice(2));
