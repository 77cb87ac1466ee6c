/** Sign in; afterwards back to where the user was (?redirect=). 401 and 429 (with the time) are shown. */
import { Button, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core"
import { useForm } from "@mantine/form"
import { useQueryClient } from "@tanstack/react-query"
import { createFileRoute, useNavigate } from "@tanstack/react-router"
import { useState } from "react"
import { useTranslation } from "react-i18next"
import { isApiError } from "@/api/problem"
import { signIn } from "@/api/session"
import { safeRedirect } from "@/lib/guard"
import { problemMessage } from "@/lib/problemMessage"
import { AnchorLink } from "@/components/links"

export const Route = createFileRoute("/login")({
  validateSearch: (raw: Record<string, unknown>): { redirect?: string } => ({
    redirect: typeof raw.redirect === "string" ? raw.redirect : undefined,
  }),
  component: LoginPage,
})

function LoginPage() {
  const { t, i18n } = useTranslation()
  const { redirect } = Route.useSearch()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [error, setError] = useState<string | null>(null)
  const form = useForm({
    initialValues: { username: "", password: "" },
    validate: {
      username: (v) => (v.trim() ? null : t("auth.required")),
      password: (v) => (v ? null : t("auth.required")),
    },
  })

  const submit = form.onSubmit(async (values) => {
    setError(null)
    try {
      await signIn(values.username.trim(), values.password)
      void queryClient.resetQueries() // what was read signed out is read again as this user
      await navigate({ href: safeRedirect(redirect), replace: true })
    } catch (e) {
      setError(isApiError(e, 401) ? t("auth.badCredentials") : problemMessage(e, t, i18n.language))
    }
  })

  return (
    <Paper withBorder p="xl" maw={420} mx="auto" radius="md">
      <Title order={1} mb="lg">
        {t("auth.signInTitle")}
      </Title>
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label={t("auth.username")} autoComplete="username" required {...form.getInputProps("username")} />
          <PasswordInput
            label={t("auth.password")}
            autoComplete="current-password"
            required
            {...form.getInputProps("password")}
          />
          {error && (
            <Text c="red.8" role="alert">
              {error}
            </Text>
          )}
          <Button type="submit" loading={form.submitting}>
            {t("auth.signIn")}
          </Button>
          <Text size="sm">
            {t("auth.noAccount")}{" "}
            <AnchorLink to="/register" search={{ redirect }}>
              {t("auth.createAccount")}
            </AnchorLink>
          </Text>
        </Stack>
      </form>
    </Paper>
  )
}
