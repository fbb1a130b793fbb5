import tseslint from 'typescript-eslint';

/** An app never imports another app, and a lib never imports an app (STYLE.md: layout). */
const noImportsFrom = (...folders) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: folders.map((folder) => ({
        group: [`**/${folder}/**`],
        message: `Do not import from ${folder}: an app never imports another app, and a lib never imports an app.`,
      })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['**/dist/', '**/node_modules/', 'coverage/', '.data/', '**/*.mjs', 'bin/', 'packages/nest/src/client/gatehouse-api.ts'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Configuration is read in libs/config only (STYLE.md).
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through @app/config.' }],
    },
  },
  { files: ['libs/**'], rules: noImportsFrom('apps') },
  { files: ['apps/cli/**'], rules: noImportsFrom('platform', 'apps') },
  { files: ['apps/platform/**'], rules: noImportsFrom('cli', 'apps') },
  {
    // The example app reads its environment in one place, as Gatehouse does in libs/config.
    files: ['libs/config/**', 'test/**', 'packages/*/test/**', 'examples/workspace-app/src/settings.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Tests read JSON response bodies, which are `any`, and hand methods to Jest's matchers;
    // promises must still be awaited there as anywhere.
    files: ['test/**', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
