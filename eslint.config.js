// ESLint flat config: typescript-eslint's type-checked rules over every TypeScript file the build compiles (src, tools,
// test), with the type information from tsconfig.json (projectService). Formatting is Prettier's job, so
// eslint-config-prettier comes last and turns off the stylistic rules that would disagree with it.
// https://typescript-eslint.io/getting-started/typed-linting
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', '.tools/', 'test/dotnet/**/bin/', 'test/dotnet/**/obj/'],
  },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: true,
        // import.meta.dirname needs Node 20.11; engines allow any Node 20.
        tsconfigRootDir: dirname(fileURLToPath(import.meta.url)),
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits; every other promise must be handled.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      // From the strict set: a deprecated API is a change waiting to break (the Zod 4 `message` -> `error` rename was one).
      '@typescript-eslint/no-deprecated': 'error',
      // `async` without `await` is how the fakes and no-op defaults here satisfy Promise-returning interfaces.
      '@typescript-eslint/require-await': 'off',
      // `const { payload: _payload, ...rest } = x` is how the code omits fields; `_` marks a deliberately unused name.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      // Numbers and booleans print unambiguously in messages; objects, nullish values and unions with them still fail.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // Plain JavaScript config files are not in tsconfig.json: lint them without type information.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
);
