/** /admin/audit: the audit log with the API's filters; each entry's before and after. */
import { createFileRoute } from "@tanstack/react-router"
import { AuditPage } from "@/admin/AuditPage"
import type { AuditSearch } from "@/admin/AuditPage"

const KEYS = ["actor", "actor_q", "action", "target", "target_id", "since", "until"] as const

export const Route = createFileRoute("/admin/audit")({
  validateSearch: (s: Record<string, unknown>): AuditSearch =>
    Object.fromEntries(KEYS.flatMap((k) => (typeof s[k] === "string" && s[k] ? [[k, s[k]]] : []))) as AuditSearch,
  component: AuditPage,
})
