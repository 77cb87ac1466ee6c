/** Create a student account, then sign in with it; field errors (422) and a taken name (409) by the fields. */
import { Button, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core"
import { useForm } from "@mantine/form"
import { useQueryClient } from "@tanstack/react-query"
import { createFileRoute, useNavigate } from "@tanstack/react-router"
import { useState } from "react"
import { useTranslation } from "react-i18next"
import { signIn } from "@/api/session"
import { authRegister } from "@/client"
import { safeRedirect } from "@/lib/guard"
import { formProblem } from "@/lib/problemMessage"
import { AnchorLink } from "@/components/links"

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/

export const Route = createFileRoute("/register")({
  validateSearch: (raw: Record<string, unknown>): { redirect?: string } => ({
    redirect: typeof raw.redirect === "string" ? raw.redirect : undefined,
  }),
  component: RegisterPage,
})

function RegisterPage() {
  const { t, i18n } = useTranslation()
  const { redirect } = Route.useSearch()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [error, setError] = useState<string | null>(null)
  const form = useForm({
    initialValues: { username: "", password: "", display_name: "" },
    validate: {
      username: (v) => (USERNAME.test(v.trim()) ? null : t("auth.usernameRule")),
      password: (v) => (v.length >= 8 ? null : t("auth.passwordRule")),
    },
  })

  const submit = form.onSubmit(async (values) => {
    setError(null)
    const username = values.username.trim()
    try {
      await authRegister({
        body: { username, password: values.password, display_name: values.display_name.trim() || null },
      })
      await signIn(username, values.password)
      void queryClient.resetQueries() // what was read signed out is read again as this user
      await navigate({ href: safeRedirect(redirect), replace: true })
    } catch (e) {
      const problem = formProblem(e, t, i18n.language, ["username", "password", "display_name"])
      form.setErrors(problem.fields)
      setError(problem.message)
    }
  })

  return (
    <Paper withBorder p="xl" maw={420} mx="auto" radius="md">
      <Title order={1} mb="lg">
        {t("auth.registerTitle")}
      </Title>
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label={t("auth.username")}
            description={t("auth.usernameRule")}
            autoComplete="username"
            required
            {...form.getInputProps("username")}
          />
          <PasswordInput
            label={t("auth.password")}
            description={t("auth.passwordRule")}
            autoComplete="new-password"
            required
            {...form.getInputProps("password")}
          />
          <TextInput label={t("auth.displayName")} autoComplete="nickname" {...form.getInputProps("display_name")} />
          {error && (
            <Text c="red.8" role="alert">
              {error}
            </Text>
          )}
          <Button type="submit" loading={form.submitting}>
            {t("auth.createAccount")}
          </Button>
          <Text size="sm">
            {t("auth.haveAccount")}{" "}
            <AnchorLink to="/login" search={{ redirect }}>
              {t("auth.signIn")}
            </AnchorLink>
          </Text>
        </Stack>
      </form>
    </Paper>
  )
}
