/**
 * The catalogue's pages follow the API's cursor: "Next page" asks with the previous page's `next_after`
 * (never an offset), the cursor lives in the URL beside the page number, back/forward and "Previous" show
 * the pages seen before, and a shared link to a deep page without a cursor is asked for by offset.
 */
import { MantineProvider } from "@mantine/core"
import { QueryClient, QueryClientProvider } from "@tanstack/react-query"
import { createMemoryHistory, createRouter, RouterProvider } from "@tanstack/react-router"
import { render, screen, waitFor } from "@testing-library/react"
import userEvent from "@testing-library/user-event"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { setupClient } from "@/api/setup"
import { client } from "@/client/client.gen"
import i18n from "@/i18n"
import { forgetCursors } from "@/lib/pageCursors"
import { routeTree } from "@/routeTree.gen"
import { fakeServer, json } from "./fakeServer"

const COURSES = Array.from({ length: 30 }, (_, n) => ({
  id: `c${n}`,
  slug: `course-${n}`,
  name: `Course ${n + 1}`,
  description: "",
  tags: [],
  status: "published",
  section_count: 0,
  total_minutes: 0,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  version: 1,
}))

/** A catalogue API whose cursors are its own opaque tokens ("k" + offset, reversed so nobody parses them). */
function catalogueServer() {
  const asked: { after: string | null; offset: string | null }[] = []
  const cursor = (offset: number) => `k${String(offset).split("").reverse().join("")}x`
  const server = fakeServer({
    "GET /api/v1/courses": (req) => {
      const params = new URL(req.url).searchParams
      const limit = Number(params.get("limit"))
      if (limit !== 12) return json({ items: [], total: 0, limit, offset: 0, next_after: null })
      const after = params.get("after")
      asked.push({ after, offset: params.get("offset") })
      const offset = after ? Number(after.slice(1, -1).split("").reverse().join("")) : Number(params.get("offset") ?? 0)
      const end = offset + limit
      return json({
        items: COURSES.slice(offset, end),
        total: COURSES.length,
        limit,
        offset,
        next_after: end < COURSES.length ? cursor(end) : null,
      })
    },
    "GET /api/v1/courses/popular": () => json({ items: [], window: "7d" }),
    "POST /api/v1/auth/session/refresh": () => json({ title: "Unauthorized", status: 401 }, 401),
  })
  return { asked, server, cursor }
}

function renderAt(url: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const router = createRouter({
    routeTree,
    context: { queryClient },
    history: createMemoryHistory({ initialEntries: [url] }),
  })
  render(
    <QueryClientProvider client={queryClient}>
      <MantineProvider env="test">
        <RouterProvider router={router} />
      </MantineProvider>
    </QueryClientProvider>,
  )
  return router
}

// The first render loads the page's code (split by route): more than findBy's default second on a busy machine.
const first = (text: string) => screen.findByText(text, {}, { timeout: 10_000 })

const search = (router: ReturnType<typeof renderAt>) => router.state.location.search as Record<string, unknown>

beforeEach(async () => {
  forgetCursors()
  window.scrollTo = () => {} // jsdom has no layout; the router restores scroll positions
  setupClient()
  client.setConfig({ baseUrl: "http://localhost" })
  await i18n.changeLanguage("en")
})
afterEach(() => vi.unstubAllGlobals())

// Several renders and navigations each: well within a second alone, but not on a loaded machine.
describe("catalogue paging", { timeout: 30_000 }, () => {
  it("follows next_after for the next pages, keeps it in the URL, and goes back without offsets", async () => {
    const { asked, cursor } = catalogueServer()
    const router = renderAt("/")
    expect(await first("Course 1")).toBeInTheDocument()
    expect(screen.getByText("Page 1 of 3")).toBeInTheDocument()
    expect(asked).toEqual([{ after: null, offset: "0" }])

    await userEvent.click(screen.getByRole("button", { name: "Next page" }))
    expect(await screen.findByText("Course 13")).toBeInTheDocument()
    expect(search(router)).toMatchObject({ page: 2, after: cursor(12) })
    await userEvent.click(screen.getByRole("button", { name: "Next page" }))
    expect(await screen.findByText("Course 25")).toBeInTheDocument()
    expect(screen.getByText("Page 3 of 3")).toBeInTheDocument()
    expect(screen.getByRole("button", { name: "Next page" })).toBeDisabled()
    expect(asked.slice(1)).toEqual([
      { after: cursor(12), offset: null },
      { after: cursor(24), offset: null },
    ])

    // Back (the browser's) and Previous (the page's) both land on page 2 by its cursor.
    router.history.back()
    expect(await screen.findByText("Course 13")).toBeInTheDocument()
    expect(search(router)).toMatchObject({ page: 2, after: cursor(12) })
    router.history.forward()
    expect(await screen.findByText("Course 25")).toBeInTheDocument()
    await userEvent.click(screen.getByRole("button", { name: "Previous page" }))
    expect(await screen.findByText("Course 13")).toBeInTheDocument()
    expect(search(router)).toMatchObject({ page: 2, after: cursor(12) })
    await userEvent.click(screen.getByRole("button", { name: "Previous page" }))
    expect(await screen.findByText("Course 1")).toBeInTheDocument()
    expect(search(router).page).toBeUndefined()
    expect(search(router).after).toBeUndefined()
    expect(asked.every((a) => a.offset === null || a.offset === "0")).toBe(true)
  })

  it("asks a linked deep page without a cursor by offset, ignores a malformed cursor, and pages on by cursor", async () => {
    const { asked, cursor } = catalogueServer()
    const router = renderAt("/?page=2&after=%3Cscript%3E")
    expect(await first("Course 13")).toBeInTheDocument()
    expect(search(router).after).toBeUndefined()
    expect(asked).toEqual([{ after: null, offset: "12" }])
    await userEvent.click(screen.getByRole("button", { name: "Next page" }))
    expect(await screen.findByText("Course 25")).toBeInTheDocument()
    await waitFor(() => expect(asked.at(-1)).toEqual({ after: cursor(24), offset: null }))
  })

  it("starts again from page 1 when the search changes", async () => {
    const { asked } = catalogueServer()
    const router = renderAt("/")
    expect(await first("Course 1")).toBeInTheDocument()
    await userEvent.click(screen.getByRole("button", { name: "Next page" }))
    expect(await screen.findByText("Course 13")).toBeInTheDocument()
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Sort by" }), "name")
    await waitFor(() => expect(search(router)).toEqual({ sort: "name" }))
    await waitFor(() => expect(asked.at(-1)).toEqual({ after: null, offset: "0" }))
  })
})
