/** The error state of a page or panel: what happened in the user's language (the server's detail only when
 * the app cannot word it), a retry. */
import { Alert, Button, Group, Text } from "@mantine/core"
import { useLocation } from "@tanstack/react-router"
import { useTranslation } from "react-i18next"
import { isApiError } from "@/api/problem"
import { problemDetail, problemMessage } from "@/lib/problemMessage"
import { ButtonLink } from "@/components/links"

interface Props {
  error: unknown
  onRetry?: () => void
}

export function ErrorState({ error, onRetry }: Props) {
  const { t, i18n } = useTranslation()
  if (isApiError(error, 401)) return <SignInAgain />
  const detail = problemDetail(error)
  return (
    <Alert color="red" title={problemMessage(error, t, i18n.language)} role="alert">
      {detail && <Text size="sm">{detail}</Text>}
      {onRetry && (
        <Group mt="sm">
          <Button variant="outline" color="red" onClick={onRetry}>
            {t("errors.retry")}
          </Button>
        </Group>
      )}
    </Alert>
  )
}

/** Signed out mid-way: sign in, then come back to this very page. */
function SignInAgain() {
  const { t } = useTranslation()
  const location = useLocation()
  return (
    <Alert variant="default" color="yellow" title={t("auth.sessionEnded")} role="alert">
      <ButtonLink to="/login" search={{ redirect: location.href }} mt="sm">
        {t("auth.signInToContinue")}
      </ButtonLink>
    </Alert>
  )
}
