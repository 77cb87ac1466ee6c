// Vite: file routes (TanStack Router plugin, each page its own chunk), React, and a dev/preview proxy to the API.
import { tanstackRouter } from "@tanstack/router-plugin/vite"
import react from "@vitejs/plugin-react"
import path from "node:path"
import { defineConfig } from "vitest/config"

const api = process.env.OMS_API_URL ?? "http://127.0.0.1:8000"
const proxy = Object.fromEntries(
  ["/api", "/docs", "/redoc", "/healthz", "/readyz"].map((p) => [p, { target: api, changeOrigin: false }]),
)

export default defineConfig({
  plugins: [tanstackRouter({ target: "react", autoCodeSplitting: true }), react()],
  resolve: { alias: { "@": path.resolve(__dirname, "./src") } },
  server: { proxy },
  preview: { proxy },
  build: { sourcemap: false, chunkSizeWarningLimit: 700 },
  test: {
    environment: "jsdom",
    include: ["tests/unit/**/*.test.{ts,tsx}"],
    setupFiles: ["tests/unit/setup.ts"],
    css: false,
  },
})
