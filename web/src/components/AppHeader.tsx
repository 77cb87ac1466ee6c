/** The top bar: brand, main navigation (what a signed-in student needs), language, account. */
import { Box, Button, Container, Group, Text } from "@mantine/core"
import { useQueryClient } from "@tanstack/react-query"
import { useNavigate } from "@tanstack/react-router"
import { useTranslation } from "react-i18next"
import { signOut } from "@/api/session"
import { useMe, useSignedIn } from "@/hooks/useSession"
import { LanguageSwitch } from "./LanguageSwitch"
import { AnchorLink, ButtonLink } from "@/components/links"

export function AppHeader() {
  const { t } = useTranslation()
  const signedIn = useSignedIn()
  const me = useMe()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const isStudent = me.data?.role !== "admin"

  const onSignOut = async () => {
    try {
      await signOut()
    } finally {
      queryClient.clear()
      await navigate({ to: "/" })
    }
  }

  return (
    <Box component="header" py="sm" style={{ borderBottom: "1px solid var(--mantine-color-gray-3)" }}>
      <Container size="lg">
        <Group justify="space-between" align="flex-end" gap="sm" wrap="wrap">
          <Group gap="lg" align="center" wrap="wrap">
            <AnchorLink to="/" fw={800} size="xl" underline="never" c="blue.9">
              {t("app.name")}
            </AnchorLink>
            <Group component="nav" aria-label={t("app.mainNav")} gap="md" className="oms-nav" wrap="wrap">
              <AnchorLink to="/" activeOptions={{ exact: true }}>
                {t("nav.courses")}
              </AnchorLink>
              {signedIn && isStudent && (
                <>
                  <AnchorLink to="/me" activeOptions={{ exact: true }}>
                    {t("nav.myCourses")}
                  </AnchorLink>
                  <AnchorLink to="/me/assignments">
                    {t("nav.assignments")}
                  </AnchorLink>
                </>
              )}
              {signedIn && !isStudent && <AnchorLink to="/admin">{t("nav.admin")}</AnchorLink>}
              {signedIn && (
                <AnchorLink to="/profile">
                  {t("nav.profile")}
                </AnchorLink>
              )}
            </Group>
          </Group>
          <Group gap="sm" align="flex-end" wrap="wrap">
            <LanguageSwitch />
            {signedIn ? (
              <Group gap="xs" align="center">
                {me.data && (
                  <Text size="sm" visibleFrom="sm">
                    {me.data.display_name || me.data.username}
                  </Text>
                )}
                <Button variant="default" size="xs" onClick={() => void onSignOut()}>
                  {t("nav.signOut")}
                </Button>
              </Group>
            ) : (
              <Group gap="xs">
                <ButtonLink to="/login" size="xs" variant="default">
                  {t("nav.signIn")}
                </ButtonLink>
                <ButtonLink to="/register" size="xs">
                  {t("nav.createAccount")}
                </ButtonLink>
              </Group>
            )}
          </Group>
        </Group>
      </Container>
    </Box>
  )
}
