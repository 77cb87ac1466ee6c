/** The course picker's list: read page by page, each course once even when the pages shift under it. */
import { QueryClient } from "@tanstack/react-query"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { allCoursesQuery } from "@/admin/queries"
import { setupClient } from "@/api/setup"
import { client } from "@/client/client.gen"
import { fakeServer, json } from "../fakeServer"

beforeEach(() => {
  setupClient()
  client.setConfig({ baseUrl: "http://localhost" })
})
afterEach(() => vi.unstubAllGlobals())

describe("allCoursesQuery", () => {
  it("keeps a course once when a course created meanwhile shifts it onto the next page", async () => {
    const course = (n: number) => ({ id: n.toString(16).padStart(24, "0"), name: `Course ${n}` })
    const pages: Record<string, unknown> = {
      "0": { items: Array.from({ length: 100 }, (_, i) => course(i)), total: 150, limit: 100, offset: 0 },
      // one course was added before course 99 meanwhile: course 99 comes again at the top of page 2
      "100": { items: Array.from({ length: 51 }, (_, i) => course(i + 99)), total: 151, limit: 100, offset: 100 },
    }
    fakeServer({ "GET /api/v1/courses": (req) => json(pages[new URL(req.url).searchParams.get("offset") ?? "0"]) })
    const list = await new QueryClient().fetchQuery(allCoursesQuery())
    expect(list).toHaveLength(150)
    expect(new Set(list.map((c) => c.id)).size).toBe(150)
  })
})
