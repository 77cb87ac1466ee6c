/**
 * Enroll button and its states: sign in first / enroll / enrolled (start or continue) / dropped → re-enroll /
 * archived. Keyboard focus follows the action: to "Start learning" once enrolled, back to the button on an error
 * (the button is disabled while the request runs, which would otherwise leave focus on the page's body).
 */
import { Alert, Badge, Button, Group, Skeleton, Stack, Text } from "@mantine/core"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { useLocation, useNavigate } from "@tanstack/react-router"
import { useEffect, useRef } from "react"
import { useTranslation } from "react-i18next"
import { myEnrollmentsQuery } from "@/api/queries"
import { enrollmentsEnroll } from "@/client"
import type { CoursePublic } from "@/client"
import { useMe, useSignedIn } from "@/hooks/useSession"
import { nextSectionId } from "@/lib/progress"
import { problemMessage } from "@/lib/problemMessage"
import { ButtonLink } from "@/components/links"
import { notify } from "@/lib/notify"

export function EnrollPanel({ course }: { course: CoursePublic }) {
  const { t, i18n } = useTranslation()
  const signedIn = useSignedIn()
  const me = useMe()
  const location = useLocation()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const mine = useQuery({ ...myEnrollmentsQuery(), enabled: signedIn && me.data?.role === "student" })
  const region = useRef<HTMLDivElement>(null)
  const focusNext = useRef<"a" | "button" | null>(null)
  const enroll = useMutation({
    mutationFn: async () => (await enrollmentsEnroll({ path: { course_ref: course.slug } })).data,
    onSuccess: async (enrollment) => {
      focusNext.current = "a"
      notify(t("course.enrolledMessage"), "green")
      await queryClient.invalidateQueries({ queryKey: ["enrollments"] })
      queryClient.setQueryData(["enrollments", "one", enrollment.id], enrollment)
    },
    onError: () => {
      focusNext.current = "button"
    },
  })
  useEffect(() => {
    const target = focusNext.current && region.current?.querySelector<HTMLElement>(`${focusNext.current}:not([disabled])`)
    if (target) {
      target.focus()
      focusNext.current = null
    }
  })

  if (course.status === "archived") {
    return <Alert variant="default" color="gray" title={t("course.archived")} />
  }
  if (!signedIn) {
    return (
      <Group>
        <Button size="md" onClick={() => void navigate({ to: "/login", search: { redirect: location.href } })}>
          {t("course.enroll")}
        </Button>
        <Text size="sm">{t("course.signInToEnroll")}</Text>
      </Group>
    )
  }
  if (me.data?.role === "admin") return <Text c="dimmed">{t("course.adminsCannotEnroll")}</Text>
  if (mine.isPending) return <Skeleton h={42} w={220} />

  const enrollment = mine.data?.items.find((e) => e.course_id === course.id)
  const error = enroll.error ? <Text c="red.8" role="alert">{problemMessage(enroll.error, t, i18n.language)}</Text> : null

  if (!enrollment || enrollment.status === "dropped") {
    return (
      <Stack gap="xs" ref={region}>
        {enrollment && <Text>{t("course.dropped")}</Text>}
        <Group>
          <Button size="md" loading={enroll.isPending} onClick={() => enroll.mutate()}>
            {enrollment ? t("course.reenroll") : t("course.enroll")}
          </Button>
        </Group>
        {error}
      </Stack>
    )
  }
  const started = enrollment.completed_sections.length > 0
  const target = nextSectionId(course, enrollment.completed_sections)
  return (
    <Group ref={region}>
      <Badge size="lg" color="green.9" variant="filled">
        {t("course.enrolled")}
      </Badge>
      <ButtonLink
        size="md"
        to="/learn/$enrollmentId/{-$sectionId}"
        params={{ enrollmentId: enrollment.id, sectionId: target }}
      >
        {started ? t("course.continue") : t("course.startLearning")}
      </ButtonLink>
    </Group>
  )
}
