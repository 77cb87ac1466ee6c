/**
 * The browser session. The access token lives in this module's memory only (never in storage); the refresh
 * token is an HttpOnly cookie the server sets, used through the cookie session operations. A refresh is
 * single-flight within a tab and serialised across tabs (Web Locks), so two tabs never present the same
 * rotated cookie at once. Beside the refresh cookie the server sets `oms_session=1`, readable here: without
 * it there is no session to restore, and start-up asks nothing (no certain 401 on every visitor's page load).
 */
import { authCreateSession, authDeleteSession, authRefreshSession } from "@/client"
import type { AccessToken } from "@/client"
import { isApiError } from "./problem"

type Listener = () => void

let accessToken: string | null = null
let known = false // whether start-up has learnt if a session exists
const listeners = new Set<Listener>()
let inflight: Promise<string | null> | null = null
const HINT = "oms_session"

/** Whether the server's hint cookie says a refresh cookie may exist (the refresh cookie itself is HttpOnly). */
export function mayHaveSession(): boolean {
  if (typeof document === "undefined") return true
  return document.cookie.split(";").some((c) => c.trim().startsWith(`${HINT}=`))
}

/** The session is gone (refresh refused): drop the hint too, so later page loads do not ask again. */
function forgetHint(): void {
  if (typeof document !== "undefined") document.cookie = `${HINT}=; Path=/; Max-Age=0; SameSite=Lax`
}

function emit(): void {
  for (const l of listeners) l()
}

export const sessionStore = {
  token: (): string | null => accessToken,
  /** Whether the start-up refresh has answered (signed in or not). */
  known: (): boolean => known,
  isSignedIn: (): boolean => accessToken !== null,
  subscribe(listener: Listener): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
  set(token: AccessToken): void {
    accessToken = token.access_token
    known = true
    emit()
  },
  clear(): void {
    accessToken = null
    known = true
    emit()
  },
}

async function withLock<T>(run: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined
  return locks ? locks.request("oms-session-refresh", run) : run()
}

/** Exchange the refresh cookie for a new access token; null (and signed out) when there is no live session. */
export function refreshSession(): Promise<string | null> {
  inflight ??= withLock(async () => {
    try {
      const { data } = await authRefreshSession()
      sessionStore.set(data)
      return data.access_token
    } catch (e) {
      if (isApiError(e, 401) || isApiError(e, 403)) {
        if (isApiError(e, 401)) forgetHint()
        sessionStore.clear()
        return null
      }
      throw e
    }
  }).finally(() => {
    inflight = null
  })
  return inflight
}

/** On start-up: learn whether the cookie still holds a session (survives reloads and new tabs). */
export async function restoreSession(): Promise<void> {
  if (!mayHaveSession()) {
    sessionStore.clear() // never signed in here (or signed out): nothing to ask the server
    return
  }
  try {
    await refreshSession()
  } catch {
    sessionStore.clear() // server unreachable: start signed out; pages say the server is down
  }
}

export async function signIn(username: string, password: string): Promise<void> {
  const { data } = await authCreateSession({ body: { username, password } })
  sessionStore.set(data)
}

export async function signOut(): Promise<void> {
  try {
    await authDeleteSession()
  } finally {
    sessionStore.clear()
  }
}
