// Lint: typescript-eslint's recommended rules; formatting is prettier's (.prettierrc.json), so
// eslint-config-prettier turns off the rules that would fight it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'runs/', 'data/', '.tmp/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a parameter kept for its position in a signature.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // The few plain JavaScript files (bin/mwt.js) run on Node.
  { files: ['**/*.js'], languageOptions: { globals: { process: 'readonly' } } },
  prettier,
);
