/** /admin/courses: every course with a status filter, search and the counts per status. */
import { Badge, Group, SegmentedControl, Skeleton, Stack, Table, Text, TextInput, Title } from "@mantine/core"
import { useQuery } from "@tanstack/react-query"
import { createFileRoute, useNavigate } from "@tanstack/react-router"
import { useEffect, useState } from "react"
import { useTranslation } from "react-i18next"
import type { CourseStatus } from "@/client"
import { ADMIN_PAGE, adminCoursesQuery, courseCountsQuery } from "@/admin/queries"
import { ErrorState } from "@/components/ErrorState"
import { Pager } from "@/components/Pager"
import { AnchorLink, ButtonLink } from "@/components/links"
import { formatDateTime } from "@/lib/format"

interface Search {
  q?: string
  status?: CourseStatus
  page?: number
}

const STATUSES = ["draft", "published", "archived"] as const

export const Route = createFileRoute("/admin/courses/")({
  validateSearch: (s: Record<string, unknown>): Search => ({
    q: typeof s.q === "string" && s.q ? s.q : undefined,
    status: STATUSES.includes(s.status as CourseStatus) ? (s.status as CourseStatus) : undefined,
    page: Number(s.page) > 1 ? Math.floor(Number(s.page)) : undefined,
  }),
  component: CourseList,
})

function CourseList() {
  const { t, i18n } = useTranslation()
  const search = Route.useSearch()
  const navigate = useNavigate({ from: "/admin/courses/" })
  const [q, setQ] = useState(search.q ?? "")
  const list = useQuery(adminCoursesQuery(search))
  const counts = useQuery(courseCountsQuery())
  useEffect(() => {
    const id = setTimeout(() => {
      if ((search.q ?? "") !== q) void navigate({ search: (s: Search) => ({ ...s, q: q || undefined, page: undefined }) })
    }, 300)
    return () => clearTimeout(id)
  }, [q]) // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t("admin.courses.title")}</Title>
        <ButtonLink to="/admin/courses/new">{t("admin.courses.new")}</ButtonLink>
      </Group>
      <Text aria-live="polite" mih={24}>
        {counts.data ? t("admin.courses.counts", counts.data) : ""}
      </Text>
      <Group align="flex-end" wrap="wrap">
        <TextInput label={t("admin.courses.search")} value={q} onChange={(e) => setQ(e.currentTarget.value)} type="search" />
        <Stack gap={4}>
          <Text size="sm" fw={500} id="status-filter">
            {t("admin.common.status")}
          </Text>
          <SegmentedControl
            aria-labelledby="status-filter"
            value={search.status ?? "all"}
            onChange={(v) =>
              void navigate({
                search: (s: Search) => ({ ...s, status: v === "all" ? undefined : (v as CourseStatus), page: undefined }),
              })
            }
            data={[
              { value: "all", label: t("admin.common.all") },
              ...STATUSES.map((s) => ({ value: s, label: t(`admin.status.${s}`) })),
            ]}
          />
        </Stack>
      </Group>
      {list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : !list.data ? (
        <Stack>
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} height={36} />
          ))}
        </Stack>
      ) : list.data.items.length === 0 ? (
        <Text>{search.q || search.status ? t("admin.common.noResults") : t("admin.courses.empty")}</Text>
      ) : (
        <>
          <Table.ScrollContainer minWidth={640}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("admin.courses.name")}</Table.Th>
                  <Table.Th>{t("admin.common.status")}</Table.Th>
                  <Table.Th>{t("admin.courses.sections")}</Table.Th>
                  <Table.Th>{t("admin.courses.minutes")}</Table.Th>
                  <Table.Th>{t("admin.courses.updated")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>
                      <AnchorLink to="/admin/courses/$courseId" params={{ courseId: c.id }}>
                        {c.name}
                      </AnchorLink>
                      <Text size="xs" c="gray.7">
                        {c.slug}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={c.status === "published" ? "green" : c.status === "draft" ? "gray" : "orange"} variant="light">
                        {t(`admin.status.${c.status}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{c.section_count}</Table.Td>
                    <Table.Td>{c.total_minutes}</Table.Td>
                    <Table.Td>{formatDateTime(c.updated_at, i18n.language)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group justify="space-between">
            <Text size="sm">{t("admin.common.total", { count: list.data.total })}</Text>
            {list.data.total > ADMIN_PAGE && (
              <Pager
                pages={Math.ceil(list.data.total / ADMIN_PAGE)}
                page={search.page ?? 1}
                onPage={(p) => void navigate({ search: (s: Search) => ({ ...s, page: p > 1 ? p : undefined }) })}
              />
            )}
          </Group>
        </>
      )}
    </Stack>
  )
}
