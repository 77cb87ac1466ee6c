/** /admin: the admin console's frame; its strings load with it (students never download either). */
import { createFileRoute } from "@tanstack/react-router"
import { AdminLayout } from "@/admin/AdminLayout"
import { requireSignIn } from "@/lib/guard"

export const Route = createFileRoute("/admin")({
  beforeLoad: requireSignIn,
  loader: () => import("@/admin/i18n").then(() => null),
  component: AdminLayout,
})
