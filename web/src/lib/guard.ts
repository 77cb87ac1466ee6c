/** beforeLoad guard for pages that need a signed-in user: go to sign-in and come back afterwards. */
import { redirect } from "@tanstack/react-router"
import { sessionStore } from "@/api/session"

export function requireSignIn({ location }: { location: { href: string } }): void {
  if (!sessionStore.isSignedIn()) {
    throw redirect({ to: "/login", search: { redirect: location.href } })
  }
}

/** Only same-app paths are followed after sign-in (never another origin). */
export function safeRedirect(target: string | undefined): string {
  return target && target.startsWith("/") && !target.startsWith("//") ? target : "/"
}
