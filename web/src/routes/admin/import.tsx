/** /admin/import: import courses (file, drop or paste; dry run first, then for real) and export them. */
import { createFileRoute } from "@tanstack/react-router"
import { ImportPage } from "@/admin/ImportPage"

export const Route = createFileRoute("/admin/import")({
  component: ImportPage,
})
