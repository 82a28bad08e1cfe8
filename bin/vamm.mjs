#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader, so `vamm` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/vamm.ts');
