/** The optimistic mark: the cache changes before the server answers; a failure undoes it and says why. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query"
import { act, renderHook, waitFor } from "@testing-library/react"
import type { ReactNode } from "react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { ApiError } from "@/api/problem"
import { setupClient } from "@/api/setup"
import { sessionStore } from "@/api/session"
import { client } from "@/client/client.gen"
import type { EnrollmentDetail } from "@/client"
import { applyMark, useMarkProgress } from "@/hooks/useMarkProgress"
import { fakeServer, json } from "./fakeServer"

const E: EnrollmentDetail = {
  id: "e1",
  user_id: "u1",
  course_id: "c1",
  status: "active",
  progress: 0,
  completed_sections: [],
  enrolled_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  completed_at: null,
  history: [],
}
const KEY = ["enrollments", "one", "e1"]

function setup() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } })
  queryClient.setQueryData(KEY, E)
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
  )
  return { queryClient, wrapper }
}

beforeEach(() => {
  setupClient()
  client.setConfig({ baseUrl: "http://localhost" })
  sessionStore.set({ access_token: "t", token_type: "bearer", expires_in: 900 })
})
afterEach(() => vi.unstubAllGlobals())

describe("applyMark", () => {
  it("adds and removes a section", () => {
    expect(applyMark(E, { sectionId: "s1", completed: true }).completed_sections).toEqual(["s1"])
    expect(applyMark({ ...E, completed_sections: ["s1", "s2"] }, { sectionId: "s1", completed: false }).completed_sections).toEqual(["s2"])
  })
})

describe("useMarkProgress", () => {
  it("shows the mark at once, then takes the server's answer", async () => {
    let release: (r: Response) => void = () => {}
    fakeServer({
      "POST /api/v1/enrollments/e1/progress": () => new Promise<Response>((resolve) => (release = resolve)),
    })
    const { queryClient, wrapper } = setup()
    const { result } = renderHook(() => useMarkProgress("e1"), { wrapper })
    act(() => result.current.mutate({ sectionId: "s1", completed: true }))
    await waitFor(() => expect(queryClient.getQueryData<EnrollmentDetail>(KEY)?.completed_sections).toEqual(["s1"]))
    release(json({ ...E, completed_sections: ["s1"], progress: 50 }))
    await waitFor(() => expect(result.current.isSuccess).toBe(true))
    expect(queryClient.getQueryData<EnrollmentDetail>(KEY)?.progress).toBe(50)
  })

  it("rolls back only that mark and reports the error", async () => {
    fakeServer({
      "POST /api/v1/enrollments/e1/progress": () => json({ title: "Unprocessable", detail: "no such section" }, 422),
    })
    const { queryClient, wrapper } = setup()
    queryClient.setQueryData(KEY, { ...E, completed_sections: ["s0"] })
    const onError = vi.fn()
    const { result } = renderHook(() => useMarkProgress("e1", onError), { wrapper })
    act(() => result.current.mutate({ sectionId: "s9", completed: true }))
    await waitFor(() => expect(onError).toHaveBeenCalledOnce())
    expect(onError.mock.calls[0]![0]).toBeInstanceOf(ApiError)
    expect(queryClient.getQueryData<EnrollmentDetail>(KEY)?.completed_sections).toEqual(["s0"])
  })
})
