/** React view of the session store, and the signed-in user. */
import { useQuery } from "@tanstack/react-query"
import { useSyncExternalStore } from "react"
import { sessionStore } from "@/api/session"
import { meQuery } from "@/api/queries"

export function useSignedIn(): boolean {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.isSignedIn, sessionStore.isSignedIn)
}

export function useMe() {
  const signedIn = useSignedIn()
  return useQuery({ ...meQuery(), enabled: signedIn })
}
