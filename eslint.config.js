// @ts-check
/**
 * ESLint flat config: typescript-eslint's recommended rules (syntactic, no type information) on
 * every TypeScript file we write. Build outputs are ignored; formatting is Prettier's job.
 */
const { defineConfig, globalIgnores } = require('eslint/config');
const tseslint = require('typescript-eslint');

module.exports = defineConfig([
  globalIgnores([
    'node_modules/',
    'cdk.out/',
    'dist/',
    'assets/',
    'coverage/',
    '**/*.snapshot/',
    '**/*.js',
    '!eslint.config.js',
    '!jest.config.js',
    '**/*.d.ts',
  ]),
  {
    files: ['**/*.ts', '**/*.js'],
    extends: [tseslint.configs.recommended],
    rules: {
      // `_`-prefixed names mark a parameter or binding that is there on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The two CommonJS config files.
    files: ['eslint.config.js', 'jest.config.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
  },
]);
