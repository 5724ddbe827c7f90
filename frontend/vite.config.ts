import { defineConfig } from "vitest/config";

// The server (app/main.py) serves app/static/index.html for every non-API path and
// /assets/* from app/static/assets. frontend/public/index.html is the server's
// placeholder page when no build exists, so Vite must not copy it (publicDir: false).
export default defineConfig({
  base: "/",
  publicDir: false,
  build: {
    outDir: "../app/static",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    target: "es2022",
    // No inline <script>/<style> anywhere: the CSP is script-src 'self'; style-src 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/ws": { target: "ws://127.0.0.1:8000", ws: true },
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
