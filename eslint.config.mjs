import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Configuration is read in libs/config only (STYLE.md).
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through @app/config.' }],
    },
  },
  {
    files: ['libs/config/**', 'test/**', 'bench/**', '**/*.mjs'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
