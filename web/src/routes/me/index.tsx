/** My courses: each enrollment's progress, continue where I left off, drop with confirmation; recommendations. */
import { Badge, Button, Card, Group, Modal, SimpleGrid, Stack, Text, Title } from "@mantine/core"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { createFileRoute } from "@tanstack/react-router"
import { useState } from "react"
import { useTranslation } from "react-i18next"
import { myEnrollmentsQuery } from "@/api/queries"
import { enrollmentsDrop } from "@/client"
import type { MyEnrollment } from "@/client"
import { ErrorState } from "@/components/ErrorState"
import { ProgressBar } from "@/components/ProgressBar"
import { Recommendations } from "@/components/Recommendations"
import { CardGridSkeleton } from "@/components/Skeletons"
import { formatDateTime, formatPercent } from "@/lib/format"
import { requireSignIn } from "@/lib/guard"
import { problemMessage } from "@/lib/problemMessage"
import { AnchorLink, ButtonLink } from "@/components/links"
import { notify } from "@/lib/notify"

export const Route = createFileRoute("/me/")({
  beforeLoad: requireSignIn,
  component: MyCourses,
})

function MyCourses() {
  const { t } = useTranslation()
  const mine = useQuery(myEnrollmentsQuery())
  const [dropping, setDropping] = useState<MyEnrollment | null>(null)
  return (
    <Stack gap="xl">
      <Title order={1}>{t("me.title")}</Title>
      {mine.isPending ? (
        <CardGridSkeleton count={3} />
      ) : mine.isError ? (
        <ErrorState error={mine.error} onRetry={() => void mine.refetch()} />
      ) : mine.data.items.length === 0 ? (
        <Stack align="flex-start">
          <Text>{t("me.empty")}</Text>
          <ButtonLink to="/">{t("me.browse")}</ButtonLink>
        </Stack>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          {mine.data.items.map((e) => (
            <EnrollmentCard key={e.id} enrollment={e} onDrop={() => setDropping(e)} />
          ))}
        </SimpleGrid>
      )}
      <Recommendations />
      <DropDialog enrollment={dropping} onClose={() => setDropping(null)} />
    </Stack>
  )
}

function EnrollmentCard({ enrollment: e, onDrop }: { enrollment: MyEnrollment; onDrop: () => void }) {
  const { t, i18n } = useTranslation()
  const name = e.course?.name ?? "—"
  const percent = formatPercent(e.progress / 100, i18n.language)
  const status = e.status === "dropped" ? t("me.dropped") : e.status === "completed" ? t("me.completed") : t("me.active")
  return (
    <Card withBorder padding="lg" component="article">
      <Group justify="space-between" align="flex-start" wrap="nowrap" mb="xs">
        <Title order={2} size="h4">
          {e.course ? (
            <AnchorLink to="/courses/$slug" params={{ slug: e.course.slug }} c="inherit">
              {name}
            </AnchorLink>
          ) : (
            name
          )}
        </Title>
        <Badge variant="outline" color={e.status === "dropped" ? "gray.8" : "green.9"} style={{ flex: "none" }}>
          {status}
        </Badge>
      </Group>
      <ProgressBar percent={e.progress} label={t("me.progressOf", { name })} valueText={t("learn.progressValue", { percent })} />
      <Text size="sm">{t("learn.progressValue", { percent })}</Text>
      <Text size="xs" c="dimmed" mb="md">
        {t("me.lastActivity", { date: formatDateTime(e.updated_at, i18n.language) })}
      </Text>
      <Group gap="sm" mt="auto">
        {e.status === "dropped" ? (
          e.course && (
            <ButtonLink to="/courses/$slug" params={{ slug: e.course.slug }} variant="outline">
              {t("course.reenroll")}
            </ButtonLink>
          )
        ) : (
          <>
            <ButtonLink to="/learn/$enrollmentId/{-$sectionId}" params={{ enrollmentId: e.id }} aria-label={`${t("course.continue")}: ${name}`}>
              {t("course.continue")}
            </ButtonLink>
            <Button variant="outline" color="red.9" onClick={onDrop} aria-label={`${t("me.drop")}: ${name}`}>
              {t("me.drop")}
            </Button>
          </>
        )}
      </Group>
    </Card>
  )
}

function DropDialog({ enrollment, onClose }: { enrollment: MyEnrollment | null; onClose: () => void }) {
  const { t, i18n } = useTranslation()
  const queryClient = useQueryClient()
  const drop = useMutation({
    mutationFn: async (id: string) => (await enrollmentsDrop({ path: { enrollment_id: id } })).data,
    onSuccess: async () => {
      notify(t("me.droppedMessage", { name: enrollment?.course?.name ?? "" }))
      await queryClient.invalidateQueries({ queryKey: ["enrollments"] })
      onClose()
    },
  })
  return (
    <Modal opened={enrollment !== null} onClose={onClose} title={t("me.dropTitle")} centered>
      <Text mb="xs" fw={600}>
        {enrollment?.course?.name}
      </Text>
      <Text mb="lg">{t("me.dropText")}</Text>
      {drop.error && (
        <Text c="red.8" role="alert" mb="sm">
          {problemMessage(drop.error, t, i18n.language)}
        </Text>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose} data-autofocus>
          {t("me.cancel")}
        </Button>
        <Button color="red.9" loading={drop.isPending} onClick={() => enrollment && drop.mutate(enrollment.id)}>
          {t("me.drop")}
        </Button>
      </Group>
    </Modal>
  )
}
