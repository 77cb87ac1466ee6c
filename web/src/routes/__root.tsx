/** The page frame: skip link, header, main landmark; not-found and crash pages. */
import { Container, Text, Title } from "@mantine/core"
import type { QueryClient } from "@tanstack/react-query"
import { createRootRouteWithContext, Outlet } from "@tanstack/react-router"
import { useTranslation } from "react-i18next"
import { AppHeader } from "@/components/AppHeader"
import { ErrorState } from "@/components/ErrorState"
import { AnchorLink } from "@/components/links"

export const Route = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: RootLayout,
  notFoundComponent: NotFound,
  errorComponent: ({ error, reset }) => (
    <Container size="lg" py="xl">
      <ErrorState error={error} onRetry={reset} />
    </Container>
  ),
})

function RootLayout() {
  const { t } = useTranslation()
  return (
    <>
      <a href="#main" className="oms-skip">
        {t("app.skipToContent")}
      </a>
      <AppHeader />
      <Container component="main" id="main" tabIndex={-1} size="lg" py="lg" style={{ outline: "none" }}>
        <Outlet />
      </Container>
    </>
  )
}

function NotFound() {
  const { t } = useTranslation()
  return (
    <>
      <Title order={1}>{t("app.notFoundTitle")}</Title>
      <Text my="md">{t("app.notFoundText")}</Text>
      <AnchorLink to="/">
        {t("app.backToCourses")}
      </AnchorLink>
    </>
  )
}
