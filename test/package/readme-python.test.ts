import { escapeKeywordArguments, extractSnippets, mergeImports, pythonTranslation, readmePython } from './readme-python';

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

test('a keyword argument named after a Python reserved word gets the underscore jsii-pacmak gives it', () => {
  expect(escapeKeywordArguments('f(x,\n    from=a, import=b,\n    source=c, fromage=d)\n')).toBe(
    'f(x,\n    from_=a, import_=b,\n    source=c, fromage=d)\n',
  );
});
