/** Profile: display name, and a password change that needs the current password. */
import { Button, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core"
import { useForm } from "@mantine/form"
import { useQueryClient } from "@tanstack/react-query"
import { createFileRoute } from "@tanstack/react-router"
import { useEffect, useState } from "react"
import { useTranslation } from "react-i18next"
import { isApiError } from "@/api/problem"
import { usersUpdateMe } from "@/client"
import { ErrorState } from "@/components/ErrorState"
import { PageSkeleton } from "@/components/Skeletons"
import { useMe } from "@/hooks/useSession"
import { requireSignIn } from "@/lib/guard"
import { formProblem } from "@/lib/problemMessage"
import { notify } from "@/lib/notify"

export const Route = createFileRoute("/profile")({
  beforeLoad: requireSignIn,
  component: ProfilePage,
})

function ProfilePage() {
  const { t } = useTranslation()
  const me = useMe()
  if (me.isPending) return <PageSkeleton />
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />
  return (
    <Stack gap="xl" maw={520}>
      <Title order={1}>{t("profile.title")}</Title>
      <Text>
        {t("profile.username")}: <strong>{me.data.username}</strong>
      </Text>
      <DisplayNameForm initial={me.data.display_name ?? ""} />
      <PasswordForm />
    </Stack>
  )
}

function DisplayNameForm({ initial }: { initial: string }) {
  const { t, i18n } = useTranslation()
  const queryClient = useQueryClient()
  const [error, setError] = useState<string | null>(null)
  const form = useForm({
    initialValues: { display_name: initial },
    validate: { display_name: (v) => (v.trim() ? null : t("auth.required")) },
  })
  useEffect(() => form.setInitialValues({ display_name: initial }), [initial]) // eslint-disable-line react-hooks/exhaustive-deps
  const submit = form.onSubmit(async (values) => {
    setError(null)
    try {
      const { data } = await usersUpdateMe({ body: { display_name: values.display_name.trim() } })
      queryClient.setQueryData(["me"], data)
      notify(t("profile.saved"), "green")
    } catch (e) {
      const problem = formProblem(e, t, i18n.language, ["display_name"])
      form.setErrors(problem.fields)
      setError(problem.message)
    }
  })
  return (
    <Paper withBorder p="md" component="section">
      <Title order={2} size="h3" id="name-heading" mb="sm">
        {t("profile.displayName")}
      </Title>
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label={t("profile.displayName")} required {...form.getInputProps("display_name")} />
          {error && (
            <Text c="red.8" role="alert">
              {error}
            </Text>
          )}
          <Button type="submit" loading={form.submitting} style={{ alignSelf: "flex-start" }}>
            {t("profile.save")}
          </Button>
        </Stack>
      </form>
    </Paper>
  )
}

function PasswordForm() {
  const { t, i18n } = useTranslation()
  const [error, setError] = useState<string | null>(null)
  const form = useForm({
    initialValues: { current_password: "", password: "" },
    validate: {
      current_password: (v) => (v ? null : t("auth.required")),
      password: (v) => (v.length >= 8 ? null : t("auth.passwordRule")),
    },
  })
  const submit = form.onSubmit(async (values) => {
    setError(null)
    try {
      await usersUpdateMe({ body: values })
      form.reset()
      notify(t("profile.passwordChanged"), "green")
    } catch (e) {
      if (isApiError(e, 401) || isApiError(e, 403)) form.setFieldError("current_password", t("auth.badCredentials"))
      else {
        const problem = formProblem(e, t, i18n.language, ["current_password", "password"])
        form.setErrors(problem.fields)
        setError(problem.message)
      }
    }
  })
  return (
    <Paper withBorder p="md" component="section">
      <Title order={2} size="h3" id="password-heading" mb="sm">
        {t("profile.changePassword")}
      </Title>
      <form onSubmit={submit} noValidate>
        <Stack>
          <PasswordInput
            label={t("profile.currentPassword")}
            autoComplete="current-password"
            required
            {...form.getInputProps("current_password")}
          />
          <PasswordInput
            label={t("profile.newPassword")}
            description={t("auth.passwordRule")}
            autoComplete="new-password"
            required
            {...form.getInputProps("password")}
          />
          {error && (
            <Text c="red.8" role="alert">
              {error}
            </Text>
          )}
          <Button type="submit" loading={form.submitting} style={{ alignSelf: "flex-start" }}>
            {t("profile.changePassword")}
          </Button>
        </Stack>
      </form>
    </Paper>
  )
}
