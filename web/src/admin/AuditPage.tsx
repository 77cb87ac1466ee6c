/** The audit log browser: filters in the URL (shareable), newest first, each entry's field changes. */
import { Button, Code, Group, Paper, Skeleton, Stack, Table, Text, TextInput, Title } from "@mantine/core"
import { useInfiniteQuery } from "@tanstack/react-query"
import { getRouteApi, useNavigate } from "@tanstack/react-router"
import { useState } from "react"
import type { TFunction } from "i18next"
import i18next from "i18next"
import { useTranslation } from "react-i18next"
import { adminSearchAudit } from "@/client"
import type { AuditEntryPublic } from "@/client"
import { ErrorState } from "@/components/ErrorState"
import { formatDateTime } from "@/lib/format"
import { isoToLocalInput as toLocal, localInputToIso } from "./dates"

export interface AuditSearch {
  actor?: string
  actor_q?: string
  action?: string
  target?: string
  target_id?: string
  since?: string
  until?: string
}

const route = getRouteApi("/admin/audit")
const LIMIT = 50
const OBJECT_ID = /^[0-9a-f]{24}$/i
/** What the API records, offered as suggestions (any other value can still be typed). */
const ACTIONS = [
  "course.create",
  "course.update",
  "course.archive",
  "course.import",
  "section.add",
  "section.update",
  "section.remove",
  "section.reorder",
  "assignment.create",
  "assignment.update",
  "assignment.delete",
  "submission.grade",
  "user.update",
]
const TARGETS = ["courses", "assignments", "submissions", "users"]

/**
 * The filters as the API takes them, or the fields that it would refuse (as locale keys), so the message
 * appears beside the field rather than as a failed search. Names are lower-cased (the API's are); one
 * "actor" box takes a user id (`actor`) or an email or name (`actor_q`).
 */
export function auditFilters(form: Partial<Record<keyof AuditSearch, string>>): {
  search: AuditSearch
  errors: Partial<Record<keyof AuditSearch, string>>
} {
  const search: AuditSearch = {}
  const errors: Partial<Record<keyof AuditSearch, string>> = {}
  const action = form.action?.trim().toLowerCase()
  const target = form.target?.trim().toLowerCase()
  const targetId = form.target_id?.trim()
  const actor = form.actor?.trim()
  if (action) {
    if (/^[a-z_.]{1,100}$/.test(action)) search.action = action
    else errors.action = "admin.audit.badAction"
  }
  if (target) {
    if (/^[a-z_]{1,100}$/.test(target)) search.target = target
    else errors.target = "admin.audit.badTarget"
  }
  if (targetId) search.target_id = targetId.slice(0, 200)
  if (actor) {
    if (OBJECT_ID.test(actor)) search.actor = actor.toLowerCase()
    else search.actor_q = actor.slice(0, 254)
  }
  search.since = localInputToIso(form.since ?? "") ?? undefined
  search.until = localInputToIso(form.until ?? "") ?? undefined
  if (!search.since) delete search.since
  if (!search.until) delete search.until
  if (search.since && search.until && search.until <= search.since) errors.until = "admin.audit.badRange"
  return { search, errors }
}

/** An action code (`course.update`) in the user's language; a code the app has no words for stays as it is. */
export function actionLabel(action: string, t: TFunction = i18next.t): string {
  const key = `admin.audit.actions.${action.replace(/\./g, "_")}`
  return i18next.exists(key) ? t(key) : action
}

/** Who acted, as an admin knows them: display name and username, else the email, else the id. */
export function actorName(e: AuditEntryPublic): string {
  if (e.actor_display_name && e.actor_username) return `${e.actor_display_name} (${e.actor_username})`
  return e.actor_username || e.actor_email || e.actor_id
}

export function AuditPage() {
  const { t, i18n } = useTranslation()
  const search = route.useSearch()
  const navigate = useNavigate({ from: "/admin/audit" })
  // One "actor" box: a user id goes to the API as `actor`, anything else (email, name) as `actor_q`.
  const [form, setForm] = useState({
    ...search,
    actor: search.actor_q ?? search.actor,
    since: toLocal(search.since),
    until: toLocal(search.until),
  })
  const entries = useInfiniteQuery({
    queryKey: ["admin", "audit", search],
    queryFn: async ({ pageParam }) => (await adminSearchAudit({ query: { ...search, limit: LIMIT, offset: pageParam } })).data,
    initialPageParam: 0,
    getNextPageParam: (last) => (last.offset + last.limit < last.total ? last.offset + last.limit : undefined),
  })
  const items = entries.data?.pages.flatMap((p) => p.items) ?? []
  const [errors, setErrors] = useState<Record<string, string>>({})
  const field = (k: keyof AuditSearch, label: string, type = "text") => (
    <TextInput label={label} type={type} value={form[k] ?? ""} error={errors[k]} onChange={(e) => { const value = e.currentTarget.value; setForm((f) => ({ ...f, [k]: value })) }} />
  )
  // Suggestions through a native <datalist>: the field stays one labelled text box.
  const suggest = (k: "action" | "target", label: string, data: string[]) => (
    <>
      <TextInput label={label} list={`audit-${k}-options`} autoComplete="off" value={form[k] ?? ""} error={errors[k]} onChange={(e) => { const value = e.currentTarget.value; setForm((f) => ({ ...f, [k]: value })) }} />
      <datalist id={`audit-${k}-options`}>
        {data.map((v) => (
          <option key={v} value={v} />
        ))}
      </datalist>
    </>
  )

  return (
    <Stack>
      <Title order={1}>{t("admin.audit.title")}</Title>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          const { search: next, errors: found } = auditFilters(form)
          setErrors(Object.fromEntries(Object.entries(found).map(([k, key]) => [k, t(key)])))
          if (Object.keys(found).length === 0) void navigate({ search: next })
        }}
      >
        <Group align="flex-end" wrap="wrap">
          {field("actor", t("admin.audit.actorFilter"))}
          {suggest("action", t("admin.audit.action"), ACTIONS)}
          {suggest("target", t("admin.audit.target"), TARGETS)}
          {field("target_id", t("admin.audit.targetId"))}
          {field("since", t("admin.audit.since"), "datetime-local")}
          {field("until", t("admin.audit.until"), "datetime-local")}
          <Button type="submit">{t("admin.audit.apply")}</Button>
          {Object.keys(search).length > 0 && (
            <Button
              variant="default"
              onClick={() => {
                setForm({ actor: "", since: "", until: "" })
                setErrors({})
                void navigate({ search: {} })
              }}
            >
              {t("admin.audit.clear")}
            </Button>
          )}
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
    <Paper withBorder p="sm" component="article" aria-label={`${actionLabel(entry.action, t)} ${formatDateTime(entry.at, lang)}`}>
      <Group gap="md" wrap="wrap">
        {/* the code too, in small print: it is what the Action filter takes */}
        <Text fw={700}>
          {actionLabel(entry.action, t)}{" "}
          {actionLabel(entry.action, t) !== entry.action && (
            <Text span size="xs" c="gray.7" ff="monospace">
              {entry.action}
            </Text>
          )}
        </Text>
        <Text size="sm">{formatDateTime(entry.at, lang)}</Text>
        <Text size="sm">
          {t("admin.audit.target")}: {entry.target} {entry.target_id ?? ""}
        </Text>
        <Text size="sm">
          {t("admin.audit.actor")}: {actorName(entry)}
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
