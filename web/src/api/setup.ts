/**
 * Wires the generated client: same-origin base URL, the in-memory bearer token on every call, one silent
 * refresh and retry on a 401, and errors turned into ApiError / NetworkError for TanStack Query.
 */
import { client } from "@/client/client.gen"
import { ApiError, NetworkError } from "./problem"
import { refreshSession, sessionStore } from "./session"

const AUTH_PATHS = "/api/v1/auth/"

function withToken(request: Request, token: string | null): Request {
  if (token) request.headers.set("Authorization", `Bearer ${token}`)
  else request.headers.delete("Authorization")
  return request
}

/** fetch with the session: a 401 on a non-auth call triggers one refresh, then the call is retried once. */
export async function sessionFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init)
  const isAuthCall = new URL(request.url).pathname.startsWith(AUTH_PATHS)
  const spare = isAuthCall ? null : request.clone()
  const token = sessionStore.token()
  // Auth calls go as they are, except sign-out, which names the access token so it is revoked too.
  const signOut = isAuthCall && request.method === "DELETE"
  const response = await globalThis.fetch(isAuthCall && !signOut ? request : withToken(request, token))
  if (response.status !== 401 || spare === null) return response
  let fresh: string | null
  try {
    fresh = await refreshSession()
  } catch {
    return response
  }
  if (fresh === null) return response
  return globalThis.fetch(withToken(spare, fresh))
}

export function setupClient(): void {
  client.setConfig({ baseUrl: "", fetch: sessionFetch, throwOnError: true, credentials: "same-origin" })
  client.interceptors.error.use((error, response) => {
    if (!response) return new NetworkError(error)
    return new ApiError(response.status, error, response.headers.get("Retry-After"))
  })
}
