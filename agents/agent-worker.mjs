// Loads the TypeScript agent worker through tsx (Node 20 cannot run a .ts worker directly).
import { tsImport } from 'tsx/esm/api';

await tsImport('./agent-worker.ts', import.meta.url);
