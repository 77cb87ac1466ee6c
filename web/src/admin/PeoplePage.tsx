/** People: search users, change a role, disable or enable an account, each after a confirmation. */
import { Badge, Button, Group, Select, Skeleton, Stack, Table, Text, TextInput, Title } from "@mantine/core"
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query"
import { getRouteApi, useNavigate } from "@tanstack/react-router"
import { useEffect, useState } from "react"
import { useTranslation } from "react-i18next"
import { usersAdminUpdate, usersListUsers } from "@/client"
import type { Role, UserPublic } from "@/client"
import { ErrorState } from "@/components/ErrorState"
import { Pager } from "@/components/Pager"
import { notify } from "@/lib/notify"
import { ConfirmDialog } from "./ConfirmDialog"
import { adminProblem } from "./problem"
import { ADMIN_PAGE, pageCount } from "./queries"

const route = getRouteApi("/admin/people")

type Ask = { user: UserPublic; change: { role?: Role; disabled?: boolean } }

export function PeoplePage() {
  const { t, i18n } = useTranslation()
  const search = route.useSearch()
  const navigate = useNavigate({ from: "/admin/people" })
  const queryClient = useQueryClient()
  const [q, setQ] = useState(search.q ?? "")
  const [ask, setAsk] = useState<Ask | null>(null)
  useEffect(() => {
    const id = setTimeout(() => {
      if ((search.q ?? "") !== q) void navigate({ search: { q: q || undefined }, replace: true })
    }, 300)
    return () => clearTimeout(id)
  }, [q]) // eslint-disable-line react-hooks/exhaustive-deps
  const page = search.page ?? 1
  const users = useQuery({
    queryKey: ["admin", "users", search.q ?? "", page],
    queryFn: async () =>
      (await usersListUsers({ query: { q: search.q, limit: ADMIN_PAGE, offset: (page - 1) * ADMIN_PAGE } })).data,
    placeholderData: keepPreviousData,
  })
  const pages = pageCount(users.data?.total ?? 0)
  useEffect(() => {
    if (users.data && !users.isPlaceholderData && page > pages) void navigate({ search: (s) => ({ ...s, page: pages > 1 ? pages : undefined }), replace: true })
  }, [users.data, users.isPlaceholderData, page, pages]) // eslint-disable-line react-hooks/exhaustive-deps
  const name = (u: UserPublic) => u.display_name || u.username

  const apply = async ({ user, change }: Ask) => {
    setAsk(null)
    try {
      await usersAdminUpdate({ path: { user_id: user.id }, body: change })
      notify(t("admin.people.updated", { name: name(user) }), "green")
      await queryClient.invalidateQueries({ queryKey: ["admin", "users"] })
    } catch (e) {
      notify(adminProblem(e, t, i18n.language), "red")
    }
  }
  const askText = (a: Ask) =>
    a.change.disabled === true
      ? t("admin.people.disableConfirm", { name: name(a.user) })
      : a.change.disabled === false
        ? t("admin.people.enableConfirm", { name: name(a.user) })
        : t("admin.people.roleConfirm", { name: name(a.user), role: t(`admin.people.${a.change.role}`) })
  const askLabel = (a: Ask) =>
    a.change.disabled === true ? t("admin.people.disable") : a.change.disabled === false ? t("admin.people.enable") : t("admin.common.confirm")

  return (
    <Stack>
      <Title order={1}>{t("admin.people.title")}</Title>
      <TextInput label={t("admin.people.search")} value={q} onChange={(e) => setQ(e.currentTarget.value)} type="search" maw={360} />
      {users.isError ? (
        <ErrorState error={users.error} onRetry={() => void users.refetch()} />
      ) : !users.data ? (
        <Stack>{Array.from({ length: 6 }, (_, i) => <Skeleton key={i} height={36} />)}</Stack>
      ) : users.data.items.length === 0 ? (
        <Text>{t("admin.common.noResults")}</Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("admin.people.username")}</Table.Th>
                <Table.Th>{t("admin.people.displayName")}</Table.Th>
                <Table.Th>{t("admin.people.role")}</Table.Th>
                <Table.Th>{t("admin.people.state")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.data.items.map((u) => (
                <Table.Tr key={u.id}>
                  <Table.Td>{u.username}</Table.Td>
                  <Table.Td>{u.display_name}</Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={t("admin.people.changeRole", { name: name(u) })}
                      value={u.role}
                      allowDeselect={false}
                      w={140}
                      data={[
                        { value: "student", label: t("admin.people.student") },
                        { value: "admin", label: t("admin.people.admin") },
                      ]}
                      onChange={(v) => v && v !== u.role && setAsk({ user: u, change: { role: v as Role } })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Badge color={u.disabled ? "red" : "green"} c={u.disabled ? "red.9" : undefined} variant="light" mr="xs">
                      {u.disabled ? t("admin.people.disabled") : t("admin.people.enabled")}
                    </Badge>
                    <Button
                      size="xs"
                      variant="outline"
                      color={u.disabled ? "green" : "red"}
                      aria-label={`${u.disabled ? t("admin.people.enable") : t("admin.people.disable")} ${u.username}`}
                      onClick={() => setAsk({ user: u, change: { disabled: !u.disabled } })}
                    >
                      {u.disabled ? t("admin.people.enable") : t("admin.people.disable")}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {users.data && users.data.total > 0 && (
        <Group justify="space-between" wrap="wrap">
          <Text size="sm">{t("admin.common.total", { count: users.data.total })}</Text>
          {pages > 1 && <Pager page={Math.min(page, pages)} pages={pages} onPage={(p) => void navigate({ search: (s) => ({ ...s, page: p > 1 ? p : undefined }) })} />}
        </Group>
      )}
      <ConfirmDialog
        opened={ask !== null}
        title={ask ? (ask.change.role ? t("admin.people.changeRoleTitle") : askLabel(ask)) : ""}
        text={ask ? askText(ask) : ""}
        confirmLabel={ask ? askLabel(ask) : ""}
        danger={ask?.change.disabled === true}
        onConfirm={() => ask && void apply(ask)}
        onCancel={() => setAsk(null)}
      />
    </Stack>
  )
}
