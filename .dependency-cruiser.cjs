/**
 * Import rules that need resolved paths (`npm run check` runs them over src). The folder fences live in
 * eslint.config.js; these are the two ESLint cannot see: circles, and src/core reaching a folder whose name
 * it shares (src/core/training vs src/training).
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import circle ties parts together that should stand alone: move what both need into a module of its own.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: "src/core holds the guide's rules without I/O: it imports only itself and zod.",
      from: { path: '^src/core/' },
      to: { pathNot: ['^src/core/', '^node_modules/zod/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
