import { extractSnippets, pythonTranslation, readmePython } from './readme-python';

// jsii-rosetta compiles every TypeScript example of the README (strict), and the README's Python
// example is its translation of the complete app.
test('every README example compiles, and the Python example is rosetta\'s translation (run "npm run rosetta -- --write" if this fails)', () => {
  const python = pythonTranslation(extractSnippets());
  expect(readmePython()).toEqual(python);
});
