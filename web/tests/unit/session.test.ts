/** The in-memory session: a 401 triggers one refresh (shared by parallel calls) and a retry; no storage used. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { ApiError } from "@/api/problem"
import { refreshSession, restoreSession, sessionStore, signIn, signOut } from "@/api/session"
import { setupClient } from "@/api/setup"
import { client } from "@/client/client.gen"
import { usersReadMe } from "@/client"
import { fakeServer, json } from "./fakeServer"

const token = (t: string) => ({ access_token: t, token_type: "bearer" as const, expires_in: 900 })
const ME = { id: "u1", username: "ann", email: null, display_name: null, role: "student", disabled: false, created_at: "2026-01-01T00:00:00Z" }

const HINT = "oms_session=1; path=/"
const clearHint = () => (document.cookie = "oms_session=; path=/; max-age=0")

beforeEach(() => {
  clearHint()
  setupClient()
  client.setConfig({ baseUrl: "http://localhost" })
  sessionStore.clear()
})
afterEach(() => vi.unstubAllGlobals())

describe("session", () => {
  it("refreshes once on a 401 and retries with the new token", async () => {
    let refreshes = 0
    const { calls } = fakeServer({
      "POST /api/v1/auth/session/refresh": () => {
        refreshes++
        return json(token("fresh"))
      },
      "GET /api/v1/users/me": (req) =>
        req.headers.get("Authorization") === "Bearer fresh" ? json(ME) : json({ title: "Unauthorized" }, 401),
    })
    sessionStore.set(token("stale"))
    const [a, b] = await Promise.all([usersReadMe(), usersReadMe()])
    expect(a.data.username).toBe("ann")
    expect(b.data.username).toBe("ann")
    expect(refreshes).toBe(1)
    expect(sessionStore.token()).toBe("fresh")
    expect(calls.filter((c) => c.path === "/api/v1/users/me").map((c) => c.auth)).toEqual([
      "Bearer stale",
      "Bearer stale",
      "Bearer fresh",
      "Bearer fresh",
    ])
  })

  it("signs out when the refresh is refused, and the call fails with the 401", async () => {
    fakeServer({
      "POST /api/v1/auth/session/refresh": () => json({ title: "Unauthorized", detail: "no session" }, 401),
      "GET /api/v1/users/me": () => json({ title: "Unauthorized" }, 401),
    })
    sessionStore.set(token("stale"))
    const error = await usersReadMe().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(401)
    expect(sessionStore.isSignedIn()).toBe(false)
  })

  it("restores a session on start-up from the cookie, and keeps tokens out of storage", async () => {
    fakeServer({ "POST /api/v1/auth/session/refresh": () => json(token("from-cookie")) })
    document.cookie = HINT // the server's readable "a session may exist" hint
    await restoreSession()
    expect(sessionStore.token()).toBe("from-cookie")
    expect(sessionStore.known()).toBe(true)
    expect(JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })).not.toContain("from-cookie")
  })

  it("starts signed out when there is no session or no server", async () => {
    const { calls } = fakeServer({ "POST /api/v1/auth/session/refresh": () => json({ title: "Unauthorized" }, 401) })
    document.cookie = HINT
    await restoreSession()
    expect(sessionStore.isSignedIn()).toBe(false)
    expect(calls).toHaveLength(1)
    expect(document.cookie).not.toContain("oms_session") // refused: the hint goes, the next load asks nothing
    document.cookie = HINT
    vi.stubGlobal("fetch", vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))))
    await restoreSession()
    expect(sessionStore.isSignedIn()).toBe(false)
  })

  it("asks nothing on start-up without the hint cookie: a visitor's page load has no failing request", async () => {
    const { calls } = fakeServer({ "POST /api/v1/auth/session/refresh": () => json(token("never")) })
    await restoreSession()
    expect(calls).toEqual([])
    expect(sessionStore.known()).toBe(true)
    expect(sessionStore.isSignedIn()).toBe(false)
  })

  it("signs in and out through the cookie session operations", async () => {
    const { calls } = fakeServer({
      "POST /api/v1/auth/session": async (req) => {
        const body = (await req.json()) as { username: string }
        return body.username === "ann" ? json(token("t1")) : json({ title: "Unauthorized" }, 401)
      },
      "DELETE /api/v1/auth/session": () => new Response(null, { status: 204 }),
    })
    await expect(signIn("bob", "x")).rejects.toBeInstanceOf(ApiError)
    await signIn("ann", "pw")
    expect(sessionStore.token()).toBe("t1")
    await signOut()
    expect(sessionStore.isSignedIn()).toBe(false)
    expect(calls.at(-1)).toMatchObject({ method: "DELETE", path: "/api/v1/auth/session", auth: "Bearer t1" })
  })

  it("never refreshes for the auth calls themselves", async () => {
    let refreshes = 0
    fakeServer({
      "POST /api/v1/auth/session/refresh": () => {
        refreshes++
        return json({ title: "Unauthorized" }, 401)
      },
    })
    expect(await refreshSession()).toBeNull()
    expect(refreshes).toBe(1)
  })
})
