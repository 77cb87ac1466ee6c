/** A followed recommendation is reported once, with its list and place; failures never surface. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { reportRecommendationClick } from "@/api/recommendationClicks"
import { setupClient } from "@/api/setup"
import { sessionStore } from "@/api/session"
import { client } from "@/client/client.gen"
import { fakeServer, json } from "./fakeServer"

const IMP = "65a000000000000000000001"
const COURSE = "65a000000000000000000002"

beforeEach(() => {
  setupClient()
  client.setConfig({ baseUrl: "http://localhost" })
  sessionStore.set({ access_token: "t", token_type: "bearer", expires_in: 900 })
})
afterEach(() => vi.unstubAllGlobals())

describe("reportRecommendationClick", () => {
  it("posts the list, the course and its 1-based place, without being awaited", async () => {
    const bodies: unknown[] = []
    const server = fakeServer({
      "POST /api/v1/me/recommendations/clicks": async (req) => {
        bodies.push(await req.json())
        return new Response(null, { status: 204 })
      },
    })
    expect(reportRecommendationClick(IMP, COURSE, 2)).toBeUndefined()
    await vi.waitFor(() => expect(bodies).toEqual([{ impression_id: IMP, course_id: COURSE, position: 2 }]))
    expect(server.calls[0]).toMatchObject({ method: "POST", auth: "Bearer t" })
  })

  it("swallows a failed report (expired list, offline)", async () => {
    const unhandled = vi.fn()
    process.on("unhandledRejection", unhandled)
    const server = fakeServer({ "POST /api/v1/me/recommendations/clicks": () => json({ title: "Not Found" }, 404) })
    reportRecommendationClick(IMP, COURSE, 1)
    await vi.waitFor(() => expect(server.calls).toHaveLength(1))
    await new Promise((r) => setTimeout(r, 20))
    process.off("unhandledRejection", unhandled)
    expect(unhandled).not.toHaveBeenCalled()
  })

  it("sends nothing for a list without an impression id", () => {
    const server = fakeServer({})
    reportRecommendationClick(null, COURSE, 1)
    expect(server.calls).toHaveLength(0)
  })
})
