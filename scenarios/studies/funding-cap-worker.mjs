// Loads the TypeScript study worker through tsx (Node 20 cannot run a .ts worker directly).
import { tsImport } from 'tsx/esm/api';

const mod = await tsImport('./funding-cap-worker.ts', import.meta.url);
export default mod.default;
