/** The audit log browser: filters in the URL (shareable), newest first, each entry's field changes. */
import { Button, Code, Group, Paper, Skeleton, Stack, Table, Text, TextInput, Title } from "@mantine/core"
import { useInfiniteQuery } from "@tanstack/react-query"
import { getRouteApi, useNavigate } from "@tanstack/react-router"
import { useState } from "react"
import { useTranslation } from "react-i18next"
import { adminSearchAudit } from "@/client"
import type { AuditEntryPublic } from "@/client"
import { ErrorState } from "@/components/ErrorState"
import { formatDateTime } from "@/lib/format"
import { isoToLocalInput as toLocal, localInputToIso } from "./dates"

export interface AuditSearch {
  actor?: string
  action?: string
  target?: string
  target_id?: string
  since?: string
  until?: string
}

const route = getRouteApi("/admin/audit")
const LIMIT = 50

export function AuditPage() {
  const { t, i18n } = useTranslation()
  const search = route.useSearch()
  const navigate = useNavigate({ from: "/admin/audit" })
  const [form, setForm] = useState({ ...search, since: toLocal(search.since), until: toLocal(search.until) })
  const entries = useInfiniteQuery({
    queryKey: ["admin", "audit", search],
    queryFn: async ({ pageParam }) => (await adminSearchAudit({ query: { ...search, limit: LIMIT, offset: pageParam } })).data,
    initialPageParam: 0,
    getNextPageParam: (last) => (last.offset + last.limit < last.total ? last.offset + last.limit : undefined),
  })
  const items = entries.data?.pages.flatMap((p) => p.items) ?? []
  const field = (k: keyof AuditSearch, label: string, type = "text") => (
    <TextInput label={label} type={type} value={form[k] ?? ""} onChange={(e) => setForm((f) => ({ ...f, [k]: e.currentTarget.value }))} />
  )

  return (
    <Stack>
      <Title order={1}>{t("admin.audit.title")}</Title>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          const next: AuditSearch = {}
          for (const k of ["actor", "action", "target", "target_id"] as const) if (form[k]?.trim()) next[k] = form[k]!.trim()
          next.since = localInputToIso(form.since ?? "") ?? undefined
          next.until = localInputToIso(form.until ?? "") ?? undefined
          void navigate({ search: next })
        }}
      >
        <Group align="flex-end" wrap="wrap">
          {field("actor", t("admin.audit.actor"))}
          {field("action", t("admin.audit.action"))}
          {field("target", t("admin.audit.target"))}
          {field("target_id", t("admin.audit.targetId"))}
          {field("since", t("admin.audit.since"), "datetime-local")}
          {field("until", t("admin.audit.until"), "datetime-local")}
          <Button type="submit">{t("admin.audit.apply")}</Button>
        </Group>
      </form>
      {entries.isError ? (
        <ErrorState error={entries.error} onRetry={() => void entries.refetch()} />
      ) : entries.isPending ? (
        <Stack>{Array.from({ length: 6 }, (_, i) => <Skeleton key={i} height={36} />)}</Stack>
      ) : items.length === 0 ? (
        <Text>{t("admin.audit.empty")}</Text>
      ) : (
        <Stack gap="xs">
          <Text size="sm">{t("admin.common.total", { count: entries.data.pages[0]?.total ?? 0 })}</Text>
          {items.map((e) => (
            <AuditEntry key={e.id} entry={e} lang={i18n.language} />
          ))}
          {entries.hasNextPage && (
            <Button variant="default" onClick={() => void entries.fetchNextPage()} loading={entries.isFetchingNextPage} style={{ alignSelf: "center" }}>
              {t("admin.common.loadMore")}
            </Button>
          )}
        </Stack>
      )}
    </Stack>
  )
}

function show(v: unknown): string {
  if (v === null || v === undefined) return "—"
  return typeof v === "string" ? v : JSON.stringify(v, null, 1)
}

function AuditEntry({ entry, lang }: { entry: AuditEntryPublic; lang: string }) {
  const { t } = useTranslation()
  const changes = Object.entries(entry.diff ?? {})
  return (
    <Paper withBorder p="sm" component="article" aria-label={`${entry.action} ${formatDateTime(entry.at, lang)}`}>
      <Group gap="md" wrap="wrap">
        <Text fw={700}>{entry.action}</Text>
        <Text size="sm">{formatDateTime(entry.at, lang)}</Text>
        <Text size="sm">
          {t("admin.audit.target")}: {entry.target} {entry.target_id ?? ""}
        </Text>
        <Text size="sm">
          {t("admin.audit.actor")}: {entry.actor_id}
        </Text>
      </Group>
      {changes.length === 0 ? (
        <Text size="sm" c="gray.7">
          {t("admin.audit.noChanges")}
        </Text>
      ) : (
        <details>
          <summary>{t("admin.audit.show")} ({changes.length})</summary>
          <Table.ScrollContainer minWidth={480}>
            <Table withTableBorder mt="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("admin.audit.field")}</Table.Th>
                  <Table.Th>{t("admin.audit.before")}</Table.Th>
                  <Table.Th>{t("admin.audit.after")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {changes.map(([k, v]) => {
                  const [before, after] = Array.isArray(v) ? v : [undefined, v]
                  return (
                    <Table.Tr key={k}>
                      <Table.Th scope="row">{k}</Table.Th>
                      <Table.Td>
                        <Code block>{show(before)}</Code>
                      </Table.Td>
                      <Table.Td>
                        <Code block>{show(after)}</Code>
                      </Table.Td>
                    </Table.Tr>
                  )
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </details>
      )}
    </Paper>
  )
}
