// Vite build of the dashboard into web/dist, which `shouwang serve` serves at /.
// `npm run dev` proxies /api to a local `shouwang serve` (SHOUWANG_API, default port 8080).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    sourcemap: false,
  },
  server: {
    proxy: { '/api': process.env.SHOUWANG_API ?? 'http://127.0.0.1:8080' },
  },
});
