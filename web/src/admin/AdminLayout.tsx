/** The console's frame: only admins get past it; a second navigation row for the admin screens. */
import { Alert, Group, Stack } from "@mantine/core"
import { Outlet } from "@tanstack/react-router"
import { useTranslation } from "react-i18next"
import { PageSkeleton } from "@/components/Skeletons"
import { ErrorState } from "@/components/ErrorState"
import { AnchorLink } from "@/components/links"
import { useMe } from "@/hooks/useSession"

export function AdminLayout() {
  const { t } = useTranslation()
  const me = useMe()
  if (me.isPending) return <PageSkeleton />
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />
  if (me.data.role !== "admin") {
    return (
      <Alert color="yellow" role="alert" title={t("admin.common.forbidden")} styles={{ title: { color: "var(--mantine-color-orange-9)" } }}>
        <AnchorLink to="/">{t("admin.common.forbiddenBack")}</AnchorLink>
      </Alert>
    )
  }
  return (
    // Field errors in the theme's darker red: Mantine's default error red is below 4.5:1 on white.
    <Stack gap="lg" style={{ "--mantine-color-error": "var(--mantine-color-red-8)" } as React.CSSProperties}>
      <Group component="nav" aria-label={t("admin.nav.console")} gap="md" wrap="wrap" className="oms-nav oms-admin-nav">
        <AnchorLink to="/admin" activeOptions={{ exact: true }}>
          {t("admin.nav.dashboard")}
        </AnchorLink>
        <AnchorLink to="/admin/courses">{t("admin.nav.courses")}</AnchorLink>
        <AnchorLink to="/admin/import">{t("admin.nav.import")}</AnchorLink>
        <AnchorLink to="/admin/learners">{t("admin.nav.learners")}</AnchorLink>
        <AnchorLink to="/admin/grading">{t("admin.nav.grading")}</AnchorLink>
        <AnchorLink to="/admin/people">{t("admin.nav.people")}</AnchorLink>
        <AnchorLink to="/admin/audit">{t("admin.nav.audit")}</AnchorLink>
      </Group>
      <Outlet />
    </Stack>
  )
}
