/** CSV downloads open in Excel with Chinese intact: the file starts with a UTF-8 byte order mark. */
import { afterEach, describe, expect, it, vi } from "vitest"
import { download } from "@/admin/importReport"
import { rosterCsv } from "@/admin/roster"

afterEach(() => vi.restoreAllMocks())

async function bytesOf(type: string, text: string): Promise<Uint8Array> {
  const created: Blob[] = []
  URL.createObjectURL = vi.fn((b: Blob) => {
    created.push(b)
    return "blob:x"
  })
  URL.revokeObjectURL = vi.fn()
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {})
  download("x.csv", text, type)
  const blob = created[0]!
  const buffer = await new Promise<ArrayBuffer>((resolve) => {
    const reader = new FileReader()
    reader.onload = () => resolve(reader.result as ArrayBuffer)
    reader.readAsArrayBuffer(blob)
  })
  return new Uint8Array(buffer)
}

describe("download", () => {
  it("starts a CSV with the UTF-8 BOM, then the text as UTF-8", async () => {
    const csv = rosterCsv([
      {
        id: "e1",
        user_id: "u1",
        username: "li",
        display_name: "李雷",
        status: "active",
        progress: 33.3333,
        enrolled_at: "2026-01-01T00:00:00Z",
        updated_at: "2026-01-02T00:00:00Z",
        completed_at: null,
      } as Parameters<typeof rosterCsv>[0][number],
    ])
    const bytes = await bytesOf("text/csv;charset=utf-8", csv)
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.slice(3))).toBe(csv)
    expect(csv).toContain("李雷")
  })

  it("leaves other files as they are", async () => {
    const bytes = await bytesOf("application/x-ndjson", '{"a":1}\n')
    expect(bytes[0]).toBe("{".charCodeAt(0))
  })
})
