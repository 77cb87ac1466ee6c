/** A fake API behind globalThis.fetch for unit tests: handlers by "METHOD path", calls recorded. */
import { vi } from "vitest"

export type Handler = (req: Request) => Response | Promise<Response>

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json", ...headers },
  })
}

export function fakeServer(handlers: Record<string, Handler>) {
  const calls: { method: string; path: string; auth: string | null }[] = []
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init)
    const path = new URL(req.url).pathname
    calls.push({ method: req.method, path, auth: req.headers.get("Authorization") })
    const handler = handlers[`${req.method} ${path}`]
    if (!handler) return json({ title: "Not Found", status: 404 }, 404)
    return handler(req)
  })
  vi.stubGlobal("fetch", fetchMock)
  return { calls, fetchMock }
}
