import { extractSnippets, mergeImports, pythonTranslation, readmePython } from './readme-python';

// jsii-rosetta compiles every TypeScript example of the README (strict), and the README's Python
// example is its translation of the complete app.
test('every README example compiles, and the Python example is rosetta\'s translation (run "npm run rosetta -- --write" if this fails)', () => {
  const python = pythonTranslation(extractSnippets());
  expect(readmePython()).toEqual(python);
});

test('Python imports are merged per module, each name once', () => {
  expect(mergeImports('from aws_cdk import Environment\nfrom aws_cdk import App, Environment\nfrom x import y\n\napp = App()\n')).toBe(
    'from aws_cdk import App, Environment\nfrom x import y\n\napp = App()\n',
  );
});
