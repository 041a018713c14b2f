// Lint rules: typescript-eslint's type-checked recommended set (floating promises, misused promises,
// awaiting non-promises are errors), strict about `any` in nodes, tests and benches alike.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.node-red/**', 'examples/**', 'flows/**', 'resources/**', 'test-artifacts/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      // `import x = require(...)` is how TypeScript imports an `export =` node module.
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      // `const node = this` is the Node-RED idiom inside a node constructor.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['node'] }],
      // A promise nobody awaits must be marked `void` on purpose, and an async callback must not go where
      // a plain one is expected (Node-RED would not see its rejection).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Async functions that implement an async interface need not await; open unions such as
      // `'BATMAN_IV' | string` name the known values on purpose; error texts interpolate parsed values.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      // Its autofix removed assertions tsc needs (the lint's and the build's type views differ on a few
      // Node-RED types): not worth an unsafe fix.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // Tests and benches may poke at loosely typed Node-RED objects; the promise rules still apply.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // node-red-node-test-helper's types say load() and friends return void; they return promises.
      '@typescript-eslint/await-thenable': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
  {
    // Build scripts and the bench runner load modules by computed path.
    files: ['scripts/**/*.ts', 'bench/index.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
  },
);
