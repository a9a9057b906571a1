import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ADAPTERS = [
  { group: ['**/graphql-client*', '**/simulator/**', '**/slack/**', '**/sqlite*', '**/ssh/node-ssh*', '**/console/**'], message: 'Domain code must not import adapters; inject them through an interface.' },
  { group: ['@slack/bolt', 'graphql-request', 'node-ssh', 'ssh2', 'better-sqlite3'], message: 'Domain code must not import adapters; inject them through an interface.', allowTypeImports: true },
];

/** Lower floors never import the front ends: they speak through interfaces the front ends implement. */
const FRONT_ENDS = ['commands', 'messages', 'slack', 'console', 'frontend', 'app'].flatMap((dir) => [`../${dir}/*`, `../../${dir}/*`]);
const floor = (patterns, message) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }] });

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
    files: ['src/messages/**', 'src/commands/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: ADAPTERS }] },
  },
  {
    files: ['src/pod/**', 'src/costs/**', 'src/runpod/**', 'src/monai/**', 'src/ssh/**', 'src/store/**'],
    ignores: ['src/pod/**', 'src/costs/**'],
    rules: floor(FRONT_ENDS, 'A lower floor must not import a front end (commands, messages, slack, console, frontend, app): give it an interface instead.'),
  },
  {
    files: ['src/pod/**', 'src/costs/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...ADAPTERS,
            { group: FRONT_ENDS, message: 'A lower floor must not import a front end (commands, messages, slack, console, frontend, app): give it an interface instead.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/knowledge/**'],
    rules: floor(['../messages/*'], 'Knowledge is data: messages render it, not the other way round.'),
  },
  {
    files: ['src/runpod/simulator/**'],
    rules: floor([...FRONT_ENDS, '../../costs/*', '../../pod/*'], 'The simulator stands in for RunPod: it knows nothing of the bot above the RunPod interface.'),
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
