import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', 'tmp/**'] },
  {
    files: ['**/*.ts'],
    rules: {
      // Apps depend on libraries, never on each other; the domain depends on nothing of ours.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:domain'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:domain'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:domain'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Used where an invariant guarantees the value (an entity the rules just checked exists).
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The registry rules stay free of frameworks and I/O (functional core).
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*', 'ioredis', 'bullmq', 'node:*', 'fs', 'path', 'crypto'], message: 'libs/domain is pure: no frameworks, Redis, queues or I/O.' },
          ],
        },
      ],
    },
  },
];
