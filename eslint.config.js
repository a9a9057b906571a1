import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ADAPTERS = [
  { group: ['**/graphql-client*', '**/simulator/**', '**/slack/**', '**/sqlite*', '**/ssh/node-ssh*', '**/console/**'], message: 'Domain code must not import adapters; inject them through an interface.' },
  { group: ['@slack/bolt', 'graphql-request', 'node-ssh', 'ssh2', 'better-sqlite3'], message: 'Domain code must not import adapters; inject them through an interface.', allowTypeImports: true },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['src/pod/**', 'src/costs/**', 'src/messages/**', 'src/commands/**', 'src/knowledge/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: ADAPTERS }] },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['scripts/**/*.mjs', 'bench/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
