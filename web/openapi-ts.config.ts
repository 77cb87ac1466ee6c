// Generates src/client from the API's OpenAPI document (written by `make client`, no server needed).
import { defineConfig } from "@hey-api/openapi-ts"

export default defineConfig({
  input: process.env.OMS_OPENAPI_FILE ?? "../build/openapi.json",
  output: { path: process.env.OMS_CLIENT_OUT ?? "./src/client", format: null, lint: null },
  plugins: [
    { name: "@hey-api/client-fetch", throwOnError: true },
    "@hey-api/typescript",
    { name: "@hey-api/sdk" },
  ],
})
