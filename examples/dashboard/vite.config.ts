import { defineConfig } from 'vite';

// No @vitejs/plugin-react: esbuild's automatic JSX runtime is all this demo needs.
const tokenServer = process.env.DEV_TOKEN_SERVER ?? 'http://127.0.0.1:5174';

export default defineConfig({
  esbuild: { jsx: 'automatic' },
  // @perch/client is linked from ../../clients/js: make sure there is one React.
  resolve: { dedupe: ['react', 'react-dom'] },
  server: {
    proxy: { '/api': tokenServer, '/config.json': tokenServer },
  },
  preview: {
    proxy: { '/api': tokenServer, '/config.json': tokenServer },
  },
  build: {
    sourcemap: true,
    rollupOptions: {
      // Clerk's dependencies carry "use client" directives, meaningless in a client-only bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
