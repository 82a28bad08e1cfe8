/** The located errors a run scenario is refused with (the test fails if it is accepted). */
import { InputError, InputErrors } from '../../data/input-error.ts';
import { parseRunScenario } from '../../scenarios/run-loader.ts';

export function runScenarioErrors(text: string, file = 'bad.json'): string[] {
  try {
    parseRunScenario(text, file);
  } catch (e) {
    if (e instanceof InputErrors) return e.errors.map((x) => x.message);
    if (e instanceof InputError) return [e.message];
    throw e;
  }
  throw new Error('expected the scenario to be refused');
}
