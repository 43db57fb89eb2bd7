// Lint: typescript-eslint recommended everywhere; browser-safe packages may not import Node built-ins.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// Test harnesses live in packages/test-support (never shipped); a package's non-test source may
// not import them (scripts/lint-boundaries.test.mjs proves this rule fires).
const testSupportBan = [
  {
    group: ['@smd/test-support', '@smd/test-support/*', '**/test-support/**'],
    message: 'Test support is for *.test.ts files and bench/ only, never for shipped source.',
  },
];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'packages/native/build/**', 'test-artifacts/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'packages/test-support/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: testSupportBan }] },
  },
  {
    // Browser-safe packages: engine, smd, formats, and the browser part of runs and web.
    files: [
      'packages/engine/src/**/*.ts',
      'packages/smd/src/**/*.ts',
      'packages/formats/src/**/*.ts',
      'packages/runs/src/browser/**/*.ts',
      'packages/web/src/**/*.ts',
    ],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Browser-safe package: Node built-ins are not allowed here.',
          })),
          patterns: testSupportBan,
        },
      ],
    },
  },
);
